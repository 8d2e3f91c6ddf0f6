//! `uringtop serve`: the model's state as an OpenMetrics endpoint for Prometheus, and
//! `uringtop dump --format openmetrics`, the same exposition once.
//!
//! The session folds the probe's inputs into the model, and after every sample into the
//! [`Exporter`], renders the exposition once and publishes it; the HTTP side only hands out
//! the latest rendering (see [`http`]).

pub mod http;
mod negotiate;

use crate::cli::ServeArgs;
use crate::live_session;
use crate::policy_file::LoadedPolicy;
use anyhow::{Context, Result};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use uringtop_common::exposition::{Exporter, ExpositionConfig, ProbeFacts, TextFormat};
use uringtop_common::input::Input;
use uringtop_common::model::Model;

pub async fn run(args: ServeArgs) -> Result<()> {
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    // The port first: a port in use is the likeliest mistake, and costs no probe load.
    let listener = TcpListener::bind(args.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (another exporter on that port? choose one with --listen ADDR:PORT)",
            args.listen
        )
    })?;
    let config = ExpositionConfig {
        labels: args.labels.setting(),
        limit: args.limit,
        ..ExpositionConfig::default()
    };
    let (inputs, stop_source, facts): (mpsc::Receiver<Input>, Box<dyn Fn() + Send>, ProbeFacts) =
        match args.synthetic {
            Some(seed) => {
                let (tx, rx) = mpsc::channel(1024);
                let stream = uringtop_common::synthetic::synthetic_stream(seed, 600, 4, 2);
                let task = tokio::spawn(synthetic_source(stream, args.interval, tx));
                (rx, Box::new(move || task.abort()), ProbeFacts::default())
            }
            None => {
                let (rx, control, memory) =
                    live_session::start_measured(args.interval, policy.as_ref())?;
                let facts = ProbeFacts {
                    map_memory_bytes: Some(memory.bytes()),
                    key_slots: Some(memory.key_slots),
                };
                (rx, Box::new(move || control.stop()), facts)
            }
        };
    let exporter = Exporter::new(config);
    let (publish, content) = watch::channel(Arc::new(render(&exporter, &facts)));
    eprintln!(
        "uringtop: serving http://{}/metrics (labels: {}, at most {} label sets)",
        args.listen,
        args.labels.setting().name(),
        args.limit
    );
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::run(
        listener,
        content,
        http::Limits::default(),
        async {
            let _ = http_stopped.await;
        },
    ));
    let result = session(
        inputs,
        exporter,
        &facts,
        &publish,
        args.duration,
        stop_source,
    )
    .await;
    let _ = stop_http.send(());
    let _ = server.await;
    result
}

/// Folds the inputs until the source ends (stopped at the deadline or on a signal), publishing
/// the exposition after every sample.
async fn session(
    mut inputs: mpsc::Receiver<Input>,
    mut exporter: Exporter,
    facts: &ProbeFacts,
    publish: &watch::Sender<Arc<http::Published>>,
    duration: Option<Duration>,
    stop_source: Box<dyn Fn() + Send>,
) -> Result<()> {
    let mut model = Model::for_display();
    let stop = async {
        tokio::select! {
            _ = live_session::deadline(duration) => {}
            _ = live_session::interrupted() => {}
        }
    };
    tokio::pin!(stop);
    let mut stopped = false;
    loop {
        tokio::select! {
            input = inputs.recv() => {
                let Some(input) = input else { break };
                model.apply(&input);
                if matches!(input, Input::Sample(_)) {
                    exporter.observe(&model);
                    // Rendering takes milliseconds for thousands of rings: off the runtime's
                    // worker, so that the probe's drainer and the scrapes keep running.
                    let published = tokio::task::block_in_place(|| render(&exporter, facts));
                    publish.send_replace(Arc::new(published));
                }
            }
            _ = &mut stop, if !stopped => {
                stopped = true;
                stop_source();
            }
        }
    }
    Ok(())
}

fn render(exporter: &Exporter, facts: &ProbeFacts) -> http::Published {
    http::Published {
        openmetrics: Bytes::from(exporter.render(TextFormat::OpenMetrics, facts)),
        prometheus: Bytes::from(exporter.render(TextFormat::Prometheus, facts)),
    }
}

/// `--synthetic SEED`: a deterministic stream instead of the probe (tests of the HTTP side
/// without privileges), one sample per interval; it ends when stopped.
async fn synthetic_source(stream: Vec<Input>, interval: Duration, tx: mpsc::Sender<Input>) {
    let mut tick = tokio::time::interval(interval);
    for input in stream {
        if let Input::Sample(_) = input {
            tick.tick().await;
        }
        if tx.send(input).await.is_err() {
            return;
        }
    }
}
