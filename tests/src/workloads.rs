//! io_uring workloads with exactly known counts.
//!
//! Each workload creates its own ring(s), does exactly the stated work, waits
//! for every CQE and checks each CQE's result against what the kernel is
//! documented to return; any difference is an error, so a workload that
//! returns `Ok` did what its [`Expected`] says. The ring is closed before the
//! workload returns.
//!
//! Run a workload through [`run_in_child`] to give it a process of its own,
//! so the probe's per-process counters hold that workload and nothing else.

mod args;
mod arguments;
mod basic;
mod child;
mod churn;
mod expected;
mod file_io;
mod forced_async;
mod link;
mod mem_rules;
mod multishot;
mod names;
mod policy;
mod registered;
mod restricted;
mod ring;
mod round_trip;
mod sqpoll;

pub use args::{decoded_args, ArgsExpect, PATH_CUT};
pub use arguments::{
    command_under_policy, one, rings_with_different_rules, socket_and_open, SELECTED_RING_FD,
};
pub use basic::{
    async_nops, nop_flood, nops, openat_flood, openat_missing, shared_user_data, timeouts,
    MISSING_PATH,
};
pub use child::{
    run_in_child, run_in_child_with_timeout, slowdown, start_in_child, wait_status_in_child,
    RunningChild, CHILD_TIMEOUT,
};
pub use churn::{process_churn, ring_churn, ring_churn_mixed, ring_pause_resume};
pub use expected::{Expected, OpExpect, SqeExpect};
pub use file_io::{file_read_write, IO_SIZE};
pub use forced_async::{
    forced_async, forced_async_restricted, forced_async_until, EXPLICIT_ASYNC_UD,
};
pub use link::failed_link_chain;
pub use mem_rules::{
    has_bind, missing_dir, path_opcodes, peer_opcodes, plain_and_registered_buffers, DB_PORT,
    DISCARD_PORT, LONG_COMPONENT, UNIX_NAME,
};
pub use multishot::{msg_ring, multishot_accept, multishot_recv, MSG_RING_UD, MULTISHOT_UD};
pub use names::{errno_name, opcode_name};
pub use policy::{nops_with_personality, register_files_twice, setup_refused_for_nobody};
pub use registered::{
    pipe, registered_paths, registered_resources, BUFFER_LENS, FILE_SLOTS, NOPS as REGISTERED_NOPS,
};
pub use restricted::restricted_read_denied;
pub use round_trip::{nop_write_read_until, restricted_round_trip};
pub use sqpoll::{sqpoll_nops, SQPOLL_IDLE_MS};
