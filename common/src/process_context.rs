//! Who a process runs as and where it lives: user, cgroup (and so its systemd unit or container),
//! command line. The live source reads them once, at the process's first sight (the probe gives
//! the uid and cgroup id of the task it saw, so even a process gone before userspace looked keeps
//! them); recordings carry them, so a replay on another machine names what the live view named.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessContext {
    /// Real uid of the process's task the probe first saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// The uid's name on the observed machine ("" when it has none there).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// cgroup v2 path (from /sys/fs/cgroup), e.g. `/system.slice/nginx.service`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cgroup: String,
    /// Arguments joined by spaces, cut at [`CMDLINE_MAX`] bytes (marked with `…`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cmdline: String,
}

/// Longest command line kept, in bytes.
pub const CMDLINE_MAX: usize = 512;

impl ProcessContext {
    pub fn is_empty(&self) -> bool {
        *self == ProcessContext::default()
    }

    /// The container or unit the cgroup names, short (see [`group_of`]).
    pub fn group(&self) -> Option<String> {
        group_of(&self.cgroup)
    }
}

/// What a person calls the group a cgroup v2 path belongs to: a container (docker, podman,
/// containerd/CRI-O with its Kubernetes pod), a systemd service or scope, a user session; None
/// for the root cgroup or an unknown layout. Container ids are cut to 12 characters, as `docker
/// ps` shows them.
pub fn group_of(cgroup: &str) -> Option<String> {
    let parts: Vec<&str> = cgroup.split('/').filter(|p| !p.is_empty()).collect();
    let last = *parts.last()?;
    let short = |id: &str| id.chars().take(12).collect::<String>();
    let scope_id = |prefix: &str| {
        last.strip_prefix(prefix)
            .map(|rest| rest.trim_end_matches(".scope"))
            .filter(|id| !id.is_empty())
    };
    let pod = parts.iter().find_map(|p| {
        let p = p.trim_end_matches(".slice");
        let uid = p
            .rsplit_once("-pod")
            .map(|(_, uid)| uid)
            .or_else(|| p.strip_prefix("pod"))?;
        Some(uid.replace('_', "-"))
    });
    for (prefix, runtime) in [
        ("docker-", "docker"),
        ("libpod-", "podman"),
        ("cri-containerd-", "containerd"),
        ("crio-", "cri-o"),
    ] {
        if let Some(id) = scope_id(prefix) {
            return Some(match &pod {
                Some(pod) => format!("pod {} {runtime} {}", short(pod), short(id)),
                None => format!("{runtime} {}", short(id)),
            });
        }
    }
    // cgroupfs driver: /docker/<id>, /kubepods/burstable/pod<uid>/<id>.
    if parts.len() >= 2 && parts[parts.len() - 2] == "docker" {
        return Some(format!("docker {}", short(last)));
    }
    if let Some(pod) = &pod {
        return Some(format!("pod {}", short(pod)));
    }
    if last.ends_with(".service") || last.ends_with(".scope") {
        // A user's session: user-1000.slice/session-3.scope, or their user@1000.service units.
        if let Some(user) = parts.iter().find(|p| p.starts_with("user@")) {
            return Some(format!("{} {last}", user.trim_end_matches(".service")));
        }
        return Some(last.to_string());
    }
    None
}

/// A command line as the kernel stores it (NUL-separated arguments) for display: arguments joined
/// by spaces, cut at [`CMDLINE_MAX`] bytes on a character boundary, with `…` when cut.
pub fn cmdline_from_raw(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let joined = text.trim_end_matches('\0').replace('\0', " ");
    if joined.len() <= CMDLINE_MAX {
        return joined;
    }
    let mut end = CMDLINE_MAX;
    while !joined.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &joined[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_units_and_sessions_are_named_as_people_name_them() {
        let id = "4f8a2c1b9d3e7a6f5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";
        let cases = [
            (format!("/system.slice/docker-{id}.scope"), Some("docker 4f8a2c1b9d3e")),
            (format!("/machine.slice/libpod-{id}.scope"), Some("podman 4f8a2c1b9d3e")),
            (
                format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-{id}.scope"),
                Some("pod 1a2b3c4d-5e6 containerd 4f8a2c1b9d3e"),
            ),
            (format!("/kubepods/burstable/pod1a2b3c4d-5e6f/{id}"), Some("pod 1a2b3c4d-5e6")),
            (format!("/docker/{id}"), Some("docker 4f8a2c1b9d3e")),
            ("/system.slice/nginx.service".to_string(), Some("nginx.service")),
            (
                "/user.slice/user-1000.slice/user@1000.service/app.slice/foot.service".to_string(),
                Some("user@1000 foot.service"),
            ),
            ("/user.slice/user-1000.slice/session-3.scope".to_string(), Some("session-3.scope")),
            ("/".to_string(), None),
            ("".to_string(), None),
            ("/custom/thing".to_string(), None),
        ];
        for (path, want) in cases {
            assert_eq!(group_of(&path).as_deref(), want, "{path}");
        }
    }

    #[test]
    fn a_command_line_is_joined_and_cut_on_a_character_boundary() {
        assert_eq!(
            cmdline_from_raw(b"fio\0--name=x\0--rw=read\0"),
            "fio --name=x --rw=read"
        );
        assert_eq!(cmdline_from_raw(b""), "");
        let long = "é".repeat(CMDLINE_MAX);
        let cut = cmdline_from_raw(long.as_bytes());
        assert!(
            cut.ends_with('…') && cut.len() <= CMDLINE_MAX + '…'.len_utf8(),
            "{}",
            cut.len()
        );
    }
}
