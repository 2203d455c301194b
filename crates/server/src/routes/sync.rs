use axum::extract::State;
use bellhop_proto::{ErrorBody, PushRequest, PushResponse};

use crate::app::AppState;
use crate::db::Caller;
use crate::error::{AppError, Result};
use crate::extract::Json;

/// Most operations accepted in one push.
pub const MAX_PUSH_OPS: usize = 500;

/// Applies a batch of operations in order; each one's outcome is saved and replayed on repeats.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>> {
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(AppError::bad_request(format!(
            "at most {MAX_PUSH_OPS} operations per push"
        )));
    }
    let mut outcomes = Vec::with_capacity(req.ops.len());
    for op in &req.ops {
        outcomes.push(state.store.apply_op(&caller, op).await?);
    }
    Ok(Json(PushResponse { outcomes }))
}
