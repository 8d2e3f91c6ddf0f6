//! What the committed BPF object is built from. Shared by build.rs (which rebuilds the object) and
//! the staleness test (which checks the committed object's stamp), so both hash the same files.

use std::path::Path;

/// Every file the object depends on, in a fixed order.
pub const SOURCES: &[&str] = &[
    "uringtop.bpf.c",
    "abi.h",
    "maps.h",
    "helpers.h",
    "policy.h",
    "kernel_types.h",
    "legacy.h",
    "args.h",
    "policy_args.h",
];
pub const OBJECT: &str = "uringtop.bpf.o";
/// Holds the digest of SOURCES and CLANG_FLAGS that OBJECT was built from.
pub const STAMP: &str = "uringtop.bpf.o.sources";
/// -mcpu=v3: 32-bit register moves (see slot_of in helpers.h).
pub const CLANG_FLAGS: &[&str] = &[
    "-target",
    "bpf",
    "-mcpu=v3",
    "-D__TARGET_ARCH_x86",
    "-g",
    "-O2",
    "-Wall",
    "-Werror",
];

/// Hex digest over the flags and each source's name and bytes. `hash` is SHA-256 (passed in so
/// this file needs no dependency of its own).
pub fn digest(dir: &Path, hash: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let mut all = CLANG_FLAGS.join(" ").into_bytes();
    for name in SOURCES {
        all.extend_from_slice(b"\0");
        all.extend_from_slice(name.as_bytes());
        all.extend_from_slice(b"\0");
        all.extend(std::fs::read(dir.join(name)).unwrap_or_default());
    }
    hash(&all).iter().map(|b| format!("{b:02x}")).collect()
}
