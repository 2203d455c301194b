//! The desktop app updating itself: where it asks (this server's feed, with this device's
//! secret), whose signature it trusts, and the record of an attempt, so that a version that
//! does not start is reported to the server and the one before it comes back.
//!
//! The shell (`src-tauri/src/updater.rs`) checks, downloads, verifies and installs with Tauri's
//! updater; this module is everything about it that needs no window.

use std::path::PathBuf;

use bellhop_proto::{AppVersion, UpdateChannel, UpdateFailure};
use serde::{Deserialize, Serialize};

use crate::agent::{Agent, now_ms};
use crate::credentials::Secret;
use crate::error::{Error, Result};

/// The updater key built into this binary (the release workflow's, `BELLHOP_UPDATER_PUBLIC_KEY`
/// at build time): base64 of a minisign public key, as `tauri signer generate` writes it.
const BUILT_IN_PUBLIC_KEY: Option<&str> = option_env!("BELLHOP_UPDATER_PUBLIC_KEY");

/// The store's key of the update in progress (JSON of [`UpdateAttempt`]).
const ATTEMPT_KEY: &str = "update_attempt";
/// The store's key of the versions refused here (JSON list), never fetched again.
const REFUSED_KEY: &str = "updates_refused";
/// The store's key of the failures the server has not heard yet (JSON list).
const UNREPORTED_KEY: &str = "update_failures_unreported";

/// Where and how the app asks for its updates.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateSource {
    /// The feed, with the updater's own placeholders (`{{target}}`, `{{arch}}`,
    /// `{{current_version}}`) left for it to fill.
    pub endpoint: String,
    /// Sent as a bearer token with the check and the download.
    pub device_secret: String,
    /// Base64 of the minisign public key every update must be signed with.
    pub public_key: String,
    /// The server is reached over plain HTTP on purpose (`insecure`).
    pub insecure: bool,
}

/// How far an installed update has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// Installed; the new version has not said it runs yet.
    Installed,
    /// The new version did not start: the previous one was put back.
    RolledBack,
}

/// An update being installed, kept in the local store across the restart it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateAttempt {
    pub from: AppVersion,
    pub to: AppVersion,
    /// A copy of the build that ran before, to put back if the new one does not start.
    pub previous: Option<PathBuf>,
    /// The file the app runs from (an AppImage), which the update replaced.
    pub installed_at: Option<PathBuf>,
    pub at_ms: i64,
    pub state: AttemptState,
    /// Why it was rolled back, as the watchdog saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Agent {
    /// Where to ask for updates: `None` until this device is enrolled, or when no key to verify
    /// them with is known (neither built in nor managed), so updates are off.
    pub fn update_source(&self) -> Result<Option<UpdateSource>> {
        let Some(public_key) = self.update_public_key() else {
            return Ok(None);
        };
        let Ok(client) = self.client() else {
            return Ok(None);
        };
        let Ok(device_secret) = self.secret(Secret::DeviceSecret, "not enrolled") else {
            return Ok(None);
        };
        let mut endpoint = format!(
            "{}/api/v1/device/update/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
            client.base()
        );
        if self.update_channel() == UpdateChannel::Beta {
            endpoint.push_str("?channel=beta");
        }
        Ok(Some(UpdateSource {
            endpoint,
            device_secret,
            public_key,
            insecure: self.config().insecure,
        }))
    }

    /// The key updates must be signed with: the organisation's managed `update_public_key`
    /// (set by whoever administers the computer), else the one built in.
    fn update_public_key(&self) -> Option<String> {
        self.config()
            .managed
            .values
            .update_public_key
            .clone()
            .or_else(|| BUILT_IN_PUBLIC_KEY.map(str::to_owned))
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
    }

    /// The update being installed, if one is.
    pub fn update_attempt(&self) -> Result<Option<UpdateAttempt>> {
        self.store()
            .meta(ATTEMPT_KEY)?
            .map(|json| serde_json::from_str(&json).map_err(Error::from))
            .transpose()
    }

    /// Records an update about to be installed (before anything is replaced).
    pub fn begin_update(
        &self,
        from: AppVersion,
        to: AppVersion,
        previous: Option<PathBuf>,
        installed_at: Option<PathBuf>,
    ) -> Result<UpdateAttempt> {
        let attempt = UpdateAttempt {
            from,
            to,
            previous,
            installed_at,
            at_ms: now_ms(),
            state: AttemptState::Installed,
            reason: None,
        };
        self.store()
            .set_meta(ATTEMPT_KEY, Some(&serde_json::to_string(&attempt)?))?;
        Ok(attempt)
    }

    /// This process has started as version `running`: an update to it is done (the copy of
    /// the build before it is let go); one to another version failed, and is reported.
    /// Returns what it concluded.
    pub async fn settle_update(&self, running: &AppVersion) -> Result<Option<Settled>> {
        let Some(attempt) = self.update_attempt()? else {
            return Ok(None);
        };
        if &attempt.to == running {
            self.forget_update(&attempt)?;
            return Ok(Some(Settled::Updated(attempt.to)));
        }
        let error = match attempt.state {
            AttemptState::RolledBack => format!(
                "{} did not start ({}); {} was put back",
                attempt.to,
                attempt.reason.as_deref().unwrap_or("no reason given"),
                attempt.from
            ),
            AttemptState::Installed => format!(
                "{} was installed, but {running} started instead",
                attempt.to
            ),
        };
        self.forget_update(&attempt)?;
        self.refuse_update(&attempt.to, &error).await?;
        Ok(Some(Settled::Failed(attempt.to, error)))
    }

    /// Marks the attempt as rolled back (the previous build was put back in place, because of
    /// `reason`), for the previous version to report when it runs.
    pub fn mark_rolled_back(&self, reason: &str) -> Result<()> {
        if let Some(mut attempt) = self.update_attempt()? {
            attempt.state = AttemptState::RolledBack;
            attempt.reason = Some(reason.to_owned());
            self.store()
                .set_meta(ATTEMPT_KEY, Some(&serde_json::to_string(&attempt)?))?;
        }
        Ok(())
    }

    /// Drops the record of an attempt that never replaced anything.
    pub fn clear_update_attempt(&self) -> Result<()> {
        match self.update_attempt()? {
            Some(attempt) => self.forget_update(&attempt),
            None => Ok(()),
        }
    }

    /// The versions refused here (a bad signature, another machine's file, one that did not
    /// start): the updater does not fetch them again.
    pub fn refused_updates(&self) -> Result<Vec<AppVersion>> {
        Ok(match self.store().meta(REFUSED_KEY)? {
            Some(json) => serde_json::from_str(&json)?,
            None => Vec::new(),
        })
    }

    /// Refuses `version` here for good, and tells the server why (now, or at a later check if
    /// it cannot be reached: [`Agent::report_update_failures`]).
    pub async fn refuse_update(&self, version: &AppVersion, error: &str) -> Result<()> {
        let mut refused = self.refused_updates()?;
        if !refused.contains(version) {
            refused.push(version.clone());
            self.store()
                .set_meta(REFUSED_KEY, Some(&serde_json::to_string(&refused)?))?;
        }
        let mut unreported = self.unreported()?;
        unreported.push(UpdateFailure {
            version: version.clone(),
            error: error.chars().take(2_000).collect(),
        });
        self.store()
            .set_meta(UNREPORTED_KEY, Some(&serde_json::to_string(&unreported)?))?;
        self.report_update_failures().await;
        Ok(())
    }

    fn unreported(&self) -> Result<Vec<UpdateFailure>> {
        Ok(match self.store().meta(UNREPORTED_KEY)? {
            Some(json) => serde_json::from_str(&json)?,
            None => Vec::new(),
        })
    }

    /// Tells the server of the failures it has not heard; those it could not be told of wait
    /// for the next call (a refusal by the server itself is not repeated).
    pub async fn report_update_failures(&self) {
        let Ok(unreported) = self.unreported() else {
            return;
        };
        let mut left = Vec::new();
        for failure in unreported {
            match self.report_update_failure(&failure).await {
                Ok(()) => {}
                Err(e) if e.is_retryable() => left.push(failure),
                Err(e) => {
                    tracing::warn!(error = %e, "the server refused an update's failure report")
                }
            }
        }
        let json = serde_json::to_string(&left).ok();
        let keep = if left.is_empty() {
            None
        } else {
            json.as_deref()
        };
        if let Err(e) = self.store().set_meta(UNREPORTED_KEY, keep) {
            tracing::warn!(error = %e, "update failure reports not kept");
        }
    }

    fn forget_update(&self, attempt: &UpdateAttempt) -> Result<()> {
        if let Some(previous) = &attempt.previous {
            match std::fs::remove_file(previous) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, "the previous build's copy stays"),
            }
        }
        self.store().set_meta(ATTEMPT_KEY, None)
    }

    /// Tells the server that a version could not be installed or did not start (enough such
    /// reports pause its rollout).
    async fn report_update_failure(&self, failure: &UpdateFailure) -> Result<()> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        self.client()?.update_failed(&secret, failure).await
    }

    /// Where downloaded updates and the previous build's copy are kept.
    pub fn updates_dir(&self) -> PathBuf {
        self.paths().data_dir.join("updates")
    }
}

/// What a start found of the update before it.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    Updated(AppVersion),
    Failed(AppVersion, String),
}
