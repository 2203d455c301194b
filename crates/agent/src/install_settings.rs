//! The options a per-user installer passes on, for a silent install by a script or a fleet
//! tool (Windows' NSIS installer:
//! `Bellhop_x64-setup.exe /S /SERVER_URL=… /ENROLMENT_KEY=… [/HOTKEY=…] [/LOW_MEMORY=1]
//! [/LANGUAGE=it]`).
//!
//! A per-user install runs without the right to write the policies key, so it cannot lock
//! anything: its options become the person's own settings, as if they had set them themselves
//! (the server and key in their `agent.toml`, the rest as their choices in the app), under
//! whatever the organisation manages. A setting the organisation manages is left alone. The
//! installer runs `bellhop-desktop --install-settings --server-url … --enrolment-key …
//! --hotkey … --low-memory … --language …` once the files are in place
//! (`src-tauri/packaging/windows/installer-hooks.nsh`); an empty value is an option not given.

use bellhop_proto::Language;

use crate::agent::Agent;
use crate::config::{AgentConfig, Paths};
use crate::error::{Error, Result};

/// The argument that makes the desktop app take an installer's options and exit.
pub const INSTALL_SETTINGS_ARG: &str = "--install-settings";

/// Each installer option, by the flag it is passed on as, and the setting it becomes.
pub const OPTIONS: [(&str, &str, &str); 5] = [
    ("SERVER_URL", "--server-url", "server_url"),
    ("ENROLMENT_KEY", "--enrolment-key", "enrolment_key"),
    ("HOTKEY", "--hotkey", "hotkey"),
    ("LOW_MEMORY", "--low-memory", "low_memory"),
    ("LANGUAGE", "--language", "language"),
];

/// The longest shortcut taken (`Ctrl+Shift+Alt+F12` is 18 characters).
const MAX_HOTKEY_CHARS: usize = 64;

/// What an installer was given; `None`: not given.
#[derive(Debug, Default, PartialEq)]
pub struct InstallSettings {
    pub server_url: Option<String>,
    pub enrolment_key: Option<String>,
    pub hotkey: Option<String>,
    pub low_memory: Option<bool>,
    pub language: Option<Language>,
}

impl InstallSettings {
    /// Reads `--flag VALUE` pairs (the arguments after [`INSTALL_SETTINGS_ARG`]). A value that
    /// is not one the app takes is an error naming the installer's option.
    pub fn from_args(args: &[String]) -> Result<Self> {
        let mut settings = Self::default();
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let Some((option, _, _)) = OPTIONS.iter().find(|(_, f, _)| f == flag) else {
                return Err(Error::Config(format!(
                    "{flag} is not an installer option (one of {})",
                    OPTIONS.map(|(_, f, _)| f).join(", ")
                )));
            };
            let value = rest
                .next()
                .ok_or_else(|| Error::Config(format!("{flag} needs a value")))?
                .trim();
            if value.is_empty() {
                continue;
            }
            let bad = |what: &str| Error::Config(format!("/{option}={value}: {what}"));
            match flag.as_str() {
                "--server-url" => {
                    settings.server_url = Some(crate::config::normalise_url(value)?);
                }
                "--enrolment-key" => settings.enrolment_key = Some(value.to_owned()),
                "--hotkey" => {
                    if value.chars().count() > MAX_HOTKEY_CHARS || value.contains(char::is_control)
                    {
                        return Err(bad("not a shortcut such as Ctrl+F12"));
                    }
                    settings.hotkey = Some(value.to_owned());
                }
                "--low-memory" => {
                    settings.low_memory = Some(match value.to_ascii_lowercase().as_str() {
                        "1" | "true" | "yes" | "on" => true,
                        "0" | "false" | "no" | "off" => false,
                        _ => return Err(bad("write 1 or 0")),
                    });
                }
                _ => {
                    settings.language = Some(Language::from_tag(value).ok_or_else(|| {
                        bad("not a language Bellhop speaks (en, it, ru, de, fr, es)")
                    })?);
                }
            }
        }
        Ok(settings)
    }

    /// Keeps them as the person's own settings under `paths`; returns the names left alone
    /// because the organisation manages them.
    pub fn apply(&self, paths: &Paths) -> Result<Vec<&'static str>> {
        self.apply_under(paths, crate::managed::load()?)
    }

    /// [`Self::apply`] with the managed settings given.
    pub fn apply_under(
        &self,
        paths: &Paths,
        managed: crate::managed::ManagedSettings,
    ) -> Result<Vec<&'static str>> {
        let mut config = AgentConfig::load_under(paths, managed)?;
        let mut skipped = Vec::new();
        let mut unlocked = |name: &'static str, given: bool| {
            let free = !config.is_managed(name);
            if given && !free {
                skipped.push(name);
            }
            given && free
        };
        let (url, key) = (
            unlocked("server_url", self.server_url.is_some()),
            unlocked("enrolment_key", self.enrolment_key.is_some()),
        );
        let (hotkey, low_memory, language) = (
            unlocked("hotkey", self.hotkey.is_some()),
            unlocked("low_memory", self.low_memory.is_some()),
            unlocked("language", self.language.is_some()),
        );
        if url {
            let url = self.server_url.clone().unwrap_or_default();
            crate::config::require_secure(&url, config.insecure)?;
            config.server_url = Some(url);
        }
        if key {
            config.enrolment_key = self.enrolment_key.clone();
        }
        if url || key {
            config.save(paths)?;
        }
        let agent = Agent::with_config(paths.clone(), config)?;
        if let (true, Some(hotkey)) = (hotkey, &self.hotkey) {
            agent.set_hotkey(Some(hotkey))?;
        }
        if let (true, Some(low)) = (low_memory, self.low_memory) {
            agent.set_quick_window_ready(!low)?;
        }
        if let (true, Some(language)) = (language, self.language) {
            agent.set_language(language)?;
        }
        Ok(skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::managed::{Managed, ManagedSettings};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_installers_flags_are_read_and_empty_ones_are_not_given() -> anyhow::Result<()> {
        let settings = InstallSettings::from_args(&args(&[
            "--server-url",
            "https://help.example.com/",
            "--enrolment-key",
            "acme-key",
            "--hotkey",
            "",
            "--low-memory",
            "1",
            "--language",
            "it",
        ]))?;
        assert_eq!(
            settings,
            InstallSettings {
                server_url: Some("https://help.example.com".into()),
                enrolment_key: Some("acme-key".into()),
                hotkey: None,
                low_memory: Some(true),
                language: Some(Language::It),
            }
        );
        assert_eq!(InstallSettings::from_args(&[])?, InstallSettings::default());
        for (bad, says) in [
            (vec!["--language", "tlh"], "/LANGUAGE=tlh"),
            (vec!["--low-memory", "maybe"], "/LOW_MEMORY=maybe"),
            (vec!["--server-url", "ftp://x"], "http"),
            (vec!["--colour", "red"], "not an installer option"),
            (vec!["--hotkey"], "needs a value"),
        ] {
            let err = InstallSettings::from_args(&args(&bad))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(says), "{bad:?}: {err}");
        }
        Ok(())
    }

    #[test]
    fn they_become_the_persons_own_settings_under_what_the_organisation_manages()
    -> anyhow::Result<()> {
        let home = tempfile::tempdir()?;
        let paths = Paths::under(home.path());
        let settings = InstallSettings {
            server_url: Some("https://help.example.com".into()),
            enrolment_key: Some("acme-key".into()),
            hotkey: Some("Ctrl+Shift+H".into()),
            low_memory: Some(true),
            language: Some(Language::De),
        };
        assert!(
            settings
                .apply_under(&paths, ManagedSettings::default())?
                .is_empty()
        );
        let agent = Agent::with_config(
            paths.clone(),
            AgentConfig::load_under(&paths, ManagedSettings::default())?,
        )?;
        assert_eq!(
            agent.config().server_url.as_deref(),
            Some("https://help.example.com")
        );
        assert_eq!(agent.config().enrolment_key.as_deref(), Some("acme-key"));
        assert_eq!(agent.hotkey()?.as_deref(), Some("Ctrl+Shift+H"));
        assert!(!agent.quick_window_ready()?);
        assert_eq!(agent.language()?, Language::De);
        // Still the person's own: they can change each in the app.
        agent.set_hotkey(Some("Ctrl+F11"))?;
        drop(agent);

        // Where the organisation manages a setting, the installer's value is left alone.
        let managed = home.path().join("managed.toml");
        std::fs::write(
            &managed,
            "server_url = \"https://desk.example.org\"\nlanguage = \"it\"\n",
        )?;
        let again = InstallSettings {
            server_url: Some("https://other.example.com".into()),
            language: Some(Language::Fr),
            ..InstallSettings::default()
        };
        let locked = ManagedSettings {
            values: crate::managed::parse_toml(&std::fs::read_to_string(&managed)?)
                .map_err(anyhow::Error::msg)?,
            origin: Some(managed.display().to_string()),
        };
        assert_ne!(locked.values, Managed::default());
        let skipped = again.apply_under(&paths, locked.clone())?;
        assert_eq!(skipped, ["server_url", "language"]);
        let config = AgentConfig::load_under(&paths, ManagedSettings::default())?;
        assert_eq!(
            config.server_url.as_deref(),
            Some("https://help.example.com"),
            "the person's file keeps the installer's first value"
        );
        Ok(())
    }

    #[test]
    fn the_nsis_hook_passes_every_option_to_the_flag_the_app_reads() -> anyhow::Result<()> {
        let nsh = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../src-tauri/packaging/windows/installer-hooks.nsh"
        ))?;
        let exec = nsh
            .lines()
            .find(|l| l.trim_start().starts_with("ExecWait") && l.contains(INSTALL_SETTINGS_ARG))
            .ok_or_else(|| anyhow::anyhow!("the hook does not run {INSTALL_SETTINGS_ARG}"))?;
        for (option, flag, setting) in OPTIONS {
            let read = nsh
                .lines()
                .find(|l| l.contains("${GetOptions}") && l.contains(&format!("\"/{option}=\"")))
                .ok_or_else(|| anyhow::anyhow!("the hook does not read /{option}="))?;
            // The register it reads into is the one passed after the flag.
            let register = read
                .split_whitespace()
                .last()
                .ok_or_else(|| anyhow::anyhow!("{read}"))?;
            assert!(
                exec.contains(&format!("{flag} \"{register}\"")),
                "/{option} is read into {register} but not passed as {flag} \"{register}\": {exec}"
            );
            assert!(
                crate::managed::NAMES.contains(&setting),
                "{setting} is not a setting the app knows"
            );
        }
        Ok(())
    }
}
