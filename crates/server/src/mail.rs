//! Email: SMTP when configured (lettre), otherwise `.eml` files in `<data-dir>/outbox/`, so the
//! embedded default works without a mail server.
//!
//! Messages are queued in the database by whoever causes them; [`MailWorker`] sends them. Tests
//! call [`MailWorker::drain`] to send everything now instead of waiting.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
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

    /// Sends every queued message once; returns how many were sent. A message to a suppressed
    /// address is held; one whose recipient the mail server refuses for good bounces (and its
    /// address is suppressed); one refused for good for another reason is given up at once.
    pub async fn drain(&self) -> Result<usize> {
        let _one_at_a_time = self.draining.lock().await;
        let mut sent = 0;
        // The logos this pass read, by SHA-256: a batch of letters reads each logo once.
        let mut logos = HashMap::new();
        for queued in self.store.pending_emails(100).await? {
            if queued.suppressed {
                tracing::info!(to = %queued.email.to, "mail held: the address is suppressed");
                self.store.hold_email(&queued.id).await?;
                continue;
            }
            let letter = self.branded(&queued.email, &mut logos).await;
            match self.send(&queued.id, &letter).await {
                Ok(()) => {
                    self.store.mark_email(&queued.id, None).await?;
                    tracing::info!(to = %queued.email.to, subject = %queued.email.subject, via = %self.transport.describe(), "mail sent");
                    sent += 1;
                }
                Err(Refusal::Recipient(reason)) => {
                    tracing::warn!(to = %queued.email.to, %reason, "mail bounced: the address is suppressed");
                    self.store.bounce_email(&queued.id, &reason).await?;
                }
                Err(Refusal::ForGood(reason)) => {
                    tracing::warn!(to = %queued.email.to, %reason, "mail refused for good; given up");
                    self.store.fail_email(&queued.id, &reason).await?;
                }
                Err(Refusal::ForNow(e)) => {
                    tracing::warn!(to = %queued.email.to, attempt = queued.attempts + 1, error = %e, "mail not sent; will retry");
                    self.store
                        .mark_email(&queued.id, Some(&e.to_string()))
                        .await?;
                }
            }
        }
        Ok(sent)
    }

    /// The letter as the desk signs it: the brand of the recipient's organisation (the desk's
    /// for anyone else) names the sender and signs the words. Sent unbranded when the brand
    /// cannot be read: the letter matters more than its look.
    async fn branded(&self, mail: &Email, logos: &mut HashMap<String, Option<Vec<u8>>>) -> Letter {
        let brand = async {
            let org = self
                .store
                .user_for_login(&mail.to)
                .await?
                .and_then(|a| a.user.org_id);
            self.store.brand_of(org).await
        };
        match brand.await {
            Ok(brand) => {
                let logo = self.png_logo(&brand, logos).await;
                Letter {
                    from: sender(&self.from, &brand),
                    mail: crate::letters::signed(mail, &brand, logo.is_some()),
                    logo,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "the brand could not be read; the letter goes unbranded");
                Letter {
                    from: self.from.clone(),
                    mail: mail.clone(),
                    logo: None,
                }
            }
        }
    }

    /// The brand's logo to carry inside a letter: a PNG only (mail readers fetch no pictures
    /// from elsewhere until asked, and few draw an SVG, so an SVG logo stays out of letters).
    async fn png_logo(
        &self,
        brand: &bellhop_proto::Brand,
        logos: &mut HashMap<String, Option<Vec<u8>>>,
    ) -> Option<Vec<u8>> {
        let sha256 = brand
            .logo
            .as_deref()?
            .strip_prefix(bellhop_proto::LOGO_PATH)?;
        if let Some(kept) = logos.get(sha256) {
            return kept.clone();
        }
        let png = match self.store.logo(sha256).await {
            Ok(Some((mime, bytes))) if mime == "image/png" => Some(bytes),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "the logo could not be read; the letter goes without it");
                return None;
            }
        };
        logos.insert(sha256.to_owned(), png.clone());
        png
    }

    async fn send(&self, id: &str, letter: &Letter) -> std::result::Result<(), Refusal> {
        let mail = &letter.mail;
        let html = SinglePart::html(mail.html.clone());
        // The logo travels inside the letter, beside the HTML that names it.
        let body = match &letter.logo {
            Some(png) => MultiPart::alternative()
                .singlepart(SinglePart::plain(mail.text.clone()))
                .multipart(MultiPart::related().singlepart(html).singlepart(
                    Attachment::new_inline(crate::letters::LOGO_CID.to_owned()).body(
                        png.clone(),
                        ContentType::parse("image/png").map_err(anyhow::Error::from)?,
                    ),
                )),
            None => MultiPart::alternative()
                .singlepart(SinglePart::plain(mail.text.clone()))
                .singlepart(html),
        };
        let message = Message::builder()
            .from(letter.from.parse().map_err(anyhow::Error::from)?)
            .to(mail.to.parse().map_err(anyhow::Error::from)?)
            // The id a delivery status notification quotes back (`bounces.rs`).
            .message_id(Some(format!("<{id}@{}>", message_id_domain(&self.from))))
            .subject(&mail.subject)
            .multipart(body)
            .map_err(anyhow::Error::from)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                match e.status() {
                    // The recipient's mailbox: unknown, moved or not allowed.
                    Some(code)
                        if e.is_permanent()
                            && RECIPIENT_REFUSED.contains(&code.to_string().as_str()) =>
                    {
                        Refusal::Recipient(e.to_string())
                    }
                    Some(_) if e.is_permanent() => Refusal::ForGood(e.to_string()),
                    _ => Refusal::ForNow(e.into()),
                }
            }),
            Transport::Files(files, _) => files
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| Refusal::ForNow(e.into())),
        }
    }
}

/// A letter ready to go: the sender, the words, and the desk's logo the HTML shows (a PNG).
struct Letter {
    from: String,
    mail: Email,
    logo: Option<Vec<u8>>,
}

/// SMTP answers that refuse the recipient for good (RFC 5321): the mailbox is unavailable, not
/// local, or its name is not allowed.
const RECIPIENT_REFUSED: [&str; 3] = ["550", "551", "553"];

/// Why a message was not sent.
enum Refusal {
    /// The recipient, for good: the message bounced.
    Recipient(String),
    /// For good, for another reason (the sender, the message): given up.
    ForGood(String),
    /// For now: tried again later.
    ForNow(anyhow::Error),
}

impl From<anyhow::Error> for Refusal {
    fn from(e: anyhow::Error) -> Self {
        Self::ForNow(e)
    }
}

/// The configured sender with the desk's name, where the desk gave one ("Acme IT
/// <desk@acme.example>"); as configured otherwise.
fn sender(from: &str, brand: &bellhop_proto::Brand) -> String {
    if brand.name == bellhop_proto::DEFAULT_BRAND_NAME {
        return from.to_owned();
    }
    match from.parse::<lettre::message::Mailbox>() {
        Ok(mailbox) => {
            lettre::message::Mailbox::new(Some(brand.name.clone()), mailbox.email).to_string()
        }
        Err(_) => from.to_owned(),
    }
}

/// The domain of our Message-IDs: the From address's.
fn message_id_domain(from: &str) -> &str {
    from.rsplit('@')
        .next()
        .map(|d| d.trim_end_matches('>'))
        .filter(|d| !d.is_empty())
        .unwrap_or("bellhop.invalid")
}
