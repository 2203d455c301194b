//! Writing tickets through the agent: queueing a new one (its files kept by hash first, the
//! form's draft removed with it), the drafts the user keeps to finish later, and what the user
//! does with an item the server refused (edit it as a draft, send it again, or drop it). Every call is
//! durable when it returns, online or not.

use bellhop_proto::{
    Description, Draft, FileName, NewAttachment, NewTicket, OutboxItem, Redaction, TicketForm,
    TicketSource, Title,
};

use crate::agent::Agent;
use crate::error::{Error, Result};

/// The screen as it was when the user asked for help, and the areas they hid.
#[derive(Debug, Clone, Default)]
pub struct Screenshot {
    pub png: Vec<u8>,
    /// Painted over before the picture is stored, in its pixels.
    pub redactions: Vec<Redaction>,
}

/// What goes with a new ticket besides its words.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// Files by name and bytes (documents, logs, screenshots the CLI took).
    pub files: Vec<(String, Vec<u8>)>,
    /// The screenshot taken at the hotkey press: redacted, then attached as `screenshot.png`.
    pub screenshot: Option<Screenshot>,
    /// The draft the form kept the words in as they were typed: removed as the ticket is queued.
    pub draft: Option<String>,
}

impl Outgoing {
    pub fn files(files: Vec<(String, Vec<u8>)>) -> Self {
        Self {
            files,
            ..Self::default()
        }
    }
}

impl Agent {
    /// Queues a ticket for the server, with a snapshot of this machine unless one is attached;
    /// durable when this returns, online or not.
    pub fn queue_ticket(&self, ticket: NewTicket) -> Result<OutboxItem> {
        self.send_ticket(ticket, Outgoing::default())
    }

    /// Queues a ticket with what goes with it. The words are checked first (what the server
    /// would refuse fails here, offline too); the screenshot is redacted; the files are kept by
    /// hash; then the ticket, its outbox row and the removal of its draft are one transaction.
    pub fn send_ticket(&self, ticket: NewTicket, with: Outgoing) -> Result<OutboxItem> {
        let mut ticket = Self::ready_to_queue(self.as_catalog_asks(ticket)?)?;
        let mut files = with.files;
        if let Some(shot) = with.screenshot {
            let png = crate::capture::redact_png(&shot.png, &shot.redactions)?;
            files.insert(0, ("screenshot.png".to_owned(), png));
        }
        let blobs = self.blobs();
        for (file_name, bytes) in files {
            let sha256 = blobs.put(&bytes)?;
            ticket.attachments.push(NewAttachment {
                sha256,
                file_name: FileName::parse(&file_name).into_string(),
            });
        }
        self.store().queue_ticket(ticket, with.draft.as_deref())
    }

    /// The desktop's new-ticket form: a ticket with the hotkey's screenshot came from the
    /// hotkey, one without it from the tray.
    pub fn send_form(
        &self,
        form: TicketForm,
        screenshot: Option<Screenshot>,
        draft: Option<String>,
    ) -> Result<OutboxItem> {
        let source = if screenshot.is_some() {
            TicketSource::Hotkey
        } else {
            TicketSource::Tray
        };
        let ticket = NewTicket {
            source: Some(source),
            ..form.into_ticket()
        };
        self.send_ticket(
            ticket,
            Outgoing {
                files: Vec::new(),
                screenshot,
                draft,
            },
        )
    }

    /// A request from the service catalog, checked against the item's form as this device last
    /// heard it (offline too): a required field left empty or a wrong value fails here, naming
    /// the field, before anything is queued. Left untitled, it is called by its item's name. An
    /// item this device does not know (yet) is the server's to judge.
    fn as_catalog_asks(&self, mut ticket: NewTicket) -> Result<NewTicket> {
        let Some(key) = ticket.catalog_item.as_deref() else {
            return Ok(ticket);
        };
        let (Some(catalog), Some(portal)) = (self.catalog()?, self.portal()?) else {
            return Ok(ticket);
        };
        let Some(item) = catalog.item(key) else {
            return Ok(ticket);
        };
        item.accept_values(&portal.ticket_fields, &ticket.custom_fields)
            .map_err(|e| Error::Invalid(e.0))?;
        if ticket.title.trim().is_empty() {
            ticket.title = item.name.text.clone();
        }
        Ok(ticket)
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
        let ticket = Self::ready_to_queue(self.as_catalog_asks(NewTicket {
            source: Some(bellhop_proto::TicketSource::Tray),
            attachments: draft.attachments,
            ..draft.form.into_ticket()
        })?)?;
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

#[cfg(test)]
mod tests {
    use bellhop_proto::SyncOpKind;
    use image::{Rgba, RgbaImage};

    use super::*;
    use crate::{AgentConfig, Paths};

    fn agent(home: &std::path::Path) -> Result<Agent> {
        Agent::with_config(Paths::under(home), AgentConfig::default())
    }

    fn white_png() -> Result<Vec<u8>> {
        let image = RgbaImage::from_pixel(8, 8, Rgba([255, 255, 255, 255]));
        crate::capture::encode_png(&image)
    }

    fn queued(item: &OutboxItem) -> &NewTicket {
        match &item.op.op {
            SyncOpKind::CreateTicket { ticket } => ticket,
            other => panic!("not a ticket: {other:?}"),
        }
    }

    #[test]
    fn the_form_with_the_hotkeys_screenshot_came_from_the_hotkey_and_stores_it_redacted()
    -> Result<()> {
        let home = tempfile::tempdir()?;
        let agent = agent(home.path())?;
        let png = white_png()?;
        let draft = agent.save_draft(
            None,
            &TicketForm {
                title: "Screen".into(),
                ..TicketForm::default()
            },
        )?;
        let item = agent.send_form(
            TicketForm {
                title: "  Screen flickers  ".into(),
                ..TicketForm::default()
            },
            Some(Screenshot {
                png: png.clone(),
                redactions: vec![Redaction {
                    x: 0,
                    y: 0,
                    width: 4,
                    height: 4,
                }],
            }),
            Some(draft.id),
        )?;
        let ticket = queued(&item);
        assert_eq!(ticket.source, Some(TicketSource::Hotkey));
        assert_eq!(ticket.title, "Screen flickers");
        assert!(ticket.system_info.is_some());
        let [shot] = &ticket.attachments[..] else {
            panic!("{:?}", ticket.attachments);
        };
        assert_eq!(shot.file_name, "screenshot.png");
        let stored = image::load_from_memory(&agent.blobs().read(&shot.sha256)?)
            .map_err(|e| Error::Capture(e.to_string()))?
            .to_rgba8();
        assert_eq!(stored.get_pixel(1, 1), &Rgba([0, 0, 0, 255]), "hidden");
        assert_eq!(stored.get_pixel(6, 6), &Rgba([255, 255, 255, 255]), "kept");
        assert!(agent.drafts()?.is_empty(), "the form's draft went with it");
        Ok(())
    }

    #[test]
    fn the_form_without_a_screenshot_came_from_the_tray_and_words_that_cannot_be_sent_stay()
    -> Result<()> {
        let home = tempfile::tempdir()?;
        let agent = agent(home.path())?;
        let item = agent.send_form(
            TicketForm {
                title: "Printer".into(),
                ..TicketForm::default()
            },
            None,
            None,
        )?;
        assert_eq!(queued(&item).source, Some(TicketSource::Tray));
        assert!(queued(&item).attachments.is_empty());

        let draft = agent.save_draft(
            None,
            &TicketForm {
                title: "x".repeat(bellhop_proto::MAX_TITLE_CHARS + 1),
                ..TicketForm::default()
            },
        )?;
        let refused = agent.submit_draft(&draft.id);
        assert!(matches!(refused, Err(Error::Value(_))), "{refused:?}");
        assert_eq!(agent.drafts()?.len(), 1, "the draft is kept to fix");
        assert_eq!(agent.outbox()?.len(), 1);
        Ok(())
    }
}
