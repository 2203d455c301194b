//! Uploading attachments by content hash, listing and downloading them.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bellhop_proto::{Attachment, ErrorBody, TicketId};

use crate::app::AppState;
use crate::blobs::sha256_hex;
use crate::db::Caller;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, RawBody};

/// Uploads bytes under their SHA-256. Repeating an upload is harmless (200 instead of 201).
#[utoipa::path(put, path = "/api/v1/attachments/{sha256}", tag = "attachments",
    params(("sha256" = String, Path, description = "lower-case hex SHA-256 of the body")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201), (status = 200), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    RawBody(body): RawBody,
) -> Result<StatusCode> {
    state.blobs.path(&sha)?;
    if body.is_empty() {
        return Err(AppError::bad_request("an attachment cannot be empty"));
    }
    let actual = sha256_hex(&body);
    if actual != sha {
        return Err(AppError::bad_request(format!(
            "the body's SHA-256 is {actual}, not {sha}: the upload was damaged"
        )));
    }
    let media_type = infer::get(&body).map_or("application/octet-stream", |t| t.mime_type());
    state.blobs.put(&sha, &body).await?;
    let new = state
        .store
        .insert_attachment(&sha, body.len() as u64, media_type, caller.user_id)
        .await?;
    Ok(if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

/// Whether the server already has these bytes (so the agent can skip the upload).
#[utoipa::path(head, path = "/api/v1/attachments/{sha256}", tag = "attachments",
    params(("sha256" = String, Path, description = "lower-case hex SHA-256")),
    responses((status = 200), (status = 404)),
    security(("bearer" = [])))]
pub async fn exists(
    State(state): State<AppState>,
    _caller: Caller,
    Path(sha): Path<String>,
) -> Result<StatusCode> {
    state.blobs.path(&sha)?;
    Ok(if state.store.attachment_exists(&sha).await? {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    })
}

/// The attachments of a ticket the caller may see.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "attachments",
    params(("id" = String, Path, description = "ticket id")),
    responses((status = 200, body = Vec<Attachment>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
) -> Result<Json<Vec<Attachment>>> {
    Ok(Json(state.store.ticket_attachments(&caller, id).await?))
}

/// Downloads one attachment of a ticket the caller may see. Images are shown inline; anything
/// else is a download, with the sniffed type and `nosniff`, so an upload can never run as a page.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{sha256}", tag = "attachments",
    params(("id" = String, Path, description = "ticket id"), ("sha256" = String, Path, description = "hash")),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, sha)): Path<(TicketId, String)>,
) -> Result<Response> {
    let attachment = state
        .store
        .ticket_attachments(&caller, id)
        .await?
        .into_iter()
        .find(|a| a.sha256 == sha)
        .ok_or_else(|| AppError::not_found("no such attachment on this ticket"))?;
    let bytes = state.blobs.get(&sha).await?;
    let inline = matches!(
        attachment.media_type.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    );
    let disposition = format!(
        "{}; filename=\"{}\"",
        if inline { "inline" } else { "attachment" },
        attachment.file_name.replace(['"', '\\'], "_")
    );
    // Types a browser could run (HTML, SVG, XML, scripts) are served as plain bytes.
    let served_type = if inline
        || !(attachment.media_type.contains("html")
            || attachment.media_type.contains("xml")
            || attachment.media_type.contains("javascript"))
    {
        attachment.media_type.as_str()
    } else {
        "application/octet-stream"
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(served_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    Ok(response)
}
