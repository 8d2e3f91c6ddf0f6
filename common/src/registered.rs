//! What a ring has registered with the kernel: its fixed-file table and its registered buffers,
//! as the kernel lists them in /proc/PID/fdinfo/FD of the ring's fd.
//!
//! Why this matters: a ring confined to registered files and buffers (IORING_REGISTER_RESTRICTIONS,
//! or a policy's `fixed_buffers`) can only touch what is listed here, and `fixed:3` in a request
//! means whatever slot 3 holds. The kernel's listing (fs/io_uring fdinfo, 5.5+):
//!
//! ```text
//! UserFiles:      4              slots in the table
//!     0: /etc/passwd             6.x: the file's path (seq_file_path: ' ', '\t', '\n', '\\'
//!     2: data.0                  escaped as \ooo); 5.x: the dentry's last component only;
//!     3: <none>                  5.x: empty slots listed, 6.x: skipped
//! UserBufs:       2
//!     0: 0x55e337b7be00/4096     user address / length in bytes
//! ```
//!
//! The kernel lists the entries only when it gets the ring's lock at once (5.19+: a trylock, to
//! avoid a deadlock); otherwise only the counts, which [`Registered::complete`] says.

use serde::{Deserialize, Serialize};

/// Most entries of each kind kept per ring: a sparse table of a million slots must not make a
/// sample (and a recording) grow by megabytes. The counts stay exact; `complete` says when the
/// list was cut.
pub const MAX_LISTED: usize = 256;

/// A ring's registered files and buffers, as read from its fdinfo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// Slots in the fixed-file table (0: no table registered).
    pub file_slots: u32,
    /// Occupied slots, in slot order (at most [`MAX_LISTED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<RegisteredFile>,
    /// Registered buffers (0: none).
    pub buffer_count: u32,
    /// In index order (at most [`MAX_LISTED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buffers: Vec<RegisteredBuffer>,
    /// Every occupied slot and every buffer is listed. False when the kernel gave only the
    /// counts (the ring's lock was busy) or the lists were cut at [`MAX_LISTED`].
    pub complete: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredFile {
    pub slot: u32,
    /// The path the kernel shows (on 5.x kernels only the last component).
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredBuffer {
    pub index: u32,
    /// The buffer's address in the process.
    pub addr: u64,
    pub len: u64,
}

impl Registered {
    /// Nothing registered: no file table, no buffers.
    pub fn is_empty(&self) -> bool {
        self.file_slots == 0 && self.buffer_count == 0
    }

    /// Total bytes of the listed buffers.
    pub fn buffer_bytes(&self) -> u64 {
        self.buffers.iter().map(|b| b.len).sum()
    }

    /// Reads the `UserFiles:` and `UserBufs:` sections of an io_uring fd's fdinfo. None when the
    /// text has no `UserFiles:` line (not an io_uring fd, or a kernel that does not list them).
    pub fn from_fdinfo(text: &str) -> Option<Registered> {
        let mut reg = Registered {
            complete: true,
            ..Registered::default()
        };
        let mut section = Section::Other;
        let mut seen_files = false;
        let mut file_lines = false;
        for line in text.lines() {
            if let Some(n) = line.strip_prefix("UserFiles:") {
                reg.file_slots = n.trim().parse().ok()?;
                section = Section::Files;
                seen_files = true;
                continue;
            }
            if let Some(n) = line.strip_prefix("UserBufs:") {
                reg.buffer_count = n.trim().parse().ok()?;
                section = Section::Buffers;
                continue;
            }
            // Entries are "%5u: ..."; any other line ends the section.
            let entry = line
                .trim_start()
                .split_once(": ")
                .and_then(|(i, rest)| Some((i.parse::<u32>().ok()?, rest)));
            let Some((index, rest)) = entry else {
                section = Section::Other;
                continue;
            };
            file_lines |= section == Section::Files;
            match section {
                Section::Files if rest != "<none>" => {
                    if reg.files.len() < MAX_LISTED {
                        reg.files.push(RegisteredFile {
                            slot: index,
                            name: unescape(rest),
                        });
                    } else {
                        reg.complete = false;
                    }
                }
                Section::Buffers => {
                    let Some((addr, len)) = rest.split_once('/') else {
                        continue;
                    };
                    let addr = u64::from_str_radix(addr.trim_start_matches("0x"), 16);
                    if let (Ok(addr), Ok(len)) = (addr, len.parse()) {
                        if reg.buffers.len() < MAX_LISTED {
                            reg.buffers.push(RegisteredBuffer { index, addr, len });
                        } else {
                            reg.complete = false;
                        }
                    }
                }
                _ => {}
            }
        }
        if !seen_files {
            return None;
        }
        // Fewer buffers than counted: the kernel listed counts only. Files cannot be checked the
        // same way (6.x skips empty slots), but the kernel lists both or neither.
        if (reg.buffers.len() as u64) < u64::from(reg.buffer_count).min(MAX_LISTED as u64) {
            reg.complete = false;
        }
        if reg.buffer_count == 0 && reg.file_slots > 0 && !file_lines {
            // 6.x lists no line for an all-empty sparse table, and none when the lock was busy:
            // the two look alike, so say only what is known.
            reg.complete = false;
        }
        Some(reg)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Files,
    Buffers,
    Other,
}

/// seq_file_path's escapes (`\ooo` octal) back to the characters.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push(d.iter().fold(0u8, |v, c| v.wrapping_mul(8) + (c - b'0')));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINUX_6_18: &str = "pos:\t0\nflags:\t02000002\nSqMask:\t0x7\nSqThread:\t-1\n\
        UserFiles:\t4\n    0: /etc/passwd\n    2: /tmp/a\\040b\nUserBufs:\t2\n\
        \x20   0: 0x55e337b7be00/4096\n    1: 0x55e337b7ce10/65536\nPollList:\nCqOverflowList:\n";

    #[test]
    fn a_6_x_listing_gives_paths_slots_and_buffers() {
        let r = Registered::from_fdinfo(LINUX_6_18).unwrap();
        assert_eq!(r.file_slots, 4);
        assert_eq!(
            r.files,
            [
                RegisteredFile {
                    slot: 0,
                    name: "/etc/passwd".into()
                },
                RegisteredFile {
                    slot: 2,
                    name: "/tmp/a b".into()
                }
            ]
        );
        assert_eq!(r.buffer_count, 2);
        assert_eq!(r.buffers[1].addr, 0x55e3_37b7_ce10);
        assert_eq!(r.buffer_bytes(), 4096 + 65536);
        assert!(r.complete);
    }

    #[test]
    fn a_5_x_listing_skips_empty_slots() {
        let text = "SqThread:\t-1\nUserFiles:\t3\n    0: passwd\n    1: <none>\n    2: data.0\n\
            UserBufs:\t0\nPollList:\n  op=6, task_works=0\n";
        let r = Registered::from_fdinfo(text).unwrap();
        let slots: Vec<u32> = r.files.iter().map(|f| f.slot).collect();
        assert_eq!(slots, [0, 2]);
        assert!(r.complete);
    }

    #[test]
    fn counts_without_entries_are_incomplete() {
        let r = Registered::from_fdinfo("UserFiles:\t8\nUserBufs:\t3\nPollList:\n").unwrap();
        assert_eq!((r.file_slots, r.buffer_count), (8, 3));
        assert!(!r.complete);
    }

    #[test]
    fn nothing_registered_is_empty_and_complete() {
        let r = Registered::from_fdinfo("UserFiles:\t0\nUserBufs:\t0\nPollList:\n").unwrap();
        assert!(r.is_empty() && r.complete);
        assert_eq!(Registered::from_fdinfo("pos:\t0\nflags:\t02\n"), None);
    }

    #[test]
    fn long_lists_are_cut_and_say_so() {
        let mut text = format!("UserFiles:\t{}\n", MAX_LISTED + 5);
        for i in 0..MAX_LISTED + 5 {
            text.push_str(&format!("{i:5}: /f{i}\n"));
        }
        text.push_str("UserBufs:\t0\n");
        let r = Registered::from_fdinfo(&text).unwrap();
        assert_eq!(r.files.len(), MAX_LISTED);
        assert!(!r.complete);
    }
}
