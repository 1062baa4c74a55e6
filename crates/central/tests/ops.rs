//! What city IT watches (issue 12): `/metrics` reports the requests, each desk device's sync lag, the SMS
//! outbox and the producer queue from the real database; `/health` and `schalter_database_up` follow the
//! database.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use schalter_server_kit::ConnectedClient;
use tower::ServiceExt;

use common::instance::{audit_mutation, desk, Instance};
use common::{Backend, TestDatabase};

on_both_backends!(metrics_follow_the_desks_and_health_follows_the_database);

async fn get(central: &Instance, path: &str) -> (StatusCode, String) {
    let mut request = Request::get(path).body(Body::empty()).unwrap();
    request.extensions_mut().insert(ConnectedClient(Some(desk("Arbeitsplatz 1"))));
    let response = central.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (status, String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
}

/// The value of the sample `series` (name and labels exactly as written), if present.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn metrics_follow_the_desks_and_health_follows_the_database(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let arbeitsplatz = desk("Arbeitsplatz 1");
    let token = central.login(&arbeitsplatz).await;
    let pushed = central.push(&arbeitsplatz, &token, "desk-1", &[audit_mutation(1), audit_mutation(2)]).await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.body);

    let (status, before_pull) = get(&central, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let head = sample(&before_pull, "schalter_sync_feed_head").expect("the feed head");
    assert!(head >= 1.0, "the clerk is in the feed: {before_pull}");
    assert_eq!(
        sample(&before_pull, "schalter_sync_lag_changes{device=\"desk-1\"}"),
        Some(head),
        "never pulled: all behind"
    );

    let pulled = central.pull(&arbeitsplatz, &token, 0, 1000).await;
    assert_eq!(pulled.status, StatusCode::OK, "{}", pulled.body);
    let (_, metrics) = get(&central, "/metrics").await;
    assert_eq!(sample(&metrics, "schalter_sync_lag_changes{device=\"desk-1\"}"), Some(0.0), "{metrics}");
    assert!(sample(&metrics, "schalter_sync_last_contact_seconds{device=\"desk-1\"}").is_some(), "{metrics}");
    assert_eq!(sample(&metrics, "schalter_sms_outbox{state=\"queued\"}"), Some(0.0));
    assert_eq!(sample(&metrics, "schalter_producer_waiting_applications"), Some(0.0));
    assert_eq!(sample(&metrics, "schalter_database_up"), Some(1.0));
    let pushes = "schalter_http_requests_total{method=\"POST\",route=\"/v1/sync/push\",status=\"2xx\"}";
    assert!(sample(&metrics, pushes).is_some_and(|n| n >= 1.0), "{metrics}");
    assert!(!metrics.contains("Mustermann") && !metrics.contains("erika"), "no person in the metrics");
    let (status, health) = get(&central, "/health").await;
    assert_eq!((status, health.contains("\"ok\"")), (StatusCode::OK, true), "{health}");

    // The database gone: the load balancer is told, the scrape still answers.
    central.db().close().await;
    let (status, health) = get(&central, "/health").await;
    assert_eq!((status, health.contains("\"unavailable\"")), (StatusCode::SERVICE_UNAVAILABLE, true), "{health}");
    let (status, metrics) = get(&central, "/metrics").await;
    assert_eq!((status, sample(&metrics, "schalter_database_up")), (StatusCode::OK, Some(0.0)), "{metrics}");
}
