//! The recorder as a service: `record --dir DIR --rotate 10m --keep 24h --keep 10GiB` writes a
//! series of recordings into DIR, one per period (each crash-safe as a single recording is),
//! deletes the oldest past the retention, and holds a lock so that two recorders never share
//! a directory.
//!
//! Samples carry only what changed since the sample before, so each new file starts with a
//! sample that carries everything live (the model's [`Model::snapshot`] beneath the sample that
//! opens it): a file alone reads as its own timeline, and the files one after another replay
//! as one (the snapshot's counters are cumulative: applying them again changes nothing). The
//! recorder's model also goes on from file to file (each opens with a checkpoint of it), so a
//! replay of the directory seeks by the checkpoints of every file.

use super::recorder::{Keep, RecorderSink};
use super::{Flow, Sink};
use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::recording::time::utc_file_stamp;
use uringtop_common::recording::RecordingOptions;

/// What is kept: files younger than `max_age` (by their last write), and the newest files
/// that fit in `max_bytes`. The file being written is always kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    pub max_age: Option<Duration>,
    pub max_bytes: Option<u64>,
}

pub struct RotatingSink {
    dir: PathBuf,
    rotate_ns: u64,
    retention: Retention,
    options: RecordingOptions,
    keep: Keep,
    current: Option<(PathBuf, Box<RecorderSink>)>,
    /// Sample time the current file started at.
    started_ns: u64,
    /// For the snapshot that opens each new file.
    model: Model,
    files_written: u64,
    samples: u64,
    /// Held for the sink's life: the directory's lock (released when the file closes).
    _lock: File,
}

/// The name of the lock file in a recording directory.
pub const LOCK_FILE: &str = ".uringtop-record.lock";

impl RotatingSink {
    pub fn create(
        dir: &Path,
        rotate: Duration,
        retention: Retention,
        options: RecordingOptions,
        keep: Keep,
    ) -> Result<Self> {
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        if !dir.is_dir() {
            bail!("{} is not a directory", dir.display());
        }
        let lock = lock(dir)?;
        Ok(RotatingSink {
            dir: dir.to_path_buf(),
            rotate_ns: rotate.as_nanos() as u64,
            retention,
            options,
            keep,
            current: None,
            started_ns: 0,
            model: Model::for_display(),
            files_written: 0,
            samples: 0,
            _lock: lock,
        })
    }

    /// Closes the current file (if any) and opens the next, named after `time_ns`.
    fn open_next(&mut self, time_ns: u64) -> Result<()> {
        // The recorder's model goes on into the next file, which opens with a checkpoint of it:
        // its own checkpoints then hold the whole series' model, as a replay of the directory
        // folds it (and the file alone replays as the series does from there).
        let carried = match self.current.take() {
            Some((_, sink)) => Some(sink.finish_carrying()?),
            None => None,
        };
        let mut path = self
            .dir
            .join(format!("uringtop-{}.mcap", utc_file_stamp(time_ns)));
        // Two files in one second (a very short --rotate): a suffix keeps them apart, in order.
        let mut n = 1;
        while path.exists() {
            path = self
                .dir
                .join(format!("uringtop-{}-{n}.mcap", utc_file_stamp(time_ns)));
            n += 1;
        }
        let mut sink = RecorderSink::create(&path, &self.options, self.keep, false)?;
        if let Some(model) = carried {
            sink = sink.continuing(model)?;
        }
        self.current = Some((path, Box::new(sink)));
        self.started_ns = time_ns;
        self.files_written += 1;
        self.apply_retention();
        Ok(())
    }

    fn close_current(&mut self) -> Result<()> {
        if let Some((_, sink)) = self.current.take() {
            sink.finish()?;
        }
        Ok(())
    }

    /// Deletes the oldest files past the retention (never the one being written). A file that
    /// cannot be deleted is left for the next rotation.
    fn apply_retention(&self) {
        if self.retention == Retention::default() {
            return;
        }
        let current = self.current.as_ref().map(|(p, _)| p.clone());
        let mut files = recording_files(&self.dir).unwrap_or_default();
        files.retain(|f| Some(f) != current.as_ref());
        let now = SystemTime::now();
        // Newest first: the size budget goes to the newest.
        let mut used: u64 = current
            .as_ref()
            .and_then(|p| p.metadata().ok())
            .map_or(0, |m| m.len());
        for f in files.iter().rev() {
            let Ok(meta) = f.metadata() else { continue };
            used = used.saturating_add(meta.len());
            let too_old = self.retention.max_age.is_some_and(|age| {
                meta.modified()
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .is_some_and(|d| d > age)
            });
            let too_big = self.retention.max_bytes.is_some_and(|max| used > max);
            if too_old || too_big {
                let _ = std::fs::remove_file(f);
            }
        }
    }
}

impl Sink for RotatingSink {
    fn input(&mut self, input: &Input) -> Result<Flow> {
        if let Input::Sample(s) = input {
            let due = self.current.is_none()
                || s.time_ns.saturating_sub(self.started_ns) >= self.rotate_ns;
            if due {
                let first_file = self.current.is_none();
                self.open_next(s.time_ns)?;
                if !first_file {
                    let mut opening = s.clone();
                    opening.absorb_earlier(self.model.snapshot());
                    self.model.apply(input);
                    self.samples += 1;
                    if let Some((_, sink)) = &mut self.current {
                        sink.input(&Input::Sample(opening))?;
                    }
                    return Ok(Flow::Continue);
                }
            }
            self.samples += 1;
        }
        self.model.apply(input);
        if let Some((_, sink)) = &mut self.current {
            sink.input(input)?;
        }
        Ok(Flow::Continue)
    }

    fn tick(&mut self) -> Result<()> {
        match &mut self.current {
            Some((_, sink)) => sink.tick(),
            None => Ok(()),
        }
    }

    fn finish(mut self: Box<Self>) -> Result<Option<String>> {
        // Retention ran at the last rotation; the file just closed is the newest and stays.
        self.close_current()?;
        Ok(Some(format!(
            "recorded {} samples into {} files in {} (rotating every {} s)",
            self.samples,
            self.files_written,
            self.dir.display(),
            self.rotate_ns / 1_000_000_000
        )))
    }
}

/// The recordings of a directory, oldest first (their names sort by time).
pub fn recording_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "mcap")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("uringtop-"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Takes DIR's lock (flock, released when the returned file closes, also on a crash) and
/// writes our pid into it; refuses when another recorder holds it.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock on a file descriptor we own.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    if !locked {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        bail!(
            "{} is being recorded into by another uringtop (pid {}); one recorder per \
             directory: stop that one, or choose another --dir",
            dir.display(),
            holder.trim()
        );
    }
    file.set_len(0)?;
    writeln!(file, "{}", std::process::id())?;
    Ok(file)
}
