//! The loaded probe: its programs stay attached for as long as this value lives.

use crate::error::ProbeError;
use crate::load::{self, LoadOptions};
use crate::read::StatMaps;
use crate::reclaim::Reclaimer;
use crate::request_stream::{self, RequestFilter, WallClock};
use aya::maps::{Array, MapData, RingBuf};
use aya::Ebpf;
use std::time::{SystemTime, UNIX_EPOCH};
use uringtop_common::abi;
use uringtop_common::input::{Request, Sample};

pub struct Probe {
    // Owns the programs and their links: dropping it detaches everything.
    pub(crate) ebpf: Ebpf,
    pub(crate) maps: StatMaps,
    pub(crate) config: Array<MapData, abi::Config>,
    /// The request stream (see [`crate::request_stream`]).
    pub(crate) request_stream: RingBuf<MapData>,
    pub(crate) clock: WallClock,
    degraded: Vec<(&'static str, &'static str)>,
    chosen: Vec<&'static str>,
    memory: crate::memory::MemoryUse,
}

fn take<T>(ebpf: &mut Ebpf, name: &str) -> Result<T, ProbeError>
where
    T: TryFrom<aya::maps::Map, Error = aya::maps::MapError>,
{
    let map = ebpf
        .take_map(name)
        .ok_or_else(|| ProbeError::Setup(format!("the BPF object has no map `{name}`")))?;
    T::try_from(map).map_err(|e| ProbeError::Setup(format!("map `{name}`: {e}")))
}

/// The probe's marks of changed slots, mapped; None (every live slot read each sample) where
/// the kernel cannot map the array.
fn dirty_slots(ebpf: &mut Ebpf, entries: u32) -> Option<crate::dirty::DirtySlots> {
    match ebpf.take_map("op_dirty")? {
        aya::maps::Map::Array(data) => crate::dirty::DirtySlots::new(data, entries).ok(),
        _ => None,
    }
}

impl Probe {
    /// Loads the probe and attaches it to every io_uring tracepoint this kernel has.
    pub fn load() -> Result<Probe, ProbeError> {
        Self::load_with(&LoadOptions::default())
    }

    /// Loads the probe with a compiled policy (see `uringtop_common::policy`): every SQE and
    /// io_uring_register call is judged from the first one on.
    pub fn load_with_policy(policy: &abi::Policy) -> Result<Probe, ProbeError> {
        Self::load_with(&LoadOptions {
            policy: Some(Box::new(*policy)),
            ..LoadOptions::default()
        })
    }

    pub fn load_with(options: &LoadOptions) -> Result<Probe, ProbeError> {
        Self::from_loaded(load::load(options)?, options)
    }

    /// Loads another build of the probe's object (for measuring variants of it while developing).
    #[doc(hidden)]
    pub fn load_object(object: &[u8], options: &LoadOptions) -> Result<Probe, ProbeError> {
        Self::from_loaded(load::load_object(object, options)?, options)
    }

    fn from_loaded(loaded: load::Loaded, options: &LoadOptions) -> Result<Probe, ProbeError> {
        let load::Loaded {
            mut ebpf,
            mut degraded,
            invalidate,
            pools,
            chosen,
        } = loaded;
        let dirty = dirty_slots(&mut ebpf, pools.coarse_end);
        if dirty.is_none() {
            degraded.push((
                "BPF_F_MMAPABLE array (Linux 5.5+)",
                "every live counter slot is read each sample, not only those that changed: the cost grows with live keys",
            ));
        }
        let memory = crate::memory::measure(&ebpf, pools.keys, pools.fallback);
        let reclaimer = Reclaimer::new(
            options.reclaim_idle.unwrap_or(crate::reclaim::IDLE),
            crate::reclaim::ABANDONED,
        );
        let maps = StatMaps {
            op_index: take(&mut ebpf, "op_index")?,
            op_stats: take(&mut ebpf, "op_stats")?,
            op_shared: take(&mut ebpf, "op_shared")?,
            op_errors: take(&mut ebpf, "op_errors")?,
            rings: take(&mut ebpf, "rings")?,
            procs: take(&mut ebpf, "procs")?,
            stats: take(&mut ebpf, "stats")?,
            register_stats: take(&mut ebpf, "register_stats")?,
            setup_refused: take(&mut ebpf, "setup_refused")?,
            rule_hits: take(&mut ebpf, "rule_hits")?,
            rules: options
                .policy
                .as_ref()
                .map(|p| p.nrules.min(abi::MAX_RULES as u32)),
            free_stats: take(&mut ebpf, "free_stats")?,
            free_coarse: take(&mut ebpf, "free_coarse")?,
            exited: take(&mut ebpf, "exited")?,
            closed: take(&mut ebpf, "closed")?,
            pools,
            reclaim: invalidate.map(|fd| (reclaimer, fd)),
            reclaim_lost: 0,
            recycled: Default::default(),
            hist: Default::default(),
            departures: Default::default(),
            sent: Default::default(),
            dirty,
            keys: Default::default(),
            slots: Default::default(),
            contexts: Default::default(),
            registrations: Default::default(),
        };
        let config = take(&mut ebpf, "config")?;
        let request_stream = take(&mut ebpf, "records")?;
        Ok(Probe {
            ebpf,
            maps,
            config,
            request_stream,
            clock: WallClock::now(),
            degraded,
            chosen,
            memory,
        })
    }

    /// Each loaded program's id as read by the recursion-miss reader and by aya (a test checks
    /// they agree, i.e. that the reader sees the kernel's description of each program).
    #[doc(hidden)]
    pub fn program_ids(&self) -> Vec<(String, Option<u32>, Option<u32>)> {
        crate::missed::ids(&self.ebpf)
    }

    /// Tracepoints that could not be attached, each with what is lost without it.
    pub fn degraded(&self) -> &[(&'static str, &'static str)] {
        &self.degraded
    }

    /// The programs attached, one per tracepoint (each written for one kernel's arguments).
    pub fn programs(&self) -> &[&'static str] {
        &self.chosen
    }

    /// What uringtop can stand behind on this kernel, feature by feature.
    pub fn support(&self) -> Vec<(crate::support::Feature, crate::support::Level)> {
        crate::support::levels(&self.chosen, &self.degraded)
    }

    /// SQEs submitted while another with the same (ring, user_data) and another opcode was in
    /// flight, on kernels that pair CQEs by (ring, user_data): how often counts were best-effort.
    pub fn ambiguous_pairs(&self) -> Result<u64, ProbeError> {
        crate::read::stat(&self.maps, abi::STAT_AMBIGUOUS)
    }

    /// What the probe pins in the kernel, and its counter capacity.
    pub fn memory(&self) -> crate::memory::MemoryUse {
        self.memory
    }

    /// Reads every counter now (and recycles the counter slots of keys that went quiet).
    pub fn sample(&mut self) -> Result<Sample, ProbeError> {
        let mut sample = self.maps.sample(wall_now_ns())?;
        sample.lost_updates += crate::missed::total(&self.ebpf);
        Ok(sample)
    }

    /// Starts (Some) or stops (None) streaming individual requests.
    pub fn stream_requests(&mut self, filter: Option<RequestFilter>) -> Result<(), ProbeError> {
        stream_requests(&mut self.config, filter)
    }

    /// Hands every request record waiting in the ring buffer to `each`, without blocking.
    pub fn drain_requests(&mut self, mut each: impl FnMut(Request)) {
        while let Some(item) = self.request_stream.next() {
            if let Some(req) = request_stream::decode(&item, &self.clock) {
                each(req);
            }
        }
    }
}

pub(crate) fn stream_requests(
    config: &mut Array<MapData, abi::Config>,
    filter: Option<RequestFilter>,
) -> Result<(), ProbeError> {
    config
        .set(0, RequestFilter::config(filter), 0)
        .map_err(|e| ProbeError::Setup(format!("writing the probe's config: {e}")))
}

pub fn wall_now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
