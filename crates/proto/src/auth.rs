//! People and signing in.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{OrgId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A contact of a customer organisation.
    EndUser,
    /// An end user who also sees every ticket of their organisation.
    PrimaryContact,
    Technician,
    Admin,
}

impl Role {
    pub const ALL: [Self; 4] = [
        Self::EndUser,
        Self::PrimaryContact,
        Self::Technician,
        Self::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EndUser => "end_user",
            Self::PrimaryContact => "primary_contact",
            Self::Technician => "technician",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Technicians and admins work the desk and see every ticket.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Technician | Self::Admin)
    }
}

/// The languages Bellhop speaks (the UI's catalogs, the server's mail, the tray menu).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Fr,
    De,
    Es,
    It,
    Ru,
}

impl Language {
    pub const ALL: [Self; 6] = [Self::En, Self::Fr, Self::De, Self::Es, Self::It, Self::Ru];

    /// The ISO 639-1 code ("it").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
            Self::De => "de",
            Self::Es => "es",
            Self::It => "it",
            Self::Ru => "ru",
        }
    }

    /// The language of a BCP 47 tag or POSIX locale ("fr-CA", "it_IT.UTF-8"), if Bellhop speaks it.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.as_str() == primary)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub role: Role,
    pub org_id: Option<OrgId>,
    /// The language of the user's portal and of the mail they get.
    pub language: Language,
    /// May sign in to the web portal (with a password, once they have chosen one).
    #[serde(default)]
    pub portal_access: bool,
    /// Switched off by the desk: no credential of theirs works anywhere.
    #[serde(default)]
    pub disabled: bool,
}

/// What a user may change about themselves (`PUT /api/v1/me`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMe {
    pub language: Language,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`; revoked by `POST /api/v1/auth/logout`.
    pub token: String,
    pub user: User,
}

/// `POST /api/v1/auth/forgot-password`: email a single-use link to reset the password. Always
/// answered 202, whether or not the address belongs to someone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgotPasswordRequest {
    pub email: String,
}

/// `POST /api/v1/auth/sign-up`: a name and an email address. Always answered 202 alike: the
/// address's owner learns from their mail whether they were signed up (a link to choose a
/// password) or already have an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    pub name: String,
    pub email: String,
    /// The portal's language when they signed up: their mail's and portal's.
    #[serde(default)]
    #[ts(optional)]
    pub language: Option<Language>,
}

/// `POST /api/v1/auth/reset-password`: the token from the emailed link and the new password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordRequest {
    pub token: String,
    pub password: String,
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// `GET /api/v1/me/second-factor`: what confirms the caller's self-service actions: a phone
/// (and a number waiting for its SMS code), an authenticator app, or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactor {
    /// The confirmed phone number; `None` until one is set up (or after it was removed).
    pub phone: Option<String>,
    /// A number a code was sent to and not yet typed back.
    pub pending: Option<PendingPhone>,
    /// When an authenticator app was confirmed; `None` while there is none.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub authenticator_since: Option<jiff::Timestamp>,
}

/// `POST /api/v1/me/authenticator`: a new secret for an authenticator app (TOTP, RFC 6238: SHA-1,
/// six digits, 30 seconds), shown this once. It counts once the first code from the app is
/// confirmed; until then a confirmed app, if any, stays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthenticatorSetup {
    /// The secret in base32, for typing into an app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` address the QR code holds.
    pub uri: String,
    /// The QR code as an SVG document (render it as an image, not as markup).
    pub qr_svg: String,
    /// The first code must be confirmed before this.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: jiff::Timestamp,
}

/// A number a code was sent to, until the code expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingPhone {
    pub phone: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: jiff::Timestamp,
}

/// `PUT /api/v1/me/second-factor`: "Save and send code" to this number (international format,
/// `+` and country code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPhoneRequest {
    pub phone: String,
}

/// `POST /api/v1/me/second-factor/confirm`: the code the SMS brought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmPhoneRequest {
    pub code: String,
}
