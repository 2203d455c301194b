//! Sending the outbox: in order, in batches, with the server's idempotent push.
//!
//! Each push answers per operation: applied (the item is synced) or rejected (kept with the
//! server's reason so the user can fix and resend). A failure that may pass (network down,
//! server busy or broken) leaves the batch queued with exponential backoff and jitter; since
//! operation ids are the idempotency key, resending after a timeout or a crash creates nothing
//! twice.

use bellhop_proto::{OpOutcome, OutboxState, PushRequest, SyncOpKind};
use rand::Rng;

use crate::blobs::Blobs;
use crate::client::ServerClient;
use crate::error::Result;
use crate::store::Store;

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
    client: &ServerClient,
    credential: &str,
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
        let sent = match upload_attachments(&request, client, credential, blobs).await {
            Ok(()) => client.push(credential, &request).await,
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
    client: &ServerClient,
    credential: &str,
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
        if let Some(from) = client.upload_offset(credential, sha).await? {
            let bytes = blobs.read(sha)?;
            client
                .upload_attachment(credential, sha, &bytes, from)
                .await?;
        }
    }
    Ok(())
}

fn lock(store: &std::sync::Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

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
