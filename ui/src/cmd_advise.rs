//! `uringtop advise`: observe (live for a while, or a recording), then print the
//! least-privilege restrictions (see [`crate::sink::advice`]).

use crate::advise::{Observed, ObservedFrom};
use crate::cli::AdviseArgs;
use crate::session::{self, Source};
use crate::sink::advice::AdviceSink;
use anyhow::{bail, Result};
use std::time::{Duration, Instant};

/// How often the live probe is read: the model keeps what processes that exit mid-way did, as
/// long as it was read before their counters went away.
const LIVE_SAMPLE_EVERY: Duration = Duration::from_secs(1);

pub async fn run(args: AdviseArgs) -> Result<()> {
    match (&args.file, args.duration) {
        (Some(path), _) => {
            let rec = crate::recording_file::open(path)?;
            let Some((first, last)) = rec.time_range() else {
                bail!(
                    "{}: the recording holds no sample ({})",
                    path.display(),
                    rec.summary()
                );
            };
            let observed = Observed {
                source: ObservedFrom::Recording(path.display().to_string()),
                seconds: last.saturating_sub(first) as f64 / 1e9,
            };
            let sink = AdviceSink::new(args.pid, args.format, observed, None);
            let done = session::replay(rec.inputs(), vec![Box::new(sink)]);
            crate::recording_file::warn_if_damaged_reading(path, &rec);
            done
        }
        (None, Some(duration)) => {
            let source = Source::probe(LIVE_SAMPLE_EVERY.min(duration), None)?;
            eprintln!("uringtop: observing io_uring for {duration:?} (Ctrl-C to stop early)");
            let observed = Observed {
                source: ObservedFrom::Live,
                seconds: 0.0,
            };
            let sink = AdviceSink::new(args.pid, args.format, observed, Some(Instant::now()));
            session::run(source, vec![Box::new(sink)], Some(duration)).await
        }
        // clap requires exactly one of the two.
        (None, None) => bail!("give a recording FILE or --duration SECS"),
    }
}
