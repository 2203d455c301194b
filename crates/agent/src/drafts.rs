//! Drafts: what the user typed and kept without sending. Saved in one statement (durable when
//! the call returns); submitting one queues the ticket and removes the draft in one transaction,
//! so a crash in between neither loses the text nor sends it twice.

use bellhop_proto::{Draft, NewTicket, OutboxItem, SyncOpKind, TicketForm};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::store::{Store, now_ms};

const SELECT_DRAFTS: &str =
    "SELECT id, title, description, updated_at, ticket_type, custom_fields FROM drafts";

fn draft_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    let at: i64 = r.get(3)?;
    let values: String = r.get(5)?;
    Ok(Draft {
        id: r.get(0)?,
        form: TicketForm {
            title: r.get(1)?,
            description: r.get(2)?,
            ticket_type: r.get(4)?,
            // Written by this module from a typed value; unreadable only if edited by hand.
            custom_fields: serde_json::from_str(&values).unwrap_or_default(),
        },
        updated_at: Timestamp::from_millisecond(at).unwrap_or_else(|_| Timestamp::now()),
    })
}

impl Store {
    /// Creates (`id: None`) or overwrites a draft; returns it as saved.
    pub fn save_draft(&mut self, id: Option<&str>, form: &TicketForm) -> Result<Draft> {
        let id = id.map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
        let now = now_ms();
        let values = serde_json::to_string(&form.custom_fields)?;
        self.conn.execute(
            "INSERT INTO drafts (id, title, description, created_at, updated_at, ticket_type, custom_fields)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET title = ?2, description = ?3, updated_at = ?4,
                                            ticket_type = ?5, custom_fields = ?6",
            params![id, form.title, form.description, now, form.ticket_type, values],
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

    /// Removes a draft; returns whether there was one.
    pub fn discard_draft(&mut self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM drafts WHERE id = ?1", [id])?
            == 1)
    }

    /// Queues a new ticket and removes the draft its words were kept in as they were typed, if
    /// there is one, in one transaction: a crash leaves either the draft or the queued ticket.
    pub fn queue_ticket_replacing(
        &mut self,
        ticket: NewTicket,
        draft: Option<&str>,
    ) -> Result<OutboxItem> {
        let tx = self.conn.transaction()?;
        if let Some(id) = draft {
            tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        }
        let item = Self::queue_in(&tx, SyncOpKind::CreateTicket { ticket })?;
        tx.commit()?;
        Ok(item)
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
    fn a_ticket_sent_from_the_form_takes_its_autosaved_draft_with_it() -> anyhow::Result<()> {
        let mut store = Store::open_in_memory()?;
        let kept = store.save_draft(None, &form("Monitor", "flick"))?;
        let other = store.save_draft(None, &form("Keyboard", ""))?;
        store.queue_ticket_replacing(NewTicket::new("Monitor", "flickers"), Some(&kept.id))?;
        let left: Vec<String> = store.drafts()?.into_iter().map(|d| d.id).collect();
        assert_eq!(left, [other.id], "only the form's own draft goes");
        store.queue_ticket_replacing(NewTicket::new("Mouse", ""), Some("never-saved"))?;
        assert_eq!(
            store.outbox()?.len(),
            2,
            "no draft to remove is not an error"
        );
        Ok(())
    }
}
