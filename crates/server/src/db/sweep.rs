//! Sweeping what has served its time: expired or revoked sessions, used or expired links and
//! codes, old sign-in failures, company sign-ins, revoked device credentials, and the outcomes of sync operations
//! old enough that no agent still retries them. Run by `sweep.rs` every hour.

use super::{Store, now_ms};
use crate::error::Result;

/// Links, codes, sessions and credentials are kept this long after they stopped working (the
/// rate limits count the last hour; the console shows a recent revocation).
pub const KEEP_DEAD_MS: i64 = 7 * 24 * 3600 * 1000;

/// A sync operation's outcome is kept this long for its agent's repeats (an agent offline for
/// longer sends operations that are recognised by their ticket and comment ids anyway).
pub const KEEP_SYNC_OUTCOMES_MS: i64 = 90 * 24 * 3600 * 1000;

/// Sign-in failures count for the sign-in window (`SIGN_IN_WINDOW_MS`, routes/auth.rs); the enrolment's for an
/// hour. A day covers both.
const KEEP_FAILURES_MS: i64 = DAY_MS;

const DAY_MS: i64 = 24 * 3600 * 1000;

impl Store {
    /// Deletes what has served its time; returns how many rows went.
    pub async fn sweep_expired(&self) -> Result<u64> {
        let now = now_ms();
        let dead = now - KEEP_DEAD_MS;
        let idle = now - super::SESSION_IDLE_MS;
        let statements: [(&'static str, i64); 11] = [
            (
                "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
                dead,
            ),
            (
                "DELETE FROM sessions WHERE last_used_at < $1",
                idle - KEEP_DEAD_MS,
            ),
            (
                "DELETE FROM password_resets WHERE expires_at < $1 OR used_at < $1",
                dead,
            ),
            (
                "DELETE FROM identity_tokens WHERE expires_at < $1 OR used_at < $1",
                dead,
            ),
            (
                "DELETE FROM verification_codes WHERE expires_at < $1 OR used_at < $1",
                dead,
            ),
            (
                "DELETE FROM phone_codes WHERE expires_at < $1 OR used_at < $1",
                dead,
            ),
            ("DELETE FROM device_credentials WHERE revoked_at < $1", dead),
            (
                "DELETE FROM sign_in_failures WHERE at < $1",
                now - KEEP_FAILURES_MS,
            ),
            (
                "DELETE FROM sync_ops WHERE created_at < $1",
                now - KEEP_SYNC_OUTCOMES_MS,
            ),
            // Company sign-ins last minutes; a day on, none is under way.
            (
                "DELETE FROM company_sign_ins WHERE created_at < $1",
                now - DAY_MS,
            ),
            (
                "DELETE FROM assistant_calls WHERE day_ms < $1",
                now - 2 * DAY_MS,
            ),
        ];
        let mut swept = 0;
        for (sql, before) in statements {
            swept += sqlx::query(sql)
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(swept)
    }
}
