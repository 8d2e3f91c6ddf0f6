//! Development aid for tuning the probe: the NOP-flood overhead ratio of another build of the BPF
//! object, e.g. one compiled with part of a program removed, to learn what each part costs.
//!
//!   cargo run --release -p uringtop-tests --example bpf_variant_overhead -- /tmp/variant.bpf.o
//!
//! The object must keep the committed one's maps and ABI. Prints the median of 11 interleaved pairs.
use std::time::Duration;

fn flood() -> f64 {
    uringtop_tests::workloads::nop_flood(Duration::from_millis(1000), 32).expect("NOP flood") as f64
}

fn main() {
    let (path, bytes) =
        uringtop_tests::command_line::bpf_object("bpf_variant_overhead OBJECT.bpf.o");
    uringtop_tests::cpu::pin_to_cpu(0);
    let mut ratios = vec![];
    // Alternate which side goes first (ABBA), as the overhead bench does.
    for pair in 0..11 {
        let untraced_first = pair % 2 == 0;
        let before = if untraced_first { flood() } else { 0.0 };
        let probe = uringtop_probe::Probe::load_object(&bytes, &Default::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let traced = flood();
        drop(probe);
        let untraced = if untraced_first { before } else { flood() };
        ratios.push(traced / untraced);
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{path}: median {:.2} (quartiles {:.2}-{:.2})",
        ratios[5], ratios[3], ratios[8]
    );
}
