//! The offline clients' push: each operation applied once, whatever the retries. A repeat gets
//! the first outcome; a refusal the client cannot fix by waiting is kept as the outcome; a
//! failure that waiting can fix (the database busy, the server broken) keeps nothing, so the
//! client's retry applies the operation afresh.

use bellhop_proto::{ApiError, OpOutcome, SyncOp, SyncOpKind};

use crate::db::{Caller, Store};
use crate::error::{AppError, Result};

/// Applies one operation for the caller, or replays its kept outcome.
#[tracing::instrument(skip_all, fields(op = %op.op_id))]
pub async fn apply(store: &Store, portal: &str, caller: &Caller, op: &SyncOp) -> Result<OpOutcome> {
    if let Some(kept) = store.saved_outcome(caller, op.op_id).await? {
        return Ok(kept);
    }
    let applied = match &op.op {
        SyncOpKind::CreateTicket { ticket } => super::tickets::open(store, portal, caller, ticket)
            .await
            .map(|(ticket, _)| ticket),
        SyncOpKind::AddComment { ticket_id, comment } => {
            super::tickets::reply(store, caller, *ticket_id, comment).await
        }
        SyncOpKind::UpdateTicket { ticket_id, update } => {
            super::tickets::change(store, caller, *ticket_id, update).await
        }
    };
    let outcome = match applied {
        Ok(ticket) => OpOutcome::Applied {
            op_id: op.op_id,
            ticket,
        },
        Err(AppError::Client { code, message }) if !code.is_retryable() => OpOutcome::Rejected {
            op_id: op.op_id,
            error: ApiError::new(code, message),
        },
        Err(e) => return Err(e),
    };
    // The entity writes above are idempotent by their own ids, so a crash between them and
    // this claim is repaired by the retry; the claim keeps the first outcome for ever.
    store.claim_outcome(caller, outcome).await
}
