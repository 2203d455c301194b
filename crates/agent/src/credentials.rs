//! Secrets the agent holds: the device secret (from enrolment) and the user's device credential
//! (from the identity confirmation). They live in the OS keychain; where there is none (a
//! headless Linux session without a Secret Service) in files readable only by this OS user —
//! never in the SQLite store.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Which secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    DeviceSecret,
    UserCredential,
}

impl Secret {
    fn name(self) -> &'static str {
        match self {
            Self::DeviceSecret => "device-secret",
            Self::UserCredential => "user-credential",
        }
    }
}

/// The keychain entries of one agent, namespaced by server so two servers never mix.
pub struct Credentials {
    namespace: String,
    fallback_dir: PathBuf,
    use_keychain: bool,
}

impl Credentials {
    /// Secrets for `server_url`; in the keychain when `use_keychain`, else (or when the
    /// keychain is unusable) in private files under `fallback_dir`.
    pub fn new(server_url: &str, fallback_dir: PathBuf, use_keychain: bool) -> Self {
        Self {
            namespace: server_url.to_owned(),
            fallback_dir,
            use_keychain,
        }
    }

    fn entry(&self, secret: Secret) -> Option<keyring::Entry> {
        if !self.use_keychain {
            return None;
        }
        keyring::Entry::new("Bellhop", &format!("{}@{}", secret.name(), self.namespace)).ok()
    }

    /// The private file for a secret: one directory per server (named by a hash of its URL),
    /// so secrets of two servers never overwrite each other.
    fn file(&self, secret: Secret) -> PathBuf {
        let server = format!("{:x}", Sha256::digest(self.namespace.as_bytes()));
        self.fallback_dir
            .join(format!("server-{}", &server[..16]))
            .join(secret.name())
    }

    /// Where versions before per-server files kept the secret.
    fn legacy_file(&self, secret: Secret) -> PathBuf {
        self.fallback_dir.join(secret.name())
    }

    fn read_file(path: &std::path::Path) -> Result<Option<String>> {
        match std::fs::read_to_string(path) {
            Ok(v) => Ok(Some(v.trim().to_owned()).filter(|v| !v.is_empty())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn save(&self, secret: Secret, value: &str) -> Result<()> {
        if let Some(entry) = self.entry(secret) {
            match entry.set_password(value) {
                Ok(()) => {
                    // A secret now in the keychain must not linger in a file.
                    let _ = std::fs::remove_file(self.file(secret));
                    return Ok(());
                }
                Err(e) => {
                    tracing::info!(error = %e, "no usable keychain; keeping the secret in a private file")
                }
            }
        }
        write_private(&self.file(secret), value)
    }

    pub fn load(&self, secret: Secret) -> Result<Option<String>> {
        if let Some(entry) = self.entry(secret) {
            match entry.get_password() {
                Ok(v) => return Ok(Some(v)),
                Err(keyring::Error::NoEntry) => {}
                Err(e) => tracing::debug!(error = %e, "keychain unavailable; trying the file"),
            }
        }
        if let Some(v) = Self::read_file(&self.file(secret))? {
            return Ok(Some(v));
        }
        // A secret from before per-server files moves into this server's place.
        let legacy = self.legacy_file(secret);
        let Some(v) = Self::read_file(&legacy)? else {
            return Ok(None);
        };
        write_private(&self.file(secret), &v)?;
        std::fs::remove_file(legacy)?;
        Ok(Some(v))
    }

    pub fn delete(&self, secret: Secret) -> Result<()> {
        if let Some(entry) = self.entry(secret) {
            let _ = entry.delete_credential();
        }
        match std::fs::remove_file(self.file(secret)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Io(e)),
            _ => Ok(()),
        }
    }
}

/// Writes a file only this OS user can read, atomically.
fn write_private(path: &std::path::Path, value: &str) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Config("credential path has no directory".into()))?;
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        std::io::Write::write_all(&mut file, value.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_round_trips_through_the_private_file_and_can_be_deleted() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let creds = Credentials::new("http://example.test", dir.path().join("creds"), false);
        assert_eq!(creds.load(Secret::UserCredential)?, None);
        creds.save(Secret::UserCredential, "bhc_secret")?;
        assert_eq!(
            creds.load(Secret::UserCredential)?.as_deref(),
            Some("bhc_secret")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(creds.file(Secret::UserCredential))?
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read it");
        }
        creds.delete(Secret::UserCredential)?;
        assert_eq!(creds.load(Secret::UserCredential)?, None);
        Ok(())
    }

    #[test]
    fn two_servers_keep_their_own_secrets_and_an_old_file_moves_in() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let fallback = dir.path().join("creds");
        let one = Credentials::new("https://desk.one.example", fallback.clone(), false);
        let two = Credentials::new("https://desk.two.example", fallback.clone(), false);
        one.save(Secret::DeviceSecret, "bhd_one")?;
        two.save(Secret::DeviceSecret, "bhd_two")?;
        assert_eq!(one.load(Secret::DeviceSecret)?.as_deref(), Some("bhd_one"));
        assert_eq!(two.load(Secret::DeviceSecret)?.as_deref(), Some("bhd_two"));
        two.delete(Secret::DeviceSecret)?;
        assert_eq!(one.load(Secret::DeviceSecret)?.as_deref(), Some("bhd_one"));

        // Before per-server files the secret sat directly in the fallback directory.
        write_private(&fallback.join("user-credential"), "bhc_old")?;
        assert_eq!(
            one.load(Secret::UserCredential)?.as_deref(),
            Some("bhc_old")
        );
        assert!(
            !fallback.join("user-credential").exists(),
            "moved, not copied"
        );
        assert_eq!(
            one.load(Secret::UserCredential)?.as_deref(),
            Some("bhc_old")
        );
        Ok(())
    }
}
