//! Files on this device: a picked file kept by hash until a reply names it, and a ticket's file
//! fetched once from the server, checked against its hash and kept for reading offline.

use bellhop_proto::{NewAttachment, TicketId};

use crate::agent::Agent;
use crate::error::{Error, Result};

impl Agent {
    /// Keeps a file's bytes on this device, ready for a reply or ticket to name (the desktop
    /// window hands files over one by one before queueing the reply).
    pub fn stage_file(&self, file_name: &str, bytes: &[u8]) -> Result<NewAttachment> {
        if bytes.len() as u64 > bellhop_proto::DEFAULT_MAX_ATTACHMENT_BYTES {
            return Err(Error::Invalid(format!(
                "{file_name} is larger than the {} MB a file may be",
                bellhop_proto::DEFAULT_MAX_ATTACHMENT_BYTES / (1024 * 1024)
            )));
        }
        let sha256 = self.blobs().put(bytes)?;
        Ok(NewAttachment {
            sha256,
            file_name: bellhop_proto::FileName::parse(file_name).into_string(),
        })
    }

    /// Sends files staged on this device up to the server, each only as far as the server does
    /// not hold it yet (a repeat costs nothing), for a message or ticket about to name them.
    pub(crate) async fn upload_staged(
        &self,
        credential: &str,
        files: &[NewAttachment],
    ) -> Result<()> {
        let client = self.client()?;
        for file in files {
            if let Some(from) = client.upload_offset(credential, &file.sha256).await? {
                let bytes = self.blobs().read(&file.sha256)?;
                client
                    .upload_attachment(credential, &file.sha256, &bytes, from)
                    .await?;
            }
        }
        Ok(())
    }

    /// The bytes of a file on a cached ticket: from this device when they are here (the user's
    /// own uploads, or fetched before), else fetched from the server, checked against their hash
    /// and kept for reading offline. Only files the cached ticket lists can be asked for.
    pub async fn attachment(&self, ticket: TicketId, sha256: &str) -> Result<Vec<u8>> {
        let listed = self
            .store()
            .cached_ticket(ticket)?
            .is_some_and(|(t, _)| t.attachments.iter().any(|a| a.sha256 == sha256));
        if !listed {
            return Err(Error::NotFound("no such file on this ticket".into()));
        }
        let client = self.client()?;
        self.kept_or_fetched(sha256, |credential| async move {
            client
                .download_attachment(&credential, ticket, sha256)
                .await
        })
        .await
    }

    /// A file's bytes from this device when they are here, else from `fetch` (given the user's
    /// credential), checked against their hash and kept.
    pub(crate) async fn kept_or_fetched<F>(
        &self,
        sha256: &str,
        fetch: impl FnOnce(String) -> F,
    ) -> Result<Vec<u8>>
    where
        F: std::future::Future<Output = Result<Vec<u8>>>,
    {
        let blobs = self.blobs();
        if blobs.has(sha256) {
            return blobs.read(sha256);
        }
        let bytes = fetch(self.user_credential()?).await?;
        if blobs.put(&bytes)? != sha256 {
            return Err(Error::Server(bellhop_proto::ApiError::new(
                bellhop_proto::ErrorCode::Internal,
                "the server sent a file that does not match its hash",
            )));
        }
        Ok(bytes)
    }
}
