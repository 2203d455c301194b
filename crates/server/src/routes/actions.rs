//! Self-service actions: a person asks for one on their own computer, types the code that
//! proves it is them, follows it and may cancel it; the agent on the computer picks up what was
//! signed for it and says how it went. The rules are `domain::actions`'.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    Action, ActionCode, ActionId, ActionListQuery, ActionReport, ActionRequest, ErrorBody,
    GrantedAction,
};

use crate::db::Caller;
use crate::domain::actions;
use crate::error::Result;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Asks for an action on one of the caller's own computers; the code that proves it is them is
/// texted to their confirmed phone. 201 when made, 200 when the same id was asked for before
/// (nothing is sent again).
#[utoipa::path(post, path = "/api/v1/actions", tag = "actions", request_body = ActionRequest,
    responses((status = 201, body = Action), (status = 200, body = Action),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
              (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn request(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ActionRequest>,
) -> Result<(StatusCode, Json<Action>)> {
    let (made, action) = actions::request(&state, &caller, &req).await?;
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(action)))
}

/// The caller's actions (the desk: everyone's, or one person's), newest first.
#[utoipa::path(get, path = "/api/v1/actions", tag = "actions", params(ActionListQuery),
    responses((status = 200, body = Vec<Action>), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ActionListQuery>,
) -> Result<Json<Vec<Action>>> {
    Ok(Json(actions::list(&state, &caller, &q).await?))
}

/// One action, for the person who asked and the desk.
#[utoipa::path(get, path = "/api/v1/actions/{id}", tag = "actions",
    params(("id" = ActionId, Path)),
    responses((status = 200, body = Action), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ActionId>,
) -> Result<Json<Action>> {
    Ok(Json(actions::get(&state, &caller, id).await?))
}

/// The code for this action: a right one signs it for the computer; a wrong one costs one of
/// five tries.
#[utoipa::path(post, path = "/api/v1/actions/{id}/verify", tag = "actions",
    params(("id" = ActionId, Path)), request_body = ActionCode,
    responses((status = 200, body = Action), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ActionId>,
    Json(req): Json<ActionCode>,
) -> Result<Json<Action>> {
    Ok(Json(actions::verify(&state, &caller, id, &req.code).await?))
}

/// Cancels an action the computer has not started: the person who asked, or the desk.
#[utoipa::path(post, path = "/api/v1/actions/{id}/cancel", tag = "actions",
    params(("id" = ActionId, Path)),
    responses((status = 200, body = Action), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ActionId>,
) -> Result<Json<Action>> {
    Ok(Json(actions::cancel(&state, &caller, id).await?))
}

/// The signed actions waiting for the calling computer (its agent, with a device credential).
#[utoipa::path(get, path = "/api/v1/device/actions", tag = "actions",
    responses((status = 200, body = Vec<GrantedAction>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn waiting(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<GrantedAction>>> {
    Ok(Json(actions::waiting_for_device(&state, &caller).await?))
}

/// The agent's word on an action it was given: `running` before it starts it, then `succeeded`
/// or `failed`; `cancelled` when the person at the computer cancelled it first. 409 when it may
/// not start (cancelled, expired) or already moved on.
#[utoipa::path(post, path = "/api/v1/device/actions/{id}/report", tag = "actions",
    params(("id" = ActionId, Path)), request_body = ActionReport,
    responses((status = 200, body = Action), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ActionId>,
    Json(req): Json<ActionReport>,
) -> Result<Json<Action>> {
    Ok(Json(actions::report(&state, &caller, id, &req).await?))
}
