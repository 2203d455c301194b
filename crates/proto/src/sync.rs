//! The offline sync protocol's operations (see docs/SYNC.md).
//!
//! The agent writes each user action as an operation with a client-generated [`OpId`]. Pushing
//! the same operation twice returns the first outcome and changes nothing.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, NewComment, NewTicket, OpId, Ticket, TicketId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncOpKind {
    CreateTicket { ticket: NewTicket },
    AddComment { ticket_id: TicketId, comment: NewComment },
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
pub enum OpOutcome {
    Applied { op_id: OpId, ticket: Ticket },
    Rejected { op_id: OpId, error: ApiError },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub outcomes: Vec<OpOutcome>,
}
