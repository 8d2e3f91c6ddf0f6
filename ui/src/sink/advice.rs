//! The advice sink of `uringtop advise`: the model of what was observed, and at the end the
//! least-privilege restrictions (see [`crate::advise`]).
//!
//! Nothing observed is an error (exit status 1, nothing on stdout): an empty restriction set
//! would refuse everything, which is never what a script piping this into a file wants.

use super::{Flow, Sink};
use crate::advise::{self, Observed};
use crate::cli::AdviseFormat;
use anyhow::{bail, Result};
use std::io::Write;
use std::time::Instant;
use uringtop_common::input::Input;
use uringtop_common::model::Model;

pub struct AdviceSink {
    model: Model,
    pid: Option<u32>,
    format: AdviseFormat,
    observed: Observed,
    /// Live: when the observation began; its length is known at the end.
    live_since: Option<Instant>,
}

impl AdviceSink {
    /// `observed` says what was observed and for how long; with `live_since`, the length is
    /// measured from then to the end.
    pub fn new(
        pid: Option<u32>,
        format: AdviseFormat,
        observed: Observed,
        live_since: Option<Instant>,
    ) -> Self {
        AdviceSink {
            model: Model::new(),
            pid,
            format,
            observed,
            live_since,
        }
    }
}

impl Sink for AdviceSink {
    fn input(&mut self, input: &Input) -> Result<Flow> {
        self.model.apply(input);
        Ok(Flow::Continue)
    }

    fn finish(mut self: Box<Self>) -> Result<Option<String>> {
        if let Some(since) = self.live_since {
            self.observed.seconds = since.elapsed().as_secs_f64();
        }
        let advice = advise::advise(&self.model, self.pid, self.observed);
        if advice.processes.is_empty() {
            let whom = match self.pid {
                Some(pid) => format!("process {pid}"),
                None => "any process".into(),
            };
            bail!(
                "nothing to advise: no io_uring SQE accepted or register call made by {whom} \
                 was observed"
            );
        }
        let text = advise::render(&advice, self.format);
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        w.write_all(text.as_bytes())?;
        w.flush()?;
        Ok(None)
    }
}
