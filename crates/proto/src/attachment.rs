//! Files attached to tickets. Uploaded by content hash before the operation that references
//! them, so a retried upload or a retried ticket never stores anything twice.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A file to attach to a new ticket or reply: the hash of bytes already uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAttachment {
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub file_name: String,
}

/// A stored attachment as a ticket lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub sha256: String,
    /// Sanitised on the server.
    pub file_name: String,
    /// Sniffed from the bytes, never taken from the uploader.
    pub media_type: String,
    #[ts(type = "number")]
    pub size: u64,
    /// The reply or note it was sent with; `None` for the ticket's own files.
    #[serde(default)]
    pub comment_id: Option<crate::CommentId>,
}

/// Largest attachment the server accepts by default.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
