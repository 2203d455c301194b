//! Server-wide settings, each a JSON document under a name: the portal settings, the ticket
//! fields and the service catalog. Both are consulted by many requests, so each instance keeps its copy for at
//! most [`CACHE_FOR`]: a change takes effect at once on the instance that saved it and within
//! seconds on the others.

use std::time::{Duration, Instant};

use bellhop_proto::{BrandSettings, Catalog, PortalSettings, SoftwareCatalog, TicketFields};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Caller, Store};
use crate::error::{AppError, Result};

const PORTAL: &str = "portal";
const TICKET_FIELDS: &str = "ticket_fields";
const CATALOG: &str = "catalog";
const ASSISTANT_MODEL: &str = "assistant_model";
const SOFTWARE: &str = "software";
const BRAND: &str = "brand";

/// The assistant's model as kept: its API key sealed (`keys::SecretBox`), never in the clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredModel {
    pub base_url: String,
    pub model: String,
    pub sealed_key: Option<String>,
}

/// How long an instance trusts its copy of a settings document.
const CACHE_FOR: Duration = Duration::from_secs(2);

/// The last copy of one settings document read, and when.
pub(crate) type Cached<T> = std::sync::Arc<std::sync::Mutex<Option<(Instant, T)>>>;

#[derive(Clone, Default)]
pub(crate) struct SettingsCache {
    portal: Cached<PortalSettings>,
    fields: Cached<TicketFields>,
    catalog: Cached<Catalog>,
    brand: Cached<BrandSettings>,
}

pub(super) fn cached<T: Clone>(cache: &Cached<T>) -> Option<T> {
    match &*cache.lock().unwrap_or_else(|p| p.into_inner()) {
        Some((at, value)) if at.elapsed() < CACHE_FOR => Some(value.clone()),
        _ => None,
    }
}

pub(super) fn keep<T>(cache: &Cached<T>, value: Option<T>) {
    *cache.lock().unwrap_or_else(|p| p.into_inner()) = value.map(|v| (Instant::now(), v));
}

impl Store {
    /// The portal settings; the defaults (everything on) until a technician saves some.
    pub async fn portal_settings(&self) -> Result<PortalSettings> {
        if let Some(settings) = cached(&self.settings.portal) {
            return Ok(settings);
        }
        let settings: PortalSettings = self.read_setting(PORTAL).await?;
        keep(&self.settings.portal, Some(settings.clone()));
        Ok(settings)
    }

    /// Saves the portal settings and audits who changed them.
    pub async fn save_portal_settings(
        &self,
        actor: &Caller,
        settings: &PortalSettings,
    ) -> Result<()> {
        self.save_setting(actor, PORTAL, "settings.portal", settings)
            .await?;
        keep(&self.settings.portal, None);
        // The knowledge base may have been switched on or off for someone.
        self.kb_changed().await
    }

    /// The ticket fields: default fields' access, ticket types, custom fields.
    pub async fn ticket_fields(&self) -> Result<TicketFields> {
        if let Some(fields) = cached(&self.settings.fields) {
            return Ok(fields);
        }
        let fields: TicketFields = self.read_setting(TICKET_FIELDS).await?;
        keep(&self.settings.fields, Some(fields.clone()));
        Ok(fields)
    }

    /// Saves the ticket fields (checked by the caller) and audits who changed them.
    pub async fn save_ticket_fields(&self, actor: &Caller, fields: &TicketFields) -> Result<()> {
        self.save_setting(actor, TICKET_FIELDS, "settings.ticket_fields", fields)
            .await?;
        keep(&self.settings.fields, None);
        Ok(())
    }

    /// The service catalog: categories and their items, in order.
    pub async fn catalog(&self) -> Result<Catalog> {
        if let Some(catalog) = cached(&self.settings.catalog) {
            return Ok(catalog);
        }
        let catalog: Catalog = self.read_setting(CATALOG).await?;
        keep(&self.settings.catalog, Some(catalog.clone()));
        Ok(catalog)
    }

    /// Saves the catalog (checked by the caller) and audits who changed it.
    pub async fn save_catalog(&self, actor: &Caller, catalog: &Catalog) -> Result<()> {
        self.save_setting(actor, CATALOG, "settings.catalog", catalog)
            .await?;
        keep(&self.settings.catalog, None);
        Ok(())
    }

    /// The desk's brand as an admin set it; Bellhop's own until then. Read by every page
    /// (signed in or not), so kept like the portal settings.
    pub async fn brand(&self) -> Result<BrandSettings> {
        if let Some(brand) = cached(&self.settings.brand) {
            return Ok(brand);
        }
        let brand: BrandSettings = self.read_setting(BRAND).await?;
        keep(&self.settings.brand, Some(brand.clone()));
        Ok(brand)
    }

    /// Saves the brand (checked by the caller) and audits who changed it.
    pub async fn save_brand(&self, actor: &Caller, brand: &BrandSettings) -> Result<()> {
        self.save_setting(actor, BRAND, "settings.brand", brand)
            .await?;
        keep(&self.settings.brand, None);
        Ok(())
    }

    /// The approved software and its sources; none until an admin saves some.
    pub async fn software(&self) -> Result<SoftwareCatalog> {
        self.read_setting(SOFTWARE).await
    }

    /// Saves the approved software (checked by the caller) and audits who changed it.
    pub async fn save_software(&self, actor: &Caller, software: &SoftwareCatalog) -> Result<()> {
        self.save_setting(actor, SOFTWARE, "settings.software", software)
            .await
    }

    /// The assistant's model, if an admin set one.
    pub async fn assistant_model(&self) -> Result<Option<StoredModel>> {
        self.read_setting(ASSISTANT_MODEL).await
    }

    /// Sets the assistant's model (or none), audited as `detail` (never the key).
    pub async fn save_assistant_model(
        &self,
        actor: &Caller,
        model: Option<&StoredModel>,
        detail: &str,
    ) -> Result<()> {
        self.save_setting_as(
            actor,
            ASSISTANT_MODEL,
            "settings.assistant_model",
            &model,
            detail,
        )
        .await
    }

    async fn read_setting<T: DeserializeOwned + Default>(&self, name: &str) -> Result<T> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        match value {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                AppError::Other(anyhow::anyhow!(
                    "stored {name} settings are unreadable: {e}"
                ))
            }),
            None => Ok(T::default()),
        }
    }

    async fn save_setting<T: Serialize>(
        &self,
        actor: &Caller,
        name: &str,
        action: &str,
        value: &T,
    ) -> Result<()> {
        let json = serde_json::to_string(value).map_err(anyhow::Error::from)?;
        self.save_setting_as(actor, name, action, value, &json)
            .await
    }

    /// Saves a settings document, audited with `detail`.
    async fn save_setting_as<T: Serialize>(
        &self,
        actor: &Caller,
        name: &str,
        action: &str,
        value: &T,
        detail: &str,
    ) -> Result<()> {
        let json = serde_json::to_string(value).map_err(anyhow::Error::from)?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(json.clone())
        .execute(&mut *tx)
        .await?;
        Self::record_audit(&mut tx, actor, action, name, detail).await?;
        tx.commit().await?;
        Ok(())
    }
}
