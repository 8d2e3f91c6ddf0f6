//! Loading the BPF object with aya and attaching its programs.

use crate::error::{is_permission_error, MissingTracepoint, ProbeError};
use crate::programs::ATTACHMENTS;
use aya::maps::Array;
use aya::programs::{BtfTracePoint, ProgramFd, RawTracePoint, TracePoint};
use aya::{Btf, Ebpf, EbpfLoader};
use aya_obj::btf::BtfKind;

/// The committed object (see build.rs), aligned as the ELF parser wants.
static OBJECT: &[u8] = aya::include_bytes_aligned!("../bpf/uringtop.bpf.o");

/// A loaded object plus what could not be attached (tracepoint, what degrades).
pub(crate) struct Loaded {
    pub ebpf: Ebpf,
    pub degraded: Vec<(&'static str, &'static str)>,
    /// The program that voids the hot caches (run by userspace, never attached); None if the
    /// kernel refused it, and then counter slots are not recycled.
    pub invalidate: Option<ProgramFd>,
}

/// How to load the probe.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Judge every SQE and register call against this compiled policy.
    pub policy: Option<Box<uringtop_common::abi::Policy>>,
    /// Counter slots (process x ring x opcode keys); default: as many as fit 256 MiB, at most
    /// 16384.
    pub counter_slots: Option<u32>,
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
    let missing = missing_requirements(&btf);
    if !missing.is_empty() {
        return Err(ProbeError::Unsupported(missing));
    }
    let keys = options.counter_slots.unwrap_or_else(counter_slots).max(1);
    let policy_enabled = u32::from(policy.is_some());
    let creds_bit = crate::btf_enum::creds_flag_bit().filter(|&b| b < 64);
    let mut ebpf = EbpfLoader::new()
        .btf(Some(&btf))
        .map_max_entries("op_stats", keys)
        .map_max_entries("op_index", keys)
        .override_global("policy_enabled", &policy_enabled, true)
        .override_global("creds_flag_bit", &creds_bit.unwrap_or(64), true)
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
    let mut degraded = Vec::new();
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
        match load_first_accepted(&mut ebpf, &btf, att.tracepoint, att.programs) {
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
    for program in chosen {
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
    })
}

/// What is known of the tracepoints uringtop cannot work without (those of [`ATTACHMENTS`] that
/// degrade nothing: they are its whole view): (tracepoint, what is lost without it, the first
/// Linux with it, the tracepoint older kernels have in its place).
const REQUIREMENTS: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    (
        "io_uring_submit_req",
        "sees no request being submitted",
        Some("6.5"),
        Some("io_uring_submit_sqe"),
    ),
    (
        "io_uring_complete",
        "sees no request completing",
        None,
        None,
    ),
];

/// Whether the kernel has the BTF-enabled tracepoint `name` (its BTF names `btf_trace_NAME`).
pub(crate) fn has_tracepoint(btf: &Btf, name: &str) -> bool {
    btf.id_by_type_name_kind(&format!("btf_trace_{name}"), BtfKind::Typedef)
        .is_ok()
}

/// The required tracepoints this kernel's BTF lacks: asked before any program is loaded, so a
/// kernel without them gets a message naming them rather than a verifier log.
pub(crate) fn missing_requirements(btf: &Btf) -> Vec<MissingTracepoint> {
    ATTACHMENTS
        .iter()
        .filter(|a| a.degrades.is_none() && !has_tracepoint(btf, a.tracepoint))
        .map(|a| {
            let known = REQUIREMENTS.iter().find(|r| r.0 == a.tracepoint);
            MissingTracepoint {
                tracepoint: a.tracepoint,
                loses: known.map_or("cannot work", |r| r.1),
                since: known.and_then(|r| r.2),
                older: known
                    .and_then(|r| r.3)
                    .filter(|older| has_tracepoint(btf, older)),
            }
        })
        .collect()
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

/// What is lost without the io_uring_setup exit tracepoint.
pub(crate) const NO_SETUP_REFUSALS: &str =
    "refused io_uring_setup calls are not counted (needs tracefs and syscall tracepoints)";

/// syscalls:sys_exit_io_uring_setup is a classic tracepoint: attaching it needs tracefs, which
/// is not always mounted; as root we mount it where the kernel expects it.
pub(crate) const SETUP_EXIT_TRACEPOINT: &str = "syscalls:sys_exit_io_uring_setup";
pub(crate) const SETUP_EXIT_EVENT: &str =
    "/sys/kernel/tracing/events/syscalls/sys_exit_io_uring_setup";

fn attach_setup_refusals(ebpf: &mut Ebpf) -> Result<(), &'static str> {
    if !std::path::Path::new(SETUP_EXIT_EVENT).exists() {
        mount_tracefs();
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

/// Loads (verifies) the first of `programs` the kernel accepts for `tracepoint`; returns its name.
fn load_first_accepted(
    ebpf: &mut Ebpf,
    btf: &Btf,
    tracepoint: &str,
    programs: &[&'static str],
) -> Result<&'static str, AttachError> {
    if !has_tracepoint(btf, tracepoint) {
        return Err(AttachError::Missing);
    }
    let mut last = AttachError::Missing;
    for &name in programs {
        let Some(prog) = ebpf.program_mut(name) else {
            continue;
        };
        let prog: &mut BtfTracePoint = match prog.try_into() {
            Ok(p) => p,
            Err(e) => {
                last = AttachError::Rejected(name, e.to_string());
                continue;
            }
        };
        match prog.load(tracepoint, btf) {
            Ok(()) => return Ok(name),
            Err(e) if is_permission_error(&e) => return Err(AttachError::Permission),
            Err(e) => last = AttachError::Rejected(name, verifier_summary(&e)),
        }
    }
    Err(last)
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

/// How many process x ring x opcode combinations to count. op_stats is a per-CPU array of ~1.4 KiB
/// entries, allocated up front for every possible CPU: keep it within 256 MiB however many CPUs.
fn counter_slots() -> u32 {
    const BUDGET: u64 = 256 << 20;
    const MOST: u64 = 16384;
    let cpus = aya::util::nr_cpus().map(|n| n as u64).unwrap_or(256).max(1);
    let entry = std::mem::size_of::<uringtop_common::abi::OpStats>() as u64;
    (BUDGET / (cpus * entry)).clamp(256, MOST) as u32
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
    fn a_kernel_with_only_the_older_submit_tracepoint_is_told_what_it_lacks() {
        // What Linux 5.10 to 6.4 have (their io_uring_complete differs, but exists).
        let btf = btf_with(&[
            "io_uring_complete",
            "io_uring_submit_sqe",
            "io_uring_create",
        ]);
        assert_eq!(
            missing_requirements(&btf),
            vec![MissingTracepoint {
                tracepoint: "io_uring_submit_req",
                loses: "sees no request being submitted",
                older: Some("io_uring_submit_sqe"),
                since: Some("6.5"),
            }]
        );
    }

    #[test]
    fn the_older_tracepoint_is_named_only_when_the_kernel_has_it() {
        let missing = missing_requirements(&btf_with(&[]));
        let names: Vec<_> = missing.iter().map(|m| m.tracepoint).collect();
        assert_eq!(names, ["io_uring_complete", "io_uring_submit_req"]);
        assert!(missing.iter().all(|m| m.older.is_none()));
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
