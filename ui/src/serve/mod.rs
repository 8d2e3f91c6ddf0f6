//! `uringtop serve`: the model's state as an OpenMetrics endpoint for Prometheus.
//!
//! A headless session (the probe, until SIGINT, SIGTERM or SIGHUP, or `--duration`) feeds the
//! [`ExpositionSink`], which folds every sample into the exporter, renders the exposition once
//! and publishes it; the HTTP side ([`http`]) only hands out the latest rendering.

pub mod http;
mod negotiate;

use crate::cli::ServeArgs;
use crate::policy_file::LoadedPolicy;
use crate::session::{self, Source};
use crate::sink::exposition::{self, ExpositionSink};
use anyhow::{Context, Result};
use tokio::net::TcpListener;
use uringtop_common::exposition::ExpositionConfig;

/// Samples of the synthetic stream of `--synthetic`.
const SYNTHETIC_SAMPLES: usize = 600;

pub async fn run(args: ServeArgs) -> Result<()> {
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    // The port first: a port in use is the likeliest mistake, and costs no probe load.
    let listener = TcpListener::bind(args.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (another exporter on that port? choose one with --listen ADDR:PORT)",
            args.listen
        )
    })?;
    let source = match args.session.synthetic {
        Some(seed) => Source::synthetic(seed, SYNTHETIC_SAMPLES, args.interval),
        None => Source::probe(args.interval, policy.as_ref())?,
    };
    let config = ExpositionConfig {
        labels: args.labels.setting(),
        limit: args.limit,
        ..ExpositionConfig::default()
    };
    let (sink, content) = ExpositionSink::publishing(config, exposition::facts(source.memory()));
    eprintln!(
        "uringtop: serving http://{}/metrics (labels: {}, at most {} label sets; Ctrl-C to stop)",
        args.listen,
        config.labels.name(),
        config.limit
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
    let result = session::run(source, vec![Box::new(sink)], args.session.duration).await;
    let _ = stop_http.send(());
    let _ = server.await;
    result
}
