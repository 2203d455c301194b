//! Changing a ticket after it was opened: its status and priority (users within what the desk
//! allows: reopen, mark resolved), its type and custom fields, its assignee (technicians only).
//! Every change by the desk is audited; every change reaches the agents through the change feed.

use bellhop_proto::{
    FieldValue, FieldValues, Ticket, TicketFields, TicketId, TicketStatus, TicketUpdate, UserId,
};

use super::{Caller, Store, now_ms};
use crate::error::{AppError, Result};

/// Whether a user (not staff) may make this change; the message says why not. `current` is
/// the ticket as the user sees it: a priority the desk hides is `None`, so naming any priority
/// is refused alike and tells nothing of the hidden one.
fn check_user_update(current: &Ticket, update: &TicketUpdate, reopen_allowed: bool) -> Result<()> {
    if update.priority.is_some() && update.priority != current.priority {
        return Err(AppError::forbidden(
            "only the service desk sets the priority",
        ));
    }
    if update.ticket_type.is_some() || update.custom_fields.is_some() {
        return Err(AppError::forbidden(
            "only the service desk changes a ticket's type and fields once it is open",
        ));
    }
    let closed = matches!(
        current.status,
        TicketStatus::Resolved | TicketStatus::Closed
    );
    match update.status {
        None => Ok(()),
        Some(s) if s == current.status => Ok(()),
        Some(TicketStatus::Open) if closed && !reopen_allowed => Err(AppError::forbidden(
            "the service desk does not let tickets be reopened: open a new one",
        )),
        Some(TicketStatus::Open) if closed => Ok(()),
        Some(TicketStatus::Resolved) if current.status != TicketStatus::Closed => Ok(()),
        Some(_) => Err(AppError::forbidden(
            "you can reopen a resolved or closed ticket, or mark yours resolved",
        )),
    }
}

/// The type and custom values a technician's update leaves: a type must be one the desk offers
/// (or the one the ticket already has), values must fit their fields; empty text clears.
fn fields_after(
    fields: &TicketFields,
    current: &Ticket,
    update: &TicketUpdate,
) -> Result<(Option<String>, FieldValues)> {
    let ticket_type = match update.ticket_type.as_deref() {
        None => current.ticket_type.clone(),
        Some("") => None,
        Some(key) if current.ticket_type.as_deref() == Some(key) => Some(key.to_owned()),
        Some(key) if fields.types.iter().any(|t| t.key == key) => Some(key.to_owned()),
        Some(key) => {
            return Err(AppError::bad_request(format!(
                "there is no ticket type {key:?}"
            )));
        }
    };
    let Some(values) = &update.custom_fields else {
        return Ok((ticket_type, current.custom_fields.clone()));
    };
    let mut kept = FieldValues::new();
    for (key, value) in values {
        if matches!(value, FieldValue::Text(s) if s.trim().is_empty()) {
            continue;
        }
        let field = fields
            .field(key)
            .ok_or_else(|| AppError::bad_request(format!("there is no custom field {key:?}")))?;
        TicketFields::check_value(field, value)?;
        kept.insert(key.clone(), value.clone());
    }
    Ok((ticket_type, kept))
}

impl Store {
    /// Changes a ticket's status, priority, type or custom fields, as far as the caller may (see
    /// [`TicketUpdate`]).
    pub async fn update_ticket(
        &self,
        caller: &Caller,
        id: TicketId,
        update: &TicketUpdate,
    ) -> Result<Ticket> {
        let current = self.ticket(caller, id).await?;
        let (ticket_type, custom_fields) = if caller.is_staff() {
            fields_after(&self.ticket_fields().await?, &current, update)?
        } else {
            let reopen_allowed = self.portal_settings().await?.reopen_allowed;
            check_user_update(&current, update, reopen_allowed)?;
            (current.ticket_type.clone(), current.custom_fields.clone())
        };
        let status = update.status.unwrap_or(current.status);
        // Users change the status alone: the priority stays the desk's.
        let priority = match (caller.is_staff(), update.priority) {
            (true, Some(p)) => Some(p),
            _ => current.priority,
        };
        if (status, priority, &ticket_type, &custom_fields)
            == (
                current.status,
                current.priority,
                &current.ticket_type,
                &current.custom_fields,
            )
        {
            return Ok(current);
        }
        let values = serde_json::to_string(&custom_fields).map_err(anyhow::Error::from)?;
        let now = now_ms();
        let mut tx = self.begin().await?;
        let mut query = if caller.is_staff() {
            sqlx::query(
                "UPDATE tickets SET status = $1, priority = COALESCE($2, priority), ticket_type = $3,
                                    custom_fields = $4
                 WHERE id = $5",
            )
            .bind(status.as_str())
            .bind(priority.map(|p| p.as_str()))
            .bind(ticket_type.clone())
            .bind(values)
        } else {
            sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2").bind(status.as_str())
        };
        query = query.bind(id.to_string());
        query.execute(&mut *tx).await?;
        if caller.is_staff() {
            let mut detail = format!("#{}:", current.number);
            if status != current.status {
                detail += &format!(" status {} → {}", current.status.as_str(), status.as_str());
            }
            if let (Some(before), Some(after)) = (current.priority, priority)
                && before != after
            {
                detail += &format!(" priority {} → {}", before.as_str(), after.as_str());
            }
            if ticket_type != current.ticket_type {
                detail += &format!(
                    " type {} → {}",
                    current.ticket_type.as_deref().unwrap_or("none"),
                    ticket_type.as_deref().unwrap_or("none")
                );
            }
            if custom_fields != current.custom_fields {
                let keys: Vec<&str> = custom_fields
                    .keys()
                    .chain(current.custom_fields.keys())
                    .filter(|k| custom_fields.get(*k) != current.custom_fields.get(*k))
                    .map(String::as_str)
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                detail += &format!(" fields {}", keys.join(", "));
            }
            Self::record_audit(&mut tx, caller, "ticket.update", &id.to_string(), &detail).await?;
        }
        let change = self.record_change(&mut tx, id, now).await?;
        tx.commit().await?;
        self.publish(change);
        self.ticket(caller, id).await
    }

    /// Assigns the ticket to a technician, or to nobody (technicians only).
    pub async fn assign_ticket(
        &self,
        caller: &Caller,
        id: TicketId,
        assignee: Option<UserId>,
    ) -> Result<Ticket> {
        if !caller.is_staff() {
            return Err(AppError::forbidden("only technicians assign tickets"));
        }
        let current = self.ticket(caller, id).await?;
        let name = match assignee {
            Some(user) => Some(
                self.user(user)
                    .await?
                    .filter(|u| u.role.is_staff())
                    .ok_or_else(|| {
                        AppError::bad_request("tickets can be assigned only to technicians")
                    })?
                    .name,
            ),
            None => None,
        };
        if current.assignee_id == assignee {
            return Ok(current);
        }
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id = $2")
            .bind(assignee.map(|u| u.to_string()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let detail = match &name {
            Some(name) => format!("#{}: assigned to {name}", current.number),
            None => format!("#{}: unassigned", current.number),
        };
        Self::record_audit(&mut tx, caller, "ticket.assign", &id.to_string(), &detail).await?;
        let change = self.record_change(&mut tx, id, now_ms()).await?;
        tx.commit().await?;
        self.publish(change);
        self.ticket(caller, id).await
    }
}
