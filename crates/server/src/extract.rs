//! Extractors whose rejections have our error shape, so that malformed JSON, wrong types,
//! oversized bodies and bad path or query values are 4xx with a JSON body, never axum's plain text.

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bellhop_proto::ErrorCode;

use crate::response::error_response;

/// A rejected request, carrying the status axum chose and a message for the caller.
pub struct Rejection(Response);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.0
    }
}

fn code_for(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        _ => ErrorCode::BadRequest,
    }
}

impl From<JsonRejection> for Rejection {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        Self(error_response(status, code_for(status), r.body_text()))
    }
}

impl From<QueryRejection> for Rejection {
    fn from(r: QueryRejection) -> Self {
        Self(error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            r.body_text(),
        ))
    }
}

impl From<PathRejection> for Rejection {
    fn from(r: PathRejection) -> Self {
        // A malformed id names nothing that exists: say so as a 400, not a 500.
        let status = match r.status() {
            s if s.is_server_error() => StatusCode::BAD_REQUEST,
            s => s,
        };
        Self(error_response(status, code_for(status), r.body_text()))
    }
}

/// `axum::Json` with our rejection.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Rejection))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with our rejection.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Rejection))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` with our rejection.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Rejection))]
pub struct Path<T>(pub T);
