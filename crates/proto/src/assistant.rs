//! The assistant: a person asks in their own words; the server answers from the knowledge base
//! (or a configured model), cites the articles it used, and offers what it may do for them. It
//! never acts on its own word: an offer becomes an action only when the person confirms it in the
//! interface (with their second factor where the action asks for it).
//!
//! The server keeps no transcript. The app sends the conversation so far with each question;
//! each of the assistant's turns carries the server's seal over its words and place, so what
//! reaches the desk in a hand-over is what the assistant said.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ActionId, ActionKind, ConversationId, DeviceId, ErrorBody, NewAttachment, TicketId};

/// Longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// Most turns a conversation carries (questions and answers); a longer one is handed over.
pub const MAX_CONVERSATION_TURNS: usize = 60;

/// Who said a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssistantRole {
    Person,
    Assistant,
}

/// A knowledge-base article an answer used, first the one that fits best.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Citation {
    pub id: String,
    pub title: String,
}

/// A computer an action may run on: one of the person's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedDevice {
    pub id: DeviceId,
    pub name: String,
}

/// What the assistant offers to do. Nothing happens until the person confirms it in the
/// interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Proposal {
    /// A self-service action on one of these computers (the person's own, the one in front of
    /// them first); confirmed with the second factor, like any self-service action.
    Action {
        action: ActionKind,
        devices: Vec<ProposedDevice>,
    },
    /// A ticket with this conversation, for a person at the service desk.
    HandOver,
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssistantTurn {
    pub role: AssistantRole,
    pub text: String,
    #[serde(default)]
    pub citations: Vec<Citation>,
    #[serde(default)]
    pub proposals: Vec<Proposal>,
    /// The server's seal on an assistant's turn (its words, citations, offers, conversation and
    /// place); a turn that does not match its seal is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub seal: Option<String>,
}

/// `POST /api/v1/assistant/ask`: a question, with the conversation so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssistantAsk {
    pub conversation: ConversationId,
    /// The turns so far, in order, as the server returned them.
    #[serde(default)]
    pub history: Vec<AssistantTurn>,
    pub question: String,
}

/// One line of the answer's stream (`application/x-ndjson`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AssistantEvent {
    /// Words to add to the answer, as they are written.
    Words { text: String },
    /// The finished answer, sealed: the next question sends it back in the history.
    Done { turn: AssistantTurn },
    /// The answer could not be finished; what was streamed is not part of the conversation.
    Failed { error: ErrorBody },
}

/// `POST /api/v1/assistant/hand-over`: a ticket for the desk with the conversation and the
/// actions the person took in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssistantHandOver {
    /// The ticket's id, made by the app: a retried hand-over is the same ticket.
    pub ticket_id: TicketId,
    pub conversation: ConversationId,
    pub history: Vec<AssistantTurn>,
    /// Self-service actions the person asked for in the conversation (their own only).
    #[serde(default)]
    pub actions: Vec<ActionId>,
    /// Files uploaded beforehand (the desktop's screenshot), attached to the ticket.
    #[serde(default)]
    pub attachments: Vec<NewAttachment>,
}

/// `GET /api/v1/assistant/model` (admins): the model the assistant asks, when one is set; without
/// one the built-in engine answers from the knowledge base. The API key never leaves the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssistantModel {
    /// An OpenAI-compatible API's base, e.g. `https://api.example.com/v1`: the server posts to
    /// `{base_url}/chat/completions`.
    pub base_url: String,
    pub model: String,
    /// Whether an API key is kept for it.
    pub has_key: bool,
}

/// `PUT /api/v1/assistant/model` (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssistantModelInput {
    pub base_url: String,
    pub model: String,
    /// The API key: absent keeps the one kept, empty removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub api_key: Option<String>,
}

/// The desktop window's assistant as the new-ticket shortcut started it: the screenshot taken (a
/// `data:` URL), which goes with a hand-over, and the words typed in the quick form with the
/// draft that keeps them until they are asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AssistantStart {
    pub screenshot: Option<String>,
    pub question: Option<String>,
    pub draft_id: Option<String>,
}
