//! The user's tickets on this device: the list (what waits in the outbox, then the cached
//! ones), one ticket with its conversation, and what the user adds to one (a reply with files,
//! reopening). Replies are queued, so they work offline.

use bellhop_proto::{
    CommentId, LocalTicket, NewAttachment, NewComment, OutboxItem, TicketChange, TicketId,
    TicketUpdate,
};

use crate::agent::Agent;
use crate::error::{Error, Result};

/// A ticket as the user opened it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub change: TicketChange,
    /// Opening it changed how many tickets are unread (the tray's count follows).
    pub unread_changed: bool,
}

impl Agent {
    /// The tickets this user has here: waiting in the outbox first, then the cached ones.
    pub fn tickets(&self) -> Result<Vec<LocalTicket>> {
        self.store().local_tickets()
    }

    /// A cached ticket by id or by its number, with its conversation; marks it read.
    pub fn ticket(&self, which: &str) -> Result<TicketChange> {
        let mut store = self.store();
        let id = match which.trim_start_matches('#').parse::<i64>() {
            Ok(number) => store.ticket_id_by_number(number)?,
            Err(_) => which.parse::<TicketId>().ok(),
        };
        let found = match id {
            Some(id) => store.cached_ticket(id)?,
            None => None,
        };
        let (change, _) = found.ok_or_else(|| {
            Error::NotFound(format!("no ticket {which} here (try `bellhop sync` first)"))
        })?;
        store.mark_read(change.ticket.id)?;
        Ok(change)
    }

    /// Queues a reply to a ticket; durable when this returns, online or not.
    pub fn queue_reply(&self, ticket: TicketId, body: &str) -> Result<OutboxItem> {
        self.queue_reply_with_files(ticket, body, Vec::new())
    }

    /// Queues a reply with files (name, bytes): the files are stored first, then the reply and
    /// its outbox row in one transaction; the sync uploads them by hash before the reply.
    pub fn queue_reply_with_files(
        &self,
        ticket: TicketId,
        body: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<OutboxItem> {
        let mut attachments = Vec::with_capacity(files.len());
        for (file_name, bytes) in files {
            attachments.push(self.stage_file(&file_name, &bytes)?);
        }
        self.queue_reply_with_attachments(ticket, body, attachments)
    }

    /// Queues a reply naming files already kept here ([`Self::stage_file`]).
    pub fn queue_reply_with_attachments(
        &self,
        ticket: TicketId,
        body: &str,
        attachments: Vec<NewAttachment>,
    ) -> Result<OutboxItem> {
        let body = bellhop_proto::Reply::parse(body)?;
        let blobs = self.blobs();
        if let Some(missing) = attachments.iter().find(|a| !blobs.has(&a.sha256)) {
            return Err(Error::Invalid(format!(
                "{} is not on this device: attach it again",
                missing.file_name
            )));
        }
        self.store().queue_reply(
            ticket,
            NewComment {
                id: CommentId::new(),
                body: body.into_string(),
                visibility: None,
                attachments,
            },
        )
    }

    /// Queues reopening a resolved or closed ticket; the server decides whether it may be.
    pub fn queue_reopen(&self, ticket: TicketId) -> Result<OutboxItem> {
        self.store().queue_update(
            ticket,
            TicketUpdate {
                status: Some(bellhop_proto::TicketStatus::Open),
                ..TicketUpdate::default()
            },
        )
    }

    pub fn unread_count(&self) -> Result<u64> {
        self.store().unread_count()
    }

    /// Opens a cached ticket: it is read now, and the answer says whether that changed the
    /// unread count.
    pub fn open_ticket(&self, id: TicketId) -> Result<Opened> {
        let before = self.unread_count()?;
        let change = self.ticket(&id.to_string())?;
        Ok(Opened {
            change,
            unread_changed: self.unread_count()? != before,
        })
    }
}
