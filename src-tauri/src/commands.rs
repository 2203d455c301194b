//! Tauri commands: `verb_noun`, a few lines each, over the agent façade.

use std::sync::Arc;

use bellhop_agent::Agent;
use bellhop_proto::{AgentStatus, ApiError, NewTicket, OutboxItem, TicketId, TicketSource};
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
pub fn queue_ticket(agent: AgentState<'_>, input: TicketInput) -> Result<OutboxItem, ApiError> {
    agent
        .queue_ticket(NewTicket {
            id: TicketId::new(),
            title: input.title,
            description: input.description,
            priority: None,
            source: Some(TicketSource::Tray),
        })
        .map_err(|e| e.to_api())
}

#[tauri::command]
pub fn list_outbox(agent: AgentState<'_>) -> Result<Vec<OutboxItem>, ApiError> {
    agent.outbox().map_err(|e| e.to_api())
}
