//! What the CPU implements, from its ID registers: generators only emit
//! instructions the CPU has, since an UNDEFINED instruction would end the
//! run (natively as well as out of line). QEMU 7.2's `cortex-a57` has the
//! v8.0 base with AES/PMULL, SHA1/SHA256 and CRC32; `max` adds LSE, FP16,
//! RDM, dot product, PAuth, RCpc and the rest of what QEMU emulates.

/// Optional architecture features the generators care about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// FEAT_AES (AESE/AESD/AESMC/AESIMC).
    pub aes: bool,
    /// FEAT_PMULL (PMULL/PMULL2 on 64-bit elements).
    pub pmull: bool,
    /// FEAT_SHA1.
    pub sha1: bool,
    /// FEAT_SHA256.
    pub sha256: bool,
    /// FEAT_SHA512.
    pub sha512: bool,
    /// FEAT_SHA3 (EOR3, BCAX, RAX1, XAR).
    pub sha3: bool,
    /// FEAT_SM3.
    pub sm3: bool,
    /// FEAT_SM4.
    pub sm4: bool,
    /// FEAT_CRC32.
    pub crc32: bool,
    /// FEAT_LSE (CAS, CASP, LDADD..., SWP).
    pub lse: bool,
    /// FEAT_RDM (SQRDMLAH/SQRDMLSH).
    pub rdm: bool,
    /// FEAT_DotProd (SDOT/UDOT).
    pub dotprod: bool,
    /// FEAT_FHM (FMLAL/FMLSL).
    pub fhm: bool,
    /// FEAT_FlagM (CFINV, RMIF, SETF8/16).
    pub flagm: bool,
    /// FEAT_FlagM2 (AXFLAG, XAFLAG).
    pub flagm2: bool,
    /// FEAT_DPB (DC CVAP).
    pub dpb: bool,
    /// FEAT_DPB2 (DC CVADP).
    pub dpb2: bool,
    /// FEAT_PAuth (PACIA... register forms, XPACI, LDRAA).
    pub pauth: bool,
    /// FEAT_JSCVT (FJCVTZS).
    pub jscvt: bool,
    /// FEAT_FCMA (FCMLA, FCADD).
    pub fcma: bool,
    /// FEAT_LRCPC (LDAPR).
    pub rcpc: bool,
    /// FEAT_LRCPC2 (LDAPUR, STLUR).
    pub rcpc2: bool,
    /// FEAT_FRINTTS (FRINT32Z...).
    pub frintts: bool,
    /// FEAT_SB.
    pub sb: bool,
    /// FEAT_SPECRES (CFP/DVP/CPP RCTX).
    pub specres: bool,
    /// FEAT_BF16.
    pub bf16: bool,
    /// FEAT_DGH.
    pub dgh: bool,
    /// FEAT_I8MM.
    pub i8mm: bool,
    /// FEAT_FP16 (half-precision arithmetic, scalar and vector).
    pub fp16: bool,
    /// FEAT_HBC (BC.cond).
    pub hbc: bool,
    /// FEAT_LOR (LDLAR/STLLR).
    pub lor: bool,
    /// FEAT_PAN (MRS PAN).
    pub pan: bool,
    /// FEAT_UAO (MRS UAO).
    pub uao: bool,
    /// FEAT_DIT (MRS DIT).
    pub dit: bool,
    /// FEAT_SSBS (MRS SSBS).
    pub ssbs: bool,
    /// DC ZVA is permitted (DCZID_EL0.DZP = 0); its block size in bytes.
    pub dczva_block: usize,
}

const fn field(reg: u64, lo: u32) -> u64 {
    (reg >> lo) & 0xf
}

impl Features {
    /// Everything on (host-side generator checks).
    #[cfg_attr(target_arch = "aarch64", allow(dead_code))]
    pub fn all() -> Features {
        Features {
            aes: true,
            pmull: true,
            sha1: true,
            sha256: true,
            sha512: true,
            sha3: true,
            sm3: true,
            sm4: true,
            crc32: true,
            lse: true,
            rdm: true,
            dotprod: true,
            fhm: true,
            flagm: true,
            flagm2: true,
            dpb: true,
            dpb2: true,
            pauth: true,
            jscvt: true,
            fcma: true,
            rcpc: true,
            rcpc2: true,
            frintts: true,
            sb: true,
            specres: true,
            bf16: true,
            dgh: true,
            i8mm: true,
            fp16: true,
            hbc: true,
            lor: true,
            pan: true,
            uao: true,
            dit: true,
            ssbs: true,
            dczva_block: 64,
        }
    }

    /// Decode the ID register values.
    #[allow(clippy::too_many_arguments)]
    pub fn from_id_regs(isar0: u64, isar1: u64, isar2: u64, pfr0: u64, pfr1: u64, mmfr1: u64, mmfr2: u64, dczid: u64) -> Features {
        let fp = field(pfr0, 16);
        let simd = field(pfr0, 20);
        Features {
            aes: field(isar0, 4) >= 1,
            pmull: field(isar0, 4) >= 2,
            sha1: field(isar0, 8) >= 1,
            sha256: field(isar0, 12) >= 1,
            sha512: field(isar0, 12) >= 2,
            crc32: field(isar0, 16) >= 1,
            lse: field(isar0, 20) >= 2,
            rdm: field(isar0, 28) >= 1,
            sha3: field(isar0, 32) >= 1,
            sm3: field(isar0, 36) >= 1,
            sm4: field(isar0, 40) >= 1,
            dotprod: field(isar0, 44) >= 1,
            fhm: field(isar0, 48) >= 1,
            flagm: field(isar0, 52) >= 1,
            flagm2: field(isar0, 52) >= 2,
            dpb: field(isar1, 0) >= 1,
            dpb2: field(isar1, 0) >= 2,
            pauth: field(isar1, 4) != 0 || field(isar1, 8) != 0 || field(isar2, 12) != 0,
            jscvt: field(isar1, 12) >= 1,
            fcma: field(isar1, 16) >= 1,
            rcpc: field(isar1, 20) >= 1,
            rcpc2: field(isar1, 20) >= 2,
            frintts: field(isar1, 32) >= 1,
            sb: field(isar1, 36) >= 1,
            specres: field(isar1, 40) >= 1,
            bf16: field(isar1, 44) >= 1,
            dgh: field(isar1, 48) >= 1,
            i8mm: field(isar1, 52) >= 1,
            fp16: fp == 1 && simd == 1,
            hbc: field(isar2, 20) >= 1,
            lor: field(mmfr1, 16) >= 1,
            pan: field(mmfr1, 20) >= 1,
            uao: field(mmfr2, 4) >= 1,
            dit: field(pfr0, 48) >= 1,
            ssbs: field(pfr1, 4) >= 1,
            dczva_block: if dczid & 0x10 == 0 { 4 << (dczid & 0xf) } else { 0 },
        }
    }

    /// Read this CPU's ID registers.
    #[cfg(target_arch = "aarch64")]
    pub fn detect() -> Features {
        macro_rules! read {
            ($reg:literal) => {{
                let v: u64;
                // SAFETY: ID registers are readable at EL1 and have no side effects.
                unsafe { core::arch::asm!(concat!("mrs {}, ", $reg), out(reg) v, options(nomem, nostack, preserves_flags)) };
                v
            }};
        }
        Features::from_id_regs(
            read!("id_aa64isar0_el1"),
            read!("id_aa64isar1_el1"),
            // ID_AA64ISAR2_EL1 by encoding: older assemblers lack the name;
            // the unallocated ID space reads as zero on older CPUs.
            read!("s3_0_c0_c6_2"),
            read!("id_aa64pfr0_el1"),
            read!("id_aa64pfr1_el1"),
            read!("id_aa64mmfr1_el1"),
            read!("id_aa64mmfr2_el1"),
            read!("dczid_el0"),
        )
    }

    /// Host builds (generator checks): everything.
    #[cfg(not(target_arch = "aarch64"))]
    pub fn detect() -> Features {
        Features::all()
    }

    /// Names of the optional features present, for the run's header line.
    pub fn names(&self) -> alloc::string::String {
        let list: [(bool, &str); 34] = [
            (self.aes, "aes"),
            (self.pmull, "pmull"),
            (self.sha1, "sha1"),
            (self.sha256, "sha256"),
            (self.sha512, "sha512"),
            (self.sha3, "sha3"),
            (self.sm3, "sm3"),
            (self.sm4, "sm4"),
            (self.crc32, "crc32"),
            (self.lse, "lse"),
            (self.rdm, "rdm"),
            (self.dotprod, "dotprod"),
            (self.fhm, "fhm"),
            (self.flagm, "flagm"),
            (self.flagm2, "flagm2"),
            (self.dpb, "dpb"),
            (self.dpb2, "dpb2"),
            (self.pauth, "pauth"),
            (self.jscvt, "jscvt"),
            (self.fcma, "fcma"),
            (self.rcpc, "rcpc"),
            (self.rcpc2, "rcpc2"),
            (self.frintts, "frintts"),
            (self.sb, "sb"),
            (self.specres, "specres"),
            (self.bf16, "bf16"),
            (self.dgh, "dgh"),
            (self.i8mm, "i8mm"),
            (self.fp16, "fp16"),
            (self.hbc, "hbc"),
            (self.lor, "lor"),
            (self.pan, "pan"),
            (self.uao, "uao"),
            (self.ssbs, "ssbs"),
        ];
        let mut out = alloc::string::String::new();
        for (on, name) in list {
            if on {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(name);
            }
        }
        if out.is_empty() {
            out.push_str("(v8.0 base)");
        }
        out
    }
}
