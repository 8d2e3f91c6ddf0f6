//! What the file descriptors a streamed request names are (strace's -y and -yy), resolved from
//! /proc as its record arrives.
//!
//! Why here and not in the probe: a tracepoint program has no helper that prints a file's path
//! (bpf_d_path is for fentry/LSM programs, which this kind of machine refuses), and walking the
//! dentry chain by hand would cost every streamed request loops the verifier must bound. Why at
//! arrival and not when a line is printed: the record reaches userspace within milliseconds of its
//! completion, while the process and its fds are still there; a replay or a later print cannot look
//! at a process that is gone, so the answer is kept in the request (and its recording).
//!
//! What it cannot see exactly: an fd closed, or closed and reused, between the request's
//! completion and the record's arrival (usually milliseconds; hundreds of them on a starved CPU).
//! An fd already gone is named from the last record of the same process that named it (a small
//! cache, forgotten at the fd's CLOSE): CLOSE's own fd is always gone by then. A socket is named
//! by its endpoints once it is bound or connected (`TCP:[127.0.0.1:40000->127.0.0.1:5000]`);
//! before, it is in no table of /proc/net and reads `socket:[INODE]`.

use std::collections::HashMap;
use uringtop_common::args::FdFile;
use uringtop_common::input::Request;

const CLOSE: u8 = 19;
/// Bound on the names kept for CLOSE: past it, the cache starts again empty.
const MAX_REMEMBERED: usize = 65_536;

#[derive(Default)]
pub(crate) struct FdFiles {
    /// (pid, fd) -> what it was when a record last named it.
    last_seen: HashMap<(u32, i32), String>,
}

impl FdFiles {
    /// Fills `req.args.files` for the plain fds the request names.
    pub(crate) fn describe(&mut self, req: &mut Request) {
        let Some(args) = req.args.as_deref_mut() else {
            return;
        };
        for fd in args.plain_fds(req.opcode, req.sqe_flags, req.res) {
            if fd < 0 {
                continue;
            }
            let what = if req.opcode == CLOSE {
                self.last_seen.remove(&(req.pid, fd))
            } else {
                match what_is(req.pid, fd) {
                    Some(w) => {
                        if self.last_seen.len() >= MAX_REMEMBERED {
                            self.last_seen.clear();
                        }
                        self.last_seen.insert((req.pid, fd), w.clone());
                        Some(w)
                    }
                    // Closed (or the process gone) before the record arrived.
                    None => self.last_seen.get(&(req.pid, fd)).cloned(),
                }
            };
            if let Some(what) = what {
                args.files.push(FdFile { fd, what });
            }
        }
    }
}

/// `/etc/passwd`, `pipe:[123]`, `TCP:[127.0.0.1:40000->127.0.0.1:5000]`, `UNIX:[/run/x.sock]`.
fn what_is(pid: u32, fd: i32) -> Option<String> {
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    let link = link.to_string_lossy().into_owned();
    if let Some(inode) = link
        .strip_prefix("socket:[")
        .and_then(|r| r.strip_suffix(']'))
    {
        if let Some(endpoints) = socket_endpoints(pid, inode) {
            return Some(endpoints);
        }
    }
    Some(link)
}

/// The endpoints of the socket with this inode, from the process's network namespace's tables.
fn socket_endpoints(pid: u32, inode: &str) -> Option<String> {
    for (table, name, v6) in [
        ("tcp", "TCP", false),
        ("tcp6", "TCPv6", true),
        ("udp", "UDP", false),
        ("udp6", "UDPv6", true),
    ] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.get(9) != Some(&inode) {
                continue;
            }
            let local = inet_endpoint(cols.get(1)?, v6)?;
            let remote = inet_endpoint(cols.get(2)?, v6)?;
            return Some(if remote.ends_with(":0") {
                format!("{name}:[{local}]")
            } else {
                format!("{name}:[{local}->{remote}]")
            });
        }
    }
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/unix")).ok()?;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.get(6) == Some(&inode) {
            return Some(match cols.get(7) {
                Some(path) => format!("UNIX:[{inode},{path}]"),
                None => format!("UNIX:[{inode}]"),
            });
        }
    }
    None
}

/// `0100007F:A112` (IPv4 as the kernel's u32 in host order, port in hex) -> `127.0.0.1:41234`;
/// IPv6 as four such u32s -> `[::1]:41234`.
fn inet_endpoint(text: &str, v6: bool) -> Option<String> {
    let (addr, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        Some(
            u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16)
                .ok()?
                .to_le_bytes(),
        )
    };
    if v6 {
        let mut octets = [0u8; 16];
        for i in 0..4 {
            octets[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
        }
        Some(format!("[{}]:{port}", std::net::Ipv6Addr::from(octets)))
    } else {
        Some(format!("{}:{port}", std::net::Ipv4Addr::from(word(0)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_addresses_read_as_people_write_them() {
        assert_eq!(
            inet_endpoint("0100007F:A112", false).unwrap(),
            "127.0.0.1:41234"
        );
        assert_eq!(
            inet_endpoint("00000000000000000000000001000000:0050", true).unwrap(),
            "[::1]:80"
        );
        assert_eq!(inet_endpoint("junk", false), None);
    }

    #[test]
    fn this_processs_own_files_and_sockets_are_named() {
        let pid = std::process::id();
        let file = std::fs::File::open("/proc/self/status").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        assert_eq!(what_is(pid, fd).unwrap(), format!("/proc/{pid}/status"));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
        assert_eq!(what_is(pid, fd).unwrap(), format!("TCP:[127.0.0.1:{port}]"));
        assert_eq!(what_is(pid, 100_000), None);
    }
}
