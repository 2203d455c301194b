//! The mail queue: messages are written in the transaction that caused them and sent by the
//! mail worker ([`crate::mail`]), so a crash or an SMTP outage loses nothing.

use sqlx::Row;

use super::{Store, now_ms};
use crate::error::Result;
use crate::letters::Email;

/// A message waiting to be sent.
pub struct QueuedEmail {
    pub id: String,
    pub email: Email,
    pub attempts: i64,
}

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
            "SELECT id, to_addr, subject, body_text, body_html, attempts FROM emails
             WHERE sent_at IS NULL AND attempts < 10 ORDER BY created_at LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QueuedEmail {
                    id: r.try_get("id")?,
                    attempts: r.try_get("attempts")?,
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
}
