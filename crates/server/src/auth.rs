//! Who is calling: the [`Caller`] extractors every protected handler takes, from the bearer
//! token (`tokens.rs` makes and hashes tokens).

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;

use crate::db::{Caller, DeviceCaller, Store};
use crate::domain::require_staff;
use crate::error::AppError;
use crate::state::AppState;
use crate::tokens::{DEVICE_CREDENTIAL_PREFIX, DEVICE_SECRET_PREFIX, VIEW_PREFIX, token_hash};

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

/// Who a bearer token belongs to, if it still signs in: a browser session, a device
/// credential (the device must be active), or a technician's read-only look at a customer's
/// portal.
pub async fn caller_for_token(store: &Store, token: &str) -> Result<Option<Caller>, AppError> {
    let hash = token_hash(token);
    if token.starts_with(DEVICE_CREDENTIAL_PREFIX) {
        store.caller_for_device_credential(&hash).await
    } else if token.starts_with(VIEW_PREFIX) {
        store.caller_for_view(&hash).await
    } else {
        store.caller_for_session(&hash).await
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| AppError::unauthenticated("sign in first: no bearer token"))?;
        let caller = caller_for_token(&state.store, token)
            .await?
            .ok_or_else(|| {
                if token.starts_with(DEVICE_CREDENTIAL_PREFIX) {
                    AppError::unauthenticated(
                        "this device's credential was revoked, or the device is not active",
                    )
                } else if token.starts_with(VIEW_PREFIX) {
                    AppError::unauthenticated(
                        "this view has ended: it expired, or the person withdrew their consent",
                    )
                } else {
                    AppError::unauthenticated("the session has expired or was revoked")
                }
            })?;
        // A look at someone's portal reads and changes nothing: refused here, for every
        // endpoint, whatever it would do. Signing the tab out is the one write it may make.
        let reads = matches!(parts.method, Method::GET | Method::HEAD);
        // The path as sent (a nested router sees it without its prefix).
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path(), |original| original.path());
        if caller.viewer.is_some() && !reads && path != "/api/v1/auth/logout" {
            return Err(AppError::forbidden(
                "this is a read-only view of the person's portal: nothing can be changed from it",
            ));
        }
        Ok(caller)
    }
}

/// The hash of the device secret the request carries.
fn device_secret_hash(parts: &Parts) -> Result<String, AppError> {
    bearer(&parts.headers)
        .filter(|t| t.starts_with(DEVICE_SECRET_PREFIX))
        .map(token_hash)
        .ok_or_else(|| AppError::unauthenticated("this endpoint needs the device's secret"))
}

impl FromRequestParts<AppState> for DeviceCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        state
            .store
            .device_for_secret(&device_secret_hash(parts)?)
            .await?
            .ok_or_else(|| AppError::unauthenticated("unknown device: enrol again"))
    }
}

/// A device asking the update feed: authenticated by its secret like [`DeviceCaller`], without
/// the write that records it was seen (every device asks; its syncs record it).
pub struct FeedDevice(pub DeviceCaller);

impl FromRequestParts<AppState> for FeedDevice {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        state
            .store
            .device_by_secret(&device_secret_hash(parts)?)
            .await?
            .map(Self)
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
