//! Devices, their activation, and the identity confirmation that issues a device credential
//! (its use, rotation and revocation: `credentials.rs`).
//!
//! One file on purpose: a device's life (enrolled, pending, active, deactivated) and the
//! confirmation that binds a person to it change the same rows under the same rules.

use bellhop_proto::{
    Device, DeviceFacts, DeviceId, DeviceSelection, DeviceStatus, OrgId, Role, UpdateChannel,
    UserId,
};
use sqlx::Row;

use super::sql::Sql;

use super::{Caller, NewUser, Store, now_ms, parse_enum, parse_id, ts};
use crate::error::Result;

/// How often a device's "last seen" is written while it keeps calling.
const SEEN_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// When each device's "last seen" was last written by this instance.
pub(crate) type SeenCache =
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>>;

/// An organisation found by its enrolment key.
pub struct EnrolOrg {
    pub id: OrgId,
    pub name: String,
    pub auto_activate: bool,
}

/// A device authenticated by its secret.
#[derive(Debug, Clone)]
pub struct DeviceCaller {
    pub id: DeviceId,
    pub org_id: OrgId,
    pub org_name: String,
    pub status: DeviceStatus,
}

/// A pending identity token, as found by email for the device.
pub struct PendingToken {
    pub id: String,
    pub name: String,
    pub token_hash: String,
    pub attempts: i64,
    pub expires_at: i64,
    /// The language the app asked in (a user created by the confirmation gets it).
    pub language: bellhop_proto::Language,
}

pub(super) fn device_from_row(r: &sqlx::any::AnyRow) -> Result<Device> {
    let macs: String = r.try_get("macs")?;
    let assigned: Option<String> = r.try_get("assigned_user_id")?;
    let seen: Option<i64> = r.try_get("last_seen_at")?;
    let helper: Option<String> = r.try_get("helper")?;
    let installed: String = r.try_get("installed")?;
    Ok(Device {
        id: parse_id(r.try_get("id")?)?,
        org_id: parse_id(r.try_get("org_id")?)?,
        org_name: r.try_get("org_name")?,
        facts: DeviceFacts {
            hostname: r.try_get("hostname")?,
            os: r.try_get("os")?,
            os_version: r.try_get("os_version")?,
            serial: r.try_get("serial")?,
            macs: serde_json::from_str(&macs).map_err(anyhow::Error::from)?,
            os_user: r.try_get("os_user")?,
            platform: r.try_get("platform")?,
            // A helper the server cannot read back is no helper: nothing is offered for it.
            helper: helper.and_then(|h| serde_json::from_str(&h).ok()),
            installed: serde_json::from_str(&installed).unwrap_or_default(),
            agent_version: r.try_get("agent_version")?,
            update_channel: UpdateChannel::parse(&r.try_get::<String, _>("update_channel")?)
                .unwrap_or_default(),
        },
        status: parse_enum(r.try_get("status")?, DeviceStatus::parse)?,
        assigned_user_id: assigned.as_deref().map(parse_id).transpose()?,
        enrolled_at: ts(r.try_get("enrolled_at")?)?,
        last_seen_at: seen.map(ts).transpose()?,
    })
}

fn helper_json(facts: &DeviceFacts) -> Result<Option<String>> {
    Ok(facts
        .helper
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::from)?)
}

impl Store {
    pub async fn org_by_enrolment_key(&self, key_hash: &str) -> Result<Option<EnrolOrg>> {
        let row = sqlx::query("SELECT id, name, auto_activate FROM orgs WHERE enrol_key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(EnrolOrg {
                id: parse_id(r.try_get("id")?)?,
                name: r.try_get("name")?,
                auto_activate: r.try_get::<i64, _>("auto_activate")? != 0,
            })
        })
        .transpose()
    }

    pub async fn insert_device(
        &self,
        org: &EnrolOrg,
        facts: &DeviceFacts,
        secret_hash: &str,
        client_addr: &str,
    ) -> Result<(DeviceId, DeviceStatus)> {
        let id = DeviceId::new();
        let status = if org.auto_activate {
            DeviceStatus::Active
        } else {
            DeviceStatus::Pending
        };
        let now = now_ms();
        sqlx::query(
            "INSERT INTO devices (id, org_id, hostname, os, os_version, serial, macs, os_user, status,
                                  secret_hash, enrolled_at, last_seen_at, client_addr, platform,
                                  helper, installed, agent_version, update_channel)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18)",
        )
        .bind(id.to_string())
        .bind(org.id.to_string())
        .bind(&facts.hostname)
        .bind(&facts.os)
        .bind(&facts.os_version)
        .bind(&facts.serial)
        .bind(serde_json::to_string(&facts.macs).map_err(anyhow::Error::from)?)
        .bind(&facts.os_user)
        .bind(status.as_str())
        .bind(secret_hash)
        .bind(now)
        .bind(now)
        .bind(client_addr)
        .bind(&facts.platform)
        .bind(helper_json(facts)?)
        .bind(serde_json::to_string(&facts.installed).map_err(anyhow::Error::from)?)
        .bind(&facts.agent_version)
        .bind(facts.update_channel.as_str())
        .execute(&self.pool)
        .await?;
        Ok((id, status))
    }

    /// Replaces what the device's agent reports about its machine (its OS user profile stays
    /// what it enrolled as). `false` when nothing changed.
    pub async fn update_device_facts(&self, id: DeviceId, facts: &DeviceFacts) -> Result<bool> {
        let helper = helper_json(facts)?;
        let macs = serde_json::to_string(&facts.macs).map_err(anyhow::Error::from)?;
        let installed = serde_json::to_string(&facts.installed).map_err(anyhow::Error::from)?;
        let changed = sqlx::query(
            "UPDATE devices SET hostname = $1, os = $2, os_version = $3, serial = $4, macs = $5,
                                platform = $6, helper = $7, installed = $9, agent_version = $10,
                                update_channel = $11
              WHERE id = $8 AND NOT (hostname = $1 AND os = $2 AND os_version = $3
                    AND COALESCE(serial, '') = COALESCE($4, '') AND macs = $5 AND platform = $6
                    AND COALESCE(helper, '') = COALESCE($7, '') AND installed = $9
                    AND agent_version = $10 AND update_channel = $11)",
        )
        .bind(&facts.hostname)
        .bind(&facts.os)
        .bind(&facts.os_version)
        .bind(&facts.serial)
        .bind(macs)
        .bind(&facts.platform)
        .bind(helper)
        .bind(id.to_string())
        .bind(installed)
        .bind(&facts.agent_version)
        .bind(facts.update_channel.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    /// Records that a device was just seen, at most once a minute per device and instance: its
    /// agent syncs at least every minute, so "last seen" stays within a minute or two of the
    /// truth without a write on every request.
    pub(super) async fn seen(&self, device: &str) -> Result<()> {
        let now = std::time::Instant::now();
        {
            let mut written = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if written
                .get(device)
                .is_some_and(|at| now.duration_since(*at) < SEEN_EVERY)
            {
                return Ok(());
            }
            written.insert(device.to_owned(), now);
        }
        sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(device)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The device behind a device secret; records that it was seen. An unknown secret is one
    /// read, never a write.
    pub async fn device_for_secret(&self, secret_hash: &str) -> Result<Option<DeviceCaller>> {
        let device = self.device_by_secret(secret_hash).await?;
        if let Some(device) = &device {
            sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
                .bind(now_ms())
                .bind(device.id.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(device)
    }

    /// The device behind a device secret, read only: for the update feed, which every device
    /// asks and which must cost no write (the device is seen when it syncs).
    pub async fn device_by_secret(&self, secret_hash: &str) -> Result<Option<DeviceCaller>> {
        let mut qb = Sql::new(
            "SELECT d.id, d.org_id, d.status, o.name AS org_name
               FROM devices d JOIN orgs o ON o.id = d.org_id WHERE d.secret_hash = ",
        );
        qb.bind(secret_hash);
        self.read_row(qb, |r| {
            Ok(DeviceCaller {
                id: r.id("id")?,
                org_id: r.id("org_id")?,
                org_name: r.text("org_name")?,
                status: parse_enum(&r.text("status")?, DeviceStatus::parse)?,
            })
        })
        .await
    }

    pub async fn list_devices(&self, org: Option<OrgId>) -> Result<Vec<Device>> {
        let mut qb = Sql::new(
            "SELECT d.*, o.name AS org_name FROM devices d JOIN orgs o ON o.id = d.org_id WHERE 1 = 1",
        );
        if let Some(org) = org {
            qb.push(" AND d.org_id = ").bind(org.to_string());
        }
        qb.push(" ORDER BY d.enrolled_at DESC LIMIT 1000");
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter().map(device_from_row).collect()
    }

    /// One device, with its organisation's name.
    pub async fn device(&self, id: DeviceId) -> Result<Option<Device>> {
        let row = sqlx::query(
            "SELECT d.*, o.name AS org_name FROM devices d JOIN orgs o ON o.id = d.org_id
             WHERE d.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(device_from_row).transpose()
    }

    /// The devices assigned to `user`, newest first.
    pub async fn devices_of(&self, user: UserId) -> Result<Vec<Device>> {
        let rows = sqlx::query(
            "SELECT d.*, o.name AS org_name FROM devices d JOIN orgs o ON o.id = d.org_id
             WHERE d.assigned_user_id = $1 ORDER BY d.enrolled_at DESC LIMIT 1000",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_from_row).collect()
    }

    /// Assigns `device` to `user`, or to nobody, audited as `detail`.
    pub async fn write_device_assignee(
        &self,
        actor: &Caller,
        device: DeviceId,
        user: Option<UserId>,
        detail: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE devices SET assigned_user_id = $1 WHERE id = $2")
            .bind(user.map(|u| u.to_string()))
            .bind(device.to_string())
            .execute(&mut *tx)
            .await?;
        Self::record_audit(&mut tx, actor, "device.assign", &device.to_string(), detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the status of the selected devices (at least one named, `domain::devices`) and
    /// records it in the audit log; returns how many changed.
    pub async fn set_device_status(
        &self,
        actor: &Caller,
        selection: &DeviceSelection,
        status: DeviceStatus,
    ) -> Result<u64> {
        let mut qb = Sql::new("UPDATE devices SET status = ");
        qb.bind(status.as_str())
            .push(" WHERE status <> ")
            .bind(status.as_str())
            .push(" AND (0 = 1");
        if !selection.device_ids.is_empty() {
            qb.push(" OR id IN (")
                .bind_list(selection.device_ids.iter().map(|id| id.to_string()))
                .push(")");
        }
        if let Some(org) = selection.org_id {
            qb.push(" OR org_id = ").bind(org.to_string());
        }
        qb.push(")");
        let mut tx = self.begin().await?;
        let changed = qb.build()?.execute(&mut *tx).await?.rows_affected();
        if changed > 0 {
            let (target, whose) = match (selection.org_id, selection.device_ids.as_slice()) {
                (Some(org), []) => {
                    let name: Option<String> =
                        sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1")
                            .bind(org.to_string())
                            .fetch_optional(&mut *tx)
                            .await?;
                    let name = name.unwrap_or_else(|| "an organisation".into());
                    (org.to_string(), format!(" of {name}"))
                }
                (None, [one]) => (one.to_string(), String::new()),
                _ => ("devices".to_owned(), String::new()),
            };
            let verb = match status {
                DeviceStatus::Active => "activated",
                DeviceStatus::Deactivated => "deactivated",
                DeviceStatus::Pending => "reset to pending",
            };
            let noun = if changed == 1 { "device" } else { "devices" };
            let detail = format!("{verb} {changed} {noun}{whose}");
            Self::record_audit(
                &mut tx,
                actor,
                &format!("device.{}", status.as_str()),
                &target,
                &detail,
            )
            .await?;
        }
        tx.commit().await?;
        if changed > 0 {
            self.access_changed().await?;
        }
        Ok(changed)
    }

    /// Records a new token (superseding earlier unused ones for this device and email) and
    /// queues its email, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_identity_token(
        &self,
        device: DeviceId,
        email: &str,
        name: &str,
        language: bellhop_proto::Language,
        token_hash: &str,
        client_addr: &str,
        ttl_ms: i64,
        mail: &crate::letters::Email,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE identity_tokens SET used_at = $1 WHERE device_id = $2 AND email = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(device.to_string())
        .bind(email)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO identity_tokens (id, device_id, email, name, token_hash, client_addr, created_at, expires_at, language)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(device.to_string())
        .bind(email)
        .bind(name)
        .bind(token_hash)
        .bind(client_addr)
        .bind(now)
        .bind(now + ttl_ms)
        .bind(language.as_str())
        .execute(&mut *tx)
        .await?;
        Self::queue_email_in(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live (unused) token of this device for this email, if any.
    pub async fn pending_token(
        &self,
        device: DeviceId,
        email: &str,
    ) -> Result<Option<PendingToken>> {
        let row = sqlx::query(
            "SELECT id, name, token_hash, attempts, expires_at, language FROM identity_tokens
             WHERE device_id = $1 AND email = $2 AND used_at IS NULL ORDER BY created_at DESC LIMIT 1",
        )
        .bind(device.to_string())
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PendingToken {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                token_hash: r.try_get("token_hash")?,
                attempts: r.try_get("attempts")?,
                expires_at: r.try_get("expires_at")?,
                language: bellhop_proto::Language::from_tag(r.try_get("language")?)
                    .unwrap_or_default(),
            })
        })
        .transpose()
    }

    /// Counts a guess at a token, if it has guesses left (`max` in all); whether it had.
    pub async fn take_token_attempt(&self, token_id: &str, max: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE identity_tokens SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2",
        )
        .bind(token_id)
        .bind(max)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Consumes the token and issues a credential for the user (created on first contact and
    /// joined to the organisation whose email domain matches), in one transaction. Returns
    /// `None` when the token was consumed concurrently.
    pub async fn confirm_identity(
        &self,
        device: DeviceId,
        token_id: &str,
        email: &str,
        name: &str,
        language: bellhop_proto::Language,
        credential_hash: &str,
    ) -> Result<Option<UserId>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let used = sqlx::query(
            "UPDATE identity_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(token_id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Ok(None);
        }
        let existing: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT id, disabled_at FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
        let user_id = match existing {
            Some((_, Some(_))) => return Ok(None),
            Some((id, None)) => parse_id(&id)?,
            None => {
                let domain = email.rsplit('@').next().unwrap_or_default();
                let org: Option<String> =
                    sqlx::query_scalar("SELECT org_id FROM org_domains WHERE domain = $1")
                        .bind(domain)
                        .fetch_optional(&mut *tx)
                        .await?;
                let id = UserId::new();
                Self::insert_user_in(
                    &mut tx,
                    id,
                    &NewUser {
                        phone: None,
                        name,
                        email,
                        role: Role::EndUser,
                        org_id: org.as_deref().map(parse_id).transpose()?,
                        password_hash: None,
                        language,
                        portal_access: false,
                    },
                )
                .await?;
                id
            }
        };
        Self::give_device_credential_in(&mut tx, device, user_id, credential_hash).await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// Gives `user` a credential on `device` (its hash), whose first confirmed person it is
    /// assigned to when it has none: the end of an identity confirmation, by emailed token or
    /// company account.
    pub async fn give_device_credential(
        &self,
        device: DeviceId,
        user: UserId,
        credential_hash: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Self::give_device_credential_in(&mut tx, device, user, credential_hash).await?;
        tx.commit().await
    }

    async fn give_device_credential_in(
        tx: &mut sqlx::AnyConnection,
        device: DeviceId,
        user: UserId,
        credential_hash: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO device_credentials (token_hash, device_id, user_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(credential_hash)
        .bind(device.to_string())
        .bind(user.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE devices SET assigned_user_id = COALESCE(assigned_user_id, $1) WHERE id = $2",
        )
        .bind(user.to_string())
        .bind(device.to_string())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
