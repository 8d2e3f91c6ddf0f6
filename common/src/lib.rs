//! Shared by the probe, the UI and the tests: the BPF ABI, name tables, and the deterministic model.

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
