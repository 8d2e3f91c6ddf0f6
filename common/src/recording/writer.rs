//! Writing a recording. The writer is driven by its caller: [`RecordingWriter::write`] for each
//! input, [`RecordingWriter::flush`] at least once a second (it closes the chunk and, on a
//! [`SyncFile`], fsyncs), [`RecordingWriter::finish`] at the end (the [`index`](super::index)
//! and the summary and footer). A writer dropped without `finish` still finishes the file, without
//! the index (it then opens by reading every chunk); one killed leaves every flushed chunk
//! readable.

use super::codec;
use super::index::{Index, IndexedCheckpoint, INDEX_MEDIA_TYPE, INDEX_NAME};
use super::{
    Header, CHECKPOINTS_TOPIC, CHECKPOINT_ENCODING, CHECKPOINT_SCHEMA, CHECKPOINT_VERSION_KEY,
    FORMAT_VERSION, METADATA_NAME, PROFILE, REQUESTS_ENCODING, REQUESTS_SCHEMA, REQUESTS_TOPIC,
    SAMPLES_TOPIC, SAMPLE_ENCODING, SAMPLE_SCHEMA,
};
use crate::input::{Input, Request};
use crate::model::checkpoint::CHECKPOINT_VERSION;
use crate::model::Model;
use mcap::records::{MessageHeader, Metadata};
use mcap::{Attachment, Compression, WriteOptions, Writer};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Requests per message: a message is a batch (see [`codec`]).
const BATCH: usize = 4096;
/// A chunk is closed at every flush anyway; this bounds the chunks of a busy second
/// (uncompressed bytes). The writer closes chunks itself, never mcap, so that it knows which
/// chunk each sample is in (the index says).
const CHUNK_BYTES: u64 = 4 << 20;
/// A message record's bytes besides its data: opcode, length, channel, sequence, two times.
const MESSAGE_OVERHEAD: u64 = 1 + 8 + 2 + 4 + 8 + 8;

#[derive(Debug)]
pub struct WriteError(String);

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WriteError {}

impl From<mcap::McapError> for WriteError {
    fn from(e: mcap::McapError) -> Self {
        WriteError(format!("writing the recording: {e}"))
    }
}

/// A file whose `flush` reaches the disk: buffered writes, then `fdatasync`.
pub struct SyncFile(BufWriter<File>);

impl Write for SyncFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()?;
        self.0.get_ref().sync_data()
    }
}

impl Seek for SyncFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

/// Creates `path` for a recording: a new file (an existing one is not overwritten), mode 0600
/// whatever the umask, since a recording says what every process did.
pub fn create_file(path: &Path) -> Result<SyncFile, WriteError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            let hint = if e.kind() == io::ErrorKind::AlreadyExists {
                " (remove it first, or choose another name)"
            } else {
                ""
            };
            WriteError(format!("cannot create {}: {e}{hint}", path.display()))
        })?;
    Ok(SyncFile(BufWriter::with_capacity(1 << 16, file)))
}

/// How far apart the model's checkpoints are: one after the sample that reaches either bound
/// since the last. A replay's seek folds at most that much after restoring one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spacing {
    pub samples: u64,
    pub requests: u64,
}

impl Spacing {
    /// A minute of samples at the default interval, or 250,000 requests (25 s at 10,000/s):
    /// folding that much takes well under a second, and the checkpoints (the model, mostly its
    /// log of the latest 10,000 requests) add a few percent to a busy recording.
    pub const DEFAULT: Spacing = Spacing {
        samples: 60,
        requests: 250_000,
    };
    /// No checkpoints: a file exactly as before they existed (tests of old-format reading).
    pub const NONE: Spacing = Spacing {
        samples: u64::MAX,
        requests: u64::MAX,
    };
}

pub struct RecordingWriter<W: Write + Seek> {
    mcap: Writer<W>,
    samples: u16,
    requests: u16,
    checkpoints: u16,
    spacing: Spacing,
    /// The model folded from exactly what was written, for its checkpoints (a display model, as
    /// a replay's).
    model: Model,
    /// Samples and requests written since the last checkpoint.
    since: (u64, u64),
    sequence: u32,
    pending: Vec<Request>,
    buf: Vec<u8>,
    samples_written: u64,
    requests_written: u64,
    /// The chunk the next message goes to (the open one, or the next one): chunks counted from
    /// the file's first, as the summary lists them.
    chunk: u32,
    /// Whether a chunk is open, and what it holds so far: bytes (uncompressed) and inputs.
    chunk_open: bool,
    chunk_bytes: u64,
    chunk_inputs: u32,
    /// What the finished file's index will say.
    index: Index,
}

impl RecordingWriter<SyncFile> {
    /// Creates `path` (see [`create_file`]) and writes the header to it.
    pub fn create(path: &Path, header: &Header) -> Result<Self, WriteError> {
        Self::new(create_file(path)?, header)
    }
}

impl<W: Write + Seek> RecordingWriter<W> {
    /// Starts a recording on `w`; `header.format_version` is set to [`FORMAT_VERSION`]. The
    /// header reaches the file at once (and the disk, on a [`SyncFile`]).
    pub fn new(w: W, header: &Header) -> Result<Self, WriteError> {
        let options = WriteOptions::new()
            .profile(PROFILE)
            .library(format!("uringtop {}", env!("CARGO_PKG_VERSION")))
            .compression(Some(Compression::Zstd))
            .compression_level(9)
            .compression_threads(0)
            // Closed by `close_chunk` (see CHUNK_BYTES).
            .chunk_size(None);
        let mut mcap = options.create(w)?;
        let header = Header {
            format_version: FORMAT_VERSION,
            ..header.clone()
        };
        mcap.write_metadata(&Metadata {
            name: METADATA_NAME.into(),
            metadata: header.to_map(),
        })?;
        let version = BTreeMap::from([("format_version".to_string(), FORMAT_VERSION.to_string())]);
        let sample_schema = mcap.add_schema(
            SAMPLE_SCHEMA,
            SAMPLE_ENCODING,
            b"uringtop_common::input::Sample as JSON (serde field names)",
        )?;
        let samples = mcap.add_channel(sample_schema, SAMPLES_TOPIC, SAMPLE_ENCODING, &version)?;
        let request_schema = mcap.add_schema(
            REQUESTS_SCHEMA,
            REQUESTS_ENCODING,
            b"batches of uringtop_common::input::Request, varint/delta coded (recording::codec)",
        )?;
        let requests =
            mcap.add_channel(request_schema, REQUESTS_TOPIC, REQUESTS_ENCODING, &version)?;
        let checkpoint_schema = mcap.add_schema(
            CHECKPOINT_SCHEMA,
            CHECKPOINT_ENCODING,
            b"uringtop_common::model::Model, as model::checkpoint lays it out",
        )?;
        let checkpoint_version = BTreeMap::from([(
            CHECKPOINT_VERSION_KEY.to_string(),
            CHECKPOINT_VERSION.to_string(),
        )]);
        let checkpoints = mcap.add_channel(
            checkpoint_schema,
            CHECKPOINTS_TOPIC,
            CHECKPOINT_ENCODING,
            &checkpoint_version,
        )?;
        // The schemas and channels went into the first chunk; this closes it.
        mcap.flush()?;
        Ok(RecordingWriter {
            mcap,
            samples,
            requests,
            checkpoints,
            spacing: Spacing::DEFAULT,
            model: Model::for_display(),
            since: (0, 0),
            sequence: 0,
            pending: Vec::new(),
            buf: Vec::new(),
            samples_written: 0,
            requests_written: 0,
            chunk: 1,
            chunk_open: false,
            chunk_bytes: 0,
            chunk_inputs: 0,
            index: Index::default(),
        })
    }

    /// Continues a recording whose inputs `model` folded so far (the file before this one, in
    /// a `record --dir` series): the file opens with a checkpoint of it, and its checkpoints
    /// carry on from it, so the file alone replays as the series does from that point.
    pub fn continuing(mut self, model: Model) -> Result<Self, WriteError> {
        self.model = model;
        if self.spacing != Spacing::NONE {
            self.index.opening = Some((self.model.samples(), self.model.requests_seen()));
            let time_ns = self.model.time_ns();
            self.write_checkpoint(time_ns)?;
        }
        Ok(self)
    }

    /// The model folded from what was written (and what [`RecordingWriter::continuing`] gave).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Checkpoints as `spacing` says (else [`Spacing::DEFAULT`]).
    pub fn with_checkpoints(mut self, spacing: Spacing) -> Self {
        self.spacing = spacing;
        self
    }

    /// Adds one input. Requests are batched; the file keeps the inputs' order.
    pub fn write(&mut self, input: &Input) -> Result<(), WriteError> {
        if self.spacing != Spacing::NONE {
            self.model.apply(input);
        }
        match input {
            Input::Request(r) => {
                self.pending.push(r.clone());
                self.since.1 += 1;
                if self.pending.len() >= BATCH {
                    self.write_batch()?;
                }
            }
            Input::Sample(s) => {
                self.write_batch()?;
                let data = codec::encode_sample(s);
                self.index.samples.push((s.time_ns, self.chunk));
                self.message(self.samples, s.time_ns, &data, 1)?;
                self.samples_written += 1;
                self.since.0 += 1;
                if self.since.0 >= self.spacing.samples || self.since.1 >= self.spacing.requests {
                    self.write_checkpoint(s.time_ns)?;
                }
            }
        }
        Ok(())
    }

    /// The model as of the sample just written, alone in its chunk: a reader restores it and
    /// decodes on from the next chunk.
    fn write_checkpoint(&mut self, time_ns: u64) -> Result<(), WriteError> {
        self.since = (0, 0);
        let data = self.model.checkpoint();
        self.close_chunk()?;
        self.index.checkpoints.push(IndexedCheckpoint {
            samples: self.samples_written,
            chunk: self.chunk,
            input: self.chunk_inputs,
        });
        self.message(self.checkpoints, time_ns, &data, 0)?;
        self.close_chunk()?;
        Ok(())
    }

    fn write_batch(&mut self) -> Result<(), WriteError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        codec::encode_requests(&self.pending, &mut buf);
        let time = self.pending[0].time_ns;
        let inputs = self.pending.len() as u32;
        let result = self.message(self.requests, time, &buf, inputs);
        self.buf = buf;
        result?;
        self.requests_written += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// Writes a message holding `inputs` inputs into the open chunk (opening one), and closes
    /// the chunk once it is large.
    fn message(
        &mut self,
        channel_id: u16,
        time_ns: u64,
        data: &[u8],
        inputs: u32,
    ) -> Result<(), WriteError> {
        let header = MessageHeader {
            channel_id,
            sequence: self.sequence,
            log_time: time_ns,
            publish_time: time_ns,
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.mcap.write_to_known_channel(&header, data)?;
        self.chunk_open = true;
        self.chunk_bytes += MESSAGE_OVERHEAD + data.len() as u64;
        self.chunk_inputs += inputs;
        if self.chunk_bytes >= CHUNK_BYTES {
            self.close_chunk()?;
        }
        Ok(())
    }

    /// Closes the open chunk, if any, and flushes (fsyncs, on a [`SyncFile`]): mcap has no way
    /// to close a chunk without flushing.
    fn close_chunk(&mut self) -> Result<(), WriteError> {
        self.mcap.flush()?;
        if self.chunk_open {
            self.chunk += 1;
            self.chunk_open = false;
            self.chunk_bytes = 0;
            self.chunk_inputs = 0;
        }
        Ok(())
    }

    /// Makes everything written so far durable: closes the chunk, flushes, fsyncs (on a
    /// [`SyncFile`]). Call at least once a second.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.write_batch()?;
        self.close_chunk()
    }

    /// Ends the file with its index, its summary (MCAP's indexes, statistics) and footer;
    /// returns the writer.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.write_batch()?;
        self.close_chunk()?;
        let index = Index {
            chunks: u64::from(self.chunk),
            requests: self.requests_written,
            ..std::mem::take(&mut self.index)
        };
        self.mcap.attach(&Attachment {
            log_time: 0,
            create_time: 0,
            name: INDEX_NAME.into(),
            media_type: INDEX_MEDIA_TYPE.into(),
            data: index.encode().into(),
        })?;
        self.mcap.finish()?;
        let mut w = self.mcap.into_inner();
        w.flush()
            .map_err(|e| WriteError(format!("writing the recording: {e}")))?;
        Ok(w)
    }

    pub fn samples_written(&self) -> u64 {
        self.samples_written
    }

    pub fn requests_written(&self) -> u64 {
        self.requests_written + self.pending.len() as u64
    }
}
