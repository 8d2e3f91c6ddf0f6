//! `uringtop advise`: the least-privilege io_uring restrictions each process x ring needs,
//! from what the model observed. [`analysis`] computes them (a pure function of the model); one
//! module per output format renders them.

pub mod analysis;
pub mod c;
mod header;
pub mod json;
pub mod policy;
mod rules;
pub mod rust;
pub mod task;
mod text;

#[cfg(test)]
mod tests;

pub use analysis::{advise, Advice, Observed, ObservedFrom};

use crate::cli::AdviseFormat;

/// The advice in one output format (ends with a newline).
pub fn render(advice: &Advice, format: AdviseFormat) -> String {
    match format {
        AdviseFormat::Policy => policy::render(advice),
        AdviseFormat::C => c::render(advice),
        AdviseFormat::Rust => rust::render(advice),
        AdviseFormat::Json => json::render(advice),
        AdviseFormat::Task => task::render(advice),
    }
}
