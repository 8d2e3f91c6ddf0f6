//! uringtop's live terminal UI (ratatui + crossterm on tokio).
//!
//! - [`App`] holds the view state and reacts to keys; pure, no I/O.
//! - [`views`] draw the model and the app's state; read-only.
//! - [`run`] owns the terminal and the one event loop over a [`Driver`]: [`LiveDriver`] (a
//!   channel of inputs, with the source's controls) or [`ReplayDriver`] (a recording's timeline),
//!   so both show the same screens.

pub mod app;
pub mod chooser;
pub mod column_choice;
pub mod columns;
pub mod cursor;
pub mod driver;
pub mod event;
pub mod format;
pub mod groups;
pub mod held;
pub mod layout;
pub mod live;
pub mod main_screen;
pub mod mouse;
pub mod policy;
pub mod refresh;
pub mod replay;
pub mod request_list;
pub mod request_query;
pub mod request_screen;
pub mod requests;
pub mod ring_screen;
pub mod rows;
pub mod run;
pub mod settings;
pub mod signals;
pub mod terminal;
pub mod text_field;
pub mod theme;
pub mod thread_screen;
pub mod threads;
pub mod verdicts;
pub mod views;
pub mod violation_screen;
pub mod violations;

pub use app::{App, Config, ScreenKind, SourceKind};
pub use driver::Driver;
pub use event::{Event, EventState};
pub use live::{LiveDriver, SourceControl, Stream};
pub use policy::PolicyLabel;
pub use refresh::{Decimator, Refresh};
pub use replay::{Player, ReplayDriver};
pub use run::{run, run_on, Options};
pub use terminal::{check_terminal, Screen};
pub use theme::Theme;
