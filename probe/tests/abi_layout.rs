//! The Rust mirror of the BPF ABI (common/src/abi.rs) must lay out every field where the C header
//! (probe/bpf/abi.h) does: sizes alone would not catch two swapped fields. A small C program built
//! with the host compiler prints the C offsets; they must equal Rust's.

use std::io::Write;
use std::mem::{offset_of, size_of};
use std::path::Path;
use std::process::Command;
use uringtop_common::abi;

/// One table drives both sides: (Rust type, C struct, fields). For each, the C program prints
/// the struct's size and every field's offset, and Rust computes the same lines.
macro_rules! layouts {
    ($($rust:ident = $c:literal { $($field:ident),* $(,)? })*) => {
        fn c_program() -> String {
            let mut body = String::new();
            $(
                body.push_str(&format!(
                    "\tprintf(\"{} size %zu\\n\", sizeof(struct {}));\n",
                    stringify!($rust), $c
                ));
                $(
                    body.push_str(&format!(
                        "\tprintf(\"{}.{} %zu\\n\", offsetof(struct {}, {}));\n",
                        stringify!($rust), stringify!($field), $c, stringify!($field)
                    ));
                )*
            )*
            format!(
                "#include <stddef.h>\n#include <stdio.h>\n#include <linux/types.h>\n\
                 #include \"abi.h\"\nint main(void)\n{{\n{body}\treturn 0;\n}}\n"
            )
        }

        fn rust_layout() -> Vec<String> {
            let mut lines = Vec::new();
            $(
                lines.push(format!("{} size {}", stringify!($rust), size_of::<abi::$rust>()));
                $(
                    lines.push(format!(
                        "{}.{} {}",
                        stringify!($rust),
                        stringify!($field),
                        offset_of!(abi::$rust, $field)
                    ));
                )*
            )*
            lines
        }
    };
}

layouts! {
    OpKey = "urt_op_key" { tgid, ring, opcode }
    OpStats = "urt_op_stats" {
        submitted, completed, errors, async_punts, poll_arms, unmatched, extra_cqes, lat_max,
        sample_start_ns, sample_rng, sample_mask, sample_seen, sqe_flags_seen, sqe_flags_missing,
    }
    OpShared = "urt_op_shared" {
        rejected, denied, lat_count, lat_sum, violations, lat_hist,
    }
    ErrKey = "urt_err_key" { stats, err }
    RingInfo = "urt_ring_info" {
        id, owner_tgid, fd, setup_flags, sq_entries, cq_entries, cq_overflows,
    }
    Proc = "urt_proc" { comm, uid, cgroup_id }
    Config = "urt_config" { records_enabled, filter_tgid, filter_ring, _pad }
    Record = "urt_record" {
        submit_ns, complete_ns, user_data, off, addr, len, tgid, tid, ring, fd, res, cflags,
        sqe_flags, opcode, path, verdict, rule, comm, cqe_index, args,
    }
    Args = "urt_args" { sqe, source, mem, _pad2 }
    Mem = "urt_mem" { len, state }
    Policy = "urt_policy" { rules }
}

#[test]
fn rust_abi_matches_the_c_header_field_for_field() {
    let dir = std::env::temp_dir().join(format!("uringtop-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (src, exe) = (dir.join("layout.c"), dir.join("layout"));
    std::fs::write(&src, c_program()).expect("write layout.c");
    let bpf_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf");
    let built = Command::new("cc")
        .arg("-I")
        .arg(&bpf_dir)
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status();
    match built {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("the C layout program did not compile ({s}): abi.h is broken"),
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            // As uringtop_tests::privilege::skip does (this crate cannot depend on that one):
            // seen without --nocapture, and named again at the end of the run.
            let line = format!(
                "SKIPPED rust_abi_matches_the_c_header_field_for_field: needs a C compiler \
                 ({e}); install gcc"
            );
            let _ = writeln!(std::io::stderr().lock(), "{line}");
            if let Some(deps) = std::env::current_exe()
                .ok()
                .and_then(|e| e.parent().map(Path::to_path_buf))
            {
                if let Some(dir) = deps.parent().map(|t| t.join("uringtop-skipped")) {
                    let _ = std::fs::create_dir_all(&dir);
                    let _ =
                        std::fs::write(dir.join("rust_abi_matches_the_c_header.txt"), line + "\n");
                }
            }
            return;
        }
        Err(e) => panic!("no C compiler to check the ABI, and CI=true forbids skipping: {e}"),
    }
    let out = Command::new(&exe).output().expect("run the layout program");
    let c: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        c,
        rust_layout(),
        "common/src/abi.rs and probe/bpf/abi.h disagree"
    );
}
