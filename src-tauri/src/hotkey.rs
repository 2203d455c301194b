//! The global hotkey (Ctrl+F12 by default): capture every screen at the moment of the press,
//! before any window of ours appears, then show the quick-ticket window with the screenshot (or
//! the assistant, where the desk asks people to open tickets through it).

use std::sync::{Arc, Mutex};

use bellhop_agent::capture;
use bellhop_proto::{ApiError, ErrorCode, HotkeyStatus};
use tauri::{AppHandle, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

use crate::windows;

/// The hotkey a fresh install uses.
pub const DEFAULT_HOTKEY: &str = "Ctrl+F12";

/// The screenshot taken at the last press, waiting for the form to send or drop it. It is kept
/// as captured and encoded to PNG when first asked for, so the encoding happens after the window
/// is on screen rather than before (BENCHMARKS.md, hotkey row).
#[derive(Clone, Default)]
pub struct PendingScreenshot(Arc<Mutex<Option<Shot>>>);

enum Shot {
    Captured(image::RgbaImage),
    Png(Vec<u8>),
}

impl PendingScreenshot {
    pub fn set(&self, image: Option<image::RgbaImage>) {
        *self.lock() = image.map(Shot::Captured);
    }

    /// The PNG, encoding it now if nobody asked before; `None` when there is none or it cannot
    /// be encoded (the form then goes without).
    pub fn get(&self) -> Option<Vec<u8>> {
        let mut shot = self.lock();
        if let Some(Shot::Captured(image)) = &*shot {
            match capture::encode_png(image) {
                Ok(png) => *shot = Some(Shot::Png(png)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot encode the screenshot");
                    *shot = None;
                }
            }
        }
        match &*shot {
            Some(Shot::Png(png)) => Some(png.clone()),
            _ => None,
        }
    }

    /// Replaces the screenshot with `png` (the same picture with parts painted over).
    pub fn set_png(&self, png: Vec<u8>) {
        *self.lock() = Some(Shot::Png(png));
    }

    /// Moves the screenshot (as it is, encoded or not) to `to`, leaving none here.
    pub fn move_to(&self, to: &PendingScreenshot) {
        let shot = self.lock().take();
        *to.lock() = shot;
    }

    /// Lets the screenshot go (sent, or removed by the user) without encoding it.
    pub fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Shot>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
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

/// The shortcut in use and whether it works; read by the settings page.
#[derive(Clone)]
pub struct HotkeyState(Arc<Mutex<HotkeyStatus>>);

impl Default for HotkeyState {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(HotkeyStatus {
            accelerator: DEFAULT_HOTKEY.into(),
            active: false,
            problem: None,
        })))
    }
}

impl HotkeyState {
    pub fn get(&self) -> HotkeyStatus {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, status: HotkeyStatus) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }
}

/// Why a shortcut cannot be used, as an error the UI words in the user's language.
fn refusal(accelerator: &str, e: &tauri_plugin_global_shortcut::Error) -> ApiError {
    // The plugin passes global-hotkey's errors on as text; on X11 a key another client grabbed
    // comes back as "HotKey already registered", on Windows as the OS's refusal.
    let text = e.to_string();
    let taken = text.contains("already registered") || text.contains("AlreadyRegistered");
    if taken {
        ApiError::new(
            ErrorCode::Conflict,
            format!("{accelerator} is taken by another program"),
        )
    } else {
        ApiError::new(
            ErrorCode::Unavailable,
            format!("{accelerator} cannot be registered here: {e}"),
        )
    }
}

fn parse(accelerator: &str) -> Result<Shortcut, ApiError> {
    accelerator.parse().map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("{accelerator:?} is not a shortcut: {e}"),
        )
    })
}

/// Registers the shortcut the user chose (or the default) at start. When it cannot be used the
/// settings page says why, and a notification tells the user to pick another.
pub fn register_at_start(app: &AppHandle, state: &HotkeyState, accelerator: &str) {
    let result = parse(accelerator).and_then(|shortcut| {
        app.global_shortcut()
            .register(shortcut)
            .map_err(|e| refusal(accelerator, &e))
    });
    let problem = result.err().map(|e| {
        // The tray's "Create new ticket" and `--new-ticket` still work.
        tracing::warn!(error = %e.message, "global hotkey unavailable");
        if e.code == ErrorCode::Conflict {
            crate::notify::hotkey_taken(app, accelerator);
        }
        e.message
    });
    state.set(HotkeyStatus {
        accelerator: accelerator.into(),
        active: problem.is_none(),
        problem,
    });
}

/// Switches to `accelerator`: the new one is registered before the old one is let go, so a
/// shortcut another program holds leaves the old one working. Kept by the agent on success.
pub fn change(
    app: &AppHandle,
    state: &HotkeyState,
    accelerator: &str,
) -> Result<HotkeyStatus, ApiError> {
    let accelerator = accelerator.trim();
    let new = parse(accelerator)?;
    let old = state.get();
    let old_shortcut = old.active.then(|| parse(&old.accelerator).ok()).flatten();
    if old_shortcut != Some(new) {
        app.global_shortcut()
            .register(new)
            .map_err(|e| refusal(accelerator, &e))?;
        if let Some(old) = old_shortcut
            && let Err(e) = app.global_shortcut().unregister(old)
        {
            tracing::warn!(error = %e, "cannot release the previous shortcut");
        }
    }
    let stored = (accelerator != DEFAULT_HOTKEY).then_some(accelerator);
    app.state::<Arc<bellhop_agent::Agent>>()
        .set_hotkey(stored)?;
    let status = HotkeyStatus {
        accelerator: accelerator.into(),
        active: true,
        problem: None,
    };
    state.set(status.clone());
    Ok(status)
}

/// Runs the same flow as the hotkey (also for `--new-ticket` from a second launch).
pub fn on_press(app: &AppHandle, pending: &PendingScreenshot) {
    // Capture on this thread, now: the window must not be in the picture. The PNG is made
    // when the form asks for it, once the window is on screen.
    let image = capture::capture_all()
        .map(|shots| shots.into_iter().next().map(|s| s.image))
        .map_err(|e| tracing::warn!(error = %e, "screenshot failed; opening the form without one"))
        .ok()
        .flatten();
    pending.set(image);
    // Until the identity is confirmed the portal window leads to Personal settings first.
    let confirmed = app
        .state::<Arc<bellhop_agent::Agent>>()
        .confirmed_user()
        .is_ok_and(|u| u.is_some());
    // Where the desk asks for the assistant first, the shortcut leads there, picture and all.
    let through = app
        .state::<Arc<bellhop_agent::Agent>>()
        .portal()
        .is_ok_and(|p| p.is_some_and(|p| p.tickets_through_assistant));
    if confirmed && through {
        crate::assistant::start(app, pending, None, None);
    } else if confirmed {
        windows::show_quick(app);
    } else {
        windows::show_main_at(app, "#/new");
    }
}
