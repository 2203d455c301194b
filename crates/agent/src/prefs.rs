//! The user's preferences kept in the store, shared by the desktop app and the CLI: language,
//! new-ticket shortcut, start at login, and whether the new-ticket window is kept ready.

use bellhop_proto::{Language, UpdateMe};

use crate::agent::Agent;
use crate::error::Result;

/// The `meta` key of the language the user chose (absent: follow the OS).
const LANGUAGE_KEY: &str = "language";
/// Set while the server has not heard the user's latest language choice.
const LANGUAGE_UNSENT_KEY: &str = "language_unsent";
/// The `meta` key of the desktop app's new-ticket shortcut.
const HOTKEY_KEY: &str = "hotkey";
/// The `meta` key of the start-at-login choice ("on" / "off").
const AUTOSTART_KEY: &str = "autostart";
/// The `meta` key of the memory choice ("ready": the new-ticket window is kept loaded and hidden;
/// "low": it is made on each press and destroyed after).
const QUICK_WINDOW_KEY: &str = "quick_window";

impl Agent {
    /// The app's language: the user's choice, else the OS's if Bellhop speaks it, else English.
    pub fn language(&self) -> Result<Language> {
        let chosen = self.store().meta(LANGUAGE_KEY)?;
        Ok(chosen
            .as_deref()
            .and_then(Language::from_tag)
            .or_else(|| {
                sys_locale::get_locale()
                    .as_deref()
                    .and_then(Language::from_tag)
            })
            .unwrap_or_default())
    }

    /// Keeps the user's choice of language (durable when this returns); the server hears it on
    /// the next sync, so their mail follows it too.
    pub fn set_language(&self, language: Language) -> Result<()> {
        let mut store = self.store();
        store.set_meta(LANGUAGE_KEY, Some(language.as_str()))?;
        store.set_meta(LANGUAGE_UNSENT_KEY, Some(language.as_str()))?;
        Ok(())
    }

    /// The desktop app's new-ticket shortcut, if the user changed it.
    pub fn hotkey(&self) -> Result<Option<String>> {
        self.store().meta(HOTKEY_KEY)
    }

    /// Keeps the user's shortcut (`None`: back to the default).
    pub fn set_hotkey(&self, accelerator: Option<&str>) -> Result<()> {
        self.store().set_meta(HOTKEY_KEY, accelerator)
    }

    /// Whether the desktop app starts at login, as the user chose (`None`: never chosen).
    pub fn autostart(&self) -> Result<Option<bool>> {
        Ok(self.store().meta(AUTOSTART_KEY)?.map(|v| v == "on"))
    }

    pub fn set_autostart(&self, on: bool) -> Result<()> {
        self.store()
            .set_meta(AUTOSTART_KEY, Some(if on { "on" } else { "off" }))
    }

    /// Whether the desktop app keeps its new-ticket window loaded (fast, about 110 MB more) or
    /// makes it on each press (low memory). `BELLHOP_LOW_MEMORY=1` or `0` overrides the user's
    /// choice (fleet deployment, benchmarks); ready unless anyone chose otherwise.
    pub fn quick_window_ready(&self) -> Result<bool> {
        match std::env::var("BELLHOP_LOW_MEMORY").ok().as_deref() {
            Some("1" | "true" | "on") => return Ok(false),
            Some("0" | "false" | "off") => return Ok(true),
            _ => {}
        }
        Ok(self.store().meta(QUICK_WINDOW_KEY)?.as_deref() != Some("low"))
    }

    pub fn set_quick_window_ready(&self, ready: bool) -> Result<()> {
        self.store()
            .set_meta(QUICK_WINDOW_KEY, Some(if ready { "ready" } else { "low" }))
    }

    /// Tells the server the language chosen since the last time; a refusal is not retried.
    pub(crate) async fn send_language(&self, credential: &str) -> Result<()> {
        let unsent = self.store().meta(LANGUAGE_UNSENT_KEY)?;
        let Some(language) = unsent.as_deref().and_then(Language::from_tag) else {
            return Ok(());
        };
        match self
            .client()?
            .update_me(credential, &UpdateMe { language })
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_retryable() => return Err(e),
            Err(e) => tracing::warn!(error = %e, "the server refused the language"),
        }
        // Only if no newer choice arrived meanwhile.
        let mut store = self.store();
        if store.meta(LANGUAGE_UNSENT_KEY)? == unsent {
            store.set_meta(LANGUAGE_UNSENT_KEY, None)?;
        }
        Ok(())
    }
}
