//! The saved register frame: what an exception vector stores on entry and
//! restores on return. Simulators and handlers read and update it; the
//! embedder's vector code must use exactly this layout (see `OFFSET_*`).

/// Full AArch64 register state of the interrupted context.
///
/// `repr(C)` with fixed offsets because the embedder's assembly stores it.
/// The SIMD&FP part is included because simulated literal loads to S/D/Q
/// registers write it, and because Rust handlers may use SIMD registers.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// X0..X30. X30 is the link register.
    pub x: [u64; 31],
    /// Stack pointer of the interrupted context (SP_EL1 or SP_EL0 per SPSel).
    pub sp: u64,
    /// ELR: address of the instruction that trapped, or where to resume.
    pub pc: u64,
    /// SPSR: the interrupted PSTATE (NZCV, DAIF, SS, BTYPE, mode, ...).
    pub pstate: u64,
    /// FPSR of the interrupted context.
    pub fpsr: u64,
    /// FPCR of the interrupted context.
    pub fpcr: u64,
    /// V0..V31 (Q registers), little-endian lane order as `STR Qn` stores.
    pub v: [u128; 32],
}

/// Byte offset of `x[0]` in [`Frame`].
pub const OFFSET_X: usize = 0;
/// Byte offset of `sp` in [`Frame`].
pub const OFFSET_SP: usize = 31 * 8;
/// Byte offset of `pc` in [`Frame`].
pub const OFFSET_PC: usize = 32 * 8;
/// Byte offset of `pstate` in [`Frame`].
pub const OFFSET_PSTATE: usize = 33 * 8;
/// Byte offset of `fpsr` in [`Frame`].
pub const OFFSET_FPSR: usize = 34 * 8;
/// Byte offset of `fpcr` in [`Frame`].
pub const OFFSET_FPCR: usize = 35 * 8;
/// Byte offset of `v[0]` in [`Frame`].
pub const OFFSET_V: usize = 36 * 8;
/// Size of [`Frame`] in bytes (a multiple of 16, so SP stays aligned).
pub const FRAME_SIZE: usize = OFFSET_V + 32 * 16;

const _: () = {
    assert!(core::mem::offset_of!(Frame, sp) == OFFSET_SP);
    assert!(core::mem::offset_of!(Frame, pc) == OFFSET_PC);
    assert!(core::mem::offset_of!(Frame, pstate) == OFFSET_PSTATE);
    assert!(core::mem::offset_of!(Frame, fpsr) == OFFSET_FPSR);
    assert!(core::mem::offset_of!(Frame, fpcr) == OFFSET_FPCR);
    assert!(core::mem::offset_of!(Frame, v) == OFFSET_V);
    assert!(core::mem::size_of::<Frame>() == FRAME_SIZE);
};

impl Frame {
    /// An all-zero frame (useful for tests and as an initial value).
    pub const fn zeroed() -> Self {
        Frame { x: [0; 31], sp: 0, pc: 0, pstate: 0, fpsr: 0, fpcr: 0, v: [0; 32] }
    }

    /// Read general register `n` where 31 means XZR (reads as zero).
    pub fn xzr(&self, n: u32) -> u64 {
        if n == 31 {
            0
        } else {
            self.x[n as usize]
        }
    }

    /// Read general register `n` where 31 means SP.
    pub fn xsp(&self, n: u32) -> u64 {
        if n == 31 {
            self.sp
        } else {
            self.x[n as usize]
        }
    }

    /// Write general register `n` where 31 means XZR (write discarded).
    pub fn set_xzr(&mut self, n: u32, value: u64) {
        if n != 31 {
            self.x[n as usize] = value;
        }
    }

    /// Write general register `n` where 31 means SP.
    pub fn set_xsp(&mut self, n: u32, value: u64) {
        if n == 31 {
            self.sp = value
        } else {
            self.x[n as usize] = value
        }
    }
}

/// What the embedder's exception entry saves in the [`Frame`] it
/// hands to the runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameContents {
    /// Everything: x0–x30, SP, PC, PSTATE, FPSR, FPCR and q0–q31.
    Full,
    /// x0–x30, SP, PC and PSTATE only, as in a kernel built without
    /// FP/SIMD (Linux's `-mgeneral-regs-only`, Rust's
    /// `aarch64-unknown-none-softfloat`): nothing between the exception and
    /// its return touches FP/SIMD state, so it stays live in the registers.
    /// The runtime then writes simulated SIMD&FP results to the registers
    /// themselves, handlers must not read `frame.v`/`fpsr`/`fpcr`, and the
    /// script loader refuses handler code that uses FP/SIMD instructions.
    GeneralRegisters,
}
