use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use bellhop_proto::{
    AddCc, AssigneeUpdate, CcEntry, Comment, ErrorBody, NewComment, NewTicket, Page, QueueCounts,
    SystemInfo, Ticket, TicketId, TicketListQuery, TicketUpdate, UserId,
};

use crate::auth::Staff;
use crate::db::Caller;
use crate::domain::{self, tickets};
use crate::error::Result;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// The tickets the caller may see, newest first, with text search and paging.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketListQuery),
    responses((status = 200, body = Page<Ticket>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TicketListQuery>,
) -> Result<impl IntoResponse> {
    let page = state.store.list_tickets_json(&caller, &q).await?;
    Ok(([(CONTENT_TYPE, "application/json")], page))
}

/// The id of every ticket the caller may see. An offline copy asks when the change feed counts
/// fewer tickets than it holds, and drops the others.
#[utoipa::path(get, path = "/api/v1/tickets/ids", tag = "sync",
    responses((status = 200, body = Vec<TicketId>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn ids(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<TicketId>>> {
    Ok(Json(state.store.visible_ticket_ids(&caller).await?))
}

/// What a home page counts. For staff, the console's: open tickets, those awaiting the
/// customer, the technician's own, and open ones nobody handles. For anyone else, their own
/// requests: open, and awaiting their reply.
#[utoipa::path(get, path = "/api/v1/tickets/counts", tag = "tickets",
    responses((status = 200, body = QueueCounts), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn counts(State(state): State<AppState>, caller: Caller) -> Result<Json<QueueCounts>> {
    Ok(Json(tickets::queue_counts(&state.store, &caller).await?))
}

/// Opens a ticket. The id is the client's: repeating the request returns the same ticket (200).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = NewTicket,
    responses((status = 201, body = Ticket), (status = 200, body = Ticket),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewTicket>,
) -> Result<(StatusCode, Json<Ticket>)> {
    let (ticket, created) = tickets::open(&state.store, &state.public_url, &caller, &new).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ticket)))
}

/// One ticket, if the caller may see it.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")),
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
) -> Result<Json<Ticket>> {
    Ok(Json(state.store.ticket(&caller, id).await?))
}

/// Changes the status or priority. Technicians may set anything; the people who see a ticket may
/// reopen it or mark it resolved (403 otherwise).
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")), request_body = TicketUpdate,
    responses((status = 200, body = Ticket), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
    Json(update): Json<TicketUpdate>,
) -> Result<Json<Ticket>> {
    Ok(Json(
        tickets::change(&state.store, &caller, id, &update).await?,
    ))
}

/// The conversation; internal notes only for technicians.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")),
    responses((status = 200, body = Vec<Comment>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn comments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
) -> Result<Json<Vec<Comment>>> {
    Ok(Json(state.store.comments(&caller, id).await?))
}

/// Adds a public reply (or, for technicians, an internal note).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")), request_body = NewComment,
    responses((status = 200, body = Ticket), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
    Json(new): Json<NewComment>,
) -> Result<Json<Ticket>> {
    Ok(Json(tickets::reply(&state.store, &caller, id, &new).await?))
}

/// Who is copied on the ticket (they see it and its public replies).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/cc", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")),
    responses((status = 200, body = Vec<CcEntry>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cc_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
) -> Result<Json<Vec<CcEntry>>> {
    Ok(Json(state.store.cc_list(&caller, id).await?))
}

/// Copies someone on the ticket by email: the requester, their organisation's primary contact
/// or the desk; users outside the desk copy only people of the ticket's organisation.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cc", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")), request_body = AddCc,
    responses((status = 200, body = Vec<CcEntry>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_cc(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
    Json(req): Json<AddCc>,
) -> Result<Json<Vec<CcEntry>>> {
    let email = bellhop_proto::Email::parse(&req.email)?.into_string();
    Ok(Json(
        domain::cc::add_by_email(&state.store, &caller, id, &email).await?,
    ))
}

/// Stops copying someone: those who may copy people, or the person themselves.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/cc/{user_id}", tag = "tickets",
    params(("id" = String, Path, description = "ticket id"), ("user_id" = String, Path, description = "user id")),
    responses((status = 200, body = Vec<CcEntry>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_cc(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(TicketId, UserId)>,
) -> Result<Json<Vec<CcEntry>>> {
    Ok(Json(
        domain::cc::remove(&state.store, &caller, id, user).await?,
    ))
}

/// Assigns the ticket to a technician, or to nobody (technicians only).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/assignee", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")), request_body = AssigneeUpdate,
    responses((status = 200, body = Ticket), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TicketId>,
    Json(update): Json<AssigneeUpdate>,
) -> Result<Json<Ticket>> {
    Ok(Json(
        tickets::assign(&state.store, &caller, id, update.user_id).await?,
    ))
}

/// The machine as it was when the ticket was opened (technicians); `null` when the ticket did
/// not come from the desktop app or the CLI.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/system-info", tag = "tickets",
    params(("id" = String, Path, description = "ticket id")),
    responses((status = 200, body = Option<SystemInfo>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn system_info(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<TicketId>,
) -> Result<Json<Option<SystemInfo>>> {
    Ok(Json(state.store.ticket_system_info(&staff, id).await?))
}
