//! `uringtop check`: what this machine offers uringtop, and in plain words what works and what not.

use crate::programs::ATTACHMENTS;
use crate::Probe;
use aya::Btf;
use std::fmt;

const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;

pub struct CheckReport {
    pub kernel: String,
    pub btf: bool,
    /// (tracepoint, present, what degrades without it: None = required)
    pub tracepoints: Vec<(&'static str, bool, Option<&'static str>)>,
    /// Why syscalls:sys_exit_io_uring_setup cannot be used, when it cannot (tracefs closed to
    /// this user, not mounted, or no syscall tracepoints).
    pub setup_exit_problem: Option<&'static str>,
    /// The bit of io_kiocb.flags for SQEs that name a personality (policies need it).
    pub creds_flag_bit: Option<u32>,
    pub root: bool,
    pub cap_bpf_perfmon: bool,
    /// /proc/sys/kernel/io_uring_disabled: 0 allowed, 1 only for io_uring_group, 2 nobody.
    pub io_uring_disabled: Option<u32>,
    /// Result of actually loading and attaching the probe, when privileges allow trying; an error
    /// without trying when the kernel's BTF lacks a required tracepoint.
    pub probe_load: Option<Result<Vec<(&'static str, &'static str)>, String>>,
    /// What the loaded probe pins in the kernel.
    pub memory: Option<crate::memory::MemoryUse>,
    /// What uringtop can stand behind here, feature by feature (when the probe loaded).
    pub features: Vec<(crate::support::Feature, crate::support::Level)>,
}

impl CheckReport {
    /// True when uringtop can observe io_uring here (perhaps degraded).
    pub fn works(&self) -> bool {
        matches!(self.probe_load, Some(Ok(_)))
    }
}

pub fn run() -> CheckReport {
    let btf = Btf::from_sys_fs().ok();
    let mut tracepoints: Vec<_> = ATTACHMENTS
        .iter()
        .map(|a| {
            // The tracepoint this kernel offers for it (an older one on older kernels).
            let present = btf
                .as_ref()
                .and_then(|b| crate::load::present_tracepoint(b, a));
            (
                present.unwrap_or(a.tracepoint),
                present.is_some(),
                a.degrades,
            )
        })
        .collect();
    let cap_bpf_perfmon = effective_caps().is_some_and(|c| has(c, CAP_BPF) && has(c, CAP_PERFMON));
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let may_load = has_bpf_privileges();
    // A kernel without the required tracepoints is told so from its BTF alone, privileged or not.
    let refusal = btf
        .as_ref()
        .and_then(|b| crate::load::refuse_unusable_kernel(b).err());
    let mut memory = None;
    let mut features = Vec::new();
    let probe_load = if let Some(refusal) = refusal {
        Some(Err(refusal.to_string()))
    } else {
        (may_load && btf.is_some()).then(|| match Probe::load() {
            Ok(p) => {
                memory = Some(p.memory());
                features = p.support();
                Ok(p.degraded().to_vec())
            }
            Err(e) => Err(e.to_string()),
        })
    };
    // A classic tracepoint, found through tracefs (which loading the probe mounts if it can; on a
    // kernel refused before loading, mount it here, so that the list is true there too).
    if may_load && !std::path::Path::new(crate::load::SETUP_EXIT_EVENT).exists() {
        crate::load::mount_tracefs();
    }
    let setup_exit_problem = crate::load::setup_exit_problem();
    tracepoints.push((
        crate::load::SETUP_EXIT_TRACEPOINT,
        setup_exit_problem.is_none(),
        Some(crate::load::NO_SETUP_REFUSALS),
    ));
    CheckReport {
        kernel: kernel_release(),
        btf: btf.is_some(),
        tracepoints,
        setup_exit_problem,
        root,
        cap_bpf_perfmon,
        io_uring_disabled: crate::load::io_uring_disabled(),
        probe_load,
        memory,
        features,
        creds_flag_bit: crate::btf_enum::creds_flag_bit(),
    }
}

/// Root, CAP_BPF + CAP_PERFMON (5.8+), or CAP_SYS_ADMIN (older kernels).
pub fn has_bpf_privileges() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    root || effective_caps()
        .is_some_and(|c| (has(c, CAP_BPF) && has(c, CAP_PERFMON)) || has(c, CAP_SYS_ADMIN))
}

fn has(caps: u64, cap: u32) -> bool {
    caps & (1u64 << cap) != 0
}

fn effective_caps() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("CapEff:"))?;
    u64::from_str_radix(line.trim_start_matches("CapEff:").trim(), 16).ok()
}

fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "NO"
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "kernel            {}", self.kernel)?;
        writeln!(
            f,
            "BTF               {} (/sys/kernel/btf/vmlinux)",
            yes(self.btf)
        )?;
        writeln!(f, "root              {}", yes(self.root))?;
        writeln!(f, "CAP_BPF+PERFMON   {}", yes(self.cap_bpf_perfmon))?;
        match self.io_uring_disabled {
            Some(0) => writeln!(f, "io_uring          enabled (kernel.io_uring_disabled = 0)")?,
            Some(1) => writeln!(
                f,
                "io_uring          restricted (kernel.io_uring_disabled = 1): only root and the io_uring_group may create rings"
            )?,
            Some(n) => writeln!(
                f,
                "io_uring          DISABLED (kernel.io_uring_disabled = {n}): no process can create rings, so there is nothing to see"
            )?,
            None => writeln!(f, "io_uring          no io_uring_disabled sysctl (kernel older than 6.6): enabled")?,
        }
        match self.creds_flag_bit {
            Some(bit) => writeln!(
                f,
                "policies          personality flag found (REQ_F_CREDS_BIT = {bit})"
            )?,
            None => writeln!(
                f,
                "policies          no REQ_F_CREDS_BIT in BTF: `personality` conditions see none"
            )?,
        }
        writeln!(f, "tracepoints:")?;
        for (tp, present, degrades) in &self.tracepoints {
            let need = if degrades.is_none() {
                "required"
            } else {
                "optional"
            };
            // Not "MISSING" when the kernel has it but this user cannot open tracefs.
            let closed = self.setup_exit_problem == Some(crate::load::TRACEFS_CLOSED)
                && *tp == crate::load::SETUP_EXIT_TRACEPOINT;
            let status = match (*present, closed) {
                (true, _) => "found",
                (false, true) => "NO ACCESS",
                (false, false) => "MISSING",
            };
            writeln!(f, "  {tp:<33} {status:<8} {need}")?;
        }
        if let (Some(problem), None) = (self.setup_exit_problem, &self.probe_load) {
            // Said below with the probe's other limits when it was loaded.
            writeln!(f, "  ({}: {problem})", crate::load::SETUP_EXIT_TRACEPOINT)?;
        }
        writeln!(f)?;
        match &self.probe_load {
            Some(Ok(degraded)) if degraded.is_empty() => {
                writeln!(f, "The probe loads and attaches to every tracepoint: everything works here.")?
            }
            Some(Ok(degraded)) => {
                writeln!(f, "The probe loads and works, with less detail:")?;
                for (tp, what) in degraded {
                    writeln!(f, "  - without {tp}: {what}")?;
                }
            }
            Some(Err(e)) => writeln!(f, "uringtop cannot observe io_uring here: {e}")?,
            None if !self.btf => writeln!(
                f,
                "uringtop cannot observe io_uring here: the kernel has no BTF (needs CONFIG_DEBUG_INFO_BTF=y)."
            )?,
            None => writeln!(
                f,
                "Not tried to load the probe: it needs root, or CAP_BPF and CAP_PERFMON. \
                 `uringtop replay` and `dump --from` need no privileges."
            )?,
        }
        if !self.features.is_empty() {
            writeln!(f, "what uringtop shows here:")?;
            for (feature, level) in &self.features {
                writeln!(f, "  {:<17} {level}", feature.name())?;
            }
        } else if matches!(self.probe_load, Some(Err(_))) || !self.btf {
            writeln!(f, "what uringtop shows here: nothing (see above)")?;
        }
        if let Some(m) = &self.memory {
            let mib = |b: u64| b as f64 / f64::from(1u32 << 20);
            writeln!(
                f,
                "memory            {:.1} MiB of kernel memory pinned here ({} CPUs); room for {} process x ring x opcode keys, then {} per-process fallback rows",
                mib(m.bytes()),
                m.cpus,
                m.key_slots,
                m.fallback_slots
            )?;
            writeln!(
                f,
                "                  the same probe on 16 CPUs: {:.0} MiB; on 128 CPUs: {:.0} MiB",
                mib(m.bytes_on(16)),
                mib(m.bytes_on(128))
            )?;
        }
        Ok(())
    }
}
