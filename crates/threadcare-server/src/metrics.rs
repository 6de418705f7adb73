//! `/metrics` in the Prometheus text format (version 0.0.4), written by hand: a few counters do
//! not need a metrics library.
//!
//! Requests are counted per route *template* (`/api/v1/items/{item_id}`), never per concrete
//! path: paths carry item ids and writers' names.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use threadcare_core::Level;
use threadcare_store::{IngestReport, Stats};

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    alerts: Mutex<BTreeMap<&'static str, u64>>,
    ingest_requests: AtomicU64,
    items_new: AtomicU64,
    items_changed: AtomicU64,
    items_unchanged: AtomicU64,
    records_rejected: AtomicU64,
    threads_assessed: AtomicU64,
    imminent_stored: AtomicU64,
    analyze_requests: AtomicU64,
}

impl Metrics {
    pub fn request(&self, method: &str, route: &str, status: u16) {
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
    }

    pub fn alert(&self, outcome: &'static str) {
        let mut map = self.alerts.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(outcome).or_default() += 1;
    }

    pub fn ingest(&self, report: &IngestReport, rejected: u64) {
        self.ingest_requests.fetch_add(1, Ordering::Relaxed);
        self.items_new.fetch_add(report.new, Ordering::Relaxed);
        self.items_changed
            .fetch_add(report.changed, Ordering::Relaxed);
        self.items_unchanged
            .fetch_add(report.unchanged, Ordering::Relaxed);
        self.records_rejected.fetch_add(rejected, Ordering::Relaxed);
        self.threads_assessed
            .fetch_add(report.threads_assessed, Ordering::Relaxed);
        self.imminent_stored
            .fetch_add(report.imminent.len() as u64, Ordering::Relaxed);
    }

    pub fn rejected_only(&self, rejected: u64) {
        self.ingest_requests.fetch_add(1, Ordering::Relaxed);
        self.records_rejected.fetch_add(rejected, Ordering::Relaxed);
    }

    pub fn analyzed(&self) {
        self.analyze_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition. `stats` is `None` when the store could not be read (the gauges are
    /// then left out, and `threadcare_store_up` says 0).
    pub fn render(&self, stats: Option<&Stats>) -> String {
        let mut out = String::with_capacity(4096);
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);

        help(
            &mut out,
            "threadcare_http_requests_total",
            "counter",
            "HTTP requests by method, route template and status.",
        );
        {
            let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            for ((method, route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "threadcare_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}",
                    escape(method),
                    escape(route),
                    status,
                    n
                );
            }
        }

        let counters: [(&str, &str, u64); 8] = [
            (
                "threadcare_ingest_requests_total",
                "POST /api/v1/items requests that were read.",
                get(&self.ingest_requests),
            ),
            (
                "threadcare_ingest_items_new_total",
                "Items stored for the first time.",
                get(&self.items_new),
            ),
            (
                "threadcare_ingest_items_changed_total",
                "Items stored as a new version (edited).",
                get(&self.items_changed),
            ),
            (
                "threadcare_ingest_items_unchanged_total",
                "Items posted again without a change.",
                get(&self.items_unchanged),
            ),
            (
                "threadcare_ingest_records_rejected_total",
                "Records that could not be read.",
                get(&self.records_rejected),
            ),
            (
                "threadcare_ingest_threads_assessed_total",
                "Threads (re-)assessed after an ingest.",
                get(&self.threads_assessed),
            ),
            (
                "threadcare_ingest_imminent_total",
                "Items that reached level imminent when stored.",
                get(&self.imminent_stored),
            ),
            (
                "threadcare_analyze_requests_total",
                "Texts assessed by POST /api/v1/analyze (nothing stored).",
                get(&self.analyze_requests),
            ),
        ];
        for (name, text, value) in counters {
            help(&mut out, name, "counter", text);
            let _ = writeln!(out, "{name} {value}");
        }

        help(
            &mut out,
            "threadcare_alerts_total",
            "counter",
            "Webhook notices by outcome (queued, delivered, retried, failed, dropped).",
        );
        {
            let map = self.alerts.lock().unwrap_or_else(|e| e.into_inner());
            for outcome in ["queued", "delivered", "retried", "failed", "dropped"] {
                let _ = writeln!(
                    out,
                    "threadcare_alerts_total{{outcome=\"{outcome}\"}} {}",
                    map.get(outcome).copied().unwrap_or(0)
                );
            }
        }

        help(
            &mut out,
            "threadcare_store_up",
            "gauge",
            "1 when the store answered this scrape.",
        );
        let _ = writeln!(out, "threadcare_store_up {}", u8::from(stats.is_some()));
        if let Some(stats) = stats {
            help(
                &mut out,
                "threadcare_open_items",
                "gauge",
                "Unresolved items by level.",
            );
            for level in Level::ALL {
                let _ = writeln!(
                    out,
                    "threadcare_open_items{{level=\"{}\"}} {}",
                    level.as_str(),
                    stats.open_by_level[level.rank() as usize]
                );
            }
            for (name, text, value) in [
                ("threadcare_items", "Items stored.", stats.items),
                ("threadcare_threads", "Threads stored.", stats.threads),
                (
                    "threadcare_actions",
                    "Moderator actions recorded.",
                    stats.actions,
                ),
            ] {
                help(&mut out, name, "gauge", text);
                let _ = writeln!(out, "{name} {value}");
            }
        }
        out
    }
}

fn help(out: &mut String, name: &str, kind: &str, text: &str) {
    let _ = writeln!(out, "# HELP {name} {text}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value (backslash, quote, newline).
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_is_well_formed() {
        let m = Metrics::default();
        m.request("GET", "/api/v1/items/{item_id}", 200);
        m.request("GET", "/api/v1/items/{item_id}", 200);
        m.request("GET", "weird\"route", 404);
        m.alert("dropped");
        let stats = Stats {
            threads: 2,
            items: 5,
            open_by_level: [1, 1, 1, 1, 1],
            actions: 0,
        };
        let text = m.render(Some(&stats));
        assert!(text.contains(
            "threadcare_http_requests_total{method=\"GET\",route=\"/api/v1/items/{item_id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("route=\"weird\\\"route\""));
        assert!(text.contains("threadcare_open_items{level=\"imminent\"} 1"));
        assert!(text.contains("threadcare_alerts_total{outcome=\"dropped\"} 1"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
        assert!(m.render(None).contains("threadcare_store_up 0"));
    }
}
