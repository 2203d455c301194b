//! Organisations, users and sign-in sessions.

use bellhop_proto::{Language, OrgId, Role, User, UserId};
use sqlx::Row;

use super::sql::Sql;
use super::{Backend, Caller, Store, now_ms, parse_enum, parse_id};
use crate::error::Result;

/// A user to create (seeding, sign-up, first contact of an agent).
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub phone: Option<&'a str>,
    pub password_hash: Option<String>,
    pub language: Language,
}

pub(super) fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    let org: Option<String> = row.try_get("org_id")?;
    Ok(User {
        id: parse_id(row.try_get("id")?)?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        role: parse_enum(row.try_get("role")?, Role::parse)?,
        org_id: org.as_deref().map(parse_id).transpose()?,
        // A tag this version does not speak reads as English rather than failing the row.
        language: Language::from_tag(row.try_get("language")?).unwrap_or_default(),
    })
}

impl Store {
    pub async fn insert_org(
        &self,
        name: &str,
        domains: &[&str],
        enrol_key_hash: Option<&str>,
        auto_activate: bool,
    ) -> Result<OrgId> {
        let id = OrgId::new();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO orgs (id, name, enrol_key_hash, auto_activate, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(enrol_key_hash)
        .bind(i64::from(auto_activate))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        for d in domains {
            sqlx::query("INSERT INTO org_domains (domain, org_id) VALUES ($1, $2)")
                .bind(d.to_ascii_lowercase())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn insert_user(&self, u: NewUser<'_>) -> Result<UserId> {
        let id = UserId::new();
        let mut tx = self.begin().await?;
        Self::insert_user_in(&mut tx, id, &u).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn insert_user_in(
        tx: &mut sqlx::AnyConnection,
        id: UserId,
        u: &NewUser<'_>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (id, org_id, name, email, phone, phone_digits, role, password_hash,
                                created_at, language)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.to_string())
        .bind(u.org_id.map(|o| o.to_string()))
        .bind(u.name)
        .bind(u.email.to_ascii_lowercase())
        .bind(u.phone)
        .bind(u.phone.map(super::console::phone_digits))
        .bind(u.role.as_str())
        .bind(&u.password_hash)
        .bind(now_ms())
        .bind(u.language.as_str())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Sets the language of the user's portal and mail.
    pub async fn set_language(&self, user: UserId, language: Language) -> Result<()> {
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language.as_str())
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user with this email and their password hash, if they have one.
    pub async fn user_for_login(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.trim().to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn insert_session(&self, token_hash: &str, user: UserId, ttl_ms: i64) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The caller behind a live (not expired, not revoked) session token hash.
    pub async fn caller_for_session(&self, token_hash: &str) -> Result<Option<Caller>> {
        let now = now_ms();
        // On PostgreSQL a token is looked up once per commit time (SQLite's readers are quicker
        // than the cache would be).
        let time = match self.backend {
            Backend::Postgres => self.commits.now(),
            Backend::Sqlite => None,
        };
        if let Some(caller) = time.and_then(|t| self.sessions.get(t, token_hash, now)) {
            return Ok(Some(caller));
        }
        let mut qb = Sql::new(
            "SELECT u.id, u.name, u.role, u.org_id, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ",
        );
        qb.bind(token_hash)
            .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
            .bind(now);
        let found = self
            .read_row(qb, |r| {
                let caller = Caller {
                    user_id: r.id("id")?,
                    name: r.text("name")?,
                    role: parse_enum(&r.text("role")?, Role::parse)?,
                    org_id: r.opt_id("org_id")?,
                    device_id: None,
                };
                Ok((caller, r.int("expires_at")?))
            })
            .await?;
        Ok(found.map(|(caller, expires_at)| {
            if let Some(time) = time {
                self.sessions
                    .put(time, token_hash, caller.clone(), expires_at);
            }
            caller
        }))
    }

    pub async fn revoke_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        self.access_changed().await
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// How many reset links went to this address, and were asked from this client, since
    /// `since_ms`.
    pub async fn recent_reset_counts(
        &self,
        email: &str,
        addr: &str,
        since_ms: i64,
    ) -> Result<(i64, i64)> {
        Ok((
            self.count_since(
                "SELECT COUNT(*) FROM password_resets WHERE email = $1 AND created_at > $2",
                email,
                since_ms,
            )
            .await?,
            self.count_since(
                "SELECT COUNT(*) FROM password_resets WHERE client_addr = $1 AND created_at > $2",
                addr,
                since_ms,
            )
            .await?,
        ))
    }

    /// Runs a `COUNT(*)` taking one key (`$1`) and a time (`$2`): the rate limits' question.
    pub(super) async fn count_since(
        &self,
        sql: &'static str,
        key: &str,
        since_ms: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(sql)
            .bind(key)
            .bind(since_ms)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Records a reset link (earlier unused ones for the user stop working) and queues its
    /// email, in one transaction.
    pub async fn insert_password_reset(
        &self,
        user: UserId,
        email: &str,
        token_hash: &str,
        client_addr: &str,
        ttl_ms: i64,
        mail: &crate::mail::Email,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Self::insert_password_reset_in(&mut tx, user, email, token_hash, client_addr, ttl_ms)
            .await?;
        Self::queue_email_in(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reset link's row, inside the caller's transaction.
    pub(super) async fn insert_password_reset_in(
        tx: &mut sqlx::AnyConnection,
        user: UserId,
        email: &str,
        token_hash: &str,
        client_addr: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, email, client_addr, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(email)
        .bind(client_addr)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Uses a live reset token: sets the new password hash and signs the user out everywhere,
    /// in one transaction. `None` when the token is unknown, used or expired.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<UserId>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let user: Option<String> = sqlx::query_scalar(
            "UPDATE password_resets SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else {
            return Ok(None);
        };
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(&user)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(&user)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.access_changed().await?;
        Ok(Some(parse_id(&user)?))
    }
}
