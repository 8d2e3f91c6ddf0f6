//! What the event loop reacts to, and who owns a key.

use crossterm::event::{KeyEvent, MouseEvent};
use std::time::Duration;

/// Everything the event loop waits for, as one type: the terminal's keys and resizes, the
/// driver's inputs, the frame clock, and the end (a signal, or the terminal gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Key(KeyEvent),
    /// A click or the wheel (the terminal reports the mouse while the UI runs).
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The driver has inputs waiting for the model.
    Inputs,
    /// The driver's source has no more inputs.
    SourceEnded,
    /// A frame passed; the time since the previous one.
    Frame(Duration),
    /// SIGINT, SIGTERM or SIGHUP, or the terminal went away.
    Quit,
}

/// Whether whoever was asked took a key (as gitui's components answer): the loop asks the app's
/// own keys first, then the driver, then the app's screens, and stops at the first that takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventState {
    Consumed,
    NotConsumed,
}
