//! The audit log: every staff action that changes a device's standing or a ticket's handling,
//! written in the same transaction as the action, so the log and the data never disagree.

use bellhop_proto::{AuditEntry, AuditQuery, Page};
use sqlx::Row;

use super::sql::Sql;
use super::{Caller, Store, now_ms, parse_id, ts};
use crate::error::{AppError, Result};

impl Store {
    /// Records that `actor` did `action` to `target`; `detail` says it for people.
    pub(crate) async fn record_audit(
        tx: &mut sqlx::AnyConnection,
        actor: &Caller,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        Self::record_audit_by(tx, actor.user_id, action, target, detail).await
    }

    /// Records `action` in the name of `actor` when nobody is calling (a deadline passing).
    pub(crate) async fn record_audit_by(
        tx: &mut sqlx::AnyConnection,
        actor: bellhop_proto::UserId,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, action, target, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(now_ms())
        .bind(actor.to_string())
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// The log, newest first, searched by words in the action, target, detail or actor's name.
    pub async fn audit_entries(&self, q: &AuditQuery) -> Result<Page<AuditEntry>> {
        let limit = i64::from(q.limit.unwrap_or(50).clamp(1, 200));
        let mut qb = Sql::new(
            "SELECT l.*, u.name AS actor_name FROM audit_log l JOIN users u ON u.id = l.actor_id
             WHERE 1 = 1",
        );
        // Ids are UUIDv7: their order is the order of time.
        if let Some(cursor) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
            let before: uuid::Uuid = cursor
                .parse()
                .map_err(|_| AppError::bad_request("cursor is not a value this server returned"))?;
            qb.push(" AND l.id < ").bind(before.to_string());
        }
        qb.push_words(
            &["l.action", "l.target", "l.detail", "u.name"],
            q.q.as_deref().unwrap_or(""),
        );
        qb.push(" ORDER BY l.id DESC").limit(limit + 1);
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: ts(r.try_get("at")?)?,
                    actor_id: parse_id(r.try_get("actor_id")?)?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|e| e.id.clone())
        } else {
            None
        };
        Ok(Page { items, next })
    }
}
