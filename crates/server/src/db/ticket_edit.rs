//! Changing a ticket after it was opened, as the rules (`domain::tickets::change` and `assign`)
//! decided: its status, priority, type and custom fields, its assignee. The desk's changes are
//! audited with the words the rules wrote; every change reaches the agents through the change
//! feed.

use bellhop_proto::{FieldValues, Priority, Ticket, TicketStatus, UserId};

use super::{Caller, Store, now_ms};
use crate::error::Result;

/// A ticket's values after a change; `audit` is the desk's change in words, `None` for a user's.
#[derive(Debug)]
pub struct TicketChange {
    pub status: TicketStatus,
    pub priority: Option<Priority>,
    pub ticket_type: Option<String>,
    pub custom_fields: FieldValues,
    pub audit: Option<String>,
}

impl Store {
    /// Writes `change` to `current`: everything for the desk, the status alone for a user (the
    /// priority, type and fields stay the desk's). Answers the ticket as the caller sees it now.
    pub async fn write_ticket_change(
        &self,
        caller: &Caller,
        current: &Ticket,
        change: &TicketChange,
    ) -> Result<Ticket> {
        let id = current.id;
        let mut tx = self.begin().await?;
        let mut query = if caller.is_staff() {
            let values =
                serde_json::to_string(&change.custom_fields).map_err(anyhow::Error::from)?;
            sqlx::query(
                "UPDATE tickets SET status = $1, priority = COALESCE($2, priority), ticket_type = $3,
                                    custom_fields = $4
                 WHERE id = $5",
            )
            .bind(change.status.as_str())
            .bind(change.priority.map(|p| p.as_str()))
            .bind(change.ticket_type.clone())
            .bind(values)
        } else {
            sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2").bind(change.status.as_str())
        };
        query = query.bind(id.to_string());
        query.execute(&mut *tx).await?;
        if let Some(detail) = &change.audit {
            Self::record_audit(&mut tx, caller, "ticket.update", &id.to_string(), detail).await?;
        }
        let event = self.record_change(&mut tx, id, now_ms()).await?;
        tx.commit().await?;
        self.publish(event);
        self.ticket(caller, id).await
    }

    /// Gives `current` to a technician, or to nobody, audited as `detail`.
    pub async fn write_assignee(
        &self,
        caller: &Caller,
        current: &Ticket,
        assignee: Option<UserId>,
        detail: &str,
    ) -> Result<Ticket> {
        let id = current.id;
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id = $2")
            .bind(assignee.map(|u| u.to_string()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        Self::record_audit(&mut tx, caller, "ticket.assign", &id.to_string(), detail).await?;
        let event = self.record_change(&mut tx, id, now_ms()).await?;
        tx.commit().await?;
        self.publish(event);
        self.ticket(caller, id).await
    }
}
