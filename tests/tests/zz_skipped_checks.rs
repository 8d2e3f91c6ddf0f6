//! The last test of `cargo test --workspace` (the last package, the last test by name, no doc
//! tests after it): it prints every check that was skipped in this run for want of root or a
//! tool, with what to do about it. It has no libtest harness, so its output is never captured:
//! a skipped check cannot go unseen. Under `CI=true` nothing is skipped (a missing requirement
//! fails its test instead), and this says so.

fn main() {
    let skipped = uringtop_tests::privilege::take_skipped();
    if skipped.is_empty() {
        println!("skipped checks: none (every check ran)");
        return;
    }
    println!();
    for line in &skipped {
        println!("{line}");
    }
    let names: Vec<&str> = skipped
        .iter()
        .filter_map(|l| l.strip_prefix("SKIPPED "))
        .filter_map(|l| l.split(':').next())
        .collect();
    println!(
        "skipped checks: {} ({}) — see the lines above for what each needs",
        skipped.len(),
        names.join(", ")
    );
}
