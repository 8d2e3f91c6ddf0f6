//! A checkpoint of the model: its whole state as bytes, to restore later without folding the
//! inputs that made it. Recordings carry them (see [`crate::recording`]) so that a replay can seek
//! anywhere in hours of recording by restoring the nearest one before and folding only what
//! follows it. Restoring is exact — the restored model equals the one checkpointed (tested here
//! and in the timeline's tests) — so folding on from a checkpoint shows what folding from the
//! start shows.
//!
//! Layout: the model without its two request logs as JSON (u32 LE length first), then each log
//! (requests, then violations) as the number ever pushed (u64 LE), the payload's length (u32 LE)
//! and a batch in the recordings' compact request encoding: ten thousand requests take a few
//! hundred kilobytes as JSON, a tenth of that so.

use super::{History, Model};
use crate::recording::codec;

/// Bump on any change to the model's fields or to what [`Model::apply`] makes of an input: a
/// reader uses only checkpoints of its own version (others would restore a state its own fold
/// does not reach), and folds from an earlier one or the start instead.
pub const CHECKPOINT_VERSION: u32 = 1;

impl Model {
    /// The model's whole state; [`Model::restore`] gives back an equal model.
    pub fn checkpoint(&self) -> Vec<u8> {
        // Maps keyed by integers and finite floats (rates over intervals of at least 1 ns,
        // shares guarded against 0/0): serializing cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(json.len() + 64 * 1024);
        put_part(&mut out, &json);
        put_log(&mut out, &self.requests);
        put_log(&mut out, &self.violations);
        out
    }

    /// The model [`Model::checkpoint`] made `data` of; an error for bytes that are not one.
    pub fn restore(data: &[u8]) -> Result<Model, String> {
        let mut rest = data;
        let json = take_part(&mut rest)?;
        let mut model: Model =
            serde_json::from_slice(json).map_err(|e| format!("a checkpoint's model: {e}"))?;
        model.requests = take_log(&mut rest)?;
        model.violations = take_log(&mut rest)?;
        if !rest.is_empty() {
            return Err("a checkpoint has bytes after its end".into());
        }
        Ok(model)
    }
}

fn put_part(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u32).to_le_bytes());
    out.extend_from_slice(part);
}

fn put_log<const CAP: usize>(out: &mut Vec<u8>, log: &History<crate::input::Request, CAP>) {
    out.extend_from_slice(&log.seen().to_le_bytes());
    let items: Vec<_> = log.items().iter().cloned().collect();
    let mut batch = Vec::new();
    codec::encode_requests(&items, &mut batch);
    put_part(out, &batch);
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if rest.len() < n {
        return Err("a checkpoint is cut short".into());
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn take_part<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], String> {
    let len = take(rest, 4)?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    take(rest, len)
}

fn take_log<const CAP: usize>(
    rest: &mut &[u8],
) -> Result<History<crate::input::Request, CAP>, String> {
    let seen = take(rest, 8)?;
    let seen = u64::from_le_bytes(seen.try_into().unwrap_or_default());
    let batch = take_part(rest)?;
    let items = codec::decode_requests(batch).map_err(|e| format!("a checkpoint's log: {e}"))?;
    if items.len() > CAP {
        return Err("a checkpoint's log holds more than a model keeps".into());
    }
    Ok(History::from_parts(items, seen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::synthetic_stream;

    #[test]
    fn a_restored_model_equals_the_checkpointed_one_and_folds_on_alike() {
        let inputs = synthetic_stream(4, 60, 5, 4);
        for cut in [1, inputs.len() / 3, inputs.len() / 2, inputs.len() - 1] {
            let mut model = Model::for_display();
            for input in &inputs[..cut] {
                model.apply(input);
            }
            let mut restored = Model::restore(&model.checkpoint()).expect("restores");
            assert!(restored == model, "restored at input {cut}");
            for input in &inputs[cut..] {
                model.apply(input);
                restored.apply(input);
            }
            assert!(restored == model, "folded on from input {cut}");
        }
    }

    #[test]
    fn a_report_model_restores_too() {
        let inputs = synthetic_stream(3, 10, 3, 5);
        let mut model = Model::new();
        for input in &inputs {
            model.apply(input);
        }
        model.rebase();
        assert!(Model::restore(&model.checkpoint()).expect("restores") == model);
    }

    #[test]
    fn bytes_that_are_not_a_checkpoint_are_an_error() {
        let good = Model::for_display().checkpoint();
        assert!(Model::restore(&good[..good.len() - 1]).is_err());
        assert!(Model::restore(b"").is_err());
        let mut longer = good.clone();
        longer.push(0);
        assert!(Model::restore(&longer).is_err());
    }
}
