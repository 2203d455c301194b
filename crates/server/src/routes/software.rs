//! The desk's approved software: each person reads what they may install, admins save the list.

use axum::extract::State;
use bellhop_proto::{ErrorBody, SoftwareCatalog};

use crate::db::Caller;
use crate::domain::software;
use crate::error::Result;
use crate::extract::Json;
use crate::state::AppState;

/// The approved software as the caller may read it: every entry with its sources for the desk;
/// the entries offered to their organisation for anyone Self-service is on for.
#[utoipa::path(get, path = "/api/v1/software", tag = "actions",
    responses((status = 200, body = SoftwareCatalog), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Json<SoftwareCatalog>> {
    Ok(Json(software::mine(&state.store, &caller).await?))
}

/// Replaces the approved software and its private sources (admins). Every package id is checked
/// against what its package manager names. Audited.
#[utoipa::path(put, path = "/api/v1/software", tag = "console",
    request_body = SoftwareCatalog,
    responses((status = 200, body = SoftwareCatalog), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<SoftwareCatalog>,
) -> Result<Json<SoftwareCatalog>> {
    Ok(Json(software::save(&state.store, &caller, input).await?))
}
