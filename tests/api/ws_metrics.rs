//! A WebSocket upgrade is a request like any other: it is counted in `/metrics` with its
//! route pattern and the status it was answered with, 101 or a refusal.

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::ws::{try_open, ws_url, Ws};

/// The operator listener's `/metrics` text.
async fn metrics_text(app: &TestApp) -> String {
    let operator = app.metrics_addr.expect("an operator listener is bound");
    app.client
        .get(format!("http://{operator}/metrics"))
        .send()
        .await
        .expect("the operator listener answers")
        .text()
        .await
        .expect("a metrics text")
}

/// Whether `text` has a sample of `metric` carrying every one of `labels`.
fn has_sample(text: &str, metric: &str, labels: &[(&str, &str)]) -> bool {
    text.lines()
        .filter_map(|line| line.strip_prefix(metric)?.strip_prefix('{'))
        .any(|rest| {
            labels
                .iter()
                .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
}

#[tokio::test]
async fn upgrades_are_counted_by_route_and_status() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.ops.metrics_listen = "127.0.0.1:0".to_owned();
    })
    .await;
    let alice = app.create_user("alice").await;
    let gateway = Ws::connect(&app, &alice).await;
    assert!(try_open(&ws_url(&app.address), None).await.is_err());
    let base = app.address.replacen("http://", "ws://", 1);
    let share = format!("{base}/v1/live-shares/no-such-share/ws");
    assert!(try_open(&share, Some(&alice.token)).await.is_err());
    assert!(try_open(&format!("{base}/v1/nowhere"), Some(&alice.token))
        .await
        .is_err());
    let text = metrics_text(&app).await;
    let requests = "imshare_http_requests_total";
    for (route, status) in [
        ("/v1/ws", "101"),
        ("/v1/ws", "401"),
        ("/v1/live-shares/{id}/ws", "404"),
        ("unmatched", "404"),
    ] {
        let labels = [("method", "GET"), ("route", route), ("status", status)];
        assert!(
            has_sample(&text, requests, &labels),
            "no {requests} sample for {route} {status} in:\n{text}"
        );
    }
    assert!(
        has_sample(
            &text,
            "imshare_http_request_seconds_count",
            &[("route", "/v1/live-shares/{id}/ws")]
        ),
        "upgrades are timed as requests are"
    );
    gateway.close().await;
}
