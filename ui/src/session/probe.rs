//! Starting the live probe for a command, with errors and warnings a person can act on.

use crate::policy_file::LoadedPolicy;
use anyhow::Result;
use std::time::Duration;
use tokio::sync::mpsc;
use uringtop_common::input::Input;
use uringtop_probe::memory::MemoryUse;
use uringtop_probe::{LiveControl, Probe};

/// Loads the probe (with the policy, if one is given), says on stderr what this kernel cannot
/// show, and starts the live source.
pub fn start(
    interval: Duration,
    policy: Option<&LoadedPolicy>,
) -> Result<(mpsc::Receiver<Input>, LiveControl)> {
    let (inputs, control, _) = start_measured(interval, policy, 0)?;
    Ok((inputs, control))
}

/// [`start`] with the policy judging only descendants of process `scope` (0: every process).
pub fn start_scoped(
    interval: Duration,
    policy: Option<&LoadedPolicy>,
    scope: u32,
) -> Result<(mpsc::Receiver<Input>, LiveControl)> {
    let (inputs, control, _) = start_measured(interval, policy, scope)?;
    Ok((inputs, control))
}

/// [`start_scoped`], also saying what the probe pins in the kernel (for `serve`'s health metrics).
pub fn start_measured(
    interval: Duration,
    policy: Option<&LoadedPolicy>,
    scope: u32,
) -> Result<(mpsc::Receiver<Input>, LiveControl, MemoryUse)> {
    warn_if_io_uring_disabled();
    let probe = match policy {
        Some(p) => {
            let mut compiled = p.compiled();
            compiled.scope_tgid = scope;
            let probe = Probe::load_with_policy(&compiled)?;
            eprintln!("uringtop: {}", p.summary());
            if p.enforce && p.policy.default == uringtop_common::verdict::Action::Kill {
                eprintln!(
                    "uringtop: warning: default = \"kill\" with --enforce: every process on this \
                     machine that submits an SQE no rule allows gets SIGKILL"
                );
            }
            probe
        }
        None => Probe::load()?,
    };
    for (tracepoint, what) in probe.degraded() {
        eprintln!("uringtop: warning: without {tracepoint}: {what}");
    }
    let memory = probe.memory();
    let (inputs, control) = uringtop_probe::spawn(probe, interval)?;
    Ok((inputs, control, memory))
}

fn warn_if_io_uring_disabled() {
    if let Ok(v) = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled") {
        if v.trim() == "2" {
            eprintln!(
                "uringtop: warning: kernel.io_uring_disabled = 2: no process can create io_uring rings, \
                 so there will be nothing to see (`sysctl kernel.io_uring_disabled=0` allows them)"
            );
        }
    }
}

/// Says on stderr if reading the probe's counters failed at some point (the output may miss samples).
pub fn report_sampler_error(control: &LiveControl) {
    if let Some(e) = control.last_error() {
        eprintln!("uringtop: warning: some samples could not be read: {e}");
    }
}

/// The probe's controls as the TUI asks for them (the TUI library does not link the probe).
pub struct TuiControl(pub LiveControl);

impl uringtop_tui::SourceControl for TuiControl {
    fn stream_requests(&self, wanted: Option<uringtop_tui::Stream>) -> Result<(), String> {
        use uringtop_tui::Stream;
        let filter = wanted.map(|wanted| match wanted {
            Stream::Ring(ring) => uringtop_probe::RequestFilter {
                pid: None,
                ring: Some(ring),
            },
            Stream::Process(pid) => uringtop_probe::RequestFilter {
                pid: Some(pid),
                ring: None,
            },
        });
        self.0.stream_requests(filter).map_err(|e| e.to_string())
    }

    fn stop(&self) {
        self.0.stop();
    }
}
