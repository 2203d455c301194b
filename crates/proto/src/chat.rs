//! Chat with the service desk. A person starts a chat; it waits in the desk's queue until a
//! technician on duty takes it; messages go both ways, live; it ends when either side ends it,
//! when it idles past two warnings, or when the desk turns it into an incident.
//!
//! Messages are numbered within their chat (`seq`), so a client that reconnects asks for what
//! came after the last number it has, and a message resent with the same id is the same message.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ChatId, ChatMessageId, DeviceId, NewAttachment, OrgId, TicketId, UserId};

/// Where a chat stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChatStatus {
    /// In the desk's queue, nobody has it yet.
    Waiting,
    /// A technician has it.
    Active,
    Ended,
}

impl ChatStatus {
    pub const ALL: [Self; 3] = [Self::Waiting, Self::Active, Self::Ended];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Active => "active",
            Self::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why a chat ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChatEnd {
    /// The person who started it ended it.
    User,
    /// The technician ended it.
    Desk,
    /// Nobody wrote after two warnings.
    Idle,
    /// The desk turned it into an incident.
    Incident,
}

impl ChatEnd {
    pub const ALL: [Self; 4] = [Self::User, Self::Desk, Self::Idle, Self::Incident];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Desk => "desk",
            Self::Idle => "idle",
            Self::Incident => "incident",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A chat, as its person and the desk see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chat {
    pub id: ChatId,
    pub user_id: UserId,
    pub user_name: String,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    /// The desktop app it was started from, and that computer's name.
    pub device_id: Option<DeviceId>,
    pub device_name: Option<String>,
    pub status: ChatStatus,
    /// The technician who has it.
    pub technician_id: Option<UserId>,
    pub technician_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<Timestamp>,
    pub ended_by: Option<ChatEnd>,
    /// The incident it became.
    pub ticket_id: Option<TicketId>,
    #[ts(type = "number | null")]
    pub ticket_number: Option<i64>,
    /// The last message's number.
    #[ts(type = "number")]
    pub last_seq: i64,
    /// The idle warnings given since anyone last wrote (two, then the chat ends).
    pub idle_warnings: u32,
}

/// What a message in a chat is: something someone wrote, or something that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChatMessageKind {
    Text,
    /// A technician took the chat (the author).
    Taken,
    /// The chat went to another technician (the body names them).
    HandedOver,
    /// Its technician left; the chat is back in the queue.
    Requeued,
    /// Nobody wrote for a while (the body says which warning: 1 or 2).
    IdleWarning,
    /// The chat ended (the body says why, as a [`ChatEnd`]).
    Ended,
    /// The desk opened an incident from the chat (`ticket_id`; the body is its number).
    Incident,
}

impl ChatMessageKind {
    pub const ALL: [Self; 7] = [
        Self::Text,
        Self::Taken,
        Self::HandedOver,
        Self::Requeued,
        Self::IdleWarning,
        Self::Ended,
        Self::Incident,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Taken => "taken",
            Self::HandedOver => "handed_over",
            Self::Requeued => "requeued",
            Self::IdleWarning => "idle_warning",
            Self::Ended => "ended",
            Self::Incident => "incident",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A file sent in a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatFile {
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    #[ts(type = "number")]
    pub size: i64,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    pub id: ChatMessageId,
    pub chat_id: ChatId,
    /// Its number within the chat, from 1.
    #[ts(type = "number")]
    pub seq: i64,
    pub kind: ChatMessageKind,
    pub author_id: Option<UserId>,
    pub author_name: Option<String>,
    /// What was written (`text`), or the detail of what happened.
    pub body: String,
    #[serde(default)]
    pub files: Vec<ChatFile>,
    /// The incident (`incident`).
    pub ticket_id: Option<TicketId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `POST /api/v1/chats`: starts a chat (the id is the caller's, so a retry is the same chat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewChat {
    pub id: ChatId,
    /// The first message, if the person wrote one before starting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<NewChatMessage>,
}

/// `POST /api/v1/chats/{id}/messages`: a message, with files uploaded beforehand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewChatMessage {
    pub id: ChatMessageId,
    /// May be empty when files are sent.
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<NewAttachment>,
}

/// `GET /api/v1/chats` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ChatListQuery {
    /// Only chats in this state (the desk's queue: `waiting`).
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<ChatStatus>,
    /// The desk only: one person's chats.
    #[serde(default)]
    #[ts(optional)]
    pub user_id: Option<UserId>,
    /// The desk only: the chats this technician has.
    #[serde(default)]
    #[ts(optional)]
    pub technician_id: Option<UserId>,
    /// At most this many (default 50, at most 200): the queue oldest first, others newest first.
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/chats/{id}/messages`: what came after a message number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ChatMessagesQuery {
    /// Messages numbered after this (default 0: from the start).
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub after: Option<i64>,
    /// At most this many (default 500, at most 1000).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// `POST /api/v1/chats/{id}/hand-over`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    /// A colleague on duty.
    pub technician_id: UserId,
}

/// `POST /api/v1/chats/{id}/incident`: turns the chat into an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChatIncident {
    /// The ticket's title; by default the person's first message, shortened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub title: Option<String>,
}

/// Whether the desk answers chats now, as a person asking sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatDesk {
    /// A technician is on duty and present.
    pub available: bool,
}

/// A technician on duty, as the desk sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnDuty {
    pub user_id: UserId,
    pub name: String,
    /// Chats they have now.
    pub chats: u32,
}

/// `GET`/`PUT /api/v1/duty`: whether the calling technician is on duty, and who is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Duty {
    pub on_duty: bool,
    pub technicians: Vec<OnDuty>,
}

/// `PUT /api/v1/duty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DutyUpdate {
    pub on_duty: bool,
}

/// A live event: something happened in a chat (`chat`), or someone is typing in it
/// (`chat_typing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatEvent {
    pub chat_id: ChatId,
    /// `chat`: its last message's number; `chat_typing`: 0.
    #[ts(type = "number")]
    pub seq: i64,
    /// `chat_typing`: who is typing.
    pub user_id: Option<UserId>,
}
