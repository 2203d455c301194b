//! What the desktop agent knows locally: its cached tickets, what waits in its outbox, and the
//! notices a pull produced. These cross the Tauri bridge and the CLI's `--json`, not the network.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{TicketId, TicketStatus};

/// A ticket in the agent's list: one the server has (cached), or one still in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalTicket {
    pub id: TicketId,
    /// The server's number; `None` while the ticket waits in the outbox.
    #[ts(type = "number | null")]
    pub number: Option<i64>,
    pub title: String,
    /// `None` while the ticket waits in the outbox.
    pub status: Option<TicketStatus>,
    pub updated_at: Timestamp,
    /// Something happened since the user last opened it.
    pub unread: bool,
    /// Something of it (the ticket, or a reply) waits in the outbox.
    pub pending: bool,
    /// The server refused the ticket; this says why (the content is kept to fix and resend).
    pub rejected: Option<String>,
    /// The technician who opened it for the user (a phone call, a chat), if not the user.
    #[serde(default)]
    pub opened_by_name: Option<String>,
    /// A catalog request's approval by a primary contact, when it needs one.
    #[serde(default)]
    pub approval: Option<crate::ApprovalState>,
}

/// Something the user should hear about after a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Notice {
    pub ticket_id: TicketId,
    #[ts(type = "number")]
    pub number: i64,
    pub title: String,
    pub kind: NoticeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NoticeKind {
    /// Someone else replied; `excerpt` is the start of the newest reply.
    Reply {
        author_name: String,
        excerpt: String,
    },
    /// The desk changed the ticket's status.
    Status { status: TicketStatus },
}

/// A ticket the user started and saved without sending (Esc in the quick-ticket window, "Save as
/// draft", `bellhop ticket new --draft`, and the words kept while typing). It lives only on the
/// device (the browser portal's, in the browser) until submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Draft {
    pub id: String,
    /// What the form held: title, description, type and custom field values.
    #[serde(flatten)]
    pub form: TicketForm,
    /// Files kept with it (by hash, on this device): a ticket the server refused keeps its
    /// screenshot and files when it comes back as a draft to fix.
    #[serde(default)]
    pub attachments: Vec<crate::NewAttachment>,
    pub updated_at: Timestamp,
}

/// What the new-ticket form holds: saved as a draft, or sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct TicketForm {
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ticket_type: Option<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[ts(
        as = "Option<std::collections::BTreeMap<String, crate::FieldValue>>",
        optional
    )]
    pub custom_fields: crate::FieldValues,
    /// A request from the service catalog: the item's key (its form's values are the custom
    /// fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub catalog_item: Option<String>,
}

impl TicketForm {
    /// The ticket it becomes (a fresh id; source and system information are the caller's).
    pub fn into_ticket(self) -> crate::NewTicket {
        crate::NewTicket {
            ticket_type: self.ticket_type.filter(|t| !t.is_empty()),
            custom_fields: self.custom_fields,
            catalog_item: self.catalog_item.filter(|k| !k.is_empty()),
            ..crate::NewTicket::new(self.title, self.description)
        }
    }
}

/// An area of a screenshot to paint over before it leaves the machine, in the screenshot's
/// pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Redaction {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The desktop app's global shortcut for a new ticket, and whether it works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HotkeyStatus {
    /// As the user chose it ("Ctrl+F12").
    pub accelerator: String,
    /// Registered with the desktop: pressing it anywhere opens a new ticket.
    pub active: bool,
    /// Why it is not active: taken by another program, or the desktop has no global shortcuts.
    pub problem: Option<String>,
}

/// Where a setting of the desktop app gets its value, in the order they win: a managed one is
/// locked; the others are the user's own, or the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    /// Set by the organisation (`/etc/bellhop/agent.toml`, the Windows policies key, a macOS
    /// configuration profile): the user cannot change it.
    Managed,
    /// A `BELLHOP_*` environment variable.
    Environment,
    /// The user's own `agent.toml`.
    UserFile,
    /// Chosen in the app (or with the CLI).
    UserChoice,
    Default,
}

/// One setting of the desktop app: its value and where it came from (`bellhop config`, and
/// the lock the app's Settings show).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppSetting {
    /// As managed files write it (`server_url`, `hotkey`, `language`…).
    pub name: String,
    /// `None`: not set (an enrolment key is shown only as set).
    pub value: Option<String>,
    pub source: SettingSource,
    /// The file, registry key or variable it came from.
    pub origin: Option<String>,
}

impl AppSetting {
    pub fn locked(&self) -> bool {
        self.source == SettingSource::Managed
    }
}

/// A self-service action on this computer, as the person at it is told (desktop app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalAction {
    pub id: crate::ActionId,
    pub kind: crate::ActionKind,
    /// Who asked for it (from the signed grant).
    pub asked_by: String,
    pub state: LocalActionState,
    /// While counting down: when it runs unless cancelled here.
    #[ts(optional)]
    pub runs_at: Option<jiff::Timestamp>,
    #[ts(optional)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LocalActionState {
    /// A restart or shut down waits for its countdown; the person here may cancel it.
    CountingDown,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
