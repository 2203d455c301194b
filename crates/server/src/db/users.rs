//! Organisations, users and sign-in sessions.

use bellhop_proto::{Language, OrgId, Role, SignUpRule, User, UserId};
use sqlx::Row;

use super::access::{MAY_USE_PORTAL, SESSION_IDLE_MS, SESSION_TOUCH_EVERY_MS};
use super::sql::Sql;
use super::{Backend, Caller, Store, now_ms, parse_enum, parse_id};
use crate::error::Result;

/// The requests limited per email address and per client: tables with `email`, `client_addr`
/// and `created_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    IdentityTokens,
    PasswordResets,
    SignUps,
}

impl Limited {
    fn table(self) -> &'static str {
        match self {
            Self::IdentityTokens => "identity_tokens",
            Self::PasswordResets => "password_resets",
            Self::SignUps => "sign_ups",
        }
    }
}

/// A user to create (seeding, sign-up, first contact of an agent).
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub phone: Option<&'a str>,
    pub password_hash: Option<String>,
    pub language: Language,
    pub portal_access: bool,
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
        portal_access: row.try_get::<i64, _>("portal_access")? != 0,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    })
}

/// An account as sign-in sees it.
pub struct LoginAccount {
    pub user: User,
    pub password_hash: Option<String>,
    /// Whether the person may use the portal now (`access::MAY_USE_PORTAL`).
    pub may_sign_in: bool,
}

impl Store {
    pub async fn insert_org(
        &self,
        name: &str,
        domains: &[&str],
        enrol_key_hash: Option<&str>,
        auto_activate: bool,
        sign_up: SignUpRule,
    ) -> Result<OrgId> {
        let id = OrgId::new();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO orgs (id, name, enrol_key_hash, auto_activate, sign_up, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(enrol_key_hash)
        .bind(i64::from(auto_activate))
        .bind(sign_up.as_str())
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
                                created_at, language, portal_access)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
        .bind(i64::from(u.portal_access))
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

    /// The account signing in with this email, if there is one.
    pub async fn user_for_login(&self, email: &str) -> Result<Option<LoginAccount>> {
        let row = sqlx::query(concat!(
            "SELECT u.*, CASE WHEN ",
            may_use_portal!(),
            " THEN 1 ELSE 0 END AS may_sign_in FROM users u WHERE u.email = $1"
        ))
        .bind(email.trim().to_ascii_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LoginAccount {
                user: user_from_row(&r)?,
                password_hash: r.try_get("password_hash")?,
                may_sign_in: r.try_get::<i64, _>("may_sign_in")? != 0,
            })
        })
        .transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The primary contacts of `org` who are switched on and may use the portal: who may
    /// approve its requests.
    pub async fn primary_contacts(&self, org: OrgId) -> Result<Vec<UserId>> {
        let ids: Vec<String> = sqlx::query_scalar(concat!(
            "SELECT u.id FROM users u WHERE u.org_id = $1 AND u.role = 'primary_contact' AND ",
            may_use_portal!()
        ))
        .bind(org.to_string())
        .fetch_all(&self.pool)
        .await?;
        ids.iter().map(|i| super::parse_id(i)).collect()
    }

    pub async fn insert_session(&self, token_hash: &str, user: UserId, ttl_ms: i64) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_used_at)
             VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The caller behind a live session token hash: not expired, not idle past
    /// [`SESSION_IDLE_MS`], not revoked, of a person who may use the portal now.
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
            "SELECT u.id, u.name, u.role, u.org_id, s.expires_at, s.last_used_at, s.created_at
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ",
        );
        qb.bind(token_hash)
            .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
            .bind(now)
            .push(" AND s.last_used_at > ")
            .bind(now - SESSION_IDLE_MS)
            .push(" AND ")
            .push(MAY_USE_PORTAL);
        let found = self
            .read_row(qb, |r| {
                let caller = Caller {
                    user_id: r.id("id")?,
                    name: r.text("name")?,
                    role: parse_enum(&r.text("role")?, Role::parse)?,
                    org_id: r.opt_id("org_id")?,
                    device_id: None,
                    signed_in_at: r.int("created_at")?,
                    viewer: None,
                };
                Ok((caller, r.int("expires_at")?, r.int("last_used_at")?))
            })
            .await?;
        let Some((caller, expires_at, last_used_at)) = found else {
            return Ok(None);
        };
        if now - last_used_at >= SESSION_TOUCH_EVERY_MS {
            sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
            self.written();
        } else if let Some(time) = time {
            // Kept no longer than the session would stay unused.
            let until = expires_at.min(last_used_at + SESSION_IDLE_MS);
            self.sessions.put(time, token_hash, caller.clone(), until);
        }
        Ok(Some(caller))
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

    /// The requests in `table` for `email`, and from `addr`, since `since_ms`: the two counts
    /// a rate limit asks for, in one query.
    pub async fn recent_counts(
        &self,
        table: Limited,
        email: &str,
        addr: &str,
        since_ms: i64,
    ) -> Result<(i64, i64)> {
        let table = table.table();
        // The table's name comes from `Limited`, never from a request.
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM {table} WHERE email = $1 AND created_at > $2),
                    (SELECT COUNT(*) FROM {table} WHERE client_addr = $3 AND created_at > $4)"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(email)
            .bind(since_ms)
            .bind(addr)
            .bind(since_ms)
            .fetch_one(&self.pool)
            .await?)
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
        mail: &crate::letters::Email,
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
        Self::void_password_links_in(tx, user, now).await?;
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

    /// Whether a password link is live: unused, unexpired, for a person who may use the
    /// portal. Asked before a new password is hashed, so a made-up token costs one lookup.
    pub async fn live_password_link(&self, token_hash: &str) -> Result<bool> {
        let mut qb = Sql::new(
            "SELECT 1 AS live FROM password_resets r JOIN users u ON u.id = r.user_id
             WHERE r.token_hash = ",
        );
        qb.bind(token_hash)
            .push(" AND r.used_at IS NULL AND r.expires_at > ")
            .bind(now_ms())
            .push(" AND ")
            .push(MAY_USE_PORTAL);
        Ok(self.read_row(qb, |r| r.int("live")).await?.is_some())
    }

    /// Uses a live password link: sets the new password hash, signs the person out of every
    /// browser and voids their other links, in one transaction. When it replaces a password (a
    /// reset, not a first choice), their device credentials are revoked too: whoever knew the
    /// old password may have confirmed a device with it. `None` when the link is unknown, used,
    /// expired, or its person may not use the portal.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<UserId>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let user: Option<String> = sqlx::query_scalar(concat!(
            "UPDATE password_resets SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
               AND user_id IN (SELECT u.id FROM users u WHERE ",
            may_use_portal!(),
            ") RETURNING user_id"
        ))
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else {
            return Ok(None);
        };
        let id: UserId = parse_id(&user)?;
        let (email, had_password): (String, Option<String>) =
            sqlx::query_as("SELECT email, password_hash FROM users WHERE id = $1")
                .bind(&user)
                .fetch_one(&mut *tx)
                .await?;
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
        if had_password.is_some() {
            Self::revoke_device_credentials_in(&mut tx, id, now).await?;
        }
        Self::void_links_in(&mut tx, id, &email, now).await?;
        tx.commit().await?;
        self.access_changed().await?;
        Ok(Some(id))
    }
}
