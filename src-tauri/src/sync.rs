//! The app's background loop: the agent's own policy ([`Agent::keep_in_sync`]: enrol, watch,
//! poll while pending, idle), heard here. After every pass the tray is refreshed, the window
//! told, and the notices passed to the notifier.

use std::sync::{Arc, Mutex};

use bellhop_agent::{Agent, Heard};
use bellhop_proto::AgentStatus;
use tauri::{AppHandle, Emitter};
use tokio::sync::{Notify, mpsc};

use crate::notify::Notifier;

/// Wakes the loop ("Sync now", a new ticket, a confirmed identity).
#[derive(Clone, Default)]
pub struct SyncHandle(Arc<Notify>);

impl SyncHandle {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

/// The latest status the loop saw, so the window can ask without a round trip to the server.
#[derive(Clone, Default)]
pub struct LastStatus(Arc<Mutex<Option<AgentStatus>>>);

impl LastStatus {
    pub fn get(&self) -> Option<AgentStatus> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, status: AgentStatus) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
    }
}

/// The event the window listens to: the status changed, or tickets did; reload what you show.
pub const CHANGED_EVENT: &str = "bellhop://changed";

pub fn spawn(app: AppHandle, agent: Arc<Agent>, handle: SyncHandle, last: LastStatus) {
    let notifier = Notifier::spawn(app.clone());
    let (tell, mut heard) = mpsc::unbounded_channel::<Heard>();
    {
        let (app, agent, last) = (app.clone(), agent.clone(), last.clone());
        tauri::async_runtime::spawn(async move {
            while let Some(news) = heard.recv().await {
                match news {
                    Heard::Pass(report) => {
                        if report.synced + report.rejected + report.pulled > 0 {
                            tracing::info!(
                                synced = report.synced,
                                rejected = report.rejected,
                                pulled = report.pulled,
                                "synced"
                            );
                        }
                        notifier.push(&report.notices);
                        refresh(&app, &agent, &last).await;
                    }
                    Heard::Status(status) => show(&app, &last, status),
                }
            }
        });
    }
    // The policy (enrol, watch, poll while pending, idle) is the agent's; the shell only hears.
    tauri::async_runtime::spawn(async move {
        agent
            .keep_in_sync(&handle.0, |news| {
                let _ = tell.send(news);
            })
            .await;
    });
}

/// Asks the agent where it stands, then shows it in the tray and tells the window.
pub async fn refresh(app: &AppHandle, agent: &Agent, last: &LastStatus) {
    match agent.status().await {
        Ok(status) => show(app, last, status),
        Err(e) => tracing::warn!(error = %e, "status"),
    }
}

/// Shows where the agent stands in the tray and tells the window.
fn show(app: &AppHandle, last: &LastStatus, status: AgentStatus) {
    crate::tray::show(app, &status);
    last.set(status);
    if let Err(e) = app.emit(CHANGED_EVENT, ()) {
        tracing::warn!(error = %e, "cannot tell the window");
    }
}
