//! Where the agent keeps its files, and how it is configured.
//!
//! A setting's value is the managed one when the organisation set it (`managed.rs`: locked),
//! else the user's own — a command-line flag, then a `BELLHOP_*` environment variable, then
//! `agent.toml` in the per-user config directory — else the default. `BELLHOP_HOME` puts every
//! file under one directory, secrets included (tests, portable installs).

use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::{Deserialize, Serialize};

use bellhop_proto::{AppSetting, SettingSource};

use crate::error::{Error, Result};
use crate::managed::ManagedSettings;

/// The agent's directories for one OS user.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Whether secrets go to the OS keychain; `false` keeps them in private files under
    /// `data_dir` (portable installs and tests, which must not touch the user's keychain).
    pub keychain: bool,
}

impl Paths {
    /// `BELLHOP_HOME` if set, else the OS's per-user directories.
    pub fn from_env() -> Result<Self> {
        if let Some(home) = std::env::var_os("BELLHOP_HOME").filter(|h| !h.is_empty()) {
            return Ok(Self::under(PathBuf::from(home)));
        }
        let dirs = ProjectDirs::from("example", "Bellhop", "Bellhop")
            .ok_or_else(|| Error::Config("this OS user has no home directory".into()))?;
        Ok(Self {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_local_dir().to_path_buf(),
            keychain: true,
        })
    }

    /// Every file under one directory, secrets included (no keychain).
    pub fn under(root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            keychain: false,
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("agent.toml")
    }

    pub fn store_file(&self) -> PathBuf {
        self.data_dir.join("agent.sqlite3")
    }
}

/// The settings an admin deploys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Base URL of the Bellhop server, e.g. `https://help.example.com`.
    pub server_url: Option<String>,
    /// The organisation's enrolment key.
    pub enrolment_key: Option<String>,
    /// Talk to a server over plain `http://` beyond this machine (credentials and tickets then
    /// cross the network readable by anyone on the way). Off unless an admin says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
    /// Seconds the person at the computer has to save their work or cancel before a restart or
    /// shut down asked for from elsewhere (default 60, at most 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_countdown_secs: Option<u64>,
    /// What the organisation locked, and where it was read; never written to the user's file.
    #[serde(skip)]
    pub managed: ManagedSettings,
    /// The user's own values that came from environment variables, by setting name.
    #[serde(skip)]
    pub from_env: Vec<(&'static str, &'static str)>,
}

impl AgentConfig {
    /// The user's file (if any), overlaid with the `BELLHOP_*` variables, under what the
    /// organisation manages.
    pub fn load(paths: &Paths) -> Result<Self> {
        Self::load_under(paths, crate::managed::load()?)
    }

    /// [`Self::load`] with the managed settings given.
    pub fn load_under(paths: &Paths, managed: ManagedSettings) -> Result<Self> {
        let mut config = Self::user_file(paths)?;
        if let Some(url) = env_value("BELLHOP_SERVER_URL") {
            config.server_url = Some(url);
            config.from_env.push(("server_url", "BELLHOP_SERVER_URL"));
        }
        if let Some(key) = env_value("BELLHOP_ENROLMENT_KEY") {
            config.enrolment_key = Some(key);
            config
                .from_env
                .push(("enrolment_key", "BELLHOP_ENROLMENT_KEY"));
        }
        if env_value("BELLHOP_INSECURE").is_some_and(|v| v != "0") {
            config.insecure = true;
            config.from_env.push(("insecure", "BELLHOP_INSECURE"));
        }
        if let Some(secs) = env_value("BELLHOP_ACTION_COUNTDOWN_SECS") {
            config.action_countdown_secs = Some(secs.trim().parse().map_err(|_| {
                Error::Config(format!(
                    "BELLHOP_ACTION_COUNTDOWN_SECS={secs} is not a number of seconds"
                ))
            })?);
            config
                .from_env
                .push(("action_countdown_secs", "BELLHOP_ACTION_COUNTDOWN_SECS"));
        }
        let locked = &managed.values;
        if let Some(url) = &locked.server_url {
            config.server_url = Some(url.clone());
        }
        if let Some(key) = &locked.enrolment_key {
            config.enrolment_key = Some(key.clone());
        }
        if let Some(insecure) = locked.insecure {
            config.insecure = insecure;
        }
        if let Some(secs) = locked.action_countdown_secs {
            config.action_countdown_secs = Some(secs);
        }
        config.managed = managed;
        if let Some(url) = &config.server_url {
            config.server_url = Some(normalise_url(url)?);
        }
        Ok(config)
    }

    fn user_file(paths: &Paths) -> Result<Self> {
        let file = paths.config_file();
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", file.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e.into()),
        }
    }

    /// Refuses to change a setting the organisation manages.
    pub fn require_unlocked(&self, name: &str) -> Result<()> {
        match self.managed.origin.as_deref() {
            Some(origin) if self.is_managed(name) => Err(Error::Config(format!(
                "{name} is set by your organisation ({origin}): it cannot be changed here"
            ))),
            _ => Ok(()),
        }
    }

    /// Whether the organisation sets `name`.
    pub fn is_managed(&self, name: &str) -> bool {
        serde_json::to_value(&self.managed.values)
            .ok()
            .is_some_and(|v| v.get(name).is_some())
    }

    /// The connection settings and where each came from (a flag counts as the user's own:
    /// `overridden` names those the command line set).
    pub fn report(&self, paths: &Paths, overridden: &[&str]) -> Vec<AppSetting> {
        let user_file = paths.config_file().display().to_string();
        let values = [
            ("server_url", self.server_url.clone()),
            (
                "enrolment_key",
                self.enrolment_key.as_ref().map(|_| "(set)".to_owned()),
            ),
            ("insecure", Some(self.insecure.to_string())),
            (
                "action_countdown_secs",
                Some(self.action_countdown().as_secs().to_string()),
            ),
        ];
        let own = Self::user_file(paths).unwrap_or_default();
        values
            .into_iter()
            .map(|(name, value)| {
                let env = self
                    .from_env
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| *v);
                let in_file = match name {
                    "server_url" => own.server_url.is_some(),
                    "enrolment_key" => own.enrolment_key.is_some(),
                    "insecure" => own.insecure,
                    _ => own.action_countdown_secs.is_some(),
                };
                let (source, origin) = if self.is_managed(name) {
                    (SettingSource::Managed, self.managed.origin.clone())
                } else if overridden.contains(&name) {
                    (
                        SettingSource::UserChoice,
                        Some("the command line".to_owned()),
                    )
                } else if let Some(var) = env {
                    (SettingSource::Environment, Some(var.to_owned()))
                } else if in_file {
                    (SettingSource::UserFile, Some(user_file.clone()))
                } else {
                    (SettingSource::Default, None)
                };
                AppSetting {
                    name: name.to_owned(),
                    value,
                    source,
                    origin,
                }
            })
            .collect()
    }

    /// How long a restart or shut down counts down.
    pub fn action_countdown(&self) -> std::time::Duration {
        self.action_countdown_secs
            .map_or(crate::actions::DEFAULT_COUNTDOWN, |secs| {
                std::time::Duration::from_secs(secs.min(600))
            })
    }

    /// Writes the user's own values atomically (temp file + rename), so a crash never leaves
    /// half a config. What the organisation manages stays as the user's file had it.
    pub fn save(&self, paths: &Paths) -> Result<()> {
        std::fs::create_dir_all(&paths.config_dir)?;
        let mut own = self.clone();
        let before = Self::user_file(paths).unwrap_or_default();
        let locked = &self.managed.values;
        if locked.server_url.is_some() {
            own.server_url = before.server_url;
        }
        if locked.enrolment_key.is_some() {
            own.enrolment_key = before.enrolment_key;
        }
        if locked.insecure.is_some() {
            own.insecure = before.insecure;
        }
        if locked.action_countdown_secs.is_some() {
            own.action_countdown_secs = before.action_countdown_secs;
        }
        let text = toml::to_string(&own).map_err(|e| Error::Config(e.to_string()))?;
        let tmp = paths.config_dir.join("agent.toml.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, paths.config_file())?;
        Ok(())
    }
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Checks a server URL and drops a trailing slash.
pub fn normalise_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("server URL {url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::Config(format!(
            "server URL {url:?} must start with http:// or https:// and name a host"
        )));
    }
    Ok(url.to_owned())
}

/// Refuses a plain `http://` server that is not on this machine unless `insecure`: a device
/// secret, a credential and people's tickets would cross the network unencrypted.
pub fn require_secure(url: &str, insecure: bool) -> Result<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("server URL {url:?} is not a URL: {e}")))?;
    let on_this_machine = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if parsed.scheme() == "http" && !on_this_machine && !insecure {
        return Err(Error::Config(format!(
            "{url} is plain http:// to another machine: use https://, or say --insecure \
             (BELLHOP_INSECURE=1, `insecure = true` in agent.toml) to send credentials unencrypted"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_url_loses_its_trailing_slash_and_must_be_http() {
        assert_eq!(
            normalise_url(" https://help.example.com/ ").ok().as_deref(),
            Some("https://help.example.com")
        );
        assert!(normalise_url("ftp://help.example.com").is_err());
        assert!(normalise_url("help.example.com").is_err());
    }

    #[test]
    fn plain_http_is_only_for_this_machine_unless_the_admin_says_insecure() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
            "https://help.example.com",
        ] {
            assert!(require_secure(local, false).is_ok(), "{local}");
        }
        for remote in ["http://help.example.com", "http://10.0.0.5:8080"] {
            let refused = require_secure(remote, false)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(refused.contains("--insecure"), "{remote}: {refused}");
            assert!(require_secure(remote, true).is_ok(), "{remote}");
        }
    }

    #[test]
    fn a_saved_config_loads_back() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let paths = Paths::under(dir.path());
        let config = AgentConfig {
            server_url: Some("http://127.0.0.1:9".into()),
            enrolment_key: Some("k".into()),
            insecure: false,
            action_countdown_secs: Some(5),
            ..AgentConfig::default()
        };
        config.save(&paths)?;
        let text = std::fs::read_to_string(paths.config_file())?;
        let back: AgentConfig = toml::from_str(&text)?;
        assert_eq!(back, config);
        Ok(())
    }

    #[test]
    fn an_unknown_key_in_the_file_is_a_clear_error() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let paths = Paths::under(dir.path());
        std::fs::create_dir_all(&paths.config_dir)?;
        std::fs::write(paths.config_file(), "server = \"x\"\n")?;
        let err = AgentConfig::load(&paths)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("agent.toml"), "{err}");
        Ok(())
    }
}
