//! Attachment bytes on disk, named by their SHA-256 (`<dir>/ab/abcdef…`). Written to a temporary
//! file and renamed, so a reader never sees half a file and a repeated upload is harmless.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::error::{AppError, Result};

#[derive(Clone)]
pub struct Blobs {
    dir: PathBuf,
}

/// Whether `s` looks like a lower-case hex SHA-256.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

impl Blobs {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn path(&self, sha: &str) -> Result<PathBuf> {
        if !is_sha256(sha) {
            return Err(AppError::bad_request("not a SHA-256 in lower-case hex"));
        }
        Ok(self.dir.join(&sha[..2]).join(sha))
    }

    /// Stores `bytes` under `sha` (already verified by the caller).
    pub async fn put(&self, sha: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(sha)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        let dir = path
            .parent()
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("blob path has no parent")))?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(anyhow::Error::from)?;
        let tmp = dir.join(format!(".{sha}.{}", uuid::Uuid::now_v7()));
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(anyhow::Error::from)?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(())
    }

    pub async fn get(&self, sha: &str) -> Result<Vec<u8>> {
        Ok(tokio::fs::read(self.path(sha)?)
            .await
            .map_err(anyhow::Error::from)?)
    }
}
