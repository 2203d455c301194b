//! Secrets the agent holds: the device secret (from enrolment) and the user's device credential
//! (from the identity confirmation). They live in the OS keychain; where there is none (a
//! headless Linux session without a Secret Service) in files readable only by this OS user —
//! never in the SQLite store.

use std::path::PathBuf;

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

    fn file(&self, secret: Secret) -> PathBuf {
        self.fallback_dir.join(secret.name())
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
        match std::fs::read_to_string(self.file(secret)) {
            Ok(v) => Ok(Some(v.trim().to_owned()).filter(|v| !v.is_empty())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
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
            let mode = std::fs::metadata(dir.path().join("creds/user-credential"))?
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read it");
        }
        creds.delete(Secret::UserCredential)?;
        assert_eq!(creds.load(Secret::UserCredential)?, None);
        Ok(())
    }
}
