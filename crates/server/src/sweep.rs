//! The hourly sweep: expired sessions, links, codes, old sign-in failures and sync outcomes go
//! from the database (`db/sweep.rs`), and uploads that stopped half-way from the disk. Beside it,
//! every two seconds, self-service actions whose deadline passed end as expired; and the chat
//! clock warns and ends idle chats and notices technicians who left.

use std::time::Duration;

use crate::blobs::{ABANDONED_AFTER, Blobs};
use crate::db::Store;

/// How often the sweep runs.
pub const EVERY: Duration = Duration::from_secs(3600);
/// How often actions past their deadline are ended.
pub const DEADLINES_EVERY: Duration = Duration::from_secs(2);

/// What a sweep removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub rows: u64,
    pub files: usize,
}

#[derive(Clone)]
pub struct Sweeper {
    store: Store,
    blobs: Blobs,
    chat_idle: Duration,
}

impl Sweeper {
    pub fn new(store: Store, blobs: Blobs, chat_idle: Duration) -> Self {
        Self {
            store,
            blobs,
            chat_idle,
        }
    }

    /// One round of the chat clock, now: idle warnings and ends, chats whose technician left
    /// back in the queue, technicians no longer present off duty.
    pub async fn tick_chats(&self) -> crate::error::Result<crate::db::ChatTicks> {
        let idle = i64::try_from(self.chat_idle.as_millis()).unwrap_or(i64::MAX);
        self.store.tick_chats(idle, crate::db::now_ms()).await
    }

    /// Runs the chat clock often enough for a warning to come within a quarter of the idle
    /// time (at least every five seconds, at most twice a second).
    pub async fn run_chat_clock(self) {
        let every = (self.chat_idle / 4).clamp(Duration::from_millis(500), Duration::from_secs(5));
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.tick_chats().await {
                tracing::warn!(error = %e, "the chat clock failed; trying again");
            }
        }
    }

    /// One sweep, now.
    pub async fn sweep(&self) -> crate::error::Result<Swept> {
        let rows = self.store.sweep_expired().await?;
        let files = self.blobs.sweep(ABANDONED_AFTER).await;
        if rows > 0 || files > 0 {
            tracing::info!(rows, files, "swept what had served its time");
        }
        Ok(Swept { rows, files })
    }

    /// Ends the self-service actions whose deadline passed, every [`DEADLINES_EVERY`], so that
    /// whoever waits for one sees "expired" within seconds of its deadline.
    pub async fn run_deadlines(self) {
        let mut tick = tokio::time::interval(DEADLINES_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = self.store.expire_due_actions().await {
                tracing::warn!(error = %e, "expiring actions failed; trying again");
            }
        }
    }

    /// Sweeps every [`EVERY`] until the task is dropped.
    pub async fn run(self) {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = self.sweep().await {
                tracing::warn!(error = %e, "the sweep failed; it runs again in an hour");
            }
        }
    }
}
