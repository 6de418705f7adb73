//! The webhook: a local receiver on 127.0.0.1 that fails the first attempts still gets the
//! notice (retried with backoff); the notice carries no text and no name; ingest never waits
//! for the webhook, and a full queue drops notices instead of blocking.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::post;
use axum::Router;
use common::*;
use serde_json::Value;
use threadcare_server::store::Store;
use threadcare_server::{AppState, Settings};
use tokio::sync::Notify;

#[derive(Clone, Default)]
struct Receiver {
    attempts: Arc<AtomicUsize>,
    fail_first: usize,
    received: Arc<Mutex<Vec<Value>>>,
    /// When set, every attempt waits for this before answering.
    gate: Option<Arc<Notify>>,
}

async fn receive(State(r): State<Receiver>, body: axum::body::Bytes) -> StatusCode {
    let n = r.attempts.fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(gate) = &r.gate {
        gate.notified().await;
    }
    if n <= r.fail_first {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.received
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    StatusCode::NO_CONTENT
}

async fn start_receiver(r: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(receive)).with_state(r);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/hook")
}

fn harness_with_webhook(settings: Settings, url: &str) -> Harness {
    let mut h = Harness::with_settings(settings.clone());
    let store: Arc<dyn Store> = h.store.clone();
    h.state = AppState::with_alerts(store, engine(), settings, Some(url)).unwrap();
    h
}

fn fast_retries() -> Settings {
    let mut s = Settings::default();
    s.alerts.backoff_initial_ms = 20;
    s.alerts.backoff_max_ms = 100;
    s.alerts.max_attempts = 5;
    s.alerts.timeout_ms = 2_000;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_the_notice_after_retries() {
    let receiver = Receiver {
        fail_first: 2,
        ..Receiver::default()
    };
    let url = start_receiver(receiver.clone()).await;
    let h = harness_with_webhook(fast_retries(), &url);
    h.load_fixture().await;

    let mut waited = 0;
    while receiver.received.lock().unwrap().is_empty() && waited < 200 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        waited += 1;
    }
    let got = receiver.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "one imminent item, one notice: {got:?}");
    assert_eq!(
        receiver.attempts.load(Ordering::SeqCst),
        3,
        "two failures, then success"
    );
    let n = &got[0];
    assert_eq!(n["event"], "imminent_item");
    assert_eq!(n["item_id"], "t-1");
    assert_eq!(n["thread_id"], "t-1");
    assert_eq!(n["level"], "imminent");
    assert!(n["cssrs"].as_u64().unwrap() >= 4);
    assert_eq!(n["dashboard_path"], "/#/thread/t-1?item=t-1");
    assert_eq!(n.as_object().unwrap().len(), 7, "{n}");
    let text = n.to_string();
    for forbidden in ["pills", "goodbye", "marigold", "heron", "Tonight"] {
        assert!(
            !text.contains(forbidden),
            "the notice carries '{forbidden}': {text}"
        );
    }

    let metrics = h.get("/metrics", &h.moderator).await.text();
    assert!(
        metrics.contains("threadcare_alerts_total{outcome=\"delivered\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("threadcare_alerts_total{outcome=\"retried\"} 2"),
        "{metrics}"
    );

    // Posting the same items again announces nothing new.
    h.load_fixture_again().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_never_waits_for_the_webhook_and_a_full_queue_drops() {
    let gate = Arc::new(Notify::new());
    let receiver = Receiver {
        gate: Some(gate.clone()),
        ..Receiver::default()
    };
    let url = start_receiver(receiver.clone()).await;
    let mut settings = fast_retries();
    settings.alerts.queue = 1;
    settings.alerts.max_attempts = 1;
    let h = harness_with_webhook(settings, &url);

    // Three imminent posts in one batch, while the receiver answers nothing until the gate
    // opens: had ingest waited for the webhook, this would never return.
    let body: String = (0..3)
        .map(|i| {
            let line = serde_json::json!({"id": format!("im-{i}"), "author": "marigold_fox",
                "text": format!("Night {i}. {IMMINENT_TEXT}")});
            format!("{line}\n")
        })
        .collect();
    let res = tokio::time::timeout(
        Duration::from_secs(60),
        h.call(Method::POST, "/api/v1/items", Some(&h.moderator), body),
    )
    .await
    .expect("ingest returned while the webhook hung");
    let v = res.json();
    assert_eq!(v["imminent"].as_array().unwrap().len(), 3, "{v}");

    let metrics = h.get("/metrics", &h.moderator).await.text();
    let dropped: u64 = metrics
        .lines()
        .find(|l| l.starts_with("threadcare_alerts_total{outcome=\"dropped\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        dropped >= 1,
        "a queue of one cannot hold three notices:\n{metrics}"
    );
    gate.notify_waiters();
}

impl Harness {
    async fn load_fixture_again(&self) {
        let r = self
            .call(
                Method::POST,
                "/api/v1/items",
                Some(&self.moderator),
                fixture_jsonl(),
            )
            .await;
        assert_eq!(r.json()["unchanged"], 5, "{}", r.text());
    }
}
