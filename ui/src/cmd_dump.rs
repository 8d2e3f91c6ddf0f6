//! `uringtop dump`: observe, then print the JSON contract (or CSV) — once, or once per interval
//! (see [`crate::sink::report`]).

use crate::cli::DumpArgs;
use crate::policy_file::{LoadedPolicy, UsageError};
use crate::session::{self, Source};
use crate::sink::report::{ReportSink, Windows};
use anyhow::{anyhow, bail, Result};
use std::path::Path;

pub async fn run(args: DumpArgs) -> Result<()> {
    if let Some(path) = &args.from {
        if args.policy.policy.is_some() {
            return Err(anyhow!(UsageError(
                "--policy judges live requests; a recording keeps the verdicts it was recorded with \
                 (drop --policy, or record again with it)"
                    .into()
            )));
        }
        return from_recording(&args, path);
    }
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    let sample_every = args.interval.unwrap_or(args.duration);
    let source = Source::probe(sample_every, policy.as_ref())?;
    eprintln!(
        "uringtop: observing io_uring for {:?} (Ctrl-C to stop early)",
        args.duration
    );
    let windows = Windows::Live {
        per_interval: args.interval.is_some(),
    };
    let sink = ReportSink::new(windows, args.format, args.pid);
    session::run(source, vec![Box::new(sink)], Some(args.duration)).await
}

/// `--from FILE`: the same reports, through the same model, from a recording's inputs.
fn from_recording(args: &DumpArgs, path: &Path) -> Result<()> {
    let rec = crate::recording_file::open(path)?;
    // Verdicts in the report are the recorded ones; say which policy made them.
    match LoadedPolicy::from_recording(&rec.header().recording_options()) {
        Some(Ok(p)) => eprintln!("uringtop: recorded with {}", p.summary()),
        Some(Err(e)) => eprintln!("uringtop: warning: {e:#}"),
        None => {}
    }
    let Some((first, last)) = rec.time_range() else {
        bail!(
            "{}: the recording holds no sample ({})",
            path.display(),
            rec.summary()
        );
    };
    let offset = crate::local_time::utc_offset_s();
    let start = args.start.map(|t| t.resolve(first, offset));
    let end = args.end.map(|t| t.resolve(first, offset));
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            bail!("--end is before --start");
        }
    }
    if start.is_some_and(|s| s > last) {
        bail!("--start is after the recording's last sample");
    }
    let windows = Windows::Recorded {
        start,
        end,
        every_ns: args.interval.map(|d| d.as_nanos() as u64),
    };
    let sink = ReportSink::new(windows, args.format, args.pid);
    session::replay(rec.inputs(), vec![Box::new(sink)])
}
