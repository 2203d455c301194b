//! Writing tickets through the agent: queueing a new one (its files kept by hash first, the
//! form's draft removed with it), the drafts the user keeps to finish later, and what the user
//! does with an item the server refused (edit it as a draft, send it again, or drop it). Every call is
//! durable when it returns, online or not.

use bellhop_proto::{
    Description, Draft, FileName, NewAttachment, NewTicket, OutboxItem, TicketForm, Title,
};

use crate::agent::Agent;
use crate::error::{Error, Result};

impl Agent {
    /// Queues a ticket with files (a screenshot, documents). The files are stored first, then
    /// the ticket and its outbox row in one transaction: durable when this returns.
    pub fn queue_ticket_with_files(
        &self,
        ticket: NewTicket,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<OutboxItem> {
        self.queue_ticket_from_form(ticket, files, None)
    }

    /// What the form's Send does: files kept by hash, then the ticket queued and the draft the
    /// form kept as it was typed (`draft`) removed, in one transaction.
    pub fn queue_ticket_from_form(
        &self,
        mut ticket: NewTicket,
        files: Vec<(String, Vec<u8>)>,
        draft: Option<&str>,
    ) -> Result<OutboxItem> {
        let blobs = self.blobs();
        for (file_name, bytes) in files {
            let sha256 = blobs.put(&bytes)?;
            ticket.attachments.push(NewAttachment {
                sha256,
                file_name: FileName::parse(&file_name).into_string(),
            });
        }
        let ticket = Self::ready_to_queue(ticket)?;
        self.store().queue_ticket_replacing(ticket, draft)
    }

    /// Queues a ticket for the server, with a snapshot of this machine unless one is attached;
    /// it is durable when this returns, online or not.
    pub fn queue_ticket(&self, ticket: NewTicket) -> Result<OutboxItem> {
        let ticket = Self::ready_to_queue(ticket)?;
        self.store().queue_ticket(ticket)
    }

    /// Refuses what the server would refuse for its words, before anything is queued: a title
    /// or description that cannot be sent fails here, online or offline.
    fn ready_to_queue(mut ticket: NewTicket) -> Result<NewTicket> {
        ticket.title = Title::parse(&ticket.title)?.into_string();
        Description::parse(&ticket.description)?;
        if ticket.system_info.is_none() {
            ticket.system_info = Some(crate::device::system_info());
        }
        Ok(ticket)
    }

    /// Saves what the user typed without sending it (new draft when `id` is `None`).
    pub fn save_draft(&self, id: Option<&str>, form: &TicketForm) -> Result<Draft> {
        self.store().save_draft(id, form)
    }

    pub fn drafts(&self) -> Result<Vec<Draft>> {
        self.store().drafts()
    }

    pub fn draft(&self, id: &str) -> Result<Draft> {
        self.store()
            .draft(id)?
            .ok_or_else(|| Error::NotFound(format!("no draft {id}")))
    }

    pub fn discard_draft(&self, id: &str) -> Result<()> {
        if self.store().discard_draft(id)? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("no draft {id}")))
        }
    }

    /// Sends a draft: it becomes a queued ticket (durable, works offline) and stops being a draft.
    pub fn submit_draft(&self, id: &str) -> Result<OutboxItem> {
        let draft = self.draft(id)?;
        let ticket = Self::ready_to_queue(NewTicket {
            source: Some(bellhop_proto::TicketSource::Tray),
            attachments: draft.attachments,
            ..draft.form.into_ticket()
        })?;
        self.store().submit_draft(id, ticket)
    }

    /// Stops keeping one file with a draft.
    pub fn drop_draft_file(&self, id: &str, sha256: &str) -> Result<Draft> {
        self.store().drop_draft_file(id, sha256)
    }

    /// "Edit and resend" for a ticket the server refused: it becomes a draft with its words,
    /// fields and files, to fix and send again from the form.
    pub fn edit_rejected(&self, seq: i64) -> Result<Draft> {
        self.store().rejected_to_draft(seq)
    }

    /// Sends a refused item again as it is (the desk may have changed what it accepts).
    pub fn resend_rejected(&self, seq: i64) -> Result<OutboxItem> {
        self.store().resend_rejected(seq)
    }

    /// Forgets a refused item.
    pub fn discard_rejected(&self, seq: i64) -> Result<()> {
        self.store().discard_rejected(seq)
    }
}
