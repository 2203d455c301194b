//! Email: SMTP when configured (lettre), otherwise `.eml` files in `<data-dir>/outbox/`, so the
//! embedded default works without a mail server.
//!
//! Messages are queued in the database by whoever causes them; [`MailWorker`] sends them. Tests
//! call [`MailWorker::drain`] to send everything now instead of waiting.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::MultiPart;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::db::Store;
use crate::error::Result;
use crate::letters::Email;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Transport {
    /// SMTP from a URL (`smtp://user:pass@host:587?tls=required`, `smtps://…`), or files in `dir`.
    pub fn new(smtp_url: Option<&str>, dir: PathBuf) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => Ok(Self::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("BELLHOP_SMTP_URL is not usable: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            )),
            None => {
                std::fs::create_dir_all(&dir)?;
                Ok(Self::Files(AsyncFileTransport::new(&dir), dir))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(_) => "SMTP".into(),
            Self::Files(_, dir) => format!(".eml files in {}", dir.display()),
        }
    }
}

/// Sends queued mail in the background; woken when something is queued.
#[derive(Clone)]
pub struct MailWorker {
    store: Store,
    transport: Transport,
    from: String,
    wake: Arc<Notify>,
    // One drain at a time, so the background loop and a test's drain never send a message twice.
    draining: Arc<tokio::sync::Mutex<()>>,
}

impl MailWorker {
    pub fn new(store: Store, transport: Transport, from: String) -> Self {
        Self {
            store,
            transport,
            from,
            wake: Arc::new(Notify::new()),
            draining: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Something was queued: send it soon.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs forever: drains the queue, then waits for a wake-up or a retry interval.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.drain().await {
                tracing::error!(error = %e, "mail queue");
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(30)) => {}
            }
        }
    }

    /// Sends every queued message once; returns how many were sent.
    pub async fn drain(&self) -> Result<usize> {
        let _one_at_a_time = self.draining.lock().await;
        let mut sent = 0;
        for queued in self.store.pending_emails(100).await? {
            match self.send(&queued.email).await {
                Ok(()) => {
                    self.store.mark_email(&queued.id, None).await?;
                    tracing::info!(to = %queued.email.to, subject = %queued.email.subject, via = %self.transport.describe(), "mail sent");
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(to = %queued.email.to, attempt = queued.attempts + 1, error = %e, "mail not sent; will retry");
                    self.store
                        .mark_email(&queued.id, Some(&e.to_string()))
                        .await?;
                }
            }
        }
        Ok(sent)
    }

    async fn send(&self, mail: &Email) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.parse()?)
            .to(mail.to.parse()?)
            .subject(&mail.subject)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Files(files, _) => {
                files.send(message).await?;
            }
        }
        Ok(())
    }
}
