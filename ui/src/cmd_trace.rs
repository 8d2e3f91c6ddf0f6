//! `uringtop trace`: one line per completed request until Ctrl-C, then a summary of losses
//! (see [`crate::sink::trace`]).

use crate::cli::TraceArgs;
use crate::policy_file::LoadedPolicy;
use crate::session::{self, Source};
use crate::sink::trace::TraceSink;
use anyhow::Result;
use std::time::Duration;
use uringtop_probe::RequestFilter;

pub async fn run(args: TraceArgs) -> Result<()> {
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    // Samples only carry the loss counters here; one a second is plenty.
    let source = Source::probe(Duration::from_secs(1), policy.as_ref())?;
    source.stream_requests(RequestFilter {
        pid: args.pid,
        ring: args.ring,
    })?;
    eprintln!("uringtop: tracing io_uring requests (Ctrl-C to stop)");
    let sink = TraceSink::new(
        args.pid,
        args.ring,
        args.json,
        crate::local_time::utc_offset_s(),
    );
    session::run(source, vec![Box::new(sink)], args.duration).await
}
