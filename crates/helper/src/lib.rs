//! `bellhop-helper`: the small part of Bellhop that runs as root (SYSTEM on Windows).
//!
//! It does one thing: install or remove a package of the desk's approved software, when the
//! local agent brings a grant the server signed for this machine's helper and for the OS user
//! at the other end of the channel, unexpired and never used before. It checks the signature
//! with the key in its own root-owned configuration or pinned in its own state directory,
//! takes the caller's user from the OS (the socket's peer credentials), checks the package
//! identifier, and runs the package manager by its absolute path with an argument array. Every
//! request and outcome is logged to the system's log; the agent hears the progress and the
//! outcome and tells the server.
//!
//! - `accounts`: the local accounts whose password it may reset, and the reset (Linux).
//! - [`config`]: the trust anchor (`/etc/bellhop/helper.toml`).
//! - [`trust`]: the machine id, the pinned key, the used grants.
//! - [`check`]: whether a grant may run here.
//! - [`managers`]: the package managers, run without a shell.
//! - `serve`: the Unix socket and its protocol ([`bellhop_proto::HelperRequest`]).

#[cfg(target_os = "linux")]
pub mod accounts;
pub mod check;
pub mod config;
pub mod managers;
#[cfg(unix)]
pub mod serve;
pub mod trust;

use std::time::Duration;

use bellhop_proto::GrantKey;

/// How long the helper waits for the server when it asks for the grant key.
const KEY_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's grant key: the configuration's, else the one pinned, else asked of the server
/// (over HTTPS, or plain HTTP to this machine) and pinned from then on.
pub async fn grant_key(config: &config::Config, state: &trust::State) -> anyhow::Result<String> {
    if let Some(key) = &config.grant_key {
        return Ok(key.clone());
    }
    if let Some(key) = state.pinned_key() {
        return Ok(key);
    }
    let url = format!(
        "{}/api/v1/grant-key",
        config.server_url.trim_end_matches('/')
    );
    let client = reqwest::Client::builder()
        .timeout(KEY_TIMEOUT)
        .https_only(!url.starts_with("http://"))
        .build()?;
    let answer: GrantKey = client
        .get(&url)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    state.pin_key(&answer.key)?;
    tracing::info!(server = %config.server_url, "pinned the server's grant key");
    Ok(answer.key)
}
