//! Recordings: what a source fed the model, in an MCAP file, to replay or dump later.
//!
//! Layout of a recording (format version [`FORMAT_VERSION`]):
//! - the MCAP header, profile [`PROFILE`];
//! - a metadata record named [`METADATA_NAME`], before any chunk: the [`Header`];
//! - zstd-compressed chunks with CRCs, closed at every flush (the recorder flushes and fsyncs at
//!   least once a second); channel [`SAMPLES_TOPIC`] holds one [`crate::input::Sample`] per
//!   message (JSON), channel [`REQUESTS_TOPIC`] batches of [`crate::input::Request`]s in the
//!   compact binary form of [`codec`]. The file's message order is the input order;
//! - every so often (see [`Spacing`]), a checkpoint of the model on channel
//!   [`CHECKPOINTS_TOPIC`], alone in its chunk, so that a replay seeks without folding from the
//!   start;
//! - on a clean finish, uringtop's [`index`] (every sample's time and chunk, the checkpoints: an
//!   attachment), then the MCAP summary (chunk and message indexes, statistics) and footer: a
//!   finished file opens from them without reading its chunks.
//!
//! [`Timeline`] is a recording's model at any sample, with a playhead (what a replay moves).
//!
//! Nothing here touches the probe, a clock or the terminal: the same inputs give the same file
//! contents (apart from the header's fields), and reading a file gives back exactly the inputs.

pub mod codec;
mod index;
mod options;
mod reader;
mod summary;
pub mod time;
pub mod timeline;
mod writer;

pub use options::{RecordedPolicy, RecordedRequests, RecordingOptions};
pub use reader::{CheckpointAt, Damage, InputCursor, Inputs, OpenError, Recording};
pub use timeline::Timeline;
pub use writer::{create_file, RecordingWriter, Spacing, SyncFile, WriteError};

use std::collections::BTreeMap;

/// The MCAP profile of a uringtop recording.
pub const PROFILE: &str = "uringtop";
/// The name of the metadata record holding the [`Header`].
pub const METADATA_NAME: &str = "uringtop";
pub const SAMPLES_TOPIC: &str = "/uringtop/samples";
pub const REQUESTS_TOPIC: &str = "/uringtop/requests";
pub const SAMPLE_SCHEMA: &str = "uringtop.Sample";
pub const SAMPLE_ENCODING: &str = "json";
pub const REQUESTS_SCHEMA: &str = "uringtop.RequestBatch";
pub const REQUESTS_ENCODING: &str = "x-uringtop-requests-v1";
/// Checkpoints of the model ([`crate::model::checkpoint`]), each alone in its chunk right after
/// a sample: the model as it stood after that sample. A reader that does not know the channel
/// skips it, so adding them changed no format version; the channel's metadata says the
/// checkpoints' own version ([`CHECKPOINT_VERSION_KEY`]), and a reader ignores the ones it does
/// not fold alike.
pub const CHECKPOINTS_TOPIC: &str = "/uringtop/checkpoints";
pub const CHECKPOINT_SCHEMA: &str = "uringtop.ModelCheckpoint";
pub const CHECKPOINT_ENCODING: &str = "x-uringtop-model-checkpoint";
pub const CHECKPOINT_VERSION_KEY: &str = "checkpoint_version";
/// Bumped on any change a reader of the previous version would misread. A reader refuses a
/// file with a newer version, with a message saying so.
/// Version 2 added policy verdicts to requests (and the policy to the header's options); a
/// version-2 reader reads version-1 files as they were. Version 3 numbers the CQEs of requests
/// that post several (`Request::cqe_index`), and its samples carry only what changed since the
/// sample before (plus exits and closed rings); versions 1 and 2 read as they were. Version 4
/// carries each request's arguments (`Request::args`, [`crate::args::OpArgs`]) when the probe
/// captured them; versions 1 to 3 read as they were, without arguments.
pub const FORMAT_VERSION: u32 = 4;

/// Who recorded, where, when and how. Stored as string pairs in an MCAP metadata record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub format_version: u32,
    pub uringtop_version: String,
    pub host: String,
    pub kernel: String,
    /// Wall-clock start of the recording, ns since the Unix epoch.
    pub start_time_ns: u64,
    /// The recorder's options as stored, e.g. "interval_s" -> "1", "requests" -> "true"; typed in
    /// [`RecordingOptions`] (see [`Header::recording_options`]).
    pub options: BTreeMap<String, String>,
}

impl Header {
    /// How the recording was made, typed.
    pub fn recording_options(&self) -> RecordingOptions {
        RecordingOptions::from_map(&self.options)
    }

    fn to_map(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        m.insert("format_version".into(), self.format_version.to_string());
        m.insert("uringtop_version".into(), self.uringtop_version.clone());
        m.insert("host".into(), self.host.clone());
        m.insert("kernel".into(), self.kernel.clone());
        m.insert("start_time_ns".into(), self.start_time_ns.to_string());
        for (k, v) in &self.options {
            m.insert(format!("option.{k}"), v.clone());
        }
        m
    }

    fn from_map(m: &BTreeMap<String, String>) -> Result<Self, String> {
        let get = |k: &str| m.get(k).cloned().unwrap_or_default();
        let format_version = get("format_version")
            .parse()
            .map_err(|_| "the header has no valid format_version".to_string())?;
        Ok(Header {
            format_version,
            uringtop_version: get("uringtop_version"),
            host: get("host"),
            kernel: get("kernel"),
            start_time_ns: get("start_time_ns").parse().unwrap_or(0),
            options: m
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("option.")?.to_string(), v.clone())))
                .collect(),
        })
    }
}

/// A recording of `inputs`, in memory, in several chunks (flushed every 7 inputs), with
/// checkpoints as `spacing` says: for tests and benchmarks that replay a known stream.
pub fn in_memory(inputs: &[crate::input::Input], spacing: Spacing) -> Recording {
    let mut w = RecordingWriter::new(std::io::Cursor::new(Vec::new()), &Header::default())
        .expect("writing to memory")
        .with_checkpoints(spacing);
    for (i, input) in inputs.iter().enumerate() {
        w.write(input).expect("writing to memory");
        if i % 7 == 0 {
            w.flush().expect("writing to memory");
        }
    }
    let bytes = w.finish().expect("writing to memory").into_inner();
    Recording::from_bytes(&bytes).expect("a recording just written")
}
