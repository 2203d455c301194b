//! Self sign-up: every request recorded for its limits, the organisation an address joins by
//! its rule, and the person it creates.

use bellhop_proto::{Language, OrgId, Role, SignUpRule, UserId};

use super::{NewUser, PasswordLink, Store, now_ms, parse_id};
use crate::error::Result;

impl Store {
    /// Records that a sign-up with `email` was asked for from `addr`.
    pub async fn record_sign_up(&self, email: &str, addr: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO sign_ups (id, email, client_addr, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(email)
        .bind(addr)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The organisation a sign-up with `email` joins: the one whose domain it is, when that one
    /// takes sign-ups from its domains; the holding organisation, when no organisation has the
    /// domain; none otherwise (an organisation that invites keeps its domain's people out of
    /// the holding one).
    pub async fn sign_up_org(&self, email: &str) -> Result<Option<OrgId>> {
        let domain = email.rsplit('@').next().unwrap_or_default();
        let owner: Option<(String, String)> = sqlx::query_as(
            "SELECT o.id, o.sign_up FROM org_domains d JOIN orgs o ON o.id = d.org_id WHERE d.domain = $1",
        )
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?;
        let org = match owner {
            Some((id, rule)) => {
                (SignUpRule::from_stored(&rule) == SignUpRule::Domain).then_some(id)
            }
            None => {
                sqlx::query_scalar("SELECT id FROM orgs WHERE sign_up = 'anyone'")
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        org.as_deref().map(parse_id).transpose()
    }

    /// A person who signed up: an end user of `org` with portal access, with the welcome mail
    /// to choose a password (`link`), audited as their own doing. `None` when the address has an
    /// account already (one made meanwhile).
    pub async fn sign_up_user(
        &self,
        name: &str,
        email: &str,
        language: Language,
        org: OrgId,
        link: &PasswordLink,
    ) -> Result<Option<UserId>> {
        let id = UserId::new();
        let mut tx = self.begin().await?;
        let taken: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Ok(None);
        }
        Self::insert_user_in(
            &mut tx,
            id,
            &NewUser {
                name,
                email,
                role: Role::EndUser,
                org_id: Some(org),
                phone: None,
                password_hash: None,
                language,
                portal_access: true,
            },
        )
        .await?;
        Self::send_password_link_in(&mut tx, id, email, link).await?;
        let detail = format!("{name} <{email}> signed up from the portal; welcome email sent");
        Self::record_audit_by(&mut tx, id, "user.sign_up", &id.to_string(), &detail).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A person the desktop app knows, who signs up: when the desk never decided about their
    /// portal access (they have none, never had a password, and are switched on) and `org` is
    /// theirs, they get it now, with the welcome mail to choose a password (`link`), audited as
    /// their own doing. False otherwise (nothing changes).
    pub async fn sign_up_known(
        &self,
        user: UserId,
        email: &str,
        org: OrgId,
        link: &PasswordLink,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let given = sqlx::query(
            "UPDATE users SET portal_access = 1
             WHERE id = $1 AND org_id = $2 AND portal_access = 0 AND password_hash IS NULL
               AND portal_access_taken_at IS NULL AND disabled_at IS NULL",
        )
        .bind(user.to_string())
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !given {
            return Ok(false);
        }
        Self::send_password_link_in(&mut tx, user, email, link).await?;
        let detail = format!("{email} signed up from the portal; welcome email sent");
        Self::record_audit_by(&mut tx, user, "user.sign_up", &user.to_string(), &detail).await?;
        tx.commit().await?;
        Ok(true)
    }
}
