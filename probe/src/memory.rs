//! What the loaded probe pins in the kernel, as the kernel accounts it (the `memlock` line of each
//! map's fdinfo), and what the same maps would pin on a machine with more CPUs: per-CPU maps are
//! allocated for every possible CPU, the others once.

use aya::maps::{Map, MapData};
use aya::Ebpf;
use std::os::fd::{AsFd, AsRawFd};

/// The probe's kernel memory and counter capacity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUse {
    /// Bytes of per-CPU maps, on this machine's possible CPUs.
    pub per_cpu_bytes: u64,
    /// Bytes of every other map.
    pub shared_bytes: u64,
    /// Possible CPUs here.
    pub cpus: u32,
    /// (process, ring, opcode) keys with a slot of their own.
    pub key_slots: u32,
    /// Per-process "other rings" rows for when those run out.
    pub fallback_slots: u32,
}

impl MemoryUse {
    /// Pinned here.
    pub fn bytes(&self) -> u64 {
        self.per_cpu_bytes + self.shared_bytes
    }

    /// What the same maps would pin with `cpus` possible CPUs.
    pub fn bytes_on(&self, cpus: u32) -> u64 {
        self.shared_bytes + self.per_cpu_bytes * u64::from(cpus) / u64::from(self.cpus.max(1))
    }
}

fn data(map: &Map) -> Option<&MapData> {
    match map {
        Map::Array(d)
        | Map::HashMap(d)
        | Map::LruHashMap(d)
        | Map::PerCpuArray(d)
        | Map::PerCpuHashMap(d)
        | Map::PerCpuLruHashMap(d)
        | Map::Queue(d)
        | Map::RingBuf(d) => Some(d),
        _ => None,
    }
}

/// Sums the kernel's accounting of every map of `ebpf` (call before taking maps out of it).
pub(crate) fn measure(ebpf: &Ebpf, key_slots: u32, fallback_slots: u32) -> MemoryUse {
    let mut used = MemoryUse {
        cpus: aya::util::nr_cpus().map(|n| n as u32).unwrap_or(1),
        key_slots,
        fallback_slots,
        ..MemoryUse::default()
    };
    for (_, map) in ebpf.maps() {
        let Some(d) = data(map) else { continue };
        let fd = d.fd().as_fd().as_raw_fd();
        let Ok(info) = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")) else {
            continue;
        };
        let field = |name: &str| -> u64 {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        let bytes = field("memlock:");
        // BPF_MAP_TYPE_PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH
        if matches!(field("map_type:"), 5 | 6 | 10) {
            used.per_cpu_bytes += bytes;
        } else {
            used.shared_bytes += bytes;
        }
    }
    used
}
