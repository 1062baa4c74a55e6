//! `/metrics` in the Prometheus text format (version 0.0.4), written by hand: a few counters, one histogram
//! and gauges read from the database at each scrape (`Db::ops_snapshot`).
//!
//! Requests are counted by route *template* (`/v1/blobs/{sha256}`, axum's `MatchedPath`), never by the raw
//! path: paths carry ids. Devices are labelled by their device id, never by a clerk's or an office's name.
//! The counters are per process (one registry, like Prometheus' client libraries keep): each instance of a
//! city with several reports its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::db::ops::OpsSnapshot;
use crate::AppState;

/// Upper bounds of the request duration histogram, seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How long a scrape waits for the database before it reports it as down.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// The SMS outbox's states, always reported (a zero is an answer, a missing series is not).
const SMS_STATES: [&str; 4] = ["queued", "sending", "sent", "failed"];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Registry {
    /// (method, route, status class) → answered requests.
    requests: BTreeMap<(String, String, &'static str), u64>,
    /// (method, route) → durations.
    durations: BTreeMap<(String, String), Histogram>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Counts one answered request.
fn record(method: &str, route: &str, status: StatusCode, elapsed: Duration) {
    let mut registry = REGISTRY.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *registry.requests.entry((method.to_owned(), route.to_owned(), status_class(status))).or_default() += 1;
    let histogram = registry.durations.entry((method.to_owned(), route.to_owned())).or_default();
    let seconds = elapsed.as_secs_f64();
    for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
        if seconds <= bound {
            *bucket += 1;
        }
    }
    histogram.sum += seconds;
    histogram.count += 1;
}

/// The middleware layer (`axum::middleware::from_fn(track)`, added with `Router::layer` so that the route
/// is matched before it runs). A request no route matched is counted as `unmatched`: its path is the
/// client's and may be anything.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    record(&method, &route, response.status(), started.elapsed());
    response
}

/// The router of the plain-HTTP metrics listener: `/metrics` and nothing else.
pub fn metrics_app(state: AppState) -> Router {
    Router::new().route(schalter_wire::paths::METRICS, get(metrics)).with_state(state)
}

/// Prometheus metrics of this instance (text exposition format 0.0.4): requests by route template and status
/// class, request durations, the sync lag per desk device, the SMS outbox by state and the producer queue.
#[utoipa::path(get, path = "/metrics", tag = "system", responses(
    (status = 200, description = "Prometheus text exposition (`text/plain; version=0.0.4`)", content_type = "text/plain"),
))]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let snapshot = match tokio::time::timeout(DATABASE_TIMEOUT, state.db.ops_snapshot()).await {
        Ok(Ok(snapshot)) => Some(snapshot),
        Ok(Err(error)) => {
            tracing::warn!(code = error.code(), "metrics: reading the database failed");
            None
        }
        Err(_) => {
            tracing::warn!("metrics: the database did not answer in time");
            None
        }
    };
    let body = render(snapshot.as_ref(), state.clock.now());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// A label value as the text format wants it: backslash, double quote and line feed escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// The exposition: the process's request metrics and, if the database answered, its numbers at `now`.
pub fn render(snapshot: Option<&OpsSnapshot>, now: i64) -> String {
    let mut out = String::new();
    family(&mut out, "schalter_build_info", "gauge", "The running version of schalter-central.");
    let _ = writeln!(out, "schalter_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
    {
        let registry = REGISTRY.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        family(
            &mut out,
            "schalter_http_requests_total",
            "counter",
            "Requests answered, by route template and status class.",
        );
        for ((method, route, class), count) in &registry.requests {
            let _ = writeln!(
                out,
                "schalter_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{class}\"}} {count}",
                label(route)
            );
        }
        family(
            &mut out,
            "schalter_http_request_duration_seconds",
            "histogram",
            "Time to answer a request, by route template.",
        );
        for ((method, route), histogram) in &registry.durations {
            let labels = format!("method=\"{method}\",route=\"{}\"", label(route));
            for (count, bound) in histogram.buckets.iter().zip(BUCKETS) {
                let _ =
                    writeln!(out, "schalter_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(
                out,
                "schalter_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(out, "schalter_http_request_duration_seconds_sum{{{labels}}} {}", histogram.sum);
            let _ = writeln!(out, "schalter_http_request_duration_seconds_count{{{labels}}} {}", histogram.count);
        }
    }
    family(&mut out, "schalter_database_up", "gauge", "1 if the database answered this scrape, else 0.");
    let _ = writeln!(out, "schalter_database_up {}", u8::from(snapshot.is_some()));
    let Some(snapshot) = snapshot else { return out };

    family(&mut out, "schalter_sync_feed_head", "gauge", "The change feed's newest cursor.");
    let _ = writeln!(out, "schalter_sync_feed_head {}", snapshot.feed_head);
    family(
        &mut out,
        "schalter_sync_lag_changes",
        "gauge",
        "Feed cursors a desk device is behind the head at its last pull (the head if it never pulled).",
    );
    for device in &snapshot.devices {
        let lag = (snapshot.feed_head - device.last_pulled_cursor.unwrap_or(0)).max(0);
        let _ = writeln!(out, "schalter_sync_lag_changes{{device=\"{}\"}} {lag}", label(&device.device_id));
    }
    family(
        &mut out,
        "schalter_sync_last_contact_seconds",
        "gauge",
        "Seconds since a desk device last pushed or pulled.",
    );
    for device in &snapshot.devices {
        let last = device.last_pulled_at.unwrap_or(i64::MIN).max(device.last_pushed_at);
        let _ = writeln!(
            out,
            "schalter_sync_last_contact_seconds{{device=\"{}\"}} {}",
            label(&device.device_id),
            (now - last).max(0)
        );
    }
    family(&mut out, "schalter_sms_outbox", "gauge", "SMS in the outbox by state (queued, sending, sent, failed).");
    let count = |rows: &[(String, i64)], key: &str| rows.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n);
    for state in SMS_STATES {
        let _ = writeln!(out, "schalter_sms_outbox{{state=\"{state}\"}} {}", count(&snapshot.sms_by_state, state));
    }
    for (state, n) in snapshot.sms_by_state.iter().filter(|(s, _)| !SMS_STATES.contains(&s.as_str())) {
        let _ = writeln!(out, "schalter_sms_outbox{{state=\"{}\"}} {n}", label(state));
    }
    family(
        &mut out,
        "schalter_producer_waiting_applications",
        "gauge",
        "Captured applications not yet in an order to the producer.",
    );
    let _ = writeln!(out, "schalter_producer_waiting_applications {}", snapshot.waiting_for_order);
    family(
        &mut out,
        "schalter_producer_ordered_applications",
        "gauge",
        "Ordered applications by status (sent, accepted and in_production await the producer's answers).",
    );
    for (status, n) in &snapshot.ordered_by_status {
        let _ = writeln!(out, "schalter_producer_ordered_applications{{status=\"{}\"}} {n}", label(status));
    }
    family(
        &mut out,
        "schalter_producer_orders",
        "gauge",
        "Orders to the producer by state (prepared: not yet taken by the producer).",
    );
    for (state, n) in &snapshot.orders_by_state {
        let _ = writeln!(out, "schalter_producer_orders{{state=\"{}\"}} {n}", label(state));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ops::DeviceLag;

    #[test]
    fn every_sample_belongs_to_a_family_with_help_and_type() {
        record("GET", "/v1/blobs/{sha256}", StatusCode::NOT_FOUND, Duration::from_millis(30));
        let snapshot = OpsSnapshot {
            feed_head: 10,
            devices: vec![DeviceLag {
                device_id: "dev\"1".into(),
                last_pulled_cursor: Some(7),
                last_pulled_at: Some(100),
                last_pushed_at: 90,
            }],
            sms_by_state: vec![("queued".into(), 2)],
            ..OpsSnapshot::default()
        };
        let text = render(Some(&snapshot), 160);
        let typed: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
        let helped = text.lines().filter(|l| l.starts_with("# HELP ")).count();
        assert_eq!(typed.len(), helped);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
            assert!(typed.contains(&name) || typed.contains(&base), "{line} has no TYPE");
        }
        assert!(text.contains("schalter_sync_lag_changes{device=\"dev\\\"1\"} 3"), "{text}");
        assert!(text.contains("schalter_sync_last_contact_seconds{device=\"dev\\\"1\"} 60"), "{text}");
        assert!(text.contains("schalter_sms_outbox{state=\"queued\"} 2\n"));
        assert!(text.contains("schalter_sms_outbox{state=\"failed\"} 0\n"));
        assert!(
            text.contains("schalter_http_requests_total{method=\"GET\",route=\"/v1/blobs/{sha256}\",status=\"4xx\"}")
        );
        assert!(text.contains("schalter_database_up 1"));
        let down = render(None, 0);
        assert!(down.contains("schalter_database_up 0") && !down.contains("schalter_sync_feed_head"));
    }
}
