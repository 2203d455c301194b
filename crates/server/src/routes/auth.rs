use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use bellhop_proto::{
    ErrorBody, ForgotPasswordRequest, LoginRequest, LoginResponse, MIN_PASSWORD_CHARS,
    ResetPasswordRequest, UpdateMe, User,
};

use crate::auth::{
    DEVICE_CREDENTIAL_PREFIX, RESET_PREFIX, SESSION_PREFIX, SESSION_TTL_MS, bearer, new_token,
    token_hash,
};
use crate::client::ClientAddr;
use crate::db::{Caller, Failures, now_ms};
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::letters::{Letter, Value, compose};
use crate::state::AppState;

/// Sign-in failures that cost nothing, per account and per client, within
/// [`SIGN_IN_WINDOW_MS`]; each one after them doubles the wait before the next attempt.
pub const SIGN_IN_FREE_PER_ACCOUNT: i64 = 5;
pub const SIGN_IN_FREE_PER_CLIENT: i64 = 20;
pub const SIGN_IN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The longest wait a run of failures imposes.
pub const SIGN_IN_MAX_WAIT_MS: i64 = 15 * 60 * 1000;
/// Longest email address (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

/// How long to wait before the next attempt after `failures`, the last at `last_at`: nothing
/// for the first `free`, then one second, doubling with each further failure, up to
/// [`SIGN_IN_MAX_WAIT_MS`].
pub fn sign_in_wait(failures: Failures, free: i64, now: i64) -> Option<std::time::Duration> {
    if failures.count < free {
        return None;
    }
    let doublings = (failures.count - free).min(20) as u32;
    let wait = (1000_i64 << doublings).min(SIGN_IN_MAX_WAIT_MS);
    let left = failures.last_at + wait - now;
    (left > 0).then(|| std::time::Duration::from_millis(left as u64))
}

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
    let wrong = || AppError::unauthenticated("wrong email or password");
    if req.email.chars().count() > MAX_EMAIL_CHARS
        || req.password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(wrong());
    }
    let account = req.email.trim().to_ascii_lowercase();
    let client = client.to_string();
    let now = now_ms();
    let (by_account, by_client) = state
        .store
        .sign_in_failures(&account, &client, now - SIGN_IN_WINDOW_MS)
        .await?;
    if let Some(wait) = sign_in_wait(by_account, SIGN_IN_FREE_PER_ACCOUNT, now).max(sign_in_wait(
        by_client,
        SIGN_IN_FREE_PER_CLIENT,
        now,
    )) {
        return Err(AppError::limited(
            "too many failed sign-ins; wait a little and try again",
            wait,
        ));
    }
    let found = state.store.user_for_login(&account).await?;
    let hash = found
        .as_ref()
        .filter(|a| a.may_sign_in)
        .and_then(|a| a.password_hash.clone());
    let ok = state.passwords.verify(req.password, hash).await?;
    let Some(user) = found.filter(|_| ok).map(|a| a.user) else {
        state
            .store
            .record_sign_in_failure(&account, &client)
            .await?;
        return Err(wrong());
    };
    if by_account.count > 0 {
        state.store.clear_sign_in_failures(&account).await?;
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

/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;
/// Reset links per email address, and requests per client address, within an hour.
pub const RESETS_PER_EMAIL: i64 = 3;
pub const RESETS_PER_CLIENT: i64 = 20;
const RESET_WINDOW_MS: i64 = 60 * 60 * 1000;
const MAX_PASSWORD_CHARS: usize = 1024;

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
    let email = bellhop_proto::Email::parse(&req.email)?.into_string();
    let addr = client.to_string();
    let (by_email, by_addr) = state
        .store
        .recent_reset_counts(&email, &addr, now_ms() - RESET_WINDOW_MS)
        .await?;
    if by_addr >= RESETS_PER_CLIENT {
        return Err(AppError::limited(
            "too many reset requests from here; wait a while and try again",
            std::time::Duration::from_millis(RESET_WINDOW_MS as u64),
        ));
    }
    let account = state.store.user_for_login(&email).await?;
    // Unknown addresses, people who may not use the portal and a full quota all look the same
    // from outside: 202, no mail.
    let Some(user) = account
        .filter(|a| a.may_sign_in && by_email < RESETS_PER_EMAIL)
        .map(|a| a.user)
    else {
        return Ok(StatusCode::ACCEPTED);
    };
    let token = new_token(RESET_PREFIX);
    // Only the server's configured address: never a value someone could edit in the console.
    let link = format!(
        "{}/#/reset-password?token={token}",
        state.public_url.trim_end_matches('/')
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
    let invalid = || {
        AppError::bad_request(
            "this link is invalid, was used already or has expired: ask for a new one",
        )
    };
    let link = token_hash(req.token.trim());
    if req.token.len() > 200 || !state.store.live_password_link(&link).await? {
        return Err(invalid());
    }
    let hash = state.passwords.hash(req.password).await?;
    match state.store.reset_password(&link, &hash).await? {
        Some(user) => {
            tracing::info!(%user, "password set");
            Ok(StatusCode::NO_CONTENT)
        }
        None => Err(invalid()),
    }
}
