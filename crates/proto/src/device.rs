//! Devices and the agent's identity: enrol with an organisation key, wait for
//! activation, then confirm the user's identity once with an emailed token.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{DeviceId, OrgId, User, UserId};

/// What the agent reports about the machine and OS user it runs for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceFacts {
    pub hostname: String,
    pub os: String,
    pub os_version: String,
    pub serial: Option<String>,
    /// MAC addresses as `aa:bb:cc:dd:ee:ff`.
    #[serde(default)]
    pub macs: Vec<String>,
    /// The OS user profile this agent runs for (activation is per device and profile).
    pub os_user: String,
    /// The agent's system as Rust names it (`linux`, `windows`, `macos`): which packages of the
    /// approved software fit it. Empty from agents older than it.
    #[serde(default)]
    pub platform: String,
    /// The privileged helper the agent reached on this machine, if any: only then can approved
    /// software be installed here.
    #[serde(default)]
    #[ts(optional)]
    pub helper: Option<crate::HelperFacts>,
    /// The approved packages installed here, as the helper found them.
    #[serde(default)]
    pub installed: Vec<InstalledPackage>,
    /// The version of the Bellhop app reporting (empty from agents older than it).
    #[serde(default)]
    pub agent_version: String,
    /// The releases this device follows, as its managed settings say.
    #[serde(default)]
    pub update_channel: crate::UpdateChannel,
}

/// A package installed on a computer, and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstalledPackage {
    pub package: crate::Package,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// Enrolled; waiting for a technician (or the organisation's auto-activation).
    Pending,
    Active,
    Deactivated,
}

impl DeviceStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Active, Self::Deactivated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `POST /api/v1/devices/enroll`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolRequest {
    pub enrolment_key: String,
    pub device: DeviceFacts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    pub device_id: DeviceId,
    /// The device's own secret (`Authorization: Bearer …` for `/api/v1/device/*`). Shown once;
    /// the agent keeps it in the OS keychain.
    pub device_secret: String,
    pub status: DeviceStatus,
    /// The key the server signs self-service grants with (Ed25519, standard base64): the agent
    /// pins it now and runs only grants it signed.
    pub grant_key: String,
}

/// A device as the console lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: DeviceId,
    pub org_id: OrgId,
    pub org_name: String,
    pub facts: DeviceFacts,
    pub status: DeviceStatus,
    pub assigned_user_id: Option<UserId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub enrolled_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_seen_at: Option<Timestamp>,
}

/// `GET /api/v1/device`: what the agent learns about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceState {
    pub device_id: DeviceId,
    pub status: DeviceStatus,
    pub org_name: String,
    /// The key the server signs self-service grants with: an agent enrolled before grants
    /// existed pins it from here, once.
    pub grant_key: String,
}

/// Which devices a technician acts on: listed ids, or every device of an organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceSelection {
    #[serde(default)]
    pub device_ids: Vec<DeviceId>,
    #[serde(default)]
    #[ts(optional)]
    pub org_id: Option<OrgId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicesChanged {
    #[ts(type = "number")]
    pub changed: u64,
}

/// Step one of the identity confirmation: a token is emailed to this address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendTokenRequest {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// The app's language: the email is written in it, and a user created by this confirmation
    /// gets it.
    #[serde(default)]
    #[ts(optional)]
    pub language: Option<crate::Language>,
}

/// Step two: the token the user typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmTokenRequest {
    pub email: String,
    pub token: String,
}

/// The long-lived, revocable credential of this user on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceCredential {
    pub token: String,
    pub user: User,
}

/// What the machine looked like when a ticket was opened: attached by the agent, shown to
/// technicians next to the ticket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemInfo {
    pub hostname: String,
    pub os: String,
    pub os_version: String,
    pub kernel_version: Option<String>,
    pub os_user: String,
    /// Where the OS exposes it (and lets this user read it).
    pub serial: Option<String>,
    #[ts(type = "number")]
    pub uptime_secs: u64,
    pub cpu: Option<String>,
    pub cpu_cores: Option<u32>,
    #[ts(type = "number")]
    pub memory_total_bytes: u64,
    #[ts(type = "number")]
    pub memory_used_bytes: u64,
    #[serde(default)]
    pub disks: Vec<DiskInfo>,
    #[serde(default)]
    pub interfaces: Vec<NetworkInterface>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub taken_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiskInfo {
    pub mount_point: String,
    pub file_system: String,
    #[ts(type = "number")]
    pub total_bytes: u64,
    #[ts(type = "number")]
    pub available_bytes: u64,
    pub removable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkInterface {
    pub name: String,
    /// `aa:bb:cc:dd:ee:ff`
    pub mac: String,
    /// Addresses with their prefix, e.g. `192.168.1.20/24`.
    pub addresses: Vec<String>,
}
