//! When a headless session stops by itself: at its deadline, or on SIGINT (Ctrl-C), SIGTERM or
//! SIGHUP (the terminal it ran in went away).

use std::future::Future;
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};

/// Resolves after `limit` (never without one) or on the first of the signals. The handlers are
/// in place when this returns, before the session's first input.
pub fn requested(limit: Option<Duration>) -> impl Future<Output = ()> {
    // One that cannot be handled keeps its default action.
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    async move {
        tokio::select! {
            _ = deadline(limit) => {}
            _ = received(&mut int) => {}
            _ = received(&mut term) => {}
            _ = received(&mut hup) => {}
        }
    }
}

async fn deadline(limit: Option<Duration>) {
    match limit {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

async fn received(signal: &mut Option<Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
