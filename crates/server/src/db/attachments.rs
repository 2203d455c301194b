//! Attachment records and their links to tickets.

use std::collections::HashMap;

use bellhop_proto::{Attachment, CommentId, FileName, NewAttachment, TicketId, UserId};
use sqlx::Row;

use super::sql::Sql;
use super::tickets::Visibility;
use super::write::WriteConn;
use super::{Caller, Store, now_ms, parse_id};
use crate::error::{AppError, Result};

/// The files of internal notes are for staff only (appended to a query over `ta`).
const PUBLIC_FILES_ONLY: &str = " AND (ta.comment_id IS NULL OR EXISTS (SELECT 1 FROM comments c \
     WHERE c.id = ta.comment_id AND c.visibility = 'public'))";

impl Store {
    /// Records an uploaded blob and that `by` uploaded it, in one transaction. A repeat changes
    /// nothing; another person's upload of the same bytes makes it theirs too. Returns whether
    /// `by` had not uploaded it before.
    pub async fn insert_attachment(
        &self,
        sha: &str,
        size: u64,
        media_type: &str,
        by: UserId,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO attachments (sha256, size, media_type, uploaded_by, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha)
        .bind(size as i64)
        .bind(media_type)
        .bind(by.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mine = sqlx::query(
            "INSERT INTO uploads (sha256, user_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (sha256, user_id) DO NOTHING",
        )
        .bind(sha)
        .bind(by.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(mine.rows_affected() == 1)
    }

    /// The size of the file, if `user` uploaded it: all `HEAD` tells, so that nobody learns
    /// whether someone else's file is stored.
    pub async fn upload_size(&self, sha: &str, user: UserId) -> Result<Option<u64>> {
        let size: Option<i64> = sqlx::query_scalar(
            "SELECT a.size FROM uploads u JOIN attachments a ON a.sha256 = u.sha256
             WHERE u.sha256 = $1 AND u.user_id = $2",
        )
        .bind(sha)
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(size.map(|s| s.max(0) as u64))
    }

    /// The attachments of a ticket the caller may see.
    pub async fn ticket_attachments(
        &self,
        caller: &Caller,
        ticket: TicketId,
    ) -> Result<Vec<Attachment>> {
        self.ticket(caller, ticket).await?;
        let mut qb = Sql::new(
            "SELECT a.sha256, ta.file_name, a.media_type, a.size, ta.comment_id
             FROM ticket_attachments ta JOIN attachments a ON a.sha256 = ta.sha256
             WHERE ta.ticket_id = ",
        );
        qb.bind(ticket.to_string());
        if !caller.is_staff() {
            qb.push(PUBLIC_FILES_ONLY);
        }
        qb.push(" ORDER BY ta.file_name");
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// The attachments of several tickets.
    pub(super) async fn attachments_of(
        &self,
        caller: &Caller,
        tickets: &[TicketId],
    ) -> Result<HashMap<TicketId, Vec<Attachment>>> {
        let mut by_ticket: HashMap<TicketId, Vec<Attachment>> = HashMap::new();
        if tickets.is_empty() {
            return Ok(by_ticket);
        }
        let mut qb = Sql::new(
            "SELECT ta.ticket_id, a.sha256, ta.file_name, a.media_type, a.size, ta.comment_id
             FROM ticket_attachments ta JOIN attachments a ON a.sha256 = ta.sha256
             WHERE ta.ticket_id IN (",
        );
        qb.bind_list(tickets.iter().map(|t| t.to_string()))
            .push(")");
        if !caller.is_staff() {
            qb.push(PUBLIC_FILES_ONLY);
        }
        qb.push(" ORDER BY ta.file_name");
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
        comment_id: r
            .try_get::<Option<String>, _>("comment_id")?
            .as_deref()
            .map(parse_id)
            .transpose()?,
    })
}

/// Links files to a ticket (and to the comment they came with), in the caller's transaction; a
/// file `caller` may not name (see [`may_link`]) is refused. A file already on the ticket stays
/// where it is, except that the desk's public reply brings an internal note's file into the
/// open: a reply of anyone else never does.
pub(super) async fn link_attachments_in(
    tx: &mut sqlx::AnyConnection,
    seen: &Visibility,
    ticket: TicketId,
    comment: Option<(CommentId, bool)>,
    files: &[NewAttachment],
) -> Result<()> {
    for file in files {
        if may_link(seen, file)
            .build()?
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(not_uploaded(file));
        }
        link(ticket, comment, seen.caller().is_staff(), file)
            .build()?
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Refuses files `caller` may not name, in a transaction of [`super::Store::write`], before
/// anything is written (a ticket number taken from a PostgreSQL sequence is not given back).
pub(super) fn refuse_missing(
    w: &mut dyn WriteConn,
    seen: &Visibility,
    files: &[NewAttachment],
) -> Result<()> {
    for file in files {
        if w.row(may_link(seen, file), |_| Ok(()))?.is_none() {
            return Err(not_uploaded(file));
        }
    }
    Ok(())
}

impl Store {
    /// [`refuse_missing`] outside any transaction: an upload and a ticket's file are never
    /// taken back, so a file `caller` may name now still may when the ticket is written.
    pub(super) async fn refuse_missing_now(
        &self,
        seen: &Visibility,
        files: &[NewAttachment],
    ) -> Result<()> {
        for file in files {
            if self
                .read_row(may_link(seen, file), |_| Ok(()))
                .await?
                .is_none()
            {
                return Err(not_uploaded(file));
            }
        }
        Ok(())
    }
}

/// Appends, to a PostgreSQL statement whose common table `ticket` holds a new ticket's `id` (or
/// nothing), a common table that links uploaded `files` to it (as [`link_uploaded`] does).
pub(super) fn push_links_to_new(sql: &mut Sql, files: &[NewAttachment]) {
    if files.is_empty() {
        return;
    }
    sql.push(
        ", files AS (INSERT INTO ticket_attachments (ticket_id, sha256, file_name) \
         SELECT ticket.id, f.sha256, f.file_name FROM ticket, (VALUES ",
    );
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(file.sha256.clone())
            .push(", ")
            .bind(FileName::parse(&file.file_name).into_string())
            .push(")");
    }
    // The same file twice keeps its first name, as on SQLite.
    sql.push(") AS f (sha256, file_name) ON CONFLICT (ticket_id, sha256) DO NOTHING)");
}

/// Links files to a new ticket, once [`refuse_missing`] has let them through.
pub(super) fn link_uploaded(
    w: &mut dyn WriteConn,
    ticket: TicketId,
    files: &[NewAttachment],
) -> Result<()> {
    for file in files {
        w.execute(link(ticket, None, false, file))?;
    }
    Ok(())
}

/// Whether `caller` may name `file` on a ticket or reply: a row if so. They may when they
/// uploaded those bytes themselves, or when they already see the file on a ticket (for the
/// desk, any ticket's; for anyone else, a public file of a ticket they see). Knowing a file's
/// hash is not enough: a hash is not a secret.
fn may_link(seen: &Visibility, file: &NewAttachment) -> Sql {
    let caller = seen.caller();
    let mut sql = Sql::new("SELECT 1 FROM uploads WHERE sha256 = ");
    sql.bind(file.sha256.clone())
        .push(" AND user_id = ")
        .bind(caller.user_id.to_string())
        .push(
            " UNION ALL SELECT 1 FROM ticket_attachments ta JOIN tickets t ON t.id = ta.ticket_id \
             WHERE ta.sha256 = ",
        )
        .bind(file.sha256.clone());
    seen.push(&mut sql);
    if !caller.is_staff() {
        sql.push(PUBLIC_FILES_ONLY);
    }
    sql.limit(1);
    sql
}

/// The statement that links a file to a ticket (see [`link_attachments_in`]); `by_staff` says
/// whether it may bring an internal note's file into the open.
fn link(
    ticket: TicketId,
    comment: Option<(CommentId, bool)>,
    by_staff: bool,
    file: &NewAttachment,
) -> Sql {
    let (comment_id, public) = match comment {
        Some((id, public)) => (Some(id.to_string()), public && by_staff),
        None => (None, false),
    };
    let mut link = Sql::new(
        "INSERT INTO ticket_attachments (ticket_id, sha256, file_name, comment_id) VALUES (",
    );
    link.bind(ticket.to_string())
        .push(", ")
        .bind(file.sha256.clone())
        .push(", ")
        .bind(FileName::parse(&file.file_name).into_string())
        .push(", ")
        .bind(comment_id)
        .push(") ON CONFLICT (ticket_id, sha256) DO ");
    if public {
        link.push(
            "UPDATE SET comment_id = excluded.comment_id WHERE ticket_attachments.comment_id IN \
             (SELECT id FROM comments WHERE visibility = 'internal')",
        );
    } else {
        link.push("NOTHING");
    }
    link
}

fn not_uploaded(file: &NewAttachment) -> AppError {
    AppError::bad_request(format!(
        "attachment {} was not uploaded: PUT /api/v1/attachments/{{sha256}} first",
        file.sha256
    ))
}
