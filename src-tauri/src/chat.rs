//! Chat with the service desk from the main window: commands that ask the server through the
//! agent (online only), the live stream's chat news passed to the window, a notification for
//! each message from the desk while the window is hidden, and a screenshot taken in one click,
//! shown to hide parts of it, then sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bellhop_agent::{Agent, ChatHeard, capture};
use bellhop_proto::{
    ApiError, Chat, ChatDesk, ChatEvent, ChatId, ChatMessage, ChatMessageId, ChatMessageKind,
    NewAttachment, Redaction,
};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::i18n::tr;
use crate::windows::MAIN;

/// The event the window's chat listens to: a message, or someone typing (`user_id` set).
pub const CHAT_EVENT: &str = "bellhop://chat";
/// The live stream (re)connected: read the chat again, something may have been missed.
pub const RESYNC_EVENT: &str = "bellhop://chat-resync";
/// Who is on duty changed.
pub const DUTY_EVENT: &str = "bellhop://duty";

type AgentState<'a> = State<'a, Arc<Agent>>;

/// Has the agent tell the window of chat news, and raise a notification for the desk's
/// messages when the window is not in front of the person.
pub fn listen(app: &AppHandle, agent: &Agent) {
    let app = app.clone();
    agent.on_chat(move |heard| match heard {
        ChatHeard::Message(event) => {
            let _ = app.emit(CHAT_EVENT, event);
            if window_in_front(&app) {
                app.state::<Arc<Agent>>()
                    .chat_seen(event.chat_id, event.seq);
            } else {
                notify_news(&app, event);
            }
        }
        ChatHeard::Typing(event) => {
            let _ = app.emit(CHAT_EVENT, event);
        }
        ChatHeard::Duty => {
            let _ = app.emit(DUTY_EVENT, ());
        }
        ChatHeard::Resync => {
            let _ = app.emit(RESYNC_EVENT, ());
        }
    });
}

/// Whether the person sees the main window now: shown, not minimised, focused.
fn window_in_front(app: &AppHandle) -> bool {
    app.get_webview_window(MAIN).is_some_and(|w| {
        w.is_visible().unwrap_or(false)
            && !w.is_minimized().unwrap_or(false)
            && w.is_focused().unwrap_or(false)
    })
}

/// One notification per new message from the desk (the newest words), opening the chat.
fn notify_news(app: &AppHandle, event: ChatEvent) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let agent = app.state::<Arc<Agent>>().inner().clone();
        let news = match agent.chat_news(event.chat_id, event.seq).await {
            Ok(news) => news,
            Err(e) => {
                tracing::info!(error = %e, "chat news could not be read");
                return;
            }
        };
        let language = agent.language().unwrap_or_default();
        for message in news {
            let name = message.author_name.clone().unwrap_or_default();
            let body = if message.kind == ChatMessageKind::Incident {
                tr(
                    language,
                    "chat.notify_incident",
                    &[("number", &message.body)],
                )
            } else if message.body.is_empty() {
                tr(language, "chat.notify_file", &[])
            } else {
                message.body.clone()
            };
            crate::notify::show_now(
                &app,
                crate::notify::Shown {
                    summary: tr(language, "chat.notify_from", &[("name", &name)]),
                    body,
                    route: format!("#/chat/{}", event.chat_id),
                },
                language,
            );
        }
    });
}

/// Whether the desk answers chats now.
#[tauri::command]
pub async fn chat_desk(agent: AgentState<'_>) -> Result<ChatDesk, ApiError> {
    Ok(agent.chat_desk().await?)
}

/// Starts a chat with its first words (or answers the open one).
#[tauri::command]
pub async fn start_chat(agent: AgentState<'_>, first: Option<String>) -> Result<Chat, ApiError> {
    Ok(agent.start_chat(first.as_deref()).await?)
}

/// The person's chats, newest first.
#[tauri::command]
pub async fn list_chats(agent: AgentState<'_>) -> Result<Vec<Chat>, ApiError> {
    Ok(agent.my_chats().await?)
}

#[tauri::command]
pub async fn get_chat(agent: AgentState<'_>, id: ChatId) -> Result<Chat, ApiError> {
    Ok(agent.chat(id).await?)
}

/// A chat's messages numbered after `after`.
#[tauri::command]
pub async fn chat_messages(
    agent: AgentState<'_>,
    id: ChatId,
    after: i64,
) -> Result<Vec<ChatMessage>, ApiError> {
    Ok(agent.chat_messages(id, after).await?)
}

/// Writes in a chat, with files staged beforehand (`stage_file`).
#[tauri::command]
pub async fn say_in_chat(
    agent: AgentState<'_>,
    id: ChatId,
    message_id: ChatMessageId,
    body: String,
    files: Vec<NewAttachment>,
) -> Result<ChatMessage, ApiError> {
    Ok(agent.say(id, message_id, &body, files).await?)
}

#[tauri::command]
pub async fn chat_typing(agent: AgentState<'_>, id: ChatId) -> Result<(), ApiError> {
    Ok(agent.chat_typing(id).await?)
}

#[tauri::command]
pub async fn end_chat(agent: AgentState<'_>, id: ChatId) -> Result<Chat, ApiError> {
    Ok(agent.end_chat(id).await?)
}

/// A file of a chat, as raw bytes.
#[tauri::command]
pub async fn get_chat_file(
    agent: AgentState<'_>,
    id: ChatId,
    sha256: String,
) -> Result<tauri::ipc::Response, ApiError> {
    Ok(tauri::ipc::Response::new(
        agent.chat_file(id, &sha256).await?,
    ))
}

/// How long the window takes to leave the screen before the picture is taken.
const WINDOW_AWAY: Duration = Duration::from_millis(300);

/// The chat's screenshot between its taking and its sending: the window shows it, the person
/// blacks out what the desk should not see, then sends or drops it. Nothing leaves before.
#[derive(Default)]
pub struct ChatShot(Mutex<Option<Vec<u8>>>);

impl ChatShot {
    fn put(&self, png: Vec<u8>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(png);
    }

    fn get(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// "Send a screenshot", first step: the window steps aside, the screen is captured, the window
/// comes back showing it (a data: URL) to hide parts of it before it is sent.
#[tauri::command]
pub async fn take_chat_screenshot(
    app: AppHandle,
    shot: State<'_, ChatShot>,
) -> Result<String, ApiError> {
    let window = app.get_webview_window(MAIN);
    if let Some(window) = &window {
        let _ = window.hide();
    }
    tokio::time::sleep(WINDOW_AWAY).await;
    let taken = tauri::async_runtime::spawn_blocking(|| {
        let image = capture::capture_all()?
            .into_iter()
            .next()
            .map(|s| s.image)
            .ok_or_else(|| bellhop_agent::Error::Capture("no monitor was found".into()))?;
        capture::encode_png(&image)
    })
    .await
    .map_err(|e| ApiError::new(bellhop_proto::ErrorCode::Internal, e.to_string()));
    if let Some(window) = &window {
        let _ = window.show();
        let _ = window.set_focus();
    }
    let png = taken??;
    let url = crate::commands::png_data_url(&png);
    shot.put(png);
    Ok(url)
}

/// "Send a screenshot", second step: the screenshot taken, with the areas the person hid
/// blacked out, as a message of its own. Kept until it is sent, so a failed send can be retried
/// with the same message id.
#[tauri::command]
pub async fn send_chat_screenshot(
    agent: AgentState<'_>,
    shot: State<'_, ChatShot>,
    id: ChatId,
    message_id: ChatMessageId,
    hidden: Vec<Redaction>,
) -> Result<ChatMessage, ApiError> {
    let png = shot.get().ok_or_else(|| {
        ApiError::new(
            bellhop_proto::ErrorCode::Conflict,
            "there is no screenshot to send: take it again",
        )
    })?;
    let sent = agent.say_screenshot(id, message_id, png, hidden).await?;
    shot.clear();
    Ok(sent)
}

/// "Discard" the screenshot taken.
#[tauri::command]
pub fn drop_chat_screenshot(shot: State<'_, ChatShot>) {
    shot.clear();
}
