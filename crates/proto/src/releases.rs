//! Releases of the desktop app, and the update feed the server serves from them.
//!
//! An admin adds a release (its artifacts, each with the updater's signature) and chooses who
//! gets it: a channel, a percentage of devices, chosen organisations. The desktop app asks the
//! server's feed at `/api/v1/device/update/{target}/{arch}/{current_version}`, as the Tauri
//! updater does, and gets an [`UpdateOffer`] or nothing (204). The app checks the signature
//! against the key built into it before anything is replaced: the server is not trusted with it.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{OrgId, ReleaseId};

/// Which releases a device follows. Beta devices get beta releases and stable ones, whichever
/// is newer; stable devices only stable ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UpdateChannel {
    #[default]
    Stable,
    Beta,
}

impl UpdateChannel {
    pub const ALL: [Self; 2] = [Self::Stable, Self::Beta];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stable => "stable",
            Self::Beta => "beta",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether a device on this channel takes a release made for `release`.
    pub fn takes(self, release: Self) -> bool {
        self == Self::Beta || release == Self::Stable
    }
}

/// The systems the updater names (`{{target}}`).
pub const UPDATE_TARGETS: [&str; 3] = ["linux", "windows", "darwin"];
/// The architectures the updater names (`{{arch}}`).
pub const UPDATE_ARCHES: [&str; 4] = ["x86_64", "aarch64", "i686", "armv7"];

/// What an artifact runs on, as the updater names it: `linux-x86_64`, `windows-x86_64`,
/// `darwin-aarch64`… Parsed once here; anything else is refused where it comes in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[ts(type = "string")]
pub struct UpdatePlatform(String);

impl UpdatePlatform {
    pub fn new(target: &str, arch: &str) -> Result<Self, String> {
        if !UPDATE_TARGETS.contains(&target) {
            return Err(format!(
                "{target:?} is not a system the updater knows: one of {}",
                UPDATE_TARGETS.join(", ")
            ));
        }
        if !UPDATE_ARCHES.contains(&arch) {
            return Err(format!(
                "{arch:?} is not an architecture the updater knows: one of {}",
                UPDATE_ARCHES.join(", ")
            ));
        }
        Ok(Self(format!("{target}-{arch}")))
    }

    /// The platform this program was built for.
    pub fn current() -> Option<Self> {
        let target = match std::env::consts::OS {
            "macos" => "darwin",
            os => os,
        };
        Self::new(target, std::env::consts::ARCH).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The system part (`linux`, `windows`, `darwin`).
    pub fn target(&self) -> &str {
        self.0.split_once('-').map_or(&self.0, |(t, _)| t)
    }
}

impl FromStr for UpdatePlatform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (target, arch) = s.split_once('-').ok_or_else(|| {
            format!("{s:?} is not a platform: write the system and architecture, as linux-x86_64")
        })?;
        Self::new(target, arch)
    }
}

impl From<UpdatePlatform> for String {
    fn from(p: UpdatePlatform) -> Self {
        p.0
    }
}

impl fmt::Display for UpdatePlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A version of the app, as semantic versioning orders them (`0.2.0` is newer than `0.1.9`, and
/// `0.2.0-beta.1` older than `0.2.0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[ts(type = "string")]
pub struct AppVersion(semver::Version);

impl AppVersion {
    pub fn semver(&self) -> &semver::Version {
        &self.0
    }
}

impl FromStr for AppVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        semver::Version::parse(s.strip_prefix('v').unwrap_or(s))
            .map(Self)
            .map_err(|e| format!("{s:?} is not a version such as 1.4.2: {e}"))
    }
}

impl From<semver::Version> for AppVersion {
    fn from(v: semver::Version) -> Self {
        Self(v)
    }
}

impl From<AppVersion> for String {
    fn from(v: AppVersion) -> Self {
        v.0.to_string()
    }
}

impl fmt::Display for AppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Both travel as their text, and are parsed where they come in.
macro_rules! as_text {
    ($name:ident) => {
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?
                    .parse()
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}
as_text!(UpdatePlatform);
as_text!(AppVersion);

/// One file of a release: the installer or bundle the updater replaces the app with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseArtifact {
    pub platform: UpdatePlatform,
    pub file_name: String,
    pub size: u64,
    /// Hex SHA-256 of the file as the server keeps it.
    pub sha256: String,
    /// The updater's signature of the file (the `.sig` the bundler writes beside it).
    pub signature: String,
}

/// How far a release has gone: devices it is meant for, those it is offered to now, those on
/// it, and those that could not start it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RolloutProgress {
    /// Active devices on its channel, in its organisations, with an artifact for their platform.
    pub targeted: u32,
    /// Those of them inside its percentage.
    pub offered: u32,
    /// Devices that report running it.
    pub installed: u32,
    /// Devices that reported it failed to install or start.
    pub failed: u32,
}

/// A release as the console lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub id: ReleaseId,
    pub version: AppVersion,
    pub channel: UpdateChannel,
    pub notes: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The share of its devices offered it (0 to 100), chosen by a stable draw per device.
    pub percent: u8,
    /// Only devices of these organisations get it; empty: every organisation.
    pub org_ids: Vec<OrgId>,
    /// Offered to nobody while paused.
    pub paused: bool,
    /// Why it was paused: an admin, or its failures reaching `pause_after_failures`.
    pub paused_reason: Option<String>,
    /// Paused by itself when this many devices report it failed (0: never).
    pub pause_after_failures: u32,
    pub artifacts: Vec<ReleaseArtifact>,
    pub progress: RolloutProgress,
}

/// What an admin says about a new release (its files are added beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseInput {
    pub version: AppVersion,
    #[serde(default)]
    pub channel: UpdateChannel,
    #[serde(default)]
    pub notes: String,
    #[serde(default = "all_devices")]
    pub percent: u8,
    #[serde(default)]
    pub org_ids: Vec<OrgId>,
    #[serde(default = "default_pause_after")]
    pub pause_after_failures: u32,
}

fn all_devices() -> u8 {
    100
}

/// A release pauses itself when this many devices report it failed, unless told otherwise.
pub const DEFAULT_PAUSE_AFTER_FAILURES: u32 = 3;

fn default_pause_after() -> u32 {
    DEFAULT_PAUSE_AFTER_FAILURES
}

/// `PATCH /api/v1/releases/{id}`: widen, narrow, pause or resume a rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RolloutChange {
    #[ts(optional)]
    pub percent: Option<u8>,
    #[ts(optional)]
    pub org_ids: Option<Vec<OrgId>>,
    #[ts(optional)]
    pub paused: Option<bool>,
}

/// The feed's answer when there is an update: what the Tauri updater reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOffer {
    pub version: AppVersion,
    pub notes: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub pub_date: Timestamp,
    /// Where the app downloads the artifact (the server's own address, with the device's
    /// secret as for every device request).
    pub url: String,
    pub signature: String,
}

/// `GET /api/v1/device/update/...?channel=beta`: the channel the device follows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct UpdateQuery {
    #[serde(default)]
    #[ts(optional)]
    pub channel: Option<UpdateChannel>,
}

/// `POST /api/v1/device/update/failure`: a version the app could not install or start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateFailure {
    pub version: AppVersion,
    /// What went wrong, as the app saw it (kept to 2,000 characters).
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_the_updaters_names() {
        assert_eq!(
            "linux-x86_64".parse::<UpdatePlatform>().map(String::from),
            Ok("linux-x86_64".into())
        );
        assert_eq!(
            "darwin-aarch64"
                .parse::<UpdatePlatform>()
                .map(|p| p.target().to_owned()),
            Ok("darwin".into())
        );
        for wrong in ["linux", "macos-x86_64", "linux-sparc", "", "-x86_64"] {
            assert!(wrong.parse::<UpdatePlatform>().is_err(), "{wrong}");
        }
        assert!(UpdatePlatform::current().is_some());
    }

    #[test]
    fn versions_order_as_semver_does() -> Result<(), String> {
        let v = |s: &str| s.parse::<AppVersion>();
        assert!(v("0.10.0")? > v("0.9.9")?);
        assert!(v("1.0.0")? > v("1.0.0-beta.2")?);
        assert_eq!(v("v1.2.3")?, v("1.2.3")?);
        assert!(v("1.2").is_err());
        assert!(v("latest").is_err());
        Ok(())
    }

    #[test]
    fn beta_devices_take_both_channels_and_stable_only_stable() {
        assert!(UpdateChannel::Beta.takes(UpdateChannel::Stable));
        assert!(UpdateChannel::Beta.takes(UpdateChannel::Beta));
        assert!(UpdateChannel::Stable.takes(UpdateChannel::Stable));
        assert!(!UpdateChannel::Stable.takes(UpdateChannel::Beta));
    }
}
