//! The idempotent push: each operation id is claimed once; a repeat replays the first outcome.

use bellhop_proto::{ErrorCode, OpId, OpOutcome, SyncOp, SyncOpKind};

use super::{Caller, Store, now_ms};
use crate::error::{AppError, Result};

impl Store {
    /// Applies one operation for the caller, or replays its saved outcome.
    ///
    /// Retryable failures (the database was busy, the server broke) are returned as errors and
    /// leave no record, so the agent's retry applies the operation afresh.
    pub async fn apply_op(&self, caller: &Caller, op: &SyncOp) -> Result<OpOutcome> {
        if let Some(saved) = self.saved_outcome(caller, op.op_id).await? {
            return Ok(saved);
        }
        let applied = match &op.op {
            SyncOpKind::CreateTicket { ticket } => self
                .create_ticket(caller, ticket)
                .await
                .map(|(ticket, _)| ticket),
            SyncOpKind::AddComment { ticket_id, comment } => {
                self.add_comment(caller, *ticket_id, comment).await
            }
            SyncOpKind::UpdateTicket { ticket_id, update } => {
                self.update_ticket(caller, *ticket_id, update).await
            }
        };
        let outcome = match applied {
            Ok(ticket) => OpOutcome::Applied {
                op_id: op.op_id,
                ticket,
            },
            Err(AppError::Client { code, message }) if !code.is_retryable() => {
                OpOutcome::Rejected {
                    op_id: op.op_id,
                    error: bellhop_proto::ApiError::new(code, message),
                }
            }
            Err(e) => return Err(e),
        };
        let json = serde_json::to_string(&outcome).map_err(anyhow::Error::from)?;
        // The entity writes above are idempotent by their own ids, so a crash between them and
        // this claim is repaired by the retry; the claim keeps the first outcome forever.
        sqlx::query(
            "INSERT INTO sync_ops (op_id, user_id, outcome, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (op_id) DO NOTHING",
        )
        .bind(op.op_id.to_string())
        .bind(caller.user_id.to_string())
        .bind(json)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(self
            .saved_outcome(caller, op.op_id)
            .await?
            .unwrap_or(outcome))
    }

    async fn saved_outcome(&self, caller: &Caller, op: OpId) -> Result<Option<OpOutcome>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT user_id, outcome FROM sync_ops WHERE op_id = $1")
                .bind(op.to_string())
                .fetch_optional(&self.pool)
                .await?;
        match row {
            None => Ok(None),
            Some((user, _)) if user != caller.user_id.to_string() => {
                Ok(Some(OpOutcome::Rejected {
                    op_id: op,
                    error: bellhop_proto::ApiError::new(
                        ErrorCode::Conflict,
                        "this operation id was used by someone else",
                    ),
                }))
            }
            Some((_, json)) => Ok(Some(
                serde_json::from_str(&json).map_err(anyhow::Error::from)?,
            )),
        }
    }
}
