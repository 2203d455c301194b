//! Releases of the desktop app (admins) and the update feed devices ask. The rules are
//! `domain::releases`'.

use axum::extract::State;
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bellhop_proto::{
    AppVersion, ErrorBody, ErrorCode, OrgId, Release, ReleaseId, ReleaseInput, RolloutChange,
    UpdateChannel, UpdateFailure, UpdateOffer, UpdatePlatform, UpdateQuery,
};

use crate::auth::FeedDevice;
use crate::blobs::{Blobs, Refused};
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

/// The form a release is added with (`multipart/form-data`). Each file comes as three fields in
/// this order: `platform`, `signature` (the text of the `.sig` the bundler wrote beside it),
/// then `artifact` (the file).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes the form for the OpenAPI document; the handler reads the parts.
pub struct ReleaseUpload {
    /// Its version (semantic versioning: 1.4.2, 1.5.0-beta.1).
    version: String,
    /// `stable` (the default) or `beta`.
    channel: Option<String>,
    /// What is new.
    notes: Option<String>,
    /// The share of devices offered it, 0 to 100 (100 unless given).
    percent: Option<u8>,
    /// Pause it by itself when this many devices report it failed (0: never; 3 unless given).
    pause_after_failures: Option<u32>,
    /// An organisation's id, repeated for more; none: every organisation.
    org: Option<Vec<String>>,
    /// The app's updater public key (as in tauri.conf.json): each signature must sign its file
    /// with it.
    public_key: Option<String>,
    /// The platform of the file that follows (`linux-x86_64`, `windows-x86_64`, …).
    platform: Vec<String>,
    /// The updater signature of the file that follows.
    signature: Vec<String>,
    /// The file.
    #[schema(value_type = Vec<String>, format = Binary)]
    artifact: Vec<Vec<u8>>,
}

/// The most files one release takes (one per platform the updater knows, and room to spare).
const MAX_FILES: usize = 16;
/// The longest text field of the form (notes, a signature, a key), in bytes.
const MAX_FIELD_BYTES: usize = 64 * 1024;

fn form_error(e: impl std::fmt::Display) -> AppError {
    AppError::bad_request(format!("the release form could not be read: {e}"))
}

/// A text field of the form, at most [`MAX_FIELD_BYTES`].
async fn text(mut field: Field<'_>) -> Result<String> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(form_error)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(AppError::bad_request(format!(
                "the field {name} is longer than {MAX_FIELD_BYTES} bytes"
            )));
        }
    }
    String::from_utf8(bytes)
        .map_err(|_| AppError::bad_request(format!("the field {name} is not UTF-8 text")))
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T> {
    text.trim()
        .parse()
        .map_err(|_| AppError::bad_request(format!("{name} is not a number: {text:?}")))
}

/// Reads the form, streaming each file to a temporary file as it comes. On any error the files
/// received so far are thrown away.
async fn read_form(
    blobs: &Blobs,
    multipart: &mut Multipart,
    files: &mut Vec<releases::IncomingArtifact>,
) -> Result<(ReleaseInput, Option<String>)> {
    let mut version = None;
    let (mut channel, mut notes, mut percent) = (UpdateChannel::default(), String::new(), 100);
    let mut org_ids = Vec::new();
    let mut pause_after_failures = bellhop_proto::DEFAULT_PAUSE_AFTER_FAILURES;
    let mut public_key = None;
    let mut platform: Option<UpdatePlatform> = None;
    let mut signature: Option<String> = None;
    while let Some(field) = multipart.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "version" => {
                version = Some(
                    text(field)
                        .await?
                        .trim()
                        .parse::<AppVersion>()
                        .map_err(AppError::bad_request)?,
                );
            }
            "channel" => {
                let text = text(field).await?;
                channel = UpdateChannel::parse(text.trim()).ok_or_else(|| {
                    AppError::bad_request(format!("{text:?} is not stable or beta"))
                })?;
            }
            "notes" => notes = text(field).await?,
            "percent" => percent = number("percent", &text(field).await?)?,
            "pause_after_failures" => {
                pause_after_failures = number("pause_after_failures", &text(field).await?)?;
            }
            "org" => {
                let org = text(field).await?;
                let id: OrgId = org.trim().parse().map_err(|_| {
                    AppError::bad_request(format!("not an organisation id: {org:?}"))
                })?;
                org_ids.push(id);
            }
            "public_key" => public_key = Some(text(field).await?),
            "platform" => {
                platform = Some(
                    text(field)
                        .await?
                        .trim()
                        .parse()
                        .map_err(AppError::bad_request)?,
                );
            }
            "signature" => signature = Some(text(field).await?),
            "artifact" => {
                let (Some(platform), Some(signature)) = (platform.take(), signature.take()) else {
                    return Err(AppError::bad_request(
                        "each file comes after its platform and its signature",
                    ));
                };
                if files.len() == MAX_FILES {
                    return Err(AppError::bad_request(format!(
                        "a release takes at most {MAX_FILES} files"
                    )));
                }
                let file_name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("bellhop-update-{platform}"));
                let received = match blobs
                    .receive_stream(field, releases::MAX_ARTIFACT_BYTES, None)
                    .await?
                {
                    Ok(received) => received,
                    Err(Refused::TooLarge(max) | Refused::WrongLength(max)) => {
                        return Err(AppError::client(
                            ErrorCode::PayloadTooLarge,
                            format!("a release's file is at most {max} bytes"),
                        ));
                    }
                };
                files.push(releases::IncomingArtifact {
                    platform,
                    file_name,
                    received,
                    signature,
                });
            }
            other => {
                return Err(AppError::bad_request(format!(
                    "the release form has no field {other:?}"
                )));
            }
        }
    }
    let input = ReleaseInput {
        version: version.ok_or_else(|| AppError::bad_request("the release needs a version"))?,
        channel,
        notes,
        percent,
        org_ids,
        pause_after_failures,
    };
    Ok((input, public_key))
}

/// Adds a release from the console (admins): its settings and its files, each with the updater
/// signature the bundler wrote beside it. The files stream to disk; each signature is checked
/// (and, given the app's public key, verified) before anything is kept.
#[utoipa::path(post, path = "/api/v1/releases", tag = "releases",
    request_body(content = ReleaseUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Release), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Release>)> {
    // Before a byte of the body is read.
    releases::require_admin(&caller)?;
    let mut multipart = multipart.map_err(|e| {
        AppError::bad_request(format!("a release comes as multipart/form-data: {e}"))
    })?;
    let mut files = Vec::new();
    let (input, public_key) = match read_form(&state.blobs, &mut multipart, &mut files).await {
        Ok(form) => form,
        Err(e) => {
            for file in files {
                state.blobs.discard(file.received).await;
            }
            return Err(e);
        }
    };
    let id = releases::add(
        &state.store,
        &state.blobs,
        Some(&caller),
        &input,
        files,
        public_key.as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(releases::get(&state.store, &caller, id).await?),
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
