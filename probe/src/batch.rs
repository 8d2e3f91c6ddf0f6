//! Reading a whole hash map in a few syscalls (BPF_MAP_LOOKUP_BATCH, Linux 5.6+) instead of two
//! per entry (next key, then lookup): tens of thousands of rings or keys cost a copy, not tens of
//! thousands of syscalls. aya 0.14 has no batch call, so this is bpf(2) itself; where the kernel
//! refuses it, the caller falls back to aya's iterator.

use aya::maps::{HashMap, IterableMap, MapData};
use aya::Pod;
use std::os::fd::{AsFd, AsRawFd};

const BPF_MAP_LOOKUP_BATCH: libc::c_long = 24;

/// The `batch` member of `union bpf_attr` (include/uapi/linux/bpf.h).
#[repr(C)]
#[derive(Default)]
struct BatchAttr {
    in_batch: u64,
    out_batch: u64,
    keys: u64,
    values: u64,
    count: u32,
    map_fd: u32,
    elem_flags: u64,
    flags: u64,
}

/// Every (key, value) of a hash map: in batches where the kernel can, else one entry at a time.
pub(crate) fn entries<K: Pod, V: Pod>(map: &HashMap<MapData, K, V>) -> Vec<(K, V)> {
    let data = IterableMap::<K, V>::map(map);
    data.info()
        .ok()
        .and_then(|info| lookup_all(data, info.max_entries()))
        .unwrap_or_else(|| map.iter().filter_map(Result::ok).collect())
}

/// Every (key, value) of a hash map with at most `max_entries` entries; None when this kernel
/// cannot batch.
fn lookup_all<K: Pod, V: Pod>(map: &MapData, max_entries: u32) -> Option<Vec<(K, V)>> {
    let (ks, vs) = (size_of::<K>(), size_of::<V>());
    let capacity = max_entries.max(1) as usize;
    let mut keys = vec![0u8; capacity * ks];
    let mut values = vec![0u8; capacity * vs];
    // Hash maps use a u32 bucket number as the batch token; room for more costs nothing.
    let (mut token_in, mut token_out) = (0u64, 0u64);
    let mut out = Vec::new();
    let mut first = true;
    loop {
        let mut attr = BatchAttr {
            in_batch: if first {
                0
            } else {
                &mut token_in as *mut u64 as u64
            },
            out_batch: &mut token_out as *mut u64 as u64,
            keys: keys.as_mut_ptr() as u64,
            values: values.as_mut_ptr() as u64,
            count: capacity as u32,
            map_fd: map.fd().as_fd().as_raw_fd() as u32,
            ..BatchAttr::default()
        };
        // SAFETY: the buffers hold `count` keys and values of the map's sizes; the kernel
        // writes at most that many, and the tokens are 8 bytes each.
        let err = unsafe { crate::sys_bpf::bpf(BPF_MAP_LOOKUP_BATCH, &mut attr) }.err();
        let done = match &err {
            None => false,
            Some(e) if e.raw_os_error() == Some(libc::ENOENT) => true,
            Some(_) => return None,
        };
        for i in 0..(attr.count as usize).min(capacity) {
            // SAFETY: entry i lies within the buffers; Pod types accept any bytes.
            let k = unsafe { std::ptr::read_unaligned(keys.as_ptr().add(i * ks).cast::<K>()) };
            let v = unsafe { std::ptr::read_unaligned(values.as_ptr().add(i * vs).cast::<V>()) };
            out.push((k, v));
        }
        if done {
            return Some(out);
        }
        token_in = token_out;
        first = false;
    }
}
