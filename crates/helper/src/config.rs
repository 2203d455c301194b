//! The helper's configuration: a file only the administrator may write
//! (`/etc/bellhop/helper.toml` on Linux and macOS, `%ProgramData%\Bellhop\helper.toml` on
//! Windows), put there by the package or the fleet's management tool. It is the helper's trust
//! anchor: the server whose grants it runs, and optionally that server's grant key itself.
//!
//! ```toml
//! server_url = "https://help.example.com"
//! # The key the server signs grants with (standard base64). Without it, the helper asks the
//! # server once, over HTTPS, and pins the answer in its state directory.
//! # grant_key = "…"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the configuration is read from unless `--config` says otherwise.
pub fn default_path() -> PathBuf {
    if cfg!(windows) {
        let data = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        PathBuf::from(data).join("Bellhop").join("helper.toml")
    } else {
        PathBuf::from("/etc/bellhop/helper.toml")
    }
}

/// Where the agent finds the helper: a Unix socket (a named pipe's name on Windows).
pub const DEFAULT_SOCKET: &str = if cfg!(windows) {
    r"\\.\pipe\bellhop-helper"
} else if cfg!(target_os = "macos") {
    "/var/run/bellhop-helper.sock"
} else {
    "/run/bellhop-helper.sock"
};

fn default_state_dir() -> PathBuf {
    if cfg!(windows) {
        let data = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        PathBuf::from(data).join("Bellhop").join("helper")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/Bellhop/helper")
    } else {
        PathBuf::from("/var/lib/bellhop-helper")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server whose grants this helper runs: `https://…` (plain `http://` only to this
    /// machine itself).
    pub server_url: String,
    /// The server's grant key (Ed25519, standard base64), when the administrator pins it here.
    #[serde(default)]
    pub grant_key: Option<String>,
    /// Where the helper listens.
    #[serde(default = "default_socket")]
    pub socket: PathBuf,
    /// Where it keeps its machine id, the pinned key and the grants it used.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
}

fn default_socket() -> PathBuf {
    PathBuf::from(DEFAULT_SOCKET)
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a helper configuration: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error(
        "{path} may be changed by users other than the administrator (owner uid {owner}, mode {mode:o}): the helper trusts only a file root alone may write"
    )]
    Writable {
        path: PathBuf,
        owner: u32,
        mode: u32,
    },
    #[error(
        "{path} may be changed by others than the administrators ({why}): the helper trusts only what they alone may write"
    )]
    NotAdministrators { path: PathBuf, why: String },
    #[error("server_url {0:?}: https://, or http:// to this machine itself")]
    Url(String),
}

impl Config {
    /// Reads and checks the file at `path`. With `trust_owner` the file must be root's and not
    /// writable by anyone else (the service always asks this; tests of the parsing do not).
    pub fn load(path: &Path, trust_owner: bool) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        if trust_owner {
            only_root_writes(path)?;
        }
        let config: Self = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
        if !url_allowed(&config.server_url) {
            return Err(ConfigError::Url(config.server_url));
        }
        Ok(config)
    }
}

/// `https://…`, or `http://` to a loopback address: the key a root service trusts is never
/// fetched in the clear over a network.
pub fn url_allowed(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => parsed.host_str().is_some(),
        "http" => match parsed.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

#[cfg(unix)]
fn only_root_writes(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let (owner, mode) = (meta.uid(), meta.mode() & 0o7777);
    if owner != 0 || mode & 0o022 != 0 {
        return Err(ConfigError::Writable {
            path: path.to_owned(),
            owner,
            mode,
        });
    }
    Ok(())
}

#[cfg(windows)]
fn only_root_writes(path: &Path) -> Result<(), ConfigError> {
    let (owner, entries) =
        crate::windows_acl::sys::read(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
    crate::windows_acl::only_administrators_write(&owner, entries.as_deref()).map_err(|why| {
        ConfigError::NotAdministrators {
            path: path.to_owned(),
            why,
        }
    })
}

#[cfg(not(any(unix, windows)))]
fn only_root_writes(_path: &Path) -> Result<(), ConfigError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_trusted() {
        for good in [
            "https://help.example.com",
            "http://127.0.0.1:8080",
            "http://localhost:3000/",
            "http://[::1]:80",
        ] {
            assert!(url_allowed(good), "{good}");
        }
        for bad in [
            "http://help.example.com",
            "http://10.0.0.1",
            "ftp://help.example.com",
            "help.example.com",
            "",
        ] {
            assert!(!url_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn a_file_others_may_write_is_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("helper.toml");
        std::fs::write(&path, "server_url = \"https://help.example.com\"\n")?;
        let read = Config::load(&path, false)?;
        assert_eq!(read.server_url, "https://help.example.com");
        assert_eq!(read.socket, PathBuf::from(DEFAULT_SOCKET));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666))?;
            let refused = Config::load(&path, true).err().map(|e| e.to_string());
            assert!(
                refused
                    .as_deref()
                    .unwrap_or_default()
                    .contains("administrator"),
                "{refused:?}"
            );
        }
        std::fs::write(&path, "server_url = \"http://help.example.com\"\n")?;
        assert!(matches!(
            Config::load(&path, false),
            Err(ConfigError::Url(_))
        ));
        std::fs::write(&path, "server_url = \"https://x\"\nshell = \"sh\"\n")?;
        assert!(matches!(
            Config::load(&path, false),
            Err(ConfigError::Parse { .. })
        ));
        Ok(())
    }
}
