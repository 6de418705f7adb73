//! Alerts: when an item at `imminent` is stored, a small JSON notice goes to an optional webhook.
//!
//! The notice names the item and its level, never its text or its writer. Ingest never waits
//! for it: notices go into a bounded channel (when full, a notice is dropped with a warning in
//! the log and a metric), and one background task POSTs them, retrying with exponential backoff
//! up to a bounded number of attempts. The client is hyper's own HTTP/1.1 connection (plain
//! HTTP: no TLS stack to build, and threadcare never talks to the internet by itself; point the
//! webhook at a relay on this machine or the local network).

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, Request, Uri};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use threadcare_core::Level;
use tokio::sync::mpsc;

use crate::config::Alerts;
use crate::metrics::Metrics;

/// The JSON a webhook receives. No post text, no author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Always `imminent_item`.
    pub event: String,
    pub item_id: String,
    pub thread_id: String,
    pub level: Level,
    pub cssrs: u8,
    /// When the item was stored.
    pub at: DateTime<Utc>,
    /// Where the dashboard shows it, relative to the server's address.
    pub dashboard_path: String,
}

impl Notice {
    pub fn imminent(item_id: &str, thread_id: &str, cssrs: u8, at: DateTime<Utc>) -> Notice {
        Notice {
            event: "imminent_item".into(),
            item_id: item_id.into(),
            thread_id: thread_id.into(),
            level: Level::Imminent,
            cssrs,
            at,
            dashboard_path: dashboard_path(thread_id, item_id),
        }
    }
}

/// The dashboard's address of an item in its thread: `/#/thread/<id>?item=<id>`, ids
/// percent-encoded (the dashboard's own routes).
pub fn dashboard_path(thread_id: &str, item_id: &str) -> String {
    format!(
        "/#/thread/{}?item={}",
        percent_encode(thread_id),
        percent_encode(item_id)
    )
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A parsed `http://host[:port]/path` webhook address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    pub host: String,
    pub port: u16,
    pub path_and_query: String,
    /// The `Host` header value.
    pub authority: String,
}

impl WebhookUrl {
    pub fn parse(url: &str) -> Result<WebhookUrl, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("'{url}' is not a URL ({e})"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => {
                return Err(format!(
                    "'{url}': only http:// webhooks are supported, not {other}:// (use a relay on this machine for TLS)"
                ))
            }
            None => return Err(format!("'{url}' has no scheme: write http://host:port/path")),
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("'{url}' has no host"))?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if host.is_empty() {
            return Err(format!("'{url}' has no host"));
        }
        Ok(WebhookUrl {
            host,
            port: authority.port_u16().unwrap_or(80),
            path_and_query: uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            authority: authority.as_str().to_string(),
        })
    }
}

/// The sending half: hands notices to the background task.
#[derive(Clone)]
pub struct AlertSender {
    tx: mpsc::Sender<Notice>,
    metrics: Arc<Metrics>,
}

impl AlertSender {
    /// Starts the background task (on the current tokio runtime) that delivers notices to
    /// `url`. `settings.webhook_url` is not read: the caller chose the URL.
    pub fn start(url: WebhookUrl, settings: Alerts, metrics: Arc<Metrics>) -> AlertSender {
        let (tx, rx) = mpsc::channel(settings.queue.max(1));
        tokio::spawn(deliver_all(rx, url, settings, metrics.clone()));
        AlertSender { tx, metrics }
    }

    /// Queues a notice without waiting. When the queue is full the notice is dropped, with a
    /// warning in the log.
    pub fn send(&self, notice: Notice) {
        match self.tx.try_send(notice) {
            Ok(()) => self.metrics.alert("queued"),
            Err(mpsc::error::TrySendError::Full(n)) => {
                self.metrics.alert("dropped");
                tracing::warn!(
                    item_id = %n.item_id,
                    "alert queue is full: webhook notice for an imminent item dropped"
                );
            }
            Err(mpsc::error::TrySendError::Closed(n)) => {
                self.metrics.alert("dropped");
                tracing::warn!(item_id = %n.item_id, "alert task has stopped: notice dropped");
            }
        }
    }
}

async fn deliver_all(
    mut rx: mpsc::Receiver<Notice>,
    url: WebhookUrl,
    settings: Alerts,
    metrics: Arc<Metrics>,
) {
    while let Some(notice) = rx.recv().await {
        let body = match serde_json::to_vec(&notice) {
            Ok(b) => Bytes::from(b),
            Err(e) => {
                tracing::error!(%e, "cannot encode a webhook notice");
                continue;
            }
        };
        let mut attempt = 1;
        loop {
            let timeout = Duration::from_millis(settings.timeout_ms.max(1));
            let outcome = match tokio::time::timeout(timeout, post_once(&url, body.clone())).await {
                Ok(Ok(status)) if (200..300).contains(&status) => Ok(()),
                Ok(Ok(status)) => Err(format!("the webhook answered {status}")),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
            };
            match outcome {
                Ok(()) => {
                    metrics.alert("delivered");
                    tracing::info!(item_id = %notice.item_id, attempt, "webhook notice delivered");
                    break;
                }
                Err(reason) if attempt >= settings.max_attempts => {
                    metrics.alert("failed");
                    tracing::warn!(
                        item_id = %notice.item_id,
                        attempt,
                        %reason,
                        "webhook notice given up"
                    );
                    break;
                }
                Err(reason) => {
                    metrics.alert("retried");
                    let wait = settings.backoff(attempt);
                    tracing::warn!(
                        item_id = %notice.item_id,
                        attempt,
                        %reason,
                        wait_ms = wait.as_millis() as u64,
                        "webhook notice failed; will retry"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }
}

/// One POST; returns the status code.
async fn post_once(url: &WebhookUrl, body: Bytes) -> Result<u16, String> {
    let stream = tokio::net::TcpStream::connect((url.host.as_str(), url.port))
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", url.authority))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {} failed: {e}", url.authority))?;
    let conn = tokio::spawn(conn);
    let req = Request::post(url.path_and_query.as_str())
        .header(header::HOST, url.authority.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "threadcare")
        .body(Full::new(body))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let res = sender
        .send_request(req)
        .await
        .map_err(|e| format!("request to {} failed: {e}", url.authority))?;
    let status = res.status().as_u16();
    // Drain the answer so the connection ends cleanly; its content does not matter.
    let _ = res.into_body().collect().await;
    drop(sender);
    conn.abort();
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = WebhookUrl::parse("http://127.0.0.1:9000/hooks/tc?x=1").unwrap();
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 9000);
        assert_eq!(u.path_and_query, "/hooks/tc?x=1");
        let u = WebhookUrl::parse("http://[::1]/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 80));
        assert!(WebhookUrl::parse("https://example.org/").is_err());
        assert!(WebhookUrl::parse("example.org/hook").is_err());
        assert!(WebhookUrl::parse("not a url").is_err());
    }

    #[test]
    fn notices_carry_no_text_and_point_at_the_dashboard() {
        let at = DateTime::parse_from_rfc3339("2026-11-20T21:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let n = Notice::imminent("t3_x/c 1", "t3_x", 6, at);
        let v = serde_json::to_value(&n).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            keys.len(),
            7,
            "only event, item_id, thread_id, level, cssrs, at, dashboard_path: {keys:?}"
        );
        assert_eq!(v["level"], "imminent");
        assert_eq!(v["dashboard_path"], "/#/thread/t3_x?item=t3_x%2Fc%201");
    }
}
