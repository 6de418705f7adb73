//! The handlers of the routes in `docs/api.md`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use threadcare_core::{Assessment, Item, ItemKind, Level, Position, Source, Thread};
use threadcare_store::{
    ActionKind, IngestReport, NewAction, NewAudit, QueueEntry, QueueFilter, Stats, Store,
};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiPath, ApiQuery, BatchBody, Caller};
use crate::ingest::{parse_body, parse_from, Problem};
use crate::privacy::Privacy;
use crate::{alerts, blocking, blocking_api, AppState};

/// The most queue entries or audit lines one request may ask for.
pub const MAX_PAGE: usize = 1000;

pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

pub async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    // The path is not echoed: it may carry a writer's name.
    let _ = uri;
    ApiError::new(
        ErrorCode::UnknownRoute,
        format!("no route for {method} at this path; see /api/v1/openapi.json"),
    )
}

pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("this route does not take {method}; see /api/v1/openapi.json"),
    )
}

pub async fn openapi(_caller: Caller) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        crate::OPENAPI,
    )
        .into_response()
}

pub async fn metrics_text(State(state): State<AppState>, _caller: Caller) -> Response {
    let store = state.store();
    let stats = blocking(move || store.stats()).await.ok();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics().render(stats.as_ref()),
    )
        .into_response()
}

#[derive(Debug, Serialize)]
pub struct Me {
    pub label: String,
    pub role: threadcare_store::Role,
}

pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        label: caller.label,
        role: caller.role,
    })
}

#[derive(Debug, Serialize)]
pub struct ConfigView {
    pub crisis_resources: Vec<crate::config::CrisisResource>,
    pub default_locale: String,
    pub limits: crate::config::Limits,
}

pub async fn config_route(State(state): State<AppState>, _caller: Caller) -> Json<ConfigView> {
    let settings = state.settings();
    Json(ConfigView {
        crisis_resources: settings.crisis_resources(),
        default_locale: settings.default_locale.clone(),
        limits: settings.limits,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    pub text: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// Assesses a text as a post on its own (with its title, if any). Nothing is stored.
pub async fn analyze(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(req): ApiJson<AnalyzeRequest>,
) -> ApiResult<Json<Assessment>> {
    let engine = state.engine();
    let assessment = blocking_api(move || Ok(assess_alone(&engine, req))).await?;
    state.metrics().analyzed();
    Ok(Json(assessment))
}

fn assess_alone(engine: &threadcare_engine::Engine, req: AnalyzeRequest) -> Assessment {
    if req.title.is_none() {
        return engine.assess_text(&req.text);
    }
    let item = Item {
        id: "analyze".into(),
        thread_id: "analyze".into(),
        parent_id: None,
        kind: ItemKind::Post,
        author: None,
        created_at: None,
        title: req.title,
        text: req.text,
        source: Source {
            format: threadcare_core::Format::Jsonl,
            file: "request body".into(),
            position: Position::default(),
        },
    };
    let thread = Thread {
        thread_id: "analyze".into(),
        title: item.title.clone(),
        declared_comments: None,
        items: vec![item],
    };
    engine
        .assess_thread(&thread)
        .items
        .pop()
        .map(|a| a.assessment)
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemsQuery {
    #[serde(default)]
    pub from: Option<String>,
}

/// What `POST /api/v1/items` answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct IngestResponse {
    #[serde(flatten)]
    pub report: IngestReport,
    /// The format the body was read as.
    pub format: String,
    /// Items read from the body (each is new, changed or unchanged).
    pub read: u64,
    pub rejected: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

pub async fn post_items(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ItemsQuery>,
    BatchBody(body): BatchBody,
) -> ApiResult<Json<IngestResponse>> {
    caller.require_moderator("post items")?;
    let from = parse_from(query.from.as_deref()).map_err(ApiError::invalid_query)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_request(
            "the body is empty: send items as JSON, JSON Lines or another format threadcare reads",
        ));
    }
    let store = state.store();
    let engine = state.engine();
    let metrics = state.metrics().clone();
    let (response, notices) = blocking_api(move || {
        let parsed = parse_body(&body, from);
        let Some(format) = parsed.format else {
            return Err(ApiError::new(
                ErrorCode::UnsupportedFormat,
                parsed
                    .refusal
                    .unwrap_or_else(|| "the body is in no format threadcare reads".into()),
            ));
        };
        let rejected_count = parsed.rejected.len() as u64;
        if parsed.items.is_empty() && !parsed.rejected.is_empty() {
            metrics.rejected_only(rejected_count);
            let first = &parsed.rejected[0];
            let at = first
                .record
                .map(|r| format!("record {r}"))
                .or_else(|| first.byte.map(|b| format!("byte {b}")))
                .unwrap_or_else(|| "the body".into());
            return Err(ApiError::new(
                ErrorCode::NoValidRecords,
                format!(
                    "no record could be read ({} rejected; {at}: {})",
                    parsed.rejected.len(),
                    first.reason
                ),
            )
            .with_details(serde_json::json!({ "rejected": parsed.rejected })));
        }
        let report = threadcare_store::ingest_items(&*store, &engine, &parsed.items, &parsed.metas)
            .map_err(ApiError::from)?;
        metrics.ingest(&report, rejected_count);
        let now = Utc::now();
        let mut notices = Vec::new();
        for id in &report.imminent {
            // The notice needs the thread and C-SSRS; the item was just stored.
            match store.item(id) {
                Ok(Some(stored)) => notices.push(alerts::Notice::imminent(
                    id,
                    &stored.assessed.item.thread_id,
                    stored.assessed.assessment.cssrs,
                    now,
                )),
                Ok(None) => {}
                Err(e) => tracing::warn!(%e, "cannot read a stored imminent item for its alert"),
            }
        }
        Ok((
            IngestResponse {
                read: parsed.items.len() as u64,
                format: format.name().to_string(),
                report,
                rejected: parsed.rejected,
                warnings: parsed.warnings,
            },
            notices,
        ))
    })
    .await?;
    if let Some(alerts) = state.alerts() {
        for notice in notices {
            alerts.send(notice);
        }
    }
    Ok(Json(response))
}

/// Writes a `read_item` audit line for every item at `severe` or above a response carries.
/// Fails (and so does the response) when a line cannot be written.
fn audit_reads<'a>(
    store: &dyn Store,
    caller: &Caller,
    route: &str,
    items: impl IntoIterator<Item = (&'a str, Level)>,
) -> ApiResult<()> {
    for (item_id, level) in items {
        if level >= Level::Severe {
            store
                .audit(&NewAudit {
                    actor: caller.label.clone(),
                    event: "read_item".into(),
                    item_id: Some(item_id.to_string()),
                    level: Some(level),
                    detail: Some(format!("{route} ({})", caller.role.as_str())),
                })
                .map_err(|e| {
                    ApiError::internal("cannot write the audit log; the response was withheld", e)
                })?;
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    #[serde(default)]
    pub min_level: Option<Level>,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub offset: Option<usize>,
    #[serde(default)]
    pub include_resolved: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct QueueResponse {
    pub entries: Vec<QueueEntry>,
    pub stats: Stats,
}

fn page_limit(limit: Option<usize>, default: usize) -> ApiResult<usize> {
    match limit {
        None => Ok(default),
        Some(0) => Err(ApiError::invalid_query("limit must be at least 1")),
        Some(n) if n > MAX_PAGE => Err(ApiError::invalid_query(format!(
            "limit must be at most {MAX_PAGE}"
        ))),
        Some(n) => Ok(n),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<QueueResponse>> {
    let filter = QueueFilter {
        min_level: q.min_level.unwrap_or(Level::Low),
        include_resolved: q.include_resolved.unwrap_or(false),
        limit: page_limit(q.limit, 100)?,
        offset: q.offset.unwrap_or(0),
    };
    let store = state.store();
    blocking_api(move || {
        let mut entries = store.queue(&filter, Utc::now())?;
        let stats = store.stats()?;
        audit_reads(
            &*store,
            &caller,
            "queue",
            entries.iter().map(|e| (e.item_id.as_str(), e.level)),
        )?;
        if caller.deidentified() {
            let p = Privacy::for_store(&*store)?;
            entries.iter_mut().for_each(|e| p.queue_entry(e));
        }
        Ok(Json(QueueResponse { entries, stats }))
    })
    .await
}

pub async fn thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(thread_id): ApiPath<String>,
) -> ApiResult<Json<threadcare_store::ThreadView>> {
    let store = state.store();
    blocking_api(move || {
        let mut view = store
            .thread(&thread_id)?
            .ok_or_else(|| ApiError::not_found("no thread has this id"))?;
        audit_reads(
            &*store,
            &caller,
            "thread",
            view.items
                .iter()
                .map(|i| (i.assessed.item.id.as_str(), i.assessed.assessment.level)),
        )?;
        if caller.deidentified() {
            Privacy::for_store(&*store)?.thread(&mut view);
        }
        Ok(Json(view))
    })
    .await
}

pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(item_id): ApiPath<String>,
) -> ApiResult<Json<threadcare_store::StoredItem>> {
    let store = state.store();
    blocking_api(move || {
        let mut item = store
            .item(&item_id)?
            .ok_or_else(|| ApiError::not_found("no item has this id"))?;
        audit_reads(
            &*store,
            &caller,
            "item",
            [(item_id.as_str(), item.assessed.assessment.level)],
        )?;
        if caller.deidentified() {
            Privacy::for_store(&*store)?.stored_item(&mut item);
        }
        Ok(Json(item))
    })
    .await
}

pub async fn item_history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(item_id): ApiPath<String>,
) -> ApiResult<Json<Vec<threadcare_store::ItemVersion>>> {
    let store = state.store();
    blocking_api(move || {
        let mut versions = store.item_history(&item_id)?;
        if versions.is_empty() {
            return Err(ApiError::not_found("no item has this id"));
        }
        // One line for the item, at the highest level any of its texts had.
        let highest = versions.iter().map(|v| v.level).max().unwrap_or_default();
        audit_reads(
            &*store,
            &caller,
            "item_history",
            [(item_id.as_str(), highest)],
        )?;
        if caller.deidentified() {
            let p = Privacy::for_store(&*store)?;
            versions.iter_mut().for_each(|v| p.item_version(v));
        }
        Ok(Json(versions))
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub kind: ActionKind,
    #[serde(default)]
    pub note: Option<String>,
}

pub async fn post_action(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(item_id): ApiPath<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<(StatusCode, Json<threadcare_store::Action>)> {
    caller.require_moderator("record actions")?;
    let store = state.store();
    let action = NewAction {
        item_id,
        kind: req.kind,
        actor: caller.label.clone(),
        note: req.note.filter(|n| !n.trim().is_empty()),
    };
    let recorded = blocking(move || store.record_action(&action)).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

pub async fn authors(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<String>>> {
    let store = state.store();
    blocking(move || {
        let mut names = store.authors()?;
        if caller.deidentified() {
            let p = Privacy::for_store(&*store)?;
            names = names.iter().map(|n| p.author(n)).collect();
            names.sort();
        }
        Ok(Json(names))
    })
    .await
}

pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(author): ApiPath<String>,
) -> ApiResult<Json<threadcare_store::Timeline>> {
    let store: Arc<dyn Store> = state.store();
    blocking_api(move || {
        // A researcher knows writers only by their pseudonyms.
        let privacy = if caller.deidentified() {
            Some(Privacy::for_store(&*store)?)
        } else {
            None
        };
        let real = match &privacy {
            Some(p) => store
                .authors()?
                .into_iter()
                .find(|name| p.author(name) == author),
            None => Some(author),
        };
        let not_found = || ApiError::not_found("no writer has this name");
        let real = real.ok_or_else(not_found)?;
        let mut timeline = store.timeline(&real)?.ok_or_else(not_found)?;
        if let Some(p) = &privacy {
            p.timeline(&mut timeline);
        }
        Ok(Json(timeline))
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub offset: Option<usize>,
}

pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Vec<threadcare_store::AuditEntry>>> {
    caller.require_admin("read the audit log")?;
    let limit = page_limit(q.limit, 100)?;
    let offset = q.offset.unwrap_or(0);
    let store = state.store();
    let entries = blocking(move || store.audit_log(limit, offset)).await?;
    Ok(Json(entries))
}
