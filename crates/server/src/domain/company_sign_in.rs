//! Signing in with a company account: OpenID Connect's authorization code flow with PKCE,
//! against the identity provider of the organisation whose domain the person's address is at.
//!
//! 1. `start`: the provider's metadata is discovered from its issuer; a state, a nonce and a
//!    PKCE verifier are made and kept (the state only as its hash); the browser is sent to the
//!    provider with the address as `login_hint`.
//! 2. `callback`: the provider sends the browser back with a code. The state is taken once; the
//!    code is exchanged with the verifier; the ID token's signature (against the provider's
//!    published keys), issuer, audience, expiry and nonce are checked by `openidconnect`; then
//!    the presets' tenant, the verified email, and the person (`db::company_person`). The
//!    browser goes back to the portal with a single-use ticket, or with the reason it failed.
//! 3. `finish`: the portal trades the ticket for a session, once, within two minutes.
//!
//! The session token never travels in an address: the ticket does, in the portal's fragment
//! (which browsers send to no server), and it is worth nothing once used.
//!
//! A desktop app confirms who uses it the same way (RFC 8252): it listens on a loopback address
//! and sends the system browser to `start_app`'s address; the callback sends the browser on to
//! the app with the ticket as `code`, and `finish_app` gives the person's credential on that
//! device to the app that proves, with its own PKCE verifier, that it asked.

use std::sync::LazyLock;
use std::time::Duration;

use bellhop_proto::{
    AppCompanySignInFinish, AppCompanySignInStart, CompanySignInError, CompanySignInFinish,
    CompanySignInRedirect, CompanySignInStart, DeviceCredential, Email, IdentityProvider,
    IdentityProviderInput, IdpKind, Language, LoginResponse, Name, OrgId, UserId,
};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IdToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::db::{
    AppReturn, Caller, CompanyPerson, DeviceCaller, PendingSignIn, StoredIdp, Vouched,
};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::tokens::{
    COMPANY_TICKET_PREFIX, DEVICE_CREDENTIAL_PREFIX, SESSION_PREFIX, SESSION_TTL_MS, new_token,
    token_hash,
};

/// How long a person has at their provider before the sign-in lapses.
pub const SIGN_IN_TTL_MS: i64 = 10 * 60 * 1000;
/// How long the portal has to trade the ticket for a session.
pub const TICKET_TTL_MS: i64 = 2 * 60 * 1000;
/// The most a provider may take to answer one request.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// The path the provider sends people back to, under the public address.
pub const CALLBACK_PATH: &str = "/api/v1/auth/company/callback";

/// What the presets check besides the standard: Entra's tenant (`tid`) and its sign that the
/// address's domain is the tenant's own (`xms_edov`), Google's hosted domain (`hd`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CompanyClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    xms_edov: Option<serde_json::Value>,
}

impl AdditionalClaims for CompanyClaims {}

type CompanyIdToken = IdToken<
    CompanyClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// One client for every provider: no redirects followed (a provider's answer is read as it is,
/// never fetched from where it points), and bounded in time. `None` when it cannot be built:
/// then no provider is asked, rather than asked by a client without those bounds.
static HTTP: LazyLock<Option<reqwest::Client>> = LazyLock::new(|| {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(PROVIDER_TIMEOUT)
        .connect_timeout(PROVIDER_TIMEOUT)
        .build()
        .map_err(
            |e| tracing::error!(error = %e, "the client for identity providers cannot be built"),
        )
        .ok()
});

/// The client for identity providers, or why there is none.
fn http() -> std::result::Result<&'static reqwest::Client, CompanySignInError> {
    HTTP.as_ref().ok_or(CompanySignInError::Unreachable)
}

/// The address providers send people back to.
pub fn redirect_uri(state: &AppState) -> String {
    format!("{}{CALLBACK_PATH}", state.public_url.trim_end_matches('/'))
}

/// An organisation's identity provider as the console shows it.
pub async fn provider(state: &AppState, org: OrgId) -> Result<IdentityProvider> {
    let idp = state
        .store
        .identity_provider(org)
        .await?
        .ok_or_else(|| AppError::not_found("this organisation has no identity provider"))?;
    Ok(shown(state, idp))
}

/// An organisation's identity provider as the console shows it (never its secret).
pub fn shown(state: &AppState, idp: StoredIdp) -> IdentityProvider {
    IdentityProvider {
        kind: idp.kind,
        issuer: idp.issuer,
        client_id: idp.client_id,
        has_secret: idp.sealed_secret.is_some(),
        tenant: idp.tenant,
        password_sign_in: idp.password_sign_in,
        redirect_uri: redirect_uri(state),
    }
}

/// Connects or changes an organisation's identity provider (admins only; the route checks the
/// organisation exists). The issuer must be HTTPS, or HTTP on this machine's loopback (a
/// provider for testing); the presets need their tenant; the secret is sealed.
pub async fn set_provider(
    state: &AppState,
    caller: &Caller,
    org: OrgId,
    input: IdentityProviderInput,
) -> Result<IdentityProvider> {
    super::require_admin(caller, "connect identity providers")?;
    let tenant = input
        .tenant
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let issuer = match (input.issuer.as_deref().map(str::trim), input.kind) {
        (Some(issuer), _) if !issuer.is_empty() => issuer.trim_end_matches('/').to_owned(),
        (_, kind) => match (kind, &tenant) {
            (IdpKind::Oidc, _) => {
                return Err(AppError::bad_request(
                    "give the provider's issuer (its discovery document is at {issuer}/.well-known/openid-configuration)",
                ));
            }
            (kind, Some(tenant)) => kind.preset_issuer(tenant).unwrap_or_default(),
            (_, None) => String::new(),
        },
    };
    if input.kind != IdpKind::Oidc && tenant.is_none() {
        return Err(AppError::bad_request(match input.kind {
            IdpKind::Entra => {
                "give the Entra ID tenant (directory) id: tokens of other tenants are refused"
            }
            _ => "give the Google Workspace domain: accounts of other domains are refused",
        }));
    }
    check_issuer(&issuer)?;
    let client_id = input.client_id.trim();
    if client_id.is_empty() || client_id.len() > 500 {
        return Err(AppError::bad_request(
            "give the client id the provider issued",
        ));
    }
    let sealed_secret = match input.client_secret.as_deref().map(str::trim) {
        Some(secret) if secret.len() > 1000 => {
            return Err(AppError::bad_request("the client secret is too long"));
        }
        Some(secret) if !secret.is_empty() => Some(state.secrets.seal(secret.as_bytes())?),
        _ => None,
    };
    let idp = StoredIdp {
        kind: input.kind,
        issuer,
        client_id: client_id.to_owned(),
        sealed_secret,
        tenant,
        password_sign_in: input.password_sign_in,
    };
    state.store.set_identity_provider(caller, org, &idp).await?;
    provider(state, org).await
}

/// An issuer Bellhop will fetch from: HTTPS, or HTTP to this machine's loopback only.
fn check_issuer(issuer: &str) -> Result<()> {
    let bad = || {
        AppError::bad_request(
            "the issuer must be an https:// address (http:// only for a provider on this machine)",
        )
    };
    let url = url::Url::parse(issuer).map_err(|_| bad())?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(bad()),
    }
}

/// The provider's client for an organisation, from its discovery document.
async fn client(
    state: &AppState,
    idp: &StoredIdp,
) -> std::result::Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    CompanySignInError,
> {
    let issuer = IssuerUrl::new(idp.issuer.clone()).map_err(|_| CompanySignInError::Invalid)?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http()?)
        .await
        .map_err(|e| {
            tracing::warn!(issuer = %idp.issuer, error = %e, "the identity provider's discovery failed");
            CompanySignInError::Unreachable
        })?;
    let secret = match &idp.sealed_secret {
        Some(sealed) => {
            let bytes = state.secrets.open(sealed).map_err(|e| {
                tracing::error!(error = %e, "an identity provider's client secret does not open");
                CompanySignInError::Invalid
            })?;
            Some(ClientSecret::new(
                String::from_utf8(bytes).map_err(|_| CompanySignInError::Invalid)?,
            ))
        }
        None => None,
    };
    let redirect =
        RedirectUrl::new(redirect_uri(state)).map_err(|_| CompanySignInError::Invalid)?;
    Ok(
        CoreClient::from_provider_metadata(metadata, ClientId::new(idp.client_id.clone()), secret)
            .set_redirect_uri(redirect),
    )
}

/// Begins a sign-in for the address the person typed: where to send their browser.
#[tracing::instrument(skip_all)]
pub async fn start(state: &AppState, req: CompanySignInStart) -> Result<CompanySignInRedirect> {
    begin(state, &req.email, None).await
}

/// Begins a desktop app's sign-in (RFC 8252): the app listens on a loopback address of its
/// computer and proves with its own PKCE verifier, when it trades the code, that it asked.
#[tracing::instrument(skip_all, fields(device = %device.id))]
pub async fn start_app(
    state: &AppState,
    device: &DeviceCaller,
    req: AppCompanySignInStart,
) -> Result<CompanySignInRedirect> {
    crate::domain::devices::require_active(device)?;
    check_loopback(&req.redirect_uri)?;
    let challenge = req.code_challenge.trim();
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::bad_request(
            "code_challenge must be an S256 PKCE challenge (43 characters of base64url)",
        ));
    }
    if req.state.is_empty() || req.state.len() > 200 {
        return Err(AppError::bad_request("state must be 1 to 200 characters"));
    }
    let app = AppReturn {
        device: device.id,
        redirect: req.redirect_uri,
        challenge: challenge.to_owned(),
        state: req.state,
    };
    begin(state, &req.email, Some(app)).await
}

/// A redirect address on this computer only (RFC 8252, 7.3): plain HTTP to a loopback IP
/// literal, with a port.
fn check_loopback(uri: &str) -> Result<()> {
    let bad = || {
        AppError::bad_request(
            "redirect_uri must be http://127.0.0.1:<port>/… or http://[::1]:<port>/…",
        )
    };
    let url = url::Url::parse(uri).map_err(|_| bad())?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if url.scheme() != "http" || !loopback || url.port().is_none() || uri.len() > 300 {
        return Err(bad());
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(bad());
    }
    Ok(())
}

async fn begin(
    state: &AppState,
    email: &str,
    app: Option<AppReturn>,
) -> Result<CompanySignInRedirect> {
    let email = Email::parse(email)?.into_string();
    let Some((org, idp)) = state.store.identity_provider_for(&email).await? else {
        return Err(AppError::not_found(
            "there is no company sign-in for this address: sign in with your password",
        ));
    };
    let client = client(state, &idp).await.map_err(|_| {
        AppError::client(
            bellhop_proto::ErrorCode::Unavailable,
            "your company's identity provider cannot be reached; try again in a moment",
        )
    })?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .add_extra_param("login_hint", email.clone());
    if idp.kind == IdpKind::Google
        && let Some(domain) = &idp.tenant
    {
        // Google's account chooser shows only the Workspace's accounts (the token is checked
        // all the same).
        request = request.add_extra_param("hd", domain.clone());
    }
    let (url, csrf, nonce) = request.url();
    state
        .store
        .begin_company_sign_in(
            &token_hash(csrf.secret()),
            org,
            verifier.secret(),
            nonce.secret(),
            app.as_ref(),
        )
        .await?;
    Ok(CompanySignInRedirect {
        url: url.to_string(),
    })
}

/// What came back from the provider (the callback's query).
#[derive(Debug, Default, Deserialize)]
pub struct ProviderAnswer {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
}

/// Ends a sign-in with the provider's answer: where the browser goes next. The portal with a
/// ticket or with the reason; for a desktop app's sign-in, the app's loopback address with the
/// ticket as `code` (or the reason as `error`) and the app's state.
#[tracing::instrument(skip_all)]
pub async fn callback(state: &AppState, answer: ProviderAnswer) -> Result<String> {
    let portal = state.public_url.trim_end_matches('/');
    let (outcome, app) = vouched(state, answer).await?;
    if let Err(why) = &outcome {
        tracing::info!(reason = why.as_str(), "a company sign-in failed");
    }
    Ok(match (outcome, app) {
        (outcome, Some(app)) => {
            let mut back = url::Url::parse(&app.redirect)
                .map_err(|e| AppError::Other(anyhow::anyhow!("a kept loopback address: {e}")))?;
            let (key, value) = match &outcome {
                Ok(ticket) => ("code", ticket.as_str()),
                Err(why) => ("error", why.as_str()),
            };
            back.query_pairs_mut()
                .append_pair(key, value)
                .append_pair("state", &app.state);
            back.to_string()
        }
        (Ok(ticket), None) => format!("{portal}/#/company-sign-in?ticket={ticket}"),
        (Err(why), None) => format!("{portal}/#/login?company_error={}", why.as_str()),
    })
}

type Outcome = std::result::Result<String, CompanySignInError>;

async fn vouched(state: &AppState, answer: ProviderAnswer) -> Result<(Outcome, Option<AppReturn>)> {
    let Some(state_hash) = answer
        .state
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .map(|s| token_hash(&s))
    else {
        return Ok((Err(CompanySignInError::Expired), None));
    };
    let Some(pending) = state
        .store
        .take_company_sign_in(&state_hash, SIGN_IN_TTL_MS)
        .await?
    else {
        return Ok((Err(CompanySignInError::Expired), None));
    };
    let app = pending.app.clone();
    let outcome = match (answer.error, answer.code) {
        (None, Some(code)) if !code.is_empty() && code.len() <= 4096 => {
            vouch(state, &state_hash, &pending, code).await?
        }
        _ => Err(CompanySignInError::Refused),
    };
    Ok((outcome, app))
}

async fn vouch(
    state: &AppState,
    state_hash: &str,
    pending: &PendingSignIn,
    code: String,
) -> Result<Outcome> {
    let Some(idp) = state.store.identity_provider(pending.org).await? else {
        return Ok(Err(CompanySignInError::Refused));
    };
    let person = match identify(state, &idp, pending.org, code, pending).await {
        Ok(person) => person,
        Err(why) => return Ok(Err(why)),
    };
    let vouched = person.vouched(pending.org, &idp);
    let user = match state
        .store
        .company_person(&vouched, pending.app.is_none())
        .await?
    {
        CompanyPerson::Found(user) => user,
        CompanyPerson::NotOfOrganisation => return Ok(Err(CompanySignInError::NotOfOrganisation)),
        CompanyPerson::NoAccess => return Ok(Err(CompanySignInError::NoAccess)),
    };
    let ticket = new_token(COMPANY_TICKET_PREFIX);
    state
        .store
        .vouch_company_sign_in(state_hash, &token_hash(&ticket), user)
        .await?;
    tracing::info!(%user, org = %pending.org, app = pending.app.is_some(), "a provider vouched for a person");
    Ok(Ok(ticket))
}

/// The person as the provider's checked ID token says.
struct Identified {
    subject: String,
    email: String,
    name: String,
    language: Language,
}

impl Identified {
    fn vouched<'a>(&'a self, org: OrgId, idp: &'a StoredIdp) -> Vouched<'a> {
        Vouched {
            org,
            issuer: &idp.issuer,
            subject: &self.subject,
            email: &self.email,
            name: &self.name,
            language: self.language,
        }
    }
}

/// Trades the code for the ID token and checks it, then what the presets ask of it.
async fn identify(
    state: &AppState,
    idp: &StoredIdp,
    org: OrgId,
    code: String,
    pending: &PendingSignIn,
) -> std::result::Result<Identified, CompanySignInError> {
    let client = client(state, idp).await?;
    let exchange = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| CompanySignInError::Invalid)?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
    let answer = exchange.request_async(http()?).await.map_err(|e| {
        tracing::warn!(%org, error = %e, "the identity provider refused the code");
        match e {
            openidconnect::RequestTokenError::Request(_) => CompanySignInError::Unreachable,
            _ => CompanySignInError::Invalid,
        }
    })?;
    let token: CompanyIdToken = answer
        .id_token()
        .ok_or(CompanySignInError::Invalid)?
        .to_string()
        .parse()
        .map_err(|_| CompanySignInError::Invalid)?;
    let verifier = client.id_token_verifier();
    let claims = token
        .claims(&verifier, &Nonce::new(pending.nonce.clone()))
        .map_err(|e| {
            tracing::warn!(%org, error = %e, "an ID token did not hold up");
            CompanySignInError::Invalid
        })?;
    let extra = claims.additional_claims();
    let tenant_holds = match idp.kind {
        IdpKind::Oidc => true,
        IdpKind::Entra => extra.tid.is_some() && extra.tid == idp.tenant,
        IdpKind::Google => extra.hd.is_some() && extra.hd == idp.tenant,
    };
    if !tenant_holds {
        return Err(CompanySignInError::WrongTenant);
    }
    // Entra does not send email_verified; its sign that the tenant owns the address's domain
    // stands for it there.
    let entra_owned = idp.kind == IdpKind::Entra
        && matches!(&extra.xms_edov, Some(v) if v == &serde_json::json!(true) || v == &serde_json::json!("1") || v == &serde_json::json!(1));
    if claims.email_verified() != Some(true) && !entra_owned {
        return Err(CompanySignInError::UnverifiedEmail);
    }
    let email = claims
        .email()
        .and_then(|e| Email::parse(e.as_str()).ok())
        .ok_or(CompanySignInError::UnverifiedEmail)?
        .into_string();
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .and_then(|n| Name::parse(n.as_str()).ok())
        .map(Name::into_string)
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
    let language = claims
        .locale()
        .and_then(|l| Language::from_tag(l.as_str()))
        .unwrap_or_default();
    Ok(Identified {
        subject: claims.subject().as_str().to_owned(),
        email,
        name,
        language,
    })
}

/// Trades a ticket for a session, once.
#[tracing::instrument(skip_all)]
pub async fn finish(state: &AppState, req: CompanySignInFinish) -> Result<LoginResponse> {
    let gone =
        || AppError::bad_request("this sign-in was used already or took too long: sign in again");
    if req.ticket.len() > 200 {
        return Err(gone());
    }
    let user: UserId = state
        .store
        .redeem_company_ticket(&token_hash(req.ticket.trim()), TICKET_TTL_MS)
        .await?
        .ok_or_else(gone)?;
    let account = state.store.user(user).await?.ok_or_else(gone)?;
    let token = new_token(SESSION_PREFIX);
    state
        .store
        .insert_session(&token_hash(&token), user, SESSION_TTL_MS)
        .await?;
    tracing::info!(%user, "signed in with a company account");
    Ok(LoginResponse {
        token,
        user: account,
    })
}

/// Trades a desktop app's code for the person's credential on its device, once: only the device
/// that began the sign-in, only with the verifier behind its challenge.
#[tracing::instrument(skip_all, fields(device = %device.id))]
pub async fn finish_app(
    state: &AppState,
    device: &DeviceCaller,
    req: AppCompanySignInFinish,
) -> Result<DeviceCredential> {
    crate::domain::devices::require_active(device)?;
    let gone = || {
        AppError::bad_request(
            "this sign-in was used already, took too long, or is not this app's: sign in again",
        )
    };
    // RFC 7636: 43 to 128 unreserved characters.
    let verifier_ok = (43..=128).contains(&req.code_verifier.len())
        && req
            .code_verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if req.code.len() > 200 || !verifier_ok {
        return Err(AppError::bad_request(
            "code_verifier must be 43 to 128 characters: letters, digits, '-', '.', '_', '~'",
        ));
    }
    let (user, challenge) = state
        .store
        .redeem_app_ticket(&token_hash(req.code.trim()), device.id, TICKET_TTL_MS)
        .await?
        .ok_or_else(gone)?;
    let proved =
        PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(req.code_verifier));
    if proved.as_str() != challenge {
        tracing::warn!("a desktop app's code came with another verifier");
        return Err(gone());
    }
    let credential = new_token(DEVICE_CREDENTIAL_PREFIX);
    state
        .store
        .give_device_credential(device.id, user, &token_hash(&credential))
        .await?;
    let user = state.store.user(user).await?.ok_or_else(gone)?;
    tracing::info!(user = %user.id, "identity confirmed with a company account");
    Ok(DeviceCredential {
        token: credential,
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_issuers_or_this_machines_are_fetched() {
        for good in [
            "https://login.microsoftonline.com/abc/v2.0",
            "https://accounts.google.com",
            "http://127.0.0.1:4000",
            "http://localhost:8080/realms/acme",
            "http://[::1]:9000",
        ] {
            assert!(check_issuer(good).is_ok(), "{good} was refused");
        }
        for bad in [
            "http://idp.example.com",
            "http://10.0.0.5",
            "ftp://idp.example.com",
            "file:///etc/passwd",
            "idp.example.com",
            "",
        ] {
            assert!(check_issuer(bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn an_app_is_sent_back_to_its_own_computer_only() {
        for good in [
            "http://127.0.0.1:49152/callback",
            "http://[::1]:8400/",
            "http://127.0.0.1:1/x?y=z",
        ] {
            assert!(check_loopback(good).is_ok(), "{good} was refused");
        }
        for bad in [
            "http://localhost:49152/callback",
            "https://127.0.0.1:49152/callback",
            "http://127.0.0.1/callback",
            "http://10.0.0.1:49152/callback",
            "http://evil.example:49152/",
            "http://user:pw@127.0.0.1:1/",
            "http://127.0.0.1:1/#fragment",
            "bellhop://callback",
        ] {
            assert!(check_loopback(bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn the_presets_name_their_issuers() {
        assert_eq!(
            IdpKind::Entra.preset_issuer("0000-tenant").as_deref(),
            Some("https://login.microsoftonline.com/0000-tenant/v2.0")
        );
        assert_eq!(
            IdpKind::Google.preset_issuer("acme.example").as_deref(),
            Some("https://accounts.google.com")
        );
        assert_eq!(IdpKind::Oidc.preset_issuer("x"), None);
    }
}
