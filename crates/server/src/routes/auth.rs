//! Signing in and out, passwords, and the signed-in person's own account. The rules are
//! `domain::sign_in`'s.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use bellhop_proto::{
    ErrorBody, ForgotPasswordRequest, LoginRequest, LoginResponse, ResetPasswordRequest,
    SignUpRequest, UpdateMe, User,
};

use crate::auth::bearer;
use crate::client::ClientAddr;
use crate::db::Caller;
use crate::domain::sign_in;
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::state::AppState;
use crate::tokens::{DEVICE_CREDENTIAL_PREFIX, token_hash};

/// Signs in with email and password; returns a bearer token. Refused alike for a wrong password,
/// an unknown address and a person without portal access, after the same work; repeated
/// failures for an account or from a client make the next attempt wait (429, `Retry-After`).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    Ok(Json(
        sign_in::login(&state, &client.to_string(), req).await?,
    ))
}

/// Revokes the presented token: a browser session, or this device's user credential.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> Result<StatusCode> {
    if let Some(token) = bearer(&headers) {
        if token.starts_with(DEVICE_CREDENTIAL_PREFIX) {
            state
                .store
                .revoke_device_credential(&token_hash(token))
                .await?;
        } else if token.starts_with(crate::tokens::VIEW_PREFIX) {
            state.store.end_view(&token_hash(token)).await?;
        } else {
            state.store.revoke_session(&token_hash(token)).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Signs the caller out of every browser and every desktop app, this one included.
#[utoipa::path(post, path = "/api/v1/auth/sign-out-everywhere", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode> {
    let revoked = state
        .store
        .sign_out_everywhere(&caller, caller.user_id)
        .await?;
    tracing::info!(user = %caller.user_id, revoked, "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<User>> {
    state
        .store
        .user(caller.user_id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))
}

/// Changes what a user may change about themselves: the language of their portal, desktop app
/// and mail. Works with a session or a device credential.
#[utoipa::path(put, path = "/api/v1/me", tag = "auth", request_body = UpdateMe,
    responses((status = 200, body = User), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<UpdateMe>,
) -> Result<Json<User>> {
    state
        .store
        .set_language(caller.user_id, req.language)
        .await?;
    me(State(state), caller).await
}

/// Signs a person up: the organisation their address's domain belongs to takes them when its
/// rule lets anyone of its domains sign up, the holding organisation when no organisation has
/// the domain. Answers 202 whatever came of it (a welcome email with a link to choose a
/// password, a letter saying the address has an account, or nothing), so it cannot be used to
/// find out who has an account; limited per address and per client (429).
#[utoipa::path(post, path = "/api/v1/auth/sign-up", tag = "auth", request_body = SignUpRequest,
    responses((status = 202), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<SignUpRequest>,
) -> Result<StatusCode> {
    sign_in::sign_up(&state, &client.to_string(), &req).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Emails a single-use link to set a new password, to people with portal access. Answers 202
/// whoever the address belongs to (nobody, a person without portal access, a person switched
/// off), so it cannot be used to find out who has an account.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth",
    request_body = ForgotPasswordRequest,
    responses((status = 202), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn forgot_password(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<ForgotPasswordRequest>,
) -> Result<StatusCode> {
    sign_in::forgot_password(&state, &client.to_string(), &req).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with the token from the emailed link. Every browser session of the
/// person ends; a reset (not a first password) revokes their device credentials too. The link
/// is looked up before the password is hashed: a made-up token costs one read.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth",
    request_body = ResetPasswordRequest,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Json(req): Json<ResetPasswordRequest>,
) -> Result<StatusCode> {
    sign_in::reset_password(&state, req).await?;
    Ok(StatusCode::NO_CONTENT)
}
