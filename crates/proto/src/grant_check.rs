//! Checking a grant: whoever runs what it allows (the agent, the privileged helper) checks the
//! server's signature itself, with the key it pinned, and then what the claims say about it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};

use crate::{
    ActionGrant, ApprovedList, ApprovedListClaims, GRANT_CONTEXT, GrantClaims, LIST_CONTEXT,
    Package, SoftwareSources,
};

/// Why a grant is refused: nothing runs on it, and these words say why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    #[error("this computer has no server key pinned: enrol it again")]
    NoKey,
    #[error("the pinned server key is damaged: enrol this computer again")]
    DamagedKey,
    #[error("the grant's signature is malformed")]
    MalformedSignature,
    #[error("the grant is not signed by this computer's server")]
    NotSigned,
    #[error("the grant's claims are malformed")]
    MalformedClaims,
    #[error("the grant is for another computer")]
    OtherDevice,
    #[error("the grant is for the user {granted} on this computer, not {here}")]
    OtherUser { granted: String, here: String },
    #[error("the grant expired before this computer could start it")]
    Expired,
    #[error("the grant is for another action")]
    OtherAction,
    #[error("the grant was used already: each runs once")]
    Used,
}

/// The claims of `grant` when `key` (Ed25519, standard base64) signed them: the signature
/// covers [`GRANT_CONTEXT`] and the claims exactly as sent. Nothing else is checked here.
pub fn signed_claims(key: &str, grant: &ActionGrant) -> Result<GrantClaims, GrantRefusal> {
    verify(key, GRANT_CONTEXT, &grant.claims, &grant.signature)?;
    serde_json::from_str(&grant.claims).map_err(|_| GrantRefusal::MalformedClaims)
}

/// The claims of `list` when `key` signed them (over [`LIST_CONTEXT`]).
pub fn signed_list(key: &str, list: &ApprovedList) -> Result<ApprovedListClaims, GrantRefusal> {
    verify(key, LIST_CONTEXT, &list.claims, &list.signature)?;
    serde_json::from_str(&list.claims).map_err(|_| GrantRefusal::MalformedClaims)
}

/// How a grant names an approved list: SHA-256 (hex) of the JSON of its packages and its
/// sources, in the list's order.
pub fn list_digest(packages: &[Package], sources: &SoftwareSources) -> String {
    use sha2::Digest;
    let json = serde_json::to_vec(&(packages, sources)).unwrap_or_default();
    hex::encode(sha2::Sha256::digest(json))
}

fn verify(key: &str, context: &[u8], claims: &str, signature: &str) -> Result<(), GrantRefusal> {
    let key: [u8; 32] = STANDARD
        .decode(key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or(GrantRefusal::DamagedKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| GrantRefusal::DamagedKey)?;
    let signature: [u8; 64] = STANDARD
        .decode(signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or(GrantRefusal::MalformedSignature)?;
    let mut message = context.to_vec();
    message.extend_from_slice(claims.as_bytes());
    key.verify_strict(&message, &Signature::from_bytes(&signature))
        .map_err(|_| GrantRefusal::NotSigned)
}

/// Whether a checked grant is for `os_user` and unexpired at `now_ms`.
pub fn for_user_now(claims: &GrantClaims, os_user: &str, now_ms: i64) -> Result<(), GrantRefusal> {
    if claims.os_user != os_user {
        return Err(GrantRefusal::OtherUser {
            granted: claims.os_user.clone(),
            here: os_user.to_owned(),
        });
    }
    if claims.expires_at <= now_ms {
        return Err(GrantRefusal::Expired);
    }
    Ok(())
}
