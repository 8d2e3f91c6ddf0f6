//! uringtop's live terminal UI (ratatui + crossterm on tokio).
//!
//! - [`App`] holds the view state and reacts to keys; pure, no I/O.
//! - [`views`] draw the model and the app's state; read-only.
//! - [`run`] owns the terminal and the event loop over a [`Source`] (the live probe, or later a
//!   recording), so both show the same screens.

pub mod app;
pub mod columns;
pub mod cursor;
pub mod format;
pub mod held;
pub mod layout;
pub mod main_screen;
pub mod policy;
pub mod refresh;
pub mod replay;
pub mod request_screen;
pub mod requests;
pub mod ring_screen;
pub mod rows;
mod run;
pub mod source;
mod terminal;
pub mod theme;
pub mod verdicts;
pub mod views;
pub mod violation_screen;
pub mod violations;

pub use app::{App, Config, ScreenKind, SourceKind};
pub use policy::PolicyLabel;
pub use refresh::{Decimator, Refresh};
pub use run::{run, Options};
pub use source::{Source, SourceControl};
pub use terminal::check_terminal;
pub use theme::Theme;
