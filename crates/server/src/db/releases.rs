//! Releases of the desktop app, their files, who gets them, and the devices that could not
//! start one. The rules (who is offered what) are `domain::releases`'.

use std::collections::HashMap;
use std::sync::Arc;

use bellhop_proto::{
    AppVersion, DeviceId, DeviceStatus, OrgId, Release, ReleaseArtifact, ReleaseId, ReleaseInput,
    RolloutChange, RolloutProgress, UpdateChannel, UpdatePlatform,
};

use super::read::Columns;
use super::settings::Cached;
use super::sql::Sql;
use super::{Caller, Store, now_ms, parse_enum, ts};
use crate::error::{AppError, Result};

/// The releases as last read, for the update feed (every device asks it).
pub(crate) type ReleasesCache = Cached<Arc<Vec<Release>>>;

/// A device as a rollout counts it.
#[derive(Debug, Clone)]
pub struct RolloutDevice {
    pub id: DeviceId,
    pub org_id: OrgId,
    /// As Rust names it (`linux`, `windows`, `macos`).
    pub platform: String,
    pub agent_version: String,
    pub channel: UpdateChannel,
}

fn release_from_row(r: &dyn Columns) -> Result<Release> {
    let version: AppVersion = r
        .text("version")?
        .parse()
        .map_err(|e: String| AppError::Other(anyhow::anyhow!("a release's version: {e}")))?;
    Ok(Release {
        id: r.id("id")?,
        version,
        channel: parse_enum(&r.text("channel")?, UpdateChannel::parse)?,
        notes: r.text("notes")?,
        created_at: ts(r.int("created_at")?)?,
        percent: u8::try_from(r.int("percent")?.clamp(0, 100)).unwrap_or(100),
        org_ids: Vec::new(),
        paused: r.opt_int("paused_at")?.is_some(),
        paused_reason: r.opt_text("paused_reason")?,
        pause_after_failures: u32::try_from(r.int("pause_after_failures")?).unwrap_or(0),
        artifacts: Vec::new(),
        progress: RolloutProgress::default(),
    })
}

fn artifact_from_row(r: &dyn Columns) -> Result<(ReleaseId, ReleaseArtifact)> {
    let platform: UpdatePlatform = r
        .text("platform")?
        .parse()
        .map_err(|e: String| AppError::Other(anyhow::anyhow!("an artifact's platform: {e}")))?;
    Ok((
        r.id("release_id")?,
        ReleaseArtifact {
            platform,
            file_name: r.text("file_name")?,
            size: u64::try_from(r.int("size")?).unwrap_or(0),
            sha256: r.text("sha256")?,
            signature: r.text("signature")?,
        },
    ))
}

impl Store {
    /// Every release, newest version first, with its organisations and files (progress is the
    /// domain's to count). Kept for a moment: the update feed reads it on every check.
    pub async fn releases(&self) -> Result<Arc<Vec<Release>>> {
        let generation = match self.releases.get() {
            Ok(releases) => return Ok(releases),
            Err(generation) => generation,
        };
        let mut releases = self
            .read_rows(Sql::new("SELECT * FROM releases"), release_from_row)
            .await?;
        let orgs = self
            .read_rows(
                Sql::new("SELECT release_id, org_id FROM release_orgs ORDER BY org_id"),
                |r| Ok((r.id::<ReleaseId>("release_id")?, r.id::<OrgId>("org_id")?)),
            )
            .await?;
        let artifacts = self
            .read_rows(
                Sql::new("SELECT * FROM release_artifacts ORDER BY platform"),
                artifact_from_row,
            )
            .await?;
        let mut by_id: HashMap<ReleaseId, &mut Release> =
            releases.iter_mut().map(|r| (r.id, r)).collect();
        for (release, org) in orgs {
            if let Some(r) = by_id.get_mut(&release) {
                r.org_ids.push(org);
            }
        }
        for (release, artifact) in artifacts {
            if let Some(r) = by_id.get_mut(&release) {
                r.artifacts.push(artifact);
            }
        }
        releases.sort_by(|a, b| b.version.cmp(&a.version));
        let releases = Arc::new(releases);
        self.releases.keep(generation, releases.clone());
        Ok(releases)
    }

    fn releases_changed(&self) {
        self.releases.forget();
    }

    /// Adds a release with its files (already kept), by `actor` in the console or from the
    /// command line (`None`). A version is released once.
    pub async fn add_release(
        &self,
        actor: Option<&Caller>,
        input: &ReleaseInput,
        artifacts: &[ReleaseArtifact],
    ) -> Result<ReleaseId> {
        let id = ReleaseId::new();
        let mut tx = self.begin().await?;
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM releases WHERE version = $1")
                .bind(input.version.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(AppError::conflict(format!(
                "version {} is released already: a release's version is given once",
                input.version
            )));
        }
        sqlx::query(
            "INSERT INTO releases (id, version, channel, notes, created_at, created_by, percent,
                                   pause_after_failures)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(input.version.to_string())
        .bind(input.channel.as_str())
        .bind(&input.notes)
        .bind(now_ms())
        .bind(actor.map(|a| a.user_id.to_string()))
        .bind(i64::from(input.percent.min(100)))
        .bind(i64::from(input.pause_after_failures))
        .execute(&mut *tx)
        .await?;
        for org in &input.org_ids {
            Self::org_known(&mut tx, Some(*org)).await?;
            sqlx::query("INSERT INTO release_orgs (release_id, org_id) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
        }
        for artifact in artifacts {
            Self::insert_artifact(&mut tx, id, artifact).await?;
        }
        if let Some(actor) = actor {
            let detail = format!(
                "added release {} on the {} channel, for {}% of devices",
                input.version,
                input.channel.as_str(),
                input.percent.min(100)
            );
            Self::record_audit(&mut tx, actor, "release.add", &id.to_string(), &detail).await?;
        }
        tx.commit().await?;
        self.releases_changed();
        Ok(id)
    }

    async fn insert_artifact(
        tx: &mut sqlx::AnyConnection,
        release: ReleaseId,
        artifact: &ReleaseArtifact,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO release_artifacts (release_id, platform, file_name, size, sha256,
                                            signature)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (release_id, platform) DO UPDATE SET file_name = excluded.file_name,
                 size = excluded.size, sha256 = excluded.sha256, signature = excluded.signature",
        )
        .bind(release.to_string())
        .bind(artifact.platform.as_str())
        .bind(&artifact.file_name)
        .bind(i64::try_from(artifact.size).unwrap_or(i64::MAX))
        .bind(&artifact.sha256)
        .bind(&artifact.signature)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Widens, narrows, pauses or resumes a rollout; audited. `false`: no such release.
    pub async fn change_rollout(
        &self,
        actor: Option<&Caller>,
        release: ReleaseId,
        change: &RolloutChange,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let version: Option<String> =
            sqlx::query_scalar("SELECT version FROM releases WHERE id = $1")
                .bind(release.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(version) = version else {
            return Ok(false);
        };
        let mut said = Vec::new();
        if let Some(percent) = change.percent {
            let percent = percent.min(100);
            sqlx::query("UPDATE releases SET percent = $1 WHERE id = $2")
                .bind(i64::from(percent))
                .bind(release.to_string())
                .execute(&mut *tx)
                .await?;
            said.push(format!("offered to {percent}% of devices"));
        }
        if let Some(orgs) = &change.org_ids {
            sqlx::query("DELETE FROM release_orgs WHERE release_id = $1")
                .bind(release.to_string())
                .execute(&mut *tx)
                .await?;
            for org in orgs {
                Self::org_known(&mut tx, Some(*org)).await?;
                sqlx::query("INSERT INTO release_orgs (release_id, org_id) VALUES ($1, $2)")
                    .bind(release.to_string())
                    .bind(org.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            said.push(if orgs.is_empty() {
                "for every organisation".to_owned()
            } else {
                format!("for {} organisation(s)", orgs.len())
            });
        }
        if let Some(paused) = change.paused {
            let who = actor.map_or("the server's command line", |a| a.name.as_str());
            sqlx::query("UPDATE releases SET paused_at = $1, paused_reason = $2 WHERE id = $3")
                .bind(paused.then(now_ms))
                .bind(paused.then(|| format!("paused by {who}")))
                .bind(release.to_string())
                .execute(&mut *tx)
                .await?;
            said.push(if paused { "paused" } else { "resumed" }.to_owned());
        }
        if let Some(actor) = actor.filter(|_| !said.is_empty()) {
            let detail = format!("release {version}: {}", said.join(", "));
            Self::record_audit(
                &mut tx,
                actor,
                "release.rollout",
                &release.to_string(),
                &detail,
            )
            .await?;
        }
        tx.commit().await?;
        self.releases_changed();
        Ok(true)
    }

    /// Records that `device` could not install or start `release` (once per device), and pauses
    /// the release when its failures reach its limit. Returns whether this paused it.
    pub async fn record_update_failure(
        &self,
        device: DeviceId,
        release: ReleaseId,
        error: &str,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO update_failures (release_id, device_id, error, reported_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (release_id, device_id) DO UPDATE SET error = excluded.error,
                 reported_at = excluded.reported_at",
        )
        .bind(release.to_string())
        .bind(device.to_string())
        .bind(error)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let failures: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM update_failures WHERE release_id = $1")
                .bind(release.to_string())
                .fetch_one(&mut *tx)
                .await?;
        let paused = sqlx::query(
            "UPDATE releases SET paused_at = $1, paused_reason = $2
              WHERE id = $3 AND paused_at IS NULL AND pause_after_failures > 0
                AND pause_after_failures <= $4",
        )
        .bind(now_ms())
        .bind(format!(
            "paused by itself: {failures} devices could not install or start it"
        ))
        .bind(release.to_string())
        .bind(failures)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        tx.commit().await?;
        self.releases_changed();
        Ok(paused)
    }

    /// How many devices reported each release failed.
    pub async fn update_failure_counts(&self) -> Result<HashMap<ReleaseId, u32>> {
        let rows = self
            .read_rows(
                Sql::new(
                    "SELECT release_id, COUNT(*) AS failed FROM update_failures
                      GROUP BY release_id",
                ),
                |r| Ok((r.id::<ReleaseId>("release_id")?, r.int("failed")?)),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, n)| (id, u32::try_from(n).unwrap_or(u32::MAX)))
            .collect())
    }

    /// The active devices, as rollouts count them.
    pub async fn rollout_devices(&self) -> Result<Vec<RolloutDevice>> {
        let mut qb = Sql::new(
            "SELECT id, org_id, platform, agent_version, update_channel FROM devices
              WHERE status = ",
        );
        qb.bind(DeviceStatus::Active.as_str());
        self.read_rows(qb, |r| {
            Ok(RolloutDevice {
                id: r.id("id")?,
                org_id: r.id("org_id")?,
                platform: r.text("platform")?,
                agent_version: r.text("agent_version")?,
                channel: UpdateChannel::parse(&r.text("update_channel")?).unwrap_or_default(),
            })
        })
        .await
    }
}
