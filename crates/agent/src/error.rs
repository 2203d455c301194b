//! The agent's one error type.

use bellhop_proto::{ApiError, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("local store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("local store migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("configuration: {0}")]
    Config(String),
    /// A typed value that cannot be sent (a title too long, an empty reply): the same words the
    /// server and the UI use.
    #[error("{0}")]
    Value(#[from] bellhop_proto::ValueError),
    /// A request this device cannot carry out as asked (a file too large, an item that is not
    /// in the state the request needs).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("the server refused: {0}")]
    Server(ApiError),
    #[error("screen capture: {0}")]
    Capture(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("invalid data: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// Whether trying again later can succeed (drives the outbox's backoff).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable(_) => true,
            Self::Server(e) => e.code.is_retryable(),
            _ => false,
        }
    }

    /// The wire form for the Tauri bridge and `--json` output.
    pub fn to_api(&self) -> ApiError {
        match self {
            Self::Server(e) => e.clone(),
            Self::Unreachable(m) => ApiError::new(ErrorCode::Unavailable, m.clone()),
            Self::Config(m) | Self::Invalid(m) => ApiError::new(ErrorCode::BadRequest, m.clone()),
            Self::Value(e) => ApiError::new(ErrorCode::BadRequest, e.to_string()),
            Self::NotFound(m) => ApiError::new(ErrorCode::NotFound, m.clone()),
            other => ApiError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

/// The shell's commands answer with the wire error: `?` converts.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        e.to_api()
    }
}
