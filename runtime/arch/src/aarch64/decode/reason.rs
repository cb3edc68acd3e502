//! Why an instruction cannot be probed. Each reason carries a sentence a
//! user reads in `probec decode` and in attach errors, so it says what would
//! go wrong, not only what the instruction is.

/// The reason an instruction is rejected as a probe point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// LDXR/STXR/LDAXR/STLXR/LDXP/STXP and the other exclusive forms.
    Exclusive,
    /// The probe point lies between a load-exclusive and its store-exclusive
    /// (reported by attach via [`super::inside_exclusive_sequence`]).
    InsideExclusiveSequence,
    /// SVC, HVC, SMC, BRK, HLT, DCPS1/2/3.
    ExceptionGenerating,
    /// UDF: permanently undefined.
    PermanentlyUndefined,
    /// ERET, ERETAA, ERETAB, DRPS.
    ExceptionReturn,
    /// MSR (register) and MSR (immediate) to a PSTATE field.
    SystemRegisterWrite,
    /// MRS of ELR/SPSR/ESR/FAR (EL1..EL3) or MDSCR_EL1.
    ExceptionStateRead,
    /// BRAA, BLRAA, RETAA, ... (branch with pointer authentication).
    AuthenticatedBranch,
    /// AUTIASP, AUTIA1716, AUTIA Xd, Xn, ... (pointer authentication).
    Authentication,
    /// CPYx/SETx (FEAT_MOPS) memory copy and set.
    MemoryCopySet,
    /// WFI, WFE, WFIT, WFET.
    WaitForInterrupt,
    /// ESB (error synchronization barrier).
    ErrorSynchronization,
    /// TSTART, TCOMMIT, TCANCEL, TTEST (FEAT_TME).
    Transactional,
    /// SVE and SME instructions (including SMSTART/SMSTOP).
    ScalableVector,
    /// SYS/SYSL outside the architected cache, TLB, address-translation and
    /// prediction-restriction groups.
    UnknownSystemInstruction,
    /// A hint encoding with no meaning this decoder knows.
    UnknownHint,
    /// Unallocated, or an encoding this decoder does not know to be safe.
    Unknown,
}

impl RejectReason {
    /// A short stable identifier (kebab-case), for tables, tests and
    /// machine-readable output.
    pub const fn name(&self) -> &'static str {
        match self {
            RejectReason::Exclusive => "exclusive",
            RejectReason::InsideExclusiveSequence => "inside-exclusive-sequence",
            RejectReason::ExceptionGenerating => "exception-generating",
            RejectReason::PermanentlyUndefined => "permanently-undefined",
            RejectReason::ExceptionReturn => "exception-return",
            RejectReason::SystemRegisterWrite => "system-register-write",
            RejectReason::ExceptionStateRead => "exception-state-read",
            RejectReason::AuthenticatedBranch => "authenticated-branch",
            RejectReason::Authentication => "authentication",
            RejectReason::MemoryCopySet => "memory-copy-set",
            RejectReason::WaitForInterrupt => "wait-for-interrupt",
            RejectReason::ErrorSynchronization => "error-synchronization",
            RejectReason::Transactional => "transactional",
            RejectReason::ScalableVector => "scalable-vector",
            RejectReason::UnknownSystemInstruction => "unknown-system-instruction",
            RejectReason::UnknownHint => "unknown-hint",
            RejectReason::Unknown => "unknown",
        }
    }

    /// A readable sentence fragment saying why a probe cannot go here.
    pub const fn message(&self) -> &'static str {
        match self {
            RejectReason::Exclusive => {
                "exclusive load/store: a trap inside an LDXR..STXR sequence clears the exclusive \
                 monitor, the sequence would never succeed"
            }
            RejectReason::InsideExclusiveSequence => {
                "inside an LDXR..STXR sequence: the probe's trap would clear the exclusive \
                 monitor and the store-exclusive would fail on every retry"
            }
            RejectReason::ExceptionGenerating => {
                "exception-generating instruction (SVC/HVC/SMC/BRK/HLT/DCPS): its exception \
                 would be taken from the out-of-line slot with the probe still in flight"
            }
            RejectReason::PermanentlyUndefined => "permanently undefined (UDF): it always traps, there is nothing to step",
            RejectReason::ExceptionReturn => {
                "exception return (ERET/ERETAA/ERETAB/DRPS): it reads ELR/SPSR, which the \
                 probe's own trap overwrote"
            }
            RejectReason::SystemRegisterWrite => {
                "MSR writes a system register or PSTATE field; the probe's exception return \
                 would undo or be disturbed by it (e.g. a DAIF change lost when the saved \
                 PSTATE is restored)"
            }
            RejectReason::ExceptionStateRead => {
                "reads ELR/SPSR/ESR/FAR/MDSCR, which the probe's own trap (or single-step) \
                 overwrote: it would read the probe's values, not the interrupted code's"
            }
            RejectReason::AuthenticatedBranch => {
                "branch with pointer authentication: it must be simulated (it changes the PC), \
                 but authentication needs the keys, which the runtime does not have"
            }
            RejectReason::Authentication => {
                "pointer authentication (AUT*): a failed authentication would fault (FEAT_FPAC) \
                 inside the out-of-line slot, reported at the wrong address with the probe \
                 still in flight; it cannot be simulated without the keys"
            }
            RejectReason::MemoryCopySet => {
                "memory copy/set (FEAT_MOPS): the prologue/main/epilogue instructions form one \
                 interruptible sequence that must run consecutively in place; one of them \
                 cannot run alone out of line"
            }
            RejectReason::WaitForInterrupt => {
                "wait for interrupt/event: it would sleep in the out-of-line slot with \
                 interrupts masked, and simulating it as a no-op turns an idle loop into a \
                 busy loop; probe the next instruction instead"
            }
            RejectReason::ErrorSynchronization => {
                "ESB: it synchronizes pending SErrors, but the probe's own exception entry \
                 already masked them (and with FEAT_IESB synchronized them), so out of line it \
                 would no longer see the errors it is there to catch"
            }
            RejectReason::Transactional => "transactional memory (FEAT_TME): the probe's trap would abort the transaction",
            RejectReason::ScalableVector => {
                "SVE/SME instruction: the runtime does not save or restore the scalable vector, \
                 predicate and streaming-mode state"
            }
            RejectReason::UnknownSystemInstruction => {
                "system instruction outside the architected cache, TLB and address-translation \
                 groups: its effect is implementation defined or unknown to the decoder"
            }
            RejectReason::UnknownHint => {
                "hint with a meaning unknown to the decoder: it might depend on state the \
                 probe changes"
            }
            RejectReason::Unknown => {
                "unallocated, or not an instruction the decoder knows to be safe to run out of \
                 line (the decoder is an allow-list)"
            }
        }
    }
}
