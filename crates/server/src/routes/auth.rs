use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use bellhop_proto::{
    ErrorBody, ErrorCode, ForgotPasswordRequest, LoginRequest, LoginResponse, MIN_PASSWORD_CHARS,
    ResetPasswordRequest, UpdateMe, User,
};

use crate::app::AppState;
use crate::auth::{
    DEVICE_CREDENTIAL_PREFIX, RESET_PREFIX, SESSION_PREFIX, SESSION_TTL_MS, bearer, hash_password,
    new_token, token_hash, verify_password,
};
use crate::db::Caller;
use crate::db::now_ms;
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::letters::{Letter, Value, compose};
use crate::mail::parse_address;

/// Signs in with email and password; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let wrong = || AppError::unauthenticated("wrong email or password");
    let (user, hash) = state
        .store
        .user_for_login(&req.email)
        .await?
        .ok_or_else(wrong)?;
    let hash = hash.ok_or_else(wrong)?;
    let password = req.password;
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(anyhow::Error::from)?;
    if !ok {
        return Err(wrong());
    }
    let token = new_token(SESSION_PREFIX);
    state
        .store
        .insert_session(&token_hash(&token), user.id, SESSION_TTL_MS)
        .await?;
    tracing::info!(user = %user.id, "signed in");
    Ok(Json(LoginResponse { token, user }))
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
        } else {
            state.store.revoke_session(&token_hash(token)).await?;
        }
    }
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

/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;
/// Reset links per email address, and requests per client address, within an hour.
pub const RESETS_PER_EMAIL: i64 = 3;
pub const RESETS_PER_CLIENT: i64 = 20;
const RESET_WINDOW_MS: i64 = 60 * 60 * 1000;
const MAX_PASSWORD_CHARS: usize = 1024;

/// Emails a single-use link to set a new password. Answers 202 whether or not the address is
/// known, so it cannot be used to find out who has an account.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth",
    request_body = ForgotPasswordRequest,
    responses((status = 202), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn forgot_password(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(req): Json<ForgotPasswordRequest>,
) -> Result<StatusCode> {
    let email = parse_address(&req.email)?;
    let addr = client.ip().to_string();
    let (by_email, by_addr) = state
        .store
        .recent_reset_counts(&email, &addr, now_ms() - RESET_WINDOW_MS)
        .await?;
    if by_addr >= RESETS_PER_CLIENT {
        return Err(AppError::client(
            ErrorCode::RateLimited,
            "too many reset requests from here; wait a while and try again",
        ));
    }
    let user = state.store.user_for_login(&email).await?;
    // Unknown addresses and a full quota look the same from outside: 202, no mail.
    let Some((user, _)) = user.filter(|_| by_email < RESETS_PER_EMAIL) else {
        return Ok(StatusCode::ACCEPTED);
    };
    let token = new_token(RESET_PREFIX);
    let link = format!(
        "{}/#/reset-password?token={token}",
        state.portal_url().await?.trim_end_matches('/')
    );
    let mail = compose(
        user.language,
        Letter::PasswordReset,
        &email,
        &user.name,
        &[("link", Value::Link(&link))],
    );
    state
        .store
        .insert_password_reset(
            user.id,
            &email,
            &token_hash(&token),
            &addr,
            RESET_TTL_MS,
            &mail,
        )
        .await?;
    state.mail.wake();
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with the token from the emailed link; every session of the user is
/// signed out.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth",
    request_body = ResetPasswordRequest,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Json(req): Json<ResetPasswordRequest>,
) -> Result<StatusCode> {
    let length = req.password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(AppError::bad_request(format!(
            "choose a password of at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_request(format!(
            "a password has at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(anyhow::Error::from)??;
    match state
        .store
        .reset_password(&token_hash(req.token.trim()), &hash)
        .await?
    {
        Some(user) => {
            tracing::info!(%user, "password reset");
            Ok(StatusCode::NO_CONTENT)
        }
        None => Err(AppError::bad_request(
            "this link is invalid, was used already or has expired: ask for a new one",
        )),
    }
}
