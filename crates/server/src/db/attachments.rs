//! Attachment records and their links to tickets.

use bellhop_proto::{Attachment, TicketId, UserId};
use sqlx::Row;

use super::{Caller, Store, now_ms};
use crate::error::Result;

impl Store {
    /// Records an uploaded blob; a repeat changes nothing. Returns whether it was new.
    pub async fn insert_attachment(
        &self,
        sha: &str,
        size: u64,
        media_type: &str,
        by: UserId,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO attachments (sha256, size, media_type, uploaded_by, created_at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha)
        .bind(size as i64)
        .bind(media_type)
        .bind(by.to_string())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn attachment_exists(&self, sha: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE sha256 = ?")
            .bind(sha)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The attachments of a ticket the caller may see.
    pub async fn ticket_attachments(
        &self,
        caller: &Caller,
        ticket: TicketId,
    ) -> Result<Vec<Attachment>> {
        self.ticket(caller, ticket).await?;
        let rows = sqlx::query(
            "SELECT a.sha256, ta.file_name, a.media_type, a.size FROM ticket_attachments ta
             JOIN attachments a ON a.sha256 = ta.sha256 WHERE ta.ticket_id = ? ORDER BY ta.file_name",
        )
        .bind(ticket.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let size: i64 = r.try_get("size")?;
                Ok(Attachment {
                    sha256: r.try_get("sha256")?,
                    file_name: r.try_get("file_name")?,
                    media_type: r.try_get("media_type")?,
                    size: size.max(0) as u64,
                })
            })
            .collect()
    }
}
