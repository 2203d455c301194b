//! The key that signs self-service grants. A grant is what lets an agent run an action: a
//! bearer token alone, stolen or not, runs nothing on a computer.
//!
//! The key is an Ed25519 seed kept in the data directory (`grant-signing.key`, standard base64,
//! readable by the server's user only), made on first start. Instances sharing a PostgreSQL
//! database share the data directory's key file, as they share its attachments. Agents pin its
//! public half when they enrol, so replacing the file means enrolling the agents again.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bellhop_proto::{ActionGrant, GRANT_CONTEXT, GrantClaims};
use ed25519_dalek::{Signer, SigningKey};
use rand::RngCore;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "grant-signing.key";

pub struct GrantSigner {
    key: SigningKey,
    public: String,
}

impl GrantSigner {
    /// Reads the key from `path`, or makes one there when there is none.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(&text)
                .with_context(|| format!("the grant signing key in {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(path),
            Err(e) => {
                Err(e).with_context(|| format!("reading the grant signing key {}", path.display()))
            }
        }
    }

    fn from_text(text: &str) -> anyhow::Result<Self> {
        let seed: [u8; 32] = STANDARD
            .decode(text.trim())
            .context("not base64")?
            .try_into()
            .map_err(|_| anyhow::anyhow!("not a 32-byte Ed25519 seed"))?;
        Ok(Self::from_seed(&seed))
    }

    fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let public = STANDARD.encode(key.verifying_key().as_bytes());
        Self { key, public }
    }

    /// A fresh key, written so that only this user reads it. Two instances starting at once on
    /// one directory both end up with the one that was written first.
    fn create(path: &Path) -> anyhow::Result<Self> {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(STANDARD.encode(seed).as_bytes())?;
                file.sync_all()?;
                tracing::info!(path = %path.display(), "made a new grant signing key");
                Ok(Self::from_seed(&seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::from_text(&std::fs::read_to_string(path)?)
            }
            Err(e) => {
                Err(e).with_context(|| format!("writing the grant signing key {}", path.display()))
            }
        }
    }

    /// The public key agents pin (32 bytes, standard base64).
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// Signs `claims`: the signature covers [`GRANT_CONTEXT`] and the claims' JSON exactly as
    /// sent.
    pub fn sign(&self, claims: &GrantClaims) -> anyhow::Result<ActionGrant> {
        let claims = serde_json::to_string(claims)?;
        let mut message = GRANT_CONTEXT.to_vec();
        message.extend_from_slice(claims.as_bytes());
        let signature = self.key.sign(&message);
        Ok(ActionGrant {
            claims,
            signature: STANDARD.encode(signature.to_bytes()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_private_and_read_back_the_same() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(KEY_FILE);
        let made = GrantSigner::load_or_create(&path)?;
        let again = GrantSigner::load_or_create(&path)?;
        assert_eq!(made.public_key(), again.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key")?;
        assert!(GrantSigner::load_or_create(&path).is_err());
        Ok(())
    }
}
