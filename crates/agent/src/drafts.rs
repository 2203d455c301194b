//! Drafts: what the user typed and kept without sending. Saved in one statement (durable when
//! the call returns); submitting one queues the ticket and removes the draft in one transaction,
//! so a crash in between neither loses the text nor sends it twice.

use bellhop_proto::{Draft, NewTicket, OutboxItem, SyncOpKind, TicketForm};

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::store::{Store, now_ms};

const SELECT_DRAFTS: &str = "SELECT id, title, description, updated_at, ticket_type, custom_fields,
     attachments, catalog_item FROM drafts";

fn draft_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    let at: i64 = r.get(3)?;
    let values: String = r.get(5)?;
    let files: String = r.get(6)?;
    Ok(Draft {
        id: r.get(0)?,
        form: TicketForm {
            title: r.get(1)?,
            description: r.get(2)?,
            ticket_type: r.get(4)?,
            // Written by this module from a typed value; unreadable only if edited by hand.
            custom_fields: serde_json::from_str(&values).unwrap_or_default(),
            catalog_item: r.get(7)?,
        },
        attachments: serde_json::from_str(&files).unwrap_or_default(),
        updated_at: Timestamp::from_millisecond(at).unwrap_or_else(|_| Timestamp::now()),
    })
}

impl Store {
    /// Creates (`id: None`) or overwrites a draft's words and fields (its files stay); returns
    /// it as saved.
    pub fn save_draft(&mut self, id: Option<&str>, form: &TicketForm) -> Result<Draft> {
        let id = id.map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
        let now = now_ms();
        let values = serde_json::to_string(&form.custom_fields)?;
        self.conn.execute(
            "INSERT INTO drafts (id, title, description, created_at, updated_at, ticket_type,
                                 custom_fields, catalog_item)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET title = ?2, description = ?3, updated_at = ?4,
                                            ticket_type = ?5, custom_fields = ?6,
                                            catalog_item = ?7",
            params![
                id,
                form.title,
                form.description,
                now,
                form.ticket_type,
                values,
                form.catalog_item
            ],
        )?;
        self.draft(&id)?
            .ok_or_else(|| Error::NotFound(format!("draft {id} vanished")))
    }

    /// Every draft, the most recently edited first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT_DRAFTS} ORDER BY updated_at DESC, id"))?;
        let rows = stmt.query_map([], draft_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn draft(&self, id: &str) -> Result<Option<Draft>> {
        Ok(self
            .conn
            .query_row(
                &format!("{SELECT_DRAFTS} WHERE id = ?1"),
                [id],
                draft_from_row,
            )
            .optional()?)
    }

    /// Stops keeping one file with a draft; returns the draft as it is now.
    pub fn drop_draft_file(&mut self, id: &str, sha256: &str) -> Result<Draft> {
        let mut draft = self
            .draft(id)?
            .ok_or_else(|| Error::NotFound(format!("no draft {id}")))?;
        draft.attachments.retain(|a| a.sha256 != sha256);
        self.conn.execute(
            "UPDATE drafts SET attachments = ?1, updated_at = ?2 WHERE id = ?3",
            params![serde_json::to_string(&draft.attachments)?, now_ms(), id],
        )?;
        self.draft(id)?
            .ok_or_else(|| Error::NotFound(format!("draft {id} vanished")))
    }

    /// A ticket the server refused comes back as a draft to fix, with its files: the draft is
    /// written and the outbox item removed in one transaction. Only tickets can be edited.
    pub fn rejected_to_draft(&mut self, seq: i64) -> Result<Draft> {
        let item = self.rejected(seq)?;
        let SyncOpKind::CreateTicket { ticket } = item.op.op else {
            return Err(Error::Invalid(
                "only a refused ticket can be edited; send this again or discard it".into(),
            ));
        };
        let id = uuid::Uuid::now_v7().to_string();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO drafts (id, title, description, created_at, updated_at, ticket_type,
                                 custom_fields, attachments, catalog_item)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                ticket.title,
                ticket.description,
                now_ms(),
                ticket.ticket_type,
                serde_json::to_string(&ticket.custom_fields)?,
                serde_json::to_string(&ticket.attachments)?,
                ticket.catalog_item,
            ],
        )?;
        tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
        tx.commit()?;
        self.draft(&id)?
            .ok_or_else(|| Error::NotFound(format!("draft {id} vanished")))
    }

    /// Removes a draft; returns whether there was one.
    pub fn discard_draft(&mut self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM drafts WHERE id = ?1", [id])?
            == 1)
    }

    /// Queues the draft as a new ticket and removes it, in one transaction.
    pub fn submit_draft(&mut self, id: &str, ticket: NewTicket) -> Result<OutboxItem> {
        let tx = self.conn.transaction()?;
        let removed = tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        if removed != 1 {
            return Err(Error::NotFound(format!("no draft {id}")));
        }
        let item = Self::queue_in(&tx, SyncOpKind::CreateTicket { ticket })?;
        tx.commit()?;
        Ok(item)
    }
}

#[cfg(test)]
mod tests {
    use bellhop_proto::FieldValue;

    use super::*;

    fn form(title: &str, description: &str) -> TicketForm {
        TicketForm {
            title: title.into(),
            description: description.into(),
            ..TicketForm::default()
        }
    }

    #[test]
    fn a_draft_is_saved_edited_and_submitted_once() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("store.sqlite3");
        let id = {
            let mut store = Store::open(&path)?;
            let draft = store.save_draft(None, &form("Printer", ""))?;
            let edited = TicketForm {
                ticket_type: Some("incident".into()),
                custom_fields: [("asset_tag".to_owned(), FieldValue::Text("A-7".into()))].into(),
                ..form("Printer jams", "Tray 2, since Monday")
            };
            store.save_draft(Some(&draft.id), &edited)?;
            draft.id
        };
        let mut store = Store::open(&path)?;
        let drafts = store.drafts()?;
        assert_eq!(
            drafts.len(),
            1,
            "one draft, edited in place, survives reopening"
        );
        assert_eq!(drafts[0].form.description, "Tray 2, since Monday");
        assert_eq!(drafts[0].form.ticket_type.as_deref(), Some("incident"));
        assert_eq!(
            drafts[0].form.custom_fields["asset_tag"],
            FieldValue::Text("A-7".into()),
            "the custom values survive reopening too"
        );
        let ticket = NewTicket::new(
            drafts[0].form.title.clone(),
            drafts[0].form.description.clone(),
        );
        store.submit_draft(&id, ticket.clone())?;
        assert!(store.drafts()?.is_empty());
        assert_eq!(store.outbox()?.len(), 1);
        assert!(
            matches!(store.submit_draft(&id, ticket), Err(Error::NotFound(_))),
            "a draft is sent once"
        );
        assert_eq!(store.outbox()?.len(), 1);
        assert!(!store.discard_draft(&id)?);
        Ok(())
    }

    #[test]
    fn a_refused_ticket_is_edited_as_a_draft_with_its_files_resent_or_dropped() -> anyhow::Result<()>
    {
        use bellhop_proto::{NewAttachment, OutboxState};
        let mut store = Store::open_in_memory()?;
        let shot = NewAttachment {
            sha256: "ab".repeat(32),
            file_name: "screenshot.png".into(),
        };
        let ticket = NewTicket {
            attachments: vec![shot.clone()],
            ticket_type: Some("incident".into()),
            ..NewTicket::new("VPN drops", "every hour")
        };
        let refused = store.queue_ticket(ticket, None)?;
        let reply = store.queue_reply(
            bellhop_proto::TicketId::new(),
            bellhop_proto::NewComment {
                id: bellhop_proto::CommentId::new(),
                body: "more".into(),
                visibility: None,
                attachments: Vec::new(),
            },
        )?;
        assert!(
            matches!(store.rejected_to_draft(refused.seq), Err(Error::Invalid(_))),
            "a queued item is not refused"
        );
        let why = Some("Who is affected is required".to_owned());
        store.record_outcomes(&[
            (refused.seq, OutboxState::Rejected, why.clone()),
            (reply.seq, OutboxState::Rejected, why),
        ])?;

        assert!(matches!(
            store.rejected_to_draft(reply.seq),
            Err(Error::Invalid(_))
        ));
        let draft = store.rejected_to_draft(refused.seq)?;
        assert_eq!(draft.form.title, "VPN drops");
        assert_eq!(draft.form.ticket_type.as_deref(), Some("incident"));
        assert_eq!(draft.attachments, std::slice::from_ref(&shot));
        assert_eq!(
            store.outbox()?.len(),
            1,
            "the refused ticket left the outbox"
        );
        assert!(matches!(
            store.rejected_to_draft(refused.seq),
            Err(Error::NotFound(_))
        ));

        // Typing in the form keeps the files; removing one is explicit.
        let edited = store.save_draft(Some(&draft.id), &form("VPN drops hourly", ""))?;
        assert_eq!(edited.attachments, std::slice::from_ref(&shot));
        assert!(
            store
                .drop_draft_file(&draft.id, &shot.sha256)?
                .attachments
                .is_empty()
        );

        // The refused reply goes again under a new operation id, or is dropped.
        let again = store.resend_rejected(reply.seq)?;
        assert_ne!(again.op.op_id, reply.op.op_id);
        assert_eq!(store.outbox()?[0].state, OutboxState::Queued);
        assert_eq!(store.outbox()?[0].op, again.op);
        assert!(matches!(
            store.discard_rejected(reply.seq),
            Err(Error::Invalid(_))
        ));
        store.record_outcomes(&[(reply.seq, OutboxState::Rejected, None)])?;
        store.discard_rejected(reply.seq)?;
        assert!(store.outbox()?.is_empty());
        Ok(())
    }

    #[test]
    fn a_ticket_sent_from_the_form_takes_its_autosaved_draft_with_it() -> anyhow::Result<()> {
        let mut store = Store::open_in_memory()?;
        let kept = store.save_draft(None, &form("Monitor", "flick"))?;
        let other = store.save_draft(None, &form("Keyboard", ""))?;
        store.queue_ticket(NewTicket::new("Monitor", "flickers"), Some(&kept.id))?;
        let left: Vec<String> = store.drafts()?.into_iter().map(|d| d.id).collect();
        assert_eq!(left, [other.id], "only the form's own draft goes");
        store.queue_ticket(NewTicket::new("Mouse", ""), Some("never-saved"))?;
        assert_eq!(
            store.outbox()?.len(),
            2,
            "no draft to remove is not an error"
        );
        Ok(())
    }
}
