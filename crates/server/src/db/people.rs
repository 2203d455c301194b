//! The console's management of organisations and people: create and edit them, rotate an
//! organisation's enrolment key, give or take portal access. Every change is audited in its own
//! transaction.

use bellhop_proto::{
    BrandSettings, Org, OrgId, OrgInput, Role, SignUpRule, User, UserId, UserInput,
};

use super::console::phone_digits;
use super::{Caller, Store, now_ms};
use crate::error::{AppError, Result};
use crate::letters::Email;

/// A link to choose a password, sent with a change: the token's hash, how long it lives, and
/// the message that carries it.
pub struct PasswordLink {
    pub token_hash: String,
    pub ttl_ms: i64,
    pub mail: Email,
}

impl Store {
    async fn domains_free(
        tx: &mut sqlx::AnyConnection,
        domains: &[String],
        except: Option<OrgId>,
    ) -> Result<()> {
        for domain in domains {
            let owner: Option<String> =
                sqlx::query_scalar("SELECT org_id FROM org_domains WHERE domain = $1")
                    .bind(domain)
                    .fetch_optional(&mut *tx)
                    .await?;
            if owner.is_some_and(|o| Some(o) != except.map(|e| e.to_string())) {
                return Err(AppError::conflict(format!(
                    "{domain} already belongs to another organisation"
                )));
            }
        }
        Ok(())
    }

    async fn set_domains(
        tx: &mut sqlx::AnyConnection,
        org: OrgId,
        domains: &[String],
    ) -> Result<()> {
        sqlx::query("DELETE FROM org_domains WHERE org_id = $1")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        for d in domains {
            sqlx::query("INSERT INTO org_domains (domain, org_id) VALUES ($1, $2)")
                .bind(d)
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    /// A new organisation with its (hashed) enrolment key. `input.domains` must be normalised.
    pub async fn create_org(
        &self,
        actor: &Caller,
        input: &OrgInput,
        key_hash: &str,
    ) -> Result<Org> {
        let id = OrgId::new();
        let mut tx = self.begin().await?;
        Self::domains_free(&mut tx, &input.domains, None).await?;
        Self::holding_free(&mut tx, input.sign_up, None).await?;
        sqlx::query(
            "INSERT INTO orgs (id, name, enrol_key_hash, auto_activate, sign_up, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(input.name.trim())
        .bind(key_hash)
        .bind(i64::from(input.auto_activate))
        .bind(input.sign_up.as_str())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        Self::set_domains(&mut tx, id, &input.domains).await?;
        let detail = format!("created the organisation {}", input.name.trim());
        Self::record_audit(&mut tx, actor, "org.create", &id.to_string(), &detail).await?;
        tx.commit().await?;
        self.org(id).await
    }

    /// Renames an organisation, replaces its domains and its activation rule.
    pub async fn update_org(&self, actor: &Caller, id: OrgId, input: &OrgInput) -> Result<Org> {
        let mut tx = self.begin().await?;
        Self::domains_free(&mut tx, &input.domains, Some(id)).await?;
        Self::holding_free(&mut tx, input.sign_up, Some(id)).await?;
        let done = sqlx::query(
            "UPDATE orgs SET name = $1, auto_activate = $2, sign_up = $3 WHERE id = $4",
        )
        .bind(input.name.trim())
        .bind(i64::from(input.auto_activate))
        .bind(input.sign_up.as_str())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::not_found(format!("no organisation {id}")));
        }
        Self::set_domains(&mut tx, id, &input.domains).await?;
        let detail = format!(
            "{}: domains {}, new devices {}, {}",
            input.name.trim(),
            if input.domains.is_empty() {
                "none".to_owned()
            } else {
                input.domains.join(", ")
            },
            if input.auto_activate {
                "active at once"
            } else {
                "wait for activation"
            },
            match input.sign_up {
                SignUpRule::Invite => "sign-up by invitation",
                SignUpRule::Domain => "sign-up open to its domains",
                SignUpRule::Anyone => "holds sign-ups of any other domain",
            }
        );
        Self::record_audit(&mut tx, actor, "org.update", &id.to_string(), &detail).await?;
        tx.commit().await?;
        self.org(id).await
    }

    /// An organisation's own brand, if it set one; `Err` not found for an unknown organisation.
    pub async fn org_brand(&self, id: OrgId) -> Result<Option<BrandSettings>> {
        let row: Option<(Option<String>,)> = sqlx::query_as("SELECT brand FROM orgs WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some((brand,)) = row else {
            return Err(AppError::not_found(format!("no organisation {id}")));
        };
        brand
            .map(|json| {
                serde_json::from_str(&json).map_err(|e| {
                    AppError::Other(anyhow::anyhow!(
                        "organisation {id}'s stored brand is unreadable: {e}"
                    ))
                })
            })
            .transpose()
    }

    /// Sets an organisation's own brand (checked by the caller), or with `None` lets it wear the
    /// desk's again; audited.
    pub async fn save_org_brand(
        &self,
        actor: &Caller,
        id: OrgId,
        brand: Option<&BrandSettings>,
    ) -> Result<()> {
        let json = brand
            .map(serde_json::to_string)
            .transpose()
            .map_err(anyhow::Error::from)?;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE orgs SET brand = $1 WHERE id = $2")
            .bind(json.clone())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::not_found(format!("no organisation {id}")));
        }
        let detail = json.unwrap_or_else(|| "the desk's brand".to_owned());
        Self::record_audit(&mut tx, actor, "org.brand", &id.to_string(), &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces an organisation's enrolment key; devices enrolled before keep working.
    pub async fn rotate_enrolment_key(
        &self,
        actor: &Caller,
        id: OrgId,
        key_hash: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE orgs SET enrol_key_hash = $1 WHERE id = $2")
            .bind(key_hash)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::not_found(format!("no organisation {id}")));
        }
        Self::record_audit(
            &mut tx,
            actor,
            "org.enrolment_key",
            &id.to_string(),
            "issued a new enrolment key",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn org(&self, id: OrgId) -> Result<Org> {
        self.list_orgs()
            .await?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or_else(|| AppError::not_found(format!("no organisation {id}")))
    }

    /// Refuses a second organisation holding the sign-ups of other domains.
    async fn holding_free(
        tx: &mut sqlx::AnyConnection,
        rule: SignUpRule,
        except: Option<OrgId>,
    ) -> Result<()> {
        if rule != SignUpRule::Anyone {
            return Ok(());
        }
        let holder: Option<(String, String)> =
            sqlx::query_as("SELECT id, name FROM orgs WHERE sign_up = 'anyone'")
                .fetch_optional(&mut *tx)
                .await?;
        match holder {
            Some((id, name)) if Some(id.clone()) != except.map(|e| e.to_string()) => {
                Err(AppError::conflict(format!(
                    "{name} already holds the sign-ups of other domains: one organisation holds them"
                )))
            }
            _ => Ok(()),
        }
    }

    async fn email_free(
        tx: &mut sqlx::AnyConnection,
        email: &str,
        except: Option<UserId>,
    ) -> Result<()> {
        let owner: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
        if owner.is_some_and(|o| Some(o) != except.map(|e| e.to_string())) {
            return Err(AppError::conflict(format!(
                "{email} already has an account"
            )));
        }
        Ok(())
    }

    /// A person's organisation must exist: a request naming another is refused, not left to
    /// the foreign key.
    pub(super) async fn org_known(tx: &mut sqlx::AnyConnection, org: Option<OrgId>) -> Result<()> {
        let Some(org) = org else { return Ok(()) };
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(AppError::bad_request(format!("no organisation {org}")));
        }
        Ok(())
    }

    /// A new person; with `link`, a welcome email to choose their portal password.
    /// `input.email` must be normalised.
    pub async fn create_user(
        &self,
        actor: &Caller,
        input: &UserInput,
        link: Option<&PasswordLink>,
    ) -> Result<User> {
        let id = UserId::new();
        let mut tx = self.begin().await?;
        Self::email_free(&mut tx, &input.email, None).await?;
        Self::org_known(&mut tx, input.org_id).await?;
        Self::insert_user_in(
            &mut tx,
            id,
            &super::NewUser {
                name: input.name.trim(),
                email: &input.email,
                role: input.role,
                org_id: input.org_id,
                phone: input.phone.as_deref(),
                password_hash: None,
                language: input.language.unwrap_or_default(),
                portal_access: input.portal_access,
            },
        )
        .await?;
        if !input.portal_access {
            // The desk decided: a later sign-up does not give access (`sign_up_known`).
            Self::take_portal_access_in(&mut tx, id).await?;
        }
        if let Some(link) = link {
            Self::send_password_link_in(&mut tx, id, &input.email, link).await?;
        }
        let detail = format!(
            "created {} <{}> as {}{}",
            input.name.trim(),
            input.email,
            input.role.as_str(),
            if link.is_some() {
                ", welcome email sent"
            } else {
                ""
            }
        );
        Self::record_audit(&mut tx, actor, "user.create", &id.to_string(), &detail).await?;
        tx.commit().await?;
        self.user(id)
            .await?
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("created user vanished")))
    }

    /// Rewrites a person. Without portal access their password goes, their browser sessions
    /// end and their password links stop working; with `link`, they get an email to choose a
    /// password. A new email address voids every link and code sent to the old one. `notices`
    /// (the old address told of a new one, the person told their second factor went) are
    /// queued with the change.
    pub async fn update_user(
        &self,
        actor: &Caller,
        id: UserId,
        input: &UserInput,
        link: Option<&PasswordLink>,
        notices: &[Email],
    ) -> Result<User> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        Self::email_free(&mut tx, &input.email, Some(id)).await?;
        Self::org_known(&mut tx, input.org_id).await?;
        let before: Option<(String, i64)> =
            sqlx::query_as("SELECT email, portal_access FROM users WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((old_email, had_access)) = before else {
            return Err(AppError::not_found(format!("no user {id}")));
        };
        sqlx::query(
            "UPDATE users SET name = $1, email = $2, phone = $3, phone_digits = $4, role = $5,
                              org_id = $6, language = COALESCE($8, language), portal_access = $9
             WHERE id = $7",
        )
        .bind(input.name.trim())
        .bind(&input.email)
        .bind(input.phone.as_deref())
        .bind(input.phone.as_deref().map(phone_digits))
        .bind(input.role.as_str())
        .bind(input.org_id.map(|o| o.to_string()))
        .bind(id.to_string())
        .bind(input.language.map(|l| l.as_str()))
        .bind(i64::from(input.portal_access))
        .execute(&mut *tx)
        .await?;
        let phone = input.phone.as_deref().filter(|p| !p.trim().is_empty());
        Self::reset_second_factor_if_moved(&mut tx, actor, id, phone).await?;
        let moved = old_email != input.email;
        let revoked = had_access != 0 && !input.portal_access;
        if input.portal_access {
            sqlx::query("UPDATE users SET portal_access_taken_at = NULL WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        } else if revoked {
            Self::take_portal_access_in(&mut tx, id).await?;
        }
        if revoked {
            sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        if revoked || moved {
            Self::void_links_in(&mut tx, id, &old_email, now).await?;
        }
        if let Some(link) = link {
            Self::send_password_link_in(&mut tx, id, &input.email, link).await?;
        }
        for notice in notices {
            Self::queue_email_in(&mut tx, notice).await?;
        }
        let mut detail = format!(
            "{} <{}>: {}",
            input.name.trim(),
            input.email,
            input.role.as_str()
        );
        if moved {
            detail += &format!(", email changed from {old_email} (old address told)");
        }
        if revoked {
            detail += ", portal access removed";
        }
        if link.is_some() {
            detail += ", portal access given (link sent)";
        }
        Self::record_audit(&mut tx, actor, "user.update", &id.to_string(), &detail).await?;
        tx.commit().await?;
        if revoked {
            // Their browser sessions ended: open event streams check their callers again.
            self.access_changed().await?;
        }
        self.user(id)
            .await?
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("updated user vanished")))
    }

    /// Records a password link for the user and queues its email, inside the caller's
    /// transaction.
    pub(super) async fn send_password_link_in(
        tx: &mut sqlx::AnyConnection,
        user: UserId,
        email: &str,
        link: &PasswordLink,
    ) -> Result<()> {
        Self::insert_password_reset_in(tx, user, email, &link.token_hash, "console", link.ttl_ms)
            .await?;
        Self::queue_email_in(tx, &link.mail).await
    }

    /// Whether the user has portal access, and a password (for deciding whether access is being
    /// given).
    pub async fn has_password(&self, id: UserId) -> Result<bool> {
        let hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(matches!(hash, Some(Some(_))))
    }
}

/// What the server's command line did for `bellhop-server admin add`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminMade {
    /// A new person, the desk's admin.
    Created(UserId),
    /// A member of the desk (or an admin already) made admin, switched on again if they were off.
    Promoted(UserId),
    /// The address is a customer's: the desk's admin needs an address of their own.
    Customer,
}

impl Store {
    /// Makes the desk's admin from the server's command line, with a link to choose a password
    /// (`token_hash`, good for `ttl_ms`): a new person, or a member of the desk promoted.
    /// Audited in the person's own name, as done from the command line.
    pub async fn admin_from_command_line(
        &self,
        name: &str,
        email: &str,
        token_hash: &str,
        ttl_ms: i64,
    ) -> Result<AdminMade> {
        let mut tx = self.begin().await?;
        let known: Option<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, role, org_id FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
        let made = match known {
            Some((_, role, org))
                if org.is_some() || !Role::parse(&role).is_some_and(|r| r.is_staff()) =>
            {
                return Ok(AdminMade::Customer);
            }
            Some((id, _, _)) => {
                sqlx::query(
                    "UPDATE users SET role = 'admin', disabled_at = NULL, portal_access = 1 WHERE id = $1",
                )
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                AdminMade::Promoted(super::parse_id(&id)?)
            }
            None => {
                let id = UserId::new();
                Self::insert_user_in(
                    &mut tx,
                    id,
                    &super::NewUser {
                        name,
                        email,
                        role: Role::Admin,
                        org_id: None,
                        phone: None,
                        password_hash: None,
                        language: bellhop_proto::Language::default(),
                        portal_access: true,
                    },
                )
                .await?;
                AdminMade::Created(id)
            }
        };
        let (AdminMade::Created(id) | AdminMade::Promoted(id)) = made else {
            return Ok(made);
        };
        Self::insert_password_reset_in(&mut tx, id, email, token_hash, "command line", ttl_ms)
            .await?;
        Self::record_audit_by(
            &mut tx,
            id,
            "user.admin",
            &id.to_string(),
            &format!("{email} made the desk's admin from the server's command line"),
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }
}

impl Store {
    /// Marks that the desk decided `user` has no portal access.
    async fn take_portal_access_in(tx: &mut sqlx::AnyConnection, user: UserId) -> Result<()> {
        sqlx::query("UPDATE users SET portal_access_taken_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}
