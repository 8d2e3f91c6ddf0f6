//! What `uringtop --version` says beyond the crate version: the git revision it was built from
//! (with `-dirty` for uncommitted changes) and the SHA-256 of the BPF object it embeds, so a bug
//! report names exactly the probe that ran. Outside a git checkout the revision is "unknown".

use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

fn main() {
    let object = Path::new("../probe/bpf/uringtop.bpf.o");
    println!("cargo:rerun-if-changed={}", object.display());
    let hash = std::fs::read(object)
        .map(|bytes| {
            let digest = Sha256::digest(&bytes);
            digest[..6].iter().map(|b| format!("{b:02x}")).collect()
        })
        .unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=URINGTOP_BPF_SHA256={hash}");
    println!("cargo:rustc-env=URINGTOP_GIT_REV={}", git_revision());
}

fn git_revision() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // Rebuild when HEAD moves (a commit, a checkout) and when the index changes (what is
    // staged). `--git-path` resolves each inside worktrees too.
    let mut watch = vec![
        "HEAD".to_string(),
        "index".to_string(),
        "packed-refs".to_string(),
    ];
    watch.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watch {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            println!("cargo:rerun-if-changed={}", Path::new(&path).display());
        }
    }
    let Some(rev) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".to_string();
    };
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{rev}-dirty")
    } else {
        rev
    }
}
