//! The desk looking at a customer's portal with their consent. The rules are
//! `domain::views`'; the read-only rule is `auth.rs`'.

use axum::extract::State;
use bellhop_proto::{
    ErrorBody, LoginResponse, UserId, ViewConsent, ViewConsentInput, ViewFinish, ViewTicket,
};

use crate::auth::Staff;
use crate::db::Caller;
use crate::domain::views;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Whether the desk may look at the caller's portal, until when, and who looked.
#[utoipa::path(get, path = "/api/v1/me/view-consent", tag = "auth",
    responses((status = 200, body = ViewConsent), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Json<ViewConsent>> {
    Ok(Json(views::consent(&state, &caller).await?))
}

/// Lets the desk look at the caller's portal, read-only, for 1 to 168 hours (customers).
#[utoipa::path(put, path = "/api/v1/me/view-consent", tag = "auth",
    request_body = ViewConsentInput,
    responses((status = 200, body = ViewConsent), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<ViewConsentInput>,
) -> Result<Json<ViewConsent>> {
    Ok(Json(views::grant(&state, &caller, input).await?))
}

/// Withdraws the consent; a look under way ends at once.
#[utoipa::path(delete, path = "/api/v1/me/view-consent", tag = "auth",
    responses((status = 200, body = ViewConsent), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(State(state): State<AppState>, caller: Caller) -> Result<Json<ViewConsent>> {
    Ok(Json(views::withdraw(&state, &caller).await?))
}

/// Opens a read-only look at a customer's portal (staff; only with their consent): a
/// single-use ticket for a tab of its own.
#[utoipa::path(post, path = "/api/v1/users/{id}/view", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = ViewTicket), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn open(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
) -> Result<Json<ViewTicket>> {
    Ok(Json(views::open(&state, &staff, id).await?))
}

/// Trades a look's ticket for its read-only session, once, within two minutes.
#[utoipa::path(post, path = "/api/v1/auth/view/finish", tag = "auth",
    request_body = ViewFinish,
    responses((status = 200, body = LoginResponse), (status = 422, body = ErrorBody)))]
pub async fn finish(
    State(state): State<AppState>,
    Json(req): Json<ViewFinish>,
) -> Result<Json<LoginResponse>> {
    Ok(Json(views::finish(&state, req).await?))
}
