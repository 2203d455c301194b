//! Uploading attachments by content hash — whole, or in chunks that resume where they stopped —
//! listing and downloading them.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bellhop_proto::{Attachment, ErrorBody, ErrorCode, TicketId};

use crate::app::AppState;
use crate::blobs::sha256_hex;
use crate::db::Caller;
use crate::error::{AppError, Result, error_response};
use crate::extract::{Json, Path, RawBody};

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

/// Uploads bytes under their SHA-256. Repeating an upload is harmless (200 instead of 201).
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
    RawBody(body): RawBody,
) -> Result<Response> {
    state.blobs.path(&sha)?;
    if body.is_empty() {
        return Err(AppError::bad_request("an attachment cannot be empty"));
    }
    let Some((start, end, total)) = chunk_range(&headers)? else {
        return store_whole(&state, &caller, &sha, &body)
            .await
            .map(IntoResponse::into_response);
    };
    if total > state.max_attachment_bytes as u64 {
        return Err(AppError::client(
            ErrorCode::PayloadTooLarge,
            format!(
                "the file is {total} bytes; the server accepts at most {}",
                state.max_attachment_bytes
            ),
        ));
    }
    if body.len() as u64 != end - start + 1 {
        return Err(AppError::bad_request(format!(
            "the chunk has {} bytes, not the {} its Content-Range says",
            body.len(),
            end - start + 1
        )));
    }
    if state.store.attachment_exists(&sha).await? {
        return Ok(StatusCode::OK.into_response());
    }
    let owner = caller.user_id.to_string();
    let held = match state
        .blobs
        .append_partial(&owner, &sha, start, &body)
        .await?
    {
        Ok(held) => held,
        Err(held) => {
            let response = error_response(
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                format!("the server holds {held} bytes of this file: send from there"),
            );
            return Ok(with_offset(response, held));
        }
    };
    if held < total {
        return Ok(with_offset(StatusCode::ACCEPTED.into_response(), held));
    }
    // The last chunk: the whole file must be what its hash says, else it starts over.
    let whole = state.blobs.take_partial(&owner, &sha).await?;
    store_whole(&state, &caller, &sha, &whole)
        .await
        .map(IntoResponse::into_response)
}

/// Checks a whole file against its hash, sniffs its type and keeps it.
async fn store_whole(
    state: &AppState,
    caller: &Caller,
    sha: &str,
    body: &[u8],
) -> Result<StatusCode> {
    let actual = sha256_hex(body);
    if actual != sha {
        return Err(AppError::bad_request(format!(
            "the body's SHA-256 is {actual}, not {sha}: the upload was damaged"
        )));
    }
    let media_type = infer::get(body).map_or("application/octet-stream", |t| t.mime_type());
    state.blobs.put(sha, body).await?;
    let new = state
        .store
        .insert_attachment(sha, body.len() as u64, media_type, caller.user_id)
        .await?;
    Ok(if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

/// Whether the server already has these bytes (so the agent can skip the upload); when not, an
/// `Upload-Offset` says how much of the caller's chunked upload it holds.
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
    if state.store.attachment_exists(&sha).await? {
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
