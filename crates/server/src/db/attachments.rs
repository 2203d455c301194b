//! Attachment records and their links to tickets.

use std::collections::HashMap;

use bellhop_proto::{Attachment, TicketId, UserId};
use sqlx::Row;

use super::sql::Sql;
use super::{Caller, Store, now_ms, parse_id};
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
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
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
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE sha256 = $1")
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
             JOIN attachments a ON a.sha256 = ta.sha256 WHERE ta.ticket_id = $1 ORDER BY ta.file_name",
        )
        .bind(ticket.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// The attachments of several tickets.
    pub(super) async fn attachments_of(
        &self,
        tickets: &[TicketId],
    ) -> Result<HashMap<TicketId, Vec<Attachment>>> {
        let mut by_ticket: HashMap<TicketId, Vec<Attachment>> = HashMap::new();
        if tickets.is_empty() {
            return Ok(by_ticket);
        }
        let mut qb = Sql::new(
            "SELECT ta.ticket_id, a.sha256, ta.file_name, a.media_type, a.size FROM ticket_attachments ta
             JOIN attachments a ON a.sha256 = ta.sha256 WHERE ta.ticket_id IN (",
        );
        qb.bind_list(tickets.iter().map(|t| t.to_string()))
            .push(") ORDER BY ta.file_name");
        for row in qb.build()?.fetch_all(&self.pool).await? {
            let ticket: TicketId = parse_id(row.try_get("ticket_id")?)?;
            by_ticket
                .entry(ticket)
                .or_default()
                .push(attachment_from_row(&row)?);
        }
        Ok(by_ticket)
    }
}

fn attachment_from_row(r: &sqlx::any::AnyRow) -> Result<Attachment> {
    let size: i64 = r.try_get("size")?;
    Ok(Attachment {
        sha256: r.try_get("sha256")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size: size.max(0) as u64,
    })
}
