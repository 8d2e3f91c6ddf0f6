//! `uringtop dump`: observe, then print the JSON contract (or CSV) — once, or once per interval.

use crate::cli::{DumpArgs, Format};
use crate::live_session;
use anyhow::Result;
use std::io::Write;
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::report::Report;

pub async fn run(args: DumpArgs) -> Result<()> {
    let sample_every = args.interval.unwrap_or(args.duration);
    let (mut inputs, control) = live_session::start(sample_every)?;
    eprintln!(
        "uringtop: observing io_uring for {:?} (Ctrl-C to stop early)",
        args.duration
    );
    let mut model = Model::new();
    let mut out = Sink {
        format: args.format,
        pid: args.pid,
        header_done: false,
    };
    let stop = async {
        tokio::select! {
            _ = tokio::time::sleep(args.duration) => {}
            _ = live_session::interrupted() => {}
        }
    };
    tokio::pin!(stop);
    let mut stopped = false;
    let mut samples = 0u64;
    loop {
        tokio::select! {
            input = inputs.recv() => {
                let Some(input) = input else { break };
                model.apply(&input);
                if matches!(input, Input::Sample(_)) {
                    samples += 1;
                    // The first sample opens the window; each later one closes an interval.
                    if args.interval.is_some() && samples > 1 {
                        out.print(model.report())?;
                        model.rebase();
                    }
                }
            }
            _ = &mut stop, if !stopped => {
                stopped = true;
                control.stop();
            }
        }
    }
    if args.interval.is_none() {
        out.print(model.report())?;
    }
    live_session::report_sampler_error(&control);
    Ok(())
}

struct Sink {
    format: Format,
    pid: Option<u32>,
    header_done: bool,
}

impl Sink {
    fn print(&mut self, mut report: Report) -> Result<()> {
        if let Some(pid) = self.pid {
            report.processes.retain(|p| p.pid == pid);
        }
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        match self.format {
            Format::Json => writeln!(w, "{}", report.to_json())?,
            Format::Csv => {
                // One header for the whole output, also when there is a block of rows per interval.
                let mut block = Vec::new();
                report.write_csv(&mut block)?;
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
        Ok(())
    }
}
