//! Attachment bytes waiting to be uploaded, as files named by their SHA-256 under the data
//! directory. Written and synced before the outbox row that references them, so an acknowledged
//! ticket always has its files.

use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Stores `bytes` durably and returns their lower-case hex SHA-256.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = format!("{:x}", Sha256::digest(bytes));
        let path = self.dir.join(&sha);
        if path.exists() {
            return Ok(sha);
        }
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(".{sha}.tmp"));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        // The rename itself reaches the disk too, before the outbox records the file (Windows'
        // NTFS journals the rename; it has no directory to flush).
        #[cfg(unix)]
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(sha)
    }

    /// Whether the bytes of `sha` are here.
    pub fn has(&self, sha: &str) -> bool {
        is_hash(sha) && self.dir.join(sha).is_file()
    }

    pub fn read(&self, sha: &str) -> Result<Vec<u8>> {
        if !is_hash(sha) {
            return Err(Error::Invalid(format!("{sha:?} is not an attachment hash")));
        }
        std::fs::read(self.dir.join(sha)).map_err(|e| {
            Error::NotFound(format!(
                "the attachment {sha} is missing from this device: {e}"
            ))
        })
    }
}

/// A lower-case or upper-case hex SHA-256, and so a safe file name.
fn is_hash(sha: &str) -> bool {
    sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())
}
