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
    /// Too many attempts for now (429): the caller may try again after `retry_after` seconds.
    #[error("{message}")]
    Limited { message: String, retry_after: u64 },
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

/// A typed value that cannot be sent is the caller's to fix (422), in the words every other
/// part of Bellhop uses for it.
impl From<bellhop_proto::ValueError> for AppError {
    fn from(e: bellhop_proto::ValueError) -> Self {
        Self::bad_request(e.to_string())
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
    /// 429 with `Retry-After`.
    pub fn limited(message: impl Into<String>, retry_after: std::time::Duration) -> Self {
        Self::Limited {
            message: message.into(),
            retry_after: retry_after.as_secs_f64().ceil().max(1.0) as u64,
        }
    }

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

    /// The wire error: a client error as is, a database too busy to answer now as "try
    /// again" (503), anything else as an opaque internal error.
    pub fn to_api(&self) -> bellhop_proto::ApiError {
        match self {
            Self::Client { code, message } => bellhop_proto::ApiError::new(*code, message.clone()),
            Self::Limited { message, .. } => {
                bellhop_proto::ApiError::new(ErrorCode::RateLimited, message.clone())
            }
            Self::Database(e) if is_transient(e) => bellhop_proto::ApiError::new(
                ErrorCode::Unavailable,
                "the database is busy; try again",
            ),
            _ => bellhop_proto::ApiError::new(
                ErrorCode::Internal,
                "internal error; the server log has the details",
            ),
        }
    }
}

/// Whether the database turned the statement down only for now: every connection of the pool
/// busy, SQLite's lock held by another program past the busy timeout, a PostgreSQL deadlock or
/// serialization failure (the transaction was rolled back whole, so trying again is safe).
fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| is_transient_code(&code)),
        _ => false,
    }
}

/// [`is_transient`] for a database's error code: a PostgreSQL SQLSTATE (always five
/// characters), or SQLite's (extended) result code as a number (at most four digits).
fn is_transient_code(code: &str) -> bool {
    if code.len() == 5 {
        // serialization_failure, deadlock_detected, lock_not_available.
        return matches!(code, "40001" | "40P01" | "55P03");
    }
    // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes.
    code.parse::<i64>()
        .is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6))
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
            (Self::Limited { retry_after, .. }, _) => Some(*retry_after),
            (_, ErrorCode::Unavailable) => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        };
        let mut response = (Self::status(api.code), Json(ErrorBody { error: api })).into_response();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_try_again_and_anything_else_stays_internal() {
        for code in ["5", "517", "6", "262", "40001", "40P01", "55P03"] {
            assert!(is_transient_code(code), "{code} is only for now");
        }
        // A unique or foreign key violation (SQLite 2067, 787; PostgreSQL 23505), a read-only
        // database (8), a missing table (42P01) are not.
        for code in ["2067", "787", "8", "23505", "42P01", "P0001"] {
            assert!(!is_transient_code(code), "{code} was taken as only for now");
        }
        let busy = AppError::Database(sqlx::Error::PoolTimedOut).to_api();
        assert_eq!(busy.code, ErrorCode::Unavailable);
        let broken = AppError::Database(sqlx::Error::RowNotFound).to_api();
        assert_eq!(broken.code, ErrorCode::Internal);
    }
}
