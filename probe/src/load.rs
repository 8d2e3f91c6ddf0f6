//! Loading the BPF object with aya and attaching its programs.

use crate::error::{is_permission_error, MissingTracepoint, ProbeError};
use crate::programs::{Attachment, ATTACHMENTS};
use aya::maps::Array;
use aya::programs::{BtfTracePoint, ProgramFd, RawTracePoint, TracePoint};
use aya::{Btf, Ebpf, EbpfLoader};
use aya_obj::btf::BtfKind;
use uringtop_common::abi;

/// The committed object (see build.rs), aligned as the ELF parser wants.
static OBJECT: &[u8] = aya::include_bytes_aligned!("../bpf/uringtop.bpf.o");

/// A loaded object plus what could not be attached (tracepoint, what degrades).
pub(crate) struct Loaded {
    pub ebpf: Ebpf,
    pub degraded: Vec<(&'static str, &'static str)>,
    /// The program that voids the hot caches (run by userspace, never attached); None if the
    /// kernel refused it, and then counter slots are not recycled.
    pub invalidate: Option<ProgramFd>,
    pub pools: Pools,
    /// The program chosen for each attachment the kernel has.
    pub chosen: Vec<&'static str>,
}

/// How to load the probe.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Judge every SQE and register call against this compiled policy.
    pub policy: Option<Box<uringtop_common::abi::Policy>>,
    /// Counter slots (process x ring x opcode keys); default [`COUNTER_SLOTS`].
    pub counter_slots: Option<u32>,
    /// Slots for the per-process "other rings" rows used when the above run out; default
    /// [`FALLBACK_SLOTS`].
    pub fallback_slots: Option<u32>,
    /// Recycle the slot of a key idle this long (default: [`crate::reclaim::IDLE`]).
    pub reclaim_idle: Option<std::time::Duration>,
}

pub(crate) fn load(options: &LoadOptions) -> Result<Loaded, ProbeError> {
    load_object(OBJECT, options)
}

/// Loads `object`; with a policy, its tables are in place before any program attaches, so no
/// SQE goes unjudged.
pub(crate) fn load_object(object: &[u8], options: &LoadOptions) -> Result<Loaded, ProbeError> {
    raise_memlock_limit();
    let policy = options.policy.as_deref();
    let btf = Btf::from_sys_fs().map_err(|_| ProbeError::NoBtf)?;
    refuse_unusable_kernel(&btf)?;
    let pools = Pools::new(options);
    let policy_enabled = u32::from(policy.is_some());
    let creds_bit = crate::btf_enum::creds_flag_bit();
    let multishot_bit = crate::btf_enum::multishot_flag_bit();
    let vectored_fixed = u32::from(crate::btf_enum::has_vectored_fixed());
    let mut ebpf = EbpfLoader::new()
        .btf(Some(&btf))
        .map_max_entries("op_stats", pools.coarse_end)
        .map_max_entries("op_shared", pools.coarse_end)
        .map_max_entries("op_dirty", pools.coarse_end)
        .map_max_entries("op_index", pools.keys + pools.fallback)
        .map_max_entries("op_errors", pools.keys + pools.fallback)
        .override_global("policy_enabled", &policy_enabled, true)
        .override_global("creds_flag_bit", &creds_bit.unwrap_or(64), true)
        .override_global("multishot_flag_bit", &multishot_bit.unwrap_or(64), true)
        .override_global("vectored_fixed", &vectored_fixed, true)
        .override_global("stats_end", &pools.stats_end, true)
        .override_global("coarse_end", &pools.coarse_end, true)
        .load(object)
        .map_err(|e| {
            if is_permission_error(&e) {
                ProbeError::NotPermitted
            } else {
                ProbeError::Setup(format!("loading the BPF object: {e}"))
            }
        })?;
    if let Some(policy) = policy {
        write_policy(&mut ebpf, policy)?;
    }
    start_pools(&mut ebpf, &pools)?;
    let mut degraded = Vec::new();
    if multishot_bit.is_none() {
        degraded.push((
            "REQ_F_APOLL_MULTISHOT_BIT",
            "every ACCEPT/RECV/RECVMSG is remembered as if multishot (the kernel's BTF does not name the flag): counts stay exact, at a small cost",
        ));
    }
    if policy.is_some() && creds_bit.is_none() {
        degraded.push((
            "REQ_F_CREDS_BIT",
            "policy rules on `personality` see no SQE with a personality (the kernel's BTF does not name the flag)",
        ));
    }
    let invalidate = load_cache_invalidation(&mut ebpf);
    if invalidate.is_none() {
        degraded.push((
            "BPF_PROG_TEST_RUN of raw_tp",
            "counter slots of finished rings are not recycled: a process creating rings without end uses them up",
        ));
    }
    if let Err(what) = attach_setup_refusals(&mut ebpf) {
        degraded.push((SETUP_EXIT_TRACEPOINT, what));
    }
    // Verify every program first, then attach them all in quick succession: verification takes
    // milliseconds per program, and CQEs of requests submitted before io_uring_submit_req is
    // attached can only be counted as unmatched (a flood at attach showed tens of thousands).
    let mut chosen = Vec::new();
    for att in ATTACHMENTS {
        match load_first_accepted(&mut ebpf, &btf, att.programs) {
            Ok(program) => chosen.push(program),
            Err(AttachError::Permission) => return Err(ProbeError::NotPermitted),
            Err(AttachError::Missing) => match att.degrades {
                Some(what) => degraded.push((att.tracepoint, what)),
                // The kernel has the tracepoint (see missing_requirements): the object lacks
                // its programs.
                None => {
                    return Err(ProbeError::Setup(format!(
                        "the BPF object has no program for {}",
                        att.tracepoint
                    )))
                }
            },
            Err(AttachError::Rejected(program, detail)) => match att.degrades {
                Some(what) => degraded.push((att.tracepoint, what)),
                None => {
                    return Err(ProbeError::NoProgramFits {
                        tracepoint: att.tracepoint,
                        program,
                        detail,
                    })
                }
            },
        }
    }
    if policy.is_some() && chosen.contains(&crate::support::KEYED_SUBMIT) {
        return Err(ProbeError::PolicyUnavailable);
    }
    for &program in &chosen {
        attach(&mut ebpf, program).map_err(|e| match e {
            AttachError::Permission => ProbeError::NotPermitted,
            AttachError::Missing => ProbeError::Setup(format!("{program} vanished")),
            AttachError::Rejected(program, detail) => ProbeError::Rejected { program, detail },
        })?;
    }
    Ok(Loaded {
        ebpf,
        degraded,
        invalidate,
        pools,
        chosen,
    })
}

/// Per-key counter slots by default: every live (process, ring, opcode) of a busy server.
pub const COUNTER_SLOTS: u32 = 16384;
/// Per-process "other rings" rows by default (see `stats_index_slow` in helpers.h).
pub const FALLBACK_SLOTS: u32 = 1024;

/// Where the counter pools start and end (URT_FIRST_SLOT in abi.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pools {
    pub keys: u32,
    pub fallback: u32,
    /// One past the per-key pool.
    pub stats_end: u32,
    /// One past the fallback pool: the size of op_stats and op_shared.
    pub coarse_end: u32,
}

impl Pools {
    pub fn new(options: &LoadOptions) -> Pools {
        let keys = options.counter_slots.unwrap_or(COUNTER_SLOTS).max(1);
        let fallback = options.fallback_slots.unwrap_or(FALLBACK_SLOTS).max(1);
        let stats_end = abi::FIRST_SLOT + keys;
        Pools {
            keys,
            fallback,
            stats_end,
            coarse_end: stats_end + fallback,
        }
    }

    /// True for an index of the fallback pool.
    pub fn is_fallback(&self, index: u32) -> bool {
        (self.stats_end..self.coarse_end).contains(&index)
    }
}

/// Each pool's sequence holds the last index handed out: start them just before the pools.
fn start_pools(ebpf: &mut Ebpf, pools: &Pools) -> Result<(), ProbeError> {
    const SEQ_STATS: u32 = 1;
    const SEQ_COARSE: u32 = 3;
    let map = ebpf
        .map_mut("seqs")
        .ok_or_else(|| ProbeError::Setup("the BPF object has no map `seqs`".into()))?;
    let mut seqs: Array<_, u64> =
        Array::try_from(map).map_err(|e| ProbeError::Setup(format!("map `seqs`: {e}")))?;
    for (seq, start) in [(SEQ_STATS, abi::FIRST_SLOT), (SEQ_COARSE, pools.stats_end)] {
        seqs.set(seq, u64::from(start - 1), 0)
            .map_err(|e| ProbeError::Setup(format!("starting the counter pools: {e}")))?;
    }
    Ok(())
}

/// What uringtop cannot see without each attachment it cannot work without (those of
/// [`ATTACHMENTS`] that degrade nothing: they are its whole view), and the first Linux with one of
/// its tracepoints.
const REQUIREMENTS: &[(&str, &str, &str)] = &[
    (
        "io_uring_submit_req",
        "sees no request being submitted",
        "5.10",
    ),
    ("io_uring_complete", "sees no request completing", "5.10"),
];

/// Tracepoints every kernel with io_uring has (5.5+): none of them in the BTF means io_uring is
/// not built into this kernel.
const IO_URING_TRACEPOINTS: &[&str] =
    &["io_uring_create", "io_uring_complete", "io_uring_register"];

/// Whether the kernel has the BTF-enabled tracepoint `name` (its BTF names `btf_trace_NAME`).
pub(crate) fn has_tracepoint(btf: &Btf, name: &str) -> bool {
    btf.id_by_type_name_kind(&format!("btf_trace_{name}"), BtfKind::Typedef)
        .is_ok()
}

/// The first of the attachment's tracepoints this kernel has.
pub(crate) fn present_tracepoint(btf: &Btf, att: &Attachment) -> Option<&'static str> {
    att.tracepoints()
        .into_iter()
        .find(|tp| has_tracepoint(btf, tp))
}

/// The required tracepoints this kernel's BTF lacks: asked before any program is loaded, so a
/// kernel without them gets a message naming them rather than a verifier log.
pub(crate) fn missing_requirements(btf: &Btf) -> Vec<MissingTracepoint> {
    ATTACHMENTS
        .iter()
        .filter(|a| a.degrades.is_none() && present_tracepoint(btf, a).is_none())
        .map(|a| {
            let known = REQUIREMENTS.iter().find(|r| r.0 == a.tracepoint);
            MissingTracepoint {
                tracepoints: a.tracepoints(),
                loses: known.map_or("cannot work", |r| r.1),
                since: known.map(|r| r.2),
            }
        })
        .collect()
}

/// Refuses, in words a person can act on, a kernel where the probe cannot work: io_uring not built
/// in, io_uring disabled for everyone, or a required tracepoint missing.
pub(crate) fn refuse_unusable_kernel(btf: &Btf) -> Result<(), ProbeError> {
    if !IO_URING_TRACEPOINTS
        .iter()
        .any(|tp| has_tracepoint(btf, tp))
    {
        return Err(ProbeError::NoIoUring);
    }
    if io_uring_disabled() == Some(2) {
        return Err(ProbeError::IoUringDisabled);
    }
    let missing = missing_requirements(btf);
    if !missing.is_empty() {
        return Err(ProbeError::Unsupported(missing));
    }
    Ok(())
}

/// kernel.io_uring_disabled (6.6+): 0 allowed, 1 only root and kernel.io_uring_group, 2 nobody.
pub(crate) fn io_uring_disabled() -> Option<u32> {
    std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// Loads `invalidate_caches` (not attached: userspace runs it) and checks that it can be run.
fn load_cache_invalidation(ebpf: &mut Ebpf) -> Option<ProgramFd> {
    let prog: &mut RawTracePoint = ebpf.program_mut("invalidate_caches")?.try_into().ok()?;
    prog.load().ok()?;
    let fd = prog.fd().ok()?.try_clone().ok()?;
    crate::cache_flush::run_once(&fd).ok()?;
    Some(fd)
}

fn write_policy(ebpf: &mut Ebpf, policy: &uringtop_common::abi::Policy) -> Result<(), ProbeError> {
    let map = ebpf
        .map_mut("policy")
        .ok_or_else(|| ProbeError::Setup("the BPF object has no map `policy`".into()))?;
    let mut table: Array<_, uringtop_common::abi::Policy> =
        Array::try_from(map).map_err(|e| ProbeError::Setup(format!("map `policy`: {e}")))?;
    table
        .set(0, policy, 0)
        .map_err(|e| ProbeError::Setup(format!("writing the policy into the probe: {e}")))
}

/// What is lost without the io_uring_setup exit tracepoint, when the reason is not known better.
pub(crate) const NO_SETUP_REFUSALS: &str =
    "refused io_uring_setup calls are not counted (needs tracefs and syscall tracepoints)";
/// The tracepoint is there, but tracefs is closed to this user (mode 0700, the default): the
/// setcap mode of the README, or CAP_BPF+CAP_PERFMON without root.
pub(crate) const TRACEFS_CLOSED: &str =
    "refused io_uring_setup calls are not counted: tracefs (/sys/kernel/tracing) is open to root \
     only, and uringtop needs its tracepoint's id from it. Run uringtop as root, or open tracefs \
     to a group of this user: `mount -o remount,gid=GROUP,mode=0750 /sys/kernel/tracing`";
const NO_TRACEFS: &str = "refused io_uring_setup calls are not counted: tracefs is not mounted \
     at /sys/kernel/tracing (uringtop mounts it when run as root)";
const NO_SYSCALL_TRACEPOINTS: &str =
    "refused io_uring_setup calls are not counted: this kernel has no syscall tracepoints \
     (CONFIG_FTRACE_SYSCALLS)";

/// Why the io_uring_setup exit tracepoint cannot be used, in words a person can act on; None
/// when its event is visible in tracefs.
pub(crate) fn setup_exit_problem() -> Option<&'static str> {
    let err = std::fs::metadata(SETUP_EXIT_EVENT).err()?;
    if err.kind() == std::io::ErrorKind::PermissionDenied {
        return Some(TRACEFS_CLOSED);
    }
    match std::fs::metadata("/sys/kernel/tracing/events") {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Some(TRACEFS_CLOSED),
        Err(_) => Some(NO_TRACEFS),
        Ok(_) => Some(NO_SYSCALL_TRACEPOINTS),
    }
}

/// syscalls:sys_exit_io_uring_setup is a classic tracepoint: attaching it needs tracefs, which
/// is not always mounted; as root we mount it where the kernel expects it.
pub(crate) const SETUP_EXIT_TRACEPOINT: &str = "syscalls:sys_exit_io_uring_setup";
pub(crate) const SETUP_EXIT_EVENT: &str =
    "/sys/kernel/tracing/events/syscalls/sys_exit_io_uring_setup";

fn attach_setup_refusals(ebpf: &mut Ebpf) -> Result<(), &'static str> {
    if setup_exit_problem().is_some() {
        mount_tracefs();
    }
    if let Some(problem) = setup_exit_problem() {
        return Err(problem);
    }
    let prog: &mut TracePoint = ebpf
        .program_mut("on_setup_exit")
        .and_then(|p| p.try_into().ok())
        .ok_or(NO_SETUP_REFUSALS)?;
    prog.load().map_err(|_| NO_SETUP_REFUSALS)?;
    prog.attach("syscalls", "sys_exit_io_uring_setup")
        .map(|_| ())
        .map_err(|_| NO_SETUP_REFUSALS)
}

pub(crate) fn mount_tracefs() {
    let (Ok(src), Ok(target), Ok(fstype)) = (
        std::ffi::CString::new("tracefs"),
        std::ffi::CString::new("/sys/kernel/tracing"),
        std::ffi::CString::new("tracefs"),
    ) else {
        return;
    };
    // SAFETY: NUL-terminated strings that outlive the call; failure (not root, already
    // mounted elsewhere) only means the tracepoint stays unavailable.
    unsafe {
        libc::mount(
            src.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
}

enum AttachError {
    Permission,
    Missing,
    Rejected(&'static str, String),
}

/// Loads (verifies) the first of `programs` (tracepoint, program) whose tracepoint the kernel has
/// and whose arguments the kernel accepts; returns the program's name.
fn load_first_accepted(
    ebpf: &mut Ebpf,
    btf: &Btf,
    programs: &[(&'static str, &'static str)],
) -> Result<&'static str, AttachError> {
    // Every refusal is kept: which program was meant for this kernel is what is unknown here.
    let mut refused: Vec<(&'static str, String)> = Vec::new();
    for &(tracepoint, name) in programs {
        if !has_tracepoint(btf, tracepoint) {
            continue;
        }
        let Some(prog) = ebpf.program_mut(name) else {
            continue;
        };
        let prog: &mut BtfTracePoint = match prog.try_into() {
            Ok(p) => p,
            Err(e) => {
                refused.push((name, e.to_string()));
                continue;
            }
        };
        match prog.load(tracepoint, btf) {
            Ok(()) => return Ok(name),
            Err(e) if is_permission_error(&e) => return Err(AttachError::Permission),
            Err(e) => refused.push((name, verifier_summary(&e))),
        }
    }
    match refused.first() {
        None => Err(AttachError::Missing),
        Some(&(first, _)) => Err(AttachError::Rejected(
            first,
            refused
                .iter()
                .map(|(name, why)| format!("`{name}`: {why}"))
                .collect::<Vec<_>>()
                .join("; "),
        )),
    }
}

/// Attaches a program that [`load_first_accepted`] loaded.
fn attach(ebpf: &mut Ebpf, name: &'static str) -> Result<(), AttachError> {
    let prog: &mut BtfTracePoint = ebpf
        .program_mut(name)
        .and_then(|p| p.try_into().ok())
        .ok_or(AttachError::Missing)?;
    match prog.attach() {
        Ok(_) => Ok(()),
        Err(e) if is_permission_error(&e) => Err(AttachError::Permission),
        Err(e) => Err(AttachError::Rejected(name, verifier_summary(&e))),
    }
}

/// The verifier's log is long; its last lines say why.
fn verifier_summary(err: &aya::programs::ProgramError) -> String {
    let text = format!("{err:#}");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(4)..].join(" / ")
}

/// Locked-memory accounting of BPF maps was replaced by memcg in 5.11; before it, maps count
/// against RLIMIT_MEMLOCK. Raising it is harmless after.
fn raise_memlock_limit() {
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit reads a valid rlimit struct; failure only means the old limit stays.
    unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF blob that names these tracepoints (`btf_trace_NAME` typedefs of an int).
    fn btf_with(tracepoints: &[&str]) -> Btf {
        let mut strings = b"\0int\0".to_vec();
        let mut types = Vec::new();
        let mut put = |v: u32| types.extend_from_slice(&v.to_le_bytes());
        put(1); // int: "int", kind 1, 4 bytes, 32 bits
        put(1 << 24);
        put(4);
        put(32);
        for tp in tracepoints {
            let name = strings.len() as u32;
            strings.extend_from_slice(format!("btf_trace_{tp}\0").as_bytes());
            put(name); // typedef of type 1
            put(8 << 24);
            put(1);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&0xeb9f_u16.to_le_bytes());
        blob.extend_from_slice(&[1, 0]);
        let (types_len, strings_len) = (types.len() as u32, strings.len() as u32);
        for v in [24, 0, types_len, types_len, strings_len] {
            blob.extend_from_slice(&v.to_le_bytes());
        }
        blob.extend_from_slice(&types);
        blob.extend_from_slice(&strings);
        Btf::parse(&blob, aya::Endianness::default()).expect("a valid BTF blob")
    }

    #[test]
    fn the_older_submit_tracepoint_serves_as_well_as_the_newer() {
        // What Linux 5.10 to 6.4 have: their programs read io_uring_submit_sqe.
        let btf = btf_with(&[
            "io_uring_complete",
            "io_uring_submit_sqe",
            "io_uring_create",
        ]);
        assert_eq!(missing_requirements(&btf), vec![]);
        assert!(refuse_unusable_kernel(&btf).is_ok() || io_uring_disabled() == Some(2));
    }

    #[test]
    fn a_kernel_without_io_uring_is_told_so() {
        let btf = btf_with(&["sched_process_exit"]);
        assert!(matches!(
            refuse_unusable_kernel(&btf),
            Err(ProbeError::NoIoUring)
        ));
        let names: Vec<_> = missing_requirements(&btf)
            .iter()
            .map(|m| m.tracepoints.clone())
            .collect();
        assert_eq!(
            names,
            [
                vec!["io_uring_complete"],
                vec!["io_uring_submit_req", "io_uring_submit_sqe"]
            ]
        );
    }

    #[test]
    fn a_kernel_with_every_required_tracepoint_lacks_nothing() {
        let btf = btf_with(&["io_uring_complete", "io_uring_submit_req"]);
        assert_eq!(missing_requirements(&btf), vec![]);
        assert!(has_tracepoint(&btf, "io_uring_submit_req"));
        assert!(!has_tracepoint(&btf, "io_uring_req_failed"));
    }

    #[test]
    fn every_required_tracepoint_says_what_is_lost_without_it() {
        for att in ATTACHMENTS.iter().filter(|a| a.degrades.is_none()) {
            assert!(
                REQUIREMENTS.iter().any(|r| r.0 == att.tracepoint),
                "{} is required: say in REQUIREMENTS what is lost without it",
                att.tracepoint
            );
        }
    }
}
