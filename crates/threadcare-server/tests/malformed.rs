//! Malformed requests never get a 5xx: random bytes, random JSON and mangled items thrown at
//! the POST routes (and random query strings at the queue) always answer 2xx or 4xx with the
//! error shape.

mod common;

use std::sync::OnceLock;

use axum::http::Method;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(Harness::new)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn check(method: Method, path: &str, body: Vec<u8>) -> Result<(), TestCaseError> {
    let h = harness();
    let r = runtime().block_on(h.call(method, path, Some(&h.moderator), body));
    prop_assert!(
        r.status.as_u16() < 500,
        "{} {path} -> {}: {}",
        "request",
        r.status,
        r.text()
    );
    if !r.status.is_success() {
        let v: Value = serde_json::from_slice(&r.body).map_err(|e| {
            TestCaseError::fail(format!("error body is not JSON ({e}): {}", r.text()))
        })?;
        prop_assert!(v["error"]["code"].is_string(), "{v}");
        prop_assert!(v["error"]["message"].is_string(), "{v}");
    }
    Ok(())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("post"),
            Just("comment"),
            Just("claim"),
            Just("responded"),
            Just("Listing"),
            Just("t3_x"),
            Just(""),
            Just("imminent")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let key = prop_oneof![
            Just("id"),
            Just("thread_id"),
            Just("parent_id"),
            Just("kind"),
            Just("author"),
            Just("created_at"),
            Just("title"),
            Just("text"),
            Just("body"),
            Just("note"),
            Just("data"),
            Just("children"),
            Just("source"),
            Just("name"),
            Just("x")
        ]
        .prop_map(String::from);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const POST_ROUTES: [&str; 3] = [
    "/api/v1/items",
    "/api/v1/analyze",
    "/api/v1/items/t-1/actions",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_5xx(body in prop::collection::vec(any::<u8>(), 0..600), route in 0..3usize) {
        check(Method::POST, POST_ROUTES[route], body)?;
    }

    #[test]
    fn random_json_never_5xx(value in json_value(), route in 0..3usize, lines in any::<bool>()) {
        let body = if lines {
            // The same value as JSON Lines: each element of an array on its own line.
            match &value {
                Value::Array(a) => a.iter().map(|v| format!("{v}\n")).collect::<String>(),
                v => format!("{v}\n"),
            }
        } else {
            value.to_string()
        };
        check(Method::POST, POST_ROUTES[route], body.into_bytes())?;
    }

    #[test]
    fn random_from_and_queue_queries_never_5xx(q in "[a-z_=&%0-9+-]{0,40}") {
        check(Method::POST, &format!("/api/v1/items?{q}"), b"{\"text\":\"ok\"}".to_vec())?;
        check(Method::GET, &format!("/api/v1/queue?{q}"), Vec::new())?;
        check(Method::GET, &format!("/api/v1/audit?{q}"), Vec::new())?;
    }

    #[test]
    fn mangled_items_never_5xx(
        id in prop_oneof![Just(json!("a")), Just(json!(7)), Just(json!(1.5)), Just(json!(null)), Just(json!([])), Just(json!(""))],
        parent in prop_oneof![Just(json!(null)), Just(json!("a")), Just(json!("missing")), Just(json!({}))],
        kind in prop_oneof![Just(json!("post")), Just(json!("comment")), Just(json!("reply")), Just(json!(1))],
        created in prop_oneof![Just(json!("2026-02-30")), Just(json!(-1e30)), Just(json!("yesterday")), Just(json!(1_700_000_000))],
        text in prop_oneof![".{0,30}".prop_map(Value::String), Just(json!(null)), Just(json!(3))],
    ) {
        let item = json!({"id": id, "thread_id": "m-1", "parent_id": parent, "kind": kind,
            "created_at": created, "text": text});
        check(Method::POST, "/api/v1/items", item.to_string().into_bytes())?;
    }
}
