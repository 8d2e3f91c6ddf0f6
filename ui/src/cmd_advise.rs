//! `uringtop advise`: observe (live for a while, or a recording), then print the
//! least-privilege restrictions (see [`crate::advise`]).
//!
//! Nothing observed is an error (exit status 1, nothing on stdout): an empty restriction set
//! would refuse everything, which is never what a script piping this into a file wants.

use crate::advise::{self, Observed, Source};
use crate::cli::AdviseArgs;
use crate::live_session;
use anyhow::{bail, Result};
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use uringtop_common::model::Model;

/// How often the live probe is read: the model keeps what processes that exit mid-way did, as
/// long as it was read before their counters went away.
const LIVE_SAMPLE_EVERY: Duration = Duration::from_secs(1);

pub async fn run(args: AdviseArgs) -> Result<()> {
    let (model, observed) = match (&args.file, args.duration) {
        (Some(path), _) => from_recording(path)?,
        (None, Some(duration)) => live(duration).await?,
        // clap requires exactly one of the two.
        (None, None) => bail!("give a recording FILE or --duration SECS"),
    };
    let advice = advise::advise(&model, args.pid, observed);
    if advice.processes.is_empty() {
        let whom = match args.pid {
            Some(pid) => format!("process {pid}"),
            None => "any process".into(),
        };
        bail!(
            "nothing to advise: no io_uring SQE accepted or register call made by {whom} \
             was observed"
        );
    }
    let text = advise::render(&advice, args.format);
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    w.write_all(text.as_bytes())?;
    w.flush()?;
    Ok(())
}

fn from_recording(path: &Path) -> Result<(Model, Observed)> {
    let rec = crate::recording_file::open(path)?;
    let Some((first, last)) = rec.time_range() else {
        bail!(
            "{}: the recording holds no sample ({})",
            path.display(),
            rec.summary()
        );
    };
    let mut model = Model::new();
    for input in rec.inputs() {
        model.apply(&input);
    }
    let observed = Observed {
        source: Source::Recording(path.display().to_string()),
        seconds: last.saturating_sub(first) as f64 / 1e9,
    };
    Ok((model, observed))
}

async fn live(duration: Duration) -> Result<(Model, Observed)> {
    let (mut inputs, control) = live_session::start(LIVE_SAMPLE_EVERY.min(duration), None)?;
    eprintln!("uringtop: observing io_uring for {duration:?} (Ctrl-C to stop early)");
    let started = std::time::Instant::now();
    let mut model = Model::new();
    let stop = async {
        tokio::select! {
            _ = tokio::time::sleep(duration) => {}
            _ = live_session::interrupted() => {}
        }
    };
    tokio::pin!(stop);
    let mut stopped = false;
    loop {
        tokio::select! {
            input = inputs.recv() => {
                let Some(input) = input else { break };
                model.apply(&input);
            }
            _ = &mut stop, if !stopped => {
                stopped = true;
                control.stop();
            }
        }
    }
    live_session::report_sampler_error(&control);
    let observed = Observed {
        source: Source::Live,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((model, observed))
}
