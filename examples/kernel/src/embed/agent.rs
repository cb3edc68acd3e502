//! The live-attach agent's home in the reference kernel (placeholder: the
//! runtime agent is wired in by a later commit).

use crate::sched;

/// Run the agent on the console UART forever (the `serve` command's main
/// thread ends here).
pub fn serve_forever() -> ! {
    loop {
        sched::sleep_until(sched::jiffies() + 1);
    }
}
