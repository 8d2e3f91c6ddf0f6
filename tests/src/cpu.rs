//! Pinning threads to CPUs for benchmarks: the scheduler moving a flood between CPUs adds noise
//! larger than the effects being measured.

/// Pins the calling thread to `cpu` (best effort: ignored if the CPU does not exist).
pub fn pin_to_cpu(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_setaffinity only reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}
