//! Self-service actions on this computer: restart, lock, shut down, log out, started by the
//! person who uses it from the portal (a browser, a phone) after proving it is them.
//!
//! The agent runs only what a grant allows: signed with the server key it pinned when it
//! enrolled, for this device and this OS user, unexpired, and new. It claims each action in its
//! store before anything runs ([`record`]), asks the server whether it may start (a cancelled or
//! expired action may not), then asks the OS through the platform's documented interface
//! (`linux.rs`, `windows.rs`, `macos.rs`) and reports how it went. Restart and shut down first
//! count down, so the person at the computer can save their work or cancel.

mod record;

#[cfg(target_os = "linux")]
mod linux;
pub mod macos;
pub mod windows;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bellhop_proto::grant_check;
use bellhop_proto::{
    ActionGrant, ActionId, ActionKind, ActionReport, ActionState, ApprovedList, DeviceId,
    ErrorCode, GrantClaims, GrantedAction, LocalAction, LocalActionState,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

pub use record::{Outcome, Recorded, Stage};

use crate::agent::{Agent, now_ms};
use crate::error::{Error, Result};
use crate::helper::HelperOutcome;

/// The `meta` key of the pinned grant key and the device it was pinned for (JSON [`PinnedKey`]).
pub(crate) const PIN_KEY: &str = "grant_pin";

/// The longest detail the server takes, in characters: a failure keeps its last ones.
const MAX_REPORTED_CHARS: usize = 2000;
/// The installer's lines the server is told while it runs.
const PROGRESS_LINES: usize = 6;
/// How often, at most, the server hears of an installer's progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// The last `max` characters of `text`.
fn last_chars(text: &str, max: usize) -> String {
    let count = text.chars().count();
    text.chars().skip(count.saturating_sub(max)).collect()
}

/// How long a restart or shut down counts down by default.
pub const DEFAULT_COUNTDOWN: Duration = Duration::from_secs(60);

/// The server key this agent trusts for grants, pinned when it enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedKey {
    pub device_id: DeviceId,
    /// Ed25519 public key, standard base64.
    pub key: String,
}

/// What asks the OS. Each platform has one; tests bring their own.
pub trait Executor: Send + Sync {
    /// Asks the OS to do `kind`; `Ok` says how, `Err` why not.
    fn run(&self, kind: ActionKind) -> Asking<'_>;
}

/// An executor's answer to come: `Ok` says how the OS was asked, `Err` why it could not be.
pub type Asking<'a> =
    std::pin::Pin<Box<dyn Future<Output = std::result::Result<String, RunFailure>> + Send + 'a>>;

/// Why the OS could not be asked. Its words become the action's reported detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunFailure {
    #[error("this operating system has no self-service actions")]
    Unsupported,
    /// The platform's interface refused or failed, in its words.
    #[error("{0}")]
    Os(String),
}

pub use bellhop_proto::grant_check::GrantRefusal;

/// The executor of the platform this agent was built for.
pub fn platform_executor() -> Arc<dyn Executor> {
    #[cfg(target_os = "linux")]
    {
        Arc::new(linux::Linux::from_env())
    }
    #[cfg(windows)]
    {
        Arc::new(windows::Windows)
    }
    #[cfg(target_os = "macos")]
    {
        Arc::new(macos::MacOs)
    }
    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    {
        Arc::new(Unsupported)
    }
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
struct Unsupported;

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
impl Executor for Unsupported {
    fn run(&self, _: ActionKind) -> Asking<'_> {
        Box::pin(async { Err(RunFailure::Unsupported) })
    }
}

#[cfg(target_os = "linux")]
pub use linux::Linux;

/// The claims of a grant this computer may run: signed by its pinned key, for this computer and
/// OS user, unexpired. Whether it is new is the store's to say (`claim_action`).
pub fn check_grant(
    pin: &PinnedKey,
    os_user: &str,
    grant: &ActionGrant,
    now_ms: i64,
) -> std::result::Result<GrantClaims, GrantRefusal> {
    let claims = grant_check::signed_claims(&pin.key, grant)?;
    if claims.device_id != pin.device_id {
        return Err(GrantRefusal::OtherDevice);
    }
    grant_check::for_user_now(&claims, os_user, now_ms)?;
    Ok(claims)
}

/// Who hears of the actions of this process.
type Listener = Arc<dyn Fn(LocalAction) + Send + Sync>;

/// What the agent keeps while actions of this process run: who may cancel them here, and what
/// the person at the computer is shown.
#[derive(Default)]
pub(crate) struct Running {
    /// Actions counting down or running in this process, each with its cancel bell.
    here: std::sync::Mutex<HashMap<ActionId, Arc<Notify>>>,
    /// Hears every change the person at the computer should see (the desktop shows it).
    listener: std::sync::Mutex<Option<Listener>>,
    /// Hears that the server said one of the person's actions moved, on any computer (the
    /// desktop's Self-service page reads them again).
    heard: std::sync::Mutex<Option<Arc<dyn Fn() + Send + Sync>>>,
}

impl Running {
    pub(crate) fn heard(&self) {
        let heard = self.heard.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(heard) = heard {
            heard();
        }
    }

    fn tell(&self, action: LocalAction) {
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(listener) = listener {
            listener(action);
        }
    }

    fn holds(&self, id: ActionId) -> bool {
        self.here
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&id)
    }
}

/// An action claimed here and ready to go through its countdown and start. While it lives,
/// this process holds the action: nothing else here takes it for interrupted.
pub struct Claimed<'a> {
    pub claims: GrantClaims,
    /// The grant as signed: the privileged helper checks it itself.
    grant: ActionGrant,
    /// For software: the approved list the grant names, as the server signed it.
    list: Option<ApprovedList>,
    bell: Arc<Notify>,
    running: &'a Running,
}

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        self.running
            .here
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.claims.action_id);
    }
}

impl Running {
    fn hold(
        &self,
        claims: GrantClaims,
        grant: ActionGrant,
        list: Option<ApprovedList>,
    ) -> Claimed<'_> {
        let bell = Arc::new(Notify::new());
        self.here
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(claims.action_id, Arc::clone(&bell));
        Claimed {
            claims,
            grant,
            list,
            bell,
            running: self,
        }
    }
}

fn local(claims: &GrantClaims, state: LocalActionState, detail: Option<String>) -> LocalAction {
    LocalAction {
        id: claims.action_id,
        kind: claims.kind,
        asked_by: claims.user_name.clone(),
        state,
        runs_at: None,
        detail,
    }
}

impl Agent {
    /// Tells `listener` about every action of this process as it moves (the desktop shows a
    /// countdown with a Cancel button, then the outcome).
    pub fn on_action(&self, listener: impl Fn(LocalAction) + Send + Sync + 'static) {
        *self
            .running
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(listener));
    }

    /// Tells `listener` whenever the server says one of the person's actions moved, on this
    /// computer or another (while the watch runs).
    pub fn on_actions_heard(&self, listener: impl Fn() + Send + Sync + 'static) {
        *self.running.heard.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(listener));
    }

    /// Cancels, here, an action counting down in this process. `false` when there is none
    /// (it already started, or never was).
    pub fn cancel_action_here(&self, id: ActionId) -> bool {
        let bell = self
            .running
            .here
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned();
        match bell {
            Some(bell) => {
                bell.notify_one();
                true
            }
            None => false,
        }
    }

    /// The server key and device this agent trusts, pinning them now if this computer enrolled
    /// before grants existed.
    pub(crate) async fn grant_pin(&self) -> Result<Option<PinnedKey>> {
        if let Some(pin) = self.stored_pin()? {
            return Ok(Some(pin));
        }
        let state = self.device_state().await?;
        Ok(self.stored_pin()?.or_else(|| {
            (!state.grant_key.is_empty()).then_some(PinnedKey {
                device_id: state.device_id,
                key: state.grant_key,
            })
        }))
    }

    pub(crate) fn stored_pin(&self) -> Result<Option<PinnedKey>> {
        Ok(self
            .store()
            .meta(PIN_KEY)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Pins the key unless one is pinned (a later answer never replaces it: only enrolling
    /// again does).
    pub(crate) fn pin_if_none(&self, pin: &PinnedKey) -> Result<()> {
        let mut store = self.store();
        if store.meta(PIN_KEY)?.is_none() {
            store.set_meta(PIN_KEY, Some(&serde_json::to_string(pin)?))?;
        }
        Ok(())
    }

    /// Picks up what the server signed for this computer. Each new grant that checks out is
    /// claimed and returned, to be run by [`Agent::run_claimed`]; one that does not is refused
    /// and reported; one seen before is ignored.
    pub async fn take_actions(&self, credential: &str) -> Result<Vec<Claimed<'_>>> {
        let waiting: Vec<GrantedAction> = self.client()?.waiting_actions(credential).await?;
        if waiting.is_empty() {
            return Ok(Vec::new());
        }
        let pin = self.grant_pin().await?;
        if let Some(pin) = &pin {
            self.pin_if_none(pin)?;
        }
        let os_user = crate::device::os_user();
        let mut claimed = Vec::new();
        for granted in waiting {
            let id = granted.action.id;
            let checked = match &pin {
                Some(pin) => check_grant(pin, &os_user, &granted.grant, now_ms()),
                None => Err(GrantRefusal::NoKey),
            }
            .and_then(|claims| {
                if claims.action_id == id {
                    Ok(claims)
                } else {
                    Err(GrantRefusal::OtherAction)
                }
            });
            let kind = checked.as_ref().map_or(granted.action.kind, |c| c.kind);
            if !self.store().claim_action(id, kind, &granted.grant.claims)? {
                // Seen before, here or by another process: never twice.
                continue;
            }
            match checked {
                Ok(claims) => {
                    claimed.push(self.running.hold(claims, granted.grant, granted.list));
                }
                Err(refusal) => {
                    let why = refusal.to_string();
                    tracing::warn!(action = %id, why, "refused a grant");
                    self.store()
                        .finish_action(id, Outcome::Failed, Some(&why))?;
                    self.report_end(credential, id, Outcome::Failed, Some(why))
                        .await;
                }
            }
        }
        Ok(claimed)
    }

    /// Counts down when the action warns first (the person here may cancel), asks the server
    /// whether it may start, asks the OS, and reports how it went.
    pub async fn run_claimed(&self, credential: String, claimed: Claimed<'_>, countdown: Duration) {
        let outcome = self
            .count_down_and_run(&credential, &claimed, countdown)
            .await;
        if let Err(e) = outcome {
            let id = claimed.claims.action_id;
            tracing::warn!(action = %id, error = %e, "the action's record could not be kept");
        }
    }

    async fn count_down_and_run(
        &self,
        credential: &str,
        claimed: &Claimed<'_>,
        countdown: Duration,
    ) -> Result<()> {
        let (claims, bell) = (&claimed.claims, &claimed.bell);
        let id = claims.action_id;
        if claims.kind.warns_first() && !countdown.is_zero() {
            let runs_at = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::try_from(countdown).unwrap_or_default())
                .ok();
            self.running.tell(LocalAction {
                runs_at,
                ..local(claims, LocalActionState::CountingDown, None)
            });
            let cancelled = tokio::select! {
                () = bell.notified() => true,
                () = tokio::time::sleep(countdown) => false,
            };
            if cancelled {
                let why = format!("cancelled at the computer by {}", crate::device::os_user());
                self.store()
                    .finish_action(id, Outcome::Cancelled, Some(&why))?;
                self.running.tell(local(
                    claims,
                    LocalActionState::Cancelled,
                    Some(why.clone()),
                ));
                self.report_end(credential, id, Outcome::Cancelled, Some(why))
                    .await;
                return Ok(());
            }
        }
        // The server has the last word on starting: cancelled or expired meanwhile, it says no.
        let start = ActionReport {
            state: ActionState::Running,
            detail: None,
        };
        if let Err(e) = self.client()?.report_action(credential, id, &start).await {
            let why = format!("not started: {e}");
            let told = matches!(&e, Error::Server(s) if s.code == ErrorCode::Conflict);
            let mut store = self.store();
            store.finish_action(id, Outcome::Failed, Some(&why))?;
            if told {
                // The server ended it already; there is nothing more to tell it.
                store.action_reported(id)?;
            }
            drop(store);
            self.running
                .tell(local(claims, LocalActionState::Cancelled, Some(why)));
            return Ok(());
        }
        self.store().start_action(id)?;
        self.running
            .tell(local(claims, LocalActionState::Running, None));
        tracing::info!(action = %id, kind = claims.kind.as_str(), "running a self-service action");
        let ran = if claims.kind.by_helper() {
            let software = claims.kind.is_software();
            let ran = self.run_by_helper(credential, claimed).await;
            if software {
                // What is installed here changed: the server hears it with the outcome.
                self.facts_changed();
                self.report_facts_now_and_then(Some(credential)).await;
            }
            ran
        } else {
            self.executor.run(claims.kind).await
        };
        let (outcome, detail, state) = match ran {
            Ok(how) => (Outcome::Succeeded, how, LocalActionState::Succeeded),
            Err(why) => (Outcome::Failed, why.to_string(), LocalActionState::Failed),
        };
        self.store().finish_action(id, outcome, Some(&detail))?;
        self.running
            .tell(local(claims, state, Some(detail.clone())));
        self.report_end(credential, id, outcome, Some(detail)).await;
        Ok(())
    }

    /// Hands an install or remove to the privileged helper, telling the server the installer's
    /// latest lines while it runs (at most once a second).
    async fn run_by_helper(
        &self,
        credential: &str,
        claimed: &Claimed<'_>,
    ) -> std::result::Result<String, RunFailure> {
        let id = claimed.claims.action_id;
        let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
        let run = self
            .helper
            .run(&claimed.grant, claimed.list.as_ref(), move |line| {
                let _ = lines_tx.send(line);
            });
        tokio::pin!(run);
        let mut recent: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        let mut told = tokio::time::Instant::now();
        let mut fresh = false;
        let outcome = loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                Some(line) = lines.recv() => {
                    if recent.len() == PROGRESS_LINES {
                        recent.pop_front();
                    }
                    recent.push_back(line);
                    fresh = true;
                    if told.elapsed() >= PROGRESS_EVERY {
                        self.tell_progress(credential, id, &recent).await;
                        told = tokio::time::Instant::now();
                        fresh = false;
                    }
                }
            }
        };
        while let Ok(line) = lines.try_recv() {
            if recent.len() == PROGRESS_LINES {
                recent.pop_front();
            }
            recent.push_back(line);
            fresh = true;
        }
        if fresh {
            self.tell_progress(credential, id, &recent).await;
        }
        match outcome {
            HelperOutcome::Done { ok: true, detail } => Ok(detail),
            HelperOutcome::Done { ok: false, detail } => Err(RunFailure::Os(detail)),
            HelperOutcome::Refused(why) => Err(RunFailure::Os(format!(
                "the Bellhop helper refused it: {why}"
            ))),
        }
    }

    async fn tell_progress(
        &self,
        credential: &str,
        id: ActionId,
        recent: &std::collections::VecDeque<String>,
    ) {
        let lines: Vec<&str> = recent.iter().map(String::as_str).collect();
        let report = ActionReport {
            state: ActionState::Running,
            detail: Some(last_chars(&lines.join("\n"), MAX_REPORTED_CHARS)),
        };
        let Ok(client) = self.client() else { return };
        if let Err(e) = client.report_action(credential, id, &report).await {
            tracing::info!(action = %id, error = %e, "progress could not be told");
        }
    }

    /// Tells the server how an action ended; marks it told unless the server could not be
    /// reached (then [`Agent::report_unfinished`] tells it later).
    async fn report_end(
        &self,
        credential: &str,
        id: ActionId,
        outcome: Outcome,
        detail: Option<String>,
    ) {
        let state = match outcome {
            Outcome::Succeeded => ActionState::Succeeded,
            Outcome::Failed => ActionState::Failed,
            Outcome::Cancelled => ActionState::Cancelled,
        };
        let report = ActionReport {
            state,
            detail: detail.map(|d| last_chars(&d, MAX_REPORTED_CHARS)),
        };
        let Ok(client) = self.client() else { return };
        match client.report_action(credential, id, &report).await {
            // Told; or refused for good (the server ended it otherwise): nothing more to say.
            Ok(_) | Err(Error::Server(_)) => {
                if let Err(e) = self.store().action_reported(id) {
                    tracing::warn!(action = %id, error = %e, "could not note the report");
                }
            }
            Err(e) => tracing::info!(action = %id, error = %e, "the outcome waits to be told"),
        }
    }

    /// Ends what an earlier run of the agent left unfinished, without running it again, and
    /// tells the server every outcome it has not heard. A claim held by a process still running
    /// is left to it.
    pub async fn report_unfinished(&self, credential: &str) -> Result<()> {
        let unreported = self.store().unreported_actions()?;
        for action in unreported {
            if self.running.holds(action.id) {
                continue;
            }
            let (outcome, detail) = match action.stage {
                Stage::Finished => (
                    action.outcome.unwrap_or(Outcome::Failed),
                    action.detail.clone(),
                ),
                _ if action.pid != std::process::id() && process_alive(action.pid) => continue,
                Stage::Claimed => (
                    Outcome::Failed,
                    Some("the agent stopped before starting it; it did not run".to_owned()),
                ),
                Stage::Started => interrupted(&action),
            };
            if action.stage != Stage::Finished {
                self.store()
                    .finish_action(action.id, outcome, detail.as_deref())?;
            }
            self.report_end(credential, action.id, outcome, detail)
                .await;
        }
        Ok(())
    }
}

/// What an action whose process stopped after asking the OS most likely did: a restart or shut
/// down that the computer came back from did its work; anything else is not run again.
fn interrupted(action: &Recorded) -> (Outcome, Option<String>) {
    let booted_after = action.started_at.is_some_and(|at| boot_time_ms() > at);
    match action.kind {
        ActionKind::Restart | ActionKind::ShutDown if booted_after => (
            Outcome::Succeeded,
            Some("the computer started again after it".to_owned()),
        ),
        ActionKind::LogOut => (
            Outcome::Succeeded,
            Some("the session ended, and the agent with it".to_owned()),
        ),
        _ => (
            Outcome::Failed,
            Some("the agent stopped while running it; it was not run again".to_owned()),
        ),
    }
}

fn boot_time_ms() -> i64 {
    sysinfo::System::boot_time()
        .ok()
        .and_then(|secs| i64::try_from(secs).ok())
        .unwrap_or(0)
        .saturating_mul(1000)
}

fn process_alive(pid: u32) -> bool {
    let pid = sysinfo::Pid::from_u32(pid);
    // Unknown is taken as alive: a claim is never ended by a guess.
    let Ok(mut system) = sysinfo::System::new() else {
        return true;
    };
    system.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[pid]), true);
    system.process(pid).is_some()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use bellhop_proto::GRANT_CONTEXT;
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn pin(key: &SigningKey, device: DeviceId) -> PinnedKey {
        PinnedKey {
            device_id: device,
            key: STANDARD.encode(key.verifying_key().as_bytes()),
        }
    }

    fn claims(device: DeviceId, expires_at: i64) -> GrantClaims {
        GrantClaims {
            action_id: ActionId::new(),
            device_id: device,
            os_user: "bob".into(),
            user_id: bellhop_proto::UserId::new(),
            user_name: "Bob Brown".into(),
            kind: ActionKind::Lock,
            software: None,
            password: None,
            list: None,
            machine: None,
            issued_at: 1_000,
            expires_at,
        }
    }

    fn sign(key: &SigningKey, claims: &GrantClaims) -> ActionGrant {
        let claims = serde_json::to_string(claims).unwrap_or_default();
        let mut message = GRANT_CONTEXT.to_vec();
        message.extend_from_slice(claims.as_bytes());
        ActionGrant {
            signature: STANDARD.encode(key.sign(&message).to_bytes()),
            claims,
        }
    }

    #[test]
    fn a_grant_runs_only_when_signed_by_the_pinned_key_for_this_device_and_user_and_unexpired() {
        let (server, stranger) = (key(1), key(2));
        let device = DeviceId::new();
        let pinned = pin(&server, device);
        let good = claims(device, 10_000);
        let checked = check_grant(&pinned, "bob", &sign(&server, &good), 5_000);
        assert_eq!(checked, Ok(good.clone()));

        let refused = |grant: &ActionGrant, user: &str, now: i64| {
            check_grant(&pinned, user, grant, now)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(refused(&sign(&stranger, &good), "bob", 5_000).contains("not signed"));
        assert!(
            refused(
                &sign(&server, &claims(DeviceId::new(), 10_000)),
                "bob",
                5_000
            )
            .contains("another computer")
        );
        assert!(refused(&sign(&server, &good), "alice", 5_000).contains("user bob"));
        assert!(refused(&sign(&server, &good), "bob", 10_000).contains("expired"));
        // Changed after signing: the signature no longer matches.
        let mut tampered = sign(&server, &good);
        tampered.claims = tampered.claims.replace("\"lock\"", "\"restart\"");
        assert!(refused(&tampered, "bob", 5_000).contains("not signed"));
        // A signature over the same words without the grant's context is no grant.
        let bare = ActionGrant {
            signature: STANDARD.encode(
                server
                    .sign(serde_json::to_string(&good).unwrap_or_default().as_bytes())
                    .to_bytes(),
            ),
            claims: serde_json::to_string(&good).unwrap_or_default(),
        };
        assert!(refused(&bare, "bob", 5_000).contains("not signed"));
        let garbled = ActionGrant {
            signature: "%%%".into(),
            ..sign(&server, &good)
        };
        assert!(refused(&garbled, "bob", 5_000).contains("malformed"));
    }
}
