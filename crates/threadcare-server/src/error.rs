//! The one table of API errors: every non-2xx response is
//! `{"error": {"code": "<stable_snake_code>", "message": "<human sentence>"}}` with a code from
//! [`ErrorCode`]. Codes are stable API (add, never rename); `docs/api.md` lists the same table
//! and a test walks it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use threadcare_store::StoreError;

/// Every error a client can see, with its HTTP status. Bad input is always a 4xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No bearer token, an unknown one, or a revoked one.
    Unauthorized,
    /// The token's role may not do this (researchers record nothing; audit is admin-only).
    Forbidden,
    /// The thread, item or writer does not exist.
    NotFound,
    /// No route has this path.
    UnknownRoute,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// The action contradicts the item's state (claiming an item someone else holds).
    Conflict,
    /// The body is not JSON (a syntax error, or it ends too early).
    InvalidJson,
    /// Well-formed JSON of the wrong shape: a missing field, a wrong type, an unknown value, or
    /// a value the operation refuses (`responded` without a note).
    InvalidRequest,
    /// A query string parameter is unknown, of the wrong type, or out of range.
    InvalidQuery,
    /// A path segment is not valid (bad percent-encoding, not UTF-8).
    InvalidPath,
    /// The body is larger than the route allows.
    PayloadTooLarge,
    /// The body of `POST /api/v1/items` is in no format threadcare reads (binary data, an HTML
    /// page, XML of an unknown kind), or contradicts the `from` that was asked for.
    UnsupportedFormat,
    /// The body of `POST /api/v1/items` was read, but every record in it was rejected.
    NoValidRecords,
    /// The database cannot be opened (encrypted with another key, or not a threadcare database).
    StoreUnavailable,
    /// Something failed on the server's side. Never used for bad input.
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of the table in `docs/api.md`.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::UnknownRoute,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidPath,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedFormat,
        ErrorCode::NoValidRecords,
        ErrorCode::StoreUnavailable,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::UnknownRoute => "unknown_route",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedFormat => "unsupported_format",
            ErrorCode::NoValidRecords => "no_valid_records",
            ErrorCode::StoreUnavailable => "store_unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound | ErrorCode::UnknownRoute => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::InvalidJson | ErrorCode::InvalidQuery | ErrorCode::InvalidPath => {
                StatusCode::BAD_REQUEST
            }
            ErrorCode::InvalidRequest | ErrorCode::NoValidRecords => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedFormat => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the code means, for the table in the docs and the OpenAPI document.
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "No bearer token, an unknown token, or a revoked one.",
            ErrorCode::Forbidden => "The token's role may not do this.",
            ErrorCode::NotFound => "The thread, item or writer does not exist.",
            ErrorCode::UnknownRoute => "No route has this path.",
            ErrorCode::MethodNotAllowed => "The route exists, but not with this method.",
            ErrorCode::Conflict => "The action contradicts the item's state.",
            ErrorCode::InvalidJson => "The body is not JSON.",
            ErrorCode::InvalidRequest => "The JSON has the wrong shape or a refused value.",
            ErrorCode::InvalidQuery => "A query parameter is unknown, mistyped or out of range.",
            ErrorCode::InvalidPath => "A path segment is not valid.",
            ErrorCode::PayloadTooLarge => "The body is larger than the route allows.",
            ErrorCode::UnsupportedFormat => "The body is in no format threadcare reads.",
            ErrorCode::NoValidRecords => "Every record in the body was rejected.",
            ErrorCode::StoreUnavailable => "The database cannot be opened.",
            ErrorCode::Internal => "Something failed on the server's side.",
        }
    }
}

/// An error response: a code from the table and a sentence for the person reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Extra structured detail (the rejected records of an ingest), when there is any.
    pub details: Option<serde_json::Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unauthorized, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, message)
    }
    pub fn invalid_query(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidQuery, message)
    }
    /// A failure on our side. The details go to the log (never post text), the client gets a
    /// sentence.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "{context}");
        ApiError::new(
            ErrorCode::Internal,
            format!("{context}: the server failed; see its log"),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        let mut error = serde_json::json!({
            "code": self.code.as_str(),
            "message": self.message,
        });
        if let Some(details) = &self.details {
            error["details"] = details.clone();
        }
        serde_json::json!({ "error": error })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_else(|_| b"{}".to_vec());
        let mut res = (self.code.status(), body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.code == ErrorCode::Unauthorized {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"threadcare\""),
            );
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::not_found(format!("not found: {what}")),
            StoreError::Conflict(why) => ApiError::new(ErrorCode::Conflict, why),
            StoreError::Invalid(why) => ApiError::invalid_request(why),
            StoreError::Locked(why) => {
                tracing::error!(reason = %why, "the database cannot be opened");
                ApiError::new(
                    ErrorCode::StoreUnavailable,
                    "the database cannot be opened (wrong key, or not a threadcare database)",
                )
            }
            StoreError::Database(why) => ApiError::internal("database", why),
        }
    }
}

/// A JSON parse error as the client should see it: syntax errors are `invalid_json`, shape
/// errors (missing field, wrong type, unknown value) are `invalid_request`.
pub fn from_json_error(err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            ErrorCode::InvalidJson,
            format!("the body is not valid JSON: {err}"),
        ),
        Category::Data => ApiError::invalid_request(format!("the JSON body is not valid: {err}")),
    }
}
