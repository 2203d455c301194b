//! Bearer tokens and typed codes: random, handed out once, stored only as SHA-256. Who a token
//! belongs to is `auth.rs`'s (the extractors); passwords are `passwords.rs`'s.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a browser session lasts.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// What a bearer token is, by its prefix: a browser session, a device's own secret, or the
/// credential of a user on a device.
pub const SESSION_PREFIX: &str = "bhs_";
pub const DEVICE_SECRET_PREFIX: &str = "bhd_";
pub const DEVICE_CREDENTIAL_PREFIX: &str = "bhc_";
/// Password-reset links.
pub const RESET_PREFIX: &str = "bhr_";
/// Company sign-in tickets: what the portal trades for a session once a provider vouched.
pub const COMPANY_TICKET_PREFIX: &str = "bht_";
/// A technician's look at a customer's portal: its single-use ticket, and its read-only session.
pub const VIEW_TICKET_PREFIX: &str = "bhw_";
pub const VIEW_PREFIX: &str = "bhv_";
/// Enrolment keys the console issues (the demo keys are plain words).
pub const ENROLMENT_KEY_PREFIX: &str = "bhe_";

/// A new secret token (256 random bits) for the caller to keep; only its hash is stored.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A short code a person can read and type: 8 characters of Crockford's base32 (no I, L, O, U).
pub fn new_short_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| ALPHABET[(rng.next_u32() % ALPHABET.len() as u32) as usize] as char)
        .collect()
}

/// A typed code in canonical form: upper case, without spaces or dashes, with the letters people
/// confuse for digits read as those digits.
pub fn normalise_short_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_are_eight_unambiguous_characters() {
        for _ in 0..100 {
            let code = new_short_code();
            assert_eq!(code.len(), 8);
            assert!(!code.contains(['I', 'L', 'O', 'U']), "{code}");
            assert_eq!(normalise_short_code(&code), code);
        }
    }

    #[test]
    fn a_typed_code_forgives_case_spaces_dashes_and_look_alikes() {
        assert_eq!(normalise_short_code(" ab1o-il 2z "), "AB10112Z");
    }
}
