//! Copies (CC): who is copied on a ticket, and who may change that.

use bellhop_proto::{CcEntry, Role, Ticket, TicketId, UserId};
use sqlx::Row;

use super::{Caller, Store, now_ms, parse_id};
use crate::error::{AppError, Result};

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

    /// Whether the caller may change who is copied on `ticket`: the desk, the requester, and
    /// the primary contact of the ticket's organisation.
    fn may_manage_cc(caller: &Caller, ticket: &Ticket) -> bool {
        caller.is_staff()
            || ticket.requester_id == caller.user_id
            || (caller.role == Role::PrimaryContact
                && caller.org_id.is_some()
                && ticket.org_id == caller.org_id)
    }

    /// Copies the person with `email` on the ticket. Users outside the desk may copy only people
    /// of the ticket's organisation (anyone else reads as unknown, so addresses cannot be probed).
    pub async fn add_cc_by_email(
        &self,
        caller: &Caller,
        ticket: TicketId,
        email: &str,
    ) -> Result<Vec<CcEntry>> {
        let current = self.ticket(caller, ticket).await?;
        if !Self::may_manage_cc(caller, &current) {
            return Err(AppError::forbidden(
                "only the requester, their organisation's primary contact or the service desk can copy people on a request",
            ));
        }
        let person = self
            .user_for_login(email)
            .await?
            .map(|a| a.user)
            .filter(|u| !u.disabled)
            .filter(|u| caller.is_staff() || (u.org_id.is_some() && u.org_id == current.org_id))
            .ok_or_else(|| {
                AppError::not_found(if caller.is_staff() {
                    "no one has this email address"
                } else {
                    "no one in the request's organisation has this email address"
                })
            })?;
        self.add_cc(ticket, person.id).await?;
        self.cc_list(caller, ticket).await
    }

    /// Stops copying `user` on the ticket: those who may copy people, or the person themselves.
    pub async fn remove_cc(
        &self,
        caller: &Caller,
        ticket: TicketId,
        user: UserId,
    ) -> Result<Vec<CcEntry>> {
        let current = self.ticket(caller, ticket).await?;
        if !Self::may_manage_cc(caller, &current) && caller.user_id != user {
            return Err(AppError::forbidden(
                "only the requester, their organisation's primary contact, the service desk or the person themselves can remove a copy",
            ));
        }
        let removed_user = self.user(user).await?;
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM ticket_cc WHERE ticket_id = $1 AND user_id = $2")
            .bind(ticket.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(AppError::not_found(
                "this person is not copied on the ticket",
            ));
        }
        // Unless they see it some other way (staff, its requester, their organisation's primary
        // contact), they lose it.
        let still = removed_user.is_some_and(|u| {
            Caller {
                user_id: u.id,
                name: u.name,
                role: u.role,
                org_id: u.org_id,
                device_id: None,
                signed_in_at: 0,
            }
            .sees(current.requester_id, current.org_id, &[])
        });
        let lost = if still { Vec::new() } else { vec![user] };
        let change = self
            .record_change_losing(&mut tx, ticket, now_ms(), &lost)
            .await?;
        tx.commit().await?;
        self.publish(change);
        if caller.user_id == user && !Self::may_manage_cc(caller, &current) {
            // They no longer see the ticket, nor its list of copies.
            return Ok(Vec::new());
        }
        self.cc_list(caller, ticket).await
    }
}
