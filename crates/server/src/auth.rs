//! Bearer tokens (random, stored as SHA-256) and the [`Caller`] extractors every protected
//! handler takes. Passwords are `passwords.rs`'s.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{Caller, DeviceCaller, Store};
use crate::error::AppError;
use crate::state::AppState;

/// How long a browser session lasts.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// What a bearer token is, by its prefix: a browser session, a device's own secret, or the
/// credential of a user on a device.
pub const SESSION_PREFIX: &str = "bhs_";
pub const DEVICE_SECRET_PREFIX: &str = "bhd_";
pub const DEVICE_CREDENTIAL_PREFIX: &str = "bhc_";
/// Password-reset links.
pub const RESET_PREFIX: &str = "bhr_";
/// Enrolment keys the console issues (the demo keys are plain words).
pub const ENROLMENT_KEY_PREFIX: &str = "bhe_";

/// A new secret token (256 random bits) for the caller to keep; only its hash is stored.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A short code a person can read and type: 8 characters of Crockford's base32 (no I, L, O, U).
pub fn new_short_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| ALPHABET[(rng.next_u32() % ALPHABET.len() as u32) as usize] as char)
        .collect()
}

/// A typed code in canonical form: upper case, without spaces or dashes, with the letters people
/// confuse for digits read as those digits.
pub fn normalise_short_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The bearer token of a request, if it carries one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Who a bearer token belongs to, if it still signs in: a browser session or a device
/// credential (the device must be active).
pub async fn caller_for_token(store: &Store, token: &str) -> Result<Option<Caller>, AppError> {
    let hash = token_hash(token);
    if token.starts_with(DEVICE_CREDENTIAL_PREFIX) {
        store.caller_for_device_credential(&hash).await
    } else {
        store.caller_for_session(&hash).await
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| AppError::unauthenticated("sign in first: no bearer token"))?;
        caller_for_token(&state.store, token).await?.ok_or_else(|| {
            if token.starts_with(DEVICE_CREDENTIAL_PREFIX) {
                AppError::unauthenticated(
                    "this device's credential was revoked, or the device is not active",
                )
            } else {
                AppError::unauthenticated("the session has expired or was revoked")
            }
        })
    }
}

impl FromRequestParts<AppState> for DeviceCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(&parts.headers)
            .filter(|t| t.starts_with(DEVICE_SECRET_PREFIX))
            .ok_or_else(|| AppError::unauthenticated("this endpoint needs the device's secret"))?;
        state
            .store
            .device_for_secret(&token_hash(token))
            .await?
            .ok_or_else(|| AppError::unauthenticated("unknown device: enrol again"))
    }
}

/// A technician or an admin: the console's endpoints take this instead of [`Caller`]. Anyone
/// else signed in is refused with 403; nobody signed in gets 401.
pub struct Staff(pub Caller);

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        require_staff(&caller)?;
        Ok(Self(caller))
    }
}

/// The caller must be a technician or an admin.
pub fn require_staff(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("only technicians can do this"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_are_eight_unambiguous_characters() {
        for _ in 0..100 {
            let code = new_short_code();
            assert_eq!(code.len(), 8);
            assert!(!code.contains(['I', 'L', 'O', 'U']), "{code}");
            assert_eq!(normalise_short_code(&code), code);
        }
    }

    #[test]
    fn a_typed_code_forgives_case_spaces_dashes_and_look_alikes() {
        assert_eq!(normalise_short_code(" ab1o-il 2z "), "AB10112Z");
    }
}
