//! The temporary password a grant carries sealed to this helper's own key, for the systems that
//! set a password from the password itself (Windows, macOS): opened, and checked against the
//! grant's SHA-512 crypt string before anything is set.

use bellhop_proto::GrantedPassword;
use bellhop_proto::sealing::SealKey;

/// The longest temporary password the helper sets (the server makes 14 characters).
const MAX_PASSWORD_CHARS: usize = 64;

/// The temporary password a grant carries sealed to `key`, once it matches the grant's crypt
/// string; otherwise why it cannot be set.
pub fn the_password(key: &SealKey, granted: &GrantedPassword) -> Result<String, String> {
    use sha_crypt::{PasswordVerifier, ShaCrypt};
    let sealed = granted.sealed.as_deref().ok_or_else(|| {
        "the grant carries no password sealed to this helper: the server learns the helper's key at the agent's next sync, then ask again".to_owned()
    })?;
    let plain = key.open(sealed).ok_or_else(|| {
        "the grant's password was sealed to another key than this helper's".to_owned()
    })?;
    if plain.is_empty()
        || plain.chars().count() > MAX_PASSWORD_CHARS
        || plain.chars().any(char::is_control)
    {
        return Err("the grant's password is not a temporary password".to_owned());
    }
    ShaCrypt::default()
        .verify_password(plain.as_bytes(), granted.sha512_crypt.as_str())
        .map_err(|_| "the grant's sealed password and its crypt string disagree".to_owned())?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_set_only_when_it_opens_and_matches_the_crypt_string() {
        use sha_crypt::{PasswordHasher, ShaCrypt};
        let key = SealKey::generate();
        let crypt = ShaCrypt::default()
            .hash_password_with_salt(b"k7mq-3xph-w9dt", b"saltsaltsalt")
            .map(|h| h.as_str().to_owned())
            .unwrap_or_default();
        let sealed = |text: &str| bellhop_proto::sealing::seal(&key.public(), text).ok();
        let granted = GrantedPassword {
            sha512_crypt: crypt.clone(),
            sealed: sealed("k7mq-3xph-w9dt"),
        };
        assert_eq!(
            the_password(&key, &granted).as_deref(),
            Ok("k7mq-3xph-w9dt")
        );
        let other = GrantedPassword {
            sealed: sealed("another-one"),
            ..granted.clone()
        };
        assert!(the_password(&key, &other).is_err_and(|e| e.contains("disagree")));
        assert!(
            the_password(&SealKey::generate(), &granted).is_err_and(|e| e.contains("another key"))
        );
        let bare = GrantedPassword {
            sealed: None,
            ..granted
        };
        assert!(the_password(&key, &bare).is_err_and(|e| e.contains("no password sealed")));
    }
}
