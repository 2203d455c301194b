//! Failed sign-ins by account and by client, for the growing wait between attempts
//! (`routes/auth.rs`). Old ones are swept (`sweep.rs`).

use super::{Store, now_ms};
use crate::error::Result;

/// The account under which `client`'s wrong enrolment keys are recorded (no email address
/// looks like it).
fn enrolment(client: &str) -> String {
    format!("(enrolment) {client}")
}

const BY_ACCOUNT: &str =
    "SELECT COUNT(*), MAX(at) FROM sign_in_failures WHERE account = $1 AND at > $2";

/// How many failures, and the last one's time, since some moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub last_at: i64,
}

impl Store {
    async fn failures(&self, sql: &'static str, key: &str, since_ms: i64) -> Result<Failures> {
        let (count, last_at): (i64, Option<i64>) = sqlx::query_as(sql)
            .bind(key)
            .bind(since_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok(Failures {
            count,
            last_at: last_at.unwrap_or(0),
        })
    }

    /// Failed sign-ins of `account` and from `client` since `since_ms`.
    pub async fn sign_in_failures(
        &self,
        account: &str,
        client: &str,
        since_ms: i64,
    ) -> Result<(Failures, Failures)> {
        Ok((
            self.failures(BY_ACCOUNT, account, since_ms).await?,
            self.failures(
                "SELECT COUNT(*), MAX(at) FROM sign_in_failures WHERE client_addr = $1 AND at > $2",
                client,
                since_ms,
            )
            .await?,
        ))
    }

    pub async fn record_sign_in_failure(&self, account: &str, client: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO sign_in_failures (id, account, client_addr, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(account)
        .bind(client)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Wrong enrolment keys from `client` since `since_ms` (kept with the sign-in failures,
    /// under an account name no email address can have).
    pub async fn enrol_failures(&self, client: &str, since_ms: i64) -> Result<Failures> {
        self.failures(BY_ACCOUNT, &enrolment(client), since_ms)
            .await
    }

    pub async fn record_enrol_failure(&self, client: &str) -> Result<()> {
        self.record_sign_in_failure(&enrolment(client), client)
            .await
    }

    /// Devices enrolled from `client` since `since_ms`.
    pub async fn recent_enrolments(&self, client: &str, since_ms: i64) -> Result<i64> {
        self.count_since(
            "SELECT COUNT(*) FROM devices WHERE client_addr = $1 AND enrolled_at > $2",
            client,
            since_ms,
        )
        .await
    }

    /// A successful sign-in forgives the account's earlier failures (not the client's).
    pub async fn clear_sign_in_failures(&self, account: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE account = $1")
            .bind(account)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
