//! A small, paced io_uring workload to record the sample recording in assets/ from: one ring
//! reading and writing a scratch file (~400 requests/s), one ring of failing OPENATs (ENOENT, 20/s)
//! and one of short TIMEOUTs (20/s), for the given number of seconds (default 7).
//!
//!   cargo run -p uringtop-tests --example recording_workload -- 7 &
//!   sudo uringtop record -o assets/sample.mcap --duration 5 --requests
use io_uring::{opcode, types, IoUring};
use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

fn main() {
    let secs: u64 = uringtop_tests::command_line::number(1, 7);
    let until = Instant::now() + Duration::from_secs(secs);
    let file = tempfile::tempfile().expect("a scratch file");
    let fd = types::Fd(file.as_raw_fd());
    let mut io = IoUring::new(32).expect("a ring for file I/O");
    let mut open = IoUring::new(8).expect("a ring for OPENAT");
    let mut timer = IoUring::new(8).expect("a ring for TIMEOUT");
    let missing = CString::new("/nonexistent/uringtop-sample").unwrap();
    let ts = types::Timespec::new().nsec(2_000_000);
    let mut buf = vec![0x5au8; 4096];
    let mut tick = 0u64;
    while Instant::now() < until {
        // 8 writes then 8 reads of 4 KiB at rolling offsets.
        for i in 0..16u64 {
            let off = ((tick * 8 + i % 8) % 256) * 4096;
            let entry = if i < 8 {
                opcode::Write::new(fd, buf.as_ptr(), 4096)
                    .offset(off)
                    .build()
            } else {
                opcode::Read::new(fd, buf.as_mut_ptr(), 4096)
                    .offset(off)
                    .build()
            };
            // SAFETY: `buf` lives until the completions are reaped below.
            unsafe { io.submission().push(&entry.user_data(tick * 16 + i)) }.expect("room");
            if i == 7 || i == 15 {
                io.submit_and_wait(8).expect("file I/O");
                io.completion().for_each(drop);
            }
        }
        if tick.is_multiple_of(2) {
            let entry = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), missing.as_ptr())
                .build()
                .user_data(tick);
            // SAFETY: `missing` outlives the call.
            unsafe { open.submission().push(&entry) }.expect("room");
            open.submit_and_wait(1).expect("openat");
            open.completion().for_each(drop);
            let entry = opcode::Timeout::new(&ts).build().user_data(tick);
            // SAFETY: `ts` outlives the call.
            unsafe { timer.submission().push(&entry) }.expect("room");
            timer.submit_and_wait(1).expect("timeout");
            timer.completion().for_each(drop);
        }
        tick += 1;
        std::thread::sleep(Duration::from_millis(40));
    }
}
