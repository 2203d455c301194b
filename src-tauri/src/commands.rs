//! Tauri commands: `verb_noun`, a few lines each, over the agent façade.

use std::sync::Arc;

use bellhop_agent::{Agent, Screenshot};
use bellhop_proto::{
    ActionId, AgentStatus, ApiError, Article, ArticleSummary, Brand, Catalog, Draft, ErrorCode,
    LocalAction, LocalTicket, MyPortal, NewAttachment, OutboxItem, Redaction, TicketChange,
    TicketForm, TicketId, User,
};
use serde::Deserialize;
use tauri::State;

use crate::hotkey::PendingScreenshot;
use crate::sync::LastStatus;

pub(crate) type AgentState<'a> = State<'a, Arc<Agent>>;

/// Where the agent stands, as the sync loop last saw it (asked afresh only before its first
/// pass). The window reloads when the loop emits `bellhop://changed`.
#[tauri::command]
pub async fn get_status(
    agent: AgentState<'_>,
    last: State<'_, LastStatus>,
) -> Result<AgentStatus, ApiError> {
    match last.get() {
        Some(status) => Ok(status),
        None => Ok(agent.status().await?),
    }
}

/// My tickets: waiting in the outbox first, then those the server has, from the local cache.
#[tauri::command]
pub fn list_tickets(agent: AgentState<'_>) -> Result<Vec<LocalTicket>, ApiError> {
    Ok(agent.tickets()?)
}

/// The self-service actions counting down or running on this computer now.
#[tauri::command]
pub fn list_actions_here(here: State<'_, crate::actions::ActionsHere>) -> Vec<LocalAction> {
    here.current()
}

/// The person at the computer cancels a restart or shut down during its countdown; `false`
/// when it is too late (it started) or it is not this app's.
#[tauri::command]
pub fn cancel_action_here(agent: AgentState<'_>, id: ActionId) -> bool {
    agent.cancel_action_here(id)
}

/// What the desk lets this user do (portal settings, from the last pull; `None` before it).
#[tauri::command]
pub fn get_portal(agent: AgentState<'_>) -> Result<Option<MyPortal>, ApiError> {
    Ok(agent.portal()?)
}

/// The service catalog offered to this user, from the last pull (`None` before it): what the
/// window lists and asks for, offline too.
#[tauri::command]
pub fn get_catalog(agent: AgentState<'_>) -> Result<Option<Catalog>, ApiError> {
    Ok(agent.catalog()?)
}

/// The desk's brand as last heard (Bellhop's before the server was asked once): the windows
/// wear its name, colour and contacts, offline too.
#[tauri::command]
pub fn get_brand(app: tauri::AppHandle) -> Brand {
    crate::tray::brand(&app)
}

/// One cached ticket with its conversation; opening it marks it read (and the tray follows).
#[tauri::command]
pub async fn get_ticket(
    app: tauri::AppHandle,
    agent: AgentState<'_>,
    last: State<'_, LastStatus>,
    id: TicketId,
) -> Result<TicketChange, ApiError> {
    let opened = agent.open_ticket(id)?;
    if opened.unread_changed {
        crate::sync::refresh(&app, &agent, &last).await;
    }
    Ok(opened.change)
}

/// "Save as draft", and Esc in the new-ticket form.
#[tauri::command]
pub fn save_draft(
    agent: AgentState<'_>,
    id: Option<String>,
    form: TicketForm,
) -> Result<Draft, ApiError> {
    Ok(agent.save_draft(id.as_deref(), &form)?)
}

#[tauri::command]
pub fn list_drafts(agent: AgentState<'_>) -> Result<Vec<Draft>, ApiError> {
    Ok(agent.drafts()?)
}

#[tauri::command]
pub fn discard_draft(agent: AgentState<'_>, id: String) -> Result<(), ApiError> {
    Ok(agent.discard_draft(&id)?)
}

/// A draft's "Send": it becomes a queued ticket.
#[tauri::command]
pub fn submit_draft(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    id: String,
) -> Result<OutboxItem, ApiError> {
    let item = agent.submit_draft(&id)?;
    sync.now();
    Ok(item)
}

/// "Reopen": queued in the outbox; the server decides whether the ticket may be reopened.
#[tauri::command]
pub fn queue_reopen(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    id: TicketId,
) -> Result<OutboxItem, ApiError> {
    let item = agent.queue_reopen(id)?;
    sync.now();
    Ok(item)
}

/// "Add to conversation": queued in the outbox, so it works offline, with files handed over
/// beforehand (`stage_file`).
#[tauri::command]
pub fn queue_reply(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    id: TicketId,
    body: String,
    files: Option<Vec<NewAttachment>>,
) -> Result<OutboxItem, ApiError> {
    let item = agent.queue_reply_with_attachments(id, &body, files.unwrap_or_default())?;
    sync.now();
    Ok(item)
}

/// A file picked in the window: its bytes are the raw request body, its name the
/// `x-file-name` header (URI-encoded). Kept on this device by hash until a reply names it.
#[tauri::command]
pub fn stage_file(
    agent: AgentState<'_>,
    request: tauri::ipc::Request<'_>,
) -> Result<NewAttachment, ApiError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "send the file's bytes as the request body",
        ));
    };
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "the file has no name"))?;
    Ok(agent.stage_file(&name, bytes)?)
}

/// A file of a cached ticket, as raw bytes (fetched once, then read from this device).
#[tauri::command]
pub async fn get_attachment(
    agent: AgentState<'_>,
    ticket_id: TicketId,
    sha256: String,
) -> Result<tauri::ipc::Response, ApiError> {
    let bytes = agent.attachment(ticket_id, &sha256).await?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// "Edit and resend": a refused ticket becomes a draft with its words, fields and files.
#[tauri::command]
pub fn edit_rejected(agent: AgentState<'_>, seq: i64) -> Result<Draft, ApiError> {
    Ok(agent.edit_rejected(seq)?)
}

/// Sends a refused item again as it is.
#[tauri::command]
pub fn resend_rejected(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    seq: i64,
) -> Result<OutboxItem, ApiError> {
    let item = agent.resend_rejected(seq)?;
    sync.now();
    Ok(item)
}

/// Forgets a refused item.
#[tauri::command]
pub fn discard_rejected(agent: AgentState<'_>, seq: i64) -> Result<(), ApiError> {
    Ok(agent.discard_rejected(seq)?)
}

/// Stops keeping one file with a draft.
#[tauri::command]
pub fn drop_draft_file(
    agent: AgentState<'_>,
    id: String,
    sha256: String,
) -> Result<Draft, ApiError> {
    Ok(agent.drop_draft_file(&id, &sha256)?)
}

/// The portal window has drawn its first frame: the background work of starting up (the hidden
/// quick-ticket window) may begin. Until then the hotkey makes that window on demand.
#[tauri::command]
pub fn window_rendered(app: tauri::AppHandle, window: tauri::Window) {
    if window.label() == crate::windows::MAIN {
        tauri::async_runtime::spawn(async move { crate::windows::prepare_quick(&app) });
    }
}

/// The knowledge base kept on this device: every word of `q`, as word prefixes.
#[tauri::command]
pub fn search_articles(agent: AgentState<'_>, q: String) -> Result<Vec<ArticleSummary>, ApiError> {
    Ok(agent.articles(&q)?)
}

/// One article from the copy on this device (its body is HTML the server sanitised).
#[tauri::command]
pub fn get_article(agent: AgentState<'_>, id: String) -> Result<Article, ApiError> {
    Ok(agent.article(&id)?)
}

/// What the form sends; the id and source are the shell's to set.
#[derive(Debug, Deserialize)]
pub struct TicketInput {
    /// Title, description, type and custom field values.
    #[serde(flatten)]
    form: TicketForm,
    /// Attach the screenshot taken at the hotkey press (if one is pending).
    #[serde(default)]
    with_screenshot: bool,
    /// Areas of the screenshot to paint over before it is stored, in its pixels.
    #[serde(default)]
    redactions: Vec<Redaction>,
    /// The draft the form kept the words in as they were typed: removed as the ticket is queued.
    #[serde(default)]
    draft_id: Option<String>,
}

#[tauri::command]
pub fn queue_ticket(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    pending: State<'_, PendingScreenshot>,
    input: TicketInput,
) -> Result<OutboxItem, ApiError> {
    let attached = input.with_screenshot;
    let screenshot = match (input.with_screenshot, pending.get()) {
        (true, Some(png)) => Some(Screenshot {
            png,
            redactions: input.redactions,
        }),
        _ => None,
    };
    let item = agent.send_form(input.form, screenshot, input.draft_id)?;
    // Only once the ticket that took it is durable is the screenshot let go (a catalog request
    // sent meanwhile leaves it for the ticket it was taken for).
    if attached {
        pending.clear();
    }
    sync.now();
    Ok(item)
}

#[tauri::command]
pub fn list_outbox(agent: AgentState<'_>) -> Result<Vec<OutboxItem>, ApiError> {
    Ok(agent.outbox()?)
}

#[derive(Debug, Deserialize)]
pub struct IdentityInput {
    first_name: String,
    last_name: String,
    email: String,
}

/// Personal settings, step one: the server emails a confirmation token.
#[tauri::command]
pub async fn send_identity_token(
    agent: AgentState<'_>,
    input: IdentityInput,
) -> Result<(), ApiError> {
    Ok(agent
        .send_identity_token(&input.first_name, &input.last_name, &input.email)
        .await?)
}

/// Personal settings, step two: the typed token unlocks ticketing on this device.
#[tauri::command]
pub async fn confirm_identity(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    email: String,
    token: String,
) -> Result<User, ApiError> {
    let user = agent.confirm_identity(&email, &token).await?;
    sync.now();
    Ok(user)
}

/// Personal settings, instead of the emailed token: the person signs in with their company
/// account in the system browser, which comes back to the app on a loopback address (RFC 8252).
/// Waits for the browser (ten minutes at most). A refusal comes back as `forbidden` with the
/// reason's code as its message (`unverified_email`, `wrong_tenant`, …) for the UI to word.
#[tauri::command]
pub async fn confirm_identity_with_company(
    app: tauri::AppHandle,
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    email: String,
) -> Result<User, ApiError> {
    let sign_in = agent.begin_company_sign_in(&email).await?;
    crate::windows::open_link(&app, sign_in.url()).map_err(|e| {
        ApiError::new(
            bellhop_proto::ErrorCode::Unavailable,
            format!("cannot open the browser: {e}"),
        )
    })?;
    let user = agent.finish_company_sign_in(sign_in).await?;
    sync.now();
    Ok(user)
}

/// Tray "Sync now" and the UI's retry button.
#[tauri::command]
pub fn sync_now(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
) -> Result<(), ApiError> {
    agent.retry_now()?;
    sync.now();
    Ok(())
}

/// The screenshot taken at the hotkey press, as a `data:` URL for the preview.
#[tauri::command]
pub fn get_screenshot(pending: State<'_, PendingScreenshot>) -> Option<String> {
    // The moment the form is up and asking (the hotkey benchmark reads it).
    tracing::debug!("the new-ticket form asked for its screenshot");
    pending.get().map(|png| png_data_url(&png))
}

/// A PNG as the window shows it: a data: URL.
pub fn png_data_url(png: &[u8]) -> String {
    use base64::Engine;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// "Remove screenshot".
#[tauri::command]
pub fn drop_screenshot(pending: State<'_, PendingScreenshot>) {
    pending.clear();
}

/// The app's language ("it"): the user's choice, else the OS's, else English.
#[tauri::command]
pub fn get_language(agent: AgentState<'_>) -> Result<String, ApiError> {
    Ok(agent.language()?.as_str().to_owned())
}

/// The settings page's language menu: the tray menu, notifications and every window follow.
#[tauri::command]
pub fn set_language(app: tauri::AppHandle, code: String) -> Result<(), ApiError> {
    let language = bellhop_proto::Language::from_tag(&code).ok_or_else(|| {
        ApiError::new(
            bellhop_proto::ErrorCode::BadRequest,
            format!("Bellhop does not speak {code:?}"),
        )
    })?;
    Ok(crate::tray::set_language(&app, language)?)
}

/// The new-ticket shortcut and whether it works.
#[tauri::command]
pub fn get_hotkey(state: State<'_, crate::hotkey::HotkeyState>) -> bellhop_proto::HotkeyStatus {
    state.get()
}

/// Changes the shortcut; refused (the old one kept) when another program holds the new one.
#[tauri::command]
pub fn set_hotkey(
    app: tauri::AppHandle,
    state: State<'_, crate::hotkey::HotkeyState>,
    accelerator: String,
) -> Result<bellhop_proto::HotkeyStatus, ApiError> {
    crate::hotkey::change(&app, &state, &accelerator)
}

/// Whether Bellhop starts at login.
#[tauri::command]
pub fn get_autostart(app: tauri::AppHandle) -> Result<bool, ApiError> {
    crate::autostart::enabled(&app)
}

/// Settings' "Start Bellhop when I log in".
#[tauri::command]
pub fn set_autostart(app: tauri::AppHandle, on: bool) -> Result<bool, ApiError> {
    crate::autostart::set(&app, on)
}

/// Every setting with where it came from: the Settings page locks those the organisation
/// manages.
#[tauri::command]
pub fn get_app_settings(agent: AgentState<'_>) -> Result<Vec<bellhop_proto::AppSetting>, ApiError> {
    Ok(agent.settings(&[])?)
}

/// Whether the new-ticket window is kept ready (fast) rather than made on each press (low memory).
#[tauri::command]
pub fn get_quick_ready(agent: AgentState<'_>) -> Result<bool, ApiError> {
    Ok(agent.quick_window_ready()?)
}

/// The settings page's memory choice; takes effect at once (the hidden window made or let go).
#[tauri::command]
pub fn set_quick_ready(
    app: tauri::AppHandle,
    agent: AgentState<'_>,
    ready: bool,
) -> Result<bool, ApiError> {
    agent.set_quick_window_ready(ready)?;
    crate::windows::prepare_quick(&app);
    Ok(agent.quick_window_ready()?)
}
