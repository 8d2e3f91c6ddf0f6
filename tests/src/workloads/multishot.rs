//! Requests that post several CQEs, and CQEs that no request posts: the CQEs a probe loses when it
//! only pairs a completion with its submission.
//!
//! Every CQE is taken off the CQ as it comes and checked, so the counts below are the CQEs the
//! kernel really posted.

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use io_uring::{cqueue, opcode, types, IoUring};

use super::expected::Expected;
use super::ring::{describe, WAIT_LIMIT};

/// user_data of the multishot request in these workloads; its cancel uses [`CANCEL_UD`].
pub const MULTISHOT_UD: u64 = 0x5eed;
const CANCEL_UD: u64 = 0xca11;

/// One CQE as the workload took it: (user_data, res, flags).
type Cqe = (u64, i32, u32);

/// The next CQE, waiting at most [`WAIT_LIMIT`].
fn next_cqe(ring: &mut IoUring) -> Result<Cqe> {
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        if let Some(c) = ring.completion().next() {
            return Ok((c.user_data(), c.result(), c.flags()));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("no CQE within {WAIT_LIMIT:?}");
        }
        let timeout = types::Timespec::from(left);
        let args = types::SubmitArgs::new().timespec(&timeout);
        match ring.submitter().submit_with_args(1, &args) {
            Ok(_) => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::ETIME | libc::EINTR)) => {}
            Err(e) => return Err(e).context("io_uring_enter (wait)"),
        }
    }
}

fn push(ring: &mut IoUring, entry: &io_uring::squeue::Entry) -> Result<()> {
    // SAFETY: the entries built here point at nothing that is freed before their CQEs arrive
    // (buffers live until the workload returns).
    unsafe { ring.submission().push(entry) }.context("the SQ is full")?;
    ring.submit().context("io_uring_enter (submit)")?;
    Ok(())
}

/// Cancels the multishot request and takes its last CQE (-ECANCELED, no F_MORE) and the cancel's.
fn cancel_multishot(ring: &mut IoUring, expected: &mut Expected) -> Result<()> {
    let cancel = opcode::AsyncCancel::new(MULTISHOT_UD)
        .build()
        .user_data(CANCEL_UD);
    push(ring, &cancel)?;
    let mut last = None;
    let mut cancelled = None;
    for _ in 0..2 {
        let (ud, res, flags) = next_cqe(ring)?;
        match ud {
            MULTISHOT_UD => {
                ensure!(!cqueue::more(flags), "the last CQE still says F_MORE");
                last = Some(res);
            }
            CANCEL_UD => cancelled = Some(res),
            other => bail!("a CQE for unknown user_data {other}"),
        }
    }
    ensure!(last == Some(-libc::ECANCELED), "last CQE: {last:?}");
    ensure!(cancelled == Some(0), "cancel CQE: {cancelled:?}");
    let mut sqe = describe(&cancel, 0, false)?;
    sqe.res = 0;
    expected.record(sqe);
    Ok(())
}

/// A multishot ACCEPT on a loopback listener, `connections` clients one after another, then an
/// ASYNC_CANCEL. The ACCEPT posts a CQE per connection (IORING_CQE_F_MORE) and a last one,
/// -ECANCELED: `connections + 1` CQEs for one SQE.
pub fn multishot_accept(connections: usize) -> Result<Expected> {
    let listener = TcpListener::bind("127.0.0.1:0").context("listen on loopback")?;
    let addr = listener.local_addr()?;
    let mut ring = IoUring::new(64).context("io_uring_setup")?;
    let mut expected = Expected::new(1, false);
    let accept = opcode::AcceptMulti::new(types::Fd(listener.as_raw_fd()))
        .build()
        .user_data(MULTISHOT_UD);
    push(&mut ring, &accept)?;
    let mut accepted = Vec::with_capacity(connections);
    for i in 0..connections {
        let client = TcpStream::connect(addr).with_context(|| format!("connection {i}"))?;
        let (ud, res, flags) = next_cqe(&mut ring)?;
        ensure!(ud == MULTISHOT_UD, "connection {i}: CQE for {ud}");
        ensure!(res >= 0, "connection {i}: accept failed with {res}");
        ensure!(
            cqueue::more(flags),
            "connection {i}: the ACCEPT stopped early"
        );
        // SAFETY: the kernel just gave us this fd; nothing else owns it.
        accepted
            .push(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(res) });
        drop(client);
    }
    cancel_multishot(&mut ring, &mut expected)?;
    let mut sqe = describe(&accept, 0, false)?;
    sqe.res = -libc::ECANCELED;
    expected.record(sqe);
    expected.record_extra_cqes("ACCEPT", connections as u64);
    Ok(expected)
}

/// Provided buffers for a multishot RECV: `count` buffers of [`RECV_BUF`] bytes in group 7.
const RECV_BUF: usize = 64;
const RECV_GROUP: u16 = 7;

/// A multishot RECV with provided buffers on a Unix stream socket: `messages` messages, each
/// sent after the previous one's CQE came back (so each is one CQE with F_MORE and F_BUFFER),
/// then an ASYNC_CANCEL: `messages + 1` CQEs for one SQE.
pub fn multishot_recv(messages: usize) -> Result<Expected> {
    let (mut sender, receiver) = UnixStream::pair().context("socketpair")?;
    let mut ring = IoUring::new(64).context("io_uring_setup")?;
    let mut expected = Expected::new(1, false);
    let count = messages + 8;
    let mut buffers = vec![0u8; RECV_BUF * count];
    let provide = opcode::ProvideBuffers::new(
        buffers.as_mut_ptr(),
        RECV_BUF as i32,
        count as u16,
        RECV_GROUP,
        0,
    )
    .build()
    .user_data(1);
    push(&mut ring, &provide)?;
    let (ud, res, _) = next_cqe(&mut ring)?;
    ensure!(ud == 1 && res == 0, "PROVIDE_BUFFERS: {res}");
    expected.record(describe(&provide, 0, false)?);

    let recv = opcode::RecvMulti::new(types::Fd(receiver.as_raw_fd()), RECV_GROUP)
        .build()
        .user_data(MULTISHOT_UD);
    push(&mut ring, &recv)?;
    for i in 0..messages {
        let message = format!("message {i:04}");
        sender.write_all(message.as_bytes())?;
        let (ud, res, flags) = next_cqe(&mut ring)?;
        ensure!(ud == MULTISHOT_UD, "message {i}: CQE for {ud}");
        ensure!(res == message.len() as i32, "message {i}: received {res}");
        ensure!(cqueue::more(flags), "message {i}: the RECV stopped early");
        ensure!(
            cqueue::buffer_select(flags).is_some(),
            "message {i}: no buffer id"
        );
    }
    cancel_multishot(&mut ring, &mut expected)?;
    let mut sqe = describe(&recv, 0, false)?;
    sqe.res = -libc::ECANCELED;
    expected.record(sqe);
    expected.record_extra_cqes("RECV", messages as u64);
    drop(buffers);
    Ok(expected)
}

/// user_data the MSG_RINGs give the CQEs they post on the target ring.
pub const MSG_RING_UD: u64 = 0xfeed_0000;

/// Two rings: `messages` MSG_RING requests on the first each post a CQE on the second (no request
/// of the second ring posts it: it is the target ring's AUX_CQE), and one on the first.
pub fn msg_ring(messages: usize) -> Result<Expected> {
    let mut source = IoUring::new(16).context("io_uring_setup (source)")?;
    let mut target = IoUring::new(64).context("io_uring_setup (target)")?;
    let mut expected = Expected::new(2, false);
    for i in 0..messages {
        let send = opcode::MsgRingData::new(
            types::Fd(target.as_raw_fd()),
            i as i32,
            MSG_RING_UD + i as u64,
            None,
        )
        .build()
        .user_data(i as u64);
        push(&mut source, &send)?;
        let (ud, res, _) = next_cqe(&mut source)?;
        ensure!(ud == i as u64 && res == 0, "MSG_RING {i}: {res}");
        expected.record(describe(&send, 0, false)?);
        let (ud, res, _) = next_cqe(&mut target)?;
        ensure!(
            ud == MSG_RING_UD + i as u64 && res == i as i32,
            "target CQE {i}: user_data {ud:#x}, res {res}"
        );
    }
    expected.record_extra_cqes("AUX_CQE", messages as u64);
    Ok(expected)
}
