//! The caller's second factor for self-service actions: "Save and send code" to a
//! phone number, type the code the SMS brought, or remove the number to reset it. Works with a
//! portal session or a device credential. The rules are `domain::second_factor`'s.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    ConfirmPhoneRequest, ErrorBody, SecondFactor, SetPhoneRequest, VerifyCodeResult,
};

use crate::db::Caller;
use crate::domain::second_factor;
use crate::error::Result;
use crate::extract::Json;
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
