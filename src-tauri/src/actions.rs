//! Self-service actions on this computer, as the person at it sees them: the agent runs them
//! ([`Agent::on_action`] tells each move); here a restart or shut down that counts down raises
//! the window with its countdown and a Cancel button and shows a notification, and the window
//! can ask what is counting down now.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bellhop_agent::Agent;
use bellhop_proto::{ActionId, LocalAction, LocalActionState};
use tauri::{AppHandle, Emitter, Manager};

use crate::i18n::tr;

/// The event the window listens to: an action on this computer moved on.
pub const ACTION_EVENT: &str = "bellhop://action";

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
    crate::windows::show_main_at(app, "#/");
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
