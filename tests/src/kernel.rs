//! What the kernel under test offers, for tests whose workload needs an io_uring feature that
//! older kernels lack (the kernel matrix boots 5.10 and 6.1, see .ci/test-other-kernel).
//!
//! Such a test cannot run its workload there: that is a property of the kernel under test, not
//! a missing privilege or tool of this machine, so it is not a skip (it does not fail under
//! `CI=true`): the test says why it did not run and passes.

use std::io::Write;

/// The running kernel's (major, minor) version, from uname.
pub fn version() -> (u32, u32) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Whether the kernel has registered-buffer forms of vectored I/O (READV_FIXED: Linux 6.15+),
/// which the probe judges as registered buffers.
pub fn vectored_fixed() -> bool {
    version() >= (6, 15)
}

/// Whether the kernel has `feature`, which io_uring gained in Linux `since` (major, minor).
/// When it does not, says so on stderr (past libtest's capture) and returns false: the test
/// returns early.
pub fn has(test: &str, feature: &str, since: (u32, u32)) -> bool {
    let (major, minor) = version();
    if (major, minor) >= since {
        return true;
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "NOT RUN {test}: needs {feature} (Linux {}.{}+); this kernel is {major}.{minor}",
        since.0,
        since.1
    );
    false
}

/// Whether the kernel has the kernel.io_uring_disabled sysctl (Linux 6.6+); as [`has`].
pub fn has_io_uring_disabled_sysctl(test: &str) -> bool {
    std::path::Path::new("/proc/sys/kernel/io_uring_disabled").exists()
        || has(test, "the kernel.io_uring_disabled sysctl", (6, 6))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_running_kernel_has_a_version() {
        assert!(super::version().0 >= 5);
    }
}
