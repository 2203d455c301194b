//! Signing in with a company account: an organisation's OpenID Connect identity provider, and
//! the steps of a sign-in through it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which identity provider an organisation signs in with. The presets fill in the issuer and
/// check that the person belongs to the organisation's own directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdpKind {
    /// Any OpenID Connect provider, by its issuer.
    #[default]
    Oidc,
    /// Microsoft Entra ID: the issuer is the tenant's, and the token's `tid` must be the tenant.
    Entra,
    /// Google Workspace: the token's `hd` must be the organisation's Workspace domain.
    Google,
}

impl IdpKind {
    pub const ALL: [Self; 3] = [Self::Oidc, Self::Entra, Self::Google];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oidc => "oidc",
            Self::Entra => "entra",
            Self::Google => "google",
        }
    }

    /// The kind stored as [`Self::as_str`] says it; an unknown word is the generic provider,
    /// which checks nothing beyond the standard.
    pub fn from_stored(word: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == word)
            .unwrap_or_default()
    }

    /// The issuer a preset stands for, given its tenant (Entra's directory id; Google has one
    /// issuer for everybody). `None` for the generic provider, whose issuer is given.
    pub fn preset_issuer(self, tenant: &str) -> Option<String> {
        match self {
            Self::Oidc => None,
            Self::Entra => Some(format!("https://login.microsoftonline.com/{tenant}/v2.0")),
            Self::Google => Some("https://accounts.google.com".to_owned()),
        }
    }
}

/// `GET /api/v1/orgs/{id}/identity-provider`: how an organisation's people sign in with their
/// company account. The client secret is never given back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityProvider {
    pub kind: IdpKind,
    /// The provider's issuer: its discovery document is at
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is kept (sealed on the server).
    pub has_secret: bool,
    /// Entra: the directory (tenant) id every token's `tid` must equal. Google: the Workspace
    /// domain every token's `hd` must equal.
    #[ts(optional)]
    pub tenant: Option<String>,
    /// Whether the organisation's people may still sign in with a password as well.
    pub password_sign_in: bool,
    /// The address the provider must send people back to: register it with the provider.
    pub redirect_uri: String,
}

/// `PUT /api/v1/orgs/{id}/identity-provider`: connects (or changes) an organisation's identity
/// provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderInput {
    #[serde(default)]
    pub kind: IdpKind,
    /// Required for the generic provider; a preset's own issuer when left out.
    #[serde(default)]
    #[ts(optional)]
    pub issuer: Option<String>,
    pub client_id: String,
    /// The client secret; left out, the one kept stays.
    #[serde(default)]
    #[ts(optional)]
    pub client_secret: Option<String>,
    /// Required for Entra (the tenant id) and Google (the Workspace domain).
    #[serde(default)]
    #[ts(optional)]
    pub tenant: Option<String>,
    /// Password sign-in for the organisation's people; on unless switched off.
    #[serde(default = "yes")]
    pub password_sign_in: bool,
}

fn yes() -> bool {
    true
}

/// `POST /api/v1/auth/company/start`: the address the person typed; the organisation of its
/// domain names the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanySignInStart {
    pub email: String,
}

/// Where to send the browser: the provider's sign-in page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanySignInRedirect {
    pub url: String,
}

/// `POST /api/v1/auth/company/finish`: the single-use ticket the server put in the portal's
/// address after the provider vouched for the person; answered with a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanySignInFinish {
    pub ticket: String,
}

/// Why a company sign-in ended without a session: the portal's sign-in page shows it, in the
/// reader's language (`#/login?company_error=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CompanySignInError {
    /// The person cancelled, or the provider refused them.
    Refused,
    /// The sign-in took too long, or its link was used already.
    Expired,
    /// The provider's answer did not hold up (issuer, audience, signature, expiry, nonce).
    Invalid,
    /// The provider does not vouch for the email address.
    UnverifiedEmail,
    /// The person belongs to another directory than the organisation's.
    WrongTenant,
    /// The address is not one of the organisation's, or belongs to someone of another.
    NotOfOrganisation,
    /// The person is switched off, or has no portal access.
    NoAccess,
    /// The provider could not be reached.
    Unreachable,
}

impl CompanySignInError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Expired => "expired",
            Self::Invalid => "invalid",
            Self::UnverifiedEmail => "unverified_email",
            Self::WrongTenant => "wrong_tenant",
            Self::NotOfOrganisation => "not_of_organisation",
            Self::NoAccess => "no_access",
            Self::Unreachable => "unreachable",
        }
    }
}

/// `POST /api/v1/device/identity/company/start` (the device's secret): the desktop app confirms
/// who uses it with their company account instead of an emailed token. The app listens on a
/// loopback address and sends the system browser to the answer's `url`; after the provider the
/// browser comes back to `redirect_uri` with `code` and `state` (or `error` and `state`), as
/// RFC 8252 has native apps do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppCompanySignInStart {
    pub email: String,
    /// `http://127.0.0.1:<port>/<path>` or `http://[::1]:<port>/<path>`: this computer only.
    pub redirect_uri: String,
    /// The app's PKCE challenge (S256, base64url of the verifier's SHA-256).
    pub code_challenge: String,
    /// Sent back to the app unchanged, for it to recognise its own answer.
    pub state: String,
}

/// `POST /api/v1/device/identity/company/finish` (the device's secret): the code from the
/// browser's way back, with the verifier behind the challenge; answered with the person's
/// credential on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppCompanySignInFinish {
    pub code: String,
    pub code_verifier: String,
}
