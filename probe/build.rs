//! Rebuilds the probe's BPF object when its C sources changed and clang can do it.
//!
//! The compiled object is committed beside its sources (probe/bpf/uringtop.bpf.o), so `cargo build`
//! works on a machine without clang. `uringtop.bpf.o.sources` records a SHA-256 of the sources the
//! object was built from; when it no longer matches and clang (with libbpf's headers) is present,
//! the object is rebuilt in place — commit it with the sources. When it cannot be rebuilt, the build
//! warns, and the test `committed_object_matches_sources` fails until someone rebuilds it.
//!
//! URINGTOP_BPF_REBUILD=never skips the rebuild (CI sets it, so a stale object cannot hide behind a
//! clang that happens to be installed); =always forces one.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "src/bpf_sources.rs"]
mod bpf_sources;

fn main() {
    let dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("bpf");
    println!("cargo:rerun-if-env-changed=URINGTOP_BPF_REBUILD");
    println!("cargo:rerun-if-env-changed=CLANG");
    for name in bpf_sources::SOURCES {
        println!("cargo:rerun-if-changed=bpf/{name}");
    }
    println!("cargo:rerun-if-changed=bpf/{}", bpf_sources::STAMP);

    let digest = bpf_sources::digest(&dir, |bytes| Sha256::digest(bytes).to_vec());
    let stamp = std::fs::read_to_string(dir.join(bpf_sources::STAMP)).unwrap_or_default();
    let mode = std::env::var("URINGTOP_BPF_REBUILD").unwrap_or_default();
    let stale = stamp.trim() != digest;
    if mode == "never" || (!stale && mode != "always") {
        if stale {
            println!("cargo:warning=probe/bpf/uringtop.bpf.o is stale (sources changed) and URINGTOP_BPF_REBUILD=never");
        }
        return;
    }
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang".into());
    match compile(&clang, &dir) {
        Ok(()) => {
            std::fs::write(dir.join(bpf_sources::STAMP), format!("{digest}\n"))
                .expect("write the BPF stamp");
        }
        Err(why) => println!(
            "cargo:warning=probe/bpf/uringtop.bpf.o is stale and could not be rebuilt ({why}); \
             install clang and libbpf-dev, or run .ci/install-build-deps"
        ),
    }
}

fn compile(clang: &str, dir: &Path) -> Result<(), String> {
    let out = dir.join(bpf_sources::OBJECT);
    let tmp = dir.join(format!("{}.tmp", bpf_sources::OBJECT));
    let status = Command::new(clang)
        .args(bpf_sources::CLANG_FLAGS)
        .arg("-c")
        .arg(dir.join("uringtop.bpf.c"))
        .arg("-o")
        .arg(&tmp)
        .status()
        .map_err(|e| format!("cannot run {clang}: {e}"))?;
    if !status.success() {
        return Err(format!("{clang} failed: {status}"));
    }
    std::fs::rename(&tmp, &out).map_err(|e| format!("cannot move the object into place: {e}"))
}
