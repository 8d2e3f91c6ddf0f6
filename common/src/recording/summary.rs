//! Opening a finished recording from its end: the footer, the MCAP summary (checked against its
//! CRC) with its channels and chunk indexes, and uringtop's [`Index`] attachment. What it reads
//! is a few bytes per chunk and per sample, whatever the size of the chunks; no chunk is read.
//!
//! Anything missing or inconsistent (a file without a summary, older than the index, or damaged
//! at its end) gives an error saying why, and the reader then reads the file from its start.

use super::index::{Index, INDEX_NAME};
use super::reader::{next_record, topic_of, Bytes, Topic, MAX_RECORD};
use mcap::read::LinearReader;
use mcap::records::{op, ChunkIndex, Record};
use std::collections::BTreeMap;

const MCAP_MAGIC: &[u8] = b"\x89MCAP0\r\n";
/// The footer record: opcode, length, summary start, summary offset start, CRC.
const FOOTER_RECORD: u64 = 1 + 8 + 8 + 8 + 4;

/// What the summary and the index say.
pub struct Indexed {
    /// Each chunk record's body: where it starts and its length, in file order.
    pub chunks: Vec<(u64, usize)>,
    pub channels: BTreeMap<u16, Topic>,
    pub index: Index,
}

pub fn read_indexed(bytes: &Bytes, file_bytes: u64) -> Result<Indexed, String> {
    let tail = FOOTER_RECORD + MCAP_MAGIC.len() as u64;
    let footer_at = file_bytes
        .checked_sub(tail)
        .filter(|&at| at >= MCAP_MAGIC.len() as u64)
        .ok_or("too short for a footer")?;
    let footer = bytes.read_at(footer_at, tail as usize)?;
    if &footer[FOOTER_RECORD as usize..] != MCAP_MAGIC
        || footer[0] != op::FOOTER
        || footer[1..9] != 20u64.to_le_bytes()
    {
        return Err("no footer (the recorder did not finish)".into());
    }
    let field = |at: usize| u64::from_le_bytes(footer[at..at + 8].try_into().unwrap_or_default());
    let summary_start = field(9);
    let crc = u32::from_le_bytes(footer[25..29].try_into().unwrap_or_default());
    if summary_start == 0 {
        return Err("no summary".into());
    }
    let summary_len = footer_at
        .checked_sub(summary_start)
        .filter(|&n| n <= MAX_RECORD && summary_start >= MCAP_MAGIC.len() as u64)
        .ok_or("the footer points outside the file")?;
    // The CRC covers the summary and the footer up to the CRC itself.
    let summary = bytes.read_at(summary_start, (summary_len + 25) as usize)?;
    if crc != 0 && crc32fast::hash(&summary) != crc {
        return Err("the summary fails its CRC check".into());
    }
    let summary = &summary[..summary_len as usize];

    let mut channels = BTreeMap::new();
    let mut chunk_indexes = Vec::new();
    let mut attachment = None;
    for record in LinearReader::sans_magic(summary) {
        match record.map_err(|e| format!("the summary does not parse: {e}"))? {
            Record::Channel(c) => {
                channels.insert(c.id, topic_of(&c));
            }
            Record::ChunkIndex(c) => chunk_indexes.push(c),
            Record::AttachmentIndex(a) if a.name == INDEX_NAME => attachment = Some(a),
            _ => {}
        }
    }
    let attachment = attachment.ok_or("no index (written before uringtop kept one)")?;
    let index = Index::decode(&read_attachment(
        bytes,
        attachment.offset,
        attachment.length,
        summary_start,
    )?)?;
    if index.chunks != chunk_indexes.len() as u64 {
        return Err(format!(
            "the index counts {} chunks and the summary {}",
            index.chunks,
            chunk_indexes.len()
        ));
    }
    Ok(Indexed {
        chunks: chunk_bodies(&chunk_indexes, summary_start)?,
        channels,
        index,
    })
}

/// Where each chunk's body is, checked to follow one another within the data section.
fn chunk_bodies(indexes: &[ChunkIndex], data_end: u64) -> Result<Vec<(u64, usize)>, String> {
    let mut after = MCAP_MAGIC.len() as u64;
    let mut chunks = Vec::with_capacity(indexes.len());
    for c in indexes {
        let end = c.chunk_start_offset.checked_add(c.chunk_length);
        if c.chunk_start_offset < after
            || c.chunk_length < 9
            || c.chunk_length - 9 > MAX_RECORD
            || end.is_none_or(|end| end > data_end)
        {
            return Err("the summary's chunk indexes do not fit the file".into());
        }
        chunks.push((c.chunk_start_offset + 9, (c.chunk_length - 9) as usize));
        after = c.chunk_start_offset + c.chunk_length;
    }
    Ok(chunks)
}

/// The data of the attachment record at `at`, `len` bytes long, checked against its CRC before
/// it is parsed.
fn read_attachment(bytes: &Bytes, at: u64, len: u64, data_end: u64) -> Result<Vec<u8>, String> {
    let (op, _, body) =
        next_record(bytes, at, data_end).ok_or("the index is not in the file")??;
    if op != op::ATTACHMENT || body.len() as u64 + 9 != len || body.len() < 4 {
        return Err("the index is not where the summary says".into());
    }
    let (signed, crc) = body.split_at(body.len() - 4);
    let crc = u32::from_le_bytes(crc.try_into().unwrap_or_default());
    if crc == 0 || crc32fast::hash(signed) != crc {
        return Err("the index fails its CRC check".into());
    }
    match mcap::parse_record(op, &body) {
        Ok(Record::Attachment { data, .. }) => Ok(data.into_owned()),
        Ok(_) => Err("the index is not an attachment".into()),
        Err(e) => Err(format!("the index does not parse: {e}")),
    }
}
