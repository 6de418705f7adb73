//! Extractors that turn every rejection into an error of the table: the caller's token, JSON
//! bodies, raw bodies with a size limit, query strings and path segments.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use threadcare_store::Role;

use crate::error::{from_json_error, ApiError, ErrorCode};
use crate::AppState;

/// Who is calling: the token's label (written as the actor of actions and audit lines) and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub token_id: i64,
    pub label: String,
    pub role: Role,
}

impl Caller {
    /// Researchers see only de-identified data.
    pub fn deidentified(&self) -> bool {
        self.role == Role::Researcher
    }

    /// Refuses researchers: they read, they never change anything.
    pub fn require_moderator(&self, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Moderator | Role::Admin => Ok(()),
            Role::Researcher => Err(ApiError::forbidden(format!(
                "a researcher token cannot {what}; it reads de-identified data only"
            ))),
        }
    }

    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            other => Err(ApiError::forbidden(format!(
                "only an admin token can {what} (this token is a {})",
                other.as_str()
            ))),
        }
    }
}

/// The secret of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("this route needs a token: send `Authorization: Bearer <token>`")
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not readable text"))?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(|| {
        ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::unauthorized("the bearer token is empty"));
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// Every request asks the store: it checks revocation each time (so a revoked token stops
    /// working at once, also for a running server) and pays argon2 only the first time it sees
    /// a secret.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = bearer(&parts.headers)?.to_string();
        let store = state.store();
        match crate::blocking(move || store.verify_token(&secret)).await? {
            Some(info) => Ok(Caller {
                token_id: info.id,
                label: info.label,
                role: info.role,
            }),
            None => Err(ApiError::unauthorized("unknown or revoked token")),
        }
    }
}

/// Reads a body up to `limit` bytes; more is `payload_too_large`.
pub async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than this route's limit of {limit} bytes"),
        )
    };
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit as u64 {
            return Err(too_large());
        }
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(err) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
            while let Some(e) = source {
                if e.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large());
                }
                source = e.source();
            }
            Err(ApiError::invalid_request(format!(
                "the body could not be read: {err}"
            )))
        }
    }
}

/// A JSON body of at most `max_analyze_bytes`, parsed into `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let limit = state.settings().limits.max_analyze_bytes;
        let bytes = read_body(body, &parts.headers, limit).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::new(
                ErrorCode::InvalidJson,
                "the body is empty; this route needs a JSON object",
            ));
        }
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| from_json_error(&e))
    }
}

/// A raw body of at most `max_batch_bytes` (the items of `POST /api/v1/items`).
pub struct BatchBody(pub Bytes);

impl FromRequest<AppState> for BatchBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let limit = state.settings().limits.max_batch_bytes;
        read_body(body, &parts.headers, limit).await.map(BatchBody)
    }
}

/// A query string parsed into `T`; anything wrong is `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded_from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::invalid_query(format!("the query string is not valid: {e}")))
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    // axum's Query extractor is serde_urlencoded underneath; going through it keeps one parser.
    let uri: axum::http::Uri = format!("/?{query}").parse().map_err(|e| format!("{e}"))?;
    axum::extract::Query::<T>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| {
            use axum::extract::rejection::QueryRejection;
            match e {
                QueryRejection::FailedToDeserializeQueryString(inner) => {
                    // The inner error without axum's prefix.
                    let text = inner.body_text();
                    text.strip_prefix("Failed to deserialize query string: ")
                        .unwrap_or(&text)
                        .to_string()
                }
                other => other.body_text(),
            }
        })
}

/// Path segments, percent-decoded, parsed into `T`; anything wrong is `invalid_path`.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(ApiPath(p.0)),
            Err(e) => Err(ApiError::new(
                ErrorCode::InvalidPath,
                format!("the path is not valid: {}", e.body_text()),
            )),
        }
    }
}
