//! Opening a ticket, as the rules (`domain::tickets::open`) admitted it: written once whatever the
//! retries (a repeat by its requester gets the first result, anyone else a conflict), with its
//! change number and files. SQLite writes it in one hop to the process's writer; PostgreSQL in
//! one statement (docs/ARCHITECTURE.md).

use bellhop_proto::{
    CommentId, FieldValues, NewAttachment, OrgId, Priority, SystemInfo, Ticket, TicketId,
    TicketSource, UserId,
};

use super::attachments::{link_uploaded, push_links_to_new, refuse_missing};
use super::changes::{ChangeEvent, PG_REGISTER_CHANGE, take_next};
use super::read::Columns;
use super::sql::Sql;
use super::tickets::ticket_from_row;
use super::write::Done;
use super::{Backend, Caller, Store, now_ms};
use crate::error::{AppError, Result};

/// What the rules decided a new ticket is stored with (`domain::tickets::admit`).
#[derive(Debug)]
pub struct Admitted {
    pub title: String,
    pub description: String,
    /// A user's description the desk does not take as one, kept as their first reply.
    pub words: Option<String>,
    pub priority: Priority,
    pub source: TicketSource,
    pub system_info: Option<SystemInfo>,
    pub ticket_type: Option<String>,
    pub custom_fields: FieldValues,
    /// The catalog item it is asked for with.
    pub catalog_item: Option<String>,
    /// Where the item needs approval: pending, or approved at once (the requester is a primary
    /// contact).
    pub approval: Option<Approval>,
}

/// A new request's approval as the rules decided it.
#[derive(Debug, Clone, Copy)]
pub enum Approval {
    Pending,
    /// Given by the requester, a primary contact of their organisation.
    ByRequester,
}

/// [`Admitted`] with its system information and custom fields as the JSON stored.
struct Accepted {
    admitted: Admitted,
    system_info: Option<String>,
    custom_fields: String,
}

impl Accepted {
    fn encode(admitted: Admitted) -> Result<Self> {
        let system_info = admitted
            .system_info
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(anyhow::Error::from)?;
        let custom_fields =
            serde_json::to_string(&admitted.custom_fields).map_err(anyhow::Error::from)?;
        Ok(Self {
            admitted,
            system_info,
            custom_fields,
        })
    }
}

/// The columns of a new ticket, in the order [`NewRow::push`] binds them and then the number and
/// the change number.
const NEW_TICKET_COLUMNS: &str = "INSERT INTO tickets (id, title, description, status, priority,
    source, requester_id, org_id, created_at, updated_at, device_id, system_info, ticket_type,
    custom_fields, opened_by_id, catalog_item, approval, approval_by_id, approval_at, number,
    change_seq)";

/// Who a new ticket is for and when, known whether or not it is admitted.
struct NewRow {
    id: TicketId,
    requester: UserId,
    org: Option<OrgId>,
    /// The technician who opened it for the requester (a phone call, a chat).
    opened_by: Option<UserId>,
    at_ms: i64,
    device: Option<String>,
}

impl NewRow {
    /// Binds the values up to the custom fields, each followed by `, `.
    fn push(&self, sql: &mut Sql, accepted: &Accepted) {
        let admitted = &accepted.admitted;
        sql.bind(self.id.to_string())
            .push(", ")
            .bind(admitted.title.clone())
            .push(", ")
            .bind(admitted.description.clone())
            .push(", 'open', ")
            .bind(admitted.priority.as_str())
            .push(", ")
            .bind(admitted.source.as_str())
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
            .bind(accepted.system_info.clone())
            .push(", ")
            .bind(admitted.ticket_type.clone())
            .push(", ")
            .bind(accepted.custom_fields.clone())
            .push(", ")
            .bind(self.opened_by.map(|u| u.to_string()))
            .push(", ")
            .bind(admitted.catalog_item.clone())
            .push(", ");
        match admitted.approval {
            None => sql.push("NULL, NULL, NULL, "),
            Some(Approval::Pending) => sql.push("'pending', NULL, NULL, "),
            Some(Approval::ByRequester) => sql
                .push("'approved', ")
                .bind(self.requester.to_string())
                .push(", ")
                .bind(self.at_ms)
                .push(", "),
        };
    }

    /// The statement that keeps [`Admitted::words`] as the requester's first public reply.
    fn first_reply(&self, accepted: &Accepted) -> Option<Sql> {
        let words = accepted.admitted.words.as_ref()?;
        let mut sql = Sql::new(
            "INSERT INTO comments (id, ticket_id, author_id, visibility, body, created_at) VALUES (",
        );
        sql.bind(CommentId::new().to_string())
            .push(", ")
            .bind(self.id.to_string())
            .push(", ")
            .bind(self.requester.to_string())
            .push(", 'public', ")
            .bind(words.clone())
            .push(", ")
            .bind(self.at_ms)
            .push(")");
        Some(sql)
    }

    /// [`NewRow::first_reply`] as a common table of the PostgreSQL statement whose `ticket`
    /// holds the new ticket (nothing when it already existed).
    fn push_first_reply(&self, sql: &mut Sql, accepted: &Accepted) {
        let Some(words) = &accepted.admitted.words else {
            return;
        };
        sql.push(
            ", words AS (INSERT INTO comments (id, ticket_id, author_id, visibility, body, \
             created_at) SELECT ",
        )
        .bind(CommentId::new().to_string())
        .push(", ticket.id, ")
        .bind(self.requester.to_string())
        .push(", 'public', ")
        .bind(words.clone())
        .push(", ")
        .bind(self.at_ms)
        .push(" FROM ticket)");
    }

    /// The event of its creation with change number `seq`.
    fn change(&self, seq: i64, accepted: &Accepted) -> ChangeEvent {
        ChangeEvent {
            seq,
            ticket_id: self.id,
            requester_id: self.requester,
            org_id: self.org,
            cc: Vec::new(),
            lost: Vec::new(),
            held: matches!(accepted.admitted.approval, Some(Approval::Pending)),
        }
    }
}

/// What [`Store::create_ticket`]'s write did, with the ticket if it was read in the write.
enum Created {
    New(ChangeEvent, Option<Ticket>),
    Already(Option<Ticket>),
}

impl Store {
    /// Creates ticket `id` for the caller, as the rules admitted it (`domain::tickets::open`).
    /// Creating the same id again by the same requester returns the existing ticket
    /// (`Ok((ticket, false))`) whatever the rules say now, even a refusal; another requester's
    /// id is a conflict. `for_person` is whom the desk opens it for, with their organisation:
    /// the caller is then recorded as having opened it, and may repeat it.
    pub async fn create_ticket(
        &self,
        caller: &Caller,
        id: TicketId,
        attachments: &[NewAttachment],
        admitted: Result<Admitted>,
        for_person: Option<(UserId, Option<OrgId>)>,
    ) -> Result<(Ticket, bool)> {
        let accepted = admitted.and_then(Accepted::encode);
        let caller_id = caller.user_id;
        let (requester, org) = for_person.unwrap_or((caller.user_id, caller.org_id));
        let values = NewRow {
            id,
            requester,
            org,
            opened_by: for_person.map(|_| caller.user_id),
            at_ms: now_ms(),
            device: caller.device_id.map(|d| d.to_string()),
        };
        let created = match self.backend {
            Backend::Postgres => {
                self.insert_ticket_at_once(caller, values, accepted, attachments)
                    .await?
            }
            Backend::Sqlite => {
                self.insert_ticket_in_turn(caller, values, accepted, attachments.to_vec())
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
        // A repeat by its requester (or whoever opened it for them) gets the ticket as it is
        // now; anyone else, a conflict.
        if ticket.requester_id != caller_id && ticket.opened_by_id != Some(caller_id) {
            return Err(AppError::conflict("a ticket with this id already exists"));
        }
        Ok((self.redacted(caller, ticket).await?, fresh))
    }

    /// Writes a new ticket in one transaction of [`Store::write`] (SQLite: in one hop to the
    /// writer): an existing ticket is answered as it is, before anything else is checked.
    async fn insert_ticket_in_turn(
        &self,
        caller: &Caller,
        values: NewRow,
        accepted: Result<Accepted>,
        attachments: Vec<NewAttachment>,
    ) -> Result<Created> {
        let store = self.clone();
        let seen = self.visibility(caller).await?;
        let read_back = self.writer.is_some();
        self.write(move |w| {
            let by_id = || {
                let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.id = "));
                qb.bind(values.id.to_string());
                qb
            };
            if let Some(ticket) = w.row(by_id(), ticket_from_row)? {
                return Ok(Done::RollBack(Created::Already(Some(ticket))));
            }
            let accepted = accepted?;
            refuse_missing(w, &seen, &attachments)?;
            let number = w
                .row(store.ticket_number_sql(), |r| r.int("value"))?
                .ok_or_else(|| AppError::Other(anyhow::anyhow!("no ticket number")))?;
            // The new ticket carries its change number from the start (what `record_change`
            // stamps on a changed one).
            let seq = take_next(w, "change_seq")?;
            let mut row = Sql::new(NEW_TICKET_COLUMNS);
            row.push(" VALUES (");
            values.push(&mut row, &accepted);
            row.bind(number)
                .push(", ")
                .bind(seq)
                .push(") ON CONFLICT (id) DO NOTHING");
            if w.execute(row)? == 0 {
                // Created concurrently by a repeat of this request (a writer on a pool):
                // give the change number back.
                return Ok(Done::RollBack(Created::Already(None)));
            }
            let change = values.change(seq, &accepted);
            link_uploaded(w, change.ticket_id, &attachments)?;
            if let Some(words) = values.first_reply(&accepted) {
                w.execute(words)?;
            }
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
        caller: &Caller,
        values: NewRow,
        accepted: Result<Accepted>,
        attachments: &[NewAttachment],
    ) -> Result<Created> {
        let accepted = match accepted {
            Ok(accepted) => accepted,
            // A repeat gets the first result even when it would not be accepted now.
            Err(refused) => {
                return match self.ticket_any(values.id).await? {
                    Some(ticket) => Ok(Created::Already(Some(ticket))),
                    None => Err(refused),
                };
            }
        };
        self.refuse_missing_now(&self.visibility(caller).await?, attachments)
            .await?;
        let mut sql = Sql::new(PG_REGISTER_CHANGE);
        sql.push(
            ", number AS (SELECT nextval('ticket_numbers') AS value),
               seq AS MATERIALIZED (SELECT nextval('change_seqs') AS value FROM registered),
               ticket AS (",
        );
        sql.push(NEW_TICKET_COLUMNS).push(" SELECT ");
        values.push(&mut sql, &accepted);
        sql.push(
            "number.value, seq.value FROM number, seq ON CONFLICT (id) DO NOTHING \
             RETURNING *)",
        );
        push_links_to_new(&mut sql, attachments);
        values.push_first_reply(&mut sql, &accepted);
        // The new ticket comes back as a list shows it, so it need not be read again.
        sql.push(concat!(" SELECT ", ticket_columns!(), ", "));
        Store::push_new_ticket_announcement(&mut sql, "t", values.requester, values.org);
        sql.push(concat!(" AS notified FROM ticket t ", ticket_joins!()));
        let Some(row) = sql.build()?.fetch_optional(&self.pool).await? else {
            return Ok(Created::Already(None));
        };
        let ticket = ticket_from_row(&row)?;
        Ok(Created::New(
            values.change(row.int("change_seq")?, &accepted),
            Some(ticket),
        ))
    }
}
