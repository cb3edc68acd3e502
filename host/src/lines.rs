//! Whole lines on standard output. The target's console (from the boot
//! proxy's thread) and a script's formatted output (from the session's
//! thread) share standard output: each writes whole lines only, so no
//! line is ever split by the other. With JSON output the console's lines
//! become records of their own (`{"type": "console", "data": "..."}`), so
//! every line on standard output is JSON.

use std::io::Write;

/// What a line writer does with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Written as it is.
    Plain,
    /// Wrapped as a JSON console record.
    JsonConsole,
}

/// Buffers bytes until a newline, then writes the line to standard output
/// in one locked write. What is left at drop is written as a line too.
pub struct LineOut {
    kind: LineKind,
    buf: Vec<u8>,
}

impl LineOut {
    /// A writer of `kind`.
    pub fn new(kind: LineKind) -> Self {
        LineOut { kind, buf: Vec::new() }
    }

    fn emit(&mut self, line: &[u8]) {
        let text: Vec<u8> = match self.kind {
            LineKind::Plain => line.to_vec(),
            LineKind::JsonConsole => {
                let body = line.strip_suffix(b"\n").unwrap_or(line);
                let mut s = String::from("{\"type\": \"console\", \"data\": ");
                let _ = probec_loader::value::write_json_str(&mut s, &String::from_utf8_lossy(body));
                s.push_str("}\n");
                s.into_bytes()
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&text).and_then(|_| out.flush());
    }
}

impl Write for LineOut {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        while let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            self.emit(&line);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::fmt::Write for LineOut {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        Write::write(self, s.as_bytes()).map(|_| ()).map_err(|_| std::fmt::Error)
    }
}

impl Drop for LineOut {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            let mut rest = std::mem::take(&mut self.buf);
            if self.kind == LineKind::JsonConsole {
                rest.push(b'\n');
            }
            self.emit(&rest);
        }
    }
}
