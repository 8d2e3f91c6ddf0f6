//! `uringtop trace`: one line per completed request until Ctrl-C, then a summary of losses.

use crate::cli::TraceArgs;
use crate::policy_file::LoadedPolicy;
use crate::{live_session, trace_line};
use anyhow::Result;
use std::io::Write;
use std::time::Duration;
use uringtop_common::input::Input;
use uringtop_probe::RecordFilter;

pub async fn run(args: TraceArgs) -> Result<()> {
    // Samples only carry the loss counters here; one a second is plenty.
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    let (mut inputs, control) = live_session::start(Duration::from_secs(1), policy.as_ref())?;
    control.set_records(Some(RecordFilter {
        pid: args.pid,
        ring: args.ring,
    }))?;
    eprintln!("uringtop: tracing io_uring requests (Ctrl-C to stop)");
    let offset = trace_line::local_utc_offset_s();
    let stop = async {
        tokio::select! {
            _ = live_session::deadline(args.duration) => {}
            _ = live_session::interrupted() => {}
        }
    };
    tokio::pin!(stop);
    let mut stopped = false;
    let (mut traced, mut lost) = (0u64, 0u64);
    let stdout = std::io::stdout();
    loop {
        tokio::select! {
            input = inputs.recv() => match input {
                None => break,
                Some(Input::Sample(s)) => lost = s.lost_records,
                // Violations stream for every process while a policy is loaded: filter them too.
                Some(Input::Request(r)) if args.pid.is_some_and(|p| p != r.pid)
                    || args.ring.is_some_and(|g| g != r.ring) => {}
                Some(Input::Request(r)) => {
                    traced += 1;
                    let line = if args.json { trace_line::json(&r) } else { trace_line::text(&r, offset) };
                    let mut w = stdout.lock();
                    // A closed pipe (`| head`) ends the trace quietly.
                    if writeln!(w, "{line}").and_then(|_| w.flush()).is_err() {
                        control.stop();
                        stopped = true;
                    }
                }
            },
            _ = &mut stop, if !stopped => {
                stopped = true;
                control.stop();
            }
        }
    }
    eprintln!(
        "uringtop: {traced} requests traced, {lost} records lost{}",
        if lost > 0 {
            " (the kernel dropped them rather than slow the traced programs: narrow with --pid or --ring)"
        } else {
            ""
        }
    );
    Ok(())
}
