//! Reading a recording: open, then iterate the inputs in order from the start, from a chunk
//! found by time, or from a checkpoint of the model ([`Recording::restore`]).
//!
//! Opening a finished file reads its summary and index ([`super::summary`]): a few bytes per
//! chunk and per sample, none of the chunks, so it costs the same whatever the file's length.
//! Each chunk is checked (CRC, sizes, every payload) when it is first read. A file without them
//! (a recorder killed, or older than the index) opens by reading every chunk from the start,
//! checking each: its open grows with its length.
//!
//! A file is read from disk a chunk at a time, at open and after: what stays in memory is the
//! index (a few words per chunk and per sample), never the file, whatever its size.
//!
//! A damaged file — truncated, bits flipped, a recorder killed before it finished — is read up
//! to the first chunk that does not check out; [`Recording::damage`] says what was wrong. Found
//! at open (a file read from its start), what was recovered is what the intact prefix holds;
//! found when a chunk is read later (a file opened from its index), reading stops at that chunk
//! and `damage` says so from then on. What cannot be a recording at all (empty, a directory,
//! wrong magic, another MCAP profile, a newer format) is an [`OpenError`].

use super::codec;
use super::summary::{read_indexed, Indexed};
use super::{
    Header, CHECKPOINTS_TOPIC, CHECKPOINT_ENCODING, CHECKPOINT_VERSION_KEY, FORMAT_VERSION,
    METADATA_NAME, PROFILE, REQUESTS_ENCODING, REQUESTS_TOPIC, SAMPLES_TOPIC, SAMPLE_ENCODING,
};
use crate::input::Input;
use crate::model::checkpoint::CHECKPOINT_VERSION;
use crate::model::Model;
use mcap::read::LinearReader;
use mcap::records::{ChunkHeader, Record};
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::OnceLock;

const MCAP_MAGIC: &[u8] = b"\x89MCAP0\r\n";
/// The MCAP opcode of a chunk record.
const OP_CHUNK: u8 = 0x06;
/// No record of ours comes near this (chunks close at 4 MiB): a corrupt length cannot make the
/// reader allocate more.
pub(super) const MAX_RECORD: u64 = 1 << 30;

/// Why a file cannot be read as a recording at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    Io(String),
    Empty,
    Directory,
    /// Not MCAP, or MCAP but not uringtop's.
    NotARecording(String),
    /// Written by a newer uringtop.
    NewerFormat {
        found: u32,
        supported: u32,
    },
    /// MCAP with uringtop's profile, but damaged before its header could be read.
    NoHeader(String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Io(e) => write!(f, "{e}"),
            OpenError::Empty => write!(f, "the file is empty: not a recording"),
            OpenError::Directory => write!(f, "a directory, not a recording"),
            OpenError::NotARecording(why) => write!(f, "not a uringtop recording: {why}"),
            OpenError::NewerFormat { found, supported } => write!(
                f,
                "recorded in format version {found} by a newer uringtop; this one reads versions up \
                 to {supported}: upgrade uringtop to read it"
            ),
            OpenError::NoHeader(why) => write!(
                f,
                "a uringtop recording damaged before its header: nothing can be recovered ({why})"
            ),
        }
    }
}

impl std::error::Error for OpenError {}

/// What was wrong with a damaged file; everything before it was recovered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// What stopped the reading, e.g. "bad chunk CRC" or "the file ends without its summary".
    pub error: String,
    /// Whether the file merely lacks its summary (the recorder was killed or lost power): every
    /// flushed chunk was read.
    pub unfinished: bool,
    /// Whether it was found reading a chunk after the open (a file opened from its index):
    /// the counts are the index's, and reading stops at that chunk.
    pub after_open: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Topic {
    Samples,
    Requests,
    /// Checkpoints of the model, of the version this reader folds alike.
    Checkpoints,
    /// A channel this version does not know (or checkpoints of another version): skipped.
    Other,
}

/// Where a recording's bytes are.
pub(super) enum Bytes {
    /// Read at offsets as needed.
    File(File),
    Memory(Vec<u8>),
}

impl Bytes {
    fn len(&self) -> u64 {
        match self {
            Bytes::File(f) => f.metadata().map_or(0, |m| m.len()),
            Bytes::Memory(b) => b.len() as u64,
        }
    }

    pub(super) fn read_at(&self, at: u64, len: usize) -> Result<Cow<'_, [u8]>, String> {
        match self {
            Bytes::File(f) => {
                let mut buf = vec![0; len];
                f.read_exact_at(&mut buf, at)
                    .map_err(|e| format!("reading the file: {e}"))?;
                Ok(Cow::Owned(buf))
            }
            Bytes::Memory(b) => usize::try_from(at)
                .ok()
                .and_then(|at| b.get(at..at.checked_add(len)?))
                .map(Cow::Borrowed)
                .ok_or_else(|| "the file is cut short in the middle of a record".to_string()),
        }
    }
}

/// One file of a recording (a directory's recording has several, see [`Recording::join`]).
struct Segment {
    bytes: Bytes,
    /// The file's channels, as its chunks defined them.
    channels: BTreeMap<u16, Topic>,
}

/// A validated chunk: in which segment, where its record's body is.
#[derive(Clone, Copy)]
struct Chunk {
    segment: usize,
    at: u64,
    len: usize,
}

/// A checkpoint of the model in a recording (see [`Recording::restore`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointAt {
    /// The model as it stood after this many samples (and nothing after the last of them).
    pub samples: usize,
    chunk: usize,
    /// Inputs of the chunk before the checkpoint.
    input: usize,
}

/// An opened recording: its header, where its validated chunks are and a time index. The default
/// is the empty one, which opening a file and joining files start from.
#[derive(Default)]
pub struct Recording {
    header: Header,
    segments: Vec<Segment>,
    chunks: Vec<Chunk>,
    /// Every sample's time, in file order, and the chunk holding it.
    samples: Vec<(u64, usize)>,
    checkpoints: Vec<CheckpointAt>,
    requests: u64,
    /// Set at open, or when a chunk fails as it is read (the first failure stays).
    damage: OnceLock<Damage>,
    file_bytes: u64,
    /// Bytes from the start of the file that were read and used (or, opened from its index,
    /// that the summary and index account for).
    intact_bytes: u64,
    /// Opened from the summary and index, without reading the chunks.
    indexed: bool,
    /// What the index says of the checkpoint the file opens with (see [`Recording::join`]).
    opening: Option<(u64, u64)>,
}

impl Recording {
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| OpenError::Io(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() {
            return Err(OpenError::Directory);
        }
        let file = File::open(path)
            .map_err(|e| OpenError::Io(format!("cannot read {}: {e}", path.display())))?;
        Self::read(Bytes::File(file))
    }

    /// Reads a recording held in memory; see the module's doc for what damage does.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, OpenError> {
        Self::read(Bytes::Memory(bytes.to_vec()))
    }

    fn read(bytes: Bytes) -> Result<Self, OpenError> {
        let file_bytes = bytes.len();
        if file_bytes == 0 {
            return Err(OpenError::Empty);
        }
        let magic = bytes.read_at(0, MCAP_MAGIC.len().min(file_bytes as usize));
        if magic.as_deref() != Ok(MCAP_MAGIC) {
            return Err(OpenError::NotARecording(
                "it does not start with the MCAP magic".into(),
            ));
        }
        // `segments` is filled at the end: what is read now borrows `bytes` while `rec` grows.
        let mut rec = Recording {
            file_bytes,
            intact_bytes: MCAP_MAGIC.len() as u64,
            ..Recording::default()
        };
        // A finished file's summary and index say everything the open needs but the header.
        let indexed = read_indexed(&bytes, file_bytes).ok();
        let mut at = MCAP_MAGIC.len() as u64;
        let mut channels = BTreeMap::new();
        let mut seen_profile = false;
        let mut seen_header = false;
        let mut finished = false;
        while let Some(body) = next_record(&bytes, at, file_bytes) {
            let parsed = body
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|(op, body_at, body)| {
                    mcap::parse_record(*op, body)
                        .map(|r| (body_at + body.len() as u64, *body_at, r))
                        .map_err(|e| describe(&e))
                });
            let (end, body_at, record) = match parsed {
                Ok(r) => r,
                Err(e) if !seen_profile => {
                    return Err(OpenError::NotARecording(format!("bad MCAP header: {e}")))
                }
                Err(e) if !seen_header => return Err(OpenError::NoHeader(e.to_string())),
                Err(e) => {
                    rec.set_damage(e, false);
                    break;
                }
            };
            match record {
                Record::Header(h) => {
                    if h.profile != PROFILE {
                        return Err(OpenError::NotARecording(format!(
                            "an MCAP file with profile `{}`, not `{PROFILE}`",
                            h.profile
                        )));
                    }
                    seen_profile = true;
                }
                _ if !seen_profile => {
                    return Err(OpenError::NotARecording(
                        "an MCAP file without a header".into(),
                    ))
                }
                Record::Metadata(m) if m.name == METADATA_NAME && !seen_header => {
                    let header = Header::from_map(&m.metadata).map_err(OpenError::NoHeader)?;
                    if header.format_version > FORMAT_VERSION {
                        return Err(OpenError::NewerFormat {
                            found: header.format_version,
                            supported: FORMAT_VERSION,
                        });
                    }
                    rec.header = header;
                    seen_header = true;
                    if indexed.is_some() {
                        break;
                    }
                }
                _ if !seen_header => {
                    return Err(OpenError::NoHeader(
                        "the first record after the MCAP header is not uringtop's header".into(),
                    ))
                }
                Record::Chunk { header, data } => {
                    if let Err(error) = rec.validate(&mut channels, &header, &data) {
                        rec.set_damage(error, false);
                        break;
                    }
                    let len = (end - body_at) as usize;
                    rec.chunks.push(Chunk {
                        segment: 0,
                        at: body_at,
                        len,
                    });
                }
                Record::DataEnd(_) | Record::Footer(_) => {
                    finished = true;
                    rec.intact_bytes = rec.file_bytes;
                    break;
                }
                Record::Message { .. } => {
                    rec.set_damage("a message outside any chunk".into(), false);
                    break;
                }
                // Indexes (we build our own), other metadata, attachments: nothing to check.
                _ => {}
            }
            rec.intact_bytes = end;
            at = end;
        }
        if !seen_profile {
            return Err(OpenError::NotARecording("no MCAP header".into()));
        }
        if !seen_header {
            return Err(OpenError::NoHeader("the file ends before it".into()));
        }
        if let Some(indexed) = indexed.filter(|_| rec.damage.get().is_none()) {
            channels = rec.take_index(indexed);
        } else if rec.damage.get().is_none() && !finished {
            rec.set_damage(
                "the file ends without its summary (the recorder did not finish: killed, or \
                 still running)"
                    .into(),
                true,
            );
        }
        rec.segments.push(Segment { bytes, channels });
        Ok(rec)
    }

    /// Takes what the summary and index say instead of reading the chunks; returns the
    /// channels.
    fn take_index(&mut self, indexed: Indexed) -> BTreeMap<u16, Topic> {
        let Indexed {
            chunks,
            channels,
            index,
        } = indexed;
        self.chunks = chunks
            .into_iter()
            .map(|(at, len)| Chunk {
                segment: 0,
                at,
                len,
            })
            .collect();
        self.samples = index
            .samples
            .into_iter()
            .map(|(time, chunk)| (time, chunk as usize))
            .collect();
        // Checkpoints of another version than this reader folds are not restored.
        if channels.values().any(|&t| t == Topic::Checkpoints) {
            self.checkpoints = index
                .checkpoints
                .into_iter()
                .map(|c| CheckpointAt {
                    samples: c.samples as usize,
                    chunk: c.chunk as usize,
                    input: c.input as usize,
                })
                .collect();
        }
        self.requests = index.requests;
        self.opening = index.opening;
        self.intact_bytes = self.file_bytes;
        self.indexed = true;
        channels
    }

    fn set_damage(&self, error: String, unfinished: bool) {
        let _ = self.damage.set(Damage {
            error,
            unfinished,
            after_open: false,
        });
    }

    /// Decodes a chunk completely, checking its CRC and every payload, and indexes its samples.
    /// Nothing of a chunk that fails is kept.
    fn validate(
        &mut self,
        known: &mut BTreeMap<u16, Topic>,
        header: &ChunkHeader,
        data: &[u8],
    ) -> Result<(), String> {
        let mut channels = known.clone();
        let decoded = decode_chunk(header, data, &mut channels)?;
        let index = self.chunks.len();
        let mut checkpoints = decoded.checkpoints.iter().peekable();
        for (i, input) in decoded.inputs.iter().enumerate() {
            while let Some((at, _)) = checkpoints.next_if(|(at, _)| *at == i) {
                self.note_checkpoint(index, *at);
            }
            match input {
                Input::Sample(s) => self.samples.push((s.time_ns, index)),
                Input::Request(_) => self.requests += 1,
            }
        }
        for (at, _) in checkpoints {
            self.note_checkpoint(index, *at);
        }
        *known = channels;
        Ok(())
    }

    fn note_checkpoint(&mut self, chunk: usize, input: usize) {
        self.checkpoints.push(CheckpointAt {
            samples: self.samples.len(),
            chunk,
            input,
        });
    }

    /// Chunk number `i`'s inputs and checkpoints, read from the file, checked and decoded. A
    /// chunk that fails is damage, said from then on by [`Recording::damage`].
    fn decode(&self, i: usize) -> Result<Decoded, String> {
        let chunk = self.chunks.get(i).ok_or("no such chunk")?;
        self.decode_checked(i, chunk).inspect_err(|e| {
            let _ = self.damage.set(Damage {
                error: format!(
                    "the chunk at byte {} of {} cannot be read: {e}",
                    chunk.at.saturating_sub(9),
                    self.segments[chunk.segment].bytes.len()
                ),
                unfinished: false,
                after_open: true,
            });
        })
    }

    fn decode_checked(&self, i: usize, chunk: &Chunk) -> Result<Decoded, String> {
        let segment = &self.segments[chunk.segment];
        // With its opcode and length: a chunk index pointing elsewhere is caught here.
        let record = segment.bytes.read_at(chunk.at - 9, chunk.len + 9)?;
        if record[0] != OP_CHUNK || record[1..9] != (chunk.len as u64).to_le_bytes() {
            return Err("no chunk where the summary says".into());
        }
        let Record::Chunk { header, data } =
            mcap::parse_record(OP_CHUNK, &record[9..]).map_err(|e| describe(&e))?
        else {
            return Err("not a chunk".into());
        };
        let mut channels = segment.channels.clone();
        let decoded = decode_chunk(&header, &data, &mut channels)?;
        let samples = decoded
            .inputs
            .iter()
            .filter(|i| matches!(i, Input::Sample(_)))
            .count();
        let indexed = self.samples.partition_point(|&(_, c)| c <= i)
            - self.samples.partition_point(|&(_, c)| c < i);
        if samples != indexed {
            return Err(format!(
                "it holds {samples} samples where the index says {indexed}"
            ));
        }
        Ok(decoded)
    }

    /// The latest checkpoint of the model made after at most `samples` samples, if the file has
    /// one (files made before checkpoints existed have none).
    pub fn checkpoint_before(&self, samples: usize) -> Option<CheckpointAt> {
        let i = self.checkpoints.partition_point(|c| c.samples <= samples);
        i.checked_sub(1).map(|i| self.checkpoints[i])
    }

    /// The checkpoints of the model the file holds, in order.
    pub fn checkpoints(&self) -> &[CheckpointAt] {
        &self.checkpoints
    }

    /// The model as checkpoint `at` holds it, and a cursor at the input right after it:
    /// folding the cursor's inputs into the model continues exactly as folding the recording
    /// from its start would have at that point.
    pub fn restore(&self, at: CheckpointAt) -> Result<(Model, InputCursor), String> {
        let mut decoded = self.decode(at.chunk)?;
        let (_, bytes) = decoded
            .checkpoints
            .iter()
            .find(|(input, _)| *input == at.input)
            .ok_or("no such checkpoint")?;
        let model = Model::restore(bytes)?;
        let ready = decoded.inputs.split_off(at.input.min(decoded.inputs.len()));
        Ok((
            model,
            InputCursor {
                next_chunk: at.chunk + 1,
                ready: ready.into(),
            },
        ))
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Some when the file was damaged or unfinished: what was wrong. What was read is the
    /// intact prefix.
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.get()
    }

    /// Whether the open read the summary and index only (a finished file of this version), not
    /// every chunk.
    pub fn opened_from_index(&self) -> bool {
        self.indexed
    }

    /// Size of the file.
    pub fn file_bytes(&self) -> u64 {
        self.file_bytes
    }

    /// Bytes from the start of the file that were read and used: all of them for a finished,
    /// undamaged file.
    pub fn intact_bytes(&self) -> u64 {
        self.intact_bytes
    }

    /// Samples recovered.
    pub fn sample_count(&self) -> usize {
        self.samples.len()
    }

    /// Requests recovered.
    pub fn request_count(&self) -> u64 {
        self.requests
    }

    /// Each sample's time, in order.
    pub fn sample_times(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.samples.iter().map(|&(t, _)| t)
    }

    /// Time of the first and the last sample.
    pub fn time_range(&self) -> Option<(u64, u64)> {
        Some((self.samples.first()?.0, self.samples.last()?.0))
    }

    /// Index of the last sample at or before `time_ns` (0 when all are later).
    pub fn sample_at(&self, time_ns: u64) -> usize {
        self.samples
            .partition_point(|&(t, _)| t <= time_ns)
            .saturating_sub(1)
    }

    /// Every input, in order.
    pub fn inputs(&self) -> Inputs<'_> {
        self.inputs_from_chunk(0)
    }

    /// Inputs from the chunk holding sample number `sample` (found with the index), in order.
    /// The inputs before that sample in its chunk come too.
    pub fn inputs_from_sample(&self, sample: usize) -> Inputs<'_> {
        self.inputs_from_chunk(self.samples.get(sample).map_or(0, |&(_, c)| c))
    }

    fn inputs_from_chunk(&self, chunk: usize) -> Inputs<'_> {
        Inputs {
            rec: self,
            cursor: InputCursor {
                next_chunk: chunk,
                ready: VecDeque::new(),
            },
        }
    }

    /// The files of a `record --dir` directory (oldest first) as one recording: their inputs one
    /// after another, with the first one's header, read from the files as needed.
    ///
    /// A checkpoint stands for "the model after everything before it", so a file's checkpoints
    /// count here only while the files continue one another: the rotating recorder carries its
    /// model from file to file and opens each with a checkpoint of it, and a file whose opening
    /// checkpoint has folded exactly the samples and requests of the files before it (and of
    /// what the first file's opening one had) continues them. From the first file that does not
    /// (a recorder restarted, a file missing or cut short) on, checkpoints are left out: jumps
    /// there fold from an earlier one, and show what folding from the start shows.
    pub fn join(parts: Vec<Recording>) -> Recording {
        let mut joined = Recording {
            header: parts.first().map(|p| p.header.clone()).unwrap_or_default(),
            indexed: !parts.is_empty(),
            ..Recording::default()
        };
        // What the model has folded at the start of the next part, if the parts so far continue.
        let mut folded: Option<(u64, u64)> = None;
        let mut chained = true;
        for (i, part) in parts.into_iter().enumerate() {
            let opening = part.opening_folded();
            if i == 0 {
                folded = Some(opening.unwrap_or((0, 0)));
            } else {
                chained &= opening.is_some() && opening == folded;
            }
            let (chunks, samples) = (joined.chunks.len(), joined.samples.len());
            if chained {
                joined
                    .checkpoints
                    .extend(part.checkpoints.iter().map(|c| CheckpointAt {
                        samples: c.samples + samples,
                        chunk: c.chunk + chunks,
                        input: c.input,
                    }));
            }
            let segment = joined.segments.len();
            joined
                .chunks
                .extend(part.chunks.iter().map(|c| Chunk { segment, ..*c }));
            joined
                .samples
                .extend(part.samples.iter().map(|&(t, c)| (t, c + chunks)));
            folded = folded.map(|(s, r)| (s + part.samples.len() as u64, r + part.requests));
            joined.requests += part.requests;
            joined.file_bytes += part.file_bytes;
            joined.intact_bytes += part.intact_bytes;
            joined.indexed &= part.indexed;
            joined.segments.extend(part.segments);
        }
        joined
    }

    /// What the model of the checkpoint the file opens with had folded (samples, requests):
    /// said by the index, else read from the checkpoint.
    fn opening_folded(&self) -> Option<(u64, u64)> {
        let first = self.checkpoints.first().filter(|c| c.samples == 0)?;
        if self.indexed {
            return self.opening;
        }
        let (model, _) = self.restore(*first).ok()?;
        Some((model.samples(), model.requests_seen()))
    }

    /// One line for people: what the file holds, and what was lost if it was damaged.
    pub fn summary(&self) -> String {
        let span = match self.time_range() {
            Some((a, b)) => format!(" over {:.1} s", (b - a) as f64 / 1e9),
            None => String::new(),
        };
        let held = format!(
            "{} samples and {} requests{span}",
            self.samples.len(),
            self.requests
        );
        match self.damage.get() {
            None => held,
            Some(d) if d.after_open => format!("{held} by its index; then {}", d.error),
            Some(d) if d.unfinished => format!(
                "{held} (recovered: {}; {} of {} bytes used)",
                d.error, self.intact_bytes, self.file_bytes
            ),
            Some(d) => format!(
                "{held} recovered from the intact first {} of {} bytes; after them: {}",
                self.intact_bytes, self.file_bytes, d.error
            ),
        }
    }
}

/// Iterates a recording's inputs, decompressing one chunk at a time.
pub struct Inputs<'a> {
    rec: &'a Recording,
    cursor: InputCursor,
}

impl Iterator for Inputs<'_> {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        self.cursor.next(self.rec)
    }
}

/// A position in a recording's inputs that does not borrow it (for a player that owns both).
#[derive(Clone, Debug, Default)]
pub struct InputCursor {
    next_chunk: usize,
    ready: VecDeque<Input>,
}

impl InputCursor {
    /// At the first input.
    pub fn start() -> Self {
        Self::default()
    }

    /// The next input of `rec` (the recording this cursor was made for).
    pub fn next(&mut self, rec: &Recording) -> Option<Input> {
        loop {
            if let Some(input) = self.ready.pop_front() {
                return Some(input);
            }
            if self.next_chunk >= rec.chunks.len() {
                return None;
            }
            match rec.decode(self.next_chunk) {
                Ok(d) => {
                    self.next_chunk += 1;
                    self.ready = d.inputs.into();
                }
                // Said by `rec.damage()`; what follows is not read (a later checkpoint can
                // still be restored).
                Err(_) => {
                    self.next_chunk = rec.chunks.len();
                    return None;
                }
            }
        }
    }

    /// Looks at the next input without taking it.
    pub fn peek<'r>(&'r mut self, rec: &Recording) -> Option<&'r Input> {
        if self.ready.is_empty() {
            let input = self.next(rec)?;
            self.ready.push_front(input);
        }
        self.ready.front()
    }
}

/// A chunk's inputs, and its checkpoints with the number of inputs before each.
#[derive(Default)]
struct Decoded {
    inputs: Vec<Input>,
    checkpoints: Vec<(usize, Vec<u8>)>,
}

fn decode_chunk(
    header: &ChunkHeader,
    data: &[u8],
    channels: &mut BTreeMap<u16, Topic>,
) -> Result<Decoded, String> {
    if header.uncompressed_size > MAX_RECORD {
        return Err("a chunk claims more than 1 GiB".into());
    }
    let records = chunk_records(header, data)?;
    let reader = LinearReader::sans_magic(&records);
    let mut inputs = Vec::new();
    let mut checkpoints = Vec::new();
    for record in reader {
        match record.map_err(|e| describe(&e))? {
            Record::Schema { .. } => {}
            Record::Channel(c) => {
                channels.insert(c.id, topic_of(&c));
            }
            Record::Message { header, data } => match channels.get(&header.channel_id) {
                Some(Topic::Samples) => {
                    let s = codec::decode_sample(&data).map_err(|e| e.to_string())?;
                    inputs.push(Input::Sample(s));
                }
                Some(Topic::Requests) => {
                    let batch = codec::decode_requests(&data).map_err(|e| e.to_string())?;
                    inputs.extend(batch.into_iter().map(Input::Request));
                }
                Some(Topic::Checkpoints) => checkpoints.push((inputs.len(), data.into_owned())),
                Some(Topic::Other) => {}
                None => return Err("a message on an unknown channel".into()),
            },
            _ => {}
        }
    }
    Ok(Decoded {
        inputs,
        checkpoints,
    })
}

/// What this reader makes of a channel's messages.
pub(super) fn topic_of(c: &mcap::records::Channel) -> Topic {
    match (c.topic.as_str(), c.message_encoding.as_str()) {
        (SAMPLES_TOPIC, SAMPLE_ENCODING) => Topic::Samples,
        (REQUESTS_TOPIC, REQUESTS_ENCODING) => Topic::Requests,
        (CHECKPOINTS_TOPIC, CHECKPOINT_ENCODING)
            if c.metadata.get(CHECKPOINT_VERSION_KEY) == Some(&CHECKPOINT_VERSION.to_string()) =>
        {
            Topic::Checkpoints
        }
        _ => Topic::Other,
    }
}

/// The top-level record starting at `at`: its opcode, where its body starts and the body.
/// Framing is checked here: a record that runs past the end of the file is an error, not an
/// allocation. None at the end of the file.
#[allow(clippy::type_complexity)]
pub(super) fn next_record(
    bytes: &Bytes,
    at: u64,
    file_bytes: u64,
) -> Option<Result<(u8, u64, Cow<'_, [u8]>), String>> {
    let rest = file_bytes.checked_sub(at).filter(|&n| n > 0)?;
    let cut = || "the file is cut short in the middle of a record".to_string();
    if rest < 9 {
        return Some(Err(cut()));
    }
    let head = match bytes.read_at(at, 9) {
        Ok(h) => h,
        Err(e) => return Some(Err(e)),
    };
    let op = head[0];
    let len = u64::from_le_bytes(head[1..9].try_into().unwrap_or_default());
    if len > rest - 9 {
        return Some(Err(cut()));
    }
    if len > MAX_RECORD {
        return Some(Err("a record claims more than 1 GiB".into()));
    }
    Some(
        bytes
            .read_at(at + 9, len as usize)
            .map(|body| (op, at + 9, body)),
    )
}

/// A chunk's records, decompressed, and checked against the chunk's size and CRC before any is
/// parsed (a corrupt length inside unchecked data could otherwise ask for any amount of memory).
fn chunk_records(h: &ChunkHeader, data: &[u8]) -> Result<Vec<u8>, String> {
    let size = usize::try_from(h.uncompressed_size).map_err(|_| "a chunk is too large")?;
    let data = match h.compression.as_str() {
        "zstd" => zstd::bulk::decompress(data, size)
            .map_err(|e| format!("a chunk does not decompress: {e}"))?,
        "" => data.to_vec(),
        other => return Err(format!("a chunk compressed with unknown `{other}`")),
    };
    if data.len() != size {
        return Err("a chunk's size does not match its header".into());
    }
    if h.uncompressed_crc != 0 && crc32fast::hash(&data) != h.uncompressed_crc {
        return Err("a chunk fails its CRC check".into());
    }
    Ok(data)
}

fn describe(e: &mcap::McapError) -> String {
    match e {
        mcap::McapError::BadChunkCrc { .. } => "a chunk fails its CRC check".into(),
        mcap::McapError::UnexpectedEof | mcap::McapError::UnexpectedEoc => {
            "the file is cut short in the middle of a record".into()
        }
        other => other.to_string(),
    }
}
