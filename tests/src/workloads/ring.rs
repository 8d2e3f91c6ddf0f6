//! Submitting planned SQEs, waiting for their CQEs and checking them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use io_uring::{register::Restriction, squeue, types, IoUring};

use super::expected::{Expected, SqeExpect};
use super::names::opcode_name;

/// The longest any workload waits for its CQEs. Every workload completes in
/// milliseconds; the limit only turns a kernel surprise into an error
/// instead of a hung test.
pub(crate) const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// The largest ring the workloads create; longer plans are submitted in
/// chunks of this many SQEs.
pub(crate) const MAX_ENTRIES: usize = 4096;

/// One SQE to submit and the result its CQE must carry.
pub(crate) struct Planned {
    pub entry: squeue::Entry,
    pub res: i32,
    /// The kernel must refuse it at submission.
    pub rejected: bool,
}

impl Planned {
    pub fn issued(entry: squeue::Entry, res: i32) -> Self {
        Planned {
            entry,
            res,
            rejected: false,
        }
    }

    pub fn refused(entry: squeue::Entry, res: i32) -> Self {
        Planned {
            entry,
            res,
            rejected: true,
        }
    }
}

/// A ring whose SQ holds `sqes` entries (rounded up to a power of two by the
/// kernel), at most [`MAX_ENTRIES`].
pub(crate) fn ring_for(sqes: usize) -> Result<IoUring> {
    IoUring::new(entries_for(sqes)).context("io_uring_setup")
}

/// A ring of `entries` created disabled, given `restrictions` (IORING_REGISTER_RESTRICTIONS),
/// then enabled.
pub(crate) fn restricted_ring(entries: u32, restrictions: &mut [Restriction]) -> Result<IoUring> {
    let ring = IoUring::builder()
        .setup_r_disabled()
        .build(entries)
        .context("io_uring_setup with R_DISABLED")?;
    let submitter = ring.submitter();
    submitter
        .register_restrictions(restrictions)
        .context("IORING_REGISTER_RESTRICTIONS")?;
    submitter
        .register_enable_rings()
        .context("IORING_REGISTER_ENABLE_RINGS")?;
    Ok(ring)
}

pub(crate) fn entries_for(sqes: usize) -> u32 {
    sqes.clamp(1, MAX_ENTRIES).next_power_of_two() as u32
}

/// [`run_plan`] for plans longer than the SQ: one submission per SQ-full.
///
/// # Safety
/// As for [`run_plan`].
pub(crate) unsafe fn run_chunked(
    ring: &mut IoUring,
    plan: Vec<Planned>,
    expected: &mut Expected,
) -> Result<()> {
    let chunk = ring.params().sq_entries() as usize;
    let mut plan = plan.into_iter().peekable();
    while plan.peek().is_some() {
        let part: Vec<Planned> = plan.by_ref().take(chunk).collect();
        // A chain cut between two submissions would not be a chain.
        let last = part.last().map(|p| sqe_bytes(&p.entry)[1]).unwrap_or(0);
        let chained = squeue::Flags::from_bits_truncate(last)
            .intersects(squeue::Flags::IO_LINK | squeue::Flags::IO_HARDLINK);
        ensure!(!chained, "a linked chain does not fit in one submission");
        // SAFETY: forwarded from the caller.
        unsafe { run_plan(ring, part, expected)? };
    }
    Ok(())
}

/// Submits `plan` with one io_uring_enter, waits for one CQE per SQE, checks
/// each CQE's result against the plan and records the SQEs in `expected`.
///
/// # Safety
/// Every buffer, path or timespec the entries point to must stay valid until
/// this returns. (If it returns an error while waiting, requests may still be
/// in flight; the workloads then fail the test anyway.)
pub(crate) unsafe fn run_plan(
    ring: &mut IoUring,
    plan: Vec<Planned>,
    expected: &mut Expected,
) -> Result<()> {
    let want = plan.len();
    ensure!(
        want <= ring.params().sq_entries() as usize,
        "{want} SQEs do not fit in the SQ"
    );
    let entries: Vec<squeue::Entry> = plan.iter().map(|p| p.entry.clone()).collect();
    // SAFETY: the caller keeps what the entries point to alive.
    unsafe { ring.submission().push_multiple(&entries) }
        .map_err(|_| anyhow!("the SQ has no room for {want} SQEs"))?;
    let consumed = ring.submit().context("io_uring_enter (submit)")?;
    // A refused SQE still counts as consumed; the kernel only stops early
    // after one, leaving the rest in the SQ.
    ensure!(
        consumed == want,
        "the kernel consumed {consumed} of {want} SQEs"
    );
    let cqes = wait_for(ring, want)?;
    let mut results = BTreeMap::new();
    for (user_data, res) in cqes {
        ensure!(
            results.insert(user_data, res).is_none(),
            "two CQEs for user_data {user_data}"
        );
    }
    for planned in plan {
        let mut sqe = describe(&planned.entry, 0, planned.rejected)?;
        let res = results
            .remove(&sqe.user_data)
            .ok_or_else(|| anyhow!("no CQE for {sqe:?}"))?;
        ensure!(
            res == planned.res,
            "{} (user_data {}) completed with {res}, expected {}",
            sqe.op,
            sqe.user_data,
            planned.res
        );
        sqe.res = res;
        expected.record(sqe);
    }
    ensure!(results.is_empty(), "CQEs for unknown SQEs: {results:?}");
    Ok(())
}

/// Waits until `want` CQEs have arrived and takes them off the CQ, as
/// `(user_data, res)` pairs; an error after [`WAIT_LIMIT`].
pub(crate) fn wait_for(ring: &mut IoUring, want: usize) -> Result<Vec<(u64, i32)>> {
    let deadline = Instant::now() + WAIT_LIMIT;
    let mut cqes = Vec::with_capacity(want);
    loop {
        cqes.extend(ring.completion().map(|cqe| (cqe.user_data(), cqe.result())));
        if cqes.len() >= want {
            return Ok(cqes);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("waited {WAIT_LIMIT:?} for {want} CQEs, got {}", cqes.len());
        }
        // A bounded wait (IORING_ENTER_EXT_ARG), so a lost CQE cannot hang
        // the test; with SQPOLL this also wakes the submission thread.
        let timeout = types::Timespec::from(left);
        let args = types::SubmitArgs::new().timespec(&timeout);
        match ring.submitter().submit_with_args(want - cqes.len(), &args) {
            Ok(_) => {}
            Err(err) if matches!(err.raw_os_error(), Some(libc::ETIME | libc::EINTR)) => {}
            Err(err) => return Err(err).context("io_uring_enter (wait)"),
        }
    }
}

/// The SQE as the kernel will read it, with `res` filled in.
pub(crate) fn describe(entry: &squeue::Entry, res: i32, rejected: bool) -> Result<SqeExpect> {
    let bytes = sqe_bytes(entry);
    let u32_at = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap());
    let code = bytes[0];
    let op = opcode_name(code).ok_or_else(|| anyhow!("no name for opcode {code}"))?;
    let sqe = SqeExpect {
        op: op.to_owned(),
        flags: bytes[1],
        fd: u32_at(4) as i32,
        off: u64_at(8),
        len: u32_at(24),
        user_data: u64_at(32),
        res,
        rejected,
    };
    // Proves the decoding against the one field the crate exposes.
    ensure!(
        sqe.user_data == entry.get_user_data(),
        "SQE decoding is off"
    );
    Ok(sqe)
}

/// The 64 bytes of `struct io_uring_sqe` behind an entry. Reading them
/// directly means the recorded fd/off/len are what the kernel (and so the
/// probe) sees, not what a workload meant to write.
fn sqe_bytes(entry: &squeue::Entry) -> &[u8; 64] {
    const _: () = assert!(std::mem::size_of::<squeue::Entry>() == 64);
    // SAFETY: `Entry` is `#[repr(C)]` around the kernel's 64-byte
    // `io_uring_sqe`, which is plain integers and unions of integers built
    // from a zeroed value, so every byte is initialised.
    unsafe { &*(entry as *const squeue::Entry).cast::<[u8; 64]>() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use io_uring::opcode;

    #[test]
    fn describe_reads_the_kernel_fields() {
        let mut buf = [0u8; 16];
        let read = opcode::Read::new(types::Fd(7), buf.as_mut_ptr(), 16)
            .offset(4096)
            .build()
            .flags(squeue::Flags::IO_LINK)
            .user_data(42);
        let sqe = describe(&read, 0, false).unwrap();
        assert_eq!(sqe.op, "READ");
        assert_eq!((sqe.fd, sqe.off, sqe.len, sqe.user_data), (7, 4096, 16, 42));
        assert_eq!(sqe.flags, squeue::Flags::IO_LINK.bits());
        let nop = describe(&opcode::Nop::new().build(), 0, false).unwrap();
        assert_eq!((nop.op.as_str(), nop.fd), ("NOP", -1));
    }

    #[test]
    fn rings_are_sized_in_powers_of_two_up_to_the_cap() {
        assert_eq!(entries_for(0), 1);
        assert_eq!(entries_for(3), 4);
        assert_eq!(entries_for(64), 64);
        assert_eq!(entries_for(100_000), MAX_ENTRIES as u32);
    }
}
