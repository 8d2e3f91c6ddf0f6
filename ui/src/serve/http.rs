//! The HTTP side of `serve`: hyper's HTTP/1.1 server (keep-alive, HEAD, pipelining and request
//! parsing are hyper's, a well-kept crate, rather than a hand-written parser), over a buffer the
//! session replaces once per sample.
//!
//! A scrape never touches the model or the probe: it clones a reference to the latest
//! exposition, already rendered, and writes it out. What a slow or stuck client can hold is
//! bounded: at most [`Limits::max_connections`] connections (more are closed at once), each
//! holding at most one exposition, and none lives longer than [`Limits::lifetime`] plus
//! [`Limits::grace`] (idle, slow or stuck alike); headers must arrive within
//! [`Limits::header_timeout`].

use super::negotiate::format_for;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use uringtop_common::exposition::TextFormat;

/// One sample's exposition, in both formats (rendered once, shared by every scrape).
#[derive(Clone, Debug, Default)]
pub struct Published {
    pub openmetrics: Bytes,
    pub prometheus: Bytes,
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    /// After this, a connection finishes the response it is writing and closes.
    pub lifetime: Duration,
    /// How long a closing connection may take to finish its response.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 64,
            header_timeout: Duration::from_secs(10),
            lifetime: Duration::from_secs(120),
            grace: Duration::from_secs(10),
        }
    }
}

const INDEX: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>uringtop</title></head>\n\
<body><h1>uringtop</h1>\n<p>io_uring activity per process, ring and opcode, from an eBPF probe.</p>\n\
<p><a href=\"/metrics\">/metrics</a>: OpenMetrics (or Prometheus' text format, by the Accept header).</p>\n\
</body></html>\n";

/// Serves until `stop` resolves.
pub async fn run(
    listener: TcpListener,
    content: watch::Receiver<Arc<Published>>,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // EMFILE and the like: wait rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            drop(stream); // over the limit: closed at once
            continue;
        };
        let _ = stream.set_nodelay(true);
        let content = content.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let content = content.clone();
                async move { Ok::<_, Infallible>(respond(&req, &content)) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = tokio::time::sleep(limits.lifetime) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(limits.grace, conn).await;
                }
            }
            drop(permit);
        });
    }
}

fn respond(
    req: &Request<Incoming>,
    content: &watch::Receiver<Arc<Published>>,
) -> Response<Full<Bytes>> {
    let known = matches!(req.uri().path(), "/" | "/metrics");
    if !known {
        return plain(StatusCode::NOT_FOUND, "not found: try /metrics\n");
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    if req.uri().path() == "/" {
        let mut r = Response::new(Full::new(Bytes::from_static(INDEX.as_bytes())));
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return r;
    }
    let accept = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok());
    let format = format_for(accept);
    let published = Arc::clone(&content.borrow());
    let body = match format {
        TextFormat::OpenMetrics => published.openmetrics.clone(),
        TextFormat::Prometheus => published.prometheus.clone(),
    };
    // hyper sends the headers (Content-Length included) and no body for HEAD.
    let mut r = Response::new(Full::new(body));
    let headers = r.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}
