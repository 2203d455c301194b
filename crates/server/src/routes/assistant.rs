//! The assistant: a question answered as a stream of words, and the hand-over of a conversation
//! to the desk as a ticket. The rules are `domain::assistant`'s.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use bellhop_proto::{
    AssistantAsk, AssistantEvent, AssistantHandOver, AssistantModel, AssistantModelInput,
    ErrorBody, Ticket,
};
use futures_util::StreamExt;

use crate::db::Caller;
use crate::domain::assistant;
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::state::AppState;

/// Asks the assistant. The answer streams as `application/x-ndjson`, one `AssistantEvent` per
/// line: `words` as they are written, then `done` with the whole answer, sealed, which the next
/// question sends back in its history. A refusal comes before the stream, as the usual error.
#[utoipa::path(post, path = "/api/v1/assistant/ask", tag = "assistant", request_body = AssistantAsk,
    responses((status = 200, description = "one AssistantEvent per line", body = AssistantEvent,
               content_type = "application/x-ndjson"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    Json(ask): Json<AssistantAsk>,
) -> Result<Response> {
    let events = assistant::ask(&state, &caller, &ask).await?;
    let lines = events.map(|event| {
        let mut line = serde_json::to_vec(&event).unwrap_or_else(|_| b"{}".to_vec());
        line.push(b'\n');
        Ok::<_, std::convert::Infallible>(Bytes::from(line))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(lines))
        .map_err(|e| AppError::Other(e.into()))
}

/// Hands the conversation to the service desk: a ticket with the transcript and the actions
/// taken. 201 when opened; 200 for a retry of the same ticket id.
#[utoipa::path(post, path = "/api/v1/assistant/hand-over", tag = "assistant",
    request_body = AssistantHandOver,
    responses((status = 201, body = Ticket), (status = 200, body = Ticket),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn hand_over(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<AssistantHandOver>,
) -> Result<(StatusCode, Json<Ticket>)> {
    let (ticket, created) = assistant::hand_over(&state, &caller, &req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ticket)))
}

/// The model the assistant asks (admins); `null` while the built-in engine answers. The API key
/// is never returned, only whether one is kept.
#[utoipa::path(get, path = "/api/v1/assistant/model", tag = "assistant",
    responses((status = 200, body = Option<AssistantModel>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn model(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Option<AssistantModel>>> {
    Ok(Json(assistant::model::get(&state, &caller).await?))
}

/// Sets the model (admins): any OpenAI-compatible chat-completions API with tool calling. The key
/// is kept sealed; leave it out to keep the one kept, send it empty to remove it. Audited without
/// the key.
#[utoipa::path(put, path = "/api/v1/assistant/model", tag = "assistant",
    request_body = AssistantModelInput,
    responses((status = 200, body = AssistantModel), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_model(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<AssistantModelInput>,
) -> Result<Json<AssistantModel>> {
    Ok(Json(assistant::model::set(&state, &caller, &input).await?))
}

/// Removes the model (admins): the built-in engine answers again. Audited.
#[utoipa::path(delete, path = "/api/v1/assistant/model", tag = "assistant",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn clear_model(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    assistant::model::clear(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}
