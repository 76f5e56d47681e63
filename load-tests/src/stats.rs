//! Latency histograms and the figures every scenario prints.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{Map, Value};

/// Latencies in microseconds, 3 significant figures, from 1 µs to 10 min.
#[derive(Debug, Clone)]
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    // Constant bounds and precision that `new_with_bounds` accepts: a
    // failure is a bug found by the first test.
    #[allow(clippy::expect_used)]
    fn default() -> Self {
        Latencies(Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds"))
    }
}

/// Ten minutes: nothing in a bounded run waits longer.
const MAX_MICROS: u64 = 600_000_000;

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).clamp(1, MAX_MICROS);
        self.0.saturating_record(micros);
    }

    pub fn merge(&mut self, other: &Latencies) {
        for value in other.0.iter_recorded() {
            self.0.saturating_record_n(value.value_iterated_to(), value.count_at_value());
        }
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    pub fn summary(&self) -> Summary {
        let at = |q: f64| if self.0.is_empty() { 0.0 } else { self.0.value_at_quantile(q) as f64 / 1000.0 };
        Summary {
            count: self.0.len(),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            p999: at(0.999),
            max: if self.0.is_empty() { 0.0 } else { self.0.max() as f64 / 1000.0 },
        }
    }
}

impl FromIterator<Duration> for Latencies {
    fn from_iter<I: IntoIterator<Item = Duration>>(iter: I) -> Self {
        let mut latencies = Latencies::default();
        for latency in iter {
            latencies.record(latency);
        }
        latencies
    }
}

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Summary {
    /// "p50 … p95 … p99 … p99.9 … max …" for the report.
    pub fn line(&self) -> String {
        format!(
            "p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  p99.9 {:.1} ms  max {:.1} ms",
            self.p50, self.p95, self.p99, self.p999, self.max
        )
    }
}

/// The last line of a run with `--json`: the keys of the load-test
/// contract (issue «Load tests and benchmarks»), the scenario's own extras
/// flattened beside them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub scenario: String,
    /// Requests or events per second asked for; `null` in closed-loop runs.
    pub offered_rate: Option<f64>,
    pub achieved_rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub errors: u64,
    pub lost: u64,
    pub duplicates: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kib_per_session: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries_per_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back_after_s: Option<f64>,
    /// The same scenario against the baseline, with `--baseline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Box<Figures>>,
    /// Ours ÷ baseline on the scenario's headline figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Figures {
    pub fn new(scenario: &str) -> Figures {
        Figures { scenario: scenario.to_owned(), ..Figures::default() }
    }

    pub fn latency(mut self, summary: &Summary) -> Figures {
        self.p50_ms = round3(summary.p50);
        self.p99_ms = round3(summary.p99);
        self.p999_ms = round3(summary.p999);
        self.max_ms = round3(summary.max);
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Figures {
        self.extra.insert(key.to_owned(), value.into());
        self
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_within_the_histograms_precision() {
        let latencies: Latencies = (1..=100).map(Duration::from_millis).collect();
        let s = latencies.summary();
        assert_eq!(s.count, 100);
        for (got, want) in [(s.p50, 50.0), (s.p99, 99.0), (s.p999, 100.0), (s.max, 100.0)] {
            assert!((got - want).abs() / want < 0.001, "{got} vs {want}");
        }
        assert_eq!(Latencies::default().summary().p99, 0.0);
    }

    #[test]
    fn figures_carry_the_contract_keys() {
        let figures = Figures::new("board").latency(&Summary { p99: 12.5, ..Summary::default() }).with("sessions", 500);
        let json = serde_json::to_value(&figures).unwrap();
        for key in [
            "scenario",
            "offered_rate",
            "achieved_rate",
            "p50_ms",
            "p99_ms",
            "p999_ms",
            "max_ms",
            "errors",
            "lost",
            "duplicates",
        ] {
            assert!(json.get(key).is_some(), "{key} missing from {json}");
        }
        assert_eq!(json["p99_ms"], 12.5);
        assert_eq!(json["sessions"], 500);
        assert!(json.get("baseline").is_none());
    }
}
