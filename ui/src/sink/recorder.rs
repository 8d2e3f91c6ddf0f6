//! The recorder sink: the inputs to a recording file, flushed (chunk closed, fsynced) at every
//! session tick, so a SIGKILL or a power loss costs at most the last second. `uringtop record`
//! runs it alone; `uringtop --record FILE` beside the TUI.

use super::{Flow, Sink};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use uringtop_common::input::{Input, Request, Sample};
use uringtop_common::model::Model;
use uringtop_common::recording::{
    Header, RecordingOptions, RecordingWriter, SyncFile, FORMAT_VERSION,
};
use uringtop_common::verdict::Action;

/// Which inputs go to the file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keep {
    /// Only what concerns this process: its name, its ops, the rings it owns or uses, its
    /// requests.
    pub pid: Option<u32>,
    /// Every request the source streams; otherwise only policy violations (which always stream).
    pub all_requests: bool,
}

pub struct RecorderSink {
    writer: RecordingWriter<SyncFile>,
    path: PathBuf,
    keep: Keep,
    /// Say "sample N" on stdout as each sample is written and flushed (`record --synthetic`,
    /// which tests read to know what the file holds at that moment).
    progress: bool,
}

impl RecorderSink {
    /// Creates `path` (a new file, mode 0600) with a header saying how it is made.
    pub fn create(
        path: &Path,
        options: &RecordingOptions,
        keep: Keep,
        progress: bool,
    ) -> Result<Self> {
        let writer = RecordingWriter::create(path, &header(options.to_map()))?;
        Ok(RecorderSink {
            writer,
            path: path.to_path_buf(),
            keep,
            progress,
        })
    }

    /// Continues from a model the files before this one folded (see
    /// [`RecordingWriter::continuing`]): `record --dir`'s next file.
    pub fn continuing(mut self, model: Model) -> Result<Self> {
        self.writer = self
            .writer
            .continuing(model)
            .with_context(|| format!("recording to {}", self.path.display()))?;
        Ok(self)
    }

    /// Finishes the file and gives back the model its inputs folded into, for the next file.
    pub fn finish_carrying(self) -> Result<Model> {
        let model = self.writer.model().clone();
        self.writer
            .finish()
            .with_context(|| format!("finishing {}", self.path.display()))?;
        Ok(model)
    }

    fn write(&mut self, input: &Input) -> Result<()> {
        self.writer
            .write(input)
            .with_context(|| format!("recording to {}", self.path.display()))
    }

    fn flush(&mut self) -> Result<()> {
        self.writer
            .flush()
            .with_context(|| format!("recording to {}", self.path.display()))
    }
}

impl Sink for RecorderSink {
    fn input(&mut self, input: &Input) -> Result<Flow> {
        // Without --requests only policy violations are kept: they always stream.
        match input {
            Input::Request(r) if self.keep.pid.is_some_and(|p| p != r.pid) => {}
            Input::Request(r) if !self.keep.all_requests && !is_violation(r) => {}
            Input::Sample(s) if self.keep.pid.is_some() => {
                let mut s = s.clone();
                only_pid(&mut s, self.keep.pid.unwrap_or_default());
                self.write(&Input::Sample(s))?;
            }
            input => self.write(input)?,
        }
        if self.progress && matches!(input, Input::Sample(_)) {
            self.flush()?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "sample {}", self.writer.samples_written())?;
            out.flush()?;
        }
        Ok(Flow::Continue)
    }

    fn tick(&mut self) -> Result<()> {
        self.flush()
    }

    fn finish(self: Box<Self>) -> Result<Option<String>> {
        let (samples, requests) = (
            self.writer.samples_written(),
            self.writer.requests_written(),
        );
        self.writer
            .finish()
            .with_context(|| format!("finishing {}", self.path.display()))?;
        let bytes = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        Ok(Some(format!(
            "recorded {samples} samples and {requests} requests to {} ({bytes} bytes)",
            self.path.display()
        )))
    }
}

fn is_violation(r: &Request) -> bool {
    r.verdict.is_some_and(|v| v.action != Action::Allow)
}

/// Keeps what concerns `pid`: its name, its ops, and the rings it owns or uses.
fn only_pid(s: &mut Sample, pid: u32) {
    s.processes.retain(|p| p.pid == pid);
    s.ops.retain(|o| o.pid == pid);
    let used: BTreeSet<u32> = s.ops.iter().map(|o| o.ring).collect();
    s.rings.retain(|r| r.pid == pid || used.contains(&r.ring));
}

/// The header of a recording made here, now, with the recorder's `options`.
fn header(options: BTreeMap<String, String>) -> Header {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    Header {
        format_version: FORMAT_VERSION,
        uringtop_version: env!("CARGO_PKG_VERSION").into(),
        host: read("/proc/sys/kernel/hostname"),
        kernel: read("/proc/sys/kernel/osrelease"),
        start_time_ns: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
        options,
    }
}
