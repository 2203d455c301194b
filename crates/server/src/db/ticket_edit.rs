//! Changing a ticket after it was opened, as the rules (`domain::tickets::change` and `assign`)
//! decided: its status, priority, type and custom fields, its assignee. The desk's changes are
//! audited with the words the rules wrote; every change reaches the agents through the change
//! feed. A primary contact's decision on a request waiting for approval is here too.

use bellhop_proto::{
    ApprovalState, CommentId, FieldValues, Priority, Ticket, TicketId, TicketStatus, UserId,
};

use super::{Caller, Store, now_ms};
use crate::error::{AppError, Result};

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

    /// Records a primary contact's decision on request `id`, if it is still waiting (a
    /// concurrent decision wins: a conflict); `reason` becomes their public reply. Declined, the
    /// request is closed. Answers the ticket as the caller sees it now.
    pub async fn decide_approval(
        &self,
        caller: &Caller,
        id: TicketId,
        state: ApprovalState,
        reason: Option<&str>,
        letter: Option<&crate::letters::Email>,
    ) -> Result<Ticket> {
        let at = now_ms();
        let mut tx = self.begin().await?;
        let decided = sqlx::query(
            "UPDATE tickets SET approval = $1, approval_by_id = $2, approval_at = $3,
                    status = CASE WHEN $1 = 'declined' THEN 'closed' ELSE status END
             WHERE id = $4 AND approval = 'pending'",
        )
        .bind(state.as_str())
        .bind(caller.user_id.to_string())
        .bind(at)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if decided == 0 {
            return Err(AppError::conflict(
                "this request is not waiting for approval",
            ));
        }
        if let Some(reason) = reason {
            sqlx::query(
                "INSERT INTO comments (id, ticket_id, author_id, visibility, body, created_at)
                 VALUES ($1, $2, $3, 'public', $4, $5)",
            )
            .bind(CommentId::new().to_string())
            .bind(id.to_string())
            .bind(caller.user_id.to_string())
            .bind(reason)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        let action = match state {
            ApprovalState::Declined => "ticket.declined",
            _ => "ticket.approved",
        };
        Self::record_audit(
            &mut tx,
            caller,
            action,
            &id.to_string(),
            reason.unwrap_or(""),
        )
        .await?;
        if let Some(letter) = letter {
            Self::queue_email_in(&mut tx, letter).await?;
        }
        let event = self.record_change(&mut tx, id, at).await?;
        tx.commit().await?;
        self.publish(event);
        self.ticket(caller, id).await
    }
}
