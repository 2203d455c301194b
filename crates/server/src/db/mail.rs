//! The mail queue: messages are written in the transaction that caused them and sent by the
//! mail worker ([`crate::mail`]), so a crash or an SMTP outage loses nothing.

use sqlx::Row;

use bellhop_proto::UserId;

use super::{Caller, Store, now_ms};
use crate::error::Result;
use crate::letters::Email;

/// A message waiting to be sent.
pub struct QueuedEmail {
    pub id: String,
    pub email: Email,
    pub attempts: i64,
    /// Its address is suppressed: the message is to be held, not sent.
    pub suppressed: bool,
}

/// Sending attempts after which the mail worker gives up.
pub const MAIL_MAX_ATTEMPTS: i64 = 10;

impl Store {
    pub(crate) async fn queue_email_in(tx: &mut sqlx::AnyConnection, mail: &Email) -> Result<()> {
        sqlx::query(
            "INSERT INTO emails (id, to_addr, subject, body_text, body_html, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Queues messages that follow a change already committed (one transaction for them all).
    pub async fn queue_emails(&self, mails: &[Email]) -> Result<()> {
        let mut tx = self.begin().await?;
        for mail in mails {
            Self::queue_email_in(&mut tx, mail).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Unsent messages, oldest first, that have not failed too often.
    pub async fn pending_emails(&self, limit: i64) -> Result<Vec<QueuedEmail>> {
        let rows = sqlx::query(
            "SELECT e.id, e.to_addr, e.subject, e.body_text, e.body_html, e.attempts,
                    CASE WHEN s.email IS NULL THEN 0 ELSE 1 END AS suppressed
             FROM emails e LEFT JOIN suppressed_addresses s ON s.email = e.to_addr
             WHERE e.sent_at IS NULL AND e.held_at IS NULL AND e.bounced_at IS NULL
               AND e.attempts < $2
             ORDER BY e.created_at LIMIT $1",
        )
        .bind(limit)
        .bind(MAIL_MAX_ATTEMPTS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QueuedEmail {
                    id: r.try_get("id")?,
                    attempts: r.try_get("attempts")?,
                    suppressed: r.try_get::<i64, _>("suppressed")? != 0,
                    email: Email {
                        to: r.try_get("to_addr")?,
                        subject: r.try_get("subject")?,
                        text: r.try_get("body_text")?,
                        html: r.try_get("body_html")?,
                    },
                })
            })
            .collect()
    }

    pub async fn mark_email(&self, id: &str, error: Option<&str>) -> Result<()> {
        let sent = error.is_none().then(now_ms);
        sqlx::query(
            "UPDATE emails SET sent_at = $1, last_error = $2, attempts = attempts + 1 WHERE id = $3",
        )
        .bind(sent)
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A message to a suppressed address: held, not sent.
    pub async fn hold_email(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE emails SET held_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A message given up on at once: the mail server refused it for good, not for its
    /// recipient.
    pub async fn fail_email(&self, id: &str, error: &str) -> Result<()> {
        sqlx::query("UPDATE emails SET last_error = $1, attempts = $2 WHERE id = $3")
            .bind(error)
            .bind(MAIL_MAX_ATTEMPTS)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The message `id` bounced for `reason`: marked so, and its address suppressed.
    pub async fn bounce_email(&self, id: &str, reason: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let to: Option<String> = sqlx::query_scalar("SELECT to_addr FROM emails WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(to) = to else {
            return Ok(());
        };
        let now = now_ms();
        sqlx::query("UPDATE emails SET bounced_at = $1, bounce_reason = $2 WHERE id = $3")
            .bind(now)
            .bind(reason)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO suppressed_addresses (email, reason, email_id, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (email) DO UPDATE SET reason = excluded.reason,
                 email_id = excluded.email_id, created_at = excluded.created_at",
        )
        .bind(&to)
        .bind(reason)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The message a delivery status notification is about: the one its `Message-ID` names, or
    /// else the last one sent to `recipient`.
    pub async fn bounced_email_id(
        &self,
        message_id: Option<&str>,
        recipient: &str,
    ) -> Result<Option<String>> {
        if let Some(id) = message_id {
            let found: Option<String> =
                sqlx::query_scalar("SELECT id FROM emails WHERE id = $1 AND to_addr = $2")
                    .bind(id)
                    .bind(recipient)
                    .fetch_optional(&self.pool)
                    .await?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(sqlx::query_scalar(
            "SELECT id FROM emails WHERE to_addr = $1 AND sent_at IS NOT NULL
             ORDER BY sent_at DESC LIMIT 1",
        )
        .bind(recipient)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Suppresses `email` for `reason` without a message of ours to name (a notification about
    /// mail this server has no record of sending).
    pub async fn suppress_address(&self, email: &str, reason: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO suppressed_addresses (email, reason, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at",
        )
        .bind(email)
        .bind(reason)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes the suppression of `user`'s address and queues a copy of the last message to it
    /// again; audited. False when the address was not suppressed.
    pub async fn unsuppress_and_resend(&self, caller: &Caller, user: UserId) -> Result<bool> {
        let mut tx = self.begin().await?;
        let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(email) = email else {
            return Ok(false);
        };
        let gone = sqlx::query("DELETE FROM suppressed_addresses WHERE email = $1")
            .bind(&email)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if !gone {
            return Ok(false);
        }
        let last = sqlx::query(
            "SELECT subject, body_text, body_html FROM emails WHERE to_addr = $1
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        let resent = match last {
            Some(row) => {
                let mail = Email {
                    to: email.clone(),
                    subject: row.try_get("subject")?,
                    text: row.try_get("body_text")?,
                    html: row.try_get("body_html")?,
                };
                Self::queue_email_in(&mut tx, &mail).await?;
                format!("; \"{}\" sent again", mail.subject)
            }
            None => String::new(),
        };
        Self::record_audit(
            &mut tx,
            caller,
            "user.email_unsuppressed",
            &user.to_string(),
            &format!("{email} is mailed again{resent}"),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether and since when `email` is suppressed, and why.
    pub async fn suppression(&self, email: &str) -> Result<Option<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT created_at, reason FROM suppressed_addresses WHERE email = $1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
