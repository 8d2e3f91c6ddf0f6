//! Sinks: what a session feeds the source's inputs to. Each command is one sink (or, for the TUI,
//! one beside it); adding an output (an exporter, a file format) is adding a sink.
//!
//! - [`report::ReportSink`]: the JSON/CSV report of `dump`, once or per interval.
//! - [`trace::TraceSink`]: one line per request, for `trace`.
//! - [`recorder::RecorderSink`]: the inputs to a recording file (`record`, `--record`).
//! - [`advice::AdviceSink`]: the least-privilege restrictions of `advise`.
//! - [`rotating::RotatingSink`]: `record --dir`, a series of recordings with retention.
//! - [`exposition::ExpositionSink`]: OpenMetrics for `serve` and `dump --format openmetrics`.

pub mod advice;
pub mod exposition;
pub mod recorder;
pub mod report;
pub mod rotating;
pub mod trace;
pub mod trace_line;

use anyhow::Result;
use uringtop_common::input::Input;

/// Whether a sink wants the session to go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Enough: the session stops its source (as at its deadline). The inputs a live source still
    /// sends (its last records and final sample) are delivered all the same.
    Stop,
}

/// One consumer of a session's inputs.
///
/// A sink that reads the model's state folds the inputs into a [`uringtop_common::model::Model`]
/// of its own: the report rebases its window at each interval, which another sink must not see.
/// Errors say what went wrong for a person ("writing out.mcap: No space left on device"); a sink
/// that fails gets no more inputs, the others go on.
pub trait Sink: Send {
    /// The next input from the source, in the source's order.
    fn input(&mut self, input: &Input) -> Result<Flow>;

    /// Called every [`crate::session::TICK`] of wall-clock time while the session runs (the
    /// recorder flushes).
    fn tick(&mut self) -> Result<()> {
        Ok(())
    }

    /// The source has ended: write what is left. Returns a line for the person running it
    /// (`recorded 10 samples …`), which the session prints on stderr once the screen is theirs.
    fn finish(self: Box<Self>) -> Result<Option<String>>;
}
