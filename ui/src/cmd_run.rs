//! `uringtop run [--policy FILE] [--enforce] [--audit] [--report FILE] -- CMD ARGS…`: starts CMD
//! under the policy. On Linux 7.0+ the part of the policy the kernel can express is installed on
//! CMD's task before exec (see `task_restrict` and `policy::kernel`): the kernel then refuses
//! what it denies with -EACCES, in CMD and every process it starts. The rest (rules on the
//! process, the ring, personalities; log and kill) is judged by the probe as `dump --policy`
//! does. Before CMD starts, each rule is said to be kernel-enforced or uringtop's; when CMD
//! exits, what happened, and uringtop exits with CMD's status.

use crate::cli::RunArgs;
use crate::policy_file::LoadedPolicy;
use crate::session::probe as live_session;
use crate::task_restrict::{self, InstallStep, Installer};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::time::Duration;
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::policy::kernel::{self, Enforcer, KernelPlan};
use uringtop_common::verdict::Action;

/// How often the probe's counters are read while CMD runs.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// The first Linux with task-level io_uring restrictions and BPF filters.
const KERNEL_ENFORCEMENT_SINCE: (u32, u32) = (7, 0);

pub async fn run(args: RunArgs) -> Result<()> {
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    let release = kernel_release();
    let version = parse_version(&release);
    let plan = policy.as_ref().map(|p| p.policy.kernel_plan());
    let wants_kernel = !args.audit && plan.as_ref().is_some_and(|p| !p.is_empty());
    if wants_kernel && version < Some(KERNEL_ENFORCEMENT_SINCE) {
        bail!(
            "Linux {release} cannot refuse SQEs for a command: task-level io_uring restrictions \
             and BPF filters (io_uring_register with fd -1: IORING_REGISTER_RESTRICTIONS, \
             IORING_REGISTER_BPF_FILTER) came in Linux 7.0, and the kernel's own per-ring \
             restrictions must be set by the program itself. Nothing was started.\n\
             To run it with every rule judged by uringtop instead (deny is reported, the request \
             still runs; kill with --enforce sends SIGKILL after submission): \
             uringtop run --audit {}",
            shell_words(&args)
        );
    }
    let kernel_plan = plan.as_ref().filter(|_| wants_kernel);
    if let Some(p) = &policy {
        print_plan(p, kernel_plan, args.audit);
    }
    // The policy is for CMD and what it starts, not the rest of the machine: uringtop's
    // descendants, kept in its tree (a subreaper adopts its orphaned descendants).
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let session =
        match live_session::start_scoped(SAMPLE_EVERY, policy.as_ref(), std::process::id()) {
            Ok(s) => Some(s),
            Err(e) if kernel_only(policy.as_ref(), kernel_plan) && args.report.is_none() => {
                eprintln!(
                "uringtop run: warning: the probe did not load ({e:#}): the kernel enforces the \
                 policy, but nothing will be counted"
            );
                None
            }
            Err(e) => return Err(e.context("uringtop run needs the probe for the rules it judges")),
        };
    let mut installer = kernel_plan.map(|p| {
        // io_uring_disabled=2 refuses the throwaway ring; 7.2's table is the answer then.
        let last = task_restrict::last_opcode().unwrap_or(kernel::FILTER_OPCODES - 1);
        Installer::new(p, last)
    });
    let mut command = std::process::Command::new(&args.command[0]);
    command.args(&args.command[1..]);
    if let Some(inst) = installer.take() {
        let mut inst = inst;
        // SAFETY: between fork and exec the closure only makes system calls (prctl,
        // io_uring_register, write) on memory built before the fork.
        unsafe {
            command.pre_exec(move || {
                inst.install().map_err(|(step, e)| {
                    let mut op = [b'0'; 3];
                    let what: &[u8] = match step {
                        InstallStep::NoNewPrivs => b"prctl(PR_SET_NO_NEW_PRIVS) failed",
                        InstallStep::Restrictions => {
                            b"the kernel refused the task restriction (IORING_REGISTER_RESTRICTIONS, fd -1)"
                        }
                        InstallStep::Filter(n) => {
                            op = [b'0' + n / 100, b'0' + n / 10 % 10, b'0' + n % 10];
                            b"the kernel refused the BPF filter (IORING_REGISTER_BPF_FILTER, fd -1) of opcode "
                        }
                    };
                    let parts: [&[u8]; 4] = [
                        b"uringtop run: ",
                        what,
                        if matches!(step, InstallStep::Filter(_)) { &op } else { b"" },
                        b"\n",
                    ];
                    for part in parts {
                        libc::write(2, part.as_ptr().cast(), part.len());
                    }
                    e
                })
            });
        }
    }
    let mut child = command.spawn().map_err(|e| {
        let hint = match e.raw_os_error() {
            Some(libc::EINVAL) if wants_kernel => {
                " (EINVAL from the kernel: built without CONFIG_IO_URING_BPF, or older than \
                 this uringtop's 7.x layouts; `uringtop run --audit` judges the policy without it)"
            }
            Some(libc::EACCES) if wants_kernel => {
                " (EACCES: no_new_privs was not set and the task lacks CAP_SYS_ADMIN)"
            }
            _ => "",
        };
        anyhow!(
            "cannot start {}: {e}{hint}",
            args.command[0].to_string_lossy()
        )
    })?;
    let pid = child.id();
    eprintln!(
        "uringtop run: started {} (pid {pid})",
        args.command[0].to_string_lossy()
    );
    let status = match session {
        Some((mut inputs, control)) => {
            let mut model = Model::new();
            let waiter = tokio::task::spawn_blocking(move || child.wait());
            tokio::pin!(waiter);
            let mut status = None;
            let mut samples_after_exit = 0u32;
            loop {
                tokio::select! {
                    input = inputs.recv() => {
                        let Some(input) = input else { break };
                        let is_sample = matches!(input, Input::Sample(_));
                        model.apply(&input);
                        // Two samples after CMD ended: its last CQEs are in the counts.
                        if status.is_some() && is_sample {
                            samples_after_exit += 1;
                            if samples_after_exit == 2 {
                                control.stop();
                            }
                        }
                    }
                    done = &mut waiter, if status.is_none() => {
                        status = Some(done.context("waiting for the command")?.context("waiting for the command")?);
                    }
                    // CMD gets Ctrl-C from the terminal too; uringtop stays for its report.
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            live_session::report_sampler_error(&control);
            let status = match status {
                Some(s) => s,
                None => waiter.await.context("waiting for the command")??,
            };
            report(&model, policy.as_ref(), args.report.as_deref())?;
            status
        }
        None => tokio::task::spawn_blocking(move || child.wait())
            .await
            .context("waiting for the command")??,
    };
    let code = match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(sig)) => 128 + sig,
        _ => 1,
    };
    eprintln!(
        "uringtop run: {} ended: {status}",
        args.command[0].to_string_lossy()
    );
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

/// True when every rule that judges anything is the kernel's (or allows): nothing is left for
/// uringtop to do but count.
fn kernel_only(policy: Option<&LoadedPolicy>, plan: Option<&KernelPlan>) -> bool {
    match (policy, plan) {
        (Some(_), Some(plan)) => plan.rules.iter().all(|r| *r == Enforcer::Kernel),
        _ => false,
    }
}

/// Per rule, who enforces it; then what the kernel gets.
fn print_plan(p: &LoadedPolicy, plan: Option<&KernelPlan>, audit: bool) {
    eprintln!("uringtop run: {}", p.summary());
    let uringtop_deny = "uringtop: audit only (reported as deny; the request runs)";
    for (i, rule) in p.policy.rules.iter().enumerate() {
        let who = match (plan.map(|pl| &pl.rules[i]), rule.action) {
            (Some(Enforcer::Kernel), _) => "kernel: refused with EACCES before it runs".to_string(),
            (Some(Enforcer::KernelExceptAfter(j)), _) => format!(
                "kernel, except where rule #{j} (which the kernel cannot judge) decides first: \
                 there uringtop audits"
            ),
            (Some(Enforcer::Uringtop(keys)), _) => {
                format!("{uringtop_deny}: the kernel cannot see {}", keys.join(", "))
            }
            (_, Action::Allow) => "allow".to_string(),
            (_, Action::Log) => "uringtop: logged".to_string(),
            (_, Action::Kill) if p.enforce => {
                "uringtop: SIGKILL after submission (the request may have run)".to_string()
            }
            (_, Action::Kill) => "uringtop: reported as would-kill (no --enforce)".to_string(),
            (None, Action::Deny) if audit => format!("{uringtop_deny} (--audit)"),
            (_, Action::Deny) => uringtop_deny.to_string(),
        };
        eprintln!("  {} => {who}", p.policy.describe_rule(i));
    }
    let default = match (plan, p.policy.default) {
        (Some(_), Action::Deny) => "kernel: what no rule decides is refused",
        (None, Action::Deny) => "uringtop: what no rule decides is reported as denied",
        _ => "what no rule decides is allowed (log and kill by uringtop)",
    };
    eprintln!("  default {} => {default}", p.policy.default.name());
    if let Some(plan) = plan {
        let (denied, filtered) = plan.summary();
        let mut parts = Vec::new();
        if !denied.is_empty() {
            parts.push(format!("refuses {}", kernel::op_list(&denied)));
        }
        if !filtered.is_empty() {
            parts.push(format!("filters {} per SQE", kernel::op_list(&filtered)));
        }
        if plan.deny_rest {
            parts.push("refuses every other opcode".to_string());
        }
        if let Some(allowed) = &plan.register_allowed {
            parts.push(format!(
                "allows {} io_uring_register opcode(s) of {}",
                allowed.len(),
                kernel::REGISTER_OPCODES
            ));
        }
        eprintln!(
            "uringtop run: the kernel (BPF filters and restrictions on the task, inherited by its \
             children): {}",
            parts.join("; ")
        );
    }
}

/// What happened: per rule, hits and kernel refusals; the JSON contract to `path`.
fn report(
    model: &Model,
    policy: Option<&LoadedPolicy>,
    path: Option<&std::path::Path>,
) -> Result<()> {
    let report = model.report();
    if let Some(p) = policy {
        let hits = model.rule_hits();
        for i in 0..p.policy.rules.len() {
            let refused = model
                .violations()
                .iter()
                .filter(|r| {
                    r.verdict.is_some_and(|v| {
                        v.enforced && v.action == Action::Deny && v.rule == u16::try_from(i).ok()
                    })
                })
                .count();
            eprintln!(
                "uringtop run: {}: {} hit(s), {refused} refused by the kernel",
                p.policy.describe_rule(i),
                hits.get(i).copied().unwrap_or(0)
            );
        }
    }
    let refused: u64 = report
        .processes
        .iter()
        .flat_map(|p| &p.rings)
        .flat_map(|r| &r.ops)
        .filter_map(|o| o.verdicts.map(|v| v.denied_by_kernel))
        .sum();
    if refused > 0 {
        eprintln!("uringtop run: SQEs the kernel refused for the policy: {refused}");
    }
    if let Some(path) = path {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(())
}

/// The running kernel's release (uname -r).
fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "(unknown)".to_string())
}

/// "7.2.13+deb14-cloud-amd64" -> (7, 2).
fn parse_version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The command line again, for the suggestion.
fn shell_words(args: &RunArgs) -> String {
    let mut out = Vec::new();
    if let Some(p) = &args.policy.policy {
        out.push(format!("--policy {}", p.display()));
    }
    if args.policy.enforce {
        out.push("--enforce".to_string());
    }
    out.push("--".to_string());
    out.extend(
        args.command
            .iter()
            .map(|a| a.to_string_lossy().into_owned()),
    );
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions() {
        assert_eq!(parse_version("7.2.13+deb14-cloud-amd64"), Some((7, 2)));
        assert_eq!(parse_version("6.18.0"), Some((6, 18)));
        assert_eq!(parse_version("junk"), None);
        assert!(parse_version("6.18.0") < Some((7, 0)));
    }
}
