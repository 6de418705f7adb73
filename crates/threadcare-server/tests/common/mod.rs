//! Shared test support: a server over a fresh store with one token per role, requests driven
//! in-process (`tower::ServiceExt::oneshot`) or over real TCP.
//!
//! Every text here is synthetic, written for these tests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use threadcare_engine::Engine;
use threadcare_server::store::{Role, SqliteStore, Store};
use threadcare_server::{router, AppState, Settings};
use tower::ServiceExt;

pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Arc::new(Engine::embedded().expect("the embedded engine loads")))
        .clone()
}

/// A writer at imminent risk (goodbye letters, pills saved), who also left an e-mail address.
pub const IMMINENT_TEXT: &str = "I have been saving my pills for weeks and tonight I am going to \
take them all. I already wrote goodbye letters to my brother. If anyone finds this, write to \
marigold.fox@example.com.";
/// A writer at severe risk (recent self-injury, method).
pub const SEVERE_TEXT: &str = "Last month I cut myself again and I keep thinking about how I \
would do it if I decided to die.";
pub const MODERATE_TEXT: &str =
    "Some days I wish I could just not wake up. My therapist says it will pass.";
pub const NONE_TEXT: &str = "Rough week at work, the commute is killing me but therapy helped.";
pub const REPLY_TEXT: &str = "That sounds so heavy, I am really glad you posted. Please call 988 \
or go to the emergency room right now, you matter to us.";

/// Writers' names used in the fixtures (none may reach a researcher).
pub const AUTHORS: [&str; 3] = ["marigold_fox", "heron.blue", "quietlantern"];

/// Two threads as JSON Lines: t-1 (an imminent post with a supportive reply), t-2 (a severe
/// post, a moderate comment, an idle comment). One item id holds a `/` and a `:`.
pub fn fixture_jsonl() -> String {
    let lines = [
        serde_json::json!({"id":"t-1","thread_id":"t-1","kind":"post","author":AUTHORS[0],
            "created_at":"2026-11-20T21:00:00Z","title":"Tonight","text":IMMINENT_TEXT}),
        serde_json::json!({"id":"t-1/c:1","thread_id":"t-1","parent_id":"t-1","kind":"comment",
            "author":AUTHORS[1],"created_at":"2026-11-20T21:10:00Z","text":REPLY_TEXT}),
        serde_json::json!({"id":"t-2","thread_id":"t-2","kind":"post","author":AUTHORS[1],
            "created_at":"2026-11-18T08:00:00Z","title":"Again","text":SEVERE_TEXT}),
        serde_json::json!({"id":"t-2-c1","thread_id":"t-2","parent_id":"t-2","kind":"comment",
            "author":AUTHORS[2],"created_at":"2026-11-18T09:00:00Z","text":MODERATE_TEXT}),
        serde_json::json!({"id":"t-2-c2","thread_id":"t-2","parent_id":"t-2","kind":"comment",
            "author":AUTHORS[0],"created_at":"2026-11-18T10:00:00Z","text":NONE_TEXT}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

pub struct Harness {
    pub store: Arc<SqliteStore>,
    pub state: AppState,
    pub moderator: String,
    pub admin: String,
    pub researcher: String,
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with_settings(Settings::default())
    }

    pub fn with_settings(settings: Settings) -> Harness {
        let store = Arc::new(SqliteStore::open_in_memory().expect("a temporary store opens"));
        let token = |label: &str, role| store.create_token(label, role).unwrap().1;
        let moderator = token("mod-ash", Role::Moderator);
        let admin = token("admin-rowan", Role::Admin);
        let researcher = token("res-elm", Role::Researcher);
        let dyn_store: Arc<dyn Store> = store.clone();
        let state = AppState::new(dyn_store, engine(), settings);
        Harness {
            store,
            state,
            moderator,
            admin,
            researcher,
        }
    }

    pub fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// Stores the fixture threads through the API.
    pub async fn load_fixture(&self) {
        let res = self
            .call(
                Method::POST,
                "/api/v1/items",
                Some(&self.moderator),
                fixture_jsonl().into_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(res.json()["new"], 5, "{}", res.text());
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: impl Into<Vec<u8>>,
    ) -> Reply {
        call(self.router(), method, path, token, body.into()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), Vec::new()).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(
            Method::POST,
            path,
            Some(token),
            body.to_string().into_bytes(),
        )
        .await
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// The error code of an error body, checking the body's shape on the way.
    pub fn code(&self) -> String {
        let v = self.json();
        let err = v["error"]
            .as_object()
            .unwrap_or_else(|| panic!("not an error body: {v}"));
        assert!(
            err["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{v}"
        );
        err["code"].as_str().unwrap().to_string()
    }
}

pub async fn call(
    router: Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if !body.is_empty() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let res = router
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// Serves `state` on 127.0.0.1 with a random port, until the test's runtime ends.
pub async fn spawn_tcp(state: AppState) -> SocketAddr {
    let listener = threadcare_server::bind("127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(threadcare_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    addr
}

/// One HTTP/1.1 request over a fresh TCP connection.
pub async fn tcp_request(
    addr: SocketAddr,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, addr.to_string());
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = sender
        .send_request(req.body(Full::new(bytes::Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, body)
}

/// Percent-encodes a path segment.
pub fn enc(s: &str) -> String {
    threadcare_server::alerts::percent_encode(s)
}
