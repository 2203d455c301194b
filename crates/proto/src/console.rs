//! What the technician console reads: organisations, people, the help-desk search (seed 004) and
//! the audit log.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Device, OrgId, User, UserId};

/// A customer organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    /// Email domains whose people join this organisation on first contact.
    pub domains: Vec<String>,
    /// New devices are active at once (otherwise they wait for a technician).
    pub auto_activate: bool,
}

/// Query of `GET /api/v1/users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct UserListQuery {
    /// Words in the name or email.
    #[serde(default)]
    #[ts(optional)]
    pub q: Option<String>,
    /// Only technicians and admins (whom tickets can be assigned to).
    #[serde(default)]
    #[ts(optional)]
    pub staff: Option<bool>,
}

/// Query of `GET /api/v1/search`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct SearchQuery {
    /// A name, email, phone number, id, organisation, email domain, hostname, serial or MAC.
    pub q: String,
}

/// The help-desk search's answer, grouped by kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub users: Vec<User>,
    pub orgs: Vec<Org>,
    pub devices: Vec<Device>,
}

/// One staff action, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    pub actor_id: UserId,
    pub actor_name: String,
    /// What was done, e.g. `device.activate`, `ticket.assign`, `ticket.status`.
    pub action: String,
    /// What it was done to (a device, ticket or organisation id).
    pub target: String,
    /// A sentence for people: "activated 3 devices of Globex".
    pub detail: String,
}

/// Query of `GET /api/v1/audit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct AuditQuery {
    /// Words in the action, target, detail or actor's name.
    #[serde(default)]
    #[ts(optional)]
    pub q: Option<String>,
    /// Page size, 1..=200 (default 50).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
}
