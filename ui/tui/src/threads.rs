//! A process's threads as the thread view (`t`) lists them: from /proc/PID/task (live only, read
//! by the live driver on opening and every second, never while drawing), each with the role its
//! name gives it: the main thread, an SQPOLL thread (`iou-sqp-*`, which submits for its ring),
//! an io-wq worker (`iou-wrk-*`, which runs punted requests), or another thread.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadInfo {
    pub tid: u32,
    /// Its comm, from /proc/PID/task/TID/comm.
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Main,
    Sqpoll,
    Thread,
    IoWq,
    /// Seen submitting in the stream, gone from /proc (or a recording: not looked up).
    Unknown,
}

impl Role {
    /// From the thread's name, as the kernel names io_uring's own threads (io_uring/sqpoll.c
    /// "iou-sqp-%d", io_uring/io-wq.c "iou-wrk-%d", since Linux 5.12).
    pub fn of(pid: u32, tid: u32, name: Option<&str>) -> Role {
        match name {
            _ if tid == pid => Role::Main,
            None => Role::Unknown,
            Some(n) if n.starts_with("iou-sqp-") => Role::Sqpoll,
            Some(n) if n.starts_with("iou-wrk-") => Role::IoWq,
            Some(_) => Role::Thread,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Main => "main",
            Role::Sqpoll => "SQPOLL",
            Role::Thread => "thread",
            Role::IoWq => "io-wq worker",
            Role::Unknown => "?",
        })
    }
}

/// The threads of `pid` now, by tid. An error in words when the process is gone or /proc
/// cannot be read.
pub fn read(pid: u32) -> Result<Vec<ThreadInfo>, String> {
    let dir = format!("/proc/{pid}/task");
    let entries = std::fs::read_dir(&dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("pid {pid} is gone: no {dir}"),
        _ => format!("cannot list {dir}: {e}"),
    })?;
    let mut threads: Vec<ThreadInfo> = entries
        .filter_map(|entry| {
            let tid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            // A thread that ended between the listing and this read is simply left out.
            let name = std::fs::read_to_string(format!("{dir}/{tid}/comm")).ok()?;
            Some(ThreadInfo {
                tid,
                name: name.trim_end().to_string(),
            })
        })
        .collect();
    threads.sort_by_key(|t| t.tid);
    Ok(threads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_the_kernels_thread_names() {
        assert_eq!(Role::of(10, 10, Some("fio")), Role::Main);
        assert_eq!(Role::of(10, 11, Some("iou-sqp-10")), Role::Sqpoll);
        assert_eq!(Role::of(10, 12, Some("iou-wrk-10")), Role::IoWq);
        assert_eq!(Role::of(10, 13, Some("worker")), Role::Thread);
        assert_eq!(Role::of(10, 14, None), Role::Unknown);
        assert_eq!(
            Role::of(10, 10, None),
            Role::Main,
            "the main thread's tid is the pid"
        );
    }

    #[test]
    fn this_process_lists_its_own_threads_by_name() {
        let pid = std::process::id();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::Builder::new()
            .name("uringtop-probe".into())
            .spawn(move || {
                // The new thread names itself before it runs this: once it says so, its comm is set.
                ready_tx.send(()).ok();
                rx.recv()
            })
            .unwrap();
        ready_rx.recv().unwrap();
        let threads = read(pid).unwrap();
        assert!(threads.iter().any(|t| t.tid == pid), "the main thread");
        // The kernel cuts comm at 15 bytes.
        assert!(
            threads.iter().any(|t| t.name == "uringtop-probe"),
            "{threads:?}"
        );
        drop(tx);
        t.join().unwrap().ok();
        let gone = read(1_000_000_000).unwrap_err();
        assert!(gone.contains("is gone"), "{gone}");
    }
}
