//! The agent's address on the command line: `tcp:HOST:PORT`.

use std::net::{SocketAddr, ToSocketAddrs};

/// Parse `tcp:HOST:PORT` (HOST an IP address or a name, `[::1]` for IPv6;
/// PORT 0 picks a free port). Anyone who can connect can load code into
/// the target's kernel, and the agent has no authentication: an address
/// that is not loopback is refused unless `any` (`--agent-any`).
pub fn parse(spec: &str, any: bool) -> Result<SocketAddr, String> {
    let Some(host_port) = spec.strip_prefix("tcp:") else {
        return Err(format!("the agent address must be tcp:HOST:PORT, e.g. tcp:127.0.0.1:4444 (got {spec:?})"));
    };
    let addr = match host_port.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => addr,
        Ok(None) => return Err(format!("{spec}: the host has no address")),
        Err(e) => return Err(format!("{spec}: {e}")),
    };
    if !any && !addr.ip().is_loopback() {
        return Err(format!(
            "{spec} is not a loopback address: whoever reaches it can load code into the target's kernel \
             (the agent has no authentication); pass --agent-any to listen there anyway"
        ));
    }
    Ok(addr)
}

/// How the address is shown: `tcp:127.0.0.1:4444`, `tcp:[::1]:4444`.
pub fn show(addr: SocketAddr) -> String {
    format!("tcp:{addr}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_parse() {
        assert_eq!(parse("tcp:127.0.0.1:4444", false).unwrap(), "127.0.0.1:4444".parse().unwrap());
        assert_eq!(parse("tcp:[::1]:0", false).unwrap(), "[::1]:0".parse().unwrap());
        assert!(parse("tcp:localhost:5", false).unwrap().ip().is_loopback());
        assert_eq!(show("[::1]:7".parse().unwrap()), "tcp:[::1]:7");
    }

    #[test]
    fn other_addresses_need_agent_any() {
        let err = parse("tcp:0.0.0.0:4444", false).unwrap_err();
        assert!(err.contains("not a loopback address") && err.contains("--agent-any"), "{err}");
        assert_eq!(parse("tcp:0.0.0.0:4444", true).unwrap(), "0.0.0.0:4444".parse().unwrap());
    }

    #[test]
    fn malformed_addresses_say_what_is_expected() {
        assert!(parse("127.0.0.1:4444", false).unwrap_err().contains("tcp:HOST:PORT"));
        assert!(parse("tcp:127.0.0.1", false).is_err());
        assert!(parse("tcp:127.0.0.1:99999", false).is_err());
    }
}
