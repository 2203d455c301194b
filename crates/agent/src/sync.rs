//! Sending the outbox: in order, in batches, with the server's idempotent push.
//!
//! Each push answers per operation: applied (the item is synced) or rejected (kept with the
//! server's reason so the user can fix and resend). A failure that may pass (network down,
//! server busy or broken) leaves the batch queued with exponential backoff and jitter; since
//! operation ids are the idempotency key, resending after a timeout or a crash creates nothing
//! twice.

use std::future::Future;

use bellhop_proto::{OpOutcome, OutboxState, PushRequest, PushResponse, SyncOpKind};
use rand::Rng;

use crate::blobs::Blobs;
use crate::client::ServerClient;
use crate::error::Result;
use crate::store::Store;

/// What sending the outbox needs from the server: the seam between the outbox's rules (order,
/// batches, outcomes, backoff) and the network, so that the rules are unit-tested as well as
/// tested against a real server.
pub trait Remote {
    /// How much of a file the server has: `None` when it has it whole, else the offset to
    /// resume from.
    fn upload_offset(&self, sha: &str) -> impl Future<Output = Result<Option<u64>>> + Send;
    /// Sends a file's bytes from `from` on.
    fn upload(&self, sha: &str, bytes: &[u8], from: u64)
    -> impl Future<Output = Result<()>> + Send;
    /// The idempotent push: one outcome per operation, in order.
    fn push(&self, request: &PushRequest) -> impl Future<Output = Result<PushResponse>> + Send;
}

/// The server, as the user this device works for.
pub struct Signed<'a> {
    pub client: &'a ServerClient,
    pub credential: &'a str,
}

impl Remote for Signed<'_> {
    fn upload_offset(&self, sha: &str) -> impl Future<Output = Result<Option<u64>>> + Send {
        self.client.upload_offset(self.credential, sha)
    }

    fn upload(
        &self,
        sha: &str,
        bytes: &[u8],
        from: u64,
    ) -> impl Future<Output = Result<()>> + Send {
        self.client
            .upload_attachment(self.credential, sha, bytes, from)
    }

    fn push(&self, request: &PushRequest) -> impl Future<Output = Result<PushResponse>> + Send {
        self.client.push(self.credential, request)
    }
}

/// Operations per push (the server accepts up to 500).
pub const BATCH: usize = 200;
const MAX_BACKOFF_MS: i64 = 5 * 60 * 1000;

/// What one sync pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub synced: u64,
    pub rejected: u64,
    /// Tickets pulled (new or changed).
    pub pulled: u64,
    /// Knowledge-base articles fetched or dropped in the offline copy.
    pub articles: u64,
    /// What the user should hear about from this pass.
    pub notices: Vec<bellhop_proto::Notice>,
    /// Still waiting (a retryable failure stopped the pass).
    pub waiting: u64,
    /// Why the pass stopped early, if it did.
    pub problem: Option<String>,
}

/// The wait before attempt `attempts + 1`: doubling from one second up to five minutes, with
/// ±50 % jitter so a fleet that lost the server together does not return together.
pub fn backoff_ms(attempts: i64, rng: &mut impl Rng) -> i64 {
    let base = 1000i64
        .saturating_mul(1i64 << attempts.clamp(0, 20))
        .min(MAX_BACKOFF_MS);
    rng.random_range(base / 2..=base + base / 2)
}

/// Sends everything due, batch by batch, until the outbox is empty or a retryable failure stops
/// the pass. The store lock is held only between network calls.
pub async fn push_outbox(
    store: &std::sync::Mutex<Store>,
    remote: &impl Remote,
    blobs: &Blobs,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    loop {
        let batch = lock(store).due(BATCH)?;
        if batch.is_empty() {
            break;
        }
        lock(store).record_outcomes(
            &batch
                .iter()
                .map(|i| (i.seq, OutboxState::Sending, i.last_error.clone()))
                .collect::<Vec<_>>(),
        )?;
        let request = PushRequest {
            ops: batch.iter().map(|i| i.op.clone()).collect(),
        };
        let sent = match upload_attachments(&request, remote, blobs).await {
            Ok(()) => remote.push(&request).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(response) => {
                let mut outcomes = Vec::with_capacity(batch.len());
                for (item, outcome) in batch.iter().zip(&response.outcomes) {
                    match outcome {
                        OpOutcome::Applied { .. } => {
                            report.synced += 1;
                            outcomes.push((item.seq, OutboxState::Synced, None));
                        }
                        OpOutcome::Rejected { error, .. } => {
                            report.rejected += 1;
                            outcomes.push((
                                item.seq,
                                OutboxState::Rejected,
                                Some(error.message.clone()),
                            ));
                        }
                    }
                }
                lock(store).record_outcomes(&outcomes)?;
                if response.outcomes.len() < batch.len() {
                    let rest: Vec<i64> = batch[response.outcomes.len()..]
                        .iter()
                        .map(|i| i.seq)
                        .collect();
                    lock(store).defer(&rest, "the server answered only part of the batch", 0)?;
                }
            }
            Err(e) => {
                let seqs: Vec<i64> = batch.iter().map(|i| i.seq).collect();
                let attempts = batch.iter().map(|i| i.attempts).max().unwrap_or(0);
                let delay = if e.is_retryable() {
                    backoff_ms(attempts, &mut rand::rng())
                } else {
                    // Not fixable by waiting (signed out, device deactivated): keep the items
                    // queued untouched until the situation changes.
                    0
                };
                lock(store).defer(&seqs, &e.to_string(), delay)?;
                report.problem = Some(e.to_string());
                if !e.is_retryable() {
                    return Err(e);
                }
                break;
            }
        }
    }
    report.waiting = lock(store).pending_count()?;
    Ok(report)
}

/// Uploads every attachment the batch references that the server does not have yet, before the
/// operations that need them.
async fn upload_attachments(
    request: &PushRequest,
    remote: &impl Remote,
    blobs: &Blobs,
) -> Result<()> {
    let mut hashes: Vec<&str> = request
        .ops
        .iter()
        .flat_map(|op| match &op.op {
            SyncOpKind::CreateTicket { ticket } => ticket
                .attachments
                .iter()
                .map(|a| a.sha256.as_str())
                .collect(),
            SyncOpKind::AddComment { comment, .. } => comment
                .attachments
                .iter()
                .map(|a| a.sha256.as_str())
                .collect(),
            SyncOpKind::UpdateTicket { .. } => Vec::new(),
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    for sha in hashes {
        if let Some(from) = remote.upload_offset(sha).await? {
            let bytes = blobs.read(sha)?;
            remote.upload(sha, &bytes, from).await?;
        }
    }
    Ok(())
}

fn lock(store: &std::sync::Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, VecDeque};
    use std::sync::Mutex;

    use bellhop_proto::{
        ApiError, ErrorCode, NewAttachment, NewTicket, Priority, Ticket, TicketSource,
        TicketStatus, UserId,
    };
    use rand::SeedableRng;

    use super::*;
    use crate::Error;

    /// How the scripted server answers one push.
    enum Answer {
        /// One outcome per listed entry, in order: `None` applied, `Some(reason)` refused. Fewer
        /// entries than operations is a partial answer.
        Outcomes(Vec<Option<&'static str>>),
        Unreachable,
        SignedOut,
    }

    /// A server that answers as scripted and writes down what it was asked, in order.
    #[derive(Default)]
    struct Scripted {
        /// Files it has whole (`None`) or from an offset.
        offsets: HashMap<String, Option<u64>>,
        answers: Mutex<VecDeque<Answer>>,
        asked: Mutex<Vec<String>>,
    }

    impl Scripted {
        fn answering(answers: impl IntoIterator<Item = Answer>) -> Self {
            Self {
                answers: Mutex::new(answers.into_iter().collect()),
                ..Self::default()
            }
        }

        fn asked(&self) -> Vec<String> {
            self.asked.lock().map(|a| a.clone()).unwrap_or_default()
        }

        fn note(&self, what: String) {
            if let Ok(mut asked) = self.asked.lock() {
                asked.push(what);
            }
        }
    }

    fn ticket_for(op: &bellhop_proto::SyncOp) -> Ticket {
        let title = match &op.op {
            SyncOpKind::CreateTicket { ticket } => ticket.title.clone(),
            _ => String::new(),
        };
        Ticket {
            id: bellhop_proto::TicketId::new(),
            number: 1,
            title,
            description: String::new(),
            status: TicketStatus::Open,
            priority: Some(Priority::Normal),
            source: TicketSource::Tray,
            requester_id: UserId::new(),
            requester_name: "Bob".into(),
            org_id: None,
            org_name: None,
            device_id: None,
            device_name: None,
            assignee_id: None,
            assignee_name: None,
            ticket_type: None,
            custom_fields: Default::default(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
            opened_by_id: None,
            opened_by_name: None,
            catalog_item: None,
            approval: None,
            approval_by_name: None,
        }
    }

    impl Remote for Scripted {
        async fn upload_offset(&self, sha: &str) -> Result<Option<u64>> {
            self.note(format!("offset {}", &sha[..4]));
            Ok(self.offsets.get(sha).copied().unwrap_or(Some(0)))
        }

        async fn upload(&self, sha: &str, bytes: &[u8], from: u64) -> Result<()> {
            self.note(format!(
                "upload {} from {from}: {} bytes",
                &sha[..4],
                bytes.len()
            ));
            Ok(())
        }

        async fn push(&self, request: &PushRequest) -> Result<PushResponse> {
            self.note(format!("push {}", request.ops.len()));
            let answer = self.answers.lock().ok().and_then(|mut a| a.pop_front());
            match answer {
                Some(Answer::Outcomes(listed)) => Ok(PushResponse {
                    outcomes: request
                        .ops
                        .iter()
                        .zip(listed)
                        .map(|(op, refused)| match refused {
                            None => OpOutcome::Applied {
                                op_id: op.op_id,
                                ticket: ticket_for(op),
                            },
                            Some(reason) => OpOutcome::Rejected {
                                op_id: op.op_id,
                                error: ApiError::new(ErrorCode::BadRequest, reason),
                            },
                        })
                        .collect(),
                }),
                Some(Answer::Unreachable) | None => {
                    Err(Error::Unreachable("connection refused".into()))
                }
                Some(Answer::SignedOut) => Err(Error::Server(ApiError::new(
                    ErrorCode::Unauthenticated,
                    "sign in again",
                ))),
            }
        }
    }

    struct Outbox {
        store: Mutex<Store>,
        blobs: Blobs,
        _dir: tempfile::TempDir,
    }

    fn outbox(titles: &[&str]) -> Result<Outbox> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open_in_memory()?;
        for title in titles {
            store.queue_ticket(NewTicket::new(*title, ""), None)?;
        }
        Ok(Outbox {
            store: Mutex::new(store),
            blobs: Blobs::new(dir.path().join("blobs")),
            _dir: dir,
        })
    }

    fn states(outbox: &Outbox) -> Result<Vec<(OutboxState, i64)>> {
        Ok(lock(&outbox.store)
            .outbox()?
            .into_iter()
            .map(|i| (i.state, i.attempts))
            .collect())
    }

    #[tokio::test]
    async fn outcomes_are_kept_in_order_and_what_a_partial_answer_left_out_goes_next() -> Result<()>
    {
        let outbox = outbox(&["one", "two", "three"])?;
        let server = Scripted::answering([
            Answer::Outcomes(vec![None, Some("there is no ticket type \"x\"")]),
            Answer::Outcomes(vec![None]),
        ]);
        let report = push_outbox(&outbox.store, &server, &outbox.blobs).await?;
        assert_eq!((report.synced, report.rejected, report.waiting), (2, 1, 0));
        assert_eq!(report.problem, None);
        assert_eq!(server.asked(), ["push 3", "push 1"]);
        let items = lock(&outbox.store).outbox()?;
        let states: Vec<_> = items.iter().map(|i| i.state).collect();
        assert_eq!(
            states,
            [
                OutboxState::Synced,
                OutboxState::Rejected,
                OutboxState::Synced
            ]
        );
        assert_eq!(
            items[1].last_error.as_deref(),
            Some("there is no ticket type \"x\"")
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_failure_that_may_pass_keeps_the_batch_queued_and_waits_before_the_next_try()
    -> Result<()> {
        let outbox = outbox(&["one", "two"])?;
        let server = Scripted::answering([Answer::Unreachable]);
        let report = push_outbox(&outbox.store, &server, &outbox.blobs).await?;
        assert_eq!((report.synced, report.waiting), (0, 2));
        assert!(
            report
                .problem
                .is_some_and(|p| p.contains("connection refused"))
        );
        assert_eq!(
            states(&outbox)?,
            [(OutboxState::Queued, 1), (OutboxState::Queued, 1)]
        );
        // Backed off: nothing is due at once, so a second pass asks the server nothing.
        assert!(lock(&outbox.store).due(BATCH)?.is_empty());
        push_outbox(&outbox.store, &server, &outbox.blobs).await?;
        assert_eq!(server.asked(), ["push 2"]);
        Ok(())
    }

    #[tokio::test]
    async fn a_refusal_waiting_cannot_fix_stops_the_pass_and_keeps_everything_due() -> Result<()> {
        let outbox = outbox(&["one"])?;
        let server = Scripted::answering([Answer::SignedOut]);
        let stopped = push_outbox(&outbox.store, &server, &outbox.blobs).await;
        assert!(matches!(&stopped, Err(Error::Server(e)) if e.code == ErrorCode::Unauthenticated));
        assert_eq!(states(&outbox)?, [(OutboxState::Queued, 1)]);
        assert_eq!(
            lock(&outbox.store).due(BATCH)?.len(),
            1,
            "due as soon as it can work"
        );
        Ok(())
    }

    #[tokio::test]
    async fn files_the_server_lacks_go_up_before_the_push_once_each_and_files_it_has_do_not()
    -> Result<()> {
        let outbox = outbox(&[])?;
        let kept = outbox.blobs.put(b"the server has this one")?;
        let missing = outbox.blobs.put(b"the server lacks this one")?;
        let half = outbox.blobs.put(b"the server has half of this one")?;
        for (title, files) in [
            ("a", vec![kept.clone(), missing.clone()]),
            ("b", vec![missing.clone(), half.clone()]),
        ] {
            let mut ticket = NewTicket::new(title, "");
            ticket.attachments = files
                .into_iter()
                .map(|sha256| NewAttachment {
                    sha256,
                    file_name: "f".into(),
                })
                .collect();
            lock(&outbox.store).queue_ticket(ticket, None)?;
        }
        let mut server = Scripted::answering([Answer::Outcomes(vec![None, None])]);
        server.offsets.insert(kept.clone(), None);
        server.offsets.insert(half.clone(), Some(15));
        let report = push_outbox(&outbox.store, &server, &outbox.blobs).await?;
        assert_eq!(report.synced, 2);
        let asked = server.asked();
        let uploads: Vec<_> = asked.iter().filter(|a| a.starts_with("upload")).collect();
        assert_eq!(uploads.len(), 2, "{asked:?}");
        assert!(
            asked.contains(&format!("upload {} from 15: 31 bytes", &half[..4])),
            "{asked:?}"
        );
        assert!(!asked.contains(&format!("upload {} from 0: 23 bytes", &kept[..4])));
        assert_eq!(
            asked.last().map(String::as_str),
            Some("push 2"),
            "files first"
        );
        Ok(())
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for (attempts, base) in [(0, 1000), (1, 2000), (3, 8000), (30, MAX_BACKOFF_MS)] {
            for _ in 0..50 {
                let d = backoff_ms(attempts, &mut rng);
                assert!((base / 2..=base + base / 2).contains(&d), "{attempts}: {d}");
            }
        }
    }
}
