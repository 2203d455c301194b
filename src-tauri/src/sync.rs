//! The app's background loop. Enrols when configured to; once the identity is confirmed it
//! hands over to the agent's watch (push what is queued, pull when the server's live stream says
//! something changed); after every pass it refreshes the tray, tells the window, and passes the
//! notices to the notifier. The work itself is the agent's; this only decides when and who hears.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bellhop_agent::{Agent, SyncReport};
use bellhop_proto::{AgentStatus, DeviceStatus};
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

/// How long to wait before trying again when there is nothing to watch yet (not enrolled, no
/// identity) or the watch stopped on something waiting will not fix (device deactivated).
const IDLE: Duration = Duration::from_secs(15);

/// How often a device waiting for a technician's activation asks again: the user sees the
/// activation within seconds.
const PENDING_POLL: Duration = Duration::from_secs(3);

pub fn spawn(app: AppHandle, agent: Arc<Agent>, handle: SyncHandle, last: LastStatus) {
    let notifier = Notifier::spawn(app.clone());
    let (passes, mut reports) = mpsc::unbounded_channel::<SyncReport>();
    {
        let (app, agent, last) = (app.clone(), agent.clone(), last.clone());
        tauri::async_runtime::spawn(async move {
            while let Some(report) = reports.recv().await {
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
        });
    }
    tauri::async_runtime::spawn(async move {
        loop {
            if let Err(e) = agent.enroll_if_configured().await {
                tracing::warn!(error = %e, "enrolment failed; will retry");
            }
            if agent.confirmed_user().ok().flatten().is_some() {
                let passes = passes.clone();
                let watched = agent
                    .watch(&handle.0, move |report| {
                        let _ = passes.send(report.clone());
                    })
                    .await;
                if let Err(e) = watched {
                    tracing::warn!(error = %e, "sync stopped");
                }
            }
            refresh(&app, &agent, &last).await;
            let pending = last
                .get()
                .is_some_and(|s| s.device == Some(DeviceStatus::Pending));
            tokio::select! {
                () = handle.0.notified() => {}
                () = tokio::time::sleep(if pending { PENDING_POLL } else { IDLE }) => {}
            }
        }
    });
}

/// Asks the agent where it stands, then shows it in the tray and tells the window.
pub async fn refresh(app: &AppHandle, agent: &Agent, last: &LastStatus) {
    match agent.status().await {
        Ok(status) => {
            crate::tray::show(app, &status);
            last.set(status);
            if let Err(e) = app.emit(CHANGED_EVENT, ()) {
                tracing::warn!(error = %e, "cannot tell the window");
            }
        }
        Err(e) => tracing::warn!(error = %e, "status"),
    }
}
