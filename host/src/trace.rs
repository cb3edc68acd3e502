//! One script traced through a session: attach, the events as they come
//! (output to a [`Sink`], `exit()` and `Finished` noted), detach, bye.
//! `probec attach` and `probec run` both drive a target through this.

use crate::output::{Reassembly, Specs};
use crate::session::{HostError, Session};
use probec_loader::output::Sink;
use probec_wire::msg::Event;
use std::time::{Duration, Instant};

/// A script attached through a session.
pub struct Trace<'a> {
    /// The session.
    pub session: Session,
    specs: &'a Specs,
    sink: &'a mut dyn Sink,
    reassembly: Reassembly,
    /// The script's id.
    pub script: u64,
    /// Probes attached.
    pub probes: u32,
    /// A handler called `exit()`.
    pub exit_requested: bool,
    /// The target's command finished with this status (`probec run`).
    pub finished: Option<i32>,
    /// The script is detached (its final report was passed on).
    pub detached: bool,
}

struct Noted {
    script: Option<u64>,
    exit: bool,
    finished: Option<i32>,
}

fn note(n: &mut Noted, ev: &Event<'_>) {
    match *ev {
        Event::Exit { script } if n.script.is_none_or(|s| s == script) => n.exit = true,
        Event::Finished { status } => n.finished = Some(status),
        _ => {}
    }
}

impl<'a> Trace<'a> {
    /// Send `object` and attach it; its output goes to `sink`.
    pub fn attach(
        mut session: Session,
        object: &[u8],
        specs: &'a Specs,
        sink: &'a mut dyn Sink,
    ) -> Result<Trace<'a>, Box<(Session, HostError)>> {
        let mut reassembly = Reassembly::default();
        let mut noted = Noted { script: None, exit: false, finished: None };
        let result = session.attach(object, &mut |ev| {
            note(&mut noted, ev);
            let _ = reassembly.on_event(specs, ev, sink);
        });
        match result {
            Ok((script, probes)) => Ok(Trace {
                session,
                specs,
                sink,
                reassembly,
                script,
                probes,
                exit_requested: noted.exit,
                finished: noted.finished,
                detached: false,
            }),
            Err(e) => Err(Box::new((session, e))),
        }
    }

    /// Handle what arrives within `wait` (and keep the lease).
    pub fn pump(&mut self, wait: Duration) -> Result<(), HostError> {
        self.session.keep_lease()?;
        let deadline = Instant::now() + wait;
        while let Some(p) = self.session.next(deadline)? {
            if let Ok((_, ev)) = Event::decode(&p) {
                self.handle(&ev);
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        Ok(())
    }

    fn handle(&mut self, ev: &Event<'_>) {
        let mut n = Noted { script: Some(self.script), exit: false, finished: None };
        note(&mut n, ev);
        self.exit_requested |= n.exit;
        if n.finished.is_some() {
            self.finished = n.finished;
        }
        let _ = self.reassembly.on_event(self.specs, ev, self.sink);
    }

    /// Detach the script: END runs in the target, the final report comes
    /// back to the sink.
    pub fn detach(&mut self) -> Result<(), HostError> {
        if self.detached {
            return Ok(());
        }
        let (specs, sink, reassembly) = (self.specs, &mut *self.sink, &mut self.reassembly);
        let mut finished = None;
        self.session.detach(self.script, &mut |ev| {
            if let Event::Finished { status } = *ev {
                finished = Some(status);
            }
            let _ = reassembly.on_event(specs, ev, sink);
        })?;
        if finished.is_some() {
            self.finished = finished;
        }
        self.detached = true;
        Ok(())
    }

    /// Wait for the target's `Finished` (after a detach the session stays
    /// open until it comes), keeping the lease; `until` bounds the wait.
    pub fn wait_finished(&mut self, until: Option<Instant>, stop: &dyn Fn() -> bool) -> Result<Option<i32>, HostError> {
        while self.finished.is_none() {
            if stop() || until.is_some_and(|u| Instant::now() >= u) {
                return Ok(None);
            }
            self.pump(Duration::from_millis(50))?;
        }
        Ok(self.finished)
    }

    /// Detach if still attached, and end the session.
    pub fn finish(mut self) -> Result<(), HostError> {
        self.detach()?;
        let (specs, sink, reassembly) = (self.specs, self.sink, &mut self.reassembly);
        self.session.bye(&mut |ev| {
            let _ = reassembly.on_event(specs, ev, sink);
        })
    }

    /// Records received and lost so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.reassembly.records_seen, self.reassembly.lost_total)
    }
}
