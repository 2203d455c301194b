//! Tickets, always seen through a [`Caller`]: an end user sees what they asked or
//! are CC'd on, a primary contact also their organisation's, staff everything. A ticket the
//! caller may not see does not exist for them (404, never 403, so ids cannot be probed).

use bellhop_proto::{
    NewAttachment, NewTicket, OrgId, Page, Priority, Role, SystemInfo, Ticket, TicketId,
    TicketListQuery, TicketScope, TicketSort, TicketSource, TicketStatus, UserId,
};
use sqlx::Row;

use super::attachments::{link_uploaded, push_links_to_new, refuse_missing};
use super::changes::{ChangeEvent, PG_REGISTER_CHANGE, take_next};
use super::read::Columns;
use super::sql::Sql;
use super::write::Done;
use super::{Backend, Caller, Store, now_ms, parse_enum, parse_id, ts};
use crate::error::{AppError, Result};

pub(super) fn ticket_from_row(row: &dyn Columns) -> Result<Ticket> {
    Ok(Ticket {
        id: row.id("id")?,
        number: row.int("number")?,
        title: row.text("title")?,
        description: row.text("description")?,
        status: parse_enum(&row.text("status")?, TicketStatus::parse)?,
        priority: parse_enum(&row.text("priority")?, Priority::parse)?,
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

/// A demo ticket as [`Store::seed_ticket`] writes it.
pub struct SeedTicket<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub status: TicketStatus,
    pub priority: Priority,
    pub ticket_type: Option<&'a str>,
    pub at_ms: i64,
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

/// What a new ticket is stored with beyond its request: system information, type and custom
/// fields as JSON.
type Accepted = (Option<String>, Option<String>, String);

/// The columns of a new ticket, in the order [`NewRow::push`] binds them and then the number and
/// the change number.
const NEW_TICKET_COLUMNS: &str = "INSERT INTO tickets (id, title, description, status, priority,
    source, requester_id, org_id, created_at, updated_at, device_id, system_info, ticket_type,
    custom_fields, number, change_seq)";

/// A new ticket's values known before it is written.
struct NewRow {
    id: String,
    title: String,
    description: String,
    priority: &'static str,
    source: &'static str,
    requester: UserId,
    org: Option<OrgId>,
    at_ms: i64,
    device: Option<String>,
}

impl NewRow {
    /// Binds the values up to the custom fields, each followed by `, `.
    fn push(&self, sql: &mut Sql, (system_info, ticket_type, custom_fields): Accepted) {
        sql.bind(self.id.clone())
            .push(", ")
            .bind(self.title.clone())
            .push(", ")
            .bind(self.description.clone())
            .push(", 'open', ")
            .bind(self.priority)
            .push(", ")
            .bind(self.source)
            .push(", ")
            .bind(self.requester.to_string())
            .push(", ")
            .bind(self.org.map(|o| o.to_string()))
            .push(", ")
            .bind(self.at_ms)
            .push(", ")
            .bind(self.at_ms)
            .push(", ")
            .bind(self.device.clone())
            .push(", ")
            .bind(system_info)
            .push(", ")
            .bind(ticket_type)
            .push(", ")
            .bind(custom_fields)
            .push(", ");
    }

    /// The event of its creation with change number `seq`.
    fn change(&self, seq: i64) -> Result<ChangeEvent> {
        Ok(ChangeEvent {
            seq,
            ticket_id: parse_id(&self.id)?,
            requester_id: self.requester,
            org_id: self.org,
            cc: Vec::new(),
            lost: Vec::new(),
        })
    }
}

/// What [`Store::create_ticket`]'s write did, with the ticket if it was read in the write.
enum Created {
    New(ChangeEvent, Option<Ticket>),
    Already(Option<Ticket>),
}

impl Store {
    /// Creates a ticket for the caller. Creating the same id again by the same requester returns
    /// the existing ticket (`Ok((ticket, false))`); another requester's id is a conflict.
    pub async fn create_ticket(&self, caller: &Caller, new: &NewTicket) -> Result<(Ticket, bool)> {
        validate_ticket(new)?;
        // Whether the caller may open this ticket is settled before the write (the settings are
        // cached), and applies only if the ticket does not exist yet: a repeat gets the first
        // result whatever changed since.
        let accepted = self.accept_new_ticket(caller, new).await;
        let id = new.id;
        let caller_id = caller.user_id;
        let values = NewRow {
            id: id.to_string(),
            title: new.title.trim().to_owned(),
            description: new.description.clone(),
            priority: new.priority.unwrap_or(Priority::Normal).as_str(),
            source: new.source.unwrap_or(TicketSource::Portal).as_str(),
            requester: caller.user_id,
            org: caller.org_id,
            at_ms: now_ms(),
            device: caller.device_id.map(|d| d.to_string()),
        };
        let created = match self.backend {
            Backend::Postgres => {
                self.insert_ticket_at_once(values, accepted, &new.attachments)
                    .await?
            }
            Backend::Sqlite => {
                self.insert_ticket_in_turn(values, accepted, new.attachments.clone())
                    .await?
            }
        };
        let (ticket, fresh) = match created {
            Created::New(change, ticket) => {
                self.publish(change);
                (ticket, true)
            }
            Created::Already(ticket) => (ticket, false),
        };
        // Not read in the write (PostgreSQL), or created by a concurrent repeat: read now that
        // it has committed.
        let ticket = match ticket {
            Some(ticket) => ticket,
            None => self
                .ticket_any(id)
                .await?
                .ok_or_else(|| AppError::Other(anyhow::anyhow!("ticket vanished after insert")))?,
        };
        // A repeat by its requester gets the ticket as it is now; anyone else, a conflict.
        if ticket.requester_id != caller_id {
            return Err(AppError::conflict("a ticket with this id already exists"));
        }
        Ok((self.redacted(caller, ticket).await?, fresh))
    }

    /// Writes a new ticket in one transaction of [`Store::write`] (SQLite: in one hop to the
    /// writer): an existing ticket is answered as it is, before anything else is checked.
    async fn insert_ticket_in_turn(
        &self,
        values: NewRow,
        accepted: Result<Accepted>,
        attachments: Vec<NewAttachment>,
    ) -> Result<Created> {
        let store = self.clone();
        let read_back = self.writer.is_some();
        self.write(move |w| {
            let by_id = || {
                let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.id = "));
                qb.bind(values.id.clone());
                qb
            };
            if let Some(ticket) = w.row(by_id(), ticket_from_row)? {
                return Ok(Done::RollBack(Created::Already(Some(ticket))));
            }
            let accepted = accepted?;
            refuse_missing(w, &attachments)?;
            let number = w
                .row(store.ticket_number_sql(), |r| r.int("value"))?
                .ok_or_else(|| AppError::Other(anyhow::anyhow!("no ticket number")))?;
            // The new ticket carries its change number from the start (what `record_change`
            // stamps on a changed one).
            let seq = take_next(w, "change_seq")?;
            let mut row = Sql::new(NEW_TICKET_COLUMNS);
            row.push(" VALUES (");
            values.push(&mut row, accepted);
            row.bind(number)
                .push(", ")
                .bind(seq)
                .push(") ON CONFLICT (id) DO NOTHING");
            if w.execute(row)? == 0 {
                // Created concurrently by a repeat of this request (a writer on a pool):
                // give the change number back.
                return Ok(Done::RollBack(Created::Already(None)));
            }
            let change = values.change(seq)?;
            link_uploaded(w, change.ticket_id, &attachments)?;
            // On SQLite's writer, read back here, in the same hop, rather than by a reader
            // after commit.
            let ticket = if read_back {
                w.row(by_id(), ticket_from_row)?
            } else {
                None
            };
            Ok(Done::Commit(Created::New(change, ticket)))
        })
        .await
    }

    /// Writes a new ticket on PostgreSQL in one statement, so in one round trip and its own
    /// transaction: the change registration and number (see `changes`), the ticket number, the
    /// ticket, its files and the change's notification, and returns the ticket as a list shows
    /// it. A ticket that exists already is left as it is (and read after, by the caller).
    async fn insert_ticket_at_once(
        &self,
        values: NewRow,
        accepted: Result<Accepted>,
        attachments: &[NewAttachment],
    ) -> Result<Created> {
        let accepted = match accepted {
            Ok(accepted) => accepted,
            // A repeat gets the first result even when it would not be accepted now.
            Err(refused) => {
                return match self.ticket_any(parse_id(&values.id)?).await? {
                    Some(ticket) => Ok(Created::Already(Some(ticket))),
                    None => Err(refused),
                };
            }
        };
        self.refuse_missing_now(attachments).await?;
        let mut sql = Sql::new(PG_REGISTER_CHANGE);
        sql.push(
            ", number AS (SELECT nextval('ticket_numbers') AS value),
               seq AS MATERIALIZED (SELECT nextval('change_seqs') AS value FROM registered),
               ticket AS (",
        );
        sql.push(NEW_TICKET_COLUMNS).push(" SELECT ");
        values.push(&mut sql, accepted);
        sql.push(
            "number.value, seq.value FROM number, seq ON CONFLICT (id) DO NOTHING \
             RETURNING *)",
        );
        push_links_to_new(&mut sql, attachments);
        // The new ticket comes back as a list shows it, so it need not be read again.
        sql.push(concat!(" SELECT ", ticket_columns!(), ", "));
        Store::push_new_ticket_announcement(&mut sql, "t", values.requester, values.org);
        sql.push(concat!(" AS notified FROM ticket t ", ticket_joins!()));
        let Some(row) = sql.build()?.fetch_optional(&self.pool).await? else {
            return Ok(Created::Already(None));
        };
        let ticket = ticket_from_row(&row)?;
        Ok(Created::New(
            values.change(row.int("change_seq")?)?,
            Some(ticket),
        ))
    }

    /// What a new ticket from `caller` is stored with (system information, type and custom
    /// fields as JSON), or why the caller may not open it.
    async fn accept_new_ticket(
        &self,
        caller: &Caller,
        new: &NewTicket,
    ) -> Result<(Option<String>, Option<String>, String)> {
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
        let (ticket_type, custom_fields) = self.ticket_fields().await?.accept_new(
            caller.is_staff(),
            new.ticket_type.as_deref(),
            &new.custom_fields,
        )?;
        let custom_fields = serde_json::to_string(&custom_fields).map_err(anyhow::Error::from)?;
        let system_info = new
            .system_info
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(anyhow::Error::from)?;
        Ok((system_info, ticket_type, custom_fields))
    }

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
    async fn ticket_any(&self, id: TicketId) -> Result<Option<Ticket>> {
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.id = "));
        qb.bind(id.to_string());
        self.read_row(qb, ticket_from_row).await
    }

    /// The ticket if the caller may see it; otherwise not found.
    pub async fn ticket(&self, caller: &Caller, id: TicketId) -> Result<Ticket> {
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.id = "));
        qb.bind(id.to_string());
        push_visibility(&mut qb, caller);
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
        for t in tickets {
            fields.redact(&mut t.custom_fields);
            if !fields.defaults.ticket_type.shown() {
                t.ticket_type = None;
            }
            if !fields.defaults.assignee.shown() {
                t.assignee_id = None;
                t.assignee_name = None;
            }
        }
        Ok(())
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
        qb.push_words(&["t.title", "t.description"], q.q.as_deref().unwrap_or(""));
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
    ) -> Result<axum::body::Bytes> {
        let json = |page: &Page<Ticket>| {
            serde_json::to_vec(page)
                .map(axum::body::Bytes::from)
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
