//! The report sink of `uringtop dump`: the JSON contract (or CSV) of the model's window, once at
//! the end or once per interval.

use super::{Flow, Sink};
use crate::cli::Format;
use anyhow::Result;
use std::io::Write;
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::report::Report;

/// Which windows get a report.
#[derive(Clone, Copy, Debug)]
pub enum Windows {
    /// Live: the probe samples once per interval. One report at the end, or, with `per_interval`,
    /// one each time a sample closes an interval (every sample after the first, the last one
    /// taken on stopping included).
    Live { per_interval: bool },
    /// A recording: the window opens at the last sample at or before `start` (without it, at
    /// the probe's attach, as live) and closes at the last sample at or before `end`. With
    /// `every_ns`, one report each time that much recorded time has passed, and one for what is
    /// left after the last of them (live `dump --interval` prints that partial interval when it
    /// stops).
    Recorded {
        start: Option<u64>,
        end: Option<u64>,
        every_ns: Option<u64>,
    },
}

pub struct ReportSink {
    model: Model,
    windows: Windows,
    /// Recorded: whether the window has opened (`start` passed).
    started: bool,
    printer: Printer,
}

impl ReportSink {
    pub fn new(windows: Windows, format: Format, pid: Option<u32>) -> Self {
        let (per_interval, started) = match windows {
            Windows::Live { per_interval } => (per_interval, true),
            Windows::Recorded {
                start, every_ns, ..
            } => (every_ns.is_some(), start.is_none()),
        };
        ReportSink {
            model: Model::new(),
            windows,
            started,
            printer: Printer {
                format,
                pid,
                interval: per_interval.then_some(1),
                header_done: false,
            },
        }
    }

    fn print_and_rebase(&mut self) -> Result<()> {
        self.printer.print(self.model.report())?;
        self.model.rebase();
        Ok(())
    }
}

impl Sink for ReportSink {
    fn input(&mut self, input: &Input) -> Result<Flow> {
        let sample = match input {
            Input::Sample(s) => Some(s),
            Input::Request(_) => None,
        };
        match self.windows {
            Windows::Live { per_interval } => {
                self.model.apply(input);
                // The first sample opens the window; each later one closes an interval.
                if sample.is_some() && per_interval && self.model.samples() > 1 {
                    self.print_and_rebase()?;
                }
            }
            Windows::Recorded {
                start,
                end,
                every_ns,
            } => {
                if let Some(s) = sample {
                    if end.is_some_and(|e| s.time_ns > e) {
                        return Ok(Flow::Stop);
                    }
                    if !self.started && start.is_some_and(|t| s.time_ns > t) {
                        self.model.rebase();
                        self.started = true;
                    }
                }
                self.model.apply(input);
                if let (Some(s), Some(every)) = (sample, every_ns) {
                    // A tenth of slack for the sampler's jitter.
                    let elapsed = s.time_ns.saturating_sub(self.model.base_time_ns());
                    if self.started
                        && self.model.samples() > 1
                        && elapsed.saturating_mul(10) >= every.saturating_mul(9)
                    {
                        self.print_and_rebase()?;
                    }
                }
            }
        }
        Ok(Flow::Continue)
    }

    fn finish(mut self: Box<Self>) -> Result<Option<String>> {
        let last = match self.windows {
            Windows::Live { per_interval } => !per_interval,
            // The interval the recording ended in (or `end` cut), as live prints it when it
            // stops: the last sample recorded was the one live took on stopping.
            Windows::Recorded { every_ns, .. } => {
                let partial = self.started
                    && self.model.samples() > 1
                    && self.model.time_ns() > self.model.base_time_ns();
                every_ns.is_none() || partial
            }
        };
        if last {
            let report = self.model.report();
            self.printer.print(report)?;
        }
        Ok(None)
    }
}

/// Writes reports to stdout.
struct Printer {
    format: Format,
    pid: Option<u32>,
    /// Per interval: the number of the next interval (from 1), which CSV rows carry.
    interval: Option<u64>,
    header_done: bool,
}

impl Printer {
    fn print(&mut self, mut report: Report) -> Result<()> {
        if let Some(pid) = self.pid {
            report.processes.retain(|p| p.pid == pid);
        }
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        match self.format {
            Format::Json => writeln!(w, "{}", report.to_json())?,
            // `dump` gives this format to the exposition sink, never to a report.
            Format::Openmetrics => anyhow::bail!("a report has no OpenMetrics form"),
            Format::Csv => {
                // One header for the whole output, also when there is a block of rows per interval.
                let mut block = Vec::new();
                match self.interval {
                    Some(n) => report.write_csv_interval(&mut block, n)?,
                    None => report.write_csv(&mut block)?,
                }
                let rows = if self.header_done {
                    block
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(&block[..0], |nl| &block[nl + 1..])
                } else {
                    &block[..]
                };
                w.write_all(rows)?;
                self.header_done = true;
            }
        }
        w.flush()?;
        if let Some(n) = &mut self.interval {
            *n += 1;
        }
        Ok(())
    }
}
