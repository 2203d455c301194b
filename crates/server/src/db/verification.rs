//! The help desk's view of one person, and verifying a caller by a code emailed to them and read
//! back over the phone.

use bellhop_proto::{EmailState, EmailSummary, Ticket, UserDetail, UserId, VerifyCodeResult};
use sqlx::Row;

use super::devices::device_from_row;
use super::tickets::ticket_from_row;
use super::users::user_from_row;
use super::{Caller, Store, now_ms, ts};
use crate::error::{AppError, Result};
use crate::letters::Email;

/// The codes whose guesses are counted.
#[derive(Debug, Clone, Copy)]
pub(super) enum Attempted {
    Verification,
    Phone,
    Authenticator,
}

/// Wrong codes allowed per verification code.
pub const VERIFY_MAX_ATTEMPTS: i64 = 5;
use super::mail::MAIL_MAX_ATTEMPTS;

impl Store {
    /// A person with their organisation, the last email we sent them, their devices and their
    /// latest tickets.
    pub async fn user_detail(&self, id: UserId) -> Result<UserDetail> {
        let row = sqlx::query(
            "SELECT u.*, o.name AS org_name FROM users u LEFT JOIN orgs o ON o.id = u.org_id
             WHERE u.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {id}")))?;
        let user = user_from_row(&row)?;
        let password: Option<String> = row.try_get("password_hash")?;
        let last_email = sqlx::query(
            "SELECT subject, created_at, sent_at, attempts, last_error, bounced_at, bounce_reason,
                    held_at
             FROM emails WHERE to_addr = $1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(&user.email)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| {
            let sent: Option<i64> = r.try_get("sent_at")?;
            let attempts: i64 = r.try_get("attempts")?;
            let bounced: Option<i64> = r.try_get("bounced_at")?;
            let held: Option<i64> = r.try_get("held_at")?;
            let state = match (bounced, held, sent, attempts) {
                (Some(_), _, _, _) => EmailState::Bounced,
                (None, Some(_), _, _) => EmailState::Held,
                (None, None, Some(_), _) => EmailState::Sent,
                (None, None, None, n) if n >= MAIL_MAX_ATTEMPTS => EmailState::Failed,
                (None, None, None, _) => EmailState::Queued,
            };
            let error: Option<String> = match state {
                EmailState::Bounced => r.try_get("bounce_reason")?,
                _ => r.try_get("last_error")?,
            };
            Ok::<_, AppError>(EmailSummary {
                subject: r.try_get("subject")?,
                created_at: ts(r.try_get("created_at")?)?,
                state,
                error,
            })
        })
        .transpose()?;
        let devices = sqlx::query(
            "SELECT d.*, o.name AS org_name FROM devices d JOIN orgs o ON o.id = d.org_id
             WHERE d.assigned_user_id = $1
                OR EXISTS (SELECT 1 FROM device_credentials c
                           WHERE c.device_id = d.id AND c.user_id = $1)
             ORDER BY d.hostname",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(device_from_row)
        .collect::<Result<_>>()?;
        let tickets = sqlx::query(concat!(
            select_tickets!(),
            " WHERE t.requester_id = $1 ORDER BY t.number DESC LIMIT 20"
        ))
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| ticket_from_row(r))
        .collect::<Result<Vec<Ticket>>>()?;
        let second_factor_phone =
            sqlx::query_scalar("SELECT phone FROM second_factors WHERE user_id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        let suppressed = self
            .suppression(&user.email)
            .await?
            .map(|(since, reason)| {
                Ok::<_, AppError>(bellhop_proto::Suppression {
                    since: ts(since)?,
                    reason,
                })
            })
            .transpose()?;
        let view_consent_until = self.view_consent(id).await?.map(ts).transpose()?;
        Ok(UserDetail {
            user,
            org_name: row.try_get("org_name")?,
            has_password: password.is_some(),
            second_factor_phone,
            authenticator_since: self
                .authenticator_since(id)
                .await?
                .map(super::ts)
                .transpose()?,
            last_email,
            suppressed,
            portal: None,
            view_consent_until,
            devices,
            tickets,
        })
    }

    /// Codes sent to this user since `since_ms`.
    pub async fn recent_verification_count(&self, user: UserId, since_ms: i64) -> Result<i64> {
        self.count_since(
            "SELECT COUNT(*) FROM verification_codes WHERE user_id = $1 AND created_at > $2",
            &user.to_string(),
            since_ms,
        )
        .await
    }

    /// Records a new code (earlier unused ones stop working), queues its email and audits it, in
    /// one transaction. Returns when it expires (Unix ms).
    pub async fn insert_verification_code(
        &self,
        actor: &Caller,
        user: UserId,
        code_hash: &str,
        ttl_ms: i64,
        mail: &Email,
    ) -> Result<i64> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE verification_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO verification_codes (id, user_id, code_hash, sent_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(code_hash)
        .bind(actor.user_id.to_string())
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
        Self::queue_email_in(&mut tx, mail).await?;
        let detail = format!("sent a verification code to {}", mail.to);
        Self::record_audit(
            &mut tx,
            actor,
            "user.verify.send",
            &user.to_string(),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(now + ttl_ms)
    }

    /// Counts one guess at a code of `which` kind, if it has guesses left (`max` in all): the
    /// guesses made so far, this one included, or `None` when none were left.
    pub(super) async fn take_attempt_in(
        tx: &mut sqlx::AnyConnection,
        which: Attempted,
        id: &str,
        max: i64,
    ) -> Result<Option<i64>> {
        let sql = match which {
            Attempted::Verification => {
                "UPDATE verification_codes SET attempts = attempts + 1
                 WHERE id = $1 AND attempts < $2 AND used_at IS NULL RETURNING attempts"
            }
            Attempted::Phone => {
                "UPDATE phone_codes SET attempts = attempts + 1
                 WHERE id = $1 AND attempts < $2 AND used_at IS NULL RETURNING attempts"
            }
            Attempted::Authenticator => {
                "UPDATE authenticators SET attempts = attempts + 1
                 WHERE id = $1 AND attempts < $2 AND confirmed_at IS NULL RETURNING attempts"
            }
        };
        Ok(sqlx::query_scalar(sql)
            .bind(id)
            .bind(max)
            .fetch_optional(&mut *tx)
            .await?)
    }

    /// Checks what the user read back against their live code; a right code is used up, a wrong
    /// one counts against the code's attempts. The outcome is audited.
    pub async fn check_verification_code(
        &self,
        actor: &Caller,
        user: UserId,
        code_hash: &str,
    ) -> Result<VerifyCodeResult> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT id, code_hash, attempts FROM verification_codes
             WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(user.to_string())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(AppError::bad_request(
                "no live code for this user: send a new one",
            ));
        };
        let id: String = row.try_get("id")?;
        // The guess is counted before it is compared, in one statement: guesses sent in
        // parallel cannot get past the limit.
        let Some(attempts) =
            Self::take_attempt_in(&mut tx, Attempted::Verification, &id, VERIFY_MAX_ATTEMPTS)
                .await?
        else {
            return Err(AppError::bad_request(
                "too many wrong codes: send a new one",
            ));
        };
        let stored: String = row.try_get("code_hash")?;
        let verified = stored == code_hash;
        if verified {
            sqlx::query("UPDATE verification_codes SET used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        }
        let (action, detail) = if verified {
            ("user.verify.ok", "verified the caller's code")
        } else {
            (
                "user.verify.wrong",
                "a wrong verification code was read back",
            )
        };
        Self::record_audit(&mut tx, actor, action, &user.to_string(), detail).await?;
        tx.commit().await?;
        Ok(VerifyCodeResult {
            verified,
            attempts_left: if verified {
                0
            } else {
                u32::try_from(VERIFY_MAX_ATTEMPTS - attempts).unwrap_or(0)
            },
        })
    }
}
