//! Tickets and the conversation on them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CommentId, FieldValue, FieldValues, NewAttachment, OrgId, TicketId, UserId};

/// The statuses an end user can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    AwaitingReply,
    Resolved,
    Closed,
}

impl TicketStatus {
    pub const ALL: [Self; 4] = [
        Self::Open,
        Self::AwaitingReply,
        Self::Resolved,
        Self::Closed,
    ];

    /// The stable string stored in databases and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::AwaitingReply => "awaiting_reply",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Self; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketSource {
    Hotkey,
    Tray,
    Portal,
    Chat,
    Assistant,
}

impl TicketSource {
    pub const ALL: [Self; 5] = [
        Self::Hotkey,
        Self::Tray,
        Self::Portal,
        Self::Chat,
        Self::Assistant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hotkey => "hotkey",
            Self::Tray => "tray",
            Self::Portal => "portal",
            Self::Chat => "chat",
            Self::Assistant => "assistant",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A ticket as a caller who may see it sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: TicketId,
    /// The human number shown to people ("#1042"), assigned by the server.
    #[ts(type = "number")]
    pub number: i64,
    pub title: String,
    /// Empty for a reader from whom the desk hides descriptions.
    pub description: String,
    pub status: TicketStatus,
    /// Left out for a reader from whom the desk hides the priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub priority: Option<Priority>,
    pub source: TicketSource,
    pub requester_id: UserId,
    pub requester_name: String,
    pub org_id: Option<OrgId>,
    /// The organisation's name (the console's queue shows it).
    #[serde(default)]
    pub org_name: Option<String>,
    /// The device it was sent from (desktop app or CLI), and that device's name.
    #[serde(default)]
    pub device_id: Option<crate::DeviceId>,
    #[serde(default)]
    pub device_name: Option<String>,
    /// The technician working on the ticket, if anyone is.
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub assignee_name: Option<String>,
    /// One of the desk's [`crate::TicketType`] keys.
    #[serde(default)]
    pub ticket_type: Option<String>,
    /// Custom field values by key; users receive only the fields the desk lets them see.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<String, FieldValue>>", optional)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: FieldValues,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// The technician who opened it for the requester (a phone call, a chat), if one did.
    #[serde(default)]
    pub opened_by_id: Option<UserId>,
    #[serde(default)]
    pub opened_by_name: Option<String>,
    /// The catalog item it was asked for with, if any (a [`crate::CatalogItem`] key).
    #[serde(default)]
    pub catalog_item: Option<String>,
    /// Where the item needs it: the primary contact's approval, and who gave or refused it.
    #[serde(default)]
    pub approval: Option<crate::ApprovalState>,
    #[serde(default)]
    pub approval_by_name: Option<String>,
}

/// A new ticket. The id is the caller's, so that a retried create is recognised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTicket {
    pub id: TicketId,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<Priority>,
    #[serde(default)]
    #[ts(optional)]
    pub source: Option<TicketSource>,
    /// Files uploaded beforehand (`PUT /api/v1/attachments/{sha256}`), e.g. the screenshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<NewAttachment>,
    /// The machine as it was when the user asked for help (the agent attaches it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub system_info: Option<crate::SystemInfo>,
    /// One of the desk's ticket types, where users may choose it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ticket_type: Option<String>,
    /// Values of the desk's custom fields, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<String, FieldValue>>", optional)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: FieldValues,
    /// The desk only: the person it is opened for (their request, marked as opened for them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub requester_id: Option<UserId>,
    /// A request from the service catalog: the item's key. Its form's values are in
    /// `custom_fields`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub catalog_item: Option<String>,
}

impl NewTicket {
    /// A ticket with a fresh id and nothing else set.
    pub fn new(title: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            id: TicketId::new(),
            title: title.into(),
            description: description.into(),
            priority: None,
            source: None,
            attachments: Vec::new(),
            system_info: None,
            ticket_type: None,
            custom_fields: FieldValues::new(),
            requester_id: None,
            catalog_item: None,
        }
    }
}

/// A public reply or an internal note (technicians only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommentVisibility {
    Public,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: CommentId,
    pub ticket_id: TicketId,
    pub author_id: UserId,
    pub author_name: String,
    pub visibility: CommentVisibility,
    pub body: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewComment {
    pub id: CommentId,
    pub body: String,
    /// Defaults to public; only technicians may write internal notes.
    #[serde(default)]
    #[ts(optional)]
    pub visibility: Option<CommentVisibility>,
    /// Files uploaded beforehand (`PUT /api/v1/attachments/{sha256}`); an internal note's files
    /// are as hidden from end users as the note.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<crate::NewAttachment>>", optional)]
    pub attachments: Vec<crate::NewAttachment>,
}

/// `PATCH /api/v1/tickets/{id}`: what to change; absent fields stay as they are. Technicians may
/// set any status and priority; the people who see a ticket may reopen it (Resolved or Closed →
/// Open) or mark it resolved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketUpdate {
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<TicketStatus>,
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<Priority>,
    /// Technicians: the ticket's type (`""` for none).
    #[serde(default)]
    #[ts(optional)]
    pub ticket_type: Option<String>,
    /// Technicians: the custom field values, all of them (a field left out is cleared).
    #[serde(default)]
    #[ts(optional)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub custom_fields: Option<FieldValues>,
}

/// Query of `GET /api/v1/tickets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TicketListQuery {
    /// Words that must appear in the title or description.
    #[serde(default)]
    #[ts(optional)]
    pub q: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<TicketStatus>,
    /// Only tickets of this type (a [`crate::TicketType`] key).
    #[serde(default)]
    #[ts(optional)]
    pub ticket_type: Option<String>,
    /// Only this organisation's tickets.
    #[serde(default)]
    #[ts(optional)]
    pub org_id: Option<OrgId>,
    /// Only tickets assigned to this technician.
    #[serde(default)]
    #[ts(optional)]
    pub assignee_id: Option<UserId>,
    /// Only tickets nobody is assigned to.
    #[serde(default)]
    #[ts(optional)]
    pub unassigned: Option<bool>,
    /// Only tickets of this priority (refused to people the desk does not show priorities to).
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<Priority>,
    /// Newest first (the default) or oldest first.
    #[serde(default)]
    #[ts(optional)]
    pub sort: Option<TicketSort>,
    /// Whose requests, among those the caller may see (the portal's tabs).
    #[serde(default)]
    #[ts(optional)]
    pub scope: Option<TicketScope>,
    /// Page size, 1..=200 (default 50).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
}

/// Which of the requests a user may see a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketScope {
    /// "My requests": the caller asked for them.
    Mine,
    /// "Requests I'm CC'd on".
    Cc,
    /// "My organisation's requests" (primary contacts and the desk).
    Org,
}

/// Someone copied on a ticket: they see it and its public replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CcEntry {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

/// `POST /api/v1/tickets/{id}/cc`: copy someone on a ticket by their email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddCc {
    pub email: String,
}

/// The order of a ticket list, by ticket number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketSort {
    #[default]
    Newest,
    Oldest,
}

/// `PUT /api/v1/tickets/{id}/assignee`: the technician to work on the ticket, or nobody.
/// `PUT /api/v1/devices/{id}/assignee`: the person who uses the device (one OS user profile of a
/// computer), or nobody; self-service runs only on a device assigned to the person asking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssigneeUpdate {
    pub user_id: Option<UserId>,
}

/// What a home page counts: for a technician the tickets that need the desk; for anyone else
/// their own requests (open, awaiting their reply; `mine`, `unassigned` and `urgent` are 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCounts {
    /// Open tickets, whoever handles them.
    pub open: u32,
    /// Tickets waiting for the customer's reply.
    pub awaiting_reply: u32,
    /// Open tickets assigned to the caller.
    pub mine: u32,
    /// Open tickets nobody is assigned to.
    pub unassigned: u32,
    /// Open tickets of urgent priority, whoever handles them.
    pub urgent: u32,
}

/// One page of a list, newest first; `next` fetches the following page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}
