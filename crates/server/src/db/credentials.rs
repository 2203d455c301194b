//! Device credentials: who a `bhc_` token signs in as (looked up through the rule of
//! `access.rs` on every use), their rotation, and their revocation.

use bellhop_proto::Role;

use super::access::MAY_ACT;
use super::sql::Sql;
use super::{Caller, Store, now_ms, parse_enum};
use crate::error::Result;

impl Store {
    /// The user behind a device credential: not revoked, on an active device, of a person who
    /// may act. The first use of a rotated credential revokes the one it replaced.
    pub async fn caller_for_device_credential(&self, hash: &str) -> Result<Option<Caller>> {
        let mut qb = Sql::new(
            "SELECT u.id, u.name, u.role, u.org_id, c.device_id, c.replaces, c.used_at, c.created_at
             FROM device_credentials c
             JOIN devices d ON d.id = c.device_id JOIN users u ON u.id = c.user_id
             WHERE c.token_hash = ",
        );
        qb.bind(hash)
            .push(" AND c.revoked_at IS NULL AND d.status = 'active' AND ")
            .push(MAY_ACT);
        let found = self
            .read_row(qb, |r| {
                let caller = Caller {
                    user_id: r.id("id")?,
                    name: r.text("name")?,
                    role: parse_enum(&r.text("role")?, Role::parse)?,
                    org_id: r.opt_id("org_id")?,
                    device_id: Some(r.id("device_id")?),
                    signed_in_at: r.int("created_at")?,
                    viewer: None,
                };
                let first_use = r.opt_int("used_at")?.is_none();
                Ok((caller, r.opt_text("replaces")?, first_use))
            })
            .await?;
        let Some((caller, replaces, first_use)) = found else {
            return Ok(None);
        };
        if first_use {
            self.first_use_of_credential(hash, replaces.as_deref())
                .await?;
        }
        if let Some(device) = caller.device_id {
            self.seen(&device.to_string()).await?;
        }
        Ok(Some(caller))
    }

    /// Records a credential's first use; a rotated one's predecessor stops working now, so a
    /// copy of the old credential taken before the rotation is worth nothing.
    async fn first_use_of_credential(&self, hash: &str, replaces: Option<&str>) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE device_credentials SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
        let mut revoked = 0;
        if let Some(old) = replaces {
            revoked = sqlx::query(
                "UPDATE device_credentials SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(old)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        self.written();
        if revoked > 0 {
            self.access_changed().await?;
        }
        Ok(())
    }

    /// A new credential for the same person on the same device, replacing `hash` (which keeps
    /// working until the new one is first used, so a reply lost on the way home costs
    /// nothing). Refused (`None`) when `hash` does not sign in.
    pub async fn rotate_device_credential(&self, hash: &str, new_hash: &str) -> Result<Option<()>> {
        let mut tx = self.begin().await?;
        let row: Option<(String, String, i64)> = sqlx::query_as(concat!(
            "SELECT c.device_id, c.user_id, c.created_at FROM device_credentials c
             JOIN devices d ON d.id = c.device_id JOIN users u ON u.id = c.user_id
             WHERE c.token_hash = $1 AND c.revoked_at IS NULL AND d.status = 'active' AND ",
            may_act!()
        ))
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        // The new credential keeps the time the person confirmed who they are: a rotation is
        // not a new proof of identity.
        let Some((device, user, confirmed_at)) = row else {
            return Ok(None);
        };
        // An earlier rotation whose answer never arrived is superseded by this one.
        sqlx::query(
            "UPDATE device_credentials SET revoked_at = $1
             WHERE replaces = $2 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(hash)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO device_credentials (token_hash, device_id, user_id, created_at, replaces)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_hash)
        .bind(device)
        .bind(user)
        .bind(confirmed_at)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    /// Revokes a device credential; returns whether one was live.
    pub async fn revoke_device_credential(&self, hash: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE device_credentials SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(hash)
        .execute(&self.pool)
        .await?;
        let revoked = done.rows_affected() == 1;
        if revoked {
            self.access_changed().await?;
        }
        Ok(revoked)
    }
}
