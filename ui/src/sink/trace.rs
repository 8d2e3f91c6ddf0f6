//! The trace sink of `uringtop trace`: one line per request (text or JSON), and a closing line
//! counting what was traced and what the kernel dropped.

use super::trace_line;
use super::{Flow, Sink};
use anyhow::Result;
use std::io::Write;
use uringtop_common::input::Input;

pub struct TraceSink {
    pid: Option<u32>,
    ring: Option<u32>,
    json: bool,
    utc_offset_s: i64,
    traced: u64,
    lost: u64,
    /// stdout's reader went away (`| head`): the trace ends quietly.
    closed: bool,
}

impl TraceSink {
    pub fn new(pid: Option<u32>, ring: Option<u32>, json: bool, utc_offset_s: i64) -> Self {
        TraceSink {
            pid,
            ring,
            json,
            utc_offset_s,
            traced: 0,
            lost: 0,
            closed: false,
        }
    }
}

impl Sink for TraceSink {
    fn input(&mut self, input: &Input) -> Result<Flow> {
        match input {
            // Samples only carry the loss counters here.
            Input::Sample(s) => self.lost = s.lost_records,
            // Violations stream for every process while a policy is loaded: filter them too.
            Input::Request(r)
                if self.pid.is_some_and(|p| p != r.pid)
                    || self.ring.is_some_and(|g| g != r.ring) => {}
            Input::Request(r) => {
                self.traced += 1;
                if self.closed {
                    return Ok(Flow::Continue);
                }
                let line = if self.json {
                    trace_line::json(r)
                } else {
                    trace_line::text(r, self.utc_offset_s)
                };
                let mut w = std::io::stdout().lock();
                if writeln!(w, "{line}").and_then(|_| w.flush()).is_err() {
                    self.closed = true;
                    return Ok(Flow::Stop);
                }
            }
        }
        Ok(Flow::Continue)
    }

    fn finish(self: Box<Self>) -> Result<Option<String>> {
        let (traced, lost) = (self.traced, self.lost);
        let advice = if lost > 0 {
            " (the kernel dropped them rather than slow the traced programs: narrow with --pid or --ring)"
        } else {
            ""
        };
        Ok(Some(format!(
            "{traced} requests traced, {lost} records lost{advice}"
        )))
    }
}
