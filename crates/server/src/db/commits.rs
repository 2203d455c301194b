//! What lets a PostgreSQL instance answer repeated reads from memory (ticket lists, who a session
//! token is): a clock that moves on whenever anything is committed to the database, by this
//! instance, another instance or another program.
//!
//! Every table has a statement trigger that queues `NOTIFY bellhop_commits` (migration 0014),
//! which PostgreSQL delivers to every listener when, and only if, the transaction commits. The
//! instance's listener (`changes.rs`) moves the clock on for each notification, before it
//! forwards any live event, so a client that reads after hearing of a change never gets a page
//! from before it. This instance's own writes move it on as each write request finishes,
//! before the answer leaves (`app.rs`), so a client reads its own writes at once. A write through
//! another instance or program reaches this clock within the notification's delivery
//! (sent at its commit). While the listener is not connected the clock says nothing may be kept.
//!
//! (SQLite has an exact clock of its own: `PRAGMA data_version`, see `read.rs`.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::Caller;

/// The PostgreSQL channel on which every commit is announced.
pub const CHANNEL: &str = "bellhop_commits";

#[derive(Default)]
pub(crate) struct CommitClock {
    ticks: AtomicU64,
    listening: AtomicBool,
}

impl CommitClock {
    /// The time now, if something read now may be kept until the time moves on.
    pub(crate) fn now(&self) -> Option<u64> {
        self.listening
            .load(Ordering::SeqCst)
            .then(|| self.ticks.load(Ordering::SeqCst))
    }

    /// Something was committed.
    pub(crate) fn tick(&self) {
        self.ticks.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether commits are being heard; either way, what was kept before is dropped.
    pub(crate) fn set_listening(&self, listening: bool) {
        // The time moves first: nothing read before can be taken for current once listening.
        self.tick();
        self.listening.store(listening, Ordering::SeqCst);
    }
}

/// Who a session token is (by its hash), kept for one time of the [`CommitClock`]: signing
/// out, a revoked session or a changed role are commits, so a kept answer never outlives them.
/// Only tokens that work are kept, and at most [`SessionCache::MAX`] of them.
#[derive(Default)]
pub(crate) struct SessionCache {
    kept: Mutex<KeptSessions>,
}

#[derive(Default)]
struct KeptSessions {
    time: u64,
    by_hash: HashMap<String, (Caller, i64)>,
}

impl SessionCache {
    const MAX: usize = 10_000;

    /// The caller of a token kept at `time`, unless it has expired by `now_ms`.
    pub(crate) fn get(&self, time: u64, token_hash: &str, now_ms: i64) -> Option<Caller> {
        let kept = self.kept.lock().ok()?;
        if kept.time != time {
            return None;
        }
        kept.by_hash
            .get(token_hash)
            .filter(|(_, expires_at)| *expires_at > now_ms)
            .map(|(caller, _)| caller.clone())
    }

    /// Keeps the caller of a token read at `time` (taken before the read), until `expires_at`.
    pub(crate) fn put(&self, time: u64, token_hash: &str, caller: Caller, expires_at: i64) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.time != time {
            if time < kept.time {
                return;
            }
            kept.time = time;
            kept.by_hash.clear();
        }
        if kept.by_hash.len() >= Self::MAX {
            kept.by_hash.clear();
        }
        kept.by_hash
            .insert(token_hash.to_owned(), (caller, expires_at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellhop_proto::{Role, UserId};

    fn bob() -> Caller {
        Caller {
            user_id: UserId::new(),
            name: "Bob".into(),
            role: Role::EndUser,
            org_id: None,
            device_id: None,
            signed_in_at: 0,
            viewer: None,
        }
    }

    #[test]
    fn the_clock_keeps_nothing_while_deaf_and_moves_on_with_every_commit() {
        let clock = CommitClock::default();
        assert_eq!(clock.now(), None, "not listening yet");
        clock.set_listening(true);
        let first = clock.now();
        assert!(first.is_some());
        assert_eq!(clock.now(), first);
        clock.tick();
        assert_ne!(clock.now(), first);
        clock.set_listening(false);
        assert_eq!(clock.now(), None);
    }

    #[test]
    fn a_kept_session_lasts_one_time_and_never_past_its_expiry() {
        let cache = SessionCache::default();
        let bob = bob();
        cache.put(3, "h", bob.clone(), 1_000);
        assert_eq!(cache.get(3, "h", 999).map(|c| c.user_id), Some(bob.user_id));
        assert!(cache.get(3, "h", 1_000).is_none(), "expired");
        assert!(cache.get(3, "other", 999).is_none());
        assert!(
            cache.get(4, "h", 999).is_none(),
            "something was committed since"
        );
        cache.put(5, "h", bob.clone(), 1_000);
        cache.put(4, "old", bob, 1_000);
        assert!(
            cache.get(5, "old", 0).is_none(),
            "read before the latest commit"
        );
    }
}
