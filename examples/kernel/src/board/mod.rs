pub mod cpu;
pub mod layout;
pub mod mmu;
pub mod pmu;
pub mod semihosting;
pub mod smp;
pub mod time;
pub mod uart;
