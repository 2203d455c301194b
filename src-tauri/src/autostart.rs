//! Start at login: on by default, switchable in Settings. The OS's login item (an XDG autostart
//! entry, a LaunchAgent, the Run key) is written by tauri-plugin-autostart; the user's choice is
//! kept in the agent's store so a choice of "off" is never undone by the next start.
//! `BELLHOP_AUTOSTART=0` in the environment (fleet tools, `scripts/run`) leaves the login items
//! alone unless the user asks.

use std::sync::Arc;

use bellhop_agent::Agent;
use bellhop_proto::{ApiError, ErrorCode};
use tauri::{AppHandle, Manager};
use tauri_plugin_autostart::ManagerExt;

/// The plugin: the login item starts Bellhop in the tray, without opening a window.
pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_autostart::Builder::new()
        .args(["--background"])
        .app_name("Bellhop");
    // A per-user LaunchAgent: no AppleScript permission prompt.
    #[cfg(target_os = "macos")]
    let builder = builder.macos_launcher(tauri_plugin_autostart::MacosLauncher::LaunchAgent);
    builder.build()
}

/// At start: the user's choice, or on for a first start, made true in the OS (a moved binary
/// gets its login item rewritten).
pub fn apply_at_start(app: &AppHandle) {
    let agent = app.state::<Arc<Agent>>();
    let choice = match agent.autostart() {
        Ok(choice) => choice,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the start-at-login choice");
            return;
        }
    };
    let wanted = match choice {
        Some(on) => on,
        None if std::env::var("BELLHOP_AUTOSTART").is_ok_and(|v| v == "0") => return,
        None => true,
    };
    if let Err(e) = set(app, wanted) {
        tracing::warn!(error = %e.message, "cannot apply the start-at-login choice");
    }
}

/// Whether Bellhop starts at login, as the OS has it.
pub fn enabled(app: &AppHandle) -> Result<bool, ApiError> {
    app.autolaunch().is_enabled().map_err(unavailable)
}

/// Turns start-at-login on or off and keeps the choice.
pub fn set(app: &AppHandle, on: bool) -> Result<bool, ApiError> {
    let manager = app.autolaunch();
    if on {
        manager.enable().map_err(unavailable)?;
    } else if manager.is_enabled().map_err(unavailable)? {
        manager.disable().map_err(unavailable)?;
    }
    app.state::<Arc<Agent>>().set_autostart(on)?;
    Ok(on)
}

fn unavailable(e: tauri_plugin_autostart::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Unavailable,
        format!("the login items cannot be changed: {e}"),
    )
}
