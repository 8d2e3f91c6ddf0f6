//! Each process's user, cgroup and command line, read once at its first sight (see
//! `uringtop_common::process_context`). The probe gives the uid and cgroup id of the task it saw;
//! /proc gives the rest while the process lives. A process gone before its first sample keeps
//! what the probe saw: its uid and, through the id, its cgroup's path.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};
use uringtop_common::abi::{Proc, ANY_UID};
use uringtop_common::process_context::{cmdline_from_raw, ProcessContext};

/// At most one walk of the cgroup tree per this long, however many ids are unknown.
const REWALK: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(crate) struct Contexts {
    known: HashMap<u32, ProcessContext>,
    /// cgroup directory inode -> path below the root, from the last walk.
    cgroups: HashMap<u64, String>,
    walked: Option<Instant>,
    /// uid -> name, from /etc/passwd (read once; not NSS, which may block on the network).
    users: Option<HashMap<u32, String>>,
}

impl Contexts {
    /// The context of `pid`, read at its first call and remembered until [`Contexts::forget`].
    pub(crate) fn of(&mut self, pid: u32, proc: &Proc) -> ProcessContext {
        if let Some(known) = self.known.get(&pid) {
            return known.clone();
        }
        let dir = format!("/proc/{pid}");
        let uid = (proc.uid != ANY_UID)
            .then_some(proc.uid)
            .or_else(|| std::fs::metadata(&dir).ok().map(|m| m.uid()));
        let cgroup = std::fs::read_to_string(format!("{dir}/cgroup"))
            .ok()
            .and_then(|text| v2_path(&text))
            .or_else(|| self.cgroup_path(proc.cgroup_id))
            .unwrap_or_default();
        let context = ProcessContext {
            uid,
            user: uid.and_then(|u| self.user(u)).unwrap_or_default(),
            cgroup,
            cmdline: std::fs::read(format!("{dir}/cmdline"))
                .map(|raw| cmdline_from_raw(&raw))
                .unwrap_or_default(),
        };
        self.known.insert(pid, context.clone());
        context
    }

    pub(crate) fn forget(&mut self, pid: u32) {
        self.known.remove(&pid);
    }

    fn cgroup_path(&mut self, id: u64) -> Option<String> {
        if id == 0 {
            return None;
        }
        if !self.cgroups.contains_key(&id) && self.walked.is_none_or(|t| t.elapsed() >= REWALK) {
            self.cgroups.clear();
            if let Some(root) = cgroup2_mount() {
                if let Ok(meta) = std::fs::metadata(&root) {
                    walk(Path::new(&root), "", meta.dev(), &mut self.cgroups, 0);
                }
            }
            self.walked = Some(Instant::now());
        }
        self.cgroups.get(&id).cloned()
    }

    fn user(&mut self, uid: u32) -> Option<String> {
        let users = self.users.get_or_insert_with(|| {
            std::fs::read_to_string("/etc/passwd")
                .map(|text| parse_passwd(&text))
                .unwrap_or_default()
        });
        users.get(&uid).cloned()
    }
}

/// The cgroup v2 path in /proc/PID/cgroup (its `0::PATH` line).
fn v2_path(text: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(str::to_string)
}

fn parse_passwd(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let uid = fields.nth(1)?.parse().ok()?;
            Some((uid, name.to_string()))
        })
        .collect()
}

/// Where cgroup v2 is mounted: /sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified on
/// hybrid ones (whose v1 hierarchies beside it reuse the same inode numbers).
fn cgroup2_mount() -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let (_, dir, kind) = (fields.next()?, fields.next()?, fields.next()?);
        (kind == "cgroup2").then(|| dir.to_string())
    })
}

/// Every cgroup directory's inode under `dir` (on the cgroup2 mount `dev`), as paths from the
/// root; bounded in depth.
fn walk(dir: &Path, below: &str, dev: u64, out: &mut HashMap<u64, String>, depth: u32) {
    if depth > 16 {
        return;
    }
    match std::fs::metadata(dir) {
        Ok(meta) if meta.dev() == dev => {
            out.insert(
                meta.ino(),
                if below.is_empty() {
                    "/".into()
                } else {
                    below.into()
                },
            );
        }
        _ => return,
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            let name = entry.file_name();
            let path = format!("{below}/{}", name.to_string_lossy());
            walk(&entry.path(), &path, dev, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v2_line_of_proc_cgroup_is_the_path() {
        assert_eq!(
            v2_path("12:cpu:/old\n0::/system.slice/nginx.service\n").as_deref(),
            Some("/system.slice/nginx.service")
        );
        assert_eq!(v2_path("12:cpu:/old\n"), None);
    }

    #[test]
    fn passwd_lines_name_uids() {
        let users = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nbad line\nwww:x:33:33::/:/sbin/nologin\n",
        );
        assert_eq!(users.get(&0).map(String::as_str), Some("root"));
        assert_eq!(users.get(&33).map(String::as_str), Some("www"));
        assert_eq!(users.len(), 2);
    }

    #[test]
    fn this_process_is_described_from_proc_even_without_the_probe() {
        let mut contexts = Contexts::default();
        let unknown = Proc {
            uid: ANY_UID,
            ..Proc::default()
        };
        let me = contexts.of(std::process::id(), &unknown);
        // SAFETY: getuid has no preconditions.
        assert_eq!(me.uid, Some(unsafe { libc::getuid() }));
        assert!(!me.cmdline.is_empty(), "{me:?}");
        if Path::new("/proc/self/cgroup").exists() {
            let text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
            assert_eq!(
                Some(me.cgroup.clone()),
                v2_path(&text).or(Some(String::new()))
            );
        }
    }

    #[test]
    fn a_cgroup_id_is_found_by_walking_the_tree() {
        // cgroup v2 is mounted on every kernel uringtop supports with Debian's defaults.
        let own = std::fs::read_to_string("/proc/self/cgroup").expect("/proc/self/cgroup");
        let path = v2_path(&own).expect("a cgroup v2 line");
        let root = cgroup2_mount().expect("cgroup2 is mounted");
        let meta = std::fs::metadata(format!("{root}{path}")).expect("the cgroup's directory");
        let mut contexts = Contexts::default();
        assert_eq!(contexts.cgroup_path(meta.ino()), Some(path));
    }
}
