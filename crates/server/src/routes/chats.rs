//! Chat with the service desk: a person starts a chat and writes; the desk goes on duty, takes
//! chats from the queue, answers, hands them over, ends them or turns them into incidents.
//! Messages are heard live on `/events` (`chat`, `chat_typing`, `duty`). The rules are
//! `domain::chats`'.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bellhop_proto::{
    Chat, ChatDesk, ChatId, ChatIncident, ChatListQuery, ChatMessage, ChatMessagesQuery, Duty,
    DutyUpdate, ErrorBody, HandOver, NewChat, NewChatMessage,
};

use crate::db::Caller;
use crate::domain::chats;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

fn made<T>(made: bool, body: T) -> (StatusCode, Json<T>) {
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(body))
}

/// Whether the desk answers chats now (a technician on duty and present).
#[utoipa::path(get, path = "/api/v1/chat-desk", tag = "chat",
    responses((status = 200, body = ChatDesk), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn desk(State(state): State<AppState>, _caller: Caller) -> Result<Json<ChatDesk>> {
    Ok(Json(chats::desk(&state).await?))
}

/// Starts a chat, with its first message if written. 201 when started; 200 with the chat the
/// caller has open already (one at a time), or for a retried start.
#[utoipa::path(post, path = "/api/v1/chats", tag = "chat", request_body = NewChat,
    responses((status = 201, body = Chat), (status = 200, body = Chat),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<NewChat>,
) -> Result<(StatusCode, Json<Chat>)> {
    let (started, chat) = chats::start(&state, &caller, &req).await?;
    Ok(made(started, chat))
}

/// The caller's chats, newest first; the desk's: anyone's (`status=waiting`: the queue, oldest
/// first).
#[utoipa::path(get, path = "/api/v1/chats", tag = "chat", params(ChatListQuery),
    responses((status = 200, body = Vec<Chat>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ChatListQuery>,
) -> Result<Json<Vec<Chat>>> {
    Ok(Json(chats::list(&state, &caller, &q).await?))
}

/// One chat: its person's, or the desk's to see.
#[utoipa::path(get, path = "/api/v1/chats/{id}", tag = "chat", params(("id" = ChatId, Path)),
    responses((status = 200, body = Chat), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
) -> Result<Json<Chat>> {
    Ok(Json(chats::get(&state, &caller, id).await?))
}

/// A chat's messages numbered after `after`, in order: a reconnecting client asks for what came
/// after the last number it has.
#[utoipa::path(get, path = "/api/v1/chats/{id}/messages", tag = "chat",
    params(("id" = ChatId, Path), ChatMessagesQuery),
    responses((status = 200, body = Vec<ChatMessage>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
    Query(q): Query<ChatMessagesQuery>,
) -> Result<Json<Vec<ChatMessage>>> {
    Ok(Json(chats::messages(&state, &caller, id, &q).await?))
}

/// Writes in a chat: its person, or the technician who has it. 201 when written, 200 for a
/// resend of the same message id.
#[utoipa::path(post, path = "/api/v1/chats/{id}/messages", tag = "chat",
    params(("id" = ChatId, Path)), request_body = NewChatMessage,
    responses((status = 201, body = ChatMessage), (status = 200, body = ChatMessage),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn say(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
    Json(req): Json<NewChatMessage>,
) -> Result<(StatusCode, Json<ChatMessage>)> {
    let (written, message) = chats::say(&state, &caller, id, &req).await?;
    Ok(made(written, message))
}

/// Says the caller is typing (the other side sees it for a few seconds); nothing is kept.
#[utoipa::path(post, path = "/api/v1/chats/{id}/typing", tag = "chat",
    params(("id" = ChatId, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn typing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
) -> Result<StatusCode> {
    chats::typing(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A technician on duty takes a waiting chat. 409 when someone took it first.
#[utoipa::path(post, path = "/api/v1/chats/{id}/take", tag = "chat",
    params(("id" = ChatId, Path)),
    responses((status = 200, body = Chat), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn take(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
) -> Result<Json<Chat>> {
    Ok(Json(chats::take(&state, &caller, id).await?))
}

/// Gives the chat to a colleague on duty.
#[utoipa::path(post, path = "/api/v1/chats/{id}/hand-over", tag = "chat",
    params(("id" = ChatId, Path)), request_body = HandOver,
    responses((status = 200, body = Chat), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn hand_over(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
    Json(req): Json<HandOver>,
) -> Result<Json<Chat>> {
    Ok(Json(
        chats::hand_over(&state, &caller, id, req.technician_id).await?,
    ))
}

/// Ends the chat (its person or the desk); the transcript stays.
#[utoipa::path(post, path = "/api/v1/chats/{id}/end", tag = "chat",
    params(("id" = ChatId, Path)),
    responses((status = 200, body = Chat), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
) -> Result<Json<Chat>> {
    Ok(Json(chats::end(&state, &caller, id).await?))
}

/// Turns the chat into an incident for its person (the desk): the ticket carries the transcript
/// and the chat's files, and the chat says its number. A repeat answers the same ticket; 409
/// when another ticket already has the id the chat's ticket takes (the chat's own).
#[utoipa::path(post, path = "/api/v1/chats/{id}/incident", tag = "chat",
    params(("id" = ChatId, Path)), request_body = ChatIncident,
    responses((status = 200, body = Chat), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn incident(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ChatId>,
    Json(req): Json<ChatIncident>,
) -> Result<Json<Chat>> {
    Ok(Json(chats::incident(&state, &caller, id, &req).await?))
}

/// Downloads a file sent in a chat the caller may read.
#[utoipa::path(get, path = "/api/v1/chats/{id}/files/{sha256}", tag = "chat",
    params(("id" = ChatId, Path), ("sha256" = String, Path, description = "hash")),
    responses((status = 200, content_type = "application/octet-stream"),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, sha)): Path<(ChatId, String)>,
) -> Result<Response> {
    chats::get(&state, &caller, id).await?;
    let file = state
        .store
        .chat_file(id, &sha)
        .await?
        .ok_or_else(|| AppError::not_found("no such file in this chat"))?;
    super::attachments::serve(&state, &sha, &file.file_name, &file.media_type).await
}

/// Whether the calling technician is on duty, and who is.
#[utoipa::path(get, path = "/api/v1/duty", tag = "chat",
    responses((status = 200, body = Duty), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn duty(State(state): State<AppState>, caller: Caller) -> Result<Json<Duty>> {
    Ok(Json(chats::duty(&state, &caller).await?))
}

/// Goes on duty (chats may be taken; chat is available to people) or off.
#[utoipa::path(put, path = "/api/v1/duty", tag = "chat", request_body = DutyUpdate,
    responses((status = 200, body = Duty), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_duty(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<DutyUpdate>,
) -> Result<Json<Duty>> {
    Ok(Json(chats::set_duty(&state, &caller, req.on_duty).await?))
}
