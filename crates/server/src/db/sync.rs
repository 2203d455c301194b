//! The push's memory: each operation id's first outcome, kept once and replayed to a repeat
//! (the rule is `domain/sync.rs`'s).

use bellhop_proto::{ErrorCode, OpId, OpOutcome};

use super::{Caller, Store, now_ms};
use crate::error::Result;

impl Store {
    /// Keeps an operation's first outcome for ever, and answers with the outcome kept (a
    /// concurrent repeat's, if it claimed first).
    pub async fn claim_outcome(&self, caller: &Caller, outcome: OpOutcome) -> Result<OpOutcome> {
        let op_id = outcome.op_id();
        let json = serde_json::to_string(&outcome).map_err(anyhow::Error::from)?;
        sqlx::query(
            "INSERT INTO sync_ops (op_id, user_id, outcome, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (op_id) DO NOTHING",
        )
        .bind(op_id.to_string())
        .bind(caller.user_id.to_string())
        .bind(json)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(self.saved_outcome(caller, op_id).await?.unwrap_or(outcome))
    }

    /// The outcome kept for an operation id: the caller's own, or a refusal when the id is
    /// someone else's.
    pub async fn saved_outcome(&self, caller: &Caller, op: OpId) -> Result<Option<OpOutcome>> {
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
