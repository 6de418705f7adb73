//! The dashboard's files, embedded at build time from `assets/` (see `build.rs`): `index.html`
//! at `/`, everything else under `/assets/`. They hold no data (the page fetches it with the
//! token), so they need no token.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::embedded;
use crate::error::ApiError;
use crate::extract::ApiPath;

/// Scripts only from the dashboard's own files; data only from this server.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
frame-ancestors 'none'; form-action 'self'";

pub async fn index() -> Response {
    match embedded::asset("index.html") {
        Some(bytes) => file("index.html", bytes),
        None => ApiError::not_found(
            "the dashboard is not built into this binary (no assets/index.html at build time)",
        )
        .into_response(),
    }
}

pub async fn asset(ApiPath(path): ApiPath<String>) -> Response {
    match embedded::asset(&path) {
        Some(bytes) => file(&path, bytes),
        None => ApiError::not_found("no dashboard file has this name").into_response(),
    }
}

fn file(path: &str, bytes: &'static [u8]) -> Response {
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    // Files change with the binary; revalidating is cheap on loopback.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if path.ends_with(".html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    res
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
