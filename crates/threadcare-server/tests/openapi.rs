//! The OpenAPI document names exactly the routes the router serves, and real responses match
//! its schemas (required fields present, JSON types and enum values right, no undocumented
//! fields).

mod common;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{json, Value};

fn doc() -> Value {
    serde_json::from_str(threadcare_server::OPENAPI).expect("openapi.json is JSON")
}

#[test]
fn the_document_is_openapi_3_1_and_every_ref_resolves() {
    let d = doc();
    assert!(d["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut refs = Vec::new();
    collect_refs(&d, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(resolve(&d, &r).is_some(), "dangling $ref {r}");
    }
}

#[test]
fn documented_routes_are_exactly_the_served_routes() {
    let d = doc();
    let documented: BTreeSet<(String, String)> = d["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = threadcare_server::routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn every_listed_route_is_really_routed() {
    let h = Harness::new();
    for (method, path) in threadcare_server::routes() {
        let concrete = path
            .replace("{thread_id}", "t-1")
            .replace("{item_id}", "t-1")
            .replace("{author}", "someone");
        let r = h
            .call(method.clone(), &concrete, Some(&h.admin), Vec::new())
            .await;
        if !r.status.is_success() {
            let code = r.code();
            assert!(
                code != "unknown_route" && code != "method_not_allowed",
                "{method} {path} is not routed: {}",
                r.text()
            );
        }
    }
}

#[tokio::test]
async fn responses_match_the_documented_schemas() {
    let h = Harness::new();
    let d = doc();
    let mut checked = 0;
    let mut check = |method: &str, path: &str, status: StatusCode, value: &Value| {
        let op = &d["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} not in the document");
        let mut resp = op["responses"][status.as_str()].clone();
        if let Some(r) = resp.get("$ref").and_then(Value::as_str) {
            resp = resolve(&d, r).unwrap().clone();
        }
        let schema = &resp["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} documents no JSON for {status}"
        );
        let mut errors = Vec::new();
        validate(&d, schema, value, "$", &mut errors);
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {errors:#?}\n{value}"
        );
        checked += 1;
    };

    let r = h
        .call(
            Method::POST,
            "/api/v1/items",
            Some(&h.moderator),
            fixture_jsonl(),
        )
        .await;
    check("POST", "/api/v1/items", r.status, &r.json());
    let bad = format!("{}\n{{\"id\":\"z\"}}\n", json!({"id":"y","text":"fine"}));
    let r = h
        .call(Method::POST, "/api/v1/items", Some(&h.moderator), bad)
        .await;
    assert_eq!(r.json()["rejected"].as_array().unwrap().len(), 1);
    check("POST", "/api/v1/items", r.status, &r.json());
    let r = h
        .call(
            Method::POST,
            "/api/v1/items",
            Some(&h.moderator),
            "{\"id\":\"z\"}",
        )
        .await;
    check("POST", "/api/v1/items", r.status, &r.json());

    let r = h
        .post_json(
            "/api/v1/analyze",
            &h.moderator,
            json!({"text": IMMINENT_TEXT}),
        )
        .await;
    check("POST", "/api/v1/analyze", r.status, &r.json());
    // A note, a claim, then a second claim by someone else (409 Conflict): each answer, error or
    // not, must match the documented schema.
    for (token, body, status) in [
        (
            &h.moderator,
            json!({"kind":"note","note":"Checked in by DM."}),
            StatusCode::CREATED,
        ),
        (&h.moderator, json!({"kind":"claim"}), StatusCode::CREATED),
        (&h.admin, json!({"kind":"claim"}), StatusCode::CONFLICT),
    ] {
        let r = h.post_json("/api/v1/items/t-1/actions", token, body).await;
        assert_eq!(r.status, status);
        check(
            "POST",
            "/api/v1/items/{item_id}/actions",
            r.status,
            &r.json(),
        );
    }

    for (path, concrete) in [
        ("/healthz", "/healthz".to_string()),
        ("/api/v1/me", "/api/v1/me".into()),
        ("/api/v1/config", "/api/v1/config".into()),
        ("/api/v1/queue", "/api/v1/queue?min_level=none".into()),
        ("/api/v1/queue", "/api/v1/queue?min_level=urgent".into()),
        ("/api/v1/threads/{thread_id}", "/api/v1/threads/t-1".into()),
        ("/api/v1/threads/{thread_id}", "/api/v1/threads/t-2".into()),
        ("/api/v1/threads/{thread_id}", "/api/v1/threads/none".into()),
        ("/api/v1/items/{item_id}", "/api/v1/items/t-1".into()),
        (
            "/api/v1/items/{item_id}",
            format!("/api/v1/items/{}", enc("t-1/c:1")),
        ),
        (
            "/api/v1/items/{item_id}/history",
            "/api/v1/items/t-1/history".into(),
        ),
        ("/api/v1/authors", "/api/v1/authors".into()),
        (
            "/api/v1/authors/{author}/timeline",
            "/api/v1/authors/marigold_fox/timeline".into(),
        ),
        ("/api/v1/audit", "/api/v1/audit".into()),
    ] {
        let r = h.get(&concrete, &h.admin).await;
        check("GET", path, r.status, &r.json());
    }
    // A researcher's (de-identified) responses have the same shapes.
    for (path, concrete) in [
        ("/api/v1/queue", "/api/v1/queue"),
        ("/api/v1/threads/{thread_id}", "/api/v1/threads/t-1"),
        ("/api/v1/audit", "/api/v1/audit"),
    ] {
        let r = h.get(concrete, &h.researcher).await;
        check("GET", path, r.status, &r.json());
    }
    let r = h.get("/api/v1/me", "wrong").await;
    check("GET", "/api/v1/me", r.status, &r.json());
    assert!(checked >= 25);
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap().to_string());
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    let pointer = r.strip_prefix('#')?;
    doc.pointer(pointer)
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("unknown type {other} in the document"),
    }
}

/// A small structural JSON Schema check: $ref, anyOf, type (one or a list), enum, required,
/// properties (and no undocumented property), items.
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = resolve(doc, r).unwrap_or_else(|| panic!("dangling {r}"));
        return validate(doc, target, v, at, errors);
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|s| {
            let mut e = Vec::new();
            validate(doc, s, v, at, &mut e);
            e.is_empty()
        });
        if !ok {
            errors.push(format!("{at}: matches no anyOf branch: {v}"));
        }
        return;
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_ok(t, v) => {
            errors.push(format!("{at}: expected {t}, got {v}"));
            return;
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)) => {
            errors.push(format!("{at}: expected one of {ts:?}, got {v}"));
            return;
        }
        _ => {}
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(v) {
            errors.push(format!("{at}: {v} is not one of {values:?}"));
        }
    }
    if let (Some(obj), Some(props)) = (
        v.as_object(),
        schema.get("properties").and_then(Value::as_object),
    ) {
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = req.as_str().unwrap();
            if !obj.contains_key(key) {
                errors.push(format!("{at}: missing required field `{key}`"));
            }
        }
        for (key, value) in obj {
            match props.get(key) {
                Some(s) => validate(doc, s, value, &format!("{at}.{key}"), errors),
                None => errors.push(format!("{at}: field `{key}` is not documented")),
            }
        }
    }
    if let (Some(arr), Some(items)) = (v.as_array(), schema.get("items")) {
        for (i, x) in arr.iter().enumerate() {
            validate(doc, items, x, &format!("{at}[{i}]"), errors);
        }
    }
}

#[test]
fn the_checker_itself_catches_wrong_shapes() {
    let d = doc();
    let schema = json!({"$ref": "#/components/schemas/Action"});
    let good = json!({"id": 1, "item_id": "a", "kind": "claim", "actor": "x", "note": null,
        "at": "2026-11-20T21:00:00Z"});
    let mut e = Vec::new();
    validate(&d, &schema, &good, "$", &mut e);
    assert!(e.is_empty(), "{e:?}");
    for bad in [
        json!({"id": "1", "item_id": "a", "kind": "claim", "actor": "x", "note": null, "at": "t"}),
        json!({"id": 1, "item_id": "a", "kind": "ban", "actor": "x", "note": null, "at": "t"}),
        json!({"id": 1, "item_id": "a", "kind": "claim", "note": null, "at": "t"}),
        json!({"id": 1, "item_id": "a", "kind": "claim", "actor": "x", "note": 3, "at": "t"}),
        json!({"id": 1, "item_id": "a", "kind": "claim", "actor": "x", "note": null, "at": "t", "extra": 1}),
    ] {
        let mut e = Vec::new();
        validate(&d, &schema, &bad, "$", &mut e);
        assert!(!e.is_empty(), "{bad} passed");
    }
}
