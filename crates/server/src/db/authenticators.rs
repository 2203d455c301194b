//! Authenticator apps as a second factor: a secret set up by the person, confirmed by the app's
//! first code, and taken one code at a time (a code's time step is never accepted twice). The
//! secret is stored sealed (`keys.rs`); what a code is worth is `domain::second_factor`'s to say,
//! this file keeps the count of guesses and the steps taken, atomically.

use bellhop_proto::{UserId, VerifyCodeResult};
use sqlx::Row;

use super::verification::Attempted;
use super::{Caller, Store, now_ms};
use crate::error::{AppError, Result};

/// Wrong first codes allowed while setting an app up.
pub const AUTHENTICATOR_MAX_ATTEMPTS: i64 = 5;

/// An authenticator's sealed secret, with its row's id.
pub struct SealedAuthenticator {
    pub id: String,
    pub secret: String,
}

impl Store {
    /// When the user's authenticator app was confirmed, if they have one.
    pub async fn authenticator_since(&self, user: UserId) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT confirmed_at FROM authenticators WHERE user_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A new set-up for `user`, in place of one they had not finished. Their confirmed app, if
    /// any, stays until this one is confirmed.
    pub async fn start_authenticator(
        &self,
        user: UserId,
        sealed: &str,
        ttl_ms: i64,
    ) -> Result<i64> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM authenticators WHERE user_id = $1 AND confirmed_at IS NULL")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO authenticators (id, user_id, secret, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(sealed)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(now + ttl_ms)
    }

    /// The app being set up, while its first code may still come.
    pub async fn authenticator_setting_up(
        &self,
        user: UserId,
    ) -> Result<Option<SealedAuthenticator>> {
        let row = sqlx::query(
            "SELECT id, secret FROM authenticators
             WHERE user_id = $1 AND confirmed_at IS NULL AND expires_at > $2",
        )
        .bind(user.to_string())
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(sealed_from_row).transpose()
    }

    /// The user's confirmed app.
    pub async fn authenticator_confirmed(
        &self,
        user: UserId,
    ) -> Result<Option<SealedAuthenticator>> {
        let row = sqlx::query(
            "SELECT id, secret FROM authenticators WHERE user_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(sealed_from_row).transpose()
    }

    /// The first code of the app being set up: `step` is the time step it matched, `None` for a
    /// wrong code. Guesses are counted before the outcome, in one statement; a right code makes
    /// this the person's app (in place of the one before), takes its step, is audited, and the
    /// person is told by `notice`.
    pub async fn confirm_authenticator(
        &self,
        caller: &Caller,
        id: &str,
        step: Option<i64>,
        notice: &crate::letters::Email,
    ) -> Result<VerifyCodeResult> {
        let user = caller.user_id.to_string();
        let mut tx = self.begin().await?;
        let Some(attempts) = Self::take_attempt_in(
            &mut tx,
            Attempted::Authenticator,
            id,
            AUTHENTICATOR_MAX_ATTEMPTS,
        )
        .await?
        else {
            return Err(AppError::bad_request(
                "too many wrong codes: set the app up again",
            ));
        };
        let Some(step) = step else {
            Self::record_audit(
                &mut tx,
                caller,
                "user.authenticator.wrong",
                &user,
                "a wrong code from the authenticator app was typed while setting it up",
            )
            .await?;
            tx.commit().await?;
            return Ok(VerifyCodeResult {
                verified: false,
                attempts_left: u32::try_from(AUTHENTICATOR_MAX_ATTEMPTS - attempts).unwrap_or(0),
            });
        };
        sqlx::query("DELETE FROM authenticators WHERE user_id = $1 AND confirmed_at IS NOT NULL")
            .bind(&user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE authenticators SET confirmed_at = $1, last_step = $2 WHERE id = $3")
            .bind(now_ms())
            .bind(step)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::record_audit(
            &mut tx,
            caller,
            "user.authenticator.set",
            &user,
            "second factor set up: an authenticator app",
        )
        .await?;
        Self::queue_email_in(&mut tx, notice).await?;
        tx.commit().await?;
        Ok(VerifyCodeResult {
            verified: true,
            attempts_left: 0,
        })
    }

    /// Takes time step `step` of the authenticator `id`: true when no code of this step or a
    /// later one was taken before. Checked and written in one statement, so two requests racing
    /// with the same code cannot both have it.
    pub(super) async fn take_step_in(
        tx: &mut sqlx::AnyConnection,
        id: &str,
        step: i64,
    ) -> Result<bool> {
        let taken = sqlx::query(
            "UPDATE authenticators SET last_step = $1
             WHERE id = $2 AND confirmed_at IS NOT NULL AND last_step < $1",
        )
        .bind(step)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// The user removes their authenticator app (and any set-up under way). Audited when there
    /// was one, and the person is told by `notice`.
    pub async fn remove_authenticator(
        &self,
        caller: &Caller,
        notice: &crate::letters::Email,
    ) -> Result<()> {
        let user = caller.user_id.to_string();
        let mut tx = self.begin().await?;
        if Self::delete_authenticators_in(&mut tx, &user).await? {
            Self::record_audit(
                &mut tx,
                caller,
                "user.authenticator.removed",
                &user,
                "second factor removed: the authenticator app",
            )
            .await?;
            Self::queue_email_in(&mut tx, notice).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the user's authenticators, confirmed or being set up: whether a confirmed one
    /// was among them.
    async fn delete_authenticators_in(tx: &mut sqlx::AnyConnection, user: &str) -> Result<bool> {
        let gone: Vec<Option<i64>> = sqlx::query_scalar(
            "DELETE FROM authenticators WHERE user_id = $1 RETURNING confirmed_at",
        )
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        Ok(gone.iter().any(Option::is_some))
    }

    /// The desk resets `user`'s second factor: their verification phone and their authenticator
    /// app both stop confirming anything, codes on their way stop working, and actions waiting
    /// for a code end. Audited, and the person is told by `notice`. `false` when there was
    /// nothing to reset.
    pub async fn reset_second_factor_by_desk(
        &self,
        actor: &Caller,
        user: UserId,
        notice: &crate::letters::Email,
    ) -> Result<bool> {
        let target = user.to_string();
        let now = now_ms();
        let mut tx = self.begin().await?;
        let phone = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
            .bind(&target)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let app = Self::delete_authenticators_in(&mut tx, &target).await?;
        sqlx::query("UPDATE phone_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(&target)
            .execute(&mut *tx)
            .await?;
        if phone == 0 && !app {
            tx.commit().await?;
            return Ok(false);
        }
        let ended: Vec<(String, String)> = sqlx::query_as(
            "UPDATE actions SET state = 'failed', code_hash = NULL, updated_at = $1,
                    detail = 'the second factor was reset by the service desk'
             WHERE user_id = $2 AND state = 'requested' RETURNING id, device_id",
        )
        .bind(now)
        .bind(&target)
        .fetch_all(&mut *tx)
        .await?;
        let what = match (phone > 0, app) {
            (true, true) => "the verification phone and the authenticator app",
            (true, false) => "the verification phone",
            _ => "the authenticator app",
        };
        Self::record_audit(
            &mut tx,
            actor,
            "user.second_factor.reset",
            &target,
            &format!("second factor reset by the service desk: {what}"),
        )
        .await?;
        Self::queue_email_in(&mut tx, notice).await?;
        tx.commit().await?;
        for (action, device) in ended {
            self.action_moved(super::ActionNote {
                action: super::parse_id(&action)?,
                device: super::parse_id(&device)?,
                user,
            })
            .await?;
        }
        Ok(true)
    }
}

fn sealed_from_row(row: &sqlx::any::AnyRow) -> Result<SealedAuthenticator> {
    Ok(SealedAuthenticator {
        id: row.try_get("id")?,
        secret: row.try_get("secret")?,
    })
}
