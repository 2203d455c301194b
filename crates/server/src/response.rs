//! How a failure leaves over HTTP: `{"error": {"code", "message"}}` with a fitting status and,
//! for "try again", `Retry-After`; a 5xx hides its detail from the caller and logs it once,
//! inside the request span.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bellhop_proto::{ErrorBody, ErrorCode};

use crate::error::AppError;

/// The status of each wire error code.
pub fn status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::Reauthenticate => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// How long a caller turned away for now (503) is asked to wait.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 1;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let api = self.to_api();
        match api.code {
            ErrorCode::Internal => tracing::error!(error = %self, "request failed"),
            ErrorCode::Unavailable => tracing::warn!(error = %self, "request turned away"),
            _ => {}
        }
        let retry_after = match (&self, api.code) {
            (AppError::Limited { retry_after, .. }, _) => Some(*retry_after),
            (_, ErrorCode::Unavailable) => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        };
        let mut response = (status(api.code), Json(ErrorBody { error: api })).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// A JSON error response with an explicit status (for rejections that pick their own status).
pub fn error_response(status: StatusCode, code: ErrorCode, message: String) -> Response {
    (
        status,
        Json(ErrorBody {
            error: bellhop_proto::ApiError::new(code, message),
        }),
    )
        .into_response()
}
