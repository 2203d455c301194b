use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use bellhop_proto::{ErrorBody, LoginRequest, LoginResponse, User};

use crate::app::AppState;
use crate::auth::{
    DEVICE_CREDENTIAL_PREFIX, SESSION_PREFIX, SESSION_TTL_MS, bearer, new_token, token_hash,
    verify_password,
};
use crate::db::Caller;
use crate::error::{AppError, Result};
use crate::extract::Json;

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
