//! A small Prometheus registry: counters, gauges and histograms as atomics,
//! rendered in the text exposition format at `/metrics`.
//!
//! One [`Metrics`] value is created at start-up and passed to everything that
//! reports (no global registry); cloning it is cheap.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Latency buckets in seconds: from a millisecond (a cached page) to ten
/// seconds (a large export).
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A distribution of durations.
#[derive(Debug)]
pub struct Histogram {
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: LATENCY_BUCKETS.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        for (bound, count) in LATENCY_BUCKETS.iter().zip(&self.counts) {
            if seconds <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

/// Label values of one series, in the family's label order.
type Labels = Vec<String>;

/// Series of one metric distinguished by label values.
#[derive(Debug)]
pub struct Family<T> {
    labels: &'static [&'static str],
    /// Guards the label → series map only while a series is looked up or
    /// created; updates go to the series' own atomics.
    series: Mutex<BTreeMap<Labels, Arc<T>>>,
}

impl<T: Default> Family<T> {
    fn new(labels: &'static [&'static str]) -> Self {
        Self { labels, series: Mutex::new(BTreeMap::new()) }
    }

    /// The series with these label values, created on first use.
    pub fn with(&self, values: &[&str]) -> Arc<T> {
        let key: Labels = values.iter().map(|v| (*v).to_owned()).collect();
        let mut series = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        series.entry(key).or_default().clone()
    }

    fn snapshot(&self) -> Vec<(Labels, Arc<T>)> {
        let series = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        series.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// Every metric the product reports.
#[derive(Debug)]
pub struct Registry {
    pub http_requests: Family<Counter>,
    pub http_duration: Family<Histogram>,
    pub sign_ins: Family<Counter>,
    pub ws_sessions: Gauge,
    pub events_published: Counter,
    pub events_delivered: Counter,
    pub replays: Counter,
    pub resyncs: Counter,
    pub slow_consumer_drops: Counter,
    pub gap_reads: Counter,
    pub redis_gap_reads: Counter,
    pub redis_connected: Gauge,
    pub outbox_backlog: Gauge,
    /// 1 when the database answered the last scrape's probe, 0 when not.
    pub database_up: Gauge,
    /// When the SLA scan last read the clocks due (Unix seconds; 0 before
    /// the first).
    pub sla_scanned_at: Gauge,
    pub sla_changes: Counter,
    pub tickets_created: Family<Counter>,
    /// Calls first heard of, by direction (`in`, `out`).
    pub calls_received: Family<Counter>,
    /// Call events refused: an unknown token or a malformed body (`cti`),
    /// a SIP message from a peer not allowed or unparsable (`sip`).
    pub telephony_refused: Family<Counter>,
    pub outbox_sent: Family<Counter>,
    pub outbox_failures: Family<Counter>,
}

/// The handle to the registry, passed to everything that reports.
#[derive(Debug, Clone)]
pub struct Metrics(Arc<Registry>);

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::ops::Deref for Metrics {
    type Target = Registry;

    fn deref(&self) -> &Registry {
        &self.0
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self(Arc::new(Registry {
            http_requests: Family::new(&["method", "route", "status"]),
            http_duration: Family::new(&["method", "route"]),
            sign_ins: Family::new(&["result"]),
            ws_sessions: Gauge::default(),
            events_published: Counter::default(),
            events_delivered: Counter::default(),
            replays: Counter::default(),
            resyncs: Counter::default(),
            slow_consumer_drops: Counter::default(),
            gap_reads: Counter::default(),
            redis_gap_reads: Counter::default(),
            redis_connected: Gauge::default(),
            outbox_backlog: Gauge::default(),
            database_up: Gauge::default(),
            sla_scanned_at: Gauge::default(),
            sla_changes: Counter::default(),
            tickets_created: Family::new(&["source"]),
            calls_received: Family::new(&["direction"]),
            telephony_refused: Family::new(&["door", "reason"]),
            outbox_sent: Family::new(&["channel"]),
            outbox_failures: Family::new(&["channel"]),
        }))
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let r = &self.0;
        let mut out = String::with_capacity(4096);
        counter_family(&mut out, "domovoy_http_requests_total", "HTTP requests by route and status.", &r.http_requests);
        histogram_family(&mut out, "domovoy_http_request_duration_seconds", "HTTP request duration.", &r.http_duration);
        counter_family(&mut out, "domovoy_sign_ins_total", "Sign-in attempts by result.", &r.sign_ins);
        gauge(&mut out, "domovoy_ws_sessions", "Open WebSocket sessions.", r.ws_sessions.get());
        counter(
            &mut out,
            "domovoy_events_published_total",
            "Committed events handed to the hub.",
            r.events_published.get(),
        );
        counter(&mut out, "domovoy_events_delivered_total", "Events delivered to sessions.", r.events_delivered.get());
        counter(&mut out, "domovoy_replays_total", "Subscriptions resumed from the event log.", r.replays.get());
        counter(&mut out, "domovoy_resyncs_total", "Subscriptions told to reload a snapshot.", r.resyncs.get());
        counter(
            &mut out,
            "domovoy_slow_consumer_drops_total",
            "Sessions dropped for falling behind.",
            r.slow_consumer_drops.get(),
        );
        counter(&mut out, "domovoy_gap_reads_total", "Sequence gaps filled from the database.", r.gap_reads.get());
        counter(
            &mut out,
            "domovoy_redis_gap_reads_total",
            "Gaps in events from other nodes filled from the database.",
            r.redis_gap_reads.get(),
        );
        gauge(
            &mut out,
            "domovoy_redis_connected",
            "1 while the cluster doorbell (Redis) is connected.",
            r.redis_connected.get(),
        );
        gauge(&mut out, "domovoy_outbox_backlog", "Outbox messages waiting to be sent.", r.outbox_backlog.get());
        gauge(
            &mut out,
            "domovoy_database_up",
            "Whether the database answered within 0.8 s (1) or not (0).",
            r.database_up.get(),
        );
        gauge(
            &mut out,
            "domovoy_sla_scan_last_success_timestamp_seconds",
            "When the SLA scan last read the clocks due (Unix time).",
            r.sla_scanned_at.get(),
        );
        counter(
            &mut out,
            "domovoy_sla_changes_total",
            "SLA warnings and breaches raised by timers.",
            r.sla_changes.get(),
        );
        counter_family(&mut out, "domovoy_tickets_created_total", "Tickets created, by source.", &r.tickets_created);
        counter_family(
            &mut out,
            "domovoy_calls_received_total",
            "Calls first heard of, by direction.",
            &r.calls_received,
        );
        counter_family(
            &mut out,
            "domovoy_telephony_refused_total",
            "Telephony messages refused, by door and reason.",
            &r.telephony_refused,
        );
        counter_family(&mut out, "domovoy_outbox_sent_total", "Outbox messages sent, by channel.", &r.outbox_sent);
        counter_family(
            &mut out,
            "domovoy_outbox_failures_total",
            "Outbox send attempts that failed, by channel.",
            &r.outbox_failures,
        );
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    header(out, name, help, "counter");
    let _ = writeln!(out, "{name} {value}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    header(out, name, help, "gauge");
    let _ = writeln!(out, "{name} {value}");
}

fn label_set(names: &[&str], values: &[String], extra: Option<(&str, &str)>) -> String {
    let mut parts: Vec<String> =
        names.iter().zip(values).map(|(n, v)| format!("{n}=\"{}\"", escape_label(v))).collect();
    if let Some((n, v)) = extra {
        parts.push(format!("{n}=\"{v}\""));
    }
    if parts.is_empty() { String::new() } else { format!("{{{}}}", parts.join(",")) }
}

fn escape_label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn counter_family(out: &mut String, name: &str, help: &str, family: &Family<Counter>) {
    header(out, name, help, "counter");
    for (labels, series) in family.snapshot() {
        let _ = writeln!(out, "{name}{} {}", label_set(family.labels, &labels, None), series.get());
    }
}

fn histogram_family(out: &mut String, name: &str, help: &str, family: &Family<Histogram>) {
    header(out, name, help, "histogram");
    for (labels, series) in family.snapshot() {
        for (bound, count) in LATENCY_BUCKETS.iter().zip(&series.counts) {
            let le = bound.to_string();
            let set = label_set(family.labels, &labels, Some(("le", &le)));
            let _ = writeln!(out, "{name}_bucket{set} {}", count.load(Ordering::Relaxed));
        }
        let set = label_set(family.labels, &labels, Some(("le", "+Inf")));
        let _ = writeln!(out, "{name}_bucket{set} {}", series.count());
        let plain = label_set(family.labels, &labels, None);
        let sum = series.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{plain} {sum}");
        let _ = writeln!(out, "{name}_count{plain} {}", series.count());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_lists_series_with_labels() {
        let metrics = Metrics::new();
        metrics.http_requests.with(&["GET", "/healthz", "200"]).inc();
        metrics.http_requests.with(&["GET", "/healthz", "200"]).inc();
        metrics.http_duration.with(&["GET", "/healthz"]).observe(Duration::from_millis(3));
        metrics.ws_sessions.inc();
        let text = metrics.render();
        assert!(
            text.contains(r#"domovoy_http_requests_total{method="GET",route="/healthz",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"domovoy_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"} 1"#
            )
        );
        assert!(
            text.contains(
                r#"domovoy_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.001"} 0"#
            )
        );
        assert!(text.contains("domovoy_ws_sessions 1"));
        assert!(text.contains("# TYPE domovoy_events_delivered_total counter"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c"), "a\\\"b\\\\c");
    }
}
