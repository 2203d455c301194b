//! Who may act at all. A person switched off by the desk (`users.disabled_at`) acts nowhere; a
//! person without portal access (`users.portal_access`) has no password, no browser session and
//! no password link. Every credential — browser session, device credential, password link,
//! identity confirmation, and the live event stream, which asks again whenever access changes —
//! is looked up through the conditions here on every use: one rule, read in one place.
//!
//! What goes with a change of standing is here too: switching a person off, signing them out
//! everywhere, and voiding the links and codes a changed email or password leaves behind.

use bellhop_proto::{User, UserId};

use super::{Caller, Store, now_ms};
use crate::error::{AppError, Result};

/// A user `u` who may act at all: device credentials, identity confirmation.
pub(crate) const MAY_ACT: &str = may_act!();

/// A user `u` who may use the web portal: password sign-in, browser sessions, password links.
pub(crate) const MAY_USE_PORTAL: &str = may_use_portal!();

/// A browser session unused this long has ended, whatever its lifetime says.
pub const SESSION_IDLE_MS: i64 = 24 * 3600 * 1000;

/// How often a session's last use is written while it keeps being used: the idle timeout is
/// this precise, and a busy session costs one write per this long, not one per request.
pub const SESSION_TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

/// What happened to whose credentials, for the audit log's words.
struct Revoked {
    sessions: u64,
    devices: u64,
}

impl Store {
    /// Ends every browser session of `user`.
    async fn end_sessions_in(tx: &mut sqlx::AnyConnection, user: UserId, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected())
    }

    /// Revokes every device credential of `user`: their desktop apps ask them to confirm who
    /// they are again.
    pub(super) async fn revoke_device_credentials_in(
        tx: &mut sqlx::AnyConnection,
        user: UserId,
        now: i64,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE device_credentials SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected())
    }

    /// Voids every unused link and code that would let someone act as `user`: password links
    /// (reset and welcome), identity tokens sent to `email` (their address, old or current),
    /// and the help desk's verification codes.
    pub(super) async fn void_links_in(
        tx: &mut sqlx::AnyConnection,
        user: UserId,
        email: &str,
        now: i64,
    ) -> Result<()> {
        Self::void_password_links_in(tx, user, now).await?;
        sqlx::query("UPDATE identity_tokens SET used_at = $1 WHERE email = $2 AND used_at IS NULL")
            .bind(now)
            .bind(email)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE verification_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Voids `user`'s unused password links (reset and welcome).
    pub(super) async fn void_password_links_in(
        tx: &mut sqlx::AnyConnection,
        user: UserId,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn revoke_everything_in(
        tx: &mut sqlx::AnyConnection,
        user: UserId,
        now: i64,
    ) -> Result<Revoked> {
        Ok(Revoked {
            sessions: Self::end_sessions_in(tx, user, now).await?,
            devices: Self::revoke_device_credentials_in(tx, user, now).await?,
        })
    }

    /// Switches a person off (`disabled`) or on again, as `domain::people::switch` allowed. Off, every session and device
    /// credential of theirs is revoked and every link voided; on again, they sign in afresh
    /// (a password link, or the desktop's identity confirmation).
    pub async fn set_disabled(&self, actor: &Caller, id: UserId, disabled: bool) -> Result<User> {
        let user = self
            .user(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no user {id}")))?;
        let now = now_ms();
        let mut tx = self.begin().await?;
        // Switched off at `now`, or on again (NULL); only a real change counts.
        let changed = sqlx::query(
            "UPDATE users SET disabled_at = $1
             WHERE id = $2 AND (disabled_at IS NULL) = ($1 IS NOT NULL)",
        )
        .bind(disabled.then_some(now))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            let detail = if disabled {
                let revoked = Self::revoke_everything_in(&mut tx, id, now).await?;
                Self::void_links_in(&mut tx, id, &user.email, now).await?;
                format!(
                    "switched off {} <{}>: {} sessions and {} device credentials revoked",
                    user.name, user.email, revoked.sessions, revoked.devices
                )
            } else {
                format!("switched on {} <{}> again", user.name, user.email)
            };
            let action = if disabled {
                "user.disable"
            } else {
                "user.enable"
            };
            Self::record_audit(&mut tx, actor, action, &id.to_string(), &detail).await?;
        }
        tx.commit().await?;
        if changed > 0 && disabled {
            self.access_changed().await?;
        }
        self.user(id)
            .await?
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("user vanished")))
    }

    /// Signs a person out of every browser and every desktop app (their own wish, or the desk's
    /// for them). Returns how many credentials stopped working.
    pub async fn sign_out_everywhere(&self, actor: &Caller, id: UserId) -> Result<u64> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(AppError::not_found(format!("no user {id}")));
        }
        let revoked = Self::revoke_everything_in(&mut tx, id, now).await?;
        let detail = format!(
            "signed out everywhere: {} sessions and {} device credentials revoked",
            revoked.sessions, revoked.devices
        );
        Self::record_audit(&mut tx, actor, "user.sign_out", &id.to_string(), &detail).await?;
        tx.commit().await?;
        self.access_changed().await?;
        Ok(revoked.sessions + revoked.devices)
    }
}
