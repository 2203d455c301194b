//! The server's one error type, shared by the domain and the store: what went wrong, in words
//! for the caller or as the cause for the log. It knows nothing of HTTP; `response.rs` turns it
//! into `{"error": {"code", "message"}}` with a fitting status.

use bellhop_proto::ErrorCode;

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
