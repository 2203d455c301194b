//! Server-wide settings, each a JSON document under a name. The portal settings (seed 001) are
//! consulted by many requests, so each instance keeps them for at most [`CACHE_FOR`]: a change
//! takes effect at once on the instance that saved it and within seconds on the others.

use std::time::{Duration, Instant};

use bellhop_proto::PortalSettings;

use super::{Caller, Store};
use crate::error::{AppError, Result};

const PORTAL: &str = "portal";

/// How long an instance trusts its copy of the portal settings.
const CACHE_FOR: Duration = Duration::from_secs(2);

/// The last portal settings read, and when.
pub(crate) type PortalCache = std::sync::Arc<std::sync::Mutex<Option<(Instant, PortalSettings)>>>;

impl Store {
    /// The portal settings; the defaults (everything on) until a technician saves some.
    pub async fn portal_settings(&self) -> Result<PortalSettings> {
        if let Some((at, settings)) = &*self.portal.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < CACHE_FOR
        {
            return Ok(settings.clone());
        }
        let settings = self.read_portal_settings().await?;
        *self.portal.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), settings.clone()));
        Ok(settings)
    }

    async fn read_portal_settings(&self) -> Result<PortalSettings> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(PORTAL)
                .fetch_optional(&self.pool)
                .await?;
        match value {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                AppError::Other(anyhow::anyhow!(
                    "stored portal settings are unreadable: {e}"
                ))
            }),
            None => Ok(PortalSettings::default()),
        }
    }

    /// Saves the portal settings and audits who changed them.
    pub async fn save_portal_settings(
        &self,
        actor: &Caller,
        settings: &PortalSettings,
    ) -> Result<()> {
        let json = serde_json::to_string(settings).map_err(anyhow::Error::from)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(PORTAL)
        .bind(json.clone())
        .execute(&mut *tx)
        .await?;
        Self::record_audit(&mut tx, actor, "settings.portal", PORTAL, &json).await?;
        tx.commit().await?;
        *self.portal.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}
