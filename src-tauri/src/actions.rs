//! Self-service actions, as the person at the computer sees them.
//!
//! - On this computer: the agent runs them ([`Agent::on_action`] tells each move); here a restart
//!   or shut down that counts down raises the window with its countdown and a Cancel button and
//!   shows a notification, and the window can ask what is counting down now.
//! - From the window's Self-service page, on any of the person's computers: the commands below
//!   ask the server through the agent, online only; [`Agent::on_actions_heard`] tells the page
//!   to read the actions again when the server says one moved.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bellhop_agent::Agent;
use bellhop_proto::{
    Action, ActionId, ActionKind, ApiError, Device, DeviceId, FactorKind, LocalAction,
    LocalActionState, SecondFactor, SoftwareCatalog,
};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::i18n::tr;

/// The event the window listens to: an action on this computer moved on.
pub const ACTION_EVENT: &str = "bellhop://action";
/// The event the Self-service page listens to: one of the person's actions moved, somewhere.
pub const HEARD_EVENT: &str = "bellhop://actions-heard";

/// The actions of this process not ended yet, as last told.
#[derive(Clone, Default)]
pub struct ActionsHere(Arc<Mutex<HashMap<ActionId, LocalAction>>>);

impl ActionsHere {
    pub fn current(&self) -> Vec<LocalAction> {
        let mut all: Vec<_> = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        all.sort_by_key(|a| a.id);
        all
    }

    fn keep(&self, action: &LocalAction) {
        let mut here = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(
            action.state,
            LocalActionState::CountingDown | LocalActionState::Running
        ) {
            here.insert(action.id, action.clone());
        } else {
            here.remove(&action.id);
        }
    }
}

/// Has the agent tell this app of every action's move.
pub fn listen(app: &AppHandle, agent: &Agent, here: ActionsHere) {
    let heard = app.clone();
    agent.on_actions_heard(move || {
        let _ = heard.emit(HEARD_EVENT, ());
    });
    let app = app.clone();
    agent.on_action(move |action| {
        here.keep(&action);
        let _ = app.emit(ACTION_EVENT, &action);
        if action.state == LocalActionState::CountingDown {
            warn(&app, &action);
        }
    });
}

/// The person at the computer must see a restart or shut down coming: the window comes up with
/// the countdown and a Cancel button, and a notification says it too.
fn warn(app: &AppHandle, action: &LocalAction) {
    // Raised on whatever page it shows: the countdown is above every page.
    crate::windows::show_main(app);
    let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
    let at = action
        .runs_at
        .map(|t| {
            let local = t.to_zoned(jiff::tz::TimeZone::system());
            local.strftime("%H:%M:%S").to_string()
        })
        .unwrap_or_default();
    let kind = action.kind.as_str();
    crate::notify::show_now(
        app,
        crate::notify::Shown {
            summary: tr(
                language,
                &format!("countdown.title_{kind}"),
                &[("name", &action.asked_by)],
            ),
            body: tr(
                language,
                &format!("countdown.body_{kind}"),
                &[("time", &at)],
            ),
            route: "#/".into(),
        },
        language,
    );
}

type AgentState<'a> = State<'a, Arc<Agent>>;

/// The computers assigned to the person.
#[tauri::command]
pub async fn list_my_devices(agent: AgentState<'_>) -> Result<Vec<Device>, ApiError> {
    Ok(agent.my_devices().await?)
}

/// The approved software offered to the person.
#[tauri::command]
pub async fn list_software(agent: AgentState<'_>) -> Result<SoftwareCatalog, ApiError> {
    Ok(agent.software().await?)
}

/// What confirms the person's actions (their phone, their authenticator app).
#[tauri::command]
pub async fn get_second_factor(agent: AgentState<'_>) -> Result<SecondFactor, ApiError> {
    Ok(agent.second_factor().await?)
}

/// The person's actions on all their computers, newest first.
#[tauri::command]
pub async fn list_actions(agent: AgentState<'_>) -> Result<Vec<Action>, ApiError> {
    Ok(agent.remote_actions().await?)
}

#[tauri::command]
pub async fn get_action(agent: AgentState<'_>, id: ActionId) -> Result<Action, ApiError> {
    Ok(agent.remote_action(id).await?)
}

/// Asks for an action on one of the person's computers; the code comes from their app or by SMS.
/// Installing or removing names the approved entry (`software`).
#[tauri::command]
pub async fn request_action(
    agent: AgentState<'_>,
    device: DeviceId,
    kind: ActionKind,
    factor: Option<FactorKind>,
    software: Option<String>,
) -> Result<Action, ApiError> {
    Ok(agent.request_action(device, kind, factor, software).await?)
}

/// The second factor's code for an action.
#[tauri::command]
pub async fn verify_action(
    agent: AgentState<'_>,
    id: ActionId,
    code: String,
) -> Result<Action, ApiError> {
    Ok(agent.verify_action(id, &code).await?)
}

/// Stops an action its computer has not started.
#[tauri::command]
pub async fn cancel_action(agent: AgentState<'_>, id: ActionId) -> Result<Action, ApiError> {
    Ok(agent.cancel_action(id).await?)
}
