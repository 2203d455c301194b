//! Attachment bytes on disk, named by their SHA-256 (`<dir>/ab/abcdef…`). Written to a temporary
//! file and renamed, so a reader never sees half a file and a repeated upload is harmless.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::error::{AppError, Result};

/// An unfinished upload untouched this long is abandoned: its uploader starts over.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes the files of `dir` last written more than `age` ago (best effort: a file that cannot
/// be read or removed stays for the next sweep).
async fn sweep_older_than(dir: &std::path::Path, age: std::time::Duration) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let stale = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed > age);
        if stale && tokio::fs::remove_file(entry.path()).await.is_ok() {
            tracing::info!(file = %entry.path().display(), "removed an abandoned upload");
        }
    }
}

#[derive(Clone)]
pub struct Blobs {
    dir: PathBuf,
    /// Held while a partial upload is checked and appended to, so two chunks never interleave.
    partial_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
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
        Self {
            dir,
            partial_lock: std::sync::Arc::default(),
        }
    }

    /// Where `owner`'s unfinished upload of `sha` grows (`<dir>/partial/<owner>-<sha>`): each
    /// uploader has their own, so nobody can spoil another's.
    fn partial_path(&self, owner: &str, sha: &str) -> Result<PathBuf> {
        self.path(sha)?;
        Ok(self.dir.join("partial").join(format!("{owner}-{sha}")))
    }

    /// How many bytes of `sha` `owner` has sent so far (0 when none).
    pub async fn partial_len(&self, owner: &str, sha: &str) -> Result<u64> {
        let path = self.partial_path(owner, sha)?;
        Ok(tokio::fs::metadata(&path).await.map_or(0, |m| m.len()))
    }

    /// Appends `bytes` to `owner`'s upload of `sha` if they start where it ends; returns how
    /// long it is after (`Err(len)` with its length when `at` is not where it ends).
    pub async fn append_partial(
        &self,
        owner: &str,
        sha: &str,
        at: u64,
        bytes: &[u8],
    ) -> Result<std::result::Result<u64, u64>> {
        use tokio::io::AsyncWriteExt;
        let _held = self.partial_lock.lock().await;
        let path = self.partial_path(owner, sha)?;
        let len = tokio::fs::metadata(&path).await.map_or(0, |m| m.len());
        if at != len {
            return Ok(Err(len));
        }
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(anyhow::Error::from)?;
            if len == 0 {
                // A new upload begins: ones abandoned long ago stop taking disk space.
                sweep_older_than(dir, ABANDONED_AFTER).await;
            }
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .map_err(anyhow::Error::from)?;
        file.write_all(bytes).await.map_err(anyhow::Error::from)?;
        file.sync_data().await.map_err(anyhow::Error::from)?;
        Ok(Ok(len + bytes.len() as u64))
    }

    /// The whole of `owner`'s finished upload of `sha`, which stops being partial.
    pub async fn take_partial(&self, owner: &str, sha: &str) -> Result<Vec<u8>> {
        let _held = self.partial_lock.lock().await;
        let path = self.partial_path(owner, sha)?;
        let bytes = tokio::fs::read(&path).await.map_err(anyhow::Error::from)?;
        tokio::fs::remove_file(&path)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sweep_removes_only_uploads_untouched_for_longer_than_the_age() -> anyhow::Result<()>
    {
        let dir = tempfile::tempdir()?;
        let (old, fresh) = (dir.path().join("old"), dir.path().join("fresh"));
        std::fs::write(&old, b"abandoned")?;
        std::fs::write(&fresh, b"in progress")?;
        let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(48 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&old)?
            .set_modified(two_days_ago)?;
        sweep_older_than(dir.path(), ABANDONED_AFTER).await;
        assert!(!old.exists());
        assert!(fresh.exists());
        Ok(())
    }
}
