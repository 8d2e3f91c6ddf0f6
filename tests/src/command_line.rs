//! The few arguments the examples take, each read one way.

use std::str::FromStr;

/// The `n`th command-line argument (1 = the first) as a number, or `default` when it is missing
/// or not one.
pub fn number<T: FromStr>(n: usize, default: T) -> T {
    std::env::args()
        .nth(n)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The BPF object the first argument names, read whole, with its name; without an argument,
/// prints `usage` and exits with status 2. For the examples that measure another build of the
/// probe's object against the committed one.
pub fn bpf_object(usage: &str) -> (String, Vec<u8>) {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: {usage}");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    (path, bytes)
}
