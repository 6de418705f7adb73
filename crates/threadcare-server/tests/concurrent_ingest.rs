//! Eight clients ingest the same and different items at once over real TCP: afterwards every
//! item is stored exactly once, with one version, and each was reported `new` exactly once.

mod common;

use std::collections::BTreeSet;

use axum::http::Method;
use common::*;
use serde_json::{json, Value};
use threadcare_server::store::Store;

const CLIENTS: usize = 8;
const BATCHES: usize = 4;

/// Batch `b` of client `c`: a shared thread's post and comments that every client sends (in a
/// different order per client), and a thread of the client's own.
fn batch(c: usize, b: usize) -> String {
    let mut lines = Vec::new();
    let shared = format!("shared-{b}");
    lines.push(
        json!({"id": shared, "thread_id": shared, "kind": "post", "author": "heron.blue",
        "title": "Week four", "text": format!("Week {b} of the new routine. {MODERATE_TEXT}")}),
    );
    for k in 0..4 {
        lines.push(
            json!({"id": format!("{shared}-c{k}"), "thread_id": shared, "parent_id": shared,
            "kind": "comment", "author": format!("peer{k}"),
            "text": format!("Reply {k}: {REPLY_TEXT}")}),
        );
    }
    if c % 2 == 1 {
        lines.reverse();
    }
    let own = format!("own-{c}-{b}");
    lines.push(
        json!({"id": own, "thread_id": own, "kind": "post", "author": format!("writer{c}"),
        "text": format!("Client {c}, batch {b}: {SEVERE_TEXT}")}),
    );
    for k in 0..3 {
        lines.push(json!({"id": format!("{own}-c{k}"), "thread_id": own, "parent_id": own,
            "kind": "comment", "author": "quietlantern", "text": format!("Thinking of you ({k}).")}));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_lose_and_duplicate_nothing() {
    let h = Harness::new();
    let addr = spawn_tcp(h.state.clone()).await;
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let token = h.moderator.clone();
        tasks.push(tokio::spawn(async move {
            let mut reports = Vec::new();
            for b in 0..BATCHES {
                let (status, body) = tcp_request(
                    addr,
                    Method::POST,
                    "/api/v1/items",
                    Some(&token),
                    batch(c, b).into_bytes(),
                )
                .await;
                let v: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(status, 200, "client {c} batch {b}: {v}");
                reports.push(v);
            }
            reports
        }));
    }
    let mut new_total = 0;
    for t in tasks {
        for v in t.await.unwrap() {
            assert_eq!(v["read"], 9, "{v}");
            assert_eq!(v["changed"], 0, "nothing was edited: {v}");
            assert_eq!(
                v["new"].as_u64().unwrap() + v["unchanged"].as_u64().unwrap(),
                9,
                "{v}"
            );
            assert!(v["rejected"].as_array().unwrap().is_empty(), "{v}");
            new_total += v["new"].as_u64().unwrap();
        }
    }
    let shared_items = BATCHES * 5;
    let own_items = CLIENTS * BATCHES * 4;
    let expected = (shared_items + own_items) as u64;
    assert_eq!(new_total, expected, "each item reported new exactly once");

    let stats = h.store.stats().unwrap();
    assert_eq!(stats.items, expected, "{stats:?}");
    assert_eq!(stats.threads, (BATCHES + CLIENTS * BATCHES) as u64);

    // Every item: one version, assessed, and its thread whole.
    let mut ids = BTreeSet::new();
    for b in 0..BATCHES {
        let view = h.store.thread(&format!("shared-{b}")).unwrap().unwrap();
        assert_eq!(view.items.len(), 5);
        for c in 0..CLIENTS {
            let view = h.store.thread(&format!("own-{c}-{b}")).unwrap().unwrap();
            assert_eq!(view.items.len(), 4);
            for i in &view.items {
                ids.insert(i.assessed.item.id.clone());
            }
        }
        for i in &view.items {
            ids.insert(i.assessed.item.id.clone());
        }
    }
    assert_eq!(ids.len() as u64, expected);
    for id in &ids {
        let versions = h.store.item_history(id).unwrap();
        assert_eq!(versions.len(), 1, "{id} has {} versions", versions.len());
        let item = h.store.item(id).unwrap().unwrap();
        assert_eq!(item.version, 1);
        assert!(!item.engine_version.is_empty(), "{id} was assessed");
    }
    // The shared comments were judged against their post (a reply assessment exists).
    let view = h.store.thread("shared-0").unwrap().unwrap();
    assert!(view.items[1..]
        .iter()
        .all(|i| i.assessed.assessment.reply.is_some()));
}
