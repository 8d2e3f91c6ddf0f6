//! uringtop's eBPF probe: C programs on io_uring's tracepoints (probe/bpf), loaded with aya, and the
//! live source that turns their maps and request stream into the model's inputs.

mod batch;
pub mod bpf_sources;
mod btf_enum;
mod cache_flush;
mod changes;
pub mod check;
mod context;
mod departures;
mod dirty;
mod error;
mod fd_files;
pub mod live;
mod load;
pub mod memory;
mod missed;
mod probe;
mod programs;
mod read;
mod reclaim;
mod registered;
pub mod request_stream;
pub mod support;
mod sys_bpf;
mod wrap;

pub use error::ProbeError;
pub use live::{spawn, LiveControl};
pub use load::LoadOptions;
pub use probe::{wall_now_ns, Probe};
pub use programs::{Attachment, ATTACHMENTS};
pub use request_stream::RequestFilter;
