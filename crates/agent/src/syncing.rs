//! When and how the agent syncs: one pass (push what is due, then pull what changed), the live
//! watch that runs passes as the server's stream asks, and the desktop's background policy around
//! it (enrol when configured, watch once the identity is confirmed, poll while the device waits
//! for activation, else idle). The CLI's `sync --watch` and the desktop app run the same policy.

use std::time::Duration;

use bellhop_proto::{AgentStatus, DeviceStatus, Notice};
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use tokio::sync::Notify;
use tokio_stream::StreamExt;

use crate::agent::{Agent, CREDENTIAL_ISSUED_KEY, USER_KEY, now_ms};
use crate::chat::ChatHeard;
use crate::client::LiveEvent;
use crate::credentials::Secret;
use crate::error::{Error, Result};
use crate::sync::{Signed, SyncReport, push_outbox};

/// Tickets per pull request.
const PULL_PAGE: u32 = 500;
/// A sync pass at least this often while watching, in case an event was lost.
const WATCH_SAFETY_PASS: Duration = Duration::from_secs(60);
const WATCH_MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long the background waits when there is nothing to watch yet (not enrolled, no
/// identity) or the watch stopped on something waiting will not fix (device deactivated).
pub const IDLE: Duration = Duration::from_secs(15);
/// How often a device waiting for a technician's activation asks again: the user sees the
/// activation within seconds.
pub const PENDING_POLL: Duration = Duration::from_secs(3);

/// The self-service actions a watch is counting down or running, beside it.
type ActionRuns<'a> = FuturesUnordered<BoxFuture<'a, ()>>;

/// What the background loop tells whoever runs it.
#[derive(Debug, Clone)]
pub enum Heard {
    /// A sync pass ran; its notices are for the user.
    Pass(SyncReport),
    /// Between watches: where the agent stands now.
    Status(AgentStatus),
}

/// How long the background waits before trying again, given where the agent stands.
pub fn wait_after(status: &AgentStatus) -> Duration {
    if status.device == Some(DeviceStatus::Pending) {
        PENDING_POLL
    } else {
        IDLE
    }
}

impl Agent {
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
        let mut report = push_outbox(
            &self.store,
            &Signed {
                client: self.client()?,
                credential: &credential,
            },
            &self.blobs(),
        )
        .await?;
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
        // The brand is the desk's way of being seen: a failure to read it does not stop a pass.
        if let Err(e) = self.refresh_brand().await {
            tracing::info!(error = %e, "the brand could not be read; keeping the last copy");
        }
        let had_kb = self.store().portal()?.is_some_and(|p| p.knowledge_base);
        self.store().set_portal(&portal)?;
        // The catalog, to ask from offline too; none where the desk lets this user open nothing.
        // Asked with the tag of the copy kept: unchanged, the server sends nothing.
        if portal.ticketing {
            let held = self.store().catalog_tag()?;
            if let Some((catalog, tag)) = client.catalog(credential, held.as_deref()).await? {
                self.store().set_catalog(Some(&catalog), tag.as_deref())?;
            }
        } else {
            self.store().set_catalog(None, None)?;
        }
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

    /// Keeps everything current until a failure that waiting cannot fix: a sync pass when the
    /// server's live stream says something changed, when `wake` is notified ("Sync now", a new
    /// ticket), and every minute in any case. While the server is unreachable it retries with
    /// backoff. `on_pass` hears every pass's report.
    ///
    /// Self-service actions for this computer are picked up when the stream says one moved, and
    /// on connecting and at each safety pass in case an event was missed; each runs beside the watch (a restart's
    /// countdown does not hold up the tickets).
    pub async fn watch(&self, wake: &Notify, mut on_pass: impl FnMut(&SyncReport)) -> Result<()> {
        let mut failures = 0u32;
        let mut running: ActionRuns<'_> = FuturesUnordered::new();
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
                            Some(()) = running.next(), if !running.is_empty() => continue,
                        };
                        match next {
                            Some(Ok(LiveEvent::Chat(event))) => {
                                self.chat.ring(ChatHeard::Message(event));
                            }
                            Some(Ok(LiveEvent::ChatTyping(event))) => {
                                self.chat.ring(ChatHeard::Typing(event));
                            }
                            Some(Ok(LiveEvent::Duty)) => self.chat.ring(ChatHeard::Duty),
                            Some(Ok(LiveEvent::Action)) => {
                                self.running.heard();
                                self.start_actions(&credential, &mut running).await;
                            }
                            Some(Ok(event)) => {
                                // The knowledge base is compared on (re)connecting, when the
                                // server says it changed, and at least hourly.
                                let kb = matches!(event, LiveEvent::Ready | LiveEvent::Kb)
                                    || self.kb_stale()?;
                                on_pass(&self.sync_pass(kb).await?);
                                // In case an action event was missed: on (re)connecting and at
                                // the safety pass, not after every ticket's event.
                                if matches!(event, LiveEvent::Ready | LiveEvent::Resync) {
                                    self.start_actions(&credential, &mut running).await;
                                    self.chat.ring(ChatHeard::Resync);
                                }
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

    /// Tells the server what earlier runs left unsaid, then claims what waits for this computer
    /// and sets each going in `running`. Offline or refused, it tries again at the next event.
    async fn start_actions<'a>(&'a self, credential: &str, running: &mut ActionRuns<'a>) {
        self.report_facts_now_and_then(Some(credential)).await;
        if let Err(e) = self.report_unfinished(credential).await {
            tracing::warn!(error = %e, "earlier actions' outcomes could not be told");
        }
        match self.take_actions(credential).await {
            Ok(claimed) => {
                let countdown = self.config().action_countdown();
                for action in claimed {
                    running.push(Box::pin(self.run_claimed(
                        credential.to_owned(),
                        action,
                        countdown,
                    )));
                }
            }
            Err(e) => tracing::info!(error = %e, "actions for this computer could not be fetched"),
        }
    }

    /// The background policy, for as long as the caller keeps it running: enrols when configured
    /// to, watches once the identity is confirmed, and between watches tells `hear` where the
    /// agent stands and waits ([`wait_after`]); `wake` cuts any wait short.
    pub async fn keep_in_sync(&self, wake: &Notify, mut hear: impl FnMut(Heard)) {
        loop {
            if let Err(e) = self.enroll_if_configured().await {
                tracing::warn!(error = %e, "enrolment failed; will retry");
            }
            let confirmed = self.confirmed_user().ok().flatten().is_some();
            if !confirmed {
                // Nobody confirmed yet: the app still wears the desk's brand, and the server
                // still hears what this computer runs.
                if let Err(e) = self.refresh_brand().await {
                    tracing::info!(error = %e, "the brand could not be read; keeping the last copy");
                }
                if self.has_device_secret() {
                    self.report_facts_now_and_then(None).await;
                }
            }
            if confirmed {
                let watched = self
                    .watch(wake, |report| hear(Heard::Pass(report.clone())))
                    .await;
                if let Err(e) = watched {
                    tracing::warn!(error = %e, "sync stopped");
                }
            }
            let wait = match self.status().await {
                Ok(status) => {
                    let wait = wait_after(&status);
                    hear(Heard::Status(status));
                    wait
                }
                Err(e) => {
                    tracing::warn!(error = %e, "status");
                    IDLE
                }
            };
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Makes every waiting item due now (e.g. "Sync now").
    pub fn retry_now(&self) -> Result<()> {
        self.store().retry_now()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bellhop_proto::Connectivity;

    use super::*;
    use crate::{AgentConfig, Paths};

    fn status(device: Option<DeviceStatus>) -> AgentStatus {
        AgentStatus {
            agent_version: String::new(),
            server_url: None,
            connectivity: Connectivity::Online,
            server: None,
            problem: None,
            queued: 0,
            drafts: 0,
            unread: 0,
            device,
            user: None,
        }
    }

    #[test]
    fn a_device_waiting_for_activation_asks_again_within_seconds_and_anything_else_idles() {
        assert_eq!(
            wait_after(&status(Some(DeviceStatus::Pending))),
            PENDING_POLL
        );
        assert_eq!(wait_after(&status(Some(DeviceStatus::Active))), IDLE);
        assert_eq!(wait_after(&status(Some(DeviceStatus::Deactivated))), IDLE);
        assert_eq!(wait_after(&status(None)), IDLE);
        assert!(PENDING_POLL < IDLE);
    }

    #[tokio::test]
    async fn without_a_server_the_background_says_so_and_wakes_when_asked() -> Result<()> {
        let home = tempfile::tempdir()?;
        let agent = Arc::new(Agent::with_config(
            Paths::under(home.path()),
            AgentConfig::default(),
        )?);
        let wake = Arc::new(Notify::new());
        let (tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let running = {
            let (agent, wake) = (agent.clone(), wake.clone());
            tokio::spawn(async move {
                agent
                    .keep_in_sync(&wake, |h| {
                        let _ = tx.send(h);
                    })
                    .await;
            })
        };
        let first = heard.recv().await;
        assert!(
            matches!(&first, Some(Heard::Status(s)) if s.connectivity == Connectivity::NotConfigured),
            "{first:?}"
        );
        // Asked again at once, not after the idle wait.
        wake.notify_one();
        let again = tokio::time::timeout(IDLE / 3, heard.recv()).await;
        assert!(matches!(again, Ok(Some(Heard::Status(_)))), "{again:?}");
        running.abort();
        Ok(())
    }
}
