//! Self-service actions: a person asks for one on a computer assigned to them, proves it is them
//! with a second factor, and the server signs a grant that the agent on that computer checks
//! before it runs anything.
//!
//! A request's life: `requested` (waiting for the code) → `verified` (signed, waiting for the
//! computer) → `delivered` (the agent has the grant) → `running` → `succeeded` or `failed`;
//! or `expired` (no code, or no computer, before the deadline) or `cancelled`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ActionId, DeviceId, Package, SoftwareSources, UserId};

/// What a person may ask their own computer to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Restart,
    Lock,
    ShutDown,
    LogOut,
    /// Install one package of the desk's approved software (the privileged helper runs it).
    Install,
    /// Remove one package of the desk's approved software (the privileged helper runs it).
    Remove,
    /// Set a temporary password, texted to the person, on the computer's own account for them,
    /// to be changed at their next sign-in (the privileged helper sets it).
    ResetPassword,
}

impl ActionKind {
    pub const ALL: [Self; 7] = [
        Self::Restart,
        Self::Lock,
        Self::ShutDown,
        Self::LogOut,
        Self::Install,
        Self::Remove,
        Self::ResetPassword,
    ];

    /// What the agent asks the OS itself, as the person's own user.
    pub const POWER: [Self; 4] = [Self::Restart, Self::Lock, Self::ShutDown, Self::LogOut];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restart => "restart",
            Self::Lock => "lock",
            Self::ShutDown => "shut_down",
            Self::LogOut => "log_out",
            Self::Install => "install",
            Self::Remove => "remove",
            Self::ResetPassword => "reset_password",
        }
    }

    /// Whether it names a package of the approved software (and the privileged helper, not the
    /// agent, runs it).
    pub fn is_software(self) -> bool {
        matches!(self, Self::Install | Self::Remove)
    }

    /// Whether the privileged helper runs it, as root, rather than the agent as the person.
    pub fn by_helper(self) -> bool {
        self.is_software() || self == Self::ResetPassword
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the person at the computer is warned first, with a countdown they can cancel:
    /// restarting or shutting down closes everything, unsaved work included.
    pub fn warns_first(self) -> bool {
        matches!(self, Self::Restart | Self::ShutDown)
    }
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Waiting for the person's code.
    Requested,
    /// Signed; waiting for the computer to pick it up.
    Verified,
    /// The computer has it.
    Delivered,
    Running,
    Succeeded,
    Failed,
    /// Nobody typed the code, or the computer did not pick it up, in time.
    Expired,
    Cancelled,
}

impl ActionState {
    pub const ALL: [Self; 8] = [
        Self::Requested,
        Self::Verified,
        Self::Delivered,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Expired,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Verified => "verified",
            Self::Delivered => "delivered",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Nothing moves an action on from here.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Expired | Self::Cancelled
        )
    }

    /// Still waiting for its deadline: a code, or a computer to start it.
    pub fn is_waiting(self) -> bool {
        matches!(self, Self::Requested | Self::Verified | Self::Delivered)
    }
}

/// How the person proves it is them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// A code texted to their confirmed phone for this action.
    Sms,
    /// A code from their confirmed authenticator app (TOTP); each code is taken once.
    Totp,
}

impl FactorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Totp => "totp",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Self::Sms),
            "totp" => Some(Self::Totp),
            _ => None,
        }
    }
}

/// `POST /api/v1/actions`: the id is the asker's, so a repeated request is the same action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub id: ActionId,
    pub device_id: DeviceId,
    pub kind: ActionKind,
    /// For `install` and `remove`: the key of the approved software entry. The server picks its
    /// package for the computer's system.
    #[serde(default)]
    #[ts(optional)]
    pub software: Option<String>,
    /// How the person will prove it is them. Without it: their authenticator app when they
    /// have one (no text message is sent), else a code by SMS.
    #[serde(default)]
    #[ts(optional)]
    pub factor: Option<FactorKind>,
}

/// `POST /api/v1/actions/{id}/verify`: the second factor's code for this action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionCode {
    pub code: String,
}

/// An action as the person and the desk see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    pub id: ActionId,
    pub device_id: DeviceId,
    /// The computer's name.
    pub device_name: String,
    pub user_id: UserId,
    pub user_name: String,
    pub kind: ActionKind,
    /// For `install` and `remove`: what is installed or removed.
    #[serde(default)]
    #[ts(optional)]
    pub software: Option<ActionSoftware>,
    pub state: ActionState,
    pub factor: FactorKind,
    /// Wrong codes still allowed while `requested`.
    pub attempts_left: u32,
    /// What the computer said, or why the action ended (in English; the UI shows its own words
    /// for each state).
    pub detail: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// While waiting: when it expires unless the code comes (`requested`) or the computer starts
    /// it (`verified`, `delivered`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub deadline: Timestamp,
}

/// The approved software an `install` or `remove` names: the entry and the one package that
/// installs it on the computer's system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionSoftware {
    /// The entry's key in the approved list.
    pub item: String,
    /// The entry's name when it was asked for (in the desk's default language).
    pub name: String,
    pub package: Package,
}

/// `GET /api/v1/actions` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ActionListQuery {
    /// One device's actions.
    #[serde(default)]
    #[ts(optional)]
    pub device_id: Option<DeviceId>,
    /// One person's actions (the desk only: anyone else sees their own whatever this says).
    #[serde(default)]
    #[ts(optional)]
    pub user_id: Option<UserId>,
    /// At most this many, newest first (default 50, at most 200).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// What the agent says about an action it was given: `running` before it starts it (and again,
/// with the installer's latest lines, while it runs), then `succeeded` or `failed`; or
/// `cancelled` by the person at the computer during its countdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionReport {
    pub state: ActionState,
    #[serde(default)]
    #[ts(optional)]
    pub detail: Option<String>,
}

/// The signed statement the agent checks before running anything: Ed25519 over
/// [`GRANT_CONTEXT`] followed by `claims`, the JSON of [`GrantClaims`] exactly as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionGrant {
    pub claims: String,
    /// The 64-byte signature, standard base64.
    pub signature: String,
}

/// `GET /api/v1/grant-key`: the key the server signs grants with (Ed25519, standard base64). The
/// privileged helper pins it at its first start when its configuration does not name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantKey {
    pub key: String,
}

/// Signed statements are of this kind and no other (a signature over anything else never
/// passes for a grant).
pub const GRANT_CONTEXT: &[u8] = b"bellhop action grant v1\n";

/// The approved list's signatures are of this kind: a grant never passes for a list, nor a
/// list for a grant.
pub const LIST_CONTEXT: &[u8] = b"bellhop approved list v1\n";

/// The approved software a computer's helper may install or remove, as the server signed it
/// (Ed25519 over [`LIST_CONTEXT`] and `claims`, the JSON of [`ApprovedListClaims`] as sent). A
/// software grant names the list it was signed against by its digest, and the helper checks
/// the grant's package against the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovedList {
    pub claims: String,
    /// The 64-byte signature, standard base64.
    pub signature: String,
}

/// What an approved list says: the packages of the entries the desk offers to the computer's
/// person, for its system, sorted by manager and id, and the desk's private sources for that
/// system (the helper sets them up before an install).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovedListClaims {
    pub device_id: DeviceId,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub issued_at: i64,
    pub packages: Vec<Package>,
    #[serde(default)]
    pub sources: SoftwareSources,
}

/// What a grant allows: this action, on this device and OS user profile, for this person, once,
/// until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantClaims {
    /// The single-use id: an agent runs each at most once.
    pub action_id: ActionId,
    pub device_id: DeviceId,
    pub os_user: String,
    pub user_id: UserId,
    /// Who asked, for the warning shown on the computer.
    pub user_name: String,
    pub kind: ActionKind,
    /// For `install` and `remove`: the entry and its package; the helper runs nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub software: Option<GrantedSoftware>,
    /// For `reset_password`: the temporary password as the system stores it; the helper sets it
    /// and never sees the password itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub password: Option<GrantedPassword>,
    /// For software: the digest of the approved list the grant was signed against
    /// ([`crate::grant_check::list_digest`]); the helper runs it only with that list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub list: Option<String>,
    /// For what the privileged helper runs: the machine id of the helper that may run it (the
    /// agent reports it); no other machine's helper does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub machine: Option<String>,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub issued_at: i64,
    /// Unix milliseconds; a grant is not started after it.
    #[ts(type = "number")]
    pub expires_at: i64,
}

/// The software a grant names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantedSoftware {
    pub item: String,
    pub package: Package,
}

/// The temporary password a `reset_password` grant sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantedPassword {
    /// SHA-512 crypt (`$6$salt$hash`), the form `/etc/shadow` keeps: the server texts the
    /// password to the person and keeps only this.
    pub sha512_crypt: String,
    /// The password itself, sealed to the key of the computer's helper (standard base64 of a
    /// NaCl sealed box), when the helper has one: Windows and macOS set a password from the
    /// password, and the helper checks what it opens against [`Self::sha512_crypt`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sealed: Option<String>,
}

impl GrantedPassword {
    /// Whether it is a SHA-512 crypt string and nothing else: `$6$`, an optional `rounds=N$`,
    /// a salt of at most 16 and a hash of 86 characters from crypt's alphabet (no `:` or line
    /// break reaches the system's password file).
    pub fn is_well_formed(&self) -> bool {
        let crypt = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
        };
        let Some(rest) = self.sha512_crypt.strip_prefix("$6$") else {
            return false;
        };
        let rest = match rest.strip_prefix("rounds=") {
            Some(r) => match r.split_once('$') {
                Some((n, r))
                    if !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    r
                }
                _ => return false,
            },
            None => rest,
        };
        match rest.split_once('$') {
            Some((salt, hash)) => {
                (1..=16).contains(&salt.len()) && hash.len() == 86 && crypt(salt) && crypt(hash)
            }
            None => false,
        }
    }
}

/// `GET /api/v1/device/actions`: a signed action waiting for this computer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantedAction {
    pub action: Action,
    pub grant: ActionGrant,
    /// For software: the approved list the grant names, signed now (it may have changed since
    /// the grant was signed: then the helper refuses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub list: Option<ApprovedList>,
}

/// The live event `action`: an action the listener hears of moved on; read it again. Without
/// ids, any may have (the server missed some of its own notifications).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionEvent {
    #[serde(default)]
    #[ts(optional)]
    pub action_id: Option<ActionId>,
    #[serde(default)]
    #[ts(optional)]
    pub device_id: Option<DeviceId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_read_back_what_they_write() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        for state in ActionState::ALL {
            assert_eq!(ActionState::parse(state.as_str()), Some(state));
            let json = serde_json::to_string(&state).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert!(!(state.is_final() && state.is_waiting()));
        }
        assert_eq!(ActionKind::parse("reboot"), None);
        assert!(ActionKind::ResetPassword.by_helper() && !ActionKind::ResetPassword.is_software());
        assert!(!ActionKind::Lock.by_helper());
    }

    #[test]
    fn only_a_sha512_crypt_string_passes_for_a_password() {
        let hash = "a".repeat(86);
        let ok = |s: String| {
            GrantedPassword {
                sha512_crypt: s,
                sealed: None,
            }
            .is_well_formed()
        };
        assert!(ok(format!("$6$saltsalt${hash}")));
        assert!(ok(format!("$6$rounds=656000$salt./${hash}")));
        assert!(!ok(format!("$5$saltsalt${hash}")));
        assert!(!ok(format!("$6$salt:x${hash}")));
        assert!(!ok(format!("$6$salt${hash}\nroot::0:0")));
        assert!(!ok(format!("$6$${hash}")));
        assert!(!ok(format!("$6$saltsaltsaltsaltsalt${hash}")));
        assert!(!ok(format!("$6$rounds=$salt${hash}")));
        assert!(!ok("$6$salt$short".into()));
        assert!(!ok(String::new()));
        assert!(ActionKind::Restart.warns_first() && !ActionKind::Lock.warns_first());
    }
}
