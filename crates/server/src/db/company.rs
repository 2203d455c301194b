//! Signing in with a company account: each organisation's identity provider, which account at a
//! provider is which person, and the sign-ins under way. The rules are
//! `domain::company_sign_in`'s.

use bellhop_proto::{DeviceId, IdpKind, Language, OrgId, Role, UserId};
use sqlx::Row;

use super::{Caller, NewUser, Store, now_ms, parse_id};
use crate::error::{AppError, Result};

/// An organisation's identity provider as kept: the client secret still sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredIdp {
    pub kind: IdpKind,
    pub issuer: String,
    pub client_id: String,
    pub sealed_secret: Option<String>,
    pub tenant: Option<String>,
    pub password_sign_in: bool,
}

/// A sign-in under way, found by its state.
pub struct PendingSignIn {
    pub org: OrgId,
    pub pkce_verifier: String,
    pub nonce: String,
    /// The desktop app waiting for the answer, when an app began it.
    pub app: Option<AppReturn>,
}

/// A desktop app's sign-in (RFC 8252): its device, the loopback address it listens on, its own
/// PKCE challenge and the state it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppReturn {
    pub device: DeviceId,
    pub redirect: String,
    pub challenge: String,
    pub state: String,
}

/// The person a provider vouched for, as `company_person` found or made them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyPerson {
    /// May sign in: new (made now, of the organisation) or known.
    Found(UserId),
    /// The address is not of the organisation's domains, belongs to someone of another
    /// organisation, or its person is tied to another account at this provider.
    NotOfOrganisation,
    /// Switched off, or without portal access.
    NoAccess,
}

/// What a provider says of the person, once its token is checked.
pub struct Vouched<'a> {
    pub org: OrgId,
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub language: Language,
}

fn idp_from_row(row: &sqlx::any::AnyRow) -> Result<StoredIdp> {
    Ok(StoredIdp {
        kind: IdpKind::from_stored(&row.try_get::<String, _>("kind")?),
        issuer: row.try_get("issuer")?,
        client_id: row.try_get("client_id")?,
        sealed_secret: row.try_get("client_secret")?,
        tenant: row.try_get("tenant")?,
        password_sign_in: row.try_get::<i64, _>("password_sign_in")? != 0,
    })
}

impl Store {
    /// The organisation's identity provider, if it has one.
    pub async fn identity_provider(&self, org: OrgId) -> Result<Option<StoredIdp>> {
        sqlx::query("SELECT * FROM identity_providers WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(idp_from_row)
            .transpose()
    }

    /// The organisation whose domain `email` is at, with its identity provider, if it has one.
    pub async fn identity_provider_for(&self, email: &str) -> Result<Option<(OrgId, StoredIdp)>> {
        let domain = email.rsplit('@').next().unwrap_or_default();
        let row = sqlx::query(
            "SELECT i.* FROM org_domains d JOIN identity_providers i ON i.org_id = d.org_id
             WHERE d.domain = $1",
        )
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                parse_id(&r.try_get::<String, _>("org_id")?)?,
                idp_from_row(&r)?,
            ))
        })
        .transpose()
    }

    /// Connects or changes an organisation's identity provider; a secret left out keeps the one
    /// kept. Audited; 404 for an unknown organisation.
    pub async fn set_identity_provider(
        &self,
        caller: &Caller,
        org: OrgId,
        idp: &StoredIdp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM orgs WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(AppError::not_found("no such organisation"));
        }
        sqlx::query(
            "INSERT INTO identity_providers
                 (org_id, kind, issuer, client_id, client_secret, tenant, password_sign_in, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (org_id) DO UPDATE SET kind = excluded.kind, issuer = excluded.issuer,
                 client_id = excluded.client_id,
                 client_secret = COALESCE(excluded.client_secret, identity_providers.client_secret),
                 tenant = excluded.tenant, password_sign_in = excluded.password_sign_in,
                 updated_at = excluded.updated_at",
        )
        .bind(org.to_string())
        .bind(idp.kind.as_str())
        .bind(&idp.issuer)
        .bind(&idp.client_id)
        .bind(&idp.sealed_secret)
        .bind(&idp.tenant)
        .bind(i64::from(idp.password_sign_in))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let detail = format!(
            "{} {} (client {}){}; password sign-in {}",
            idp.kind.as_str(),
            idp.issuer,
            idp.client_id,
            if idp.sealed_secret.is_some() {
                ", new client secret"
            } else {
                ""
            },
            if idp.password_sign_in { "on" } else { "off" },
        );
        Self::record_audit(
            &mut tx,
            caller,
            "org.identity_provider",
            &org.to_string(),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disconnects an organisation's identity provider (password sign-in is on again for its
    /// people). False when it had none. Audited.
    pub async fn delete_identity_provider(&self, caller: &Caller, org: OrgId) -> Result<bool> {
        let mut tx = self.begin().await?;
        let gone = sqlx::query("DELETE FROM identity_providers WHERE org_id = $1")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if gone {
            Self::record_audit(
                &mut tx,
                caller,
                "org.identity_provider",
                &org.to_string(),
                "disconnected; password sign-in on",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(gone)
    }

    /// Whether the person may sign in with a password: not when their organisation signs in
    /// with its identity provider alone.
    pub async fn password_sign_in_allowed(&self, user: UserId) -> Result<bool> {
        let off: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM users u JOIN identity_providers i ON i.org_id = u.org_id
             WHERE u.id = $1 AND i.password_sign_in = 0",
        )
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(off.is_none())
    }

    /// Keeps a sign-in under way, found later by the hash of its state.
    pub async fn begin_company_sign_in(
        &self,
        state_hash: &str,
        org: OrgId,
        pkce_verifier: &str,
        nonce: &str,
        app: Option<&AppReturn>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO company_sign_ins (state_hash, org_id, pkce_verifier, nonce, created_at,
                                           device_id, app_redirect, app_challenge, app_state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(state_hash)
        .bind(org.to_string())
        .bind(pkce_verifier)
        .bind(nonce)
        .bind(now_ms())
        .bind(app.map(|a| a.device.to_string()))
        .bind(app.map(|a| a.redirect.as_str()))
        .bind(app.map(|a| a.challenge.as_str()))
        .bind(app.map(|a| a.state.as_str()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The sign-in under way with this state, begun less than `ttl_ms` ago, taken once: the
    /// provider's answer comes back to it once, whatever comes of it.
    pub async fn take_company_sign_in(
        &self,
        state_hash: &str,
        ttl_ms: i64,
    ) -> Result<Option<PendingSignIn>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT org_id, pkce_verifier, nonce, device_id, app_redirect, app_challenge, app_state
             FROM company_sign_ins
             WHERE state_hash = $1 AND spent = 0 AND created_at > $2",
        )
        .bind(state_hash)
        .bind(now_ms() - ttl_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        // Spent: a second answer with the same state finds nothing.
        sqlx::query("UPDATE company_sign_ins SET pkce_verifier = '', nonce = '', spent = 1 WHERE state_hash = $1")
            .bind(state_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let app = match row.try_get::<Option<String>, _>("device_id")? {
            Some(device) => Some(AppReturn {
                device: parse_id(&device)?,
                redirect: row
                    .try_get::<Option<String>, _>("app_redirect")?
                    .unwrap_or_default(),
                challenge: row
                    .try_get::<Option<String>, _>("app_challenge")?
                    .unwrap_or_default(),
                state: row
                    .try_get::<Option<String>, _>("app_state")?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        Ok(Some(PendingSignIn {
            org: parse_id(&row.try_get::<String, _>("org_id")?)?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            nonce: row.try_get("nonce")?,
            app,
        }))
    }

    /// Hands the person a provider vouched for to the single-use ticket the portal redeems.
    pub async fn vouch_company_sign_in(
        &self,
        state_hash: &str,
        ticket_hash: &str,
        user: UserId,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE company_sign_ins SET ticket_hash = $1, user_id = $2, created_at = $3
             WHERE state_hash = $4",
        )
        .bind(ticket_hash)
        .bind(user.to_string())
        .bind(now_ms())
        .bind(state_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The person of a portal's ticket handed out less than `ttl_ms` ago, once: the ticket is
    /// gone after. A desktop app's ticket is not the portal's.
    pub async fn redeem_company_ticket(
        &self,
        ticket_hash: &str,
        ttl_ms: i64,
    ) -> Result<Option<UserId>> {
        Ok(self
            .redeem(ticket_hash, None, ttl_ms)
            .await?
            .map(|(user, _)| user))
    }

    /// The person of a desktop app's ticket for `device`, with the app's PKCE challenge, once:
    /// the ticket is gone after, whatever the verifier proves.
    pub async fn redeem_app_ticket(
        &self,
        ticket_hash: &str,
        device: DeviceId,
        ttl_ms: i64,
    ) -> Result<Option<(UserId, String)>> {
        Ok(self
            .redeem(ticket_hash, Some(device), ttl_ms)
            .await?
            .map(|(user, challenge)| (user, challenge.unwrap_or_default())))
    }

    async fn redeem(
        &self,
        ticket_hash: &str,
        device: Option<DeviceId>,
        ttl_ms: i64,
    ) -> Result<Option<(UserId, Option<String>)>> {
        let mut tx = self.begin().await?;
        let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT user_id, device_id, app_challenge FROM company_sign_ins
             WHERE ticket_hash = $1 AND created_at > $2",
        )
        .bind(ticket_hash)
        .bind(now_ms() - ttl_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((Some(user), of_device, challenge)) = row else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM company_sign_ins WHERE ticket_hash = $1")
            .bind(ticket_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if of_device != device.map(|d| d.to_string()) {
            return Ok(None);
        }
        Ok(Some((parse_id(&user)?, challenge)))
    }

    /// The person a provider vouched for: the one its account was tied to before; else the
    /// organisation's person with that address, now tied to the account; else a new end user of
    /// the organisation, when the address is at one of its domains. Made and tied people are
    /// audited in their own name. They must be switched on, and for the portal (`portal`) have
    /// portal access; a desktop app's sign-in asks only the first, as its emailed token does.
    pub async fn company_person(&self, v: &Vouched<'_>, portal: bool) -> Result<CompanyPerson> {
        let mut tx = self.begin().await?;
        let org = v.org.to_string();
        let tied: Option<String> = sqlx::query_scalar(
            "SELECT user_id FROM company_identities WHERE org_id = $1 AND issuer = $2 AND subject = $3",
        )
        .bind(&org)
        .bind(v.issuer)
        .bind(v.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let user = match tied {
            Some(id) => parse_id(&id)?,
            None => match self.untied_person(&mut tx, v).await? {
                Ok(user) => user,
                Err(refused) => return Ok(refused),
            },
        };
        let may: Option<i64> = sqlx::query_scalar(if portal {
            concat!(
                "SELECT 1 FROM users u WHERE u.id = $1 AND ",
                may_use_portal!()
            )
        } else {
            concat!("SELECT 1 FROM users u WHERE u.id = $1 AND ", may_act!())
        })
        .bind(user.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if may.is_none() {
            tx.rollback().await?;
            return Ok(CompanyPerson::NoAccess);
        }
        tx.commit().await?;
        Ok(CompanyPerson::Found(user))
    }

    /// [`Self::company_person`] for an account not tied to anyone yet.
    async fn untied_person(
        &self,
        tx: &mut sqlx::AnyConnection,
        v: &Vouched<'_>,
    ) -> Result<std::result::Result<UserId, CompanyPerson>> {
        let org = v.org.to_string();
        let domain = v.email.rsplit('@').next().unwrap_or_default();
        let of_org: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM org_domains WHERE org_id = $1 AND domain = $2")
                .bind(&org)
                .bind(domain)
                .fetch_optional(&mut *tx)
                .await?;
        let known = sqlx::query("SELECT id, org_id FROM users WHERE email = $1")
            .bind(v.email)
            .fetch_optional(&mut *tx)
            .await?;
        let user = match known {
            Some(row) => {
                let their_org: Option<String> = row.try_get("org_id")?;
                if their_org.as_deref() != Some(org.as_str()) {
                    return Ok(Err(CompanyPerson::NotOfOrganisation));
                }
                let id: UserId = parse_id(&row.try_get::<String, _>("id")?)?;
                // Tied to another account at this provider already: this account is not them.
                let other: Option<i64> = sqlx::query_scalar(
                    "SELECT 1 FROM company_identities WHERE user_id = $1 AND org_id = $2 AND issuer = $3",
                )
                .bind(id.to_string())
                .bind(&org)
                .bind(v.issuer)
                .fetch_optional(&mut *tx)
                .await?;
                if other.is_some() {
                    return Ok(Err(CompanyPerson::NotOfOrganisation));
                }
                let detail = format!(
                    "{} signed in with their company account for the first time",
                    v.email
                );
                Self::record_audit_by(
                    &mut *tx,
                    id,
                    "user.company_sign_in",
                    &id.to_string(),
                    &detail,
                )
                .await?;
                id
            }
            None if of_org.is_some() => {
                let id = UserId::new();
                Self::insert_user_in(
                    &mut *tx,
                    id,
                    &NewUser {
                        name: v.name,
                        email: v.email,
                        role: Role::EndUser,
                        org_id: Some(v.org),
                        phone: None,
                        password_hash: None,
                        language: v.language,
                        portal_access: true,
                    },
                )
                .await?;
                let detail = format!("{} <{}> joined with their company account", v.name, v.email);
                Self::record_audit_by(
                    &mut *tx,
                    id,
                    "user.company_sign_up",
                    &id.to_string(),
                    &detail,
                )
                .await?;
                id
            }
            None => return Ok(Err(CompanyPerson::NotOfOrganisation)),
        };
        sqlx::query(
            "INSERT INTO company_identities (org_id, issuer, subject, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&org)
        .bind(v.issuer)
        .bind(v.subject)
        .bind(user.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        Ok(Ok(user))
    }
}
