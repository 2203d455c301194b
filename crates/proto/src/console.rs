//! What the technician console reads: organisations, people, the help-desk search and
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
    /// Who may sign up into it from the portal.
    pub sign_up: SignUpRule,
}

/// Who may sign up into an organisation from the portal's sign-up form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignUpRule {
    /// Nobody: the desk invites its people.
    #[default]
    Invite,
    /// Anyone with an address at one of the organisation's domains.
    Domain,
    /// Anyone whose address matches no organisation's domain: the organisation holds them until
    /// the desk sorts them (at most one organisation holds).
    Anyone,
}

impl SignUpRule {
    pub const ALL: [Self; 3] = [Self::Invite, Self::Domain, Self::Anyone];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invite => "invite",
            Self::Domain => "domain",
            Self::Anyone => "anyone",
        }
    }

    /// The rule stored as [`Self::as_str`] says it; an unknown word is the safe one.
    pub fn from_stored(word: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == word)
            .unwrap_or_default()
    }
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
    /// Only the people of this organisation. Either way, at most 200, by name.
    #[serde(default)]
    #[ts(optional)]
    pub org_id: Option<crate::OrgId>,
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

/// Where a message to a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailState {
    /// Waiting for the mail worker (or retrying after a failure).
    Queued,
    /// Accepted by the mail server (or written to the outbox directory).
    Sent,
    /// Given up after repeated failures, or refused for good by the mail server.
    Failed,
    /// The recipient's mail server refused it, or sent it back: the address is suppressed.
    Bounced,
    /// Not sent: the address is suppressed since an earlier message bounced.
    Held,
}

/// An address the server no longer mails, since a message to it bounced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suppression {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub since: Timestamp,
    /// The mail server's words.
    pub reason: String,
}

/// The last message we sent a user, for the help desk's "did you get our email?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailSummary {
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    pub state: EmailState,
    /// The mail server's last answer when sending failed, or why it bounced.
    pub error: Option<String>,
}

/// `GET /api/v1/users/{id}`: a person as the help desk sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDetail {
    pub user: User,
    pub org_name: Option<String>,
    /// Whether they can sign in to the portal with a password.
    pub has_password: bool,
    /// The phone confirming their self-service actions; removing or changing their phone number
    /// resets it.
    pub second_factor_phone: Option<String>,
    /// When their authenticator app was confirmed, if they have one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub authenticator_since: Option<Timestamp>,
    pub last_email: Option<EmailSummary>,
    /// Set when their address is suppressed: the server sends them no mail until the desk
    /// removes it (`POST /api/v1/users/{id}/email/unsuppress`).
    #[ts(optional)]
    pub suppressed: Option<Suppression>,
    /// The portal as they meet it: which sections are on for them, which statuses they see.
    #[ts(optional)]
    pub portal: Option<crate::MyPortal>,
    /// Until when they let the desk look at their portal, read-only; unset without consent.
    #[ts(optional)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub view_consent_until: Option<Timestamp>,
    pub devices: Vec<Device>,
    /// Their most recent tickets (at most 20), newest first.
    pub tickets: Vec<crate::Ticket>,
}

/// `POST /api/v1/users/{id}/verification`: a code is on its way to the user's email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationSent {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
}

/// `POST /api/v1/users/{id}/verification/check`: what the user read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyCodeRequest {
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyCodeResult {
    pub verified: bool,
    /// Wrong codes still allowed before a new one must be sent.
    pub attempts_left: u32,
}

/// `POST /api/v1/orgs` and `PUT /api/v1/orgs/{id}` (technicians).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrgInput {
    pub name: String,
    /// Email domains whose people join this organisation on first contact (`acme.example`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// New devices are active at once instead of waiting for a technician.
    #[serde(default)]
    pub auto_activate: bool,
    /// Who may sign up into it; nobody when not said.
    #[serde(default)]
    pub sign_up: SignUpRule,
}

/// A new organisation and its enrolment key, shown this once (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgCreated {
    pub org: Org,
    pub enrolment_key: String,
}

/// A new enrolment key (`POST /api/v1/orgs/{id}/enrolment-key`); the old one stops working.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolmentKey {
    pub enrolment_key: String,
}

/// `POST /api/v1/users` (new) and `PUT /api/v1/users/{id}` (the whole person). Only admins give
/// or change the technician and admin roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub role: crate::Role,
    #[serde(default)]
    pub org_id: Option<OrgId>,
    /// May sign in to the web portal. Turning it on emails a link to choose a password (the
    /// welcome email for a new user); turning it off removes the password and signs them out.
    #[serde(default)]
    pub portal_access: bool,
    /// Their portal's and mail's language; left out, a new user gets English and an existing one
    /// keeps theirs.
    #[serde(default)]
    #[ts(optional)]
    pub language: Option<crate::Language>,
}

/// `GET`, `PUT`, `DELETE /api/v1/me/view-consent`: whether the service desk may look at the
/// person's portal (read-only), until when, and who looked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewConsent {
    #[ts(optional)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub until: Option<Timestamp>,
    /// The latest looks (at most 20), newest first.
    pub views: Vec<ViewRecord>,
}

/// One look at a person's portal by the desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewRecord {
    pub viewer_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// `PUT /api/v1/me/view-consent`: let the desk look for this many hours (1 to 168).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ViewConsentInput {
    pub hours: u32,
}

/// The longest consent a person can give, in hours (a week).
pub const MAX_VIEW_CONSENT_HOURS: u32 = 168;

/// `POST /api/v1/users/{id}/view`: the single-use ticket that opens the person's portal,
/// read-only, in a tab of its own (`/#/view-as?ticket=…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewTicket {
    pub ticket: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
}

/// `POST /api/v1/auth/view/finish`: the ticket, traded once for the read-only session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ViewFinish {
    pub ticket: String,
}

/// `GET /api/v1/orgs/{id}`: an organisation as the desk sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgDetail {
    pub org: Org,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Its primary contacts: the people who look after it on its side (they see every ticket
    /// of theirs, and approve its catalog requests).
    pub contacts: Vec<User>,
    /// How many people and devices it has.
    pub people: u32,
    pub devices: u32,
    /// Its company sign-in, when it has one.
    #[ts(optional)]
    pub identity_provider: Option<crate::IdentityProvider>,
}
