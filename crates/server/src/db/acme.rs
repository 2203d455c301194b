//! What the ACME client keeps in the database (`acme.rs`): its account and certificates, by key.

use super::{Store, now_ms};
use crate::error::Result;

impl Store {
    /// The value kept under `key`, if any.
    pub async fn acme_cached(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM acme_cache WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Keeps `value` under `key`, in place of what was there.
    pub async fn keep_acme_cached(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO acme_cache (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
