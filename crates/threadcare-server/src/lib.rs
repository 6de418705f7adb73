//! The HTTP API and the moderators' dashboard (`threadcare serve`).
//!
//! One process serves everything: JSON under `/api/v1`, `/healthz`, `/metrics`, and the dashboard's
//! static files, embedded in the binary so that it works offline. The contract is `docs/api.md`
//! and the OpenAPI document at `/api/v1/openapi.json` (`openapi.json` beside this crate's
//! `Cargo.toml`); tests check that the router and the document name the same routes.
//!
//! Why it is built this way:
//! - **The store is synchronous** (SQLite is). Every store call runs on tokio's blocking pool
//!   ([`blocking`]), so a slow query never stalls the threads that accept connections.
//! - **One table of errors** ([`error::ErrorCode`]): every extractor maps its rejections into it,
//!   so bad input gets a stable 4xx code and a sentence, never a 5xx or axum's plain-text default.
//! - **Tokens are argon2 hashes** in the store. Every request asks the store, which checks
//!   revocation each time and pays argon2 only for a secret it has not verified before, so a
//!   revoked token stops working at once.
//! - **Health data stays inside.** Logs name route templates, never paths (they carry writers'
//!   names) and never post text; researchers only ever get [`privacy`]-filtered responses; every
//!   item at `severe` or above that a response carries is written to the audit log first, and a
//!   response whose audit line cannot be written is not sent.
//! - **Alerts never block ingest**: [`alerts`] queues notices for a background task.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use threadcare_engine::Engine;
use threadcare_store::{Store, StoreError};

pub mod alerts;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod ingest;
pub mod launch;
pub mod metrics;
pub mod privacy;
mod routes;
pub mod r#static;

pub use config::Settings;
pub use error::{ApiError, ErrorCode};
/// The store crate, re-exported so that the binary reaches it through the server.
pub use threadcare_store as store;

/// Files embedded at build time (see `build.rs`): the dashboard and the demo examples.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

    /// An embedded dashboard file by its path under `assets/`.
    pub fn asset(path: &str) -> Option<&'static [u8]> {
        ASSETS.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
    }
}

/// The OpenAPI 3.1 document, as served.
pub const OPENAPI: &str = include_str!("../openapi.json");

struct Inner {
    store: Arc<dyn Store>,
    engine: Arc<Engine>,
    settings: Settings,
    metrics: Arc<metrics::Metrics>,
    alerts: Option<alerts::AlertSender>,
}

/// What every handler shares: the store, the engine (loaded once), the settings, the metrics and
/// the alert queue. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// A state without alerts. Use [`AppState::with_alerts`] inside a tokio runtime to start the
    /// webhook task.
    pub fn new(store: Arc<dyn Store>, engine: Arc<Engine>, settings: Settings) -> AppState {
        AppState(Arc::new(Inner {
            store,
            engine,
            settings,
            metrics: Arc::new(metrics::Metrics::default()),
            alerts: None,
        }))
    }

    /// A state whose imminent items are announced to `webhook_url` (falls back to
    /// `settings.alerts.webhook_url`; no URL, no alerts). Must run inside a tokio runtime.
    pub fn with_alerts(
        store: Arc<dyn Store>,
        engine: Arc<Engine>,
        settings: Settings,
        webhook_url: Option<&str>,
    ) -> Result<AppState, String> {
        let metrics = Arc::new(metrics::Metrics::default());
        let url = webhook_url
            .map(str::to_string)
            .or_else(|| settings.alerts.webhook_url.clone());
        let alerts = match url {
            Some(url) => {
                let parsed = alerts::WebhookUrl::parse(&url)?;
                Some(alerts::AlertSender::start(
                    parsed,
                    settings.alerts.clone(),
                    metrics.clone(),
                ))
            }
            None => None,
        };
        Ok(AppState(Arc::new(Inner {
            store,
            engine,
            settings,
            metrics,
            alerts,
        })))
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.0.store.clone()
    }
    pub fn engine(&self) -> Arc<Engine> {
        self.0.engine.clone()
    }
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }
    pub fn metrics(&self) -> &Arc<metrics::Metrics> {
        &self.0.metrics
    }
    pub fn alerts(&self) -> Option<&alerts::AlertSender> {
        self.0.alerts.as_ref()
    }
}

/// Runs a synchronous store call on the blocking pool.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal("a store call failed", e)),
    }
}

/// Like [`blocking`] for work that fails with an [`ApiError`] already.
pub async fn blocking_api<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => Err(ApiError::internal("a background task failed", e)),
    }
}

/// Every route the router serves, as (method, path template). The router is built from this
/// list, and a test checks it against the OpenAPI document both ways.
pub fn routes() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    use routes::*;
    vec![
        (Method::GET, "/healthz", get(healthz)),
        (Method::GET, "/metrics", get(metrics_text)),
        (Method::GET, "/api/v1/openapi.json", get(openapi)),
        (Method::GET, "/api/v1/me", get(me)),
        (Method::GET, "/api/v1/config", get(config_route)),
        (Method::POST, "/api/v1/items", post(post_items)),
        (Method::POST, "/api/v1/analyze", post(analyze)),
        (Method::GET, "/api/v1/queue", get(queue)),
        (Method::GET, "/api/v1/threads/{thread_id}", get(thread)),
        (Method::GET, "/api/v1/items/{item_id}", get(item)),
        (
            Method::GET,
            "/api/v1/items/{item_id}/history",
            get(item_history),
        ),
        (
            Method::POST,
            "/api/v1/items/{item_id}/actions",
            post(post_action),
        ),
        (Method::GET, "/api/v1/authors", get(authors)),
        (
            Method::GET,
            "/api/v1/authors/{author}/timeline",
            get(timeline),
        ),
        (Method::GET, "/api/v1/audit", get(audit)),
    ]
}

/// The whole application: API routes, the dashboard's files, fallbacks that answer in the error
/// table, and the middleware that counts requests and sets protective headers.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (_, path, method_router) in table() {
        router = router.route(path, method_router);
    }
    router
        .route("/", get(r#static::index))
        .route("/assets/{*path}", get(r#static::asset))
        .fallback(routes::unknown_route)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Counts each request by route template and status, logs it without its path, and sets the
/// headers every response carries.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let mut res = next.run(req).await;
    let status = res.status().as_u16();
    state.metrics().request(method.as_str(), &route, status);
    tracing::debug!(
        method = %method,
        route = %route,
        status,
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Responses carry health data: nothing is cached anywhere.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Whether an address is on this machine only.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Serves `router(state)` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds `addr`; refuses an address outside this machine unless `allow_public` (the data is
/// health data: opening it to a network is a decision, not a default).
pub async fn bind(addr: SocketAddr, allow_public: bool) -> Result<tokio::net::TcpListener, String> {
    if !is_loopback(&addr) && !allow_public {
        return Err(format!(
            "{addr} is not a loopback address: the API serves health data, so listening beyond \
             this machine needs --allow-public (and a TLS proxy in front)"
        ));
    }
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// Logs to stderr; `RUST_LOG` sets the level (default `info`). Logs never carry post text,
/// tokens or paths.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
