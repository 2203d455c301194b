//! The second factor for self-service actions: a phone
//! number the user confirms with a code sent by SMS. Removing the number, by the user or by the
//! desk, resets it; so does the desk changing it to another number.

use bellhop_proto::{PendingPhone, SecondFactor, UserId, VerifyCodeResult};
use sqlx::Row;

use super::console::phone_digits;
use super::{Caller, Store, now_ms, ts};
use crate::error::{AppError, Result};

/// Wrong codes allowed per SMS code.
pub const PHONE_CODE_MAX_ATTEMPTS: i64 = 5;

impl Store {
    /// The user's confirmed phone, and a number still waiting for its code.
    pub async fn second_factor(&self, user: UserId) -> Result<SecondFactor> {
        let phone: Option<String> =
            sqlx::query_scalar("SELECT phone FROM second_factors WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?;
        let pending = sqlx::query(
            "SELECT phone, expires_at FROM phone_codes
             WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 AND attempts < $3
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(user.to_string())
        .bind(now_ms())
        .bind(PHONE_CODE_MAX_ATTEMPTS)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| {
            Ok::<_, AppError>(PendingPhone {
                phone: r.try_get("phone")?,
                expires_at: ts(r.try_get("expires_at")?)?,
            })
        })
        .transpose()?;
        let authenticator_since = self.authenticator_since(user).await?.map(ts).transpose()?;
        Ok(SecondFactor {
            phone,
            pending,
            authenticator_since,
        })
    }

    /// Codes sent to this user since `since_ms` (sent or not: a failing gateway counts too).
    pub async fn recent_phone_code_count(&self, user: UserId, since_ms: i64) -> Result<i64> {
        self.count_since(
            "SELECT COUNT(*) FROM phone_codes WHERE user_id = $1 AND created_at > $2",
            &user.to_string(),
            since_ms,
        )
        .await
    }

    /// Records a new code for `phone` (earlier unused ones stop working). Returns its id and
    /// when it expires (Unix ms).
    pub async fn insert_phone_code(
        &self,
        user: UserId,
        phone: &str,
        code_hash: &str,
        ttl_ms: i64,
    ) -> Result<(String, i64)> {
        let now = now_ms();
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE phone_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO phone_codes (id, user_id, phone, code_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user.to_string())
        .bind(phone)
        .bind(code_hash)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((id, now + ttl_ms))
    }

    /// A code that never left (the SMS gateway failed) stops being live.
    pub async fn void_phone_code(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE phone_codes SET used_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Checks the code the user typed against their live one. A right code sets their second
    /// factor to that phone (and their contact number with it); a wrong one counts against the
    /// code's attempts. Both outcomes are audited.
    pub async fn confirm_phone_code(
        &self,
        caller: &Caller,
        code_hash: &str,
        notice: &(dyn Fn(&str) -> crate::letters::Email + Sync),
    ) -> Result<VerifyCodeResult> {
        let now = now_ms();
        let user = caller.user_id.to_string();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT id, phone, code_hash, attempts FROM phone_codes
             WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(&user)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(AppError::bad_request(
                "no code is waiting to be confirmed: send a new one",
            ));
        };
        let id: String = row.try_get("id")?;
        let phone: String = row.try_get("phone")?;
        // Counted before compared, in one statement (see `take_attempt_in`).
        let Some(attempts) = Self::take_attempt_in(
            &mut tx,
            super::verification::Attempted::Phone,
            &id,
            PHONE_CODE_MAX_ATTEMPTS,
        )
        .await?
        else {
            return Err(AppError::bad_request(
                "too many wrong codes: send a new one",
            ));
        };
        let stored: String = row.try_get("code_hash")?;
        if stored != code_hash {
            Self::record_audit(
                &mut tx,
                caller,
                "user.second_factor.wrong",
                &user,
                "a wrong SMS code was typed",
            )
            .await?;
            tx.commit().await?;
            return Ok(VerifyCodeResult {
                verified: false,
                attempts_left: u32::try_from(PHONE_CODE_MAX_ATTEMPTS - attempts).unwrap_or(0),
            });
        }
        sqlx::query("UPDATE phone_codes SET used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
            .bind(&user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO second_factors (user_id, phone, verified_at) VALUES ($1, $2, $3)")
            .bind(&user)
            .bind(&phone)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // The confirmed number becomes the contact number the desk sees and searches.
        sqlx::query("UPDATE users SET phone = $1, phone_digits = $2 WHERE id = $3")
            .bind(&phone)
            .bind(phone_digits(&phone))
            .bind(&user)
            .execute(&mut *tx)
            .await?;
        let detail = format!("second factor set up: SMS to {phone}");
        Self::record_audit(&mut tx, caller, "user.second_factor.set", &user, &detail).await?;
        // The person hears of it by email, in case it was not them.
        Self::queue_email_in(&mut tx, &notice(&phone)).await?;
        tx.commit().await?;
        Ok(VerifyCodeResult {
            verified: true,
            attempts_left: 0,
        })
    }

    /// The user removes their phone number: their second factor is reset, and the number goes
    /// from their contact details.
    pub async fn remove_my_phone(
        &self,
        caller: &Caller,
        notice: Option<&crate::letters::Email>,
    ) -> Result<()> {
        let user = caller.user_id;
        let mut tx = self.begin().await?;
        if let Some(notice) = notice {
            Self::queue_email_in(&mut tx, notice).await?;
        }
        sqlx::query("UPDATE users SET phone = NULL, phone_digits = NULL WHERE id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        Self::reset_second_factor_in(&mut tx, caller, user, "removed their phone number").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resets `user`'s second factor when their phone number no longer is the one it was set up
    /// with (`phone` is the new number, `None` when removed). Audited when there was one.
    pub(super) async fn reset_second_factor_if_moved(
        tx: &mut sqlx::AnyConnection,
        actor: &Caller,
        user: UserId,
        phone: Option<&str>,
    ) -> Result<()> {
        let current: Option<String> =
            sqlx::query_scalar("SELECT phone FROM second_factors WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(current) = current else {
            return Ok(());
        };
        if phone.map(phone_digits) == Some(phone_digits(&current)) {
            return Ok(());
        }
        let why = if phone.is_some() {
            "phone number changed"
        } else {
            "phone number removed"
        };
        Self::reset_second_factor_in(tx, actor, user, why).await
    }

    async fn reset_second_factor_in(
        tx: &mut sqlx::AnyConnection,
        actor: &Caller,
        user: UserId,
        why: &str,
    ) -> Result<()> {
        let removed = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE phone_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now_ms())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() > 0 {
            let detail = format!("second factor reset: {why}");
            Self::record_audit(
                tx,
                actor,
                "user.second_factor.reset",
                &user.to_string(),
                &detail,
            )
            .await?;
        }
        Ok(())
    }
}
