//! Every route: its happy path and its errors, auth, audit and de-identification, driven
//! in-process through the router.

mod common;

use std::collections::BTreeSet;

use axum::http::{header, Method, StatusCode};
use common::*;
use serde_json::{json, Value};
use threadcare_server::store::Store;
use threadcare_server::{ErrorCode, Settings};

#[tokio::test]
async fn healthz_needs_no_token_and_everything_else_does() {
    let h = Harness::new();
    let r = h.call(Method::GET, "/healthz", None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok"}));

    for (method, path) in threadcare_server::routes() {
        if path == "/healthz" {
            continue;
        }
        let path = path
            .replace("{thread_id}", "t-1")
            .replace("{item_id}", "t-1")
            .replace("{author}", "someone");
        let r = h.call(method.clone(), &path, None, Vec::new()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(r.code(), "unauthorized");
        assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));
    }
}

#[tokio::test]
async fn bad_unknown_and_revoked_tokens_are_401() {
    let h = Harness::new();
    let r = h.get("/api/v1/me", "tc_999_notatoken").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let r = h.get("/api/v1/me", "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let req = axum::http::Request::builder()
        .uri("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Basic {}", h.moderator))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(h.router(), req).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A token that worked stops working at once when revoked.
    let r = h.get("/api/v1/me", &h.moderator).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"label": "mod-ash", "role": "moderator"}));
    let id = h
        .store
        .tokens()
        .unwrap()
        .into_iter()
        .find(|t| t.label == "mod-ash")
        .unwrap()
        .id;
    assert!(h.store.revoke_token(id).unwrap());
    let r = h.get("/api/v1/me", &h.moderator).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
}

#[tokio::test]
async fn config_lists_crisis_resources() {
    let h = Harness::new();
    let r = h.get("/api/v1/config", &h.researcher).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["default_locale"], "en-US");
    let resources = v["crisis_resources"].as_array().unwrap();
    let us = resources.iter().find(|r| r["locale"] == "en-US").unwrap();
    assert!(us["contact"].as_str().unwrap().contains("988"));
    assert!(resources
        .iter()
        .any(|r| r["locale"] == "en-GB" && r["contact"].as_str().unwrap().contains("116 123")));
}

#[tokio::test]
async fn posting_items_is_idempotent_and_reports_rejected_records() {
    let h = Harness::new();
    h.load_fixture().await;
    let r = h
        .call(
            Method::POST,
            "/api/v1/items",
            Some(&h.admin),
            fixture_jsonl(),
        )
        .await;
    let v = r.json();
    assert_eq!(r.status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["new"].as_u64(), v["unchanged"].as_u64()),
        (Some(0), Some(5))
    );
    assert_eq!(v["format"], "jsonl");

    // A batch with bad records: the good ones go through, the bad are listed by number.
    let body = format!(
        "{}\nnot json at all\n{}\n{}\n",
        json!({"id":"b-1","thread_id":"b-1","kind":"post","text":"Made it through the week."}),
        json!({"id":"b-2","thread_id":"b-1","parent_id":"b-1","kind":"comment"}),
        json!({"id":"b-3","thread_id":"b-1","parent_id":"b-1","kind":"comment","text":"Proud of you."}),
    );
    let r = h
        .call(Method::POST, "/api/v1/items", Some(&h.moderator), body)
        .await;
    let v = r.json();
    assert_eq!(r.status, StatusCode::OK, "{v}");
    assert_eq!(v["new"], 2, "{v}");
    let records: Vec<u64> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["record"].as_u64().unwrap())
        .collect();
    assert_eq!(records, [2, 3], "{v}");
    assert!(v["rejected"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("no text"));

    // One object, pretty-printed; and an array of objects.
    let one = serde_json::to_string_pretty(
        &json!({"id":"s-1","text":"A quiet, ordinary Sunday.","author":"wren"}),
    )
    .unwrap();
    let r = h
        .call(Method::POST, "/api/v1/items", Some(&h.moderator), one)
        .await;
    assert_eq!(
        (r.status, r.json()["new"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{}",
        r.text()
    );
    let arr = json!([
        {"id":"a-1","text":"Went for a walk today."},
        {"id":"a-2","text":"Cooked for friends."},
        "not an item"
    ]);
    let r = h.post_json("/api/v1/items", &h.moderator, arr).await;
    let v = r.json();
    assert_eq!(
        (r.status, v["new"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{v}"
    );
    assert_eq!(v["rejected"][0]["record"], 3);
}

#[tokio::test]
async fn posting_items_errors() {
    let h = Harness::new();
    async fn post(h: &Harness, token: &str, path: &str, body: &[u8]) -> Reply {
        h.call(Method::POST, path, Some(token), body.to_vec()).await
    }
    let r = post(
        &h,
        &h.researcher,
        "/api/v1/items",
        fixture_jsonl().as_bytes(),
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let r = post(&h, &h.moderator, "/api/v1/items", b"  \n").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
    let r = post(
        &h,
        &h.moderator,
        "/api/v1/items?from=yaml",
        fixture_jsonl().as_bytes(),
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("jsonl"));
    let r = post(
        &h,
        &h.moderator,
        "/api/v1/items?form=jsonl",
        fixture_jsonl().as_bytes(),
    )
    .await;
    assert_eq!(r.code(), "invalid_query");
    let r = post(
        &h,
        &h.moderator,
        "/api/v1/items?from=wxr",
        fixture_jsonl().as_bytes(),
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_format")
    );
    let r = post(&h, &h.moderator, "/api/v1/items", b"\x00\x9f\x92\x96binary").await;
    assert_eq!(r.code(), "unsupported_format");
    let r = post(
        &h,
        &h.moderator,
        "/api/v1/items",
        b"<!doctype html><html></html>",
    )
    .await;
    assert_eq!(r.code(), "unsupported_format");
    let r = post(
        &h,
        &h.moderator,
        "/api/v1/items",
        b"{\"id\":\"x\"}\n{\"id\":\"y\"}\n",
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "no_valid_records")
    );
    let rejected = r.json()["error"]["details"]["rejected"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rejected, 2);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let mut settings = Settings::default();
    settings.limits.max_batch_bytes = 4096;
    settings.limits.max_analyze_bytes = 2048;
    let h = Harness::with_settings(settings);
    let big = "x".repeat(5000);
    let line = json!({"id":"big","text": big}).to_string();
    let r = h
        .call(Method::POST, "/api/v1/items", Some(&h.moderator), line)
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let r = h
        .post_json(
            "/api/v1/analyze",
            &h.moderator,
            json!({"text": "y".repeat(3000)}),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    // Under the limits, the same routes answer.
    let r = h
        .post_json("/api/v1/analyze", &h.moderator, json!({"text": "ok"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn analyze_assesses_without_storing() {
    let h = Harness::new();
    let r = h
        .post_json(
            "/api/v1/analyze",
            &h.researcher,
            json!({"text": IMMINENT_TEXT}),
        )
        .await;
    let v = r.json();
    assert_eq!(r.status, StatusCode::OK, "{v}");
    assert_eq!(v["level"], "imminent");
    assert!(v["cssrs"].as_u64().unwrap() >= 4);
    let s = &v["signals"][0];
    let (start, end) = (
        s["start"].as_u64().unwrap() as usize,
        s["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&IMMINENT_TEXT[start..end], s["text"].as_str().unwrap());
    assert_eq!(h.store.stats().unwrap().items, 0, "analyze stores nothing");

    // A title counts: a post whose title carries the message.
    let r = h
        .post_json(
            "/api/v1/analyze",
            &h.moderator,
            json!({"title": "I wrote my goodbye letters tonight", "text": "That is all."}),
        )
        .await;
    assert_ne!(r.json()["level"], "none", "{}", r.text());

    for (body, code) in [
        (&b"{\"text\": 5}"[..], "invalid_request"),
        (b"{\"title\": \"x\"}", "invalid_request"),
        (b"{\"text\": \"x\", \"colour\": 1}", "invalid_request"),
        (b"{\"text\": \"x\"", "invalid_json"),
        (b"text=hello", "invalid_json"),
        (b"", "invalid_json"),
        (b"[]", "invalid_request"),
    ] {
        let r = h
            .call(
                Method::POST,
                "/api/v1/analyze",
                Some(&h.moderator),
                body.to_vec(),
            )
            .await;
        assert_eq!(r.code(), code, "{}", String::from_utf8_lossy(body));
        assert!(r.status.is_client_error());
    }
}

#[tokio::test]
async fn queue_is_ordered_filtered_and_audited() {
    let h = Harness::new();
    h.load_fixture().await;
    let r = h.get("/api/v1/queue", &h.moderator).await;
    let v = r.json();
    assert_eq!(r.status, StatusCode::OK, "{v}");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries[0]["item_id"], "t-1", "{v}");
    assert_eq!(entries[0]["level"], "imminent");
    assert_eq!(v["stats"]["items"], 5);
    let levels: Vec<&str> = entries
        .iter()
        .map(|e| e["level"].as_str().unwrap())
        .collect();
    assert!(
        !levels.contains(&"none"),
        "default min_level is low: {levels:?}"
    );

    let r = h
        .get("/api/v1/queue?min_level=severe&limit=10", &h.moderator)
        .await;
    let severe: BTreeSet<String> = r.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["item_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        severe,
        BTreeSet::from(["t-1".to_string(), "t-2".to_string()])
    );

    // Both severe-or-above entries were read twice by mod-ash: four audit lines, no text.
    let audit = h.get("/api/v1/audit?limit=100", &h.admin).await.json();
    let reads: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["event"] == "read_item")
        .collect();
    assert_eq!(reads.len(), 4, "{audit}");
    for a in &reads {
        assert_eq!(a["actor"], "mod-ash");
        assert!(["severe", "imminent"].contains(&a["level"].as_str().unwrap()));
    }
    assert!(
        !audit.to_string().contains("pills"),
        "no post text in the audit log"
    );

    for q in [
        "min_level=urgent",
        "limit=0",
        "limit=100000",
        "limit=ten",
        "offset=-1",
        "include_resolved=perhaps",
        "sort=level",
    ] {
        let r = h.get(&format!("/api/v1/queue?{q}"), &h.moderator).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "{q}"
        );
    }
}

#[tokio::test]
async fn threads_items_and_history() {
    let h = Harness::new();
    h.load_fixture().await;
    let r = h.get("/api/v1/threads/t-1", &h.moderator).await;
    let v = r.json();
    assert_eq!(r.status, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], "t-1");
    assert_eq!(items[1]["parent_id"], "t-1");
    assert_eq!(items[1]["reply"]["referral"], true, "{}", items[1]);
    assert_eq!(v["summary"]["thread_id"], "t-1");

    // An id with `/` and `:` percent-encoded in the path.
    let r = h
        .get(&format!("/api/v1/items/{}", enc("t-1/c:1")), &h.moderator)
        .await;
    assert_eq!(
        (r.status, r.json()["id"].as_str()),
        (StatusCode::OK, Some("t-1/c:1"))
    );
    assert_eq!(r.json()["version"], 1);

    let r = h.get("/api/v1/items/t-2/history", &h.moderator).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1, "{}", r.text());
    // An edit keeps the earlier text.
    let edited = json!({"id":"t-2","thread_id":"t-2","kind":"post","author":AUTHORS[1],
        "created_at":"2026-11-18T08:00:00Z","title":"Again","text":"Edited: I am safe tonight, I called my sister."});
    let r = h.post_json("/api/v1/items", &h.moderator, edited).await;
    assert_eq!(r.json()["changed"], 1, "{}", r.text());
    let r = h.get("/api/v1/items/t-2/history", &h.moderator).await;
    let versions = r.json();
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");
    assert_eq!(
        h.get("/api/v1/items/t-2", &h.moderator).await.json()["version"],
        2
    );

    for path in [
        "/api/v1/threads/nope",
        "/api/v1/items/nope",
        "/api/v1/items/nope/history",
        "/api/v1/authors/nobody/timeline",
    ] {
        let r = h.get(path, &h.moderator).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
    let r = h.get("/api/v1/items/%FF%FE", &h.moderator).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );
}

#[tokio::test]
async fn severe_reads_of_threads_and_items_are_audited() {
    let h = Harness::new();
    h.load_fixture().await;
    h.get("/api/v1/threads/t-2", &h.moderator).await;
    h.get("/api/v1/items/t-2-c1", &h.moderator).await; // moderate: not audited
    h.get("/api/v1/items/t-1", &h.researcher).await;
    let audit = h.get("/api/v1/audit", &h.admin).await.json();
    let reads: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["event"] == "read_item")
        .map(|a| {
            (
                a["actor"].as_str().unwrap().to_string(),
                a["item_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let got: BTreeSet<_> = reads.into_iter().collect();
    let want: BTreeSet<_> = [("mod-ash", "t-2"), ("res-elm", "t-1")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want, "{audit}");
}

#[tokio::test]
async fn actions_are_recorded_with_the_tokens_label() {
    let h = Harness::new();
    h.load_fixture().await;
    let path = "/api/v1/items/t-1/actions";
    let r = h
        .post_json(path, &h.moderator, json!({"kind": "claim"}))
        .await;
    let v = r.json();
    assert_eq!(r.status, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["actor"].as_str(), v["kind"].as_str()),
        (Some("mod-ash"), Some("claim"))
    );
    let item = h.get("/api/v1/items/t-1", &h.moderator).await.json();
    assert_eq!(
        (item["state"].as_str(), item["claimed_by"].as_str()),
        (Some("claimed"), Some("mod-ash"))
    );

    let r = h.post_json(path, &h.admin, json!({"kind": "claim"})).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "conflict")
    );
    let r = h
        .post_json(path, &h.moderator, json!({"kind": "responded"}))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
    let r = h
        .post_json(
            path,
            &h.moderator,
            json!({"kind": "responded", "note": "Sent crisis line details by DM."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = h
        .post_json(path, &h.moderator, json!({"kind": "escalate"}))
        .await;
    assert_eq!(r.code(), "invalid_request");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("escalate"));
    let r = h
        .post_json(
            "/api/v1/items/nope/actions",
            &h.moderator,
            json!({"kind": "note", "note": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let r = h
        .post_json(path, &h.researcher, json!({"kind": "note", "note": "x"}))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
}

#[tokio::test]
async fn writers_and_their_timelines() {
    let h = Harness::new();
    h.load_fixture().await;
    let names = h.get("/api/v1/authors", &h.moderator).await.json();
    for a in AUTHORS {
        assert!(
            names.as_array().unwrap().iter().any(|n| n == a),
            "{a} in {names}"
        );
    }
    let r = h
        .get(
            &format!("/api/v1/authors/{}/timeline", enc("heron.blue")),
            &h.moderator,
        )
        .await;
    let v = r.json();
    assert_eq!(r.status, StatusCode::OK, "{v}");
    assert_eq!(v["author"], "heron.blue");
    assert_eq!(v["points"].as_array().unwrap().len(), 2, "{v}");
}

#[tokio::test]
async fn the_audit_log_is_for_admins_only() {
    let h = Harness::new();
    for token in [&h.moderator, &h.researcher] {
        let r = h.get("/api/v1/audit", token).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::FORBIDDEN, "forbidden")
        );
    }
    let r = h.get("/api/v1/audit?limit=5&offset=0", &h.admin).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = h.get("/api/v1/audit?limit=abc", &h.admin).await;
    assert_eq!(r.code(), "invalid_query");
}

#[tokio::test]
async fn researchers_see_no_names_emails_or_real_authors() {
    let h = Harness::new();
    h.load_fixture().await;
    let mut bodies = Vec::new();
    for path in [
        "/api/v1/queue?min_level=none".to_string(),
        "/api/v1/threads/t-1".into(),
        "/api/v1/threads/t-2".into(),
        "/api/v1/items/t-1".into(),
        "/api/v1/items/t-1/history".into(),
        "/api/v1/authors".into(),
    ] {
        let r = h.get(&path, &h.researcher).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        bodies.push((path, r.text()));
    }
    let pseudonyms = h.get("/api/v1/authors", &h.researcher).await.json();
    let first = pseudonyms[0].as_str().unwrap().to_string();
    assert!(first.starts_with("writer-"), "{pseudonyms}");
    let r = h
        .get(
            &format!("/api/v1/authors/{}/timeline", enc(&first)),
            &h.researcher,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    bodies.push(("timeline".into(), r.text()));
    for (path, body) in &bodies {
        for name in AUTHORS {
            assert!(
                !body.contains(name),
                "{path} shows the writer {name}: {body}"
            );
        }
        assert!(
            !body.contains("marigold.fox@example.com"),
            "{path} shows an e-mail address"
        );
    }
    // The real name is not a key to a timeline for a researcher.
    let r = h
        .get("/api/v1/authors/heron.blue/timeline", &h.researcher)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_table() {
    let h = Harness::new();
    let r = h.get("/api/v1/nothing-here", &h.moderator).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "unknown_route")
    );
    let r = h.call(Method::GET, "/favicon.ico", None, Vec::new()).await;
    assert_eq!(r.code(), "unknown_route");
    let r = h
        .call(
            Method::DELETE,
            "/api/v1/queue",
            Some(&h.moderator),
            Vec::new(),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let r = h
        .call(
            Method::GET,
            "/api/v1/analyze",
            Some(&h.moderator),
            Vec::new(),
        )
        .await;
    assert_eq!(r.code(), "method_not_allowed");
}

#[tokio::test]
async fn metrics_count_routes_by_template() {
    let h = Harness::new();
    h.load_fixture().await;
    h.get("/api/v1/items/t-1", &h.moderator).await;
    h.get("/api/v1/items/nope", &h.moderator).await;
    let r = h.get("/metrics", &h.moderator).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = r.text();
    for needle in [
        "threadcare_http_requests_total{method=\"GET\",route=\"/api/v1/items/{item_id}\",status=\"200\"} 1",
        "threadcare_http_requests_total{method=\"GET\",route=\"/api/v1/items/{item_id}\",status=\"404\"} 1",
        "threadcare_http_requests_total{method=\"POST\",route=\"/api/v1/items\",status=\"200\"} 1",
        "threadcare_ingest_items_new_total 5",
        "threadcare_open_items{level=\"imminent\"} 1",
        "threadcare_items 5",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    assert!(!text.contains("t-1"), "no concrete paths or ids in metrics");
}

#[tokio::test]
async fn the_dashboard_is_served_without_a_token() {
    let h = Harness::new();
    let r = h.call(Method::GET, "/", None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.headers.contains_key(header::CONTENT_SECURITY_POLICY));
    for (file, ctype) in [("app.js", "text/javascript"), ("app.css", "text/css")] {
        let r = h
            .call(Method::GET, &format!("/assets/{file}"), None, Vec::new())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
        assert!(r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(ctype));
    }
    let r = h
        .call(Method::GET, "/assets/nope.js", None, Vec::new())
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let r = h
        .call(Method::GET, "/assets/../Cargo.toml", None, Vec::new())
        .await;
    assert!(r.status.is_client_error());
}

/// Walks the error table: each code has a distinct snake_case name, a 4xx status unless it is
/// the server's own failure, and a row in docs/api.md with the same status.
#[test]
fn the_error_table_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md"))
        .expect("docs/api.md exists");
    let mut names = BTreeSet::new();
    for code in ErrorCode::ALL {
        let name = code.as_str();
        assert!(names.insert(name), "{name} twice");
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name}"
        );
        let status = code.status().as_u16();
        match code {
            ErrorCode::Internal | ErrorCode::StoreUnavailable => assert!(status >= 500),
            _ => assert!((400..500).contains(&status), "{name} is {status}"),
        }
        let row = format!("| `{name}` | {status} |");
        assert!(
            doc.contains(&row),
            "docs/api.md lacks the row starting {row}"
        );
        let serialised = serde_json::to_value(code).unwrap();
        assert_eq!(serialised, name);
    }
}

/// Every example file of the repository (every input format) goes through the API as it is.
#[tokio::test]
async fn every_example_format_can_be_posted() {
    let h = Harness::new();
    let mut formats = BTreeSet::new();
    for (name, bytes) in threadcare_server::embedded::EXAMPLES {
        let r = h
            .call(
                Method::POST,
                "/api/v1/items",
                Some(&h.moderator),
                bytes.to_vec(),
            )
            .await;
        let v = r.json();
        assert_eq!(r.status, StatusCode::OK, "{name}: {v}");
        assert!(v["read"].as_u64().unwrap() > 0, "{name}: {v}");
        formats.insert(v["format"].as_str().unwrap().to_string());
    }
    for f in [
        "jsonl",
        "reddit",
        "pushshift",
        "wxr",
        "rss",
        "atom",
        "csv",
        "blog-text",
    ] {
        assert!(formats.contains(f), "no example read as {f}: {formats:?}");
    }
    // The same body forced to its own format reads the same.
    let reddit = threadcare_server::embedded::EXAMPLES
        .iter()
        .find(|(n, _)| n.ends_with("reddit-thread.json"))
        .unwrap()
        .1;
    let r = h
        .call(
            Method::POST,
            "/api/v1/items?from=reddit",
            Some(&h.moderator),
            reddit.to_vec(),
        )
        .await;
    assert_eq!(r.json()["new"], 0, "already stored: {}", r.text());
}

/// Walks the error table with real requests: every client-error code is produced by some bad
/// request, with its documented status.
#[tokio::test]
async fn every_client_error_code_comes_from_a_real_request() {
    let mut settings = Settings::default();
    settings.limits.max_analyze_bytes = 2048;
    let h = Harness::with_settings(settings);
    h.load_fixture().await;
    h.post_json(
        "/api/v1/items/t-1/actions",
        &h.moderator,
        json!({"kind": "claim"}),
    )
    .await;
    let m = h.moderator.clone();
    let cases: Vec<(Method, String, Option<String>, Vec<u8>)> = vec![
        (Method::GET, "/api/v1/me".into(), None, vec![]),
        (Method::GET, "/api/v1/audit".into(), Some(m.clone()), vec![]),
        (
            Method::GET,
            "/api/v1/items/none".into(),
            Some(m.clone()),
            vec![],
        ),
        (Method::GET, "/api/v2/queue".into(), Some(m.clone()), vec![]),
        (Method::PUT, "/api/v1/queue".into(), Some(m.clone()), vec![]),
        (
            Method::POST,
            "/api/v1/items/t-1/actions".into(),
            Some(h.admin.clone()),
            br#"{"kind":"claim"}"#.to_vec(),
        ),
        (
            Method::POST,
            "/api/v1/analyze".into(),
            Some(m.clone()),
            b"{".to_vec(),
        ),
        (
            Method::POST,
            "/api/v1/analyze".into(),
            Some(m.clone()),
            b"{}".to_vec(),
        ),
        (
            Method::GET,
            "/api/v1/queue?limit=-3".into(),
            Some(m.clone()),
            vec![],
        ),
        (
            Method::GET,
            "/api/v1/threads/%C3%28".into(),
            Some(m.clone()),
            vec![],
        ),
        (
            Method::POST,
            "/api/v1/analyze".into(),
            Some(m.clone()),
            json!({"text": "z".repeat(4096)}).to_string().into_bytes(),
        ),
        (
            Method::POST,
            "/api/v1/items".into(),
            Some(m.clone()),
            b"\x00\x00".to_vec(),
        ),
        (
            Method::POST,
            "/api/v1/items".into(),
            Some(m.clone()),
            b"{\"id\":1}".to_vec(),
        ),
    ];
    let mut seen = BTreeSet::new();
    for (method, path, token, body) in cases {
        let r = h.call(method.clone(), &path, token.as_deref(), body).await;
        let code = r.code();
        let documented = ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == code)
            .unwrap_or_else(|| panic!("{code} is not in the table"));
        assert_eq!(r.status, documented.status(), "{method} {path}");
        seen.insert(code);
    }
    let client_codes: BTreeSet<String> = ErrorCode::ALL
        .into_iter()
        .filter(|c| c.status().is_client_error())
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(seen, client_codes);
}
