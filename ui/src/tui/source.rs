//! Where inputs come from, abstractly: a channel of [`Input`]s and, for a live source, a handle
//! to control it. Replaying a recording feeds the same channel without a control, so the views
//! and the event loop are the same for both.

use crate::app::SourceKind;
use tokio::sync::mpsc;
use uringtop_common::input::Input;
use uringtop_probe::{LiveControl, RecordFilter};

/// What the UI can ask of a source.
pub trait SourceControl: Send {
    /// Stream the individual requests of `ring` (Some), or none (None).
    fn set_records(&self, ring: Option<u32>) -> Result<(), String>;
    /// End the source; its channel closes soon after.
    fn stop(&self);
}

impl SourceControl for LiveControl {
    fn set_records(&self, ring: Option<u32>) -> Result<(), String> {
        let filter = ring.map(|ring| RecordFilter {
            pid: None,
            ring: Some(ring),
        });
        LiveControl::set_records(self, filter).map_err(|e| e.to_string())
    }

    fn stop(&self) {
        LiveControl::stop(self);
    }
}

pub struct Source {
    pub inputs: mpsc::Receiver<Input>,
    pub control: Option<Box<dyn SourceControl>>,
    pub kind: SourceKind,
}

impl Source {
    /// The probe, as started by `uringtop_probe::spawn`.
    pub fn live(inputs: mpsc::Receiver<Input>, control: LiveControl) -> Self {
        Source {
            inputs,
            control: Some(Box::new(control)),
            kind: SourceKind::Live,
        }
    }

    /// A recording being replayed into `inputs`: nothing to control.
    pub fn recording(inputs: mpsc::Receiver<Input>) -> Self {
        Source {
            inputs,
            control: None,
            kind: SourceKind::Recording,
        }
    }
}
