//! The server's one error type. Every failure leaves as `{"error": {"code", "message"}}` with a
//! fitting status; a 5xx hides its detail from the caller and logs it once, inside the request span.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bellhop_proto::{ErrorBody, ErrorCode};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A failure the caller should see, with words that say what was wrong.
    #[error("{message}")]
    Client { code: ErrorCode, message: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

/// A refused ticket-field definition or value is the caller's to fix (422).
impl From<bellhop_proto::FieldError> for AppError {
    fn from(e: bellhop_proto::FieldError) -> Self {
        Self::bad_request(e.0)
    }
}

impl AppError {
    pub fn client(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::BadRequest, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::Unauthenticated, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::Forbidden, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::Conflict, message)
    }

    pub fn status(code: ErrorCode) -> StatusCode {
        match code {
            ErrorCode::BadRequest => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The wire error: a client error as is, anything else as an opaque internal error.
    pub fn to_api(&self) -> bellhop_proto::ApiError {
        match self {
            Self::Client { code, message } => bellhop_proto::ApiError::new(*code, message.clone()),
            _ => bellhop_proto::ApiError::new(
                ErrorCode::Internal,
                "internal error; the server log has the details",
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let api = self.to_api();
        if api.code == ErrorCode::Internal {
            tracing::error!(error = %self, "request failed");
        }
        (Self::status(api.code), Json(ErrorBody { error: api })).into_response()
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
