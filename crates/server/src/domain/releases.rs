//! The update feed: which release a device is offered, how far each rollout has gone, and
//! adding a release with its files.
//!
//! A device is offered the newest release newer than what it runs that is not paused, is on a
//! channel it follows, is for its organisation (or every one), has a file for its platform, and
//! whose percentage takes it. Who is inside a percentage is a draw from the device's and the
//! release's ids, the same on every check: widening a rollout from 10% to 50% keeps the first
//! tenth and adds to it. The feed reads releases from the store's short-lived copy, so a check is
//! the device's one lookup and no write.

use bellhop_proto::{
    AppVersion, DeviceId, OrgId, Release, ReleaseArtifact, ReleaseId, ReleaseInput, RolloutChange,
    UpdateChannel, UpdateFailure, UpdateOffer, UpdatePlatform,
};
use sha2::{Digest, Sha256};

use crate::blobs::{Blobs, Received};
use crate::db::{Caller, DeviceCaller, RolloutDevice, Store};
use crate::error::{AppError, Result};

/// The largest release file the server keeps (an installer or bundle).
pub const MAX_ARTIFACT_BYTES: u64 = 1024 * 1024 * 1024;

/// The longest failure report kept, in characters.
const MAX_FAILURE_CHARS: usize = 2_000;

/// Only admins add, change and pause releases.
pub fn require_admin(caller: &Caller) -> Result<()> {
    super::require_admin(caller, "manage releases")
}

/// The device's place in a release's rollout, 0 to 99.
pub fn draw(device: DeviceId, release: ReleaseId) -> u8 {
    let digest = Sha256::new()
        .chain_update(release.to_string())
        .chain_update(device.to_string())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u8::try_from(u64::from_be_bytes(first) % 100).unwrap_or(0)
}

/// Whether `release` is meant for a device of `org` on `channel`, whatever its platform and
/// percentage.
fn aimed_at(release: &Release, org: OrgId, channel: UpdateChannel) -> bool {
    channel.takes(release.channel) && (release.org_ids.is_empty() || release.org_ids.contains(&org))
}

/// The updater's name for a system as Rust names it.
fn update_target(os: &str) -> &str {
    match os {
        "macos" => "darwin",
        other => other,
    }
}

/// What the feed answers a device running `current` on `platform`: the newest release it is
/// offered, with its file, if any.
pub fn choose<'a>(
    releases: &'a [Release],
    device: &DeviceCaller,
    platform: &UpdatePlatform,
    current: &AppVersion,
    channel: UpdateChannel,
) -> Option<(&'a Release, &'a ReleaseArtifact)> {
    // Newest first (the store's order), so the first that fits is the one.
    releases
        .iter()
        .filter(|r| r.version > *current && !r.paused)
        .filter(|r| aimed_at(r, device.org_id, channel))
        .filter(|r| draw(device.id, r.id) < r.percent)
        .find_map(|r| {
            r.artifacts
                .iter()
                .find(|a| a.platform == *platform)
                .map(|a| (r, a))
        })
}

/// The feed's answer for a device, and the address it downloads the file from.
pub async fn offer(
    store: &Store,
    public_url: &str,
    device: &DeviceCaller,
    platform: &UpdatePlatform,
    current: &AppVersion,
    channel: UpdateChannel,
) -> Result<Option<UpdateOffer>> {
    refuse_switched_off(device)?;
    let releases = store.releases().await?;
    Ok(
        choose(&releases, device, platform, current, channel).map(|(release, artifact)| {
            UpdateOffer {
                version: release.version.clone(),
                notes: release.notes.clone(),
                pub_date: release.created_at,
                url: format!(
                    "{}/api/v1/device/update/{}/{}",
                    public_url.trim_end_matches('/'),
                    release.id,
                    artifact.platform
                ),
                signature: artifact.signature.clone(),
            }
        }),
    )
}

fn refuse_switched_off(device: &DeviceCaller) -> Result<()> {
    if device.status == bellhop_proto::DeviceStatus::Deactivated {
        return Err(AppError::forbidden(
            "this device was switched off by the service desk",
        ));
    }
    Ok(())
}

/// The file a device may download: one of a release offered to it (it may be on any version
/// older than the release, as a device downloading again after a restart is).
pub async fn artifact_for(
    store: &Store,
    device: &DeviceCaller,
    release: ReleaseId,
    platform: &UpdatePlatform,
    channel: UpdateChannel,
) -> Result<ReleaseArtifact> {
    refuse_switched_off(device)?;
    let releases = store.releases().await?;
    let not_offered = || AppError::not_found("no such release is offered to this device");
    let release = releases
        .iter()
        .find(|r| r.id == release)
        .filter(|r| !r.paused && aimed_at(r, device.org_id, channel))
        .filter(|r| draw(device.id, r.id) < r.percent)
        .ok_or_else(not_offered)?;
    release
        .artifacts
        .iter()
        .find(|a| a.platform == *platform)
        .cloned()
        .ok_or_else(not_offered)
}

/// A device says it could not install or start `failure.version`: kept once per device, and
/// the release pauses itself when enough devices say so.
pub async fn report_failure(
    store: &Store,
    device: &DeviceCaller,
    failure: &UpdateFailure,
) -> Result<()> {
    let releases = store.releases().await?;
    let release = releases
        .iter()
        .find(|r| r.version == failure.version)
        .ok_or_else(|| AppError::not_found(format!("no release {}", failure.version)))?;
    let error: String = failure
        .error
        .trim()
        .chars()
        .take(MAX_FAILURE_CHARS)
        .collect();
    if store
        .record_update_failure(device.id, release.id, &error)
        .await?
    {
        tracing::warn!(version = %release.version, "a release paused itself: too many devices could not start it");
    } else {
        tracing::info!(version = %release.version, device = %device.id, error, "a device could not install or start a release");
    }
    Ok(())
}

/// Every release with how far it has gone (admins).
pub async fn list(store: &Store, caller: &Caller) -> Result<Vec<Release>> {
    require_admin(caller)?;
    let releases = store.releases().await?;
    let devices = store.rollout_devices().await?;
    let failed = store.update_failure_counts().await?;
    Ok(with_progress_all(&releases, &devices, &failed))
}

/// The releases with how far each has gone among `devices`.
pub fn with_progress_all(
    releases: &[Release],
    devices: &[RolloutDevice],
    failed: &std::collections::HashMap<ReleaseId, u32>,
) -> Vec<Release> {
    releases
        .iter()
        .map(|r| with_progress(r.clone(), devices, failed.get(&r.id).copied()))
        .collect()
}

fn with_progress(mut release: Release, devices: &[RolloutDevice], failed: Option<u32>) -> Release {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let version = release.version.to_string();
    let targeted: Vec<&RolloutDevice> = devices
        .iter()
        .filter(|d| aimed_at(&release, d.org_id, d.channel))
        .filter(|d| {
            release
                .artifacts
                .iter()
                .any(|a| a.platform.target() == update_target(&d.platform))
        })
        .collect();
    release.progress.targeted = count(targeted.len());
    release.progress.offered = count(
        targeted
            .iter()
            .filter(|d| draw(d.id, release.id) < release.percent)
            .count(),
    );
    release.progress.installed = count(
        devices
            .iter()
            .filter(|d| d.agent_version == version)
            .count(),
    );
    release.progress.failed = failed.unwrap_or(0);
    release
}

/// One release as the console shows it.
pub async fn get(store: &Store, caller: &Caller, id: ReleaseId) -> Result<Release> {
    list(store, caller)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::not_found("no such release"))
}

/// Widens, narrows, pauses or resumes a rollout (admins).
pub async fn change(
    store: &Store,
    caller: &Caller,
    id: ReleaseId,
    change: &RolloutChange,
) -> Result<Release> {
    require_admin(caller)?;
    check_percent(change.percent)?;
    if !store.change_rollout(Some(caller), id, change).await? {
        return Err(AppError::not_found("no such release"));
    }
    get(store, caller, id).await
}

fn check_percent(percent: Option<u8>) -> Result<()> {
    if percent.is_some_and(|p| p > 100) {
        return Err(AppError::bad_request("a rollout's percentage is 0 to 100"));
    }
    Ok(())
}

/// Decodes an updater signature (the `.sig` the bundler writes: base64 of a minisign
/// signature): the text as kept, and the signature.
fn parse_signature(signature: &str) -> Result<(String, minisign_verify::Signature)> {
    use base64::Engine as _;
    let signature = signature.trim();
    let text = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(|| {
            AppError::bad_request(
                "the signature is not the updater's (base64 of a minisign signature)",
            )
        })?;
    let decoded = minisign_verify::Signature::decode(&text).map_err(|e| {
        AppError::bad_request(format!("the signature is not a minisign signature: {e}"))
    })?;
    Ok((signature.to_owned(), decoded))
}

/// Decodes the app's updater public key, as `tauri.conf.json` holds it (base64 of minisign's
/// text).
fn parse_public_key(key: &str) -> Result<minisign_verify::PublicKey> {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(|| AppError::bad_request("the public key is not the updater's (base64)"))?;
    minisign_verify::PublicKey::decode(&text)
        .map_err(|e| AppError::bad_request(format!("the public key is not minisign's: {e}")))
}

/// One file of a new release: received (from the command line or the console), not yet kept.
pub struct IncomingArtifact {
    pub platform: UpdatePlatform,
    pub file_name: String,
    pub received: Received,
    /// The updater's signature (the `.sig` file's content).
    pub signature: String,
}

/// Adds a release with its files, by an admin in the console or from the command line
/// (`actor` `None`). Each signature is checked to be one and, given the app's public key, to
/// sign its file (read a block at a time, whatever its size), before anything is kept; a
/// release refused keeps none of its files.
pub async fn add(
    store: &Store,
    blobs: &Blobs,
    actor: Option<&Caller>,
    input: &ReleaseInput,
    files: Vec<IncomingArtifact>,
    public_key: Option<&str>,
) -> Result<ReleaseId> {
    let checked = match actor.map_or(Ok(()), require_admin) {
        Ok(()) => check_files(input, &files, public_key).await,
        Err(e) => Err(e),
    };
    let signatures = match checked {
        Ok(signatures) => signatures,
        Err(e) => {
            for file in files {
                blobs.discard(file.received).await;
            }
            return Err(e);
        }
    };
    let mut artifacts = Vec::new();
    for (file, signature) in files.into_iter().zip(signatures) {
        artifacts.push(ReleaseArtifact {
            platform: file.platform,
            file_name: file.file_name,
            size: file.received.len,
            sha256: file.received.sha256.clone(),
            signature,
        });
        blobs.keep(file.received).await?;
    }
    store.add_release(actor, input, &artifacts).await
}

/// The signatures of a new release's files as kept, once each is checked.
async fn check_files(
    input: &ReleaseInput,
    files: &[IncomingArtifact],
    public_key: Option<&str>,
) -> Result<Vec<String>> {
    check_percent(Some(input.percent))?;
    if files.is_empty() {
        return Err(AppError::bad_request(
            "a release needs at least one file, with its signature",
        ));
    }
    let key = public_key
        .filter(|k| !k.trim().is_empty())
        .map(parse_public_key)
        .transpose()?;
    let mut signatures = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let name = &file.file_name;
        if files[..i].iter().any(|f| f.platform == file.platform) {
            return Err(AppError::bad_request(format!(
                "two files for {}: a release has one per platform",
                file.platform
            )));
        }
        if file.received.len == 0 {
            return Err(AppError::bad_request(format!("{name} is empty")));
        }
        let (text, signature) = parse_signature(&file.signature)
            .map_err(|e| AppError::bad_request(format!("{name}: {e}")))?;
        if let Some(key) = &key {
            let mut verifier = key.verify_stream(&signature).map_err(|e| match e {
                minisign_verify::Error::UnexpectedKeyId => AppError::bad_request(format!(
                    "{name}: the signature does not sign this file with the app's key (another \
                     key made it): the app would refuse it"
                )),
                _ => AppError::bad_request(format!(
                    "{name}: the signature is minisign's legacy kind, which the app refuses: \
                     sign with the Tauri CLI or a current minisign"
                )),
            })?;
            file.received
                .read_blocks(|block| verifier.update(block))
                .await?;
            verifier.finalize().map_err(|_| {
                AppError::bad_request(format!(
                    "{name}: the signature does not sign this file with the app's key: the app \
                     would refuse it"
                ))
            })?;
        }
        signatures.push(text);
    }
    Ok(signatures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draw_is_stable_and_spread() {
        let release = ReleaseId::new();
        let devices: Vec<DeviceId> = (0..2000).map(|_| DeviceId::new()).collect();
        let first: Vec<u8> = devices.iter().map(|d| draw(*d, release)).collect();
        let again: Vec<u8> = devices.iter().map(|d| draw(*d, release)).collect();
        assert_eq!(first, again);
        let under_ten = first.iter().filter(|d| **d < 10).count();
        // About 200 of 2000 fall under 10%: a fair draw lands well within 120..280.
        assert!((120..280).contains(&under_ten), "{under_ten}");
        assert!(first.iter().all(|d| *d < 100));
    }
}
