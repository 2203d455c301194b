//! The service catalog: everyone reads what is offered to them, the desk saves it; a primary
//! contact approves or declines a request waiting for them.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bellhop_proto::{ApprovalDecision, Catalog, ErrorBody, Ticket, TicketId};

use crate::auth::Staff;
use crate::db::Caller;
use crate::domain::catalog;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The catalog as the caller may use it: the items offered to their organisation, by category
/// in order. Technicians read all of it, with whom each item is for. It carries an `ETag`; asked
/// again with it in `If-None-Match` and unchanged for the caller, the answer is an empty 304, so
/// the desktop app's check at every sync costs nothing.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "tickets",
    params(("If-None-Match" = Option<String>, Header, description = "the ETag of the copy held")),
    responses((status = 200, body = Catalog), (status = 304, description = "unchanged"),
              (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response> {
    let catalog = catalog::mine(&state.store, &caller).await?;
    let body = serde_json::to_vec(&catalog).map_err(anyhow::Error::from)?;
    let tag = etag_of(&body);
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|held| held.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let cache = [
        (header::ETAG, tag),
        (header::CACHE_CONTROL, "private, no-cache".to_owned()),
    ];
    if held {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((
        cache,
        [(header::CONTENT_TYPE, "application/json".to_owned())],
        body,
    )
        .into_response())
}

/// A strong entity tag for a body: its SHA-256, quoted (the first 128 bits are plenty).
fn etag_of(body: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Replaces the catalog (technicians): categories and items in the order the portal shows them.
/// Tickets already asked for keep their item's key.
#[utoipa::path(put, path = "/api/v1/catalog", tag = "console",
    request_body = Catalog,
    responses((status = 200, body = Catalog), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Json(input): Json<Catalog>,
) -> Result<Json<Catalog>> {
    Ok(Json(catalog::save(&state.store, &staff, input).await?))
}

/// A primary contact approves or declines a request of their organisation that waits for
/// approval. Approved, the desk sees it; declined, it is closed (the reason is a reply).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/approval", tag = "tickets",
    params(("id" = TicketId, Path)),
    request_body = ApprovalDecision,
    responses((status = 200, body = Ticket), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
    Json(decision): Json<ApprovalDecision>,
) -> Result<Json<Ticket>> {
    Ok(Json(
        catalog::decide(&state.store, &state.public_url, &caller, id, &decision).await?,
    ))
}
