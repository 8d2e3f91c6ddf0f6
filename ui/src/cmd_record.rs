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
use uringtop_common::recording::{RecordedRequests, RecordingOptions};
use uringtop_probe::RequestFilter;

/// Samples in the synthetic stream of `--synthetic`.
pub const SYNTHETIC_SAMPLES: usize = 1000;

pub async fn run(args: RecordArgs) -> Result<()> {
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    // The source first: if the probe cannot load, no file is left behind.
    let source = match args.session.synthetic {
        Some(seed) => Source::synthetic(seed, SYNTHETIC_SAMPLES, args.interval),
        None => {
            let source = Source::probe(args.interval, policy.as_ref())?;
            if args.requests {
                source.stream_requests(RequestFilter {
                    pid: args.pid,
                    ring: None,
                })?;
            }
            source
        }
    };
    let options = RecordingOptions {
        interval: Some(args.interval),
        requests: Some(if args.requests {
            RecordedRequests::All
        } else {
            RecordedRequests::ViolationsOnly
        }),
        pid: args.pid,
        duration: args.session.duration,
        synthetic_seed: args.session.synthetic,
        policy: policy.as_ref().map(LoadedPolicy::recorded),
        ..RecordingOptions::default()
    };
    let keep = Keep {
        pid: args.pid,
        all_requests: args.requests,
    };
    let progress = args.session.synthetic.is_some();
    let sink: Box<dyn Sink> = match (&args.output, &args.dir) {
        (Some(file), _) => Box::new(RecorderSink::create(file, &options, keep, progress)?),
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
    session::run(source, vec![sink], args.session.duration).await
}
