//! Following the kernel's console: QEMU's standard output is the virt
//! board's serial line.

use std::io::{Read, Write};
use std::thread::JoinHandle;

/// What happens to the console output of a run.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Console {
    /// Kept in [`crate::Run::output`] (the test suites parse it).
    #[default]
    Capture,
    /// Written to standard output as it arrives and not kept (`probec
    /// run`: a trace may run for a long time and be large).
    Stream,
    /// Both: written as it arrives and kept (benchmarks, verbose tests).
    StreamAndCapture,
}

/// Read `from` to its end on a thread, dropping CRs (a serial console ends
/// lines with CRLF); the thread returns what was captured.
pub(crate) fn follow(mut from: impl Read + Send + 'static, console: Console) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let text: Vec<u8> = buf[..n].iter().copied().filter(|&b| b != b'\r').collect();
                    if console != Console::Capture {
                        let mut out = std::io::stdout().lock();
                        let _ = out.write_all(&text);
                        let _ = out.flush();
                    }
                    if console != Console::Stream {
                        kept.extend_from_slice(&text);
                    }
                }
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}
