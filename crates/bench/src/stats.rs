//! Samples and their summaries: latency percentiles and the spread of repeated rate measurements.

use std::time::Duration;

/// Latencies, sorted.
#[derive(Debug, Clone)]
pub struct Samples {
    sorted: Vec<Duration>,
}

impl Samples {
    /// The samples of `latencies`, in any order.
    ///
    /// # Panics
    /// If there are none: a percentile of nothing is a bug in the caller.
    pub fn new(mut latencies: Vec<Duration>) -> Self {
        assert!(!latencies.is_empty(), "a summary needs at least one sample");
        latencies.sort_unstable();
        Self { sorted: latencies }
    }

    /// The `p` quantile (0.0–1.0) by the nearest-rank rule `sorted[round((n - 1) p)]`, which the
    /// Python peer uses too, so the two sides are summarised alike.
    pub fn percentile(&self, p: f64) -> Duration {
        self.sorted[((self.sorted.len() - 1) as f64 * p).round() as usize]
    }

    /// The median.
    pub fn p50(&self) -> Duration {
        self.percentile(0.50)
    }

    /// The 99th percentile.
    pub fn p99(&self) -> Duration {
        self.percentile(0.99)
    }

    /// The largest.
    pub fn max(&self) -> Duration {
        self.sorted[self.sorted.len() - 1]
    }
}

/// Rates from repeated rounds, sorted: this VM's scheduler makes single rounds vary by ±15%, so
/// figures are medians with their range.
#[derive(Debug, Clone)]
pub struct Rates {
    sorted: Vec<f64>,
}

impl Rates {
    /// The rates of the rounds, in any order.
    ///
    /// # Panics
    /// If there are none.
    pub fn new(mut rates: Vec<f64>) -> Self {
        assert!(!rates.is_empty(), "a summary needs at least one round");
        rates.sort_by(f64::total_cmp);
        Self { sorted: rates }
    }

    /// The median round.
    pub fn median(&self) -> f64 {
        self.sorted[self.sorted.len() / 2]
    }

    /// The slowest round.
    pub fn min(&self) -> f64 {
        self.sorted[0]
    }

    /// The fastest round.
    pub fn max(&self) -> f64 {
        self.sorted[self.sorted.len() - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples = Samples::new((1..=100).rev().map(Duration::from_micros).collect());
        assert_eq!(samples.p50(), Duration::from_micros(51));
        assert_eq!(samples.p99(), Duration::from_micros(99));
        assert_eq!(samples.max(), Duration::from_micros(100));
    }

    #[test]
    fn rates_give_the_median_round_and_the_range() {
        let rates = Rates::new(vec![5.0, 3.0, 4.0]);
        assert_eq!((rates.median(), rates.min(), rates.max()), (4.0, 3.0, 5.0));
    }
}
