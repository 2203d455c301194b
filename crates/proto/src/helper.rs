//! What the agent and the privileged helper (`bellhop-helper`) say to each other over the
//! machine's local channel: one request per connection, each message one line of JSON.
//!
//! The helper runs as root (SYSTEM on Windows). It believes nothing the agent says: it acts only
//! on a grant the server signed for this machine's helper and the OS user at the other end of
//! the channel, as the OS names that user.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ActionGrant, Package};

/// What the helper says of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HelperFacts {
    /// The machine id the helper made at its first start and keeps where only it may write:
    /// grants for it name this.
    pub machine: String,
    /// The helper's version.
    pub version: String,
    /// The package managers it can run here, as [`Package::manager`] names them.
    pub managers: Vec<String>,
    /// Its X25519 public key (standard base64), on systems where a temporary password is
    /// set from the password itself: the server seals the password to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub seal_key: Option<String>,
}

/// One request to the helper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HelperRequest {
    /// Who are you? Answered with [`HelperReply::Hello`].
    Hello,
    /// Run what this grant allows. Answered with progress lines, then `done` or `refused`.
    Run {
        grant: ActionGrant,
        /// For software: the signed approved list the grant names.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        list: Option<crate::ApprovedList>,
    },
    /// Which of these packages are installed, and at which version (anyone may ask).
    Installed { packages: Vec<Package> },
}

/// One line of the helper's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HelperReply {
    Hello(HelperFacts),
    /// A line the package manager wrote.
    Progress {
        line: String,
    },
    /// It ran: `ok` with what is installed now, or why it failed with the last lines of the
    /// package manager's output.
    Done {
        ok: bool,
        detail: String,
    },
    /// Nothing was run, and why.
    Refused {
        why: String,
    },
    /// For each package asked about: its installed version, or none.
    Installed {
        versions: Vec<Option<String>>,
    },
}
