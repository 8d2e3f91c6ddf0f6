//! The live source: the probe's counters, sampled at an interval, and its request stream, drained
//! as they come, merged into one stream of [`Input`]s for the model.
//!
//! Sampling runs on its own thread (map reads are syscalls); draining runs on a tokio task woken by
//! the ring buffer's fd, never behind other work, so that records are not dropped for want of a
//! reader. Neither waits on the consumer for long: the channel is large, and the probe counts what
//! it drops.

use crate::error::ProbeError;
use crate::fd_files::FdFiles;
use crate::probe::{stream_requests, Probe};
use crate::request_stream::{self, RequestFilter, WallClock};
use aya::maps::{Array, MapData, RingBuf};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::{mpsc, watch};
use uringtop_common::abi;
use uringtop_common::input::Input;

const CHANNEL: usize = 1 << 16;

/// Controls a running live source.
#[derive(Clone)]
pub struct LiveControl {
    config: Arc<Mutex<Array<MapData, abi::Config>>>,
    last_error: Arc<Mutex<Option<String>>>,
    stop_sampler: std_mpsc::SyncSender<()>,
    stop_drainer: Arc<watch::Sender<bool>>,
}

impl LiveControl {
    /// Starts (Some) or stops (None) streaming individual requests.
    pub fn stream_requests(&self, filter: Option<RequestFilter>) -> Result<(), ProbeError> {
        let mut config = self.config.lock().unwrap_or_else(|p| p.into_inner());
        stream_requests(&mut config, filter)
    }

    /// The last error the sampler met, if any (it keeps sampling). Not printed by the source
    /// itself, so that it cannot draw over a terminal UI.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Ends the source: records waiting in the buffer are drained, a last sample is taken, and then
    /// the stream ends.
    pub fn stop(&self) {
        let _ = self.stop_drainer.send(true);
        let _ = self.stop_sampler.try_send(());
    }
}

/// Starts the live source. Must be called inside a tokio runtime. The first sample is taken at once,
/// so a model's window starts when the probe was attached.
pub fn spawn(
    probe: Probe,
    interval: Duration,
) -> Result<(mpsc::Receiver<Input>, LiveControl), ProbeError> {
    let Probe {
        ebpf,
        mut maps,
        config,
        request_stream,
        clock,
        ..
    } = probe;
    let (tx, rx) = mpsc::channel(CHANNEL);
    let (stop_sampler, stop_rx) = std_mpsc::sync_channel(1);
    let (stop_drainer, stop_drainer_rx) = watch::channel(false);
    let last_error = Arc::new(Mutex::new(None));
    let sampler_error = Arc::clone(&last_error);

    // SAFETY: the ring buffer owns its fd and is moved into the AsyncFd, which deregisters the fd
    // before dropping it; nothing else closes that fd meanwhile.
    let ring = unsafe { AsyncFd::register_with_interest(request_stream, Interest::READABLE) }
        .map_err(|e| ProbeError::Setup(format!("watching the record ring buffer: {e}")))?;
    tokio::spawn(drain(ring, clock, tx.clone(), stop_drainer_rx));

    std::thread::Builder::new()
        .name("uringtop-sampler".into())
        .spawn(move || {
            let _attached = ebpf; // detaches when the sampler ends
                                  // The first sample is taken at once: the model's window starts at attach time.
            let mut first = true;
            let mut trim = TrimAfterChurn::default();
            loop {
                let stopping = !first
                    && !matches!(
                        stop_rx.recv_timeout(interval),
                        Err(std_mpsc::RecvTimeoutError::Timeout)
                    );
                first = false;
                // Wait a moment for the drainer's last records before the final sample.
                if stopping {
                    std::thread::sleep(Duration::from_millis(20));
                }
                match maps.sample(crate::probe::wall_now_ns()) {
                    Ok(sample) => {
                        trim.after(&sample);
                        if tx.blocking_send(Input::Sample(sample)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        *sampler_error.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(e.to_string())
                    }
                }
                if stopping {
                    return;
                }
            }
        })
        .map_err(|e| ProbeError::Setup(format!("starting the sampler thread: {e}")))?;
    let control = LiveControl {
        config: Arc::new(Mutex::new(config)),
        last_error,
        stop_sampler,
        stop_drainer: Arc::new(stop_drainer),
    };
    Ok((rx, control))
}

async fn drain(
    mut ring: AsyncFd<RingBuf<MapData>>,
    clock: WallClock,
    tx: mpsc::Sender<Input>,
    mut stop: watch::Receiver<bool>,
) {
    let mut files = FdFiles::default();
    loop {
        let stopping = tokio::select! {
            ready = ring.readable_mut() => {
                let Ok(mut guard) = ready else { return };
                guard.clear_ready();
                false
            }
            _ = stop.changed() => true,
        };
        let rb = ring.get_mut();
        let mut batch = Vec::new();
        while let Some(item) = rb.next() {
            if let Some(req) = request_stream::decode(&item, &clock) {
                batch.push(req);
            }
        }
        // After the ring buffer is drained, not while: the buffer never waits for /proc.
        for mut req in batch {
            files.describe(&mut req);
            if tx.send(Input::Request(req)).await.is_err() {
                return;
            }
        }
        if stopping {
            return;
        }
    }
}

/// Churn makes large transient samples (thousands of new keys a second); once it stops and they
/// are freed, glibc keeps the freed heap. Measured after 100,000 short-lived rings: the idle TUI
/// held 115-147 MB RSS, 32 MB once the heap is trimmed. The model lets go of what departed a few
/// samples after the churn (exits are reported after a grace period, then shown for an
/// interval), so the quiet samples that follow a large one each trim the heap (a few
/// milliseconds, on this thread, never in the render path).
#[derive(Default)]
struct TrimAfterChurn {
    quiet_trims_left: u32,
}

impl TrimAfterChurn {
    const LARGE: usize = 1024;
    const QUIET_TRIMS: u32 = 5;

    fn after(&mut self, sample: &uringtop_common::input::Sample) {
        let large = sample.ops.len() + sample.rings.len() + sample.processes.len() > Self::LARGE;
        if large {
            self.quiet_trims_left = Self::QUIET_TRIMS;
        } else if self.quiet_trims_left > 0 {
            self.quiet_trims_left -= 1;
            #[cfg(target_env = "gnu")]
            // SAFETY: malloc_trim only returns free heap memory to the system.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    }
}
