//! `uringtop record`: the probe's inputs to a recording file, headless, until a duration or a
//! signal (see [`crate::sink::recorder`]).

use crate::cli::KeepLimit;
use crate::cli::RecordArgs;
use crate::policy_file::LoadedPolicy;
use crate::session::{self, Source};
use crate::sink::recorder::{Keep, RecorderSink};
use crate::sink::rotating::{Retention, RotatingSink};
use crate::sink::Sink;
use anyhow::Result;
use std::collections::BTreeMap;
use uringtop_probe::RecordFilter;

/// Samples in the synthetic stream of `--synthetic`.
pub const SYNTHETIC_SAMPLES: usize = 1000;

pub async fn run(args: RecordArgs) -> Result<()> {
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    // The source first: if the probe cannot load, no file is left behind.
    let source = match args.synthetic {
        Some(seed) => Source::synthetic(seed, SYNTHETIC_SAMPLES, args.interval),
        None => {
            let source = Source::probe(args.interval, policy.as_ref())?;
            if args.requests {
                source.stream_requests(RecordFilter {
                    pid: args.pid,
                    ring: None,
                })?;
            }
            source
        }
    };
    let mut options = options(&args);
    if let Some(p) = &policy {
        p.header_options(&mut options);
    }
    let keep = Keep {
        pid: args.pid,
        all_requests: args.requests,
    };
    let progress = args.synthetic.is_some();
    let sink: Box<dyn Sink> = match (&args.output, &args.dir) {
        (Some(file), _) => Box::new(RecorderSink::create(file, options, keep, progress)?),
        (None, Some(dir)) => {
            let mut retention = Retention::default();
            for limit in &args.keep {
                match *limit {
                    KeepLimit::Age(age) => retention.max_age = Some(age),
                    KeepLimit::Bytes(bytes) => retention.max_bytes = Some(bytes),
                }
            }
            Box::new(RotatingSink::create(
                dir,
                args.rotate,
                retention,
                options,
                keep,
            )?)
        }
        // clap requires one of the two.
        (None, None) => anyhow::bail!("record needs -o FILE or --dir DIR"),
    };
    session::run(source, vec![sink], args.duration).await
}

/// What the recording's header says about how it was made.
fn options(args: &RecordArgs) -> BTreeMap<String, String> {
    let mut options = BTreeMap::new();
    options.insert("interval_s".into(), args.interval.as_secs_f64().to_string());
    options.insert("requests".into(), args.requests.to_string());
    if let Some(pid) = args.pid {
        options.insert("pid".into(), pid.to_string());
    }
    if let Some(d) = args.duration {
        options.insert("duration_s".into(), d.as_secs_f64().to_string());
    }
    if let Some(seed) = args.synthetic {
        options.insert("synthetic_seed".into(), seed.to_string());
    }
    options
}
