//! What drives the event loop besides the terminal: the model on screen, where its inputs come
//! from, and the keys and decisions that belong to the source. Live and replay are the two
//! drivers ([`crate::live::LiveDriver`], [`crate::replay::ReplayDriver`]); the loop cannot tell
//! them apart.

use crate::app::{App, SourceKind};
use crate::event::{Event, EventState};
use crate::signals::SignalRequest;
use crossterm::event::KeyEvent;
use std::future::Future;
use std::time::Duration;
use uringtop_common::model::Model;

pub trait Driver {
    fn kind(&self) -> SourceKind;

    /// The model the screens show.
    fn model(&self) -> &Model;

    /// What the status line says of the source after its name (a replay's position).
    fn timeline(&self) -> Option<&str> {
        None
    }

    /// Resolves with [`Event::Inputs`] when inputs wait for [`Driver::take_inputs`], or
    /// [`Event::SourceEnded`] once; a driver without a stream of inputs never resolves.
    fn wait(&mut self) -> impl Future<Output = Event>;

    /// Folds the inputs that [`Driver::wait`] announced into the model.
    fn take_inputs(&mut self, _app: &mut App) {}

    /// A key the app's own keys did not take; the driver's keys come before the screens'.
    fn key(&mut self, _app: &mut App, _key: KeyEvent) -> EventState {
        EventState::NotConsumed
    }

    /// A frame passed (`elapsed` since the previous one); true when the screen needs drawing.
    fn frame(&mut self, app: &mut App, elapsed: Duration) -> bool;

    /// After every event: carries out what the app decided that concerns the source (pause,
    /// streaming a ring's requests). True when the screen needs drawing.
    fn after_event(&mut self, _app: &mut App) -> bool {
        false
    }

    /// Sends a signal the user chose and confirmed (`k`), and says how it went. Only the live
    /// driver can: a recording's processes are not this machine's.
    fn signal(&mut self, app: &mut App, _request: SignalRequest) {
        app.set_message(
            "a recording: its processes are not this machine's to signal (live only)".into(),
        );
    }

    /// The loop ends: stop the source.
    fn stop(&mut self) {}
}
