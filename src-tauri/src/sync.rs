//! The app's background loop: enrol when configured to, send the outbox whenever something is
//! queued, every few seconds while items wait, and on "Sync now"; then show the state in the
//! tray. The work itself is the agent's; this only decides when.

use std::sync::Arc;
use std::time::Duration;

use bellhop_agent::Agent;
use tauri::AppHandle;
use tokio::sync::Notify;

/// Wakes the loop.
#[derive(Clone, Default)]
pub struct SyncHandle(Arc<Notify>);

impl SyncHandle {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

const IDLE: Duration = Duration::from_secs(15);

pub fn spawn(app: AppHandle, agent: Arc<Agent>, handle: SyncHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            if let Err(e) = agent.enroll_if_configured().await {
                tracing::warn!(error = %e, "enrolment failed; will retry");
            }
            if agent.confirmed_user().ok().flatten().is_some() {
                match agent.sync().await {
                    Ok(report) if report.synced + report.rejected > 0 => {
                        tracing::info!(?report, "synced");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "sync"),
                }
            }
            match agent.status().await {
                Ok(status) => crate::tray::show(&app, &status),
                Err(e) => tracing::warn!(error = %e, "status"),
            }
            tokio::select! {
                () = handle.0.notified() => {}
                () = tokio::time::sleep(IDLE) => {}
            }
        }
    });
}
