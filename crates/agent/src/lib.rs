//! The Bellhop desktop engine: everything the desktop app does that is not UI.
//!
//! It owns the local store (rusqlite: ticket cache, drafts, outbox), configuration, the server
//! client, the sync engine (push, pull, live events), screen capture, system information and the
//! keychain.
//! It must not depend on Tauri, axum or sqlx: the desktop shell and the `bellhop` CLI are both
//! thin layers over [`Agent`], so every use case is testable without a window.

pub mod actions;
mod agent;
mod assistant;
mod blobs;
pub mod cache;
pub mod capture;
mod chat;
pub mod cli;
mod client;
mod company;
mod compose;
mod config;
mod credentials;
pub mod device;
mod drafts;
mod error;
mod files;
pub mod helper;
pub mod install_settings;
pub mod kb;
pub mod managed;
pub mod notices;
mod prefs;
mod self_service;
mod store;
pub mod sync;
mod syncing;
mod tickets;
mod updates;

pub use agent::{Agent, ROTATE_CREDENTIAL_EVERY, app_version, set_app_version};
pub use chat::ChatHeard;
pub use client::{LiveEvent, ServerClient, UPLOAD_CHUNK};
pub use company::{COMPANY_SIGN_IN_WAIT, CompanySignIn};
pub use compose::{Outgoing, Screenshot};
pub use config::{AgentConfig, Paths, normalise_url, require_secure};
pub use credentials::{Credentials, Secret};
pub use error::{Error, Result};
pub use store::Store;
pub use sync::SyncReport;
pub use syncing::{Heard, IDLE, PENDING_POLL, wait_after};
pub use tickets::Opened;
pub use updates::{AttemptState, Settled, UpdateAttempt, UpdateSource};
