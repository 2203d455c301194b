//! The one error shape of every HTTP response and Tauri command: `{"error": {"code", "message"}}`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of failure happened. Add a code only when a caller branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was malformed: bad JSON, wrong types, a value out of range.
    BadRequest,
    /// No valid credentials were presented.
    Unauthenticated,
    /// The caller is known but may not do or see this.
    Forbidden,
    /// The caller must prove who they are again first (sign in afresh) to change a security
    /// setting, such as their second factor.
    Reauthenticate,
    /// The thing does not exist, or the caller may not know it exists.
    NotFound,
    /// The request conflicts with the current state (e.g. a duplicate).
    Conflict,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// Too many requests; try later.
    RateLimited,
    /// The server could not reach something it needs; retrying may help.
    Unavailable,
    /// Something broke on the server; details are in its log, never in the response.
    Internal,
}

impl ErrorCode {
    /// Whether retrying the same request later can succeed. Drives the agent's outbox backoff.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::Unavailable | Self::Internal)
    }
}

/// The inner object of an error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{message} ({code:?})")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// An error response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}
