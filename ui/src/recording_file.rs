//! Opening a recording for `dump --from`, `replay` and `export`: a clear error if it cannot be read
//! at all, and a warning saying what was recovered if it is damaged. A directory written by
//! `record --dir` opens as one recording: its files, oldest first, as one timeline.

use crate::sink::rotating::recording_files;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use uringtop_common::recording::time::parse_utc_file_stamp;
use uringtop_common::recording::{OpenError, Recording};

pub fn open(path: &Path) -> Result<Recording> {
    if path.is_dir() {
        let files = recording_files(path).with_context(|| format!("reading {}", path.display()))?;
        return join(path, &files);
    }
    let rec = Recording::open(path).map_err(|e| match e {
        // "cannot read FILE: …" names the file already.
        OpenError::Io(_) => anyhow!(e),
        _ => anyhow!("{}: {e}", path.display()),
    })?;
    if rec.damage().is_some() {
        eprintln!("uringtop: warning: {}: {}", path.display(), rec.summary());
    }
    Ok(rec)
}

/// After reading `rec` through: a warning if a chunk failed as it was read (a finished file's
/// chunks are checked when first read, not at open), since what was made of it stops there.
pub fn warn_if_damaged_reading(path: &Path, rec: &Recording) {
    if rec.damage().is_some_and(|d| d.after_open) {
        eprintln!("uringtop: warning: {}: {}", path.display(), rec.summary());
    }
}

/// A recording for a window of it: `window` turns the time of the recording's first sample
/// into the window's (start, end). A file is opened whole; of a directory, only the files the
/// window needs are read (each file starts with a sample carrying everything live, the
/// counters since the recorder's start, so the window's reports are what the whole directory
/// gives). Returns the recording and the time of the first sample of the whole.
pub fn open_window(
    path: &Path,
    window: impl Fn(u64) -> (Option<u64>, Option<u64>),
) -> Result<(Recording, u64)> {
    if !path.is_dir() {
        let rec = open(path)?;
        let first = rec.time_range().map_or(0, |(first, _)| first);
        return Ok((rec, first));
    }
    let files = recording_files(path).with_context(|| format!("reading {}", path.display()))?;
    let Some(oldest) = files.first() else {
        return Ok((join(path, &files)?, 0)); // says there is no recording
    };
    let first = join(path, std::slice::from_ref(oldest))?
        .time_range()
        .map_or(0, |(first, _)| first);
    let (start, end) = window(first);
    // A file's name is its first sample's time, to the second (rounded down).
    let stamps: Vec<Option<u64>> = files
        .iter()
        .map(|f| {
            let name = f.file_name()?.to_str()?;
            parse_utc_file_stamp(name.strip_prefix("uringtop-")?)
        })
        .collect();
    const SECOND: u64 = 1_000_000_000;
    // From the last file surely begun before the start (its sample at or before the start is
    // there or later) to the last file begun by the end.
    let from = start.map_or(0, |s| {
        stamps
            .iter()
            .rposition(|t| t.is_some_and(|t| t + SECOND <= s))
            .unwrap_or(0)
    });
    let to = end.map_or(files.len() - 1, |e| {
        stamps
            .iter()
            .rposition(|t| t.is_none_or(|t| t <= e))
            .unwrap_or(0)
    });
    Ok((join(path, &files[from..=to.max(from)])?, first))
}

/// `files` of a `record --dir` directory, oldest first, as one recording (read from the files
/// as needed, see [`Recording::join`]), with the first file's header. Each file starts with a
/// sample carrying everything live, so the join is the recorder's timeline. A file that cannot
/// be read at all is skipped with a warning; the one being written (no summary yet) reads up to
/// its last flush, as any recording.
fn join(dir: &Path, files: &[PathBuf]) -> Result<Recording> {
    // Every file stays open: a week of 10-minute files is more than the usual 1024 descriptors.
    raise_open_files_limit(files.len() as u64 + 64);
    let mut parts = Vec::new();
    for file in files {
        let rec = match Recording::open(file) {
            Ok(rec) => rec,
            Err(e) => {
                eprintln!("uringtop: warning: skipping {}: {e}", file.display());
                continue;
            }
        };
        if rec.damage().is_some() && Some(file) != files.last() {
            eprintln!("uringtop: warning: {}: {}", file.display(), rec.summary());
        }
        parts.push(rec);
    }
    if parts.is_empty() {
        bail!(
            "{} is a directory without a recording in it (uringtop-*.mcap files, as `uringtop \
             record --dir` writes them)",
            dir.display()
        );
    }
    Ok(Recording::join(parts))
}

/// Raises the soft limit on open files towards `wanted` (up to the hard limit); if it cannot,
/// the files past it are skipped with a warning, as any file that cannot be opened.
fn raise_open_files_limit(wanted: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct given, nothing else.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
