//! The Bot API's error answers, in the JSON shape teloxide parses into `RequestError`.

use std::fmt::Display;

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// A failed API call: `{"ok":false,"error_code":…,"description":…}` with the matching HTTP status.
#[derive(Debug, Clone)]
pub(crate) struct ApiFailure {
    status: StatusCode,
    description: String,
    retry_after: Option<u32>,
}

impl ApiFailure {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self { status, description: description.into(), retry_after: None }
    }

    /// 400 with Telegram's "Bad Request: " prefix, which teloxide matches its `ApiError`s against.
    pub(crate) fn bad_request(detail: impl Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("Bad Request: {detail}"))
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }

    /// A path the Bot API does not serve, e.g. an unknown file.
    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    pub(crate) fn method_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found: method not found")
    }

    pub(crate) fn conflict(detail: impl Display) -> Self {
        Self::new(StatusCode::CONFLICT, format!("Conflict: {detail}"))
    }

    /// 429 with `parameters.retry_after`, which teloxide turns into `RequestError::RetryAfter`.
    pub(crate) fn too_many_requests(retry_after_secs: u32) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, format!("Too Many Requests: retry after {retry_after_secs}"))
        }
    }

    pub(crate) fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut body = json!({ "ok": false, "error_code": self.status.as_u16(), "description": self.description });
        if let Some(retry_after) = self.retry_after {
            body["parameters"] = json!({ "retry_after": retry_after });
        }
        (self.status, Json(body)).into_response()
    }
}
