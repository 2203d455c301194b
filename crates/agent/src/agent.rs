//! The façade: one method per use case. The Tauri commands and the CLI call these and nothing
//! else, so behaviour is the same in the window, in scripts and in tests.

use std::sync::{Mutex, MutexGuard};

use bellhop_proto::{AgentStatus, Connectivity, NewTicket, OutboxItem};

use crate::client::ServerClient;
use crate::config::{AgentConfig, Paths};
use crate::error::{Error, Result};
use crate::store::Store;

pub struct Agent {
    paths: Paths,
    config: AgentConfig,
    client: Option<ServerClient>,
    store: Mutex<Store>,
}

impl Agent {
    /// Loads configuration and opens the store under `paths`.
    pub fn open(paths: Paths) -> Result<Self> {
        let config = AgentConfig::load(&paths)?;
        Self::with_config(paths, config)
    }

    /// Opens with an explicit configuration (flags already applied).
    pub fn with_config(paths: Paths, config: AgentConfig) -> Result<Self> {
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
        })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so the store stays usable.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the agent stands: server reachable or not, and what waits locally.
    pub async fn status(&self) -> Result<AgentStatus> {
        let (queued, drafts) = {
            let store = self.store();
            (store.pending_count()?, store.draft_count()?)
        };
        let mut status = AgentStatus {
            agent_version: env!("CARGO_PKG_VERSION").into(),
            server_url: self.config.server_url.clone(),
            connectivity: Connectivity::NotConfigured,
            server: None,
            problem: None,
            queued,
            drafts,
        };
        if let Some(client) = &self.client {
            match client.server_info().await {
                Ok(info) => {
                    status.connectivity = Connectivity::Online;
                    status.server = Some(info);
                }
                Err(e) => {
                    status.connectivity = Connectivity::Offline;
                    status.problem = Some(e.to_string());
                }
            }
        }
        Ok(status)
    }

    /// Queues a ticket for the server; it is durable when this returns, online or not.
    pub fn queue_ticket(&self, ticket: NewTicket) -> Result<OutboxItem> {
        if ticket.title.trim().is_empty() {
            return Err(Error::Config("a ticket needs a title".into()));
        }
        self.store().queue_ticket(ticket)
    }

    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.store().outbox()
    }
}
