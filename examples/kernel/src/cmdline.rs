//! The kernel command line.
//!
//! QEMU's semihosting SYS_GET_CMDLINE returns argv joined by spaces, where
//! argv[0] is the kernel file name followed by the words of `-append`, or
//! the `arg=` values of `-semihosting-config` if any are given (then the
//! first of them plays argv[0]). argv[0] is dropped.
//!
//! The remaining words are options (`key=value`, anywhere) and a command
//! with its arguments:
//!
//! ```text
//! [xol=step|xol=brk|xol=boost] [frame=gp|frame=full] [tick=HZ] [script=PATH [format=text|json] | script=agent] COMMAND [ARG...]
//! ```
//!
//! `tick=HZ` sets every CPU's timer tick (default 1000 Hz), which drives
//! preemption and sleeping (irq.rs, sched/).
//!
//! `frame=` chooses what the exception entry saves (embed/vectors.rs): general
//! registers only (default) or the full frame with FP/SIMD state.
//!
//! `script=PATH` is the loading convention for probe objects (see
//! script_cmd.rs): the object is read from the host, loaded and attached
//! before the command runs, and detached after it.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use probec_runtime::{FrameContents, XolMode};

/// Exit status for a bad command line (or bad arguments of a command).
pub const USAGE_EXIT_STATUS: i32 = 2;

/// The parsed command line.
#[derive(Clone)]
pub struct CmdLine {
    /// The line as the host gave it, argv[0] included.
    pub raw: String,
    /// How the runtime runs displaced instructions (`xol=`, default step).
    pub xol_mode: XolMode,
    /// What the exception entry saves (`frame=`, default general registers).
    pub frame: FrameContents,
    /// The command word, if any.
    pub command: Option<String>,
    /// The command's arguments.
    pub args: Vec<String>,
    /// `script=PATH`: a probe object on the host to load around the
    /// command; `script=agent`: a host attaches one over the agent
    /// (embed/live_run.rs).
    pub script: Option<String>,
    /// `format=`: how the script's output is printed (default text).
    pub format: ScriptFormat,
    /// `tick=HZ`: every CPU's tick rate (default 1000).
    pub tick_hz: u64,
}

/// Output format of a loaded script (`format=text|json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptFormat {
    /// bpftrace's text output.
    Text,
    /// One JSON object per line, as `bpftrace -f json`.
    Json,
}

impl CmdLine {
    /// Parse the raw semihosting command line (including argv[0]).
    pub fn parse(raw: &str) -> Result<CmdLine, String> {
        let mut cmdline = CmdLine {
            raw: raw.to_string(),
            xol_mode: XolMode::SingleStep,
            frame: FrameContents::GeneralRegisters,
            command: None,
            args: Vec::new(),
            script: None,
            format: ScriptFormat::Text,
            tick_hz: crate::irq::DEFAULT_TICK_HZ,
        };
        for word in raw.split_whitespace().skip(1) {
            if let Some((key, value)) = word.split_once('=') {
                cmdline.set_option(key, value)?;
            } else if cmdline.command.is_none() {
                cmdline.command = Some(word.to_string());
            } else {
                cmdline.args.push(word.to_string());
            }
        }
        Ok(cmdline)
    }

    fn set_option(&mut self, key: &str, value: &str) -> Result<(), String> {
        match (key, value) {
            ("xol", "step") => self.xol_mode = XolMode::SingleStep,
            ("xol", "brk") => self.xol_mode = XolMode::BrkAfterSlot,
            ("xol", "boost") => self.xol_mode = XolMode::Boost,
            ("xol", _) => return Err(format!("xol={value}: expected xol=step, xol=brk or xol=boost")),
            ("frame", "gp") => self.frame = FrameContents::GeneralRegisters,
            ("frame", "full") => self.frame = FrameContents::Full,
            ("frame", _) => return Err(format!("frame={value}: expected frame=gp or frame=full")),
            ("script", "") => return Err("script=: expected script=PATH (a probe object on the host)".to_string()),
            ("script", path) => self.script = Some(path.to_string()),
            ("format", "text") => self.format = ScriptFormat::Text,
            ("format", "json") => self.format = ScriptFormat::Json,
            ("format", _) => return Err(format!("format={value}: expected format=text or format=json")),
            ("tick", hz) => match hz.parse::<u64>() {
                Ok(hz) if (1..=100_000).contains(&hz) => self.tick_hz = hz,
                _ => return Err(format!("tick={value}: expected tick=HZ, HZ from 1 to 100000")),
            },
            _ => return Err(format!("unknown option {key}={value}")),
        }
        Ok(())
    }
}
