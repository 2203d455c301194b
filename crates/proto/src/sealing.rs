//! A temporary password sealed to one helper's key. Windows and macOS set a password from the
//! password itself, not from a crypt string: the server seals it to the key the computer's
//! helper made (an anonymous NaCl sealed box: X25519 and XSalsa20-Poly1305), so that only that
//! helper can read it, and the grant's signature covers the sealed bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};

/// A helper's key pair, kept in its state directory.
pub struct SealKey(SecretKey);

impl SealKey {
    pub fn generate() -> Self {
        Self(SecretKey::generate(&mut OsRng))
    }

    /// The key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(SecretKey::from(bytes))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public half, standard base64: the helper's facts carry it.
    pub fn public(&self) -> String {
        STANDARD.encode(self.0.public_key().as_bytes())
    }

    /// The text sealed to this key, or `None` when it was sealed to another or changed.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed).ok()?;
        let plain = self.0.unseal(&bytes).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// Whether `public` is a public key as the helper writes it (standard base64, 32 bytes).
pub fn is_public_key(public: &str) -> bool {
    public_bytes(public).is_some()
}

fn public_bytes(public: &str) -> Option<[u8; 32]> {
    STANDARD.decode(public).ok().and_then(|b| b.try_into().ok())
}

/// Seals `text` to the public key `public` (standard base64, 32 bytes).
pub fn seal(public: &str, text: &str) -> Result<String, SealError> {
    let bytes = public_bytes(public).ok_or(SealError::BadKey)?;
    let sealed = PublicKey::from(bytes)
        .seal(&mut OsRng, text.as_bytes())
        .map_err(|_| SealError::Seal)?;
    Ok(STANDARD.encode(sealed))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the helper's key is not 32 bytes of standard base64")]
    BadKey,
    #[error("the password could not be sealed")]
    Seal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_key_it_was_sealed_to_opens_it() {
        let helper = SealKey::generate();
        let sealed = seal(&helper.public(), "k7mq-3xph-w9dt");
        let sealed = sealed.unwrap_or_default();
        assert!(!sealed.contains("k7mq"));
        assert_eq!(helper.open(&sealed).as_deref(), Some("k7mq-3xph-w9dt"));
        let again = SealKey::from_bytes(helper.to_bytes());
        assert_eq!(again.open(&sealed).as_deref(), Some("k7mq-3xph-w9dt"));
        assert_eq!(SealKey::generate().open(&sealed), None);
        let mut changed = sealed.into_bytes();
        let last = changed.len() - 3;
        changed[last] = if changed[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            helper.open(&String::from_utf8(changed).unwrap_or_default()),
            None
        );
        assert_eq!(seal("c2hvcnQ=", "x"), Err(SealError::BadKey));
        assert!(is_public_key(&helper.public()));
        assert!(!is_public_key("c2hvcnQ="));
        assert!(!is_public_key("not base64 at all"));
    }
}
