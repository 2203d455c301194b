//! The service catalog: everyone reads what is offered to them, the desk saves it; a primary
//! contact approves or declines a request waiting for them.

use axum::extract::State;
use bellhop_proto::{ApprovalDecision, Catalog, ErrorBody, Ticket, TicketId};

use crate::auth::Staff;
use crate::db::Caller;
use crate::domain::catalog;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The catalog as the caller may use it: the items offered to their organisation, by category
/// in order. Technicians read all of it, with whom each item is for.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "tickets",
    responses((status = 200, body = Catalog), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Json<Catalog>> {
    Ok(Json(catalog::mine(&state.store, &caller).await?))
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
