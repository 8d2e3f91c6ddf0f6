//! The committed BPF object must be the one its committed sources build (see build.rs).

use sha2::{Digest, Sha256};
use std::path::Path;
use uringtop_probe::bpf_sources::{digest, OBJECT, STAMP};

fn bpf_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf")
}

#[test]
fn committed_object_matches_sources() {
    let dir = bpf_dir();
    let stamp = std::fs::read_to_string(dir.join(STAMP))
        .expect("probe/bpf/uringtop.bpf.o.sources is missing");
    let now = digest(&dir, |b| Sha256::digest(b).to_vec());
    assert_eq!(
        stamp.trim(),
        now,
        "probe/bpf/{OBJECT} is stale: its C sources changed since it was built. Rebuild it \
         (`cargo build` with clang and libbpf-dev installed) and commit the object and its stamp."
    );
}

#[test]
fn committed_object_is_a_bpf_elf() {
    let obj = std::fs::read(bpf_dir().join(OBJECT)).expect("probe/bpf/uringtop.bpf.o is missing");
    assert_eq!(&obj[..4], b"\x7fELF", "not an ELF file");
    // e_machine at offset 18 (little-endian): EM_BPF = 247.
    assert_eq!(
        u16::from_le_bytes([obj[18], obj[19]]),
        247,
        "not a BPF object"
    );
}
