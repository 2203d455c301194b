//! The caller's second factor for self-service actions: "Save and send code" to a
//! phone number, type the code the SMS brought, or remove the number to reset it; set up an
//! authenticator app from a QR code, confirm its first code, or remove it. The desk resets a
//! person's factor. Works with a portal session or a device credential. The rules are
//! `domain::second_factor`'s.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    AuthenticatorSetup, ConfirmPhoneRequest, ErrorBody, SecondFactor, SetPhoneRequest, UserId,
    VerifyCodeRequest, VerifyCodeResult,
};

use crate::auth::Staff;
use crate::db::Caller;
use crate::domain::second_factor;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The caller's confirmed phone, and a number still waiting for its code.
#[utoipa::path(get, path = "/api/v1/me/second-factor", tag = "auth",
    responses((status = 200, body = SecondFactor), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Json<SecondFactor>> {
    Ok(Json(state.store.second_factor(caller.user_id).await?))
}

/// "Save and send code": texts a six-digit code to the number (10 minutes, five tries, at most
/// five codes an hour). The confirmed phone, if any, stays until the new one is confirmed.
#[utoipa::path(put, path = "/api/v1/me/second-factor", tag = "auth",
    request_body = SetPhoneRequest,
    responses((status = 202, body = SecondFactor), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
              (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn send_code(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<SetPhoneRequest>,
) -> Result<(StatusCode, Json<SecondFactor>)> {
    let factor = second_factor::send_code(&state, &caller, &req.phone).await?;
    Ok((StatusCode::ACCEPTED, Json(factor)))
}

/// The code from the SMS: a right one sets the second factor to that phone.
#[utoipa::path(post, path = "/api/v1/me/second-factor/confirm", tag = "auth",
    request_body = ConfirmPhoneRequest,
    responses((status = 200, body = VerifyCodeResult), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ConfirmPhoneRequest>,
) -> Result<Json<VerifyCodeResult>> {
    Ok(Json(
        second_factor::confirm(&state, &caller, &req.code).await?,
    ))
}

/// Removes the caller's phone number: the second factor is reset, to be set up again. With a
/// factor confirmed, it needs a recent sign-in (403 `reauthenticate` otherwise), and the person
/// is told by email.
#[utoipa::path(delete, path = "/api/v1/me/second-factor", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    second_factor::remove(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts setting up an authenticator app: a new secret, as a QR code and as text, shown this
/// once. It counts from its first code (`/confirm`, within 10 minutes); a confirmed app stays
/// until then. Once any factor is confirmed it needs a recent sign-in (403 `reauthenticate`).
#[utoipa::path(post, path = "/api/v1/me/authenticator", tag = "auth",
    responses((status = 201, body = AuthenticatorSetup), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start_app(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<AuthenticatorSetup>)> {
    let setup = second_factor::start_app(&state, &caller).await?;
    Ok((StatusCode::CREATED, Json(setup)))
}

/// The app's first code: a right one makes it the caller's second factor; five wrong ones end
/// the set-up.
#[utoipa::path(post, path = "/api/v1/me/authenticator/confirm", tag = "auth",
    request_body = VerifyCodeRequest,
    responses((status = 200, body = VerifyCodeResult), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm_app(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<VerifyCodeRequest>,
) -> Result<Json<VerifyCodeResult>> {
    Ok(Json(
        second_factor::confirm_app(&state, &caller, &req.code).await?,
    ))
}

/// Removes the caller's authenticator app (and a set-up under way). Needs a recent sign-in once
/// any factor is confirmed; the person is told by email.
#[utoipa::path(delete, path = "/api/v1/me/authenticator", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_app(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    second_factor::remove_app(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The desk resets a person's second factor: their verification phone and authenticator app
/// stop confirming anything, and actions waiting for a code end. Audited; the person is told.
#[utoipa::path(delete, path = "/api/v1/users/{id}/second-factor", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
) -> Result<StatusCode> {
    second_factor::reset_by_desk(&state, &staff, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
