//! Opening a recording for `dump --from`, `replay` and `export`: a clear error if it cannot be read
//! at all, and a warning saying what was recovered if it is damaged.

use anyhow::{anyhow, Result};
use std::path::Path;
use uringtop_common::recording::{OpenError, Recording};

pub fn open(path: &Path) -> Result<Recording> {
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
