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
            .map(|(u, _)| u)
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

    /// Whether `user` sees `ticket` through anything but a copy: they asked for it, they are
    /// staff, or the primary contact of its organisation.
    async fn ticket_visible_to_user_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        ticket: TicketId,
        user: UserId,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT u.role, u.org_id AS user_org, t.org_id AS ticket_org, t.requester_id
             FROM users u, tickets t WHERE u.id = $1 AND t.id = $2",
        )
        .bind(user.to_string())
        .bind(ticket.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let role: String = row.try_get("role")?;
        let user_org: Option<String> = row.try_get("user_org")?;
        let ticket_org: Option<String> = row.try_get("ticket_org")?;
        let requester: String = row.try_get("requester_id")?;
        Ok(matches!(role.as_str(), "technician" | "admin")
            || requester == user.to_string()
            || (role == "primary_contact" && user_org.is_some() && user_org == ticket_org))
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
        // Unless they see it some other way (their organisation's primary contact), they lose it.
        let still = self
            .ticket_visible_to_user_in(&mut tx, ticket, user)
            .await?;
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
