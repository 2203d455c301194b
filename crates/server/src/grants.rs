//! The key that signs self-service grants. A grant is what lets an agent run an action: a
//! bearer token alone, stolen or not, runs nothing on a computer.
//!
//! The key is an Ed25519 seed kept in the data directory (`grant-signing.key`, standard base64,
//! readable by the server's user only), made on first start. Instances sharing a PostgreSQL
//! database share the data directory's key file, as they share its attachments. Agents pin its
//! public half when they enrol, so replacing the file means enrolling the agents again.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bellhop_proto::{
    ActionGrant, ApprovedList, ApprovedListClaims, GRANT_CONTEXT, GrantClaims, LIST_CONTEXT,
};
use ed25519_dalek::{Signer, SigningKey};

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "grant-signing.key";

pub struct GrantSigner {
    key: SigningKey,
    public: String,
}

impl GrantSigner {
    /// Reads the key from `path`, or makes one there when there is none (`keys.rs`).
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let seed = crate::keys::load_or_create(path, "grant signing key")?;
        let key = SigningKey::from_bytes(&seed);
        let public = STANDARD.encode(key.verifying_key().as_bytes());
        Ok(Self { key, public })
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

impl GrantSigner {
    /// Signs an approved list: over [`LIST_CONTEXT`], so it never passes for a grant.
    pub fn sign_list(&self, claims: &ApprovedListClaims) -> anyhow::Result<ApprovedList> {
        let claims = serde_json::to_string(claims)?;
        let mut message = LIST_CONTEXT.to_vec();
        message.extend_from_slice(claims.as_bytes());
        let signature = self.key.sign(&message);
        Ok(ApprovedList {
            claims,
            signature: STANDARD.encode(signature.to_bytes()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_read_back_the_same() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(KEY_FILE);
        let made = GrantSigner::load_or_create(&path)?;
        assert_eq!(
            made.public_key(),
            GrantSigner::load_or_create(&path)?.public_key()
        );
        Ok(())
    }
}
