use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use bellhop_proto::{
    ActionEvent, ChangesPage, ChangesQuery, ChatEvent, ErrorBody, PushRequest, PushResponse,
    TicketEvent,
};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::{Stream, StreamExt};

use crate::auth::{bearer, caller_for_token};
use crate::db::{Caller, Signal};
use crate::error::{AppError, Result};
use crate::extract::{Json, Query};
use crate::state::AppState;

/// Most operations accepted in one push.
pub const MAX_PUSH_OPS: usize = 500;

/// Applies a batch of operations in order; each one's outcome is saved and replayed on repeats.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>> {
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(AppError::bad_request(format!(
            "at most {MAX_PUSH_OPS} operations per push"
        )));
    }
    let mut outcomes = Vec::with_capacity(req.ops.len());
    for op in &req.ops {
        outcomes
            .push(crate::domain::sync::apply(&state.store, &state.public_url, &caller, op).await?);
    }
    Ok(Json(PushResponse { outcomes }))
}

/// The tickets the caller may see that changed after the cursor, each as it is now.
#[utoipa::path(get, path = "/api/v1/sync/changes", tag = "sync", params(ChangesQuery),
    responses((status = 200, body = ChangesPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ChangesQuery>,
) -> Result<Json<ChangesPage>> {
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::bad_request("after must not be negative"));
    }
    Ok(Json(
        state
            .store
            .changes_after(&caller, after, q.limit.unwrap_or(200))
            .await?,
    ))
}

/// Live events as Server-Sent Events:
/// - `ticket` when a ticket the caller can see changes;
/// - `resync` when this client fell behind and should pull;
/// - `kb` when the knowledge base may have changed for the caller (an offline copy compares its
///   stamps again);
/// - `action` when a self-service action the caller asked for, or meant for their computer,
///   moved on (the desk hears of every one);
/// - `chat` when a chat of the caller's has a new message (the desk hears of every chat), and
///   `chat_typing` when the other side is typing in it;
/// - `duty` when who is on duty changed (whether chat is available may have).
///
/// A comment line every 15 s keeps proxies from closing the stream. A technician's open stream
/// keeps them present (on duty through a page reload). The stream ends when the server shuts
/// down or the caller's credential stops working.
#[utoipa::path(get, path = "/api/v1/events", tag = "sync",
    responses((status = 200, description = "text/event-stream of TicketEvent", body = TicketEvent),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let slot = state.streams.take(caller.user_id).ok_or_else(|| {
        AppError::limited(
            "too many live event streams are open for you; close one",
            Duration::from_secs(30),
        )
    })?;
    let hears = caller.clone();
    let (caller_is_staff, staff_id) = (caller.is_staff(), caller.user_id);
    let revoked = credential_stops_working(&state, bearer(&headers).unwrap_or_default());
    let stream = BroadcastStream::new(state.store.subscribe()).filter_map(move |item| match item {
        Ok(change) if change.visible_to(&caller) => {
            let event = TicketEvent {
                seq: change.seq,
                ticket_id: change.ticket_id,
            };
            Some(Ok(Event::default()
                .event("ticket")
                .json_data(event)
                .unwrap_or_else(|_| {
                    Event::default().event("resync").data("{}")
                })))
        }
        Ok(_) => None,
        Err(BroadcastStreamRecvError::Lagged(_)) => {
            Some(Ok(Event::default().event("resync").data("{}")))
        }
    });
    let signals = BroadcastStream::new(state.store.subscribe_signals())
        .filter_map(move |item| signal_event(item, &hears).map(Ok));
    let stream = stream.merge(signals);
    // A technician's open stream keeps them present (on duty through a reload, not after).
    let present = caller_is_staff.then(|| keep_present(&state, staff_id));
    // The first event tells the client the stream is live, so it can pull once and then rely
    // on events.
    // The stream holds its slot until it ends.
    let stream = stream.map(move |event| {
        let _held = (&slot, &present);
        event
    });
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("{}")));
    let mut closing = state.closing.clone();
    let closed = async move {
        let _ = closing.wait_for(|c| *c).await;
    };
    let end = futures_util::future::select(Box::pin(closed), Box::pin(revoked));
    Ok(Sse::new(futures_util::StreamExt::take_until(
        hello.chain(stream),
        end,
    ))
    .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The live event a signal is for `caller`, if any.
fn signal_event(
    item: std::result::Result<Signal, BroadcastStreamRecvError>,
    caller: &Caller,
) -> Option<Event> {
    match item {
        // Missed signals: anything may have moved.
        Err(BroadcastStreamRecvError::Lagged(_)) => {
            Some(Event::default().event("resync").data("{}"))
        }
        Ok(Signal::Kb) => Some(Event::default().event("kb").data("{}")),
        Ok(Signal::Action(Some(note))) if note.heard_by(caller) => Some(json(
            "action",
            ActionEvent {
                action_id: Some(note.action),
                device_id: Some(note.device),
            },
        )),
        Ok(Signal::Action(None)) => Some(Event::default().event("action").data("{}")),
        Ok(Signal::Chat(Some(note))) if note.heard_by(caller) => Some(json(
            "chat",
            ChatEvent {
                chat_id: note.chat,
                seq: note.seq,
                user_id: None,
            },
        )),
        Ok(Signal::Chat(None)) => Some(Event::default().event("resync").data("{}")),
        Ok(Signal::Typing(note)) if note.heard_by(caller) => Some(json(
            "chat_typing",
            ChatEvent {
                chat_id: note.chat,
                seq: 0,
                user_id: Some(note.typist),
            },
        )),
        Ok(Signal::Duty) => Some(Event::default().event("duty").data("{}")),
        Ok(
            Signal::Access | Signal::Action(Some(_)) | Signal::Chat(Some(_)) | Signal::Typing(_),
        ) => None,
    }
}

/// An event carrying `data` as JSON (a resync, should it not serialise).
fn json(name: &str, data: impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event("resync").data("{}"))
}

/// Says, while it lives, that the technician is present; a technician on duty who arrives
/// (a first console, or back after a lapse) makes chat available again.
/// It says so three times within [`AppState::presence_holds`].
fn keep_present(state: &AppState, user: bellhop_proto::UserId) -> AbortOnDrop {
    let store = state.store.clone();
    let holds = state.presence_holds;
    AbortOnDrop(tokio::spawn(async move {
        let mut tick = tokio::time::interval(holds / 3);
        loop {
            tick.tick().await;
            let until = crate::db::now_ms() + i64::try_from(holds.as_millis()).unwrap_or(0);
            match store.keep_present(user, until).await {
                Ok(true) => {
                    if store.is_on_duty(user).await.unwrap_or(false) {
                        let _ = store.duty_changed().await;
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not keep a technician present"),
            }
        }
    }))
}

/// A task that ends with its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Resolves when the stream's bearer token stops signing in (the device was deactivated, the
/// session or credential revoked): checked again whenever the store says access changed, so a
/// revoked client loses its live events at once instead of at its next request.
fn credential_stops_working(state: &AppState, token: &str) -> impl Future<Output = ()> + use<> {
    let store = state.store.clone();
    let mut signals = store.subscribe_signals();
    let token = token.to_owned();
    async move {
        loop {
            match signals.recv().await {
                Ok(Signal::Access) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Ok(Signal::Kb | Signal::Action(_) | Signal::Chat(_) | Signal::Typing(_))
                | Ok(Signal::Duty) => continue,
                Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
            }
            // A database hiccup is not a revocation: keep the stream and check next time.
            if let Ok(None) = caller_for_token(&store, &token).await {
                return;
            }
        }
    }
}
