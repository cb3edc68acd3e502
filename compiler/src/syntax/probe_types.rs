//! The probe types of the language, in one place: the parser resolves a
//! probe's type here, and every message that lists the supported types (or
//! says why one of bpftrace's is missing) reads this table.

use crate::ast::ProbeKind;

/// One attachable probe type: `NAME:TARGET`.
struct ProbeType {
    name: &'static str,
    alias: &'static str,
    kind: ProbeKind,
}

const ATTACH_TYPES: &[ProbeType] = &[
    ProbeType { name: "kprobe", alias: "k", kind: ProbeKind::Kprobe },
    ProbeType { name: "kretprobe", alias: "kr", kind: ProbeKind::Kretprobe },
];

/// The kind and canonical name of an attachable probe type written `word`.
pub(super) fn lookup(word: &str) -> Option<(ProbeKind, &'static str)> {
    ATTACH_TYPES.iter().find(|t| t.name == word || t.alias == word).map(|t| (t.kind, t.name))
}

/// "kprobe (k), kretprobe (kr), BEGIN and END": for help texts.
pub(super) fn supported() -> String {
    let attach: Vec<String> = ATTACH_TYPES.iter().map(|t| format!("{} ({})", t.name, t.alias)).collect();
    format!("{}, BEGIN and END", attach.join(", "))
}

/// Why a probe type bpftrace has is not in probec (yet), and what to use
/// instead; `None` for a word bpftrace does not know either.
pub(super) fn missing_because(word: &str) -> Option<&'static str> {
    Some(match word {
        "interval" | "i" | "profile" | "p" => {
            "time-based probes (`interval`, `profile`) are not supported yet; count in a kprobe on the timer interrupt handler meanwhile"
        }
        "tracepoint" | "t" | "rawtracepoint" | "rt" => {
            "the targets probec runs in have no tracepoints: put a kprobe on the function that would emit the event"
        }
        "uprobe" | "u" | "uretprobe" | "ur" | "usdt" | "U" => {
            "probec attaches to the target's own code (kernel, hypervisor, firmware): there are no user-space processes to probe"
        }
        "kfunc" | "f" | "fentry" | "kretfunc" | "fr" | "fexit" => {
            "use `kprobe:FUNCTION` for the entry and `kretprobe:FUNCTION` for the return"
        }
        "software" | "s" | "hardware" | "h" => "perf events are not supported: there is no perf subsystem in the target",
        "watchpoint" | "w" | "asyncwatchpoint" | "aw" => "hardware watchpoints are not supported yet",
        "iter" | "it" | "self" => "this bpftrace probe type has no counterpart in probec",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_resolve() {
        assert_eq!(lookup("kprobe"), Some((ProbeKind::Kprobe, "kprobe")));
        assert_eq!(lookup("k"), Some((ProbeKind::Kprobe, "kprobe")));
        assert_eq!(lookup("kr"), Some((ProbeKind::Kretprobe, "kretprobe")));
        assert_eq!(lookup("interval"), None);
        assert_eq!(supported(), "kprobe (k), kretprobe (kr), BEGIN and END");
    }

    #[test]
    fn every_missing_bpftrace_type_is_not_attachable() {
        for word in ["interval", "profile", "tracepoint", "uprobe", "usdt", "kfunc", "fexit", "software", "watchpoint", "iter"] {
            assert!(missing_because(word).is_some(), "{word}");
            assert!(lookup(word).is_none(), "{word}");
        }
        assert!(missing_because("kprobe").is_none());
    }
}
