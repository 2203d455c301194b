//! The offline sync protocol's operations (see docs/SYNC.md).
//!
//! The agent writes each user action as an operation with a client-generated [`OpId`]. Pushing
//! the same operation twice returns the first outcome and changes nothing.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    ApiError, Attachment, Comment, NewComment, NewTicket, OpId, Ticket, TicketId, TicketUpdate,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[expect(
    clippy::large_enum_variant,
    reason = "a message built once and serialised; boxing would only add noise at every use"
)]
pub enum SyncOpKind {
    CreateTicket {
        ticket: NewTicket,
    },
    AddComment {
        ticket_id: TicketId,
        comment: NewComment,
    },
    UpdateTicket {
        ticket_id: TicketId,
        update: TicketUpdate,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncOp {
    pub op_id: OpId,
    pub op: SyncOpKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub ops: Vec<SyncOp>,
}

/// The outcome of one operation, saved by the server and replayed on a repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
#[expect(
    clippy::large_enum_variant,
    reason = "a message built once and serialised; boxing would only add noise at every use"
)]
pub enum OpOutcome {
    Applied { op_id: OpId, ticket: Ticket },
    Rejected { op_id: OpId, error: ApiError },
}

impl OpOutcome {
    /// The operation this is the outcome of.
    pub fn op_id(&self) -> OpId {
        match self {
            Self::Applied { op_id, .. } | Self::Rejected { op_id, .. } => *op_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub outcomes: Vec<OpOutcome>,
}

/// Where an agent's outbox item is in its life: queued → sending → synced, or rejected with the
/// server's reason (the content is kept so the user can fix and resend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Queued,
    Sending,
    Synced,
    Rejected,
}

impl OutboxState {
    pub const ALL: [Self; 4] = [Self::Queued, Self::Sending, Self::Synced, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Synced => "synced",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One operation in the agent's outbox, as the desktop UI and `bellhop outbox` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OutboxItem {
    /// Send order.
    #[ts(type = "number")]
    pub seq: i64,
    pub op: SyncOp,
    pub state: OutboxState,
    #[ts(type = "number")]
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// `GET /api/v1/sync/changes`: the tickets that changed after `after` (a cursor this server
/// returned; 0 or absent bootstraps from the beginning).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct ChangesQuery {
    #[ts(type = "number | null")]
    pub after: Option<i64>,
    /// At most this many tickets (default 200, at most 1,000).
    pub limit: Option<u32>,
}

/// One ticket as it is now, with everything the caller may see of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketChange {
    /// The change sequence number of the ticket's latest change.
    #[ts(type = "number")]
    pub seq: i64,
    pub ticket: Ticket,
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
}

/// A page of changes in sequence order. Apply them, store `cursor`, and ask again while `more`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesPage {
    pub changes: Vec<TicketChange>,
    #[ts(type = "number")]
    pub cursor: i64,
    pub more: bool,
    /// On the last page: how many tickets the caller may see in all. A copy holding more lost
    /// sight of some (a copy removed, a role changed) and asks `GET /api/v1/tickets/ids` which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null", optional)]
    pub visible: Option<u64>,
}

/// An event on `GET /api/v1/events` (Server-Sent Events, event name `ticket`): a ticket the
/// caller can see changed; pull after your cursor to get it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    #[ts(type = "number")]
    pub seq: i64,
    pub ticket_id: TicketId,
}
