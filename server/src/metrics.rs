//! Prometheus metrics: requests by route and status, ops accepted/rejected/duplicate, pull
//! pages, and database latency. Each server state has its own registry (no global), so tests can
//! run several servers in one process.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DbLabels {
    call: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    ops: Family<OpLabels, Counter>,
    pull_pages: Counter,
    db_seconds: HistogramFamily<DbLabels>,
}

fn db_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("minqing");
        let requests = Family::<HttpLabels, Counter>::default();
        let ops = Family::<OpLabels, Counter>::default();
        let pull_pages = Counter::default();
        let db_seconds: HistogramFamily<DbLabels> = Family::new_with_constructor(db_histogram);
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "sync_ops",
            "Pushed ops by result (accepted, rejected, duplicate)",
            ops.clone(),
        );
        registry.register("sync_pull_pages", "Pull pages served", pull_pages.clone());
        registry.register("db_call_seconds", "Database call latency", db_seconds.clone());
        Self { registry, requests, ops, pull_pages, db_seconds }
    }
}

impl Metrics {
    /// Counts a request. The labels are bounded whatever clients send: `route` is a route of
    /// the table (or `unmatched`), a method other than the standard ones counts as `OTHER`.
    pub fn request(&self, route: &str, method: &axum::http::Method, status: u16) {
        use axum::http::Method;
        let standard = [
            Method::GET,
            Method::POST,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::OPTIONS,
        ];
        let method = if standard.contains(method) { method.as_str() } else { "OTHER" };
        self.requests
            .get_or_create(&HttpLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
    }

    /// Counts pushed ops.
    pub fn ops(&self, accepted: u64, rejected: u64, duplicate: u64) {
        for (result, n) in
            [("accepted", accepted), ("rejected", rejected), ("duplicate", duplicate)]
        {
            if n > 0 {
                self.ops.get_or_create(&OpLabels { result }).inc_by(n);
            }
        }
    }

    /// Counts a pull page.
    pub fn pull_page(&self) {
        self.pull_pages.inc();
    }

    /// Records a database call's duration.
    pub fn db(&self, call: &'static str, took: Duration) {
        self.db_seconds.get_or_create(&DbLabels { call }).observe(took.as_secs_f64());
    }

    /// The content type of [`Metrics::render`]'s text: OpenMetrics, which Prometheus reads.
    pub const CONTENT_TYPE: &'static str =
        "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// The metrics in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
