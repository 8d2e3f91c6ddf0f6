//! A headless session: a source's inputs fed, in order, to [`Sink`]s, until the source ends.
//!
//! `dump`, `trace`, `record` and `advise` are each a session with one sink ([`run`] live,
//! [`replay`] from a recording); `uringtop --record` runs the recorder sink [`beside`] the TUI.
//! Every session ends the same way: at its deadline, on SIGINT, SIGTERM or SIGHUP, or when a sink
//! says it has had enough ([`Flow::Stop`]), it stops the source, delivers what the source still
//! sends (the probe's last records and its final sample), and finishes each sink.

pub mod probe;
mod source;
mod stop;

pub use source::Source;

use crate::sink::{Flow, Sink};
use anyhow::Result;
use std::time::Duration;
use tokio::sync::mpsc;
use uringtop_common::input::Input;

/// How often sinks are ticked (the recorder flushes: a SIGKILL or a power loss costs at most
/// the last second).
pub const TICK: Duration = Duration::from_millis(500);

/// Runs `sinks` on `source` until `limit` has passed, a signal (INT, TERM, HUP) or a sink asks to
/// stop, and the source has sent its last inputs. The first error of a sink is returned, any
/// others are printed; the sinks' closing lines are printed on stderr.
pub async fn run(
    mut source: Source,
    sinks: Vec<Box<dyn Sink>>,
    limit: Option<Duration>,
) -> Result<()> {
    let mut sinks = Sinks::new(sinks);
    let stop = stop::requested(limit);
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopping = false;
    loop {
        let wants_stop = tokio::select! {
            input = source.next() => match input {
                Some(input) => sinks.input(&input),
                None => break,
            },
            _ = tick.tick() => sinks.tick(),
            _ = &mut stop, if !stopping => true,
        };
        if wants_stop && !stopping {
            stopping = true;
            if source.stop() == source::AfterStop::Ended {
                break;
            }
        }
    }
    let outcome = sinks.finish();
    source.finish();
    outcome.into_result()
}

/// Runs `sinks` on a recording's inputs (as fast as they take them), until the inputs end or a
/// sink asks to stop.
pub fn replay(inputs: impl Iterator<Item = Input>, sinks: Vec<Box<dyn Sink>>) -> Result<()> {
    let mut sinks = Sinks::new(sinks);
    for input in inputs {
        if sinks.input(&input) {
            break;
        }
    }
    sinks.finish().into_result()
}

/// Runs `sinks` beside another consumer of `inputs` (the TUI): the returned channel gets every
/// input once the sinks have seen it, and the task ends, with the sinks' [`Outcome`], when
/// `inputs` closes. The other consumer owns the source: the sinks cannot stop it, and a sink
/// that fails leaves the other consumer's inputs flowing.
pub fn beside(
    mut inputs: mpsc::Receiver<Input>,
    sinks: Vec<Box<dyn Sink>>,
) -> (mpsc::Receiver<Input>, tokio::task::JoinHandle<Outcome>) {
    let (tx, rx) = mpsc::channel(4096);
    let task = tokio::spawn(async move {
        let mut sinks = Sinks::new(sinks);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                input = inputs.recv() => {
                    let Some(input) = input else { break };
                    sinks.input(&input);
                    // The other consumer gone (quitting) must not stop the sinks' last inputs.
                    let _ = tx.send(input).await;
                }
                _ = tick.tick() => {
                    sinks.tick();
                }
            }
        }
        sinks.finish()
    });
    (rx, task)
}

/// What the sinks of a session said when it ended: their closing lines and their errors.
#[must_use]
#[derive(Debug, Default)]
pub struct Outcome {
    pub lines: Vec<String>,
    pub errors: Vec<anyhow::Error>,
}

impl Outcome {
    /// Prints the closing lines and every error but the first, which it returns.
    pub fn into_result(self) -> Result<()> {
        for line in &self.lines {
            eprintln!("uringtop: {line}");
        }
        let mut errors = self.errors.into_iter();
        let first = errors.next();
        for e in errors {
            eprintln!("uringtop: {e:#}");
        }
        first.map_or(Ok(()), Err)
    }

    /// Prints the closing lines and every error (the session was beside something else, which
    /// decides the exit status).
    pub fn print(self) {
        for line in &self.lines {
            eprintln!("uringtop: {line}");
        }
        for e in &self.errors {
            eprintln!("uringtop: {e:#}");
        }
    }
}

/// The sinks of a session: the ones still working, and the errors of those that failed.
struct Sinks {
    working: Vec<Box<dyn Sink>>,
    errors: Vec<anyhow::Error>,
}

impl Sinks {
    fn new(sinks: Vec<Box<dyn Sink>>) -> Self {
        Sinks {
            working: sinks,
            errors: Vec::new(),
        }
    }

    /// Feeds `input` to every working sink; true when the session should stop (a sink asked, or
    /// none is left working).
    fn input(&mut self, input: &Input) -> bool {
        self.each(|sink| sink.input(input))
    }

    fn tick(&mut self) -> bool {
        self.each(|sink| sink.tick().map(|()| Flow::Continue))
    }

    fn each(&mut self, mut call: impl FnMut(&mut dyn Sink) -> Result<Flow>) -> bool {
        let mut stop = false;
        let errors = &mut self.errors;
        self.working.retain_mut(|sink| match call(sink.as_mut()) {
            Ok(flow) => {
                stop |= flow == Flow::Stop;
                true
            }
            Err(e) => {
                errors.push(e);
                false
            }
        });
        stop || self.working.is_empty()
    }

    fn finish(self) -> Outcome {
        let mut outcome = Outcome {
            lines: Vec::new(),
            errors: self.errors,
        };
        for sink in self.working {
            match sink.finish() {
                Ok(line) => outcome.lines.extend(line),
                Err(e) => outcome.errors.push(e),
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use uringtop_common::synthetic::synthetic_stream;

    /// Counts its inputs into `seen`; fails at input `fail_at`, asks to stop at `stop_at`.
    struct Counting {
        seen: Arc<Mutex<usize>>,
        fail_at: Option<usize>,
        stop_at: Option<usize>,
    }

    impl Sink for Counting {
        fn input(&mut self, _: &Input) -> Result<Flow> {
            let mut seen = self.seen.lock().unwrap();
            *seen += 1;
            if Some(*seen) == self.fail_at {
                anyhow::bail!("disk full after {seen}");
            }
            Ok(if Some(*seen) == self.stop_at {
                Flow::Stop
            } else {
                Flow::Continue
            })
        }

        fn finish(self: Box<Self>) -> Result<Option<String>> {
            Ok(Some(format!("saw {}", self.seen.lock().unwrap())))
        }
    }

    fn counting(
        fail_at: Option<usize>,
        stop_at: Option<usize>,
    ) -> (Box<dyn Sink>, Arc<Mutex<usize>>) {
        let seen = Arc::new(Mutex::new(0));
        let sink = Counting {
            seen: Arc::clone(&seen),
            fail_at,
            stop_at,
        };
        (Box::new(sink), seen)
    }

    #[test]
    fn a_failing_sink_is_reported_and_the_others_go_on() {
        let inputs = synthetic_stream(1, 10, 2, 1);
        let (failing, failing_seen) = counting(Some(3), None);
        let (working, working_seen) = counting(None, None);
        let mut sinks = Sinks::new(vec![failing, working]);
        for input in &inputs {
            assert!(!sinks.input(input), "one sink still works");
        }
        let outcome = sinks.finish();
        assert_eq!(*failing_seen.lock().unwrap(), 3, "no input after its error");
        assert_eq!(*working_seen.lock().unwrap(), inputs.len());
        assert_eq!(outcome.lines, vec![format!("saw {}", inputs.len())]);
        assert_eq!(outcome.errors.len(), 1);
        assert_eq!(outcome.errors[0].to_string(), "disk full after 3");
        let err = outcome.into_result().unwrap_err();
        assert_eq!(err.to_string(), "disk full after 3");
    }

    #[test]
    fn a_sink_that_has_had_enough_ends_a_replay_and_every_sink_finishes() {
        let inputs = synthetic_stream(1, 10, 2, 1);
        let (stopping, stopping_seen) = counting(None, Some(5));
        let (other, other_seen) = counting(None, None);
        replay(inputs.into_iter(), vec![stopping, other]).unwrap();
        assert_eq!(*stopping_seen.lock().unwrap(), 5);
        assert_eq!(*other_seen.lock().unwrap(), 5);
    }

    #[test]
    fn when_every_sink_failed_the_session_stops() {
        let (failing, _) = counting(Some(1), None);
        let mut sinks = Sinks::new(vec![failing]);
        assert!(sinks.input(&synthetic_stream(1, 1, 1, 1)[0]));
    }
}
