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

/// An instance's last copy of one settings document, and when it was read. Each save moves the
/// copy on a generation, so a read that began before the save (and may have seen the old
/// document) is not kept after it.
pub(crate) struct Cached<T>(std::sync::Arc<std::sync::Mutex<Slot<T>>>);

struct Slot<T> {
    copy: Option<(Instant, T)>,
    generation: u64,
}

/// Which save a read began after (see [`Cached::keep`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Generation(u64);

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(Slot {
            copy: None,
            generation: 0,
        })))
    }
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Clone> Cached<T> {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot<T>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The copy while it is fresh; otherwise the generation a read begun now belongs to.
    pub(crate) fn get(&self) -> std::result::Result<T, Generation> {
        let slot = self.slot();
        match &slot.copy {
            Some((at, value)) if at.elapsed() < CACHE_FOR => Ok(value.clone()),
            _ => Err(Generation(slot.generation)),
        }
    }

    /// Keeps `value`, read in `generation`, unless a save came since.
    pub(crate) fn keep(&self, generation: Generation, value: T) {
        let mut slot = self.slot();
        if slot.generation == generation.0 {
            slot.copy = Some((Instant::now(), value));
        }
    }

    /// After a save: the copy is gone, and no read begun before it is kept.
    pub(crate) fn forget(&self) {
        let mut slot = self.slot();
        slot.copy = None;
        slot.generation += 1;
    }
}

#[derive(Clone, Default)]
pub(crate) struct SettingsCache {
    portal: Cached<PortalSettings>,
    fields: Cached<TicketFields>,
    catalog: Cached<Catalog>,
    brand: Cached<BrandSettings>,
}

impl Store {
    /// The portal settings; the defaults (everything on) until a technician saves some.
    pub async fn portal_settings(&self) -> Result<PortalSettings> {
        let generation = match self.settings.portal.get() {
            Ok(settings) => return Ok(settings),
            Err(generation) => generation,
        };
        let settings: PortalSettings = self.read_setting(PORTAL).await?;
        self.settings.portal.keep(generation, settings.clone());
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
        self.settings.portal.forget();
        // The knowledge base may have been switched on or off for someone.
        self.kb_changed().await
    }

    /// The ticket fields: default fields' access, ticket types, custom fields.
    pub async fn ticket_fields(&self) -> Result<TicketFields> {
        let generation = match self.settings.fields.get() {
            Ok(fields) => return Ok(fields),
            Err(generation) => generation,
        };
        let fields: TicketFields = self.read_setting(TICKET_FIELDS).await?;
        self.settings.fields.keep(generation, fields.clone());
        Ok(fields)
    }

    /// Saves the ticket fields (checked by the caller) and audits who changed them.
    pub async fn save_ticket_fields(&self, actor: &Caller, fields: &TicketFields) -> Result<()> {
        self.save_setting(actor, TICKET_FIELDS, "settings.ticket_fields", fields)
            .await?;
        self.settings.fields.forget();
        Ok(())
    }

    /// The service catalog: categories and their items, in order.
    pub async fn catalog(&self) -> Result<Catalog> {
        let generation = match self.settings.catalog.get() {
            Ok(catalog) => return Ok(catalog),
            Err(generation) => generation,
        };
        let catalog: Catalog = self.read_setting(CATALOG).await?;
        self.settings.catalog.keep(generation, catalog.clone());
        Ok(catalog)
    }

    /// Saves the catalog (checked by the caller) and audits who changed it.
    pub async fn save_catalog(&self, actor: &Caller, catalog: &Catalog) -> Result<()> {
        self.save_setting(actor, CATALOG, "settings.catalog", catalog)
            .await?;
        self.settings.catalog.forget();
        Ok(())
    }

    /// The desk's brand as an admin set it; Bellhop's own until then. Read by every page
    /// (signed in or not), so kept like the portal settings.
    pub async fn brand(&self) -> Result<BrandSettings> {
        let generation = match self.settings.brand.get() {
            Ok(brand) => return Ok(brand),
            Err(generation) => generation,
        };
        let brand: BrandSettings = self.read_setting(BRAND).await?;
        self.settings.brand.keep(generation, brand.clone());
        Ok(brand)
    }

    /// The brand the people of `org` see: its own over the desk's (`BrandSettings::over`); the
    /// desk's for anyone else.
    pub async fn brand_of(
        &self,
        org: Option<bellhop_proto::OrgId>,
    ) -> Result<bellhop_proto::Brand> {
        let desk = self.brand().await?;
        let own = match org {
            Some(org) => self.org_brand(org).await?,
            None => None,
        };
        Ok(match own {
            Some(own) => own.over(&desk).brand(),
            None => desk.brand(),
        })
    }

    /// Saves the brand (checked by the caller) and audits who changed it.
    pub async fn save_brand(&self, actor: &Caller, brand: &BrandSettings) -> Result<()> {
        self.save_setting(actor, BRAND, "settings.brand", brand)
            .await?;
        self.settings.brand.forget();
        Ok(())
    }

    /// Keeps an uploaded logo (checked by the caller) by its SHA-256; the same logo twice is kept
    /// once. Audited.
    pub async fn save_logo(
        &self,
        actor: &Caller,
        sha256: &str,
        mime: &str,
        bytes: &[u8],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO brand_logos (sha256, mime, bytes, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(mime)
        .bind(bytes.to_vec())
        .bind(super::now_ms())
        .execute(&mut *tx)
        .await?;
        let detail = format!("{mime}, {} bytes", bytes.len());
        Self::record_audit(&mut tx, actor, "brand.logo", sha256, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An uploaded logo's type and bytes.
    pub async fn logo(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>> {
        Ok(
            sqlx::query_as("SELECT mime, bytes FROM brand_logos WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Whether a logo of that SHA-256 was uploaded.
    pub async fn logo_exists(&self, sha256: &str) -> Result<bool> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT sha256 FROM brand_logos WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
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

#[cfg(test)]
mod tests {
    use super::Cached;

    #[test]
    fn a_read_begun_before_a_save_is_not_kept_after_it() {
        let cache: Cached<&str> = Cached::default();
        let Err(before) = cache.get() else {
            panic!("nothing was kept yet");
        };
        // The save lands while that read is still on its way with the old document.
        cache.forget();
        cache.keep(before, "old");
        let Err(after) = cache.get() else {
            panic!("the old document was kept after the save");
        };
        cache.keep(after, "new");
        assert_eq!(cache.get().ok(), Some("new"));
    }
}
