//! The façade: one method per use case. The Tauri commands and the CLI call these and nothing
//! else, so behaviour is the same in the window, in scripts and in tests.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bellhop_proto::{
    AgentStatus, CommentId, ConfirmTokenRequest, Connectivity, DeviceState, EnrolRequest,
    EnrolResponse, LocalTicket, MyPortal, NewAttachment, NewComment, Notice, OutboxItem,
    SendTokenRequest, TicketChange, TicketId, TicketUpdate, User,
};
use tokio::sync::Notify;
use tokio_stream::StreamExt;

use crate::blobs::Blobs;
use crate::client::{LiveEvent, ServerClient};
use crate::config::{AgentConfig, Paths};
use crate::credentials::{Credentials, Secret};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::{SyncReport, push_outbox};

/// The `meta` key of the confirmed user (JSON).
const USER_KEY: &str = "confirmed_user";
/// When this device's user credential was last issued (Unix milliseconds).
const CREDENTIAL_ISSUED_KEY: &str = "credential_issued_at";
fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// How long a user credential is used before the agent asks for a new one in its place.
pub const ROTATE_CREDENTIAL_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);
/// Tickets per pull request.
const PULL_PAGE: u32 = 500;
/// A sync pass at least this often while watching, in case an event was lost.
const WATCH_SAFETY_PASS: Duration = Duration::from_secs(60);
const WATCH_MAX_BACKOFF: Duration = Duration::from_secs(30);

pub struct Agent {
    paths: Paths,
    config: AgentConfig,
    client: Option<ServerClient>,
    store: Mutex<Store>,
}

impl Agent {
    /// Loads configuration and opens the store under `paths`.
    pub fn open(paths: Paths) -> Result<Self> {
        let config = AgentConfig::load(&paths)?;
        Self::with_config(paths, config)
    }

    /// Opens with an explicit configuration (flags already applied).
    pub fn with_config(paths: Paths, config: AgentConfig) -> Result<Self> {
        if let Some(url) = &config.server_url {
            crate::config::require_secure(url, config.insecure)?;
        }
        let store = Store::open(&paths.store_file())?;
        let client = config
            .server_url
            .as_deref()
            .map(ServerClient::new)
            .transpose()?;
        Ok(Self {
            paths,
            config,
            client,
            store: Mutex::new(store),
        })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    pub(crate) fn client(&self) -> Result<&ServerClient> {
        self.client.as_ref().ok_or_else(|| {
            Error::Config(
                "no server is configured: run `bellhop enroll --server URL --key KEY`".into(),
            )
        })
    }

    fn credentials(&self) -> Result<Credentials> {
        Ok(Credentials::new(
            self.client()?.base(),
            self.paths.data_dir.join("credentials"),
            self.paths.keychain,
        ))
    }

    fn secret(&self, which: Secret, missing: &str) -> Result<String> {
        self.credentials()?
            .load(which)?
            .ok_or_else(|| Error::Config(missing.into()))
    }

    /// Registers this device with the server using an organisation's enrolment key, and keeps
    /// the device secret in the keychain.
    pub async fn enroll(&self, enrolment_key: &str) -> Result<EnrolResponse> {
        let response = self
            .client()?
            .enroll(&EnrolRequest {
                enrolment_key: enrolment_key.to_owned(),
                device: crate::device::facts(),
            })
            .await?;
        let credentials = self.credentials()?;
        credentials.save(Secret::DeviceSecret, &response.device_secret)?;
        // A new enrolment starts a new identity.
        credentials.delete(Secret::UserCredential)?;
        let mut store = self.store();
        store.set_meta(USER_KEY, None)?;
        store.reset_cache()?;
        Ok(response)
    }

    /// The server's view of this device (pending, active, deactivated).
    pub async fn device_state(&self) -> Result<DeviceState> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        self.client()?.device_state(&secret).await
    }

    /// Step one of the identity confirmation: the server emails a token.
    pub async fn send_identity_token(
        &self,
        first_name: &str,
        last_name: &str,
        email: &str,
    ) -> Result<()> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        self.client()?
            .send_token(
                &secret,
                &SendTokenRequest {
                    first_name: first_name.to_owned(),
                    last_name: last_name.to_owned(),
                    email: email.to_owned(),
                    language: Some(self.language()?),
                },
            )
            .await
    }

    /// Step two: the typed token; on success the device credential is kept in the keychain.
    pub async fn confirm_identity(&self, email: &str, token: &str) -> Result<User> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        let credential = self
            .client()?
            .confirm(
                &secret,
                &ConfirmTokenRequest {
                    email: email.to_owned(),
                    token: token.to_owned(),
                },
            )
            .await?;
        self.credentials()?
            .save(Secret::UserCredential, &credential.token)?;
        let user = serde_json::to_string(&credential.user)?;
        let mut store = self.store();
        store.set_meta(CREDENTIAL_ISSUED_KEY, Some(&now_ms().to_string()))?;
        if store.meta(USER_KEY)?.as_deref() != Some(user.as_str()) {
            // Someone else's tickets must not show: start the cache afresh.
            store.reset_cache()?;
        }
        store.set_meta(USER_KEY, Some(&user))?;
        Ok(credential.user)
    }

    /// Replaces the user credential with a new one when it has been used for
    /// [`ROTATE_CREDENTIAL_EVERY`] (or its age is not known): the person notices nothing, and a
    /// copy of the old credential stops working once the new one is used. Returns whether it
    /// rotated. If the new credential cannot be kept, the old one still works (until a later
    /// rotation replaces it), so nothing is lost either way.
    pub async fn rotate_credential_if_due(&self, now_ms: i64) -> Result<bool> {
        let issued = self
            .store()
            .meta(CREDENTIAL_ISSUED_KEY)?
            .and_then(|v| v.parse::<i64>().ok());
        let every = i64::try_from(ROTATE_CREDENTIAL_EVERY.as_millis()).unwrap_or(i64::MAX);
        if issued.is_some_and(|at| now_ms - at < every) {
            return Ok(false);
        }
        let current = self.user_credential()?;
        let fresh = self.client()?.rotate_credential(&current).await?;
        self.credentials()?
            .save(Secret::UserCredential, &fresh.token)?;
        self.store()
            .set_meta(CREDENTIAL_ISSUED_KEY, Some(&now_ms.to_string()))?;
        tracing::info!("the device credential was rotated");
        Ok(true)
    }

    /// The person whose identity this device confirmed, if any.
    pub fn confirmed_user(&self) -> Result<Option<User>> {
        let stored = self.store().meta(USER_KEY)?;
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Enrols with the configured enrolment key if this device has no secret yet (silent
    /// deployment: an MDM writes agent.toml, the agent does the rest). Returns whether it enrolled.
    pub async fn enroll_if_configured(&self) -> Result<bool> {
        let Some(key) = self.config.enrolment_key.clone() else {
            return Ok(false);
        };
        if self.client.is_none() {
            return Ok(false);
        }
        if self.credentials()?.load(Secret::DeviceSecret)?.is_some() {
            match self.device_state().await {
                // The server does not know this device (its data was reset, or the secret is
                // from another server): enrol again rather than stay "not enrolled" for ever.
                Err(Error::Server(e)) if e.code == bellhop_proto::ErrorCode::Unauthenticated => {
                    tracing::info!("the server does not know this device; enrolling again");
                }
                _ => return Ok(false),
            }
        }
        self.enroll(&key).await?;
        Ok(true)
    }

    pub(crate) fn user_credential(&self) -> Result<String> {
        self.secret(
            Secret::UserCredential,
            "confirm your identity first (Personal settings, or `bellhop identity`)",
        )
    }

    /// Sends what is due in the outbox, then pulls what changed, the knowledge base included.
    /// Offline is not an error: the report says what waits and why.
    pub async fn sync(&self) -> Result<SyncReport> {
        self.sync_pass(true).await
    }

    /// One pass; `refresh_kb`: compare the offline knowledge base with the server's too (it is
    /// anyway when the section was just switched on for this user).
    async fn sync_pass(&self, refresh_kb: bool) -> Result<SyncReport> {
        let pass = self.sync_pass_once(refresh_kb).await;
        if let Err(e) = &pass {
            self.after_refusal(e).await?;
        }
        pass
    }

    /// After the server refused this device's user credential, and the device itself is still
    /// active: the credential was revoked (a password reset, "sign out everywhere", the person
    /// switched off). The credential, the confirmed person and their cached tickets are
    /// forgotten, so the app asks to confirm the identity again; the outbox keeps what waits.
    /// Returns whether it forgot.
    async fn after_refusal(&self, error: &Error) -> Result<bool> {
        let Error::Server(refused) = error else {
            return Ok(false);
        };
        if refused.code != bellhop_proto::ErrorCode::Unauthenticated {
            return Ok(false);
        }
        match self.device_state().await {
            Ok(state) if state.status == bellhop_proto::DeviceStatus::Active => {}
            // A device deactivated by the desk keeps its person: activated again, it works.
            _ => return Ok(false),
        }
        tracing::info!("the server no longer accepts this device's credential: forgetting it");
        self.credentials()?.delete(Secret::UserCredential)?;
        let mut store = self.store();
        store.set_meta(USER_KEY, None)?;
        store.set_meta(CREDENTIAL_ISSUED_KEY, None)?;
        store.reset_cache()?;
        Ok(true)
    }

    async fn sync_pass_once(&self, refresh_kb: bool) -> Result<SyncReport> {
        let credential = self.user_credential()?;
        let mut report =
            push_outbox(&self.store, self.client()?, &credential, &self.blobs()).await?;
        if report.problem.is_none() {
            match self.pull_with(&credential, refresh_kb).await {
                Ok((pulled, articles, notices)) => {
                    report.pulled = pulled;
                    report.articles = articles;
                    report.notices = notices;
                    if let Err(e) = self.send_language(&credential).await {
                        report.problem = Some(e.to_string());
                    }
                    // Online and in good standing: a good time to renew the credential.
                    if let Err(e) = self.rotate_credential_if_due(now_ms()).await {
                        tracing::warn!(error = %e, "the device credential could not be rotated; trying again later");
                    }
                }
                Err(e) if e.is_retryable() => report.problem = Some(e.to_string()),
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Brings the ticket cache up to date with the server; returns how many tickets changed and
    /// the notices for the user.
    pub async fn pull(&self) -> Result<(u64, Vec<Notice>)> {
        let credential = self.user_credential()?;
        let (pulled, _, notices) = self.pull_with(&credential, false).await?;
        Ok((pulled, notices))
    }

    /// Returns the tickets and articles that changed here, and the notices.
    async fn pull_with(
        &self,
        credential: &str,
        refresh_kb: bool,
    ) -> Result<(u64, u64, Vec<Notice>)> {
        let client = self.client()?;
        let me = self.confirmed_user()?.map(|u| u.id);
        let mut pulled = 0;
        let mut notices = Vec::new();
        let visible = loop {
            let cursor = self.store().cursor()?;
            let page = client.changes(credential, cursor, PULL_PAGE).await?;
            pulled += page.changes.len() as u64;
            notices.extend(self.store().apply_changes(&page, me)?);
            if !page.more {
                break page.visible;
            }
        };
        // Holding more than the server counts: the user lost sight of some (a copy removed, a
        // role changed). Ask which they still see and let the others go.
        if visible.is_some_and(|v| v < self.store().cached_ticket_count().unwrap_or(0)) {
            let ids = client.ticket_ids(credential).await?;
            pulled += self.store().keep_only_tickets(&ids)?;
        }
        // What the desk lets this user do may have changed too (portal settings).
        let portal = client.my_portal(credential).await?;
        let had_kb = self.store().portal()?.is_some_and(|p| p.knowledge_base);
        self.store().set_portal(&portal)?;
        let articles = if !portal.knowledge_base {
            // Emptied once, when the section goes off; not again at every pass.
            if had_kb {
                self.store().clear_articles()?;
            }
            0
        } else if refresh_kb || !had_kb {
            self.refresh_kb(credential).await?
        } else {
            0
        };
        Ok((pulled, articles, notices))
    }

    /// The portal settings as they apply to this user, from the last pull (`None` before the
    /// first): which sections to show, whether reopening is allowed.
    pub fn portal(&self) -> Result<Option<MyPortal>> {
        self.store().portal()
    }

    /// Keeps everything current until a failure that waiting cannot fix: a sync pass when the
    /// server's live stream says something changed, when `wake` is notified ("Sync now", a new
    /// ticket), and every minute in any case. While the server is unreachable it retries with
    /// backoff. `on_pass` hears every pass's report.
    pub async fn watch(&self, wake: &Notify, mut on_pass: impl FnMut(&SyncReport)) -> Result<()> {
        let mut failures = 0u32;
        loop {
            let credential = self.user_credential()?;
            match self.client()?.events(&credential).await {
                Ok(mut events) => {
                    failures = 0;
                    loop {
                        let next = tokio::select! {
                            event = events.next() => event,
                            () = wake.notified() => Some(Ok(LiveEvent::Resync)),
                            () = tokio::time::sleep(WATCH_SAFETY_PASS) => Some(Ok(LiveEvent::Resync)),
                        };
                        match next {
                            Some(Ok(event)) => {
                                // The knowledge base is compared on (re)connecting, when the
                                // server says it changed, and at least hourly.
                                let kb = matches!(event, LiveEvent::Ready | LiveEvent::Kb)
                                    || self.kb_stale()?;
                                on_pass(&self.sync_pass(kb).await?);
                            }
                            // Dropped: reconnect (which pulls again on `ready`).
                            Some(Err(_)) | None => break,
                        }
                    }
                }
                Err(e) if !e.is_retryable() => {
                    self.after_refusal(&e).await?;
                    return Err(e);
                }
                Err(_) => {
                    let report = self.sync_pass(false).await?;
                    on_pass(&report);
                    failures = failures.saturating_add(1);
                    let wait = Duration::from_secs(1 << failures.min(5)).min(WATCH_MAX_BACKOFF);
                    tokio::select! {
                        () = wake.notified() => {}
                        () = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    /// The tickets this user has here: waiting in the outbox first, then the cached ones.
    pub fn tickets(&self) -> Result<Vec<LocalTicket>> {
        self.store().local_tickets()
    }

    /// A cached ticket by id or by its number, with its conversation; marks it read.
    pub fn ticket(&self, which: &str) -> Result<TicketChange> {
        let mut store = self.store();
        let id = match which.trim_start_matches('#').parse::<i64>() {
            Ok(number) => store.ticket_id_by_number(number)?,
            Err(_) => which.parse::<TicketId>().ok(),
        };
        let found = match id {
            Some(id) => store.cached_ticket(id)?,
            None => None,
        };
        let (change, _) = found.ok_or_else(|| {
            Error::NotFound(format!("no ticket {which} here (try `bellhop sync` first)"))
        })?;
        store.mark_read(change.ticket.id)?;
        Ok(change)
    }

    /// Queues a reply to a ticket; durable when this returns, online or not.
    pub fn queue_reply(&self, ticket: TicketId, body: &str) -> Result<OutboxItem> {
        self.queue_reply_with_files(ticket, body, Vec::new())
    }

    /// Queues a reply with files (name, bytes): the files are stored first, then the reply and
    /// its outbox row in one transaction; the sync uploads them by hash before the reply.
    pub fn queue_reply_with_files(
        &self,
        ticket: TicketId,
        body: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<OutboxItem> {
        let mut attachments = Vec::with_capacity(files.len());
        for (file_name, bytes) in files {
            attachments.push(self.stage_file(&file_name, &bytes)?);
        }
        self.queue_reply_with_attachments(ticket, body, attachments)
    }

    /// Queues a reply naming files already kept here ([`Self::stage_file`]).
    pub fn queue_reply_with_attachments(
        &self,
        ticket: TicketId,
        body: &str,
        attachments: Vec<NewAttachment>,
    ) -> Result<OutboxItem> {
        let body = bellhop_proto::Reply::parse(body)?;
        let blobs = self.blobs();
        if let Some(missing) = attachments.iter().find(|a| !blobs.has(&a.sha256)) {
            return Err(Error::Invalid(format!(
                "{} is not on this device: attach it again",
                missing.file_name
            )));
        }
        self.store().queue_reply(
            ticket,
            NewComment {
                id: CommentId::new(),
                body: body.into_string(),
                visibility: None,
                attachments,
            },
        )
    }

    /// Queues reopening a resolved or closed ticket; the server decides whether it may be.
    pub fn queue_reopen(&self, ticket: TicketId) -> Result<OutboxItem> {
        self.store().queue_update(
            ticket,
            TicketUpdate {
                status: Some(bellhop_proto::TicketStatus::Open),
                ..TicketUpdate::default()
            },
        )
    }

    pub fn unread_count(&self) -> Result<u64> {
        self.store().unread_count()
    }

    /// Makes every waiting item due now (e.g. "Sync now").
    pub fn retry_now(&self) -> Result<()> {
        self.store().retry_now()
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so the store stays usable.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the agent stands: server reachable or not, and what waits locally.
    pub async fn status(&self) -> Result<AgentStatus> {
        let (queued, drafts, unread) = {
            let store = self.store();
            (
                store.pending_count()?,
                store.draft_count()?,
                store.unread_count()?,
            )
        };
        let mut status = AgentStatus {
            agent_version: env!("CARGO_PKG_VERSION").into(),
            server_url: self.config.server_url.clone(),
            connectivity: Connectivity::NotConfigured,
            server: None,
            problem: None,
            queued,
            drafts,
            unread,
            device: None,
            user: self.confirmed_user()?,
        };
        if let Some(client) = &self.client {
            match client.server_info().await {
                Ok(info) => {
                    status.connectivity = Connectivity::Online;
                    status.server = Some(info);
                    if self.credentials()?.load(Secret::DeviceSecret)?.is_some() {
                        status.device = self.device_state().await.ok().map(|d| d.status);
                    }
                }
                Err(e) => {
                    status.connectivity = Connectivity::Offline;
                    status.problem = Some(e.to_string());
                }
            }
        }
        Ok(status)
    }

    pub(crate) fn blobs(&self) -> Blobs {
        Blobs::new(self.paths.data_dir.join("blobs"))
    }

    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.store().outbox()
    }
}
