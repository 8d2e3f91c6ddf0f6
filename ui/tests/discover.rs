//! What a new user reaches for first: `--version` (naming the build and the probe it embeds),
//! shell completions and the manual page, all generated from the one CLI definition.

use sha2::{Digest, Sha256};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_uringtop");

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().expect("run uringtop");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn version_names_the_git_revision_and_the_embedded_bpf_object() {
    let (code, out) = run(&["--version"]);
    assert_eq!(code, 0);
    let object = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../probe/bpf/uringtop.bpf.o"
    ))
    .expect("the committed BPF object");
    let hash: String = Sha256::digest(&object)[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        out.starts_with(&format!("uringtop {} (git ", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(out.contains(&format!("BPF object sha256 {hash})")), "{out}");
    let rev = out.split("(git ").nth(1).and_then(|r| r.split(',').next());
    let rev = rev.expect("a revision");
    assert!(
        rev == "unknown"
            || rev
                .trim_end_matches("-dirty")
                .chars()
                .all(|c| c.is_ascii_hexdigit()),
        "{out}"
    );
}

#[test]
fn completions_cover_every_subcommand_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for sub in [
            "dump", "trace", "check", "record", "replay", "export", "advise",
        ] {
            assert!(out.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(out.contains("interval"), "{shell}: options too");
    }
    let (code, _) = run(&["completions", "powershell-7"]);
    assert_eq!(code, 2, "an unknown shell is a usage error");
}

#[test]
fn the_manual_page_has_a_section_per_subcommand() {
    let (code, page) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(
        page.starts_with(".ie") || page.contains(".TH uringtop"),
        "roff: {}",
        &page[..80]
    );
    for sub in [
        "DUMP", "TRACE", "CHECK", "RECORD", "REPLAY", "EXPORT", "ADVISE",
    ] {
        assert!(
            page.contains(&format!(".SH \"URINGTOP {sub}\"")),
            "section {sub}"
        );
    }
    assert!(
        page.contains("\\-\\-duration"),
        "subcommand options are documented"
    );
}
