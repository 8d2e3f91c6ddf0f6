//! Opening a recording for `dump --from`, `replay` and `export`: a clear error if it cannot be read
//! at all, and a warning saying what was recovered if it is damaged. A directory written by
//! `record --dir` opens as one recording: its files, oldest first, as one timeline.

use crate::sink::rotating::recording_files;
use anyhow::{anyhow, bail, Context, Result};
use std::path::Path;
use uringtop_common::recording::{OpenError, Recording, RecordingWriter};

pub fn open(path: &Path) -> Result<Recording> {
    if path.is_dir() {
        return open_dir(path);
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

/// The files of a `record --dir` directory joined into one recording (in memory), with the
/// first file's header. Each file starts with a sample carrying everything live, so the join is
/// the recorder's timeline. A file that cannot be read at all is skipped with a warning; the
/// one being written (no summary yet) reads up to its last flush, as any recording.
fn open_dir(dir: &Path) -> Result<Recording> {
    let files = recording_files(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut joined: Option<RecordingWriter<std::io::Cursor<Vec<u8>>>> = None;
    for file in &files {
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
        let writer = match &mut joined {
            Some(w) => w,
            None => joined.insert(RecordingWriter::new(
                std::io::Cursor::new(Vec::new()),
                rec.header(),
            )?),
        };
        for input in rec.inputs() {
            writer.write(&input)?;
        }
    }
    let Some(writer) = joined else {
        bail!(
            "{} is a directory without a recording in it (uringtop-*.mcap files, as `uringtop \
             record --dir` writes them)",
            dir.display()
        );
    };
    let bytes = writer.finish()?.into_inner();
    Recording::from_bytes(&bytes).map_err(|e| anyhow!("{}: {e}", dir.display()))
}
