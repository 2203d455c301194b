//! The assistant in the portal window: a question asked through the agent (online), its words
//! sent to the window as they arrive, and the hand-over with the screenshot the shortcut took.
//! The quick-ticket form's "Ask the assistant", and the shortcut itself where the desk asks for
//! the assistant first, bring the screenshot and the words typed here.

use std::sync::Mutex;

use bellhop_agent::capture;
use bellhop_proto::{
    ApiError, AssistantAsk, AssistantHandOver, AssistantStart, AssistantTurn, ErrorCode, Redaction,
    Ticket,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, State};

use crate::commands::{AgentState, png_data_url};
use crate::hotkey::PendingScreenshot;
use crate::windows::MAIN;

/// What the shortcut handed the assistant: its screenshot, kept until the hand-over takes it or
/// the person removes it, and the words typed in the quick form with their draft, taken once by
/// the window.
#[derive(Default)]
pub struct AssistantShot {
    screenshot: PendingScreenshot,
    typed: Mutex<(Option<String>, Option<String>)>,
}

/// Heard by the portal window when the shortcut starts the assistant again.
const STARTED: &str = "bellhop://assistant-started";

/// Gives the assistant the shortcut's screenshot (moved, not copied) and the words typed, then
/// shows it.
pub fn start(
    app: &AppHandle,
    pending: &PendingScreenshot,
    question: Option<String>,
    draft_id: Option<String>,
) {
    use tauri::Manager;
    let shot = app.state::<AssistantShot>();
    pending.move_to(&shot.screenshot);
    *shot.typed.lock().unwrap_or_else(|p| p.into_inner()) = (question, draft_id);
    crate::windows::show_main_at(app, "#/assistant");
    let _ = app.emit_to(MAIN, STARTED, ());
}

/// Asks the assistant; `on_words` hears the answer's words as they are written. Resolves with the
/// whole answer, sealed, for the next question's history.
#[tauri::command]
pub async fn ask_assistant(
    agent: AgentState<'_>,
    ask: AssistantAsk,
    on_words: Channel<String>,
) -> Result<AssistantTurn, ApiError> {
    Ok(agent
        .ask_assistant(&ask, |words| {
            let _ = on_words.send(words);
        })
        .await?)
}

/// Hands the conversation to the desk, with the shortcut's screenshot when one is kept; once the
/// ticket has it, the screenshot is let go. The same ticket id again is the same ticket.
#[tauri::command]
pub async fn hand_over_to_desk(
    agent: AgentState<'_>,
    shot: State<'_, AssistantShot>,
    hand_over: AssistantHandOver,
) -> Result<Ticket, ApiError> {
    let png = shot.screenshot.get();
    let ticket = agent.hand_over(hand_over, png.as_deref()).await?;
    shot.screenshot.clear();
    Ok(ticket)
}

/// What the shortcut handed the assistant: the screenshot (as a `data:` URL, kept), and the typed
/// words with their draft (taken: given once).
#[tauri::command]
pub fn assistant_start(shot: State<'_, AssistantShot>) -> AssistantStart {
    let (question, draft_id) =
        std::mem::take(&mut *shot.typed.lock().unwrap_or_else(|p| p.into_inner()));
    AssistantStart {
        screenshot: shot.screenshot.get().map(|png| png_data_url(&png)),
        question,
        draft_id,
    }
}

/// "Remove screenshot" in the assistant.
#[tauri::command]
pub fn drop_assistant_screenshot(shot: State<'_, AssistantShot>) {
    shot.screenshot.clear();
}

/// The quick-ticket form's "Ask the assistant": the screenshot (unless removed) and the words
/// typed go to the assistant in the portal window; the draft keeping the words stays until the
/// assistant is asked.
#[tauri::command]
pub async fn ask_assistant_instead(
    app: AppHandle,
    pending: State<'_, PendingScreenshot>,
    question: String,
    with_screenshot: bool,
    hidden: Vec<Redaction>,
    draft_id: Option<String>,
) -> Result<(), ApiError> {
    if !with_screenshot {
        pending.clear();
    } else if !hidden.is_empty() {
        // What the person hid is painted over before the picture goes anywhere.
        if let Some(png) = pending.get() {
            let redacted =
                tauri::async_runtime::spawn_blocking(move || capture::redact_png(&png, &hidden))
                    .await
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
            pending.set_png(redacted);
        }
    }
    let question = Some(question.trim().to_owned()).filter(|q| !q.is_empty());
    start(&app, &pending, question, draft_id);
    Ok(())
}
