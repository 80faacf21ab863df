//! Refusals as responses: a status and a typed [`ApiError`] body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use earshot_protocol::{ApiError, ErrorCode};

#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    body: ApiError,
}

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, body: ApiError::new(code, message) }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// A query string that is not the endpoint's: 400 and serde's words.
pub fn bad_query(e: axum::extract::rejection::QueryRejection) -> AppError {
    AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, e.body_text())
}

pub async fn api_not_found() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, ErrorCode::MalformedRequest, "no such API endpoint")
}
