//! The index a finished recording carries: what opening it needs without reading its chunks
//! (every sample's time and chunk, the checkpoints, the requests), so that opening a finished
//! file costs the same whatever its length.
//!
//! It is an MCAP attachment named [`INDEX_NAME`], written just before the summary, which lists
//! it in its attachment indexes; the summary's chunk indexes say where the chunks are. Chunks
//! are numbered in file order, as the summary lists them. Readers that do not know it (uringtop
//! before it, other MCAP tools) skip an attachment, so it changed no format version; a file
//! without it (older, or never finished) opens by reading every chunk, as before.
//!
//! Layout: the uncompressed length (u64), then zstd of: [`MAGIC`], the index's version (u32),
//! the chunks (u64), the requests (u64), the samples (u64) and each one's time (u64) and chunk
//! (u32), the checkpoints (u64) and each one's samples before it (u64), chunk (u32) and inputs
//! of that chunk before it (u32), then whether the file opens with a checkpoint (u8) and, if so,
//! the samples and requests its model had folded (two u64). Integers are little-endian.

/// The attachment's name.
pub const INDEX_NAME: &str = "uringtop.index";
pub const INDEX_MEDIA_TYPE: &str = "application/x-uringtop-index";
const MAGIC: &[u8; 4] = b"UTIX";
const VERSION: u32 = 1;
/// A day of 1-s samples is 1 MB uncompressed; a length past this is corruption, not a file.
const MAX_LEN: u64 = 1 << 30;

/// A checkpoint as the index locates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedCheckpoint {
    /// Samples before it.
    pub samples: u64,
    pub chunk: u32,
    /// Inputs of its chunk before it.
    pub input: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    /// Chunks in the file.
    pub chunks: u64,
    pub requests: u64,
    /// Each sample's time and chunk, in file order.
    pub samples: Vec<(u64, u32)>,
    pub checkpoints: Vec<IndexedCheckpoint>,
    /// Of the checkpoint the file opens with (a file of a `record --dir` series continuing the
    /// one before), the samples and requests its model had folded: what a directory's reader
    /// compares to tell whether the files continue one another, without reading the checkpoint.
    pub opening: Option<(u64, u64)>,
}

impl Index {
    pub fn encode(&self) -> Vec<u8> {
        let mut raw =
            Vec::with_capacity(40 + self.samples.len() * 12 + self.checkpoints.len() * 16);
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&VERSION.to_le_bytes());
        raw.extend_from_slice(&self.chunks.to_le_bytes());
        raw.extend_from_slice(&self.requests.to_le_bytes());
        raw.extend_from_slice(&(self.samples.len() as u64).to_le_bytes());
        for &(time, chunk) in &self.samples {
            raw.extend_from_slice(&time.to_le_bytes());
            raw.extend_from_slice(&chunk.to_le_bytes());
        }
        raw.extend_from_slice(&(self.checkpoints.len() as u64).to_le_bytes());
        for c in &self.checkpoints {
            raw.extend_from_slice(&c.samples.to_le_bytes());
            raw.extend_from_slice(&c.chunk.to_le_bytes());
            raw.extend_from_slice(&c.input.to_le_bytes());
        }
        match self.opening {
            None => raw.push(0),
            Some((samples, requests)) => {
                raw.push(1);
                raw.extend_from_slice(&samples.to_le_bytes());
                raw.extend_from_slice(&requests.to_le_bytes());
            }
        }
        let mut out = (raw.len() as u64).to_le_bytes().to_vec();
        // Level 3: the times are regular and the chunks repeat, any level shrinks them well.
        out.extend_from_slice(&zstd::bulk::compress(&raw, 3).unwrap_or_default());
        out
    }

    /// The index, checked for consistency with itself (the caller checks it against the
    /// summary); an error says what is wrong.
    pub fn decode(data: &[u8]) -> Result<Index, String> {
        let len = data
            .get(..8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
            .filter(|&n| n <= MAX_LEN)
            .ok_or("the index's length is missing or too large")?;
        let raw = zstd::bulk::decompress(&data[8..], len as usize)
            .map_err(|e| format!("the index does not decompress: {e}"))?;
        let mut r = Fields(&raw);
        if r.take(4)? != MAGIC {
            return Err("the index does not start with its magic".into());
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(format!("an index of version {version}"));
        }
        let chunks = r.u64()?;
        let requests = r.u64()?;
        let n = r.count(12)?;
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            samples.push((r.u64()?, r.u32()?));
        }
        let n = r.count(16)?;
        let mut checkpoints = Vec::with_capacity(n);
        for _ in 0..n {
            checkpoints.push(IndexedCheckpoint {
                samples: r.u64()?,
                chunk: r.u32()?,
                input: r.u32()?,
            });
        }
        let opening = match r.take(1)?[0] {
            0 => None,
            1 => Some((r.u64()?, r.u64()?)),
            _ => return Err("the index's opening checkpoint is neither there nor not".into()),
        };
        if !r.0.is_empty() {
            return Err("the index has bytes after its end".into());
        }
        let index = Index {
            chunks,
            requests,
            samples,
            checkpoints,
            opening,
        };
        index.check()?;
        Ok(index)
    }

    /// Chunks and samples in file order, all within the file's chunks.
    fn check(&self) -> Result<(), String> {
        let in_order = |a: u32, b: u32| a <= b && u64::from(b) < self.chunks;
        let mut last = 0;
        for &(_, chunk) in &self.samples {
            if !in_order(last, chunk) {
                return Err("the index's samples are out of order".into());
            }
            last = chunk;
        }
        let (mut last_chunk, mut last_samples) = (0, 0);
        for c in &self.checkpoints {
            if !in_order(last_chunk, c.chunk)
                || c.samples < last_samples
                || c.samples > self.samples.len() as u64
            {
                return Err("the index's checkpoints are out of order".into());
            }
            (last_chunk, last_samples) = (c.chunk, c.samples);
        }
        Ok(())
    }
}

/// Reads fields off the front of the decompressed index.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the index is cut short".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    /// A count of items of `size` bytes each, no more than the bytes left can hold (a corrupt
    /// count must not reserve memory).
    fn count(&mut self, size: usize) -> Result<usize, String> {
        let n = self.u64()?;
        if n > (self.0.len() / size) as u64 {
            return Err("the index is cut short".into());
        }
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Index {
        Index {
            chunks: 5,
            requests: 42,
            samples: vec![(10, 1), (20, 1), (30, 3)],
            checkpoints: vec![
                IndexedCheckpoint {
                    samples: 0,
                    chunk: 0,
                    input: 0,
                },
                IndexedCheckpoint {
                    samples: 2,
                    chunk: 2,
                    input: 0,
                },
            ],
            opening: Some((7, 9)),
        }
    }

    #[test]
    fn an_index_reads_back_as_written() {
        assert_eq!(Index::decode(&index().encode()), Ok(index()));
        assert_eq!(
            Index::decode(&Index::default().encode()),
            Ok(Index::default())
        );
    }

    #[test]
    fn a_damaged_index_is_an_error_not_a_panic() {
        let good = index().encode();
        for cut in 0..good.len() {
            assert!(Index::decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut wrong = index();
        wrong.samples[2].1 = 5; // past the chunks
        assert!(Index::decode(&wrong.encode()).is_err());
        let mut wrong = index();
        wrong.samples.swap(0, 2);
        assert!(Index::decode(&wrong.encode()).is_err());
        let mut wrong = index();
        wrong.checkpoints[1].samples = 4; // past the samples
        assert!(Index::decode(&wrong.encode()).is_err());
        for i in 0..good.len() {
            let mut flipped = good.clone();
            flipped[i] ^= 0x40;
            let _ = Index::decode(&flipped); // any outcome but a panic
        }
    }
}
