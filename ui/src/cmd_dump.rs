//! `uringtop dump`: observe, then print the JSON contract (or CSV) — once, or once per interval
//! (see [`crate::sink::report`]).

use crate::cli::{DumpArgs, Format};
use crate::policy_file::{LoadedPolicy, UsageError};
use crate::session::{self, Source};
use crate::sink::exposition::{self, ExpositionSink};
use crate::sink::report::{ReportSink, Windows};
use anyhow::{anyhow, bail, Result};
use std::path::Path;
use uringtop_common::input::Input;

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
    if args.format == Format::Openmetrics {
        let sink = ExpositionSink::printing(exposition::facts(source.memory()));
        return session::run(source, vec![Box::new(sink)], Some(args.duration)).await;
    }
    let windows = Windows::Live {
        per_interval: args.interval.is_some(),
    };
    let sink = ReportSink::new(windows, args.format, args.pid);
    session::run(source, vec![Box::new(sink)], Some(args.duration)).await
}

/// `--from FILE`: the same reports, through the same model, from a recording's inputs.
fn from_recording(args: &DumpArgs, path: &Path) -> Result<()> {
    let offset = crate::local_time::utc_offset_s();
    let window = |first: u64| {
        (
            args.start.map(|t| t.resolve(first, offset)),
            args.end.map(|t| t.resolve(first, offset)),
        )
    };
    // Of a `record --dir` directory, only the files the window needs.
    let (rec, first) = crate::recording_file::open_window(path, window)?;
    // Verdicts in the report are the recorded ones; say which policy made them.
    match LoadedPolicy::from_recording(&rec.header().recording_options()) {
        Some(Ok(p)) => eprintln!("uringtop: recorded with {}", p.summary()),
        Some(Err(e)) => eprintln!("uringtop: warning: {e:#}"),
        None => {}
    }
    let Some((_, last)) = rec.time_range() else {
        bail!(
            "{}: the recording holds no sample ({})",
            path.display(),
            rec.summary()
        );
    };
    let (start, end) = window(first);
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            bail!("--end is before --start");
        }
    }
    if start.is_some_and(|s| s > last) {
        bail!("--start is after the recording's last sample");
    }
    if args.format == Format::Openmetrics {
        // Up to --end (--start does not apply: counters run from the start).
        let sink = ExpositionSink::printing(exposition::facts(None));
        let inputs = rec.inputs().take_while(move |i| match (i, end) {
            (Input::Sample(s), Some(e)) => s.time_ns <= e,
            _ => true,
        });
        let done = session::replay(inputs, vec![Box::new(sink)]);
        crate::recording_file::warn_if_damaged_reading(path, &rec);
        return done;
    }
    let windows = Windows::Recorded {
        start,
        end,
        every_ns: args.interval.map(|d| d.as_nanos() as u64),
    };
    let sink = ReportSink::new(windows, args.format, args.pid);
    let done = session::replay(rec.inputs(), vec![Box::new(sink)]);
    crate::recording_file::warn_if_damaged_reading(path, &rec);
    done
}
