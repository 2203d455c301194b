//! The desk looking at a customer's portal with their consent: the consent, each look, its
//! single-use ticket and the read-only session it becomes. The rules are `domain::views`'.

use bellhop_proto::{Role, UserId, ViewRecord};
use sqlx::Row;

use super::sql::Sql;
use super::{Caller, Store, now_ms, parse_enum, ts};
use crate::error::Result;

impl Store {
    /// Until when `user` lets the desk look, if they do now.
    pub async fn view_consent(&self, user: UserId) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT until FROM view_consents WHERE user_id = $1 AND until > $2")
                .bind(user.to_string())
                .bind(now_ms())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Lets the desk look at `user`'s portal until `until`; audited as their own doing.
    pub async fn grant_view_consent(&self, user: UserId, until: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO view_consents (user_id, granted_at, until) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET granted_at = excluded.granted_at,
                 until = excluded.until",
        )
        .bind(user.to_string())
        .bind(now_ms())
        .bind(until)
        .execute(&mut *tx)
        .await?;
        let detail = format!(
            "the service desk may look at their portal until {}",
            ts(until)?
        );
        Self::record_audit_by(
            &mut tx,
            user,
            "user.view_consent",
            &user.to_string(),
            &detail,
        )
        .await?;
        tx.commit().await
    }

    /// Withdraws `user`'s consent, ending every look under way; audited as their own doing.
    pub async fn withdraw_view_consent(&self, user: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let withdrawn = sqlx::query("DELETE FROM view_consents WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        sqlx::query("UPDATE views SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        if withdrawn {
            Self::record_audit_by(
                &mut tx,
                user,
                "user.view_consent",
                &user.to_string(),
                "consent withdrawn: the service desk may no longer look at their portal",
            )
            .await?;
        }
        tx.commit().await
    }

    /// The latest looks at `user`'s portal, newest first.
    pub async fn views_of(&self, user: UserId) -> Result<Vec<ViewRecord>> {
        let rows = sqlx::query(
            "SELECT t.name AS viewer_name, v.created_at FROM views v
             JOIN users t ON t.id = v.viewer_id
             WHERE v.user_id = $1 AND v.token_hash IS NOT NULL
             ORDER BY v.created_at DESC LIMIT 20",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ViewRecord {
                    viewer_name: r.try_get("viewer_name")?,
                    at: ts(r.try_get("created_at")?)?,
                })
            })
            .collect()
    }

    /// A look by `viewer` at `user`'s portal, good until `expires_at`: its single-use ticket's
    /// hash kept. Audited.
    pub async fn begin_view(
        &self,
        viewer: &Caller,
        user: UserId,
        user_name: &str,
        ticket_hash: &str,
        expires_at: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO views (id, viewer_id, user_id, ticket_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(viewer.user_id.to_string())
        .bind(user.to_string())
        .bind(ticket_hash)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        let detail = format!(
            "{} opened {user_name}'s portal, read-only, with their consent, until {}",
            viewer.name,
            ts(expires_at)?
        );
        Self::record_audit(&mut tx, viewer, "user.viewed", &user.to_string(), &detail).await?;
        tx.commit().await
    }

    /// Trades a look's ticket (made less than `ttl_ms` ago) for its session token's hash, once;
    /// the person looked at, when the ticket was good.
    pub async fn open_view(
        &self,
        ticket_hash: &str,
        token_hash: &str,
        ttl_ms: i64,
    ) -> Result<Option<UserId>> {
        let mut tx = self.begin().await?;
        let user: Option<String> = sqlx::query_scalar(
            "SELECT user_id FROM views WHERE ticket_hash = $1 AND token_hash IS NULL
             AND ended_at IS NULL AND created_at > $2",
        )
        .bind(ticket_hash)
        .bind(now_ms() - ttl_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else {
            return Ok(None);
        };
        sqlx::query("UPDATE views SET token_hash = $1, ticket_hash = NULL WHERE ticket_hash = $2")
            .bind(token_hash)
            .bind(ticket_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(super::parse_id(&user)?))
    }

    /// The person a live look's token shows, with its technician as `viewer`: while the look
    /// has not expired or ended, the person's consent holds, the person is switched on, and the
    /// technician still is one, switched on.
    pub async fn caller_for_view(&self, token_hash: &str) -> Result<Option<Caller>> {
        let now = now_ms();
        let mut qb = Sql::new(
            "SELECT u.id, u.name, u.role, u.org_id, v.viewer_id, v.created_at
             FROM views v JOIN users u ON u.id = v.user_id
             JOIN users t ON t.id = v.viewer_id
             JOIN view_consents c ON c.user_id = v.user_id
             WHERE v.token_hash = ",
        );
        qb.bind(token_hash)
            .push(" AND v.ended_at IS NULL AND v.expires_at > ")
            .bind(now)
            .push(" AND c.until > ")
            .bind(now)
            .push(" AND u.disabled_at IS NULL AND t.disabled_at IS NULL")
            .push(" AND t.role IN ('technician', 'admin')");
        self.read_row(qb, |r| {
            Ok(Caller {
                user_id: r.id("id")?,
                name: r.text("name")?,
                role: parse_enum(&r.text("role")?, Role::parse)?,
                org_id: r.opt_id("org_id")?,
                device_id: None,
                signed_in_at: r.int("created_at")?,
                viewer: Some(r.id("viewer_id")?),
            })
        })
        .await
    }

    /// Ends a look (its tab signed out).
    pub async fn end_view(&self, token_hash: &str) -> Result<()> {
        sqlx::query("UPDATE views SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL")
            .bind(now_ms())
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
