//! The global hotkey (Ctrl+F12 by default): capture every screen at the moment of the press,
//! before any window of ours appears, then open the new-ticket view with the screenshot.

use std::sync::{Arc, Mutex};

use bellhop_agent::capture;
use tauri::AppHandle;
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

use crate::windows;

/// The hotkey a fresh install uses.
pub const DEFAULT_HOTKEY: &str = "Ctrl+F12";

/// The PNG taken at the last press, waiting for the form to send or drop it.
#[derive(Clone, Default)]
pub struct PendingScreenshot(Arc<Mutex<Option<Vec<u8>>>>);

impl PendingScreenshot {
    pub fn set(&self, png: Option<Vec<u8>>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = png;
    }

    pub fn get(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The plugin, with the handler every registered shortcut calls.
pub fn plugin(pending: PendingScreenshot) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(move |app, _shortcut, event| {
            if event.state() == ShortcutState::Pressed {
                on_press(app, &pending);
            }
        })
        .build()
}

/// Registers `accelerator` (e.g. "Ctrl+F12"); the error says why it cannot be used (taken by
/// another program, or not a valid key).
pub fn register(app: &AppHandle, accelerator: &str) -> anyhow::Result<()> {
    let shortcut: Shortcut = accelerator
        .parse()
        .map_err(|e| anyhow::anyhow!("{accelerator:?} is not a valid shortcut: {e}"))?;
    app.global_shortcut().register(shortcut).map_err(|e| {
        anyhow::anyhow!("{accelerator} cannot be used (is another program using it?): {e}")
    })
}

/// Runs the same flow as the hotkey (also for `--new-ticket` from a second launch).
pub fn on_press(app: &AppHandle, pending: &PendingScreenshot) {
    // Capture on this thread, now: the window must not be in the picture.
    let png = capture::capture_all()
        .and_then(|shots| capture::encode_png(&shots[0].image))
        .map_err(|e| tracing::warn!(error = %e, "screenshot failed; opening the form without one"))
        .ok();
    pending.set(png);
    windows::show_main_at(app, "#/new");
}
