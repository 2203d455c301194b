//! Comments: the conversation of a ticket as the caller may see it (internal notes only for
//! staff), and adding to it. Writing a comment records a change of its ticket in the same
//! transaction.

use std::collections::HashMap;

use bellhop_proto::{Comment, CommentId, CommentVisibility, TicketId, TicketStatus};
use sqlx::Row;

use super::sql::Sql;
use super::{Caller, Store, parse_id, ts};
use crate::error::Result;

fn comment_from_row(r: &sqlx::any::AnyRow) -> Result<Comment> {
    let vis: String = r.try_get("visibility")?;
    Ok(Comment {
        id: parse_id(r.try_get("id")?)?,
        ticket_id: parse_id(r.try_get("ticket_id")?)?,
        author_id: parse_id(r.try_get("author_id")?)?,
        author_name: r.try_get("author_name")?,
        visibility: if vis == "internal" {
            CommentVisibility::Internal
        } else {
            CommentVisibility::Public
        },
        body: r.try_get("body")?,
        created_at: ts(r.try_get("created_at")?)?,
    })
}

impl Store {
    /// The conversation the caller may see: internal notes only for staff.
    pub async fn comments(&self, caller: &Caller, ticket: TicketId) -> Result<Vec<Comment>> {
        self.ticket(caller, ticket).await?;
        let mut qb = Sql::new(
            "SELECT c.*, u.name AS author_name FROM comments c JOIN users u ON u.id = c.author_id
             WHERE c.ticket_id = ",
        );
        qb.bind(ticket.to_string());
        if !caller.is_staff() {
            qb.push(" AND c.visibility = 'public'");
        }
        qb.push(" ORDER BY c.created_at, c.id");
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter().map(comment_from_row).collect()
    }

    /// The visible conversations of several tickets (the caller may see the tickets).
    pub(super) async fn comments_of(
        &self,
        caller: &Caller,
        tickets: &[TicketId],
    ) -> Result<HashMap<TicketId, Vec<Comment>>> {
        let mut by_ticket: HashMap<TicketId, Vec<Comment>> = HashMap::new();
        if tickets.is_empty() {
            return Ok(by_ticket);
        }
        let mut qb = Sql::new(
            "SELECT c.*, u.name AS author_name FROM comments c JOIN users u ON u.id = c.author_id
             WHERE c.ticket_id IN (",
        );
        qb.bind_list(tickets.iter().map(|t| t.to_string()))
            .push(")");
        if !caller.is_staff() {
            qb.push(" AND c.visibility = 'public'");
        }
        qb.push(" ORDER BY c.created_at, c.id");
        for row in qb.build()?.fetch_all(&self.pool).await? {
            let comment = comment_from_row(&row)?;
            by_ticket
                .entry(comment.ticket_id)
                .or_default()
                .push(comment);
        }
        Ok(by_ticket)
    }

    /// Seeding: a comment at a given time, the ticket's status unchanged.
    pub async fn insert_comment(
        &self,
        author: &Caller,
        ticket: TicketId,
        id: CommentId,
        visibility: CommentVisibility,
        body: &str,
        at_ms: i64,
    ) -> Result<()> {
        self.write_comment(author, ticket, id, visibility, body, at_ms, None, &[])
            .await
    }

    /// Writes a reply or note: the insert, the optional status change and the change record, in
    /// one transaction. A repeat of the same comment id changes nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn write_comment(
        &self,
        author: &Caller,
        ticket: TicketId,
        id: CommentId,
        visibility: CommentVisibility,
        body: &str,
        at_ms: i64,
        status: Option<TicketStatus>,
        files: &[bellhop_proto::NewAttachment],
    ) -> Result<()> {
        let seen = self.visibility(author).await?;
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO comments (id, ticket_id, author_id, visibility, body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(ticket.to_string())
        .bind(author.user_id.to_string())
        .bind(if visibility == CommentVisibility::Internal {
            "internal"
        } else {
            "public"
        })
        .bind(body)
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            super::attachments::link_attachments_in(
                &mut tx,
                &seen,
                ticket,
                Some((id, visibility == CommentVisibility::Public)),
                files,
            )
            .await?;
            if let Some(status) = status {
                sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2")
                    .bind(status.as_str())
                    .bind(ticket.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            let change = self.record_change(&mut tx, ticket, at_ms).await?;
            tx.commit().await?;
            self.publish(change);
        }
        Ok(())
    }
}
