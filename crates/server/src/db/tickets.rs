//! Tickets, always seen through a [`Caller`]: an end user sees what they asked or
//! are CC'd on, a primary contact also their organisation's, staff everything. A ticket the
//! caller may not see does not exist for them (404, never 403, so ids cannot be probed).

use bellhop_proto::{
    ApprovalState, Page, Priority, QueueCounts, Role, SystemInfo, Ticket, TicketId,
    TicketListQuery, TicketScope, TicketSort, TicketSource, TicketStatus,
};
use sqlx::Row;

use super::read::Columns;
use super::sql::Sql;
use super::{Caller, Store, parse_enum, ts};
use crate::error::{AppError, Result};

pub(super) fn ticket_from_row(row: &dyn Columns) -> Result<Ticket> {
    Ok(Ticket {
        id: row.id("id")?,
        number: row.int("number")?,
        title: row.text("title")?,
        description: row.text("description")?,
        status: parse_enum(&row.text("status")?, TicketStatus::parse)?,
        priority: Some(parse_enum(&row.text("priority")?, Priority::parse)?),
        source: parse_enum(&row.text("source")?, TicketSource::parse)?,
        requester_id: row.id("requester_id")?,
        requester_name: row.text("requester_name")?,
        org_id: row.opt_id("org_id")?,
        org_name: row.opt_text("org_name")?,
        device_id: row.opt_id("device_id")?,
        device_name: row.opt_text("device_name")?,
        assignee_id: row.opt_id("assignee_id")?,
        assignee_name: row.opt_text("assignee_name")?,
        ticket_type: row.opt_text("ticket_type")?,
        custom_fields: serde_json::from_str(&row.text("custom_fields")?).map_err(|e| {
            AppError::Other(anyhow::anyhow!(
                "stored custom field values are unreadable: {e}"
            ))
        })?,
        created_at: ts(row.int("created_at")?)?,
        updated_at: ts(row.int("updated_at")?)?,
        opened_by_id: row.opt_id("opened_by_id")?,
        opened_by_name: row.opt_text("opened_by_name")?,
        catalog_item: row.opt_text("catalog_item")?,
        approval: row
            .opt_text("approval")?
            .map(|a| parse_enum(&a, ApprovalState::parse))
            .transpose()?,
        approval_by_name: row.opt_text("approval_by_name")?,
    })
}

/// Appends ` AND (<the caller may see t>)`: whose tickets (see [`Visibility`] for statuses).
/// The desk sees every ticket but those still held for a primary contact's approval or declined.
fn push_visibility(qb: &mut Sql, caller: &Caller) {
    if caller.is_staff() {
        qb.push(" AND (t.approval IS NULL OR t.approval = 'approved')");
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

/// Which tickets a caller sees: whose (their own, those they are copied on, their
/// organisation's for a primary contact, all for the desk), and, for users, only in the
/// statuses the desk shows them. Every read of tickets goes through it: lists, one ticket, its
/// conversation and files, the change feed, the ids an offline copy keeps.
#[derive(Debug, Clone)]
pub(super) struct Visibility {
    caller: Caller,
    /// `None`: every status.
    statuses: Option<Vec<TicketStatus>>,
}

impl Visibility {
    pub(super) fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Appends ` AND (<the caller may see t>)`.
    pub(super) fn push(&self, qb: &mut Sql) {
        push_visibility(qb, &self.caller);
        if let Some(statuses) = &self.statuses {
            qb.push(" AND t.status IN (")
                .bind_list(statuses.iter().map(|s| s.as_str()))
                .push(")");
        }
    }
}

impl Store {
    /// What `caller` sees of tickets (the portal settings are cached: no query most times).
    pub(super) async fn visibility(&self, caller: &Caller) -> Result<Visibility> {
        let statuses = if caller.is_staff() {
            None
        } else {
            let shown = self.portal_settings().await?.visible_statuses;
            (shown.len() < TicketStatus::ALL.len()).then_some(shown)
        };
        Ok(Visibility {
            caller: caller.clone(),
            statuses,
        })
    }
}

/// A demo ticket as [`Store::seed_ticket`] writes it.
pub struct SeedTicket<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub status: TicketStatus,
    pub priority: Priority,
    pub ticket_type: Option<&'a str>,
    pub at_ms: i64,
}

impl Store {
    /// Seeding only: a ticket with a given status, requester and time.
    pub async fn seed_ticket(&self, requester: &Caller, seed: SeedTicket<'_>) -> Result<TicketId> {
        let SeedTicket {
            title,
            description,
            status,
            priority,
            ticket_type,
            at_ms,
        } = seed;
        let id = TicketId::new();
        let mut tx = self.begin().await?;
        let number: i64 = self
            .ticket_number_sql()
            .build()?
            .fetch_one(&mut *tx)
            .await?
            .try_get("value")?;
        sqlx::query(
            "INSERT INTO tickets (id, number, title, description, status, priority, source,
                                  requester_id, org_id, created_at, updated_at, ticket_type)
             VALUES ($1, $2, $3, $4, $5, $6, 'portal', $7, $8, $9, $9, $10)",
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
        .bind(ticket_type.map(str::to_owned))
        .execute(&mut *tx)
        .await?;
        let change = self.record_change(&mut tx, id, at_ms).await?;
        tx.commit().await?;
        self.publish(change);
        Ok(id)
    }

    /// A ticket regardless of who asks (internal use only).
    pub(super) async fn ticket_any(&self, id: TicketId) -> Result<Option<Ticket>> {
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.id = "));
        qb.bind(id.to_string());
        self.read_row(qb, ticket_from_row).await
    }

    /// The ticket if the caller may see it; otherwise not found.
    pub async fn ticket(&self, caller: &Caller, id: TicketId) -> Result<Ticket> {
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.id = "));
        qb.bind(id.to_string());
        self.visibility(caller).await?.push(&mut qb);
        let ticket = self
            .read_row(qb, ticket_from_row)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no ticket {id}")))?;
        self.redacted(caller, ticket).await
    }

    /// The ticket as the caller may see it: users lose the custom fields the desk keeps to itself
    /// and the default fields it hides (see [`bellhop_proto::TicketFields`]).
    pub(super) async fn redacted(&self, caller: &Caller, mut ticket: Ticket) -> Result<Ticket> {
        if !caller.is_staff() {
            self.redact_all(caller, [&mut ticket]).await?;
        }
        Ok(ticket)
    }

    pub(super) async fn redact_all(
        &self,
        caller: &Caller,
        tickets: impl IntoIterator<Item = &mut Ticket>,
    ) -> Result<()> {
        if caller.is_staff() {
            return Ok(());
        }
        let fields = self.ticket_fields().await?;
        let shown = fields.defaults;
        for t in tickets {
            fields.redact(&mut t.custom_fields);
            if !shown.ticket_type.shown() {
                t.ticket_type = None;
            }
            if !shown.assignee.shown() {
                t.assignee_id = None;
                t.assignee_name = None;
            }
            if !shown.priority.shown() {
                t.priority = None;
            }
            if !shown.description.shown() {
                t.description.clear();
            }
        }
        Ok(())
    }

    /// The tickets the caller may see, by number (newest first unless asked), filtered and paged.
    pub async fn list_tickets(&self, caller: &Caller, q: &TicketListQuery) -> Result<Page<Ticket>> {
        let limit = i64::from(q.limit.unwrap_or(50).clamp(1, 200));
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE 1 = 1"));
        self.visibility(caller).await?.push(&mut qb);
        let shown = if caller.is_staff() {
            None
        } else {
            Some(self.ticket_fields().await?.defaults)
        };
        // A filter on a field the desk hides from the caller would tell its values: refused.
        let hidden =
            |access: Option<bellhop_proto::FieldAccess>| access.is_some_and(|a| !a.shown());
        if hidden(shown.map(|d| d.assignee)) && (q.assignee_id.is_some() || q.unassigned.is_some())
        {
            return Err(AppError::bad_request(
                "the service desk does not show who handles tickets: no filter by assignee",
            ));
        }
        if hidden(shown.map(|d| d.ticket_type))
            && q.ticket_type.as_deref().is_some_and(|k| !k.is_empty())
        {
            return Err(AppError::bad_request(
                "the service desk does not show ticket types: no filter by type",
            ));
        }
        if hidden(shown.map(|d| d.priority)) && q.priority.is_some() {
            return Err(AppError::bad_request(
                "the service desk does not show priorities: no filter by priority",
            ));
        }
        if let Some(status) = q.status {
            qb.push(" AND t.status = ").bind(status.as_str());
        }
        if let Some(priority) = q.priority {
            qb.push(" AND t.priority = ").bind(priority.as_str());
        }
        if let Some(org) = q.org_id {
            qb.push(" AND t.org_id = ").bind(org.to_string());
        }
        if let Some(assignee) = q.assignee_id {
            qb.push(" AND t.assignee_id = ").bind(assignee.to_string());
        }
        if let Some(kind) = q.ticket_type.as_deref().filter(|k| !k.is_empty()) {
            qb.push(" AND t.ticket_type = ").bind(kind.to_owned());
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
        // Words are looked for where the caller may read them.
        let searched: &[&str] = if hidden(shown.map(|d| d.description)) {
            &["t.title"]
        } else {
            &["t.title", "t.description"]
        };
        qb.push_words(searched, q.q.as_deref().unwrap_or(""));
        qb.push(match sort {
            TicketSort::Newest => " ORDER BY t.number DESC",
            TicketSort::Oldest => " ORDER BY t.number ASC",
        })
        .limit(limit + 1);
        let mut items = self.read_rows(qb, ticket_from_row).await?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|t| t.number.to_string())
        } else {
            None
        };
        self.redact_all(caller, &mut items).await?;
        Ok(Page { items, next })
    }

    /// [`Self::list_tickets`] as the JSON sent. On SQLite, a page asked for again by the same
    /// caller with nothing committed to the database since is sent again from memory.
    pub async fn list_tickets_json(
        &self,
        caller: &Caller,
        q: &TicketListQuery,
    ) -> Result<bytes::Bytes> {
        let json = |page: &Page<Ticket>| {
            serde_json::to_vec(page)
                .map(bytes::Bytes::from)
                .map_err(|e| AppError::Other(anyhow::anyhow!("writing a ticket list: {e}")))
        };
        // Taken before the page is read: anything committed after this moment makes the next
        // generation differ, so the page can never outlive a change it missed.
        let Some(generation) = self.commit_time().await? else {
            return json(&self.list_tickets(caller, q).await?);
        };
        let key = format!("{caller:?}\n{q:?}");
        if let Some(page) = self.lists.get(generation, &key) {
            return Ok(page);
        }
        let page = json(&self.list_tickets(caller, q).await?)?;
        self.lists.put(generation, key, page.clone());
        Ok(page)
    }

    /// How many of the tickets the caller sees need the desk: open, awaiting the customer, open
    /// and the caller's, open and nobody's, open and urgent; each what the queue's filter of the same name
    /// lists. One pass over the table. With `own`, only the caller's own requests (what an end
    /// user's "My requests" lists).
    pub async fn queue_counts(&self, caller: &Caller, own: bool) -> Result<QueueCounts> {
        let (open, awaiting) = (
            TicketStatus::Open.as_str(),
            TicketStatus::AwaitingReply.as_str(),
        );
        let mut qb = Sql::new("SELECT COUNT(*) FILTER (WHERE t.status = ");
        qb.bind(open)
            .push("), COUNT(*) FILTER (WHERE t.status = ")
            .bind(awaiting)
            .push("), COUNT(*) FILTER (WHERE t.status = ")
            .bind(open)
            .push(" AND t.assignee_id = ")
            .bind(caller.user_id.to_string())
            .push("), COUNT(*) FILTER (WHERE t.status = ")
            .bind(open)
            .push(" AND t.assignee_id IS NULL), COUNT(*) FILTER (WHERE t.status = ")
            .bind(open)
            .push(" AND t.priority = ")
            .bind(Priority::Urgent.as_str())
            .push(") FROM tickets t WHERE 1 = 1");
        self.visibility(caller).await?.push(&mut qb);
        if own {
            qb.push(" AND t.requester_id = ")
                .bind(caller.user_id.to_string());
        }
        let row = qb.build()?.fetch_one(&self.pool).await?;
        let count = |i: usize| -> Result<u32> {
            let n: i64 = row.try_get(i)?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        };
        Ok(QueueCounts {
            open: count(0)?,
            awaiting_reply: count(1)?,
            mine: count(2)?,
            unassigned: count(3)?,
            urgent: count(4)?,
        })
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
