//! The live driver: inputs from a channel (the probe, or any source that sends them), thinned to
//! the chosen interval, with the source's controls (stream a ring's requests, stop).

use crate::app::{App, SourceKind};
use crate::driver::Driver;
use crate::event::Event;
use crate::refresh::Decimator;
use crate::signals::{self, SignalRequest};
use std::time::Duration;
use tokio::sync::mpsc;
use uringtop_common::input::Input;
use uringtop_common::model::Model;

/// Inputs taken from the channel per wake-up, so a flood of requests cannot starve the keys.
const BATCH: usize = 4096;

/// Whose requests the UI wants streamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// One ring's (the request view).
    Ring(u32),
    /// One process's, on every ring (the thread view).
    Process(u32),
}

/// What the UI can ask of a live source. The binary implements it for the probe, so this
/// library needs no probe.
pub trait SourceControl: Send {
    /// Stream the individual requests of a ring or a process (Some), or none (None).
    fn stream_requests(&self, wanted: Option<Stream>) -> Result<(), String>;
    /// End the source; its channel closes soon after.
    fn stop(&self);
}

pub struct LiveDriver {
    inputs: mpsc::Receiver<Input>,
    inputs_open: bool,
    control: Option<Box<dyn SourceControl>>,
    /// A display model: the TUI never reports a window, so what departs is dropped once it has
    /// shown its last interval and memory follows what is live (see Model::for_display).
    model: Model,
    /// While paused the screen shows this copy; the live model keeps taking inputs, so nothing
    /// is lost and resuming shows the present.
    frozen: Option<Model>,
    decimator: Decimator,
    batch: Vec<Input>,
    /// The model took inputs the screens have not synced to yet.
    changed: bool,
    /// Whose requests the source streams.
    streaming: Option<Stream>,
    /// The process whose threads were last read from /proc, and how long ago.
    threads: Option<(u32, Duration)>,
}

impl LiveDriver {
    /// `control`: None for a source that cannot be controlled (its requests come as they come).
    pub fn new(inputs: mpsc::Receiver<Input>, control: Option<Box<dyn SourceControl>>) -> Self {
        LiveDriver {
            inputs,
            inputs_open: true,
            control,
            model: Model::for_display(),
            frozen: None,
            decimator: Decimator::default(),
            batch: Vec::with_capacity(BATCH),
            changed: false,
            streaming: None,
            threads: None,
        }
    }
}

/// How often an open thread view's list is read again from /proc.
const THREADS_EVERY: Duration = Duration::from_secs(1);

impl LiveDriver {
    /// /proc/PID/task, on opening the thread view and every second after (never while drawing).
    fn read_threads(&mut self, app: &mut App, pid: u32) {
        let threads = crate::threads::read(pid);
        app.set_threads(self.model(), pid, threads);
        self.threads = Some((pid, Duration::ZERO));
    }
}

impl Driver for LiveDriver {
    fn kind(&self) -> SourceKind {
        SourceKind::Live
    }

    fn model(&self) -> &Model {
        self.frozen.as_ref().unwrap_or(&self.model)
    }

    async fn wait(&mut self) -> Event {
        if !self.inputs_open {
            return std::future::pending().await;
        }
        if self.inputs.recv_many(&mut self.batch, BATCH).await == 0 {
            self.inputs_open = false;
            return Event::SourceEnded;
        }
        Event::Inputs
    }

    fn take_inputs(&mut self, app: &mut App) {
        for input in self.batch.drain(..) {
            // Skipping samples makes the model's interval longer; what they carried rides on
            // with the next one applied.
            let input = match input {
                Input::Sample(s) => match self.decimator.pass(s, app.refresh()) {
                    Some(s) => Input::Sample(s),
                    None => continue,
                },
                other => other,
            };
            self.model.apply(&input);
            self.changed = true;
        }
    }

    /// Samples are rarer than frames, and streamed requests redraw at most once a frame. An open
    /// thread view's list is read again every second.
    fn frame(&mut self, app: &mut App, elapsed: Duration) -> bool {
        if let Some((pid, age)) = &mut self.threads {
            *age += elapsed;
            if *age >= THREADS_EVERY && app.threads_wanted() == Some(*pid) {
                let pid = *pid;
                self.read_threads(app, pid);
                return true;
            }
        }
        if self.changed && self.frozen.is_none() {
            app.sync(&self.model);
            self.changed = false;
            return true;
        }
        false
    }

    fn after_event(&mut self, app: &mut App) -> bool {
        let mut redraw = false;
        match app.threads_wanted() {
            Some(pid) if self.threads.is_none_or(|(read, _)| read != pid) => {
                self.read_threads(app, pid);
                redraw = true;
            }
            Some(_) => {}
            None => self.threads = None,
        }
        match (app.paused(), self.frozen.is_some()) {
            (true, false) => self.frozen = Some(self.model.clone()),
            (false, true) => {
                self.frozen = None;
                app.sync(&self.model);
            }
            _ => {}
        }
        if let Some(control) = &self.control {
            let wanted = app.stream_wanted();
            if wanted != self.streaming {
                self.streaming = wanted;
                if let Err(e) = control.stream_requests(wanted) {
                    app.set_message(format!("cannot stream requests: {e}"));
                    redraw = true;
                }
            }
        }
        redraw
    }

    /// kill(2), on the key that confirmed it (never while drawing).
    fn signal(&mut self, app: &mut App, request: SignalRequest) {
        let process = self.model.process(request.pid);
        let comm = process.map_or("?", |p| p.comm.as_str());
        let user = process.map_or("", |p| p.context.user.as_str());
        let said = match signals::send(request, comm, user) {
            Ok(done) => done,
            Err(why) => why,
        };
        app.set_message(said);
    }

    fn stop(&mut self) {
        if let Some(control) = &self.control {
            if self.streaming.is_some() {
                let _ = control.stream_requests(None);
            }
            control.stop();
        }
    }
}
