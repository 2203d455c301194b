//! Tauri commands: `verb_noun`, a few lines each, over the agent façade.

use std::sync::Arc;

use bellhop_agent::Agent;
use bellhop_proto::{AgentStatus, ApiError, NewTicket, OutboxItem, TicketId, TicketSource, User};
use serde::Deserialize;
use tauri::State;

type AgentState<'a> = State<'a, Arc<Agent>>;

#[tauri::command]
pub async fn get_status(agent: AgentState<'_>) -> Result<AgentStatus, ApiError> {
    agent.status().await.map_err(|e| e.to_api())
}

/// What the form sends; the id and source are the shell's to set.
#[derive(Debug, Deserialize)]
pub struct TicketInput {
    title: String,
    description: String,
}

#[tauri::command]
pub fn queue_ticket(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    input: TicketInput,
) -> Result<OutboxItem, ApiError> {
    let item = agent
        .queue_ticket(NewTicket {
            id: TicketId::new(),
            title: input.title,
            description: input.description,
            priority: None,
            source: Some(TicketSource::Tray),
            attachments: Vec::new(),
        })
        .map_err(|e| e.to_api())?;
    sync.now();
    Ok(item)
}

#[tauri::command]
pub fn list_outbox(agent: AgentState<'_>) -> Result<Vec<OutboxItem>, ApiError> {
    agent.outbox().map_err(|e| e.to_api())
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
    agent
        .send_identity_token(&input.first_name, &input.last_name, &input.email)
        .await
        .map_err(|e| e.to_api())
}

/// Personal settings, step two: the typed token unlocks ticketing on this device.
#[tauri::command]
pub async fn confirm_identity(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
    email: String,
    token: String,
) -> Result<User, ApiError> {
    let user = agent
        .confirm_identity(&email, &token)
        .await
        .map_err(|e| e.to_api())?;
    sync.now();
    Ok(user)
}

/// Tray "Sync now" and the UI's retry button.
#[tauri::command]
pub fn sync_now(
    agent: AgentState<'_>,
    sync: State<'_, crate::sync::SyncHandle>,
) -> Result<(), ApiError> {
    agent.retry_now().map_err(|e| e.to_api())?;
    sync.now();
    Ok(())
}
