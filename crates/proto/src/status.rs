//! What the server says about itself, and what the agent says about its connection.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{DeviceStatus, User};

/// `GET /api/v1/server`: enough for a client to know it reached a Bellhop server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerInfo {
    pub product: String,
    pub version: String,
    /// Which database backend serves this instance: `sqlite` or `postgres`.
    pub database: String,
}

/// The agent's view of its link to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Connectivity {
    /// No server URL is configured yet.
    NotConfigured,
    Online,
    Offline,
}

/// What the desktop app and `bellhop status` show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AgentStatus {
    pub agent_version: String,
    pub server_url: Option<String>,
    pub connectivity: Connectivity,
    /// Present when the server answered.
    pub server: Option<ServerInfo>,
    /// Why the server could not be reached, in words for a person.
    pub problem: Option<String>,
    /// Items waiting in the outbox.
    #[ts(type = "number")]
    pub queued: u64,
    /// Saved drafts.
    #[ts(type = "number")]
    pub drafts: u64,
    /// Tickets with news the user has not opened yet.
    #[ts(type = "number")]
    pub unread: u64,
    /// This device's state on the server; `None` until enrolled (or while offline).
    pub device: Option<DeviceStatus>,
    /// The person this device works for, once their identity is confirmed.
    pub user: Option<User>,
}
