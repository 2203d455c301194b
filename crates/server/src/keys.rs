//! Keys the server keeps in its data directory, each a 32-byte random value in standard base64,
//! readable by the server's user only and made on first start. Instances sharing a PostgreSQL
//! database share the data directory, and with it these files, as they share its attachments.
//!
//! - `grant-signing.key` signs self-service grants (`grants.rs`).
//! - `factor-secrets.key` seals the authenticator apps' secrets ([`SecretBox`]): the server must
//!   read them back to check a code, so they cannot be hashed, and a copy of the database alone
//!   does not give them away.
//! - `assistant-seal.key` seals the assistant's answers ([`Sealer`]): the person's app carries
//!   the conversation, and the seal shows an answer is the assistant's, unchanged.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, Generate, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// The authenticator secrets' key file in the data directory.
pub const FACTOR_KEY_FILE: &str = "factor-secrets.key";

/// Reads the key at `path`, or makes one there when there is none. Two instances starting at
/// once on one directory both end up with the one that was written first.
pub fn load_or_create(path: &Path, what: &str) -> anyhow::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).with_context(|| format!("the {what} in {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path, what),
        Err(e) => Err(e).with_context(|| format!("reading the {what} {}", path.display())),
    }
}

fn parse(text: &str) -> anyhow::Result<[u8; 32]> {
    STANDARD
        .decode(text.trim())
        .context("not base64")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("not 32 bytes"))
}

fn create(path: &Path, what: &str) -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(STANDARD.encode(key).as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "made a new {what}");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            parse(&std::fs::read_to_string(path)?)
                .with_context(|| format!("the {what} in {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("writing the {what} {}", path.display())),
    }
}

/// Seals small secrets for the database with XChaCha20-Poly1305: a fresh random nonce each
/// time, stored before the ciphertext, all in standard base64.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let key = load_or_create(path, "authenticator secrets key")?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&Key::from(key)),
        })
    }

    pub fn seal(&self, secret: &[u8]) -> anyhow::Result<String> {
        let nonce = XNonce::generate();
        let sealed = self
            .cipher
            .encrypt(&nonce, secret)
            .map_err(|_| anyhow::anyhow!("sealing a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// The secret back, or an error when it was sealed with another key or altered.
    pub fn open(&self, sealed: &str) -> anyhow::Result<Vec<u8>> {
        let bytes = STANDARD
            .decode(sealed)
            .context("a sealed secret is not base64")?;
        anyhow::ensure!(bytes.len() > 24, "a sealed secret is too short");
        let (nonce, body) = bytes.split_at(24);
        let nonce = XNonce::try_from(nonce).map_err(|_| anyhow::anyhow!("a bad nonce"))?;
        self.cipher
            .decrypt(&nonce, body)
            .map_err(|_| anyhow::anyhow!("a sealed secret does not open: another key, or altered"))
    }
}

/// The assistant's seals' key file in the data directory.
pub const SEAL_KEY_FILE: &str = "assistant-seal.key";

/// Seals messages the server gives out and must recognise when they come back: HMAC-SHA256,
/// in unpadded base64url.
pub struct Sealer {
    key: [u8; 32],
}

impl Sealer {
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            key: load_or_create(path, "assistant seal key")?,
        })
    }

    fn mac(&self, message: &[u8]) -> hmac::Hmac<sha2::Sha256> {
        use hmac::Mac;
        // HMAC takes a key of any length; 32 bytes cannot be refused.
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(message);
        mac
    }

    pub fn seal(&self, message: &[u8]) -> String {
        use hmac::Mac;
        URL_SAFE_NO_PAD.encode(self.mac(message).finalize().into_bytes())
    }

    /// Whether `seal` is this key's over `message` (compared in constant time).
    pub fn verify(&self, message: &[u8], seal: &str) -> bool {
        use hmac::Mac;
        URL_SAFE_NO_PAD
            .decode(seal)
            .is_ok_and(|tag| self.mac(message).verify_slice(&tag).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_private_and_read_back_the_same() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("some.key");
        let made = load_or_create(&path, "test key")?;
        assert_eq!(made, load_or_create(&path, "test key")?);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key")?;
        assert!(load_or_create(&path, "test key").is_err());
        Ok(())
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_only_and_not_once_altered() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mine = SecretBox::load_or_create(&dir.path().join("a.key"))?;
        let other = SecretBox::load_or_create(&dir.path().join("b.key"))?;
        let sealed = mine.seal(b"twenty bytes secret!")?;
        assert_ne!(
            sealed,
            mine.seal(b"twenty bytes secret!")?,
            "a nonce is never reused"
        );
        assert_eq!(mine.open(&sealed)?, b"twenty bytes secret!");
        assert!(other.open(&sealed).is_err());
        let mut bytes = STANDARD.decode(&sealed)?;
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(mine.open(&STANDARD.encode(bytes)).is_err());
        assert!(mine.open("short").is_err());
        Ok(())
    }
}
