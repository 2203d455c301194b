//! The façade: one method per use case. The Tauri commands and the CLI call these and nothing
//! else, so behaviour is the same in the window, in scripts and in tests.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bellhop_proto::{
    AgentStatus, Brand, Catalog, ConfirmTokenRequest, Connectivity, DeviceCredential, DeviceState,
    EnrolRequest, EnrolResponse, MyPortal, OutboxItem, SendTokenRequest, User,
};

use crate::blobs::Blobs;
use crate::client::ServerClient;
use crate::config::{AgentConfig, Paths};
use crate::credentials::{Credentials, Secret};
use crate::error::{Error, Result};
use crate::store::Store;

/// The `meta` key of the confirmed user (JSON).
pub(crate) const USER_KEY: &str = "confirmed_user";
/// When this device's user credential was last issued (Unix milliseconds).
pub(crate) const CREDENTIAL_ISSUED_KEY: &str = "credential_issued_at";
pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The version of the app this agent runs in, once the desktop app says it (its updater
/// compares that one); else this crate's.
static APP_VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Says which version of the app this process is (the desktop app, at start).
pub fn set_app_version(version: &str) {
    let _ = APP_VERSION.set(version.to_owned());
}

/// The version of the app this process is: reported to the server, shown in the status.
pub fn app_version() -> &'static str {
    APP_VERSION
        .get()
        .map_or(env!("CARGO_PKG_VERSION"), String::as_str)
}

/// How long a user credential is used before the agent asks for a new one in its place.
pub const ROTATE_CREDENTIAL_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);

pub struct Agent {
    paths: Paths,
    config: AgentConfig,
    client: Option<ServerClient>,
    pub(crate) store: Mutex<Store>,
    /// What asks the OS to run self-service actions (`actions/`).
    pub(crate) executor: std::sync::Arc<dyn crate::actions::Executor>,
    /// The actions this process is counting down or running.
    pub(crate) running: crate::actions::Running,
    /// Who hears of chats (`chat.rs`).
    pub(crate) chat: crate::chat::ChatBell,
    /// The privileged helper, for approved software (`helper.rs`).
    pub(crate) helper: crate::helper::HelperLink,
    /// When the facts were last compared with what the server heard.
    facts_checked: Mutex<Option<std::time::Instant>>,
}

/// The `meta` key of the facts the server last heard (JSON [`DeviceFacts`]).
const FACTS_REPORTED: &str = "facts_reported";
/// How often, at most, the facts are compared with what the server heard.
const FACTS_EVERY: Duration = Duration::from_secs(300);

impl Agent {
    /// Loads configuration and opens the store under `paths`.
    pub fn open(paths: Paths) -> Result<Self> {
        let config = AgentConfig::load(&paths)?;
        Self::with_config(paths, config)
    }

    /// Opens with an explicit configuration (flags already applied).
    pub fn with_config(paths: Paths, config: AgentConfig) -> Result<Self> {
        if let Some(url) = &config.server_url {
            crate::config::require_secure(url, config.insecure)?;
        }
        let store = Store::open(&paths.store_file())?;
        let client = config
            .server_url
            .as_deref()
            .map(ServerClient::new)
            .transpose()?;
        Ok(Self {
            paths,
            config,
            client,
            store: Mutex::new(store),
            executor: crate::actions::platform_executor(),
            running: crate::actions::Running::default(),
            chat: crate::chat::ChatBell::default(),
            helper: crate::helper::HelperLink::from_env(),
            facts_checked: Mutex::new(None),
        })
    }

    /// Reaches the privileged helper at `link` instead of the platform's socket (tests).
    pub fn with_helper(mut self, link: crate::helper::HelperLink) -> Self {
        self.helper = link;
        self
    }

    /// This machine's facts as the server should know them: sysinfo's, with the helper that
    /// answers here.
    pub async fn current_facts(&self) -> bellhop_proto::DeviceFacts {
        let mut facts = crate::device::facts();
        facts.helper = self.helper.hello().await;
        facts.agent_version = app_version().to_owned();
        facts.update_channel = self.update_channel();
        facts
    }

    /// Which of the approved packages offered to the person (`credential`) are installed here,
    /// as the helper finds them. Empty without a helper, or where Self-service is off.
    async fn installed_software(
        &self,
        credential: &str,
        facts: &bellhop_proto::DeviceFacts,
    ) -> Vec<bellhop_proto::InstalledPackage> {
        let (Some(helper), Some(os)) = (
            &facts.helper,
            bellhop_proto::OsFamily::from_consts(&facts.platform),
        ) else {
            return Vec::new();
        };
        let Ok(catalog) = self.client().map(|c| c.software(credential)) else {
            return Vec::new();
        };
        let Ok(catalog) = catalog.await else {
            return Vec::new();
        };
        let mut packages: Vec<bellhop_proto::Package> = catalog
            .items
            .iter()
            .flat_map(|item| item.packages_for(os))
            .filter(|p| helper.managers.iter().any(|m| m == p.manager()))
            .cloned()
            .collect();
        packages.sort_by(|a, b| (a.manager(), a.id()).cmp(&(b.manager(), b.id())));
        packages.dedup();
        let Some(versions) = self.helper.installed(&packages).await else {
            return Vec::new();
        };
        packages
            .into_iter()
            .zip(versions)
            .filter_map(|(package, version)| {
                version.map(|version| bellhop_proto::InstalledPackage { package, version })
            })
            .collect()
    }

    /// Tells the server this machine's facts when they differ from what it last heard (a
    /// helper installed or gone, a new name, approved software installed or removed): `true`
    /// when it told it. With the person's `credential`, the facts include which approved
    /// packages are installed.
    pub async fn report_facts(&self, credential: Option<&str>) -> Result<bool> {
        let mut facts = self.current_facts().await;
        if let Some(credential) = credential {
            facts.installed = self.installed_software(credential, &facts).await;
        }
        let json = serde_json::to_string(&facts)?;
        if self.store().meta(FACTS_REPORTED)?.as_deref() == Some(json.as_str()) {
            return Ok(false);
        }
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        self.client()?.update_facts(&secret, &facts).await?;
        self.store().set_meta(FACTS_REPORTED, Some(&json))?;
        Ok(true)
    }

    /// [`Agent::report_facts`], at most once per [`FACTS_EVERY`]: a helper installed while the
    /// app runs is known to the server within minutes. After an install or remove, at once
    /// ([`Agent::facts_changed`]). Without a confirmed person (`None`), the device's own facts
    /// only (its version after an update, say).
    pub(crate) async fn report_facts_now_and_then(&self, credential: Option<&str>) {
        {
            let mut checked = self.facts_checked.lock().unwrap_or_else(|p| p.into_inner());
            if checked.is_some_and(|at| at.elapsed() < FACTS_EVERY) {
                return;
            }
            *checked = Some(std::time::Instant::now());
        }
        if let Err(e) = self.report_facts(credential).await {
            tracing::info!(error = %e, "this machine's facts could not be told");
        }
    }

    /// The facts may have changed (software installed or removed): the next pass compares them.
    pub(crate) fn facts_changed(&self) {
        *self.facts_checked.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Runs self-service actions through `executor` instead of the platform's (tests).
    pub fn with_executor(mut self, executor: std::sync::Arc<dyn crate::actions::Executor>) -> Self {
        self.executor = executor;
        self
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    pub(crate) fn client(&self) -> Result<&ServerClient> {
        self.client.as_ref().ok_or_else(|| {
            Error::Config(
                "no server is configured: run `bellhop enroll --server URL --key KEY`".into(),
            )
        })
    }

    pub(crate) fn credentials(&self) -> Result<Credentials> {
        Ok(Credentials::new(
            self.client()?.base(),
            self.paths.data_dir.join("credentials"),
            self.paths.keychain,
        ))
    }

    pub(crate) fn secret(&self, which: Secret, missing: &str) -> Result<String> {
        self.credentials()?
            .load(which)?
            .ok_or_else(|| Error::Config(missing.into()))
    }

    /// Registers this device with the server using an organisation's enrolment key, and keeps
    /// the device secret in the keychain.
    pub async fn enroll(&self, enrolment_key: &str) -> Result<EnrolResponse> {
        let response = self
            .client()?
            .enroll(&EnrolRequest {
                enrolment_key: enrolment_key.to_owned(),
                device: self.current_facts().await,
            })
            .await?;
        let credentials = self.credentials()?;
        credentials.save(Secret::DeviceSecret, &response.device_secret)?;
        // A new enrolment starts a new identity.
        credentials.delete(Secret::UserCredential)?;
        let mut store = self.store();
        store.set_meta(USER_KEY, None)?;
        store.reset_cache()?;
        // The server key for self-service grants, pinned now: only a new enrolment changes it.
        let pin = crate::actions::PinnedKey {
            device_id: response.device_id,
            key: response.grant_key.clone(),
        };
        store.set_meta(crate::actions::PIN_KEY, Some(&serde_json::to_string(&pin)?))?;
        Ok(response)
    }

    /// The server's view of this device (pending, active, deactivated).
    pub async fn device_state(&self) -> Result<DeviceState> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        self.client()?.device_state(&secret).await
    }

    /// Step one of the identity confirmation: the server emails a token.
    pub async fn send_identity_token(
        &self,
        first_name: &str,
        last_name: &str,
        email: &str,
    ) -> Result<()> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        self.client()?
            .send_token(
                &secret,
                &SendTokenRequest {
                    first_name: first_name.to_owned(),
                    last_name: last_name.to_owned(),
                    email: email.to_owned(),
                    language: Some(self.language()?),
                },
            )
            .await
    }

    /// Step two: the typed token; on success the device credential is kept in the keychain.
    pub async fn confirm_identity(&self, email: &str, token: &str) -> Result<User> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        let credential = self
            .client()?
            .confirm(
                &secret,
                &ConfirmTokenRequest {
                    email: email.to_owned(),
                    token: token.to_owned(),
                },
            )
            .await?;
        self.keep_credential(credential)
    }

    /// Keeps the credential an identity confirmation gave (emailed token or company account)
    /// in the keychain, and the person it is for.
    pub(crate) fn keep_credential(&self, credential: DeviceCredential) -> Result<User> {
        self.credentials()?
            .save(Secret::UserCredential, &credential.token)?;
        let user = serde_json::to_string(&credential.user)?;
        let mut store = self.store();
        store.set_meta(CREDENTIAL_ISSUED_KEY, Some(&now_ms().to_string()))?;
        if store.meta(USER_KEY)?.as_deref() != Some(user.as_str()) {
            // Someone else's tickets must not show: start the cache afresh.
            store.reset_cache()?;
        }
        store.set_meta(USER_KEY, Some(&user))?;
        Ok(credential.user)
    }

    /// Replaces the user credential with a new one when it has been used for
    /// [`ROTATE_CREDENTIAL_EVERY`] (or its age is not known): the person notices nothing, and a
    /// copy of the old credential stops working once the new one is used. Returns whether it
    /// rotated. If the new credential cannot be kept, the old one still works (until a later
    /// rotation replaces it), so nothing is lost either way.
    pub async fn rotate_credential_if_due(&self, now_ms: i64) -> Result<bool> {
        let issued = self
            .store()
            .meta(CREDENTIAL_ISSUED_KEY)?
            .and_then(|v| v.parse::<i64>().ok());
        let every = i64::try_from(ROTATE_CREDENTIAL_EVERY.as_millis()).unwrap_or(i64::MAX);
        if issued.is_some_and(|at| now_ms - at < every) {
            return Ok(false);
        }
        let current = self.user_credential()?;
        let fresh = self.client()?.rotate_credential(&current).await?;
        self.credentials()?
            .save(Secret::UserCredential, &fresh.token)?;
        self.store()
            .set_meta(CREDENTIAL_ISSUED_KEY, Some(&now_ms.to_string()))?;
        tracing::info!("the device credential was rotated");
        Ok(true)
    }

    /// The person whose identity this device confirmed, if any.
    pub fn confirmed_user(&self) -> Result<Option<User>> {
        let stored = self.store().meta(USER_KEY)?;
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Enrols with the configured enrolment key if this device has no secret yet (silent
    /// deployment: an MDM writes agent.toml, the agent does the rest). Returns whether it enrolled.
    pub async fn enroll_if_configured(&self) -> Result<bool> {
        let Some(key) = self.config.enrolment_key.clone() else {
            return Ok(false);
        };
        if self.client.is_none() {
            return Ok(false);
        }
        if self.credentials()?.load(Secret::DeviceSecret)?.is_some() {
            match self.device_state().await {
                // The server does not know this device (its data was reset, or the secret is
                // from another server): enrol again rather than stay "not enrolled" for ever.
                Err(Error::Server(e)) if e.code == bellhop_proto::ErrorCode::Unauthenticated => {
                    tracing::info!("the server does not know this device; enrolling again");
                }
                _ => return Ok(false),
            }
        }
        self.enroll(&key).await?;
        Ok(true)
    }

    /// Whether this device holds its secret (it has enrolled with this server).
    pub(crate) fn has_device_secret(&self) -> bool {
        self.client.is_some()
            && self
                .credentials()
                .and_then(|c| c.load(Secret::DeviceSecret))
                .is_ok_and(|s| s.is_some())
    }

    pub(crate) fn user_credential(&self) -> Result<String> {
        self.secret(
            Secret::UserCredential,
            "confirm your identity first (Personal settings, or `bellhop identity`)",
        )
    }

    /// The portal settings as they apply to this user, from the last pull (`None` before the
    /// first): which sections to show, whether reopening is allowed.
    pub fn portal(&self) -> Result<Option<MyPortal>> {
        self.store().portal()
    }

    /// The service catalog offered to this user, from the last pull (`None` before the first).
    pub fn catalog(&self) -> Result<Option<Catalog>> {
        self.store().catalog()
    }

    /// The brand this computer's people see, as last heard (`None` before the server was asked
    /// once): the desk's name, colour, contacts and links, and whether to show a tray icon.
    /// Its logo is the copy kept on this computer, as a `data:` URL (none until fetched).
    pub fn brand(&self) -> Result<Option<Brand>> {
        let store = self.store();
        let Some(mut brand) = store.brand()? else {
            return Ok(None);
        };
        brand.logo = match (brand.logo.take(), store.brand_logo()?) {
            (Some(path), Some((kept, data_url))) if kept == path => Some(data_url),
            _ => None,
        };
        Ok(Some(brand))
    }

    /// Asks the server for the brand (its organisation's once this computer enrolled, the
    /// desk's before) and keeps it; returns whether it changed. Not configured: nothing to ask.
    pub async fn refresh_brand(&self) -> Result<bool> {
        if self.client.is_none() {
            return Ok(false);
        }
        let secret = self.credentials()?.load(Secret::DeviceSecret)?;
        let client = self.client()?;
        let brand = client.brand(secret.as_deref()).await?;
        let changed = self.store().set_brand(&brand)?;
        // The logo is fetched once per logo (its address names its bytes) and kept for offline.
        let held = self.store().brand_logo()?;
        let logo_changed = match brand.logo.as_deref() {
            None => {
                self.store().set_brand_logo(None)?;
                held.is_some()
            }
            Some(path) if held.as_ref().is_some_and(|(kept, _)| kept == path) => false,
            Some(path) => {
                use base64::Engine;
                let (mime, bytes) = client.logo(path).await?;
                let data_url = format!(
                    "data:{mime};base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                );
                self.store().set_brand_logo(Some((path, &data_url)))?;
                true
            }
        };
        Ok(changed || logo_changed)
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so the store stays usable.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the agent stands: server reachable or not, and what waits locally.
    pub async fn status(&self) -> Result<AgentStatus> {
        let (queued, drafts, unread) = {
            let store = self.store();
            (
                store.pending_count()?,
                store.draft_count()?,
                store.unread_count()?,
            )
        };
        let mut status = AgentStatus {
            agent_version: app_version().into(),
            server_url: self.config.server_url.clone(),
            connectivity: Connectivity::NotConfigured,
            server: None,
            problem: None,
            queued,
            drafts,
            unread,
            device: None,
            user: self.confirmed_user()?,
        };
        if let Some(client) = &self.client {
            match client.server_info().await {
                Ok(info) => {
                    status.connectivity = Connectivity::Online;
                    status.server = Some(info);
                    if self.credentials()?.load(Secret::DeviceSecret)?.is_some() {
                        status.device = self.device_state().await.ok().map(|d| d.status);
                    }
                }
                Err(e) => {
                    status.connectivity = Connectivity::Offline;
                    status.problem = Some(e.to_string());
                }
            }
        }
        Ok(status)
    }

    pub(crate) fn blobs(&self) -> Blobs {
        Blobs::new(self.paths.data_dir.join("blobs"))
    }

    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.store().outbox()
    }
}
