//! The core of uringtop, on which the probe, the TUI, the binary and the tests build: the
//! [`model`] that folds a source's [`input`]s, [`recording`]s of those inputs (and a replay's
//! [`recording::Timeline`]), [`policy`] files and their [`verdict`]s, the [`names`] of opcodes,
//! flags and errnos, one request as people read it ([`request_fields`]), the [`report`], and the
//! [`abi`] shared with the BPF programs. No I/O beyond reading and writing recording files: no
//! probe, no terminal, no clock.

pub mod abi;
pub mod arg_names;
pub mod args;
pub mod exposition;
pub mod input;
pub mod latency;
pub mod model;
pub mod names;
pub mod policy;
pub mod process_context;
pub mod recording;
pub mod registered;
pub mod report;
pub mod request_fields;
pub mod synthetic;
mod synthetic_churn;
mod synthetic_policy;
pub mod verdict;
