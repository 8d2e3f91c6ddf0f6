//! Harness for uringtop's end-to-end tests.
//!
//! [`workloads`] drives io_uring with exactly known operation counts, so the
//! probe tests can assert the probe's counters exactly; [`privilege`] decides
//! what a test does when it lacks root or an external tool.

pub mod command_line;
pub mod cpu;
pub mod http;
pub mod kernel;
pub mod policies;
pub mod privilege;
pub mod prometheus;
pub mod synthetic_recording;
pub mod tmux;
pub mod workloads;
