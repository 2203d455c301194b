//! Tickets, always seen through a [`Caller`]: an end user sees what they asked or
//! are CC'd on, a primary contact also their organisation's, staff everything. A ticket the
//! caller may not see does not exist for them (404, never 403, so ids cannot be probed).

use bellhop_proto::{
    NewTicket, Page, Priority, Role, SystemInfo, Ticket, TicketId, TicketListQuery, TicketScope,
    TicketSort, TicketSource, TicketStatus, TicketUpdate, UserId,
};
use sqlx::Row;

use super::sql::Sql;

use super::changes::next_counter;
use super::{Caller, Store, now_ms, parse_enum, parse_id, ts};
use crate::error::{AppError, Result};

pub(super) fn ticket_from_row(row: &sqlx::any::AnyRow) -> Result<Ticket> {
    let org: Option<String> = row.try_get("org_id")?;
    let assignee: Option<String> = row.try_get("assignee_id")?;
    let device: Option<String> = row.try_get("device_id")?;
    Ok(Ticket {
        id: parse_id(row.try_get("id")?)?,
        number: row.try_get("number")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        status: parse_enum(row.try_get("status")?, TicketStatus::parse)?,
        priority: parse_enum(row.try_get("priority")?, Priority::parse)?,
        source: parse_enum(row.try_get("source")?, TicketSource::parse)?,
        requester_id: parse_id(row.try_get("requester_id")?)?,
        requester_name: row.try_get("requester_name")?,
        org_id: org.as_deref().map(parse_id).transpose()?,
        org_name: row.try_get("org_name")?,
        device_id: device.as_deref().map(parse_id).transpose()?,
        device_name: row.try_get("device_name")?,
        assignee_id: assignee.as_deref().map(parse_id).transpose()?,
        assignee_name: row.try_get("assignee_name")?,
        created_at: ts(row.try_get("created_at")?)?,
        updated_at: ts(row.try_get("updated_at")?)?,
    })
}

/// Appends ` AND (<the caller may see t>)`.
pub(super) fn push_visibility(qb: &mut Sql, caller: &Caller) {
    if caller.is_staff() {
        return;
    }
    let me = caller.user_id.to_string();
    qb.push(" AND (t.requester_id = ")
        .bind(me.clone())
        .push(" OR EXISTS (SELECT 1 FROM ticket_cc c WHERE c.ticket_id = t.id AND c.user_id = ")
        .bind(me)
        .push(")");
    if let (Role::PrimaryContact, Some(org)) = (caller.role, caller.org_id) {
        qb.push(" OR t.org_id = ").bind(org.to_string());
    }
    qb.push(")");
}

/// A file name safe to show and to offer as a download: no paths, no control characters, at most
/// 200 characters.
pub fn attachment_name(name: &str) -> String {
    let clean = sanitize_filename::sanitize(name);
    let clean: String = clean.chars().take(200).collect();
    if clean.trim().is_empty() {
        "attachment".into()
    } else {
        clean
    }
}

/// Checks a new ticket's text; the message says what to fix.
pub fn validate_ticket(t: &NewTicket) -> Result<()> {
    super::attachments::validate_attachments(&t.attachments)?;
    if let Some(info) = &t.system_info {
        let size = serde_json::to_string(info).map_or(usize::MAX, |j| j.len());
        if size > 64 * 1024 || info.disks.len() > 64 || info.interfaces.len() > 64 {
            return Err(AppError::bad_request(
                "the system information is larger than 64 KB",
            ));
        }
    }
    let title = t.title.trim();
    if title.is_empty() {
        return Err(AppError::bad_request("title must not be empty"));
    }
    if title.chars().count() > bellhop_proto::MAX_TITLE_CHARS {
        return Err(AppError::bad_request(format!(
            "title is longer than {} characters",
            bellhop_proto::MAX_TITLE_CHARS
        )));
    }
    if t.description.chars().count() > bellhop_proto::MAX_BODY_CHARS {
        return Err(AppError::bad_request(format!(
            "description is longer than {} characters",
            bellhop_proto::MAX_BODY_CHARS
        )));
    }
    Ok(())
}

impl Store {
    /// Creates a ticket for the caller. Creating the same id again by the same requester returns
    /// the existing ticket (`Ok((ticket, false))`); another requester's id is a conflict.
    pub async fn create_ticket(&self, caller: &Caller, new: &NewTicket) -> Result<(Ticket, bool)> {
        validate_ticket(new)?;
        if let Some(existing) = self.ticket_any(new.id).await? {
            return if existing.requester_id == caller.user_id {
                Ok((existing, false))
            } else {
                Err(AppError::conflict("a ticket with this id already exists"))
            };
        }
        if !caller.is_staff()
            && !self
                .portal_settings()
                .await?
                .ticketing
                .allows(caller.user_id)
        {
            return Err(AppError::forbidden(
                "the service desk has switched opening tickets off for you",
            ));
        }
        let system_info = new
            .system_info
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(anyhow::Error::from)?;
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let number = next_counter(&mut tx, "ticket_number").await?;
        let inserted = sqlx::query(
            "INSERT INTO tickets (id, number, title, description, status, priority, source,
                                  requester_id, org_id, created_at, updated_at, device_id,
                                  system_info)
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $9, $10, $11)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(new.id.to_string())
        .bind(number)
        .bind(new.title.trim())
        .bind(&new.description)
        .bind(new.priority.unwrap_or(Priority::Normal).as_str())
        .bind(new.source.unwrap_or(TicketSource::Portal).as_str())
        .bind(caller.user_id.to_string())
        .bind(caller.org_id.map(|o| o.to_string()))
        .bind(now)
        .bind(caller.device_id.map(|d| d.to_string()))
        .bind(system_info)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            // Created concurrently by a repeat of this request: give the number back.
            tx.rollback().await?;
            let ticket = self
                .ticket_any(new.id)
                .await?
                .ok_or_else(|| AppError::Other(anyhow::anyhow!("ticket vanished after insert")))?;
            if ticket.requester_id != caller.user_id {
                return Err(AppError::conflict("a ticket with this id already exists"));
            }
            return Ok((ticket, false));
        }
        super::attachments::link_attachments_in(&mut tx, new.id, None, &new.attachments).await?;
        let change = self.record_change(&mut tx, new.id, now).await?;
        tx.commit().await?;
        self.publish(change);
        let ticket = self
            .ticket_any(new.id)
            .await?
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("ticket vanished after insert")))?;
        Ok((ticket, true))
    }

    /// Seeding only: a ticket with a given status, requester and time.
    pub async fn seed_ticket(
        &self,
        requester: &Caller,
        title: &str,
        description: &str,
        status: TicketStatus,
        priority: Priority,
        at_ms: i64,
    ) -> Result<TicketId> {
        let id = TicketId::new();
        let mut tx = self.pool.begin().await?;
        let number = next_counter(&mut tx, "ticket_number").await?;
        sqlx::query(
            "INSERT INTO tickets (id, number, title, description, status, priority, source,
                                  requester_id, org_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'portal', $7, $8, $9, $9)",
        )
        .bind(id.to_string())
        .bind(number)
        .bind(title)
        .bind(description)
        .bind(status.as_str())
        .bind(priority.as_str())
        .bind(requester.user_id.to_string())
        .bind(requester.org_id.map(|o| o.to_string()))
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        let change = self.record_change(&mut tx, id, at_ms).await?;
        tx.commit().await?;
        self.publish(change);
        Ok(id)
    }

    /// A ticket regardless of who asks (internal use only).
    async fn ticket_any(&self, id: TicketId) -> Result<Option<Ticket>> {
        let row = sqlx::query(concat!(select_tickets!(), " WHERE t.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }

    /// The ticket if the caller may see it; otherwise not found.
    pub async fn ticket(&self, caller: &Caller, id: TicketId) -> Result<Ticket> {
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.id = "));
        qb.bind(id.to_string());
        push_visibility(&mut qb, caller);
        let row = qb.build()?.fetch_optional(&self.pool).await?;
        row.as_ref()
            .map(ticket_from_row)
            .transpose()?
            .ok_or_else(|| AppError::not_found(format!("no ticket {id}")))
    }

    /// The tickets the caller may see, by number (newest first unless asked), filtered and paged.
    pub async fn list_tickets(&self, caller: &Caller, q: &TicketListQuery) -> Result<Page<Ticket>> {
        let limit = i64::from(q.limit.unwrap_or(50).clamp(1, 200));
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE 1 = 1"));
        push_visibility(&mut qb, caller);
        if !caller.is_staff() {
            // Users' lists show only the statuses the desk chose (portal settings).
            let shown = self.portal_settings().await?.visible_statuses;
            if shown.len() < TicketStatus::ALL.len() {
                qb.push(" AND t.status IN (")
                    .bind_list(shown.iter().map(|s| s.as_str()))
                    .push(")");
            }
        }
        if let Some(status) = q.status {
            qb.push(" AND t.status = ").bind(status.as_str());
        }
        if let Some(org) = q.org_id {
            qb.push(" AND t.org_id = ").bind(org.to_string());
        }
        if let Some(assignee) = q.assignee_id {
            qb.push(" AND t.assignee_id = ").bind(assignee.to_string());
        }
        if q.unassigned == Some(true) {
            qb.push(" AND t.assignee_id IS NULL");
        }
        let me = caller.user_id.to_string();
        match q.scope {
            None => {}
            Some(TicketScope::Mine) => {
                qb.push(" AND t.requester_id = ").bind(me);
            }
            Some(TicketScope::Cc) => {
                qb.push(" AND EXISTS (SELECT 1 FROM ticket_cc cc WHERE cc.ticket_id = t.id AND cc.user_id = ")
                    .bind(me)
                    .push(")");
            }
            Some(TicketScope::Org) => {
                if !caller.is_staff() && caller.role != Role::PrimaryContact {
                    return Err(AppError::forbidden(
                        "only primary contacts see their organisation's requests",
                    ));
                }
                match caller.org_id {
                    Some(org) => qb.push(" AND t.org_id = ").bind(org.to_string()),
                    None => qb.push(" AND 1 = 0"),
                };
            }
        }
        let sort = q.sort.unwrap_or_default();
        if let Some(cursor) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
            let after: i64 = cursor
                .parse()
                .map_err(|_| AppError::bad_request("cursor is not a value this server returned"))?;
            qb.push(match sort {
                TicketSort::Newest => " AND t.number < ",
                TicketSort::Oldest => " AND t.number > ",
            })
            .bind(after);
        }
        qb.push_words(&["t.title", "t.description"], q.q.as_deref().unwrap_or(""));
        qb.push(match sort {
            TicketSort::Newest => " ORDER BY t.number DESC LIMIT ",
            TicketSort::Oldest => " ORDER BY t.number ASC LIMIT ",
        })
        .bind(limit + 1);
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(ticket_from_row)
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|t| t.number.to_string())
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Changes a ticket's status or priority, as far as the caller may (see [`TicketUpdate`]).
    pub async fn update_ticket(
        &self,
        caller: &Caller,
        id: TicketId,
        update: &TicketUpdate,
    ) -> Result<Ticket> {
        let current = self.ticket(caller, id).await?;
        if !caller.is_staff() {
            let reopen_allowed = self.portal_settings().await?.reopen_allowed;
            if update.priority.is_some_and(|p| p != current.priority) {
                return Err(AppError::forbidden(
                    "only the service desk sets the priority",
                ));
            }
            match update.status {
                None => {}
                Some(s) if s == current.status => {}
                Some(TicketStatus::Open)
                    if matches!(
                        current.status,
                        TicketStatus::Resolved | TicketStatus::Closed
                    ) && !reopen_allowed =>
                {
                    return Err(AppError::forbidden(
                        "the service desk does not let tickets be reopened: open a new one",
                    ));
                }
                Some(TicketStatus::Open)
                    if matches!(
                        current.status,
                        TicketStatus::Resolved | TicketStatus::Closed
                    ) => {}
                Some(TicketStatus::Resolved) if current.status != TicketStatus::Closed => {}
                Some(_) => {
                    return Err(AppError::forbidden(
                        "you can reopen a resolved or closed ticket, or mark yours resolved",
                    ));
                }
            }
        }
        let status = update.status.unwrap_or(current.status);
        let priority = update.priority.unwrap_or(current.priority);
        if (status, priority) == (current.status, current.priority) {
            return Ok(current);
        }
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE tickets SET status = $1, priority = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(priority.as_str())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if caller.is_staff() {
            let mut detail = format!("#{}:", current.number);
            if status != current.status {
                detail += &format!(" status {} → {}", current.status.as_str(), status.as_str());
            }
            if priority != current.priority {
                detail += &format!(
                    " priority {} → {}",
                    current.priority.as_str(),
                    priority.as_str()
                );
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
        let mut tx = self.pool.begin().await?;
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

    /// The machine as it was when the ticket was opened (technicians), if the agent sent it.
    pub async fn ticket_system_info(
        &self,
        caller: &Caller,
        id: TicketId,
    ) -> Result<Option<SystemInfo>> {
        self.ticket(caller, id).await?;
        let json: Option<Option<String>> =
            sqlx::query_scalar("SELECT system_info FROM tickets WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        json.flatten()
            .map(|j| {
                serde_json::from_str(&j).map_err(|e| {
                    AppError::Other(anyhow::anyhow!(
                        "stored system information is unreadable: {e}"
                    ))
                })
            })
            .transpose()
    }
}
