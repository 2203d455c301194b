//! What the assistant keeps: how many questions the model answered for each person today (the
//! desk's daily budget), and the transcript on a conversation's ticket when the desk keeps every
//! conversation (`domain::assistant`).

use bellhop_proto::{TicketId, UserId};

use super::{Store, now_ms};
use crate::error::Result;

const DAY_MS: i64 = 24 * 3600 * 1000;

impl Store {
    /// Counts one question for the model against `user`'s budget of `limit` a day (UTC):
    /// `false`, and nothing counted, once the day's budget is spent.
    pub async fn take_model_call(&self, user: UserId, limit: u32) -> Result<bool> {
        if limit == 0 {
            return Ok(false);
        }
        let now = now_ms();
        let mut tx = self.begin().await?;
        let counted = sqlx::query(
            "INSERT INTO assistant_calls (user_id, day_ms, calls) VALUES ($1, $2, 1)
             ON CONFLICT (user_id, day_ms) DO UPDATE SET calls = assistant_calls.calls + 1
             WHERE assistant_calls.calls < $3",
        )
        .bind(user.to_string())
        .bind(now - now.rem_euclid(DAY_MS))
        .bind(i64::from(limit))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(counted == 1)
    }

    /// Writes `description` on ticket `id` if it is `requester`'s conversation with the
    /// assistant (source: assistant); `false` when there is no such ticket. The agents hear of it
    /// through the change feed.
    pub async fn rewrite_transcript(
        &self,
        requester: UserId,
        id: TicketId,
        description: &str,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let written = sqlx::query(
            "UPDATE tickets SET description = $1
             WHERE id = $2 AND requester_id = $3 AND source = 'assistant'",
        )
        .bind(description)
        .bind(id.to_string())
        .bind(requester.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if written == 0 {
            return Ok(false);
        }
        let event = self.record_change(&mut tx, id, now_ms()).await?;
        tx.commit().await?;
        self.publish(event);
        Ok(true)
    }
}
