//! `--format json`: the advice as one JSON object (schema 1, documented in the README).

use super::analysis::{Advice, ObservedFrom};
use super::text::known_sqe_flags;
use serde::Serialize;
use uringtop_common::input::OTHER_RINGS;
use uringtop_common::names::{opcode_name, register_opcode_name, setup_flag_names};

/// Bumped on any incompatible change of the shape below.
const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Doc {
    schema: u32,
    source: SourceDoc,
    processes: Vec<ProcessDoc>,
}

#[derive(Serialize)]
struct SourceDoc {
    /// "live" or "recording".
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    seconds: f64,
}

#[derive(Serialize)]
struct ProcessDoc {
    pid: u32,
    comm: String,
    rings: Vec<RingDoc>,
}

#[derive(Serialize)]
struct RingDoc {
    /// null for the "other rings" row, as in the dump's JSON.
    ring: Option<u32>,
    fd: Option<i32>,
    setup_flags: Vec<&'static str>,
    sqe_ops: Vec<String>,
    sqe_flags_allowed: Vec<&'static str>,
    sqe_flags_required: Vec<&'static str>,
    register_ops: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    other_rings: bool,
}

pub fn render(advice: &Advice) -> String {
    let (kind, file) = match &advice.observed.source {
        ObservedFrom::Live => ("live", None),
        ObservedFrom::Recording(path) => ("recording", Some(path.clone())),
    };
    let doc = Doc {
        schema: SCHEMA,
        source: SourceDoc {
            kind,
            file,
            // Milliseconds are all the precision a duration of observation has.
            seconds: (advice.observed.seconds * 1000.0).round() / 1000.0,
        },
        processes: advice
            .processes
            .iter()
            .map(|p| ProcessDoc {
                pid: p.pid,
                comm: p.comm.clone(),
                rings: p
                    .rings
                    .iter()
                    .map(|r| RingDoc {
                        ring: (r.ring != OTHER_RINGS).then_some(r.ring),
                        fd: r.fd,
                        setup_flags: setup_flag_names(r.setup_flags),
                        sqe_ops: r.sqe_ops.iter().map(|&o| opcode_name(o).into()).collect(),
                        sqe_flags_allowed: known_sqe_flags(r.sqe_flags_allowed),
                        sqe_flags_required: known_sqe_flags(r.sqe_flags_required),
                        register_ops: r
                            .register_ops
                            .iter()
                            .map(|&o| register_opcode_name(u32::from(o)).into())
                            .collect(),
                        other_rings: r.ring == OTHER_RINGS,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string(&doc).expect("plain data serializes");
    text.push('\n');
    text
}
