//! Releases of the desktop app (admins) and the update feed devices ask. The rules are
//! `domain::releases`'.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bellhop_proto::{
    AppVersion, ErrorBody, Release, ReleaseId, RolloutChange, UpdateFailure, UpdateOffer,
    UpdatePlatform, UpdateQuery,
};

use crate::auth::FeedDevice;
use crate::db::{Caller, DeviceCaller};
use crate::domain::releases;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Every release, newest first, with how far its rollout has gone (admins).
#[utoipa::path(get, path = "/api/v1/releases", tag = "releases",
    responses((status = 200, body = Vec<Release>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Release>>> {
    Ok(Json(releases::list(&state.store, &caller).await?))
}

/// Widens, narrows, pauses or resumes a release's rollout (admins).
#[utoipa::path(patch, path = "/api/v1/releases/{id}", tag = "releases",
    params(("id" = String, Path, description = "release id")),
    request_body = RolloutChange,
    responses((status = 200, body = Release), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ReleaseId>,
    Json(change): Json<RolloutChange>,
) -> Result<Json<Release>> {
    Ok(Json(
        releases::change(&state.store, &caller, id, &change).await?,
    ))
}

fn platform(target: &str, arch: &str) -> Result<UpdatePlatform> {
    UpdatePlatform::new(target, arch).map_err(AppError::bad_request)
}

/// The update feed, as the Tauri updater asks it: the release this device should move to, or
/// 204 when it is current. Needs the device's secret.
#[utoipa::path(get, path = "/api/v1/device/update/{target}/{arch}/{current_version}", tag = "releases",
    params(("target" = String, Path, description = "linux, windows or darwin"),
           ("arch" = String, Path, description = "x86_64, aarch64, i686 or armv7"),
           ("current_version" = String, Path, description = "the version the app runs"),
           UpdateQuery),
    responses((status = 200, body = UpdateOffer), (status = 204),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn check(
    State(state): State<AppState>,
    FeedDevice(device): FeedDevice,
    Path((target, arch, current)): Path<(String, String, String)>,
    Query(query): Query<UpdateQuery>,
) -> Result<Response> {
    let platform = platform(&target, &arch)?;
    let current: AppVersion = current.parse().map_err(AppError::bad_request)?;
    let offer = releases::offer(
        &state.store,
        &state.public_url,
        &device,
        &platform,
        &current,
        query.channel.unwrap_or_default(),
    )
    .await?;
    Ok(match offer {
        Some(offer) => Json(offer).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// A release's file for one platform, for a device it is offered to.
#[utoipa::path(get, path = "/api/v1/device/update/{id}/{platform}", tag = "releases",
    params(("id" = String, Path, description = "release id"),
           ("platform" = String, Path, description = "e.g. linux-x86_64"),
           UpdateQuery),
    responses((status = 200, content_type = "application/octet-stream"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<AppState>,
    device: DeviceCaller,
    Path((id, platform)): Path<(ReleaseId, String)>,
    Query(query): Query<UpdateQuery>,
) -> Result<Response> {
    let platform: UpdatePlatform = platform.parse().map_err(AppError::bad_request)?;
    let artifact = releases::artifact_for(
        &state.store,
        &device,
        id,
        &platform,
        query.channel.unwrap_or_default(),
    )
    .await?;
    let body = state.blobs.open(&artifact.sha256).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        artifact.file_name.replace(['"', '\\'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, artifact.size.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The app could not install or start a version: kept, and the release pauses itself when
/// enough devices say so.
#[utoipa::path(post, path = "/api/v1/device/update/failure", tag = "releases",
    request_body = UpdateFailure,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn failure(
    State(state): State<AppState>,
    device: DeviceCaller,
    Json(failure): Json<UpdateFailure>,
) -> Result<StatusCode> {
    releases::report_failure(&state.store, &device, &failure).await?;
    Ok(StatusCode::NO_CONTENT)
}
