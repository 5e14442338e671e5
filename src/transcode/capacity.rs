//! How many transcodes this process runs at once: no more than the CPUs allow, and no
//! more than the memory budget holds at a job's worst case.

use imshare_media as media;

use crate::config::MediaSettings;

/// Caps `cpu_slots` by the memory budget; logs the choice and why.
pub fn concurrency(cpu_slots: usize, settings: &MediaSettings) -> usize {
    let limits = media::Limits {
        max_duration_ms: settings.max_duration_secs as i64 * 1000,
        max_width: settings.max_width,
        max_height: settings.max_height,
    };
    let per_job = media::worst_case_job_bytes(&limits);
    let (budget, source) = match settings.memory_budget_bytes {
        0 => match machine_memory_bytes() {
            Some(total) => (total / 2, "half of the machine's memory"),
            None => (per_job, "unknown machine memory: one job's worst case"),
        },
        set => (set, "media.memory_budget_bytes"),
    };
    let memory_slots = (budget / per_job.max(1)).max(1) as usize;
    let chosen = cpu_slots.max(1).min(memory_slots);
    tracing::info!(
        chosen,
        cpu_slots,
        memory_slots,
        budget_mib = budget >> 20,
        per_job_mib = per_job >> 20,
        budget_from = source,
        decoder_threads = media::decoder_threads(),
        "transcode concurrency: the smaller of the CPU and memory caps"
    );
    chosen
}

/// The memory this process may use: the cgroup's limit if it has one, else MemTotal.
fn machine_memory_bytes() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib * 1024)
    });
    match (cgroup, total) {
        (Some(c), Some(t)) => Some(c.min(t)),
        (c, t) => c.or(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(budget: u64) -> MediaSettings {
        let mut settings = crate::config::Settings::load(None).unwrap().media;
        settings.memory_budget_bytes = budget;
        settings
    }

    #[test]
    fn memory_caps_what_the_cpus_would_allow() {
        let per_job = media::worst_case_job_bytes(&media::Limits::default());
        assert_eq!(concurrency(8, &settings(3 * per_job + 1)), 3);
        assert_eq!(concurrency(2, &settings(3 * per_job)), 2);
        assert_eq!(concurrency(8, &settings(1)), 1, "always at least one job");
    }
}
