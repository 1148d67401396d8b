//! How busy the machine is with work other than the suite's: the CPU time of every process
//! (/proc/stat) minus this process's and its finished children's (/proc/self/stat). On a shared
//! 2-core machine a compiler running beside the suite halves its figures, so a full run waits for
//! quiet before each area and reports how quiet it stayed.

use std::time::{Duration, Instant};

/// Kernel clock ticks per second, the unit of both files (`USER_HZ`, 100 on every Linux port the
/// suite runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time counters at one moment, in ticks.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Busy time of all CPUs.
    busy: u64,
    /// This process's time plus its waited-for children's.
    own: u64,
    at: Instant,
}

impl Sample {
    /// The counters now; `None` where /proc is unreadable.
    pub fn take() -> Option<Self> {
        Some(Self { busy: busy_ticks()?, own: own_ticks()?, at: Instant::now() })
    }

    /// The share of all cores (0.0–1.0) that other processes used since this sample.
    pub fn others_since(&self) -> Option<f64> {
        let now = Self::take()?;
        let others = now.busy.saturating_sub(self.busy).saturating_sub(now.own.saturating_sub(self.own));
        Some(self.share(others, &now))
    }

    /// The share of all cores (0.0–1.0) that were busy since this sample, whoever used them.
    pub fn busy_since(&self) -> Option<f64> {
        let now = Self::take()?;
        Some(self.share(now.busy.saturating_sub(self.busy), &now))
    }

    fn share(&self, ticks: u64, now: &Sample) -> f64 {
        let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
        let available = now.at.duration_since(self.at).as_secs_f64() * TICKS_PER_SECOND * cores;
        (ticks as f64 / available).min(1.0)
    }
}

/// Waits until other processes use less than `limit` of the cores over a few seconds, or
/// `patience` has passed; the share last seen (0.0 where /proc is unreadable).
pub fn wait_for_quiet(limit: f64, patience: Duration) -> f64 {
    let start = Instant::now();
    loop {
        let Some(sample) = Sample::take() else { return 0.0 };
        std::thread::sleep(Duration::from_secs(3));
        let share = sample.others_since().unwrap_or(0.0);
        if share < limit || start.elapsed() > patience {
            return share;
        }
        eprintln!("waiting for a quiet machine: other processes use {:.0}% of the CPU", share * 100.0);
    }
}

/// user + nice + system + irq + softirq + steal of the `cpu` line (guest time is inside user).
fn busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).map(|f| f.parse().ok()).collect::<Option<_>>()?;
    Some([0, 1, 2, 5, 6, 7].iter().filter_map(|&i| fields.get(i)).sum())
}

/// utime + stime + cutime + cstime of this process.
fn own_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which may hold spaces, start with field 3 (state).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    fields.get(11..15)?.iter().map(|field| field.parse::<u64>().ok()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_of_the_machine_is_between_nothing_and_everything() {
        let sample = Sample::take().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let share = sample.others_since().unwrap();
        assert!((0.0..=1.0).contains(&share), "{share}");
    }
}
