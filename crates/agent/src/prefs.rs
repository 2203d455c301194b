//! The user's preferences kept in the store, shared by the desktop app and the CLI: language,
//! new-ticket shortcut, start at login, and whether the new-ticket window is kept ready. What the
//! organisation manages (`managed.rs`) wins over each, and cannot be changed.

use bellhop_proto::{AppSetting, Language, SettingSource, UpdateChannel, UpdateMe};

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
    /// The app's language: the organisation's, else the user's choice, else the OS's if Bellhop
    /// speaks it, else English.
    pub fn language(&self) -> Result<Language> {
        if let Some(language) = self.config().managed.values.language {
            return Ok(language);
        }
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
        self.config().require_unlocked("language")?;
        let mut store = self.store();
        store.set_meta(LANGUAGE_KEY, Some(language.as_str()))?;
        store.set_meta(LANGUAGE_UNSENT_KEY, Some(language.as_str()))?;
        Ok(())
    }

    /// The desktop app's new-ticket shortcut: the organisation's, else the user's if they
    /// changed it (`None`: the default).
    pub fn hotkey(&self) -> Result<Option<String>> {
        if let Some(hotkey) = &self.config().managed.values.hotkey {
            return Ok(Some(hotkey.clone()));
        }
        self.store().meta(HOTKEY_KEY)
    }

    /// Keeps the user's shortcut (`None`: back to the default).
    pub fn set_hotkey(&self, accelerator: Option<&str>) -> Result<()> {
        self.config().require_unlocked("hotkey")?;
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
    /// makes it on each press (low memory): the organisation's `low_memory`, else
    /// `BELLHOP_LOW_MEMORY=1` or `0` (benchmarks), else the user's choice; ready unless anyone
    /// chose otherwise.
    pub fn quick_window_ready(&self) -> Result<bool> {
        if let Some(low) = self.config().managed.values.low_memory {
            return Ok(!low);
        }
        match std::env::var("BELLHOP_LOW_MEMORY").ok().as_deref() {
            Some("1" | "true" | "on") => return Ok(false),
            Some("0" | "false" | "off") => return Ok(true),
            _ => {}
        }
        Ok(self.store().meta(QUICK_WINDOW_KEY)?.as_deref() != Some("low"))
    }

    pub fn set_quick_window_ready(&self, ready: bool) -> Result<()> {
        self.config().require_unlocked("low_memory")?;
        self.store()
            .set_meta(QUICK_WINDOW_KEY, Some(if ready { "ready" } else { "low" }))
    }

    /// The releases this app follows: the organisation's channel, else stable.
    pub fn update_channel(&self) -> UpdateChannel {
        self.config()
            .managed
            .values
            .update_channel
            .unwrap_or_default()
    }

    /// Every setting, its value and where it came from: the connection's (`config.rs`), then
    /// the preferences here. `overridden` names those a command-line flag set.
    pub fn settings(&self, overridden: &[&str]) -> Result<Vec<AppSetting>> {
        let config = self.config();
        let mut all = config.report(self.paths(), overridden);
        let managed = |name: &str| {
            config
                .is_managed(name)
                .then(|| (SettingSource::Managed, config.managed.origin.clone()))
        };
        let chosen = |key: &str| -> Result<Option<(SettingSource, Option<String>)>> {
            Ok(self
                .store()
                .meta(key)?
                .map(|_| (SettingSource::UserChoice, None)))
        };
        let env_low = std::env::var("BELLHOP_LOW_MEMORY")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|_| {
                (
                    SettingSource::Environment,
                    Some("BELLHOP_LOW_MEMORY".to_owned()),
                )
            });
        let rows = [
            (
                "hotkey",
                self.hotkey()?,
                managed("hotkey").map_or_else(|| chosen(HOTKEY_KEY), |m| Ok(Some(m)))?,
            ),
            (
                "language",
                Some(self.language()?.as_str().to_owned()),
                managed("language").map_or_else(|| chosen(LANGUAGE_KEY), |m| Ok(Some(m)))?,
            ),
            (
                "low_memory",
                Some((!self.quick_window_ready()?).to_string()),
                match managed("low_memory").or(env_low) {
                    Some(found) => Some(found),
                    None => chosen(QUICK_WINDOW_KEY)?,
                },
            ),
            (
                "update_channel",
                Some(self.update_channel().as_str().to_owned()),
                managed("update_channel"),
            ),
        ];
        for (name, value, found) in rows {
            let (source, origin) = found.unwrap_or((SettingSource::Default, None));
            all.push(AppSetting {
                name: name.to_owned(),
                value,
                source,
                origin,
            });
        }
        Ok(all)
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
