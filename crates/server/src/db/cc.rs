//! Copies (CC): who is copied on a ticket. Who may change that is `domain::cc`'s.

use bellhop_proto::{CcEntry, TicketId, UserId};
use sqlx::Row;

use super::{Caller, Store, now_ms, parse_id};
use crate::error::Result;

impl Store {
    pub async fn add_cc(&self, ticket: TicketId, user: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        let added = sqlx::query(
            "INSERT INTO ticket_cc (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(ticket.to_string())
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() == 1 {
            let change = self.record_change(&mut tx, ticket, now_ms()).await?;
            tx.commit().await?;
            self.publish(change);
        }
        Ok(())
    }

    /// Who is copied on a ticket the caller may see.
    pub async fn cc_list(&self, caller: &Caller, ticket: TicketId) -> Result<Vec<CcEntry>> {
        self.ticket(caller, ticket).await?;
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.email FROM ticket_cc c JOIN users u ON u.id = c.user_id
             WHERE c.ticket_id = $1 ORDER BY u.name",
        )
        .bind(ticket.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CcEntry {
                    user_id: parse_id(r.try_get("id")?)?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                })
            })
            .collect()
    }

    /// Stops copying `user` on `ticket`; `loses` says they no longer see it at all (the feed
    /// takes it from their lists). `false` when they were not copied.
    pub async fn remove_cc(&self, ticket: TicketId, user: UserId, loses: bool) -> Result<bool> {
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM ticket_cc WHERE ticket_id = $1 AND user_id = $2")
            .bind(ticket.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Ok(false);
        }
        let lost = if loses { vec![user] } else { Vec::new() };
        let change = self
            .record_change_losing(&mut tx, ticket, now_ms(), &lost)
            .await?;
        tx.commit().await?;
        self.publish(change);
        Ok(true)
    }
}
