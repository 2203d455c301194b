//! Attachment bytes on disk, named by their SHA-256 (`<dir>/ab/abcdef…`).
//!
//! Bytes stream from the request to a temporary file, hashed on the way, so an upload holds a
//! few buffers of memory whatever its size; a download streams from the file. A file is
//! flushed to disk (its data, then its directory after the rename) before the caller records
//! it, so a stored file survives a power cut once the server has said it has it. A file found
//! short or changed on disk counts as missing, so its uploader sends it again.

use std::path::{Path, PathBuf};

use axum::body::Body;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::{AppError, Result};

/// An unfinished upload untouched this long is abandoned: its uploader starts over.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// How much of a file's beginning is kept for sniffing its type.
const SNIFF_BYTES: usize = 8 * 1024;

/// How much is read at once when a stored file is hashed again.
const READ_BLOCK: usize = 64 * 1024;

/// Removes the files of `dir` last written more than `age` ago (best effort: a file that cannot
/// be read or removed stays for the next sweep). Returns how many went.
pub async fn sweep_older_than(dir: &Path, age: std::time::Duration) -> usize {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let stale = entry
            .metadata()
            .await
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed > age);
        if stale && tokio::fs::remove_file(entry.path()).await.is_ok() {
            tracing::info!(file = %entry.path().display(), "removed an abandoned upload");
            removed += 1;
        }
    }
    removed
}

fn io(context: &'static str) -> impl Fn(std::io::Error) -> AppError {
    move |e| AppError::Other(anyhow::anyhow!("{context}: {e}"))
}

/// Flushes a directory's entries (a rename into it) to disk. Windows has no such call: NTFS
/// journals the rename itself.
async fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        tokio::fs::File::open(dir)
            .await
            .map_err(io("opening a directory"))?
            .sync_all()
            .await
            .map_err(io("flushing a directory"))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Reads a file in blocks, handing each to `each`; returns its length.
async fn read_blocks(path: &Path, mut each: impl FnMut(&[u8])) -> std::io::Result<u64> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut block = vec![0; READ_BLOCK];
    let mut len = 0;
    loop {
        let n = file.read(&mut block).await?;
        if n == 0 {
            return Ok(len);
        }
        each(&block[..n]);
        len += n as u64;
    }
}

/// The SHA-256 (lower-case hex) and length of a file, read in blocks.
async fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let len = read_blocks(path, |block| hasher.update(block)).await?;
    Ok((format!("{:x}", hasher.finalize()), len))
}

/// Bytes received into a temporary file, not yet kept.
pub struct Received {
    tmp: PathBuf,
    pub sha256: String,
    pub len: u64,
    /// The first bytes, for sniffing the type.
    pub head: Vec<u8>,
}

impl Received {
    /// Reads the bytes again, a block at a time (a check that needs them all, such as a
    /// signature's, without holding the file in memory).
    pub async fn read_blocks(&self, each: impl FnMut(&[u8])) -> Result<()> {
        read_blocks(&self.tmp, each)
            .await
            .map(drop)
            .map_err(io("reading an upload"))
    }
}

/// Why a body was not taken.
pub enum Refused {
    /// Longer than allowed: the limit.
    TooLarge(u64),
    /// Not the length promised: what arrived.
    WrongLength(u64),
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

impl Blobs {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            partial_lock: std::sync::Arc::default(),
        }
    }

    pub fn path(&self, sha: &str) -> Result<PathBuf> {
        if !is_sha256(sha) {
            return Err(AppError::bad_request("not a SHA-256 in lower-case hex"));
        }
        Ok(self.dir.join(&sha[..2]).join(sha))
    }

    fn tmp_dir(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    fn partial_dir(&self) -> PathBuf {
        self.dir.join("partial")
    }

    /// Where `owner`'s unfinished upload of `sha` grows (`<dir>/partial/<owner>-<sha>`): each
    /// uploader has their own, so nobody can spoil another's.
    fn partial_path(&self, owner: &str, sha: &str) -> Result<PathBuf> {
        self.path(sha)?;
        Ok(self.partial_dir().join(format!("{owner}-{sha}")))
    }

    /// Streams `body` into a new temporary file, hashing it, refusing more than `max` bytes (or
    /// any length but `expected`, when given). Nothing of a refused body is left behind.
    pub async fn receive(
        &self,
        body: Body,
        max: u64,
        expected: Option<u64>,
    ) -> Result<std::result::Result<Received, Refused>> {
        self.receive_stream(body.into_data_stream(), max, expected)
            .await
    }

    /// [`Blobs::receive`] from any stream of bytes (a part of a multipart form).
    pub async fn receive_stream<E: std::fmt::Display>(
        &self,
        body: impl futures_util::Stream<Item = std::result::Result<bytes::Bytes, E>> + Unpin,
        max: u64,
        expected: Option<u64>,
    ) -> Result<std::result::Result<Received, Refused>> {
        let dir = self.tmp_dir();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(io("creating the upload directory"))?;
        let tmp = dir.join(uuid::Uuid::now_v7().to_string());
        let file = tokio::fs::File::create(&tmp)
            .await
            .map_err(io("creating an upload file"))?;
        let written = write_stream(file, body, max, expected, true).await;
        let refused = match written {
            Ok(Ok((hasher, len, head))) => {
                return Ok(Ok(Received {
                    tmp,
                    sha256: format!("{:x}", hasher.finalize()),
                    len,
                    head,
                }));
            }
            Ok(Err(refused)) => Ok(Err(refused)),
            Err(e) => Err(e),
        };
        let _ = tokio::fs::remove_file(&tmp).await;
        refused
    }

    /// Keeps received bytes as the blob `sha` (which the caller checked they are): flushed,
    /// renamed into place over any copy already there (so a short or changed one is replaced),
    /// the directory flushed.
    pub async fn keep(&self, received: Received) -> Result<()> {
        let path = self.path(&received.sha256)?;
        let dir = path
            .parent()
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("blob path has no parent")))?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(io("creating a blob directory"))?;
        tokio::fs::rename(&received.tmp, &path)
            .await
            .map_err(io("moving an upload into place"))?;
        sync_dir(dir).await?;
        if let Some(parent) = dir.parent() {
            // A new two-letter directory's own entry, too.
            sync_dir(parent).await?;
        }
        Ok(())
    }

    /// Whether the blob `sha` is on disk whole: `len` bytes that hash to `sha`. A file cut
    /// short by a crash, or changed on disk, is not.
    pub async fn is_whole(&self, sha: &str, len: u64) -> bool {
        let Ok(path) = self.path(sha) else {
            return false;
        };
        match tokio::fs::metadata(&path).await {
            Ok(meta) if meta.len() == len => {}
            _ => return false,
        }
        matches!(hash_file(&path).await, Ok((actual, _)) if actual == sha)
    }

    /// How many bytes of `sha` `owner` has sent so far (0 when none).
    pub async fn partial_len(&self, owner: &str, sha: &str) -> Result<u64> {
        let path = self.partial_path(owner, sha)?;
        Ok(tokio::fs::metadata(&path).await.map_or(0, |m| m.len()))
    }

    /// Appends `body` (`len` bytes) to `owner`'s upload of `sha` if it starts where that ends
    /// (`at`); returns how long it is after, or `Err(held)` when `at` is not where it ends. A
    /// body that is not `len` bytes is refused and the upload stays as it was.
    pub async fn append_partial(
        &self,
        owner: &str,
        sha: &str,
        at: u64,
        len: u64,
        body: Body,
    ) -> Result<std::result::Result<std::result::Result<u64, u64>, Refused>> {
        let _held = self.partial_lock.lock().await;
        let path = self.partial_path(owner, sha)?;
        let held = tokio::fs::metadata(&path).await.map_or(0, |m| m.len());
        if at != held {
            return Ok(Ok(Err(held)));
        }
        let dir = self.partial_dir();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(io("creating the partial upload directory"))?;
        if held == 0 {
            // A new upload begins: ones abandoned long ago stop taking disk space.
            sweep_older_than(&dir, ABANDONED_AFTER).await;
        }
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .map_err(io("opening a partial upload"))?;
        match write_stream(file, body.into_data_stream(), len, Some(len), false).await? {
            Ok(_) => Ok(Ok(Ok(held + len))),
            Err(refused) => {
                // Cut back to where it was, so the next chunk starts from the right place.
                let file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .await
                    .map_err(io("opening a partial upload"))?;
                file.set_len(held)
                    .await
                    .map_err(io("cutting a partial upload back"))?;
                Ok(Err(refused))
            }
        }
    }

    /// `owner`'s finished upload of `sha`, hashed, as received bytes (no longer partial).
    pub async fn take_partial(&self, owner: &str, sha: &str) -> Result<Received> {
        let _held = self.partial_lock.lock().await;
        let path = self.partial_path(owner, sha)?;
        let dir = self.tmp_dir();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(io("creating the upload directory"))?;
        let tmp = dir.join(uuid::Uuid::now_v7().to_string());
        tokio::fs::rename(&path, &tmp)
            .await
            .map_err(io("taking a partial upload"))?;
        let (sha256, len) = hash_file(&tmp)
            .await
            .map_err(io("hashing a partial upload"))?;
        let mut head = vec![0; SNIFF_BYTES];
        let mut file = tokio::fs::File::open(&tmp)
            .await
            .map_err(io("reading an upload"))?;
        let n = file
            .read(&mut head)
            .await
            .map_err(io("reading an upload"))?;
        head.truncate(n);
        Ok(Received {
            tmp,
            sha256,
            len,
            head,
        })
    }

    /// Receives a file on this machine (copied, hashed on the way, at most `max` bytes), to be
    /// kept or discarded as an upload is. For files an admin hands the server's command line.
    pub async fn receive_file(&self, path: &Path, max: u64) -> Result<Received> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| AppError::bad_request(format!("cannot read {}: {e}", path.display())))?;
        let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
        match self.receive(body, max, None).await? {
            Ok(received) => Ok(received),
            Err(Refused::TooLarge(max) | Refused::WrongLength(max)) => Err(AppError::bad_request(
                format!("{} is larger than {max} bytes", path.display()),
            )),
        }
    }

    /// Throws received bytes away (they were not what their hash said, or were refused).
    pub async fn discard(&self, received: Received) {
        let _ = tokio::fs::remove_file(&received.tmp).await;
    }

    /// The blob's bytes as a stream, for a download.
    pub async fn open(&self, sha: &str) -> Result<Body> {
        let file = tokio::fs::File::open(self.path(sha)?)
            .await
            .map_err(io("opening a stored file"))?;
        Ok(Body::from_stream(tokio_util::io::ReaderStream::new(file)))
    }

    /// Removes temporary files (`tmp/`) and partial uploads untouched for `age`: uploads that
    /// stopped half-way and were never finished. Returns how many went.
    pub async fn sweep(&self, age: std::time::Duration) -> usize {
        sweep_older_than(&self.tmp_dir(), age).await
            + sweep_older_than(&self.partial_dir(), age).await
    }
}

/// Writes a body's frames to `file`, up to `max` bytes (exactly `expected` when given), then
/// flushes the data to disk. `hash` also hashes it and keeps its first bytes.
async fn write_stream<E: std::fmt::Display>(
    mut file: tokio::fs::File,
    mut frames: impl futures_util::Stream<Item = std::result::Result<bytes::Bytes, E>> + Unpin,
    max: u64,
    expected: Option<u64>,
    hash: bool,
) -> Result<std::result::Result<(Sha256, u64, Vec<u8>), Refused>> {
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut len: u64 = 0;
    while let Some(frame) = frames.next().await {
        let bytes = frame.map_err(|e| {
            AppError::bad_request(format!("the upload stopped before its end: {e}"))
        })?;
        len += bytes.len() as u64;
        if len > max {
            return Ok(Err(Refused::TooLarge(max)));
        }
        if expected.is_some_and(|e| len > e) {
            return Ok(Err(Refused::WrongLength(len)));
        }
        if hash {
            hasher.update(&bytes);
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(bytes.len());
                head.extend_from_slice(&bytes[..take]);
            }
        }
        file.write_all(&bytes)
            .await
            .map_err(io("writing an upload"))?;
    }
    if expected.is_some_and(|e| len != e) {
        return Ok(Err(Refused::WrongLength(len)));
    }
    file.sync_data().await.map_err(io("flushing an upload"))?;
    Ok(Ok((hasher, len, head)))
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
        assert_eq!(sweep_older_than(dir.path(), ABANDONED_AFTER).await, 1);
        assert!(!old.exists());
        assert!(fresh.exists());
        Ok(())
    }

    #[tokio::test]
    async fn a_kept_file_is_whole_and_a_short_or_changed_one_is_not() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let blobs = Blobs::new(dir.path().to_path_buf());
        let bytes = b"the screenshot's bytes".repeat(5000);
        let Ok(received) = blobs
            .receive(Body::from(bytes.clone()), 1 << 20, None)
            .await?
        else {
            anyhow::bail!("refused");
        };
        let sha = format!("{:x}", Sha256::digest(&bytes));
        assert_eq!(received.sha256, sha);
        assert_eq!(received.len, bytes.len() as u64);
        assert_eq!(received.head.len(), SNIFF_BYTES);
        blobs.keep(received).await?;
        assert!(blobs.is_whole(&sha, bytes.len() as u64).await);
        let path = blobs.path(&sha)?;
        std::fs::write(&path, &bytes[..100])?;
        assert!(!blobs.is_whole(&sha, bytes.len() as u64).await, "short");
        let mut changed = bytes.clone();
        changed[7] ^= 1;
        std::fs::write(&path, &changed)?;
        assert!(!blobs.is_whole(&sha, bytes.len() as u64).await, "changed");
        // Sent again, the damaged copy is replaced.
        let Ok(again) = blobs
            .receive(Body::from(bytes.clone()), 1 << 20, None)
            .await?
        else {
            anyhow::bail!("refused");
        };
        blobs.keep(again).await?;
        assert!(blobs.is_whole(&sha, bytes.len() as u64).await);
        assert!(
            std::fs::read_dir(dir.path().join("tmp"))?.next().is_none(),
            "no temporary file left"
        );
        let too_big = blobs.receive(Body::from(bytes.clone()), 10, None).await?;
        assert!(matches!(too_big, Err(Refused::TooLarge(10))));
        assert!(std::fs::read_dir(dir.path().join("tmp"))?.next().is_none());
        Ok(())
    }
}
