//! Uploading attachments by content hash — whole, or in chunks that resume where they stopped —
//! listing and downloading them.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bellhop_proto::{Attachment, ErrorBody, ErrorCode, TicketId};

use crate::blobs::{Received, Refused};
use crate::db::Caller;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path};
use crate::response::error_response;
use crate::state::AppState;

/// Says how many bytes of an unfinished upload the server holds.
pub const UPLOAD_OFFSET: &str = "upload-offset";

/// `Content-Range: bytes START-END/TOTAL` of a chunk.
fn chunk_range(headers: &HeaderMap) -> Result<Option<(u64, u64, u64)>> {
    let Some(value) = headers.get(header::CONTENT_RANGE) else {
        return Ok(None);
    };
    let bad = || AppError::bad_request("Content-Range must read `bytes START-END/TOTAL`");
    let text = value.to_str().map_err(|_| bad())?;
    let (span, total) = text
        .strip_prefix("bytes ")
        .and_then(|r| r.split_once('/'))
        .ok_or_else(bad)?;
    let (start, end) = span.split_once('-').ok_or_else(bad)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
    let (start, end, total) = (number(start)?, number(end)?, number(total)?);
    if start > end || end >= total {
        return Err(bad());
    }
    Ok(Some((start, end, total)))
}

fn with_offset(mut response: Response, offset: u64) -> Response {
    response
        .headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    response
}

fn too_large(max: u64) -> AppError {
    AppError::client(
        ErrorCode::PayloadTooLarge,
        format!("the server accepts files of at most {max} bytes"),
    )
}

/// The declared length of the body, when the client gave one.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Uploads bytes under their SHA-256; they stream to disk, so a large file costs the server
/// no more memory than a small one. Repeating one's own upload is harmless (200 instead of
/// 201). Knowing a hash is not enough to claim a file: whoever uploads must send the bytes.
///
/// Large files may come in chunks, each with `Content-Range: bytes START-END/TOTAL`, in order:
/// a chunk is 202 with `Upload-Offset` (the bytes held so far) until the last, which is checked
/// against the hash as a whole. A chunk that does not start at the offset is 409 with the
/// offset, so an interrupted upload resumes where the server stopped (`HEAD` says where too).
#[utoipa::path(put, path = "/api/v1/attachments/{sha256}", tag = "attachments",
    params(("sha256" = String, Path, description = "lower-case hex SHA-256 of the whole file")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201), (status = 200), (status = 202, description = "a chunk was kept"),
              (status = 409, body = ErrorBody, description = "a chunk out of place"),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    state.blobs.path(&sha)?;
    let max = state.max_attachment_bytes as u64;
    if content_length(&headers).is_some_and(|len| len > max) {
        return Err(too_large(max));
    }
    if content_length(&headers) == Some(0) {
        return Err(AppError::bad_request("an attachment cannot be empty"));
    }
    let Some((start, end, total)) = chunk_range(&headers)? else {
        let received = match state.blobs.receive(body, max, None).await? {
            Ok(received) => received,
            Err(Refused::TooLarge(max)) => return Err(too_large(max)),
            Err(Refused::WrongLength(_)) => {
                return Err(AppError::bad_request("the upload was cut short"));
            }
        };
        return store_whole(&state, &caller, &sha, received)
            .await
            .map(IntoResponse::into_response);
    };
    if total > max {
        return Err(too_large(max));
    }
    if held_whole(&state, &caller, &sha).await? {
        return Ok(StatusCode::OK.into_response());
    }
    let owner = caller.user_id.to_string();
    let chunk = end - start + 1;
    let held = match state
        .blobs
        .append_partial(&owner, &sha, start, chunk, body)
        .await?
    {
        Ok(Ok(held)) => held,
        Ok(Err(held)) => {
            let response = error_response(
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                format!("the server holds {held} bytes of this file: send from there"),
            );
            return Ok(with_offset(response, held));
        }
        Err(_) => {
            return Err(AppError::bad_request(format!(
                "the chunk does not have the {chunk} bytes its Content-Range says"
            )));
        }
    };
    if held < total {
        return Ok(with_offset(StatusCode::ACCEPTED.into_response(), held));
    }
    // The last chunk: the whole file must be what its hash says, else it starts over.
    let whole = state.blobs.take_partial(&owner, &sha).await?;
    store_whole(&state, &caller, &sha, whole)
        .await
        .map(IntoResponse::into_response)
}

/// Checks a whole file against its hash, sniffs its type, keeps it on disk, then records it
/// (and that the caller uploaded it).
async fn store_whole(
    state: &AppState,
    caller: &Caller,
    sha: &str,
    received: Received,
) -> Result<StatusCode> {
    if received.len == 0 {
        state.blobs.discard(received).await;
        return Err(AppError::bad_request("an attachment cannot be empty"));
    }
    if received.sha256 != sha {
        let actual = received.sha256.clone();
        state.blobs.discard(received).await;
        return Err(AppError::bad_request(format!(
            "the body's SHA-256 is {actual}, not {sha}: the upload was damaged"
        )));
    }
    let media_type =
        infer::get(&received.head).map_or("application/octet-stream", |t| t.mime_type());
    let len = received.len;
    state.blobs.keep(received).await?;
    let new = state
        .store
        .insert_attachment(sha, len, media_type, caller.user_id)
        .await?;
    Ok(if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

/// Whether the caller uploaded `sha` and the server holds it whole. A file cut short or
/// changed on disk counts as missing, so its uploader sends it again.
async fn held_whole(state: &AppState, caller: &Caller, sha: &str) -> Result<bool> {
    Ok(match state.store.upload_size(sha, caller.user_id).await? {
        Some(size) => state.blobs.is_whole(sha, size).await,
        None => false,
    })
}

/// Whether the caller has uploaded these bytes and the server holds them whole (so the agent
/// can skip the upload); when not, an `Upload-Offset` says how much of the caller's chunked
/// upload it holds. It says nothing of anyone else's files.
#[utoipa::path(head, path = "/api/v1/attachments/{sha256}", tag = "attachments",
    params(("sha256" = String, Path, description = "lower-case hex SHA-256")),
    responses((status = 200), (status = 404)),
    security(("bearer" = [])))]
pub async fn exists(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response> {
    state.blobs.path(&sha)?;
    if held_whole(&state, &caller, &sha).await? {
        return Ok(StatusCode::OK.into_response());
    }
    let held = state
        .blobs
        .partial_len(&caller.user_id.to_string(), &sha)
        .await?;
    Ok(with_offset(StatusCode::NOT_FOUND.into_response(), held))
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
    serve(&state, &sha, &attachment.file_name, &attachment.media_type).await
}

/// A stored file's bytes as a response: images inline, anything else a download; types a
/// browser could run are served as plain bytes, with `nosniff`.
pub(super) async fn serve(
    state: &AppState,
    sha: &str,
    file_name: &str,
    media_type: &str,
) -> Result<Response> {
    let bytes = state.blobs.open(sha).await?;
    let inline = matches!(
        media_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    );
    let disposition = format!(
        "{}; filename=\"{}\"",
        if inline { "inline" } else { "attachment" },
        file_name.replace(['"', '\\'], "_")
    );
    // Types a browser could run (HTML, SVG, XML, scripts) are served as plain bytes.
    let served_type = if inline
        || !(media_type.contains("html")
            || media_type.contains("xml")
            || media_type.contains("javascript"))
    {
        media_type
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
