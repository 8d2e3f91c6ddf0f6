//! Reading a recording: open (validating every chunk's CRC and payloads), then iterate the
//! inputs in order from the start or from a chunk found by time.
//!
//! A damaged file — truncated, bits flipped, a recorder killed before it finished — is read up
//! to the first chunk that does not check out; [`Recording::damage`] says what was wrong, and
//! what was recovered is what the intact prefix holds. What cannot be a recording at all (empty,
//! a directory, wrong magic, another MCAP profile, a newer format) is an [`OpenError`].

use super::codec;
use super::{
    Header, FORMAT_VERSION, METADATA_NAME, PROFILE, REQUESTS_ENCODING, REQUESTS_TOPIC,
    SAMPLES_TOPIC, SAMPLE_ENCODING,
};
use crate::input::Input;
use mcap::read::LinearReader;
use mcap::records::{ChunkHeader, Record};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::Path;

const MCAP_MAGIC: &[u8] = b"\x89MCAP0\r\n";

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Topic {
    Samples,
    Requests,
    /// A channel this version does not know: skipped.
    Other,
}

struct Chunk {
    header: ChunkHeader,
    data: Vec<u8>,
}

/// An opened recording: its header, its validated chunks (kept compressed) and a time index.
pub struct Recording {
    header: Header,
    chunks: Vec<Chunk>,
    channels: BTreeMap<u16, Topic>,
    /// Every sample's time, in file order, and the chunk holding it.
    samples: Vec<(u64, usize)>,
    requests: u64,
    damage: Option<Damage>,
    file_bytes: u64,
    /// Bytes from the start of the file that were read and used.
    intact_bytes: u64,
}

impl Recording {
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| OpenError::Io(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() {
            return Err(OpenError::Directory);
        }
        let bytes = std::fs::read(path)
            .map_err(|e| OpenError::Io(format!("cannot read {}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    /// Reads a recording held in memory; see the module's doc for what damage does.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, OpenError> {
        if bytes.is_empty() {
            return Err(OpenError::Empty);
        }
        if !bytes.starts_with(MCAP_MAGIC) {
            return Err(OpenError::NotARecording(
                "it does not start with the MCAP magic".into(),
            ));
        }
        let reader = TopLevel {
            bytes,
            at: MCAP_MAGIC.len(),
        };
        let mut rec = Recording {
            header: Header::default(),
            chunks: Vec::new(),
            channels: BTreeMap::new(),
            samples: Vec::new(),
            requests: 0,
            damage: None,
            file_bytes: bytes.len() as u64,
            intact_bytes: MCAP_MAGIC.len() as u64,
        };
        let mut seen_profile = false;
        let mut seen_header = false;
        let mut finished = false;
        for record in reader {
            let (end, record) = match record {
                Ok(r) => r,
                Err(e) if !seen_profile => {
                    return Err(OpenError::NotARecording(format!("bad MCAP header: {e}")))
                }
                Err(e) if !seen_header => return Err(OpenError::NoHeader(e.to_string())),
                Err(e) => {
                    rec.damage = Some(Damage {
                        error: e,
                        unfinished: false,
                    });
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
                }
                _ if !seen_header => {
                    return Err(OpenError::NoHeader(
                        "the first record after the MCAP header is not uringtop's header".into(),
                    ))
                }
                Record::Chunk { header, data } => {
                    let chunk = Chunk {
                        header,
                        data: data.into_owned(),
                    };
                    if let Err(error) = rec.validate(&chunk) {
                        rec.damage = Some(Damage {
                            error,
                            unfinished: false,
                        });
                        break;
                    }
                    rec.chunks.push(chunk);
                }
                Record::DataEnd(_) | Record::Footer(_) => {
                    finished = true;
                    rec.intact_bytes = rec.file_bytes;
                    break;
                }
                Record::Message { .. } => {
                    rec.damage = Some(Damage {
                        error: "a message outside any chunk".into(),
                        unfinished: false,
                    });
                    break;
                }
                // Indexes (we build our own), other metadata, attachments: nothing to check.
                _ => {}
            }
            rec.intact_bytes = end as u64;
        }
        if !seen_profile {
            return Err(OpenError::NotARecording("no MCAP header".into()));
        }
        if !seen_header {
            return Err(OpenError::NoHeader("the file ends before it".into()));
        }
        if rec.damage.is_none() && !finished {
            rec.damage = Some(Damage {
                error: "the file ends without its summary (the recorder did not finish: killed, \
                        or still running)"
                    .into(),
                unfinished: true,
            });
        }
        Ok(rec)
    }

    /// Decodes a chunk completely, checking its CRC and every payload, and indexes its samples.
    /// Nothing of a chunk that fails is kept.
    fn validate(&mut self, chunk: &Chunk) -> Result<(), String> {
        let mut channels = self.channels.clone();
        let inputs = decode_chunk(chunk, &mut channels)?;
        let index = self.chunks.len();
        for input in &inputs {
            match input {
                Input::Sample(s) => self.samples.push((s.time_ns, index)),
                Input::Request(_) => self.requests += 1,
            }
        }
        self.channels = channels;
        Ok(())
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Some when the file was damaged or unfinished: what was wrong. What was read is the
    /// intact prefix.
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.as_ref()
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
        match &self.damage {
            None => held,
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
            let chunk = rec.chunks.get(self.next_chunk)?;
            self.next_chunk += 1;
            let mut channels = rec.channels.clone();
            // Validated at open: this cannot fail; if it did, the chunk would be skipped.
            self.ready = decode_chunk(chunk, &mut channels)
                .unwrap_or_default()
                .into();
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

fn decode_chunk(chunk: &Chunk, channels: &mut BTreeMap<u16, Topic>) -> Result<Vec<Input>, String> {
    if chunk.header.uncompressed_size > 1 << 30 {
        return Err("a chunk claims more than 1 GiB".into());
    }
    let records = chunk_records(chunk)?;
    let reader = LinearReader::sans_magic(&records);
    let mut inputs = Vec::new();
    for record in reader {
        match record.map_err(|e| describe(&e))? {
            Record::Schema { .. } => {}
            Record::Channel(c) => {
                let topic = match (c.topic.as_str(), c.message_encoding.as_str()) {
                    (SAMPLES_TOPIC, SAMPLE_ENCODING) => Topic::Samples,
                    (REQUESTS_TOPIC, REQUESTS_ENCODING) => Topic::Requests,
                    _ => Topic::Other,
                };
                channels.insert(c.id, topic);
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
                Some(Topic::Other) => {}
                None => return Err("a message on an unknown channel".into()),
            },
            _ => {}
        }
    }
    Ok(inputs)
}

/// The file's top-level records, each with the offset just past it. Framing is checked here:
/// a record that runs past the end of the file is an error, not an allocation.
struct TopLevel<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Iterator for TopLevel<'a> {
    type Item = Result<(usize, Record<'a>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.bytes[self.at..];
        if rest.is_empty() {
            return None;
        }
        let cut = || "the file is cut short in the middle of a record".to_string();
        let (op, len) = match rest {
            [op, len @ ..] if len.len() >= 8 => {
                let len = u64::from_le_bytes(len[..8].try_into().unwrap_or_default());
                (*op, len)
            }
            _ => {
                self.at = self.bytes.len();
                return Some(Err(cut()));
            }
        };
        let body_len = match usize::try_from(len) {
            Ok(n) if n <= rest.len() - 9 => n,
            _ => {
                self.at = self.bytes.len();
                return Some(Err(cut()));
            }
        };
        let body = &rest[9..9 + body_len];
        let end = self.at + 9 + body_len;
        self.at = end;
        Some(
            mcap::parse_record(op, body)
                .map(|r| (end, r))
                .map_err(|e| describe(&e)),
        )
    }
}

/// A chunk's records, decompressed, and checked against the chunk's size and CRC before any is
/// parsed (a corrupt length inside unchecked data could otherwise ask for any amount of memory).
fn chunk_records(chunk: &Chunk) -> Result<Vec<u8>, String> {
    let h = &chunk.header;
    let size = usize::try_from(h.uncompressed_size).map_err(|_| "a chunk is too large")?;
    let data = match h.compression.as_str() {
        "zstd" => zstd::bulk::decompress(&chunk.data, size)
            .map_err(|e| format!("a chunk does not decompress: {e}"))?,
        "" => chunk.data.clone(),
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
