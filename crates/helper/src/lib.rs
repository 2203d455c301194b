//! `bellhop-helper`: the small part of Bellhop that runs as root (SYSTEM on Windows).
//!
//! It does two things: install or remove a package of the desk's approved software, and reset
//! the caller's own local password, when the local agent brings a grant the server signed for
//! this machine's helper and for the OS user at the other end of the channel, unexpired and
//! never used before. It checks the signature with the key in its own root-owned
//! configuration or pinned in its own state directory, takes the caller's user from the OS
//! (the socket's peer credentials, the pipe client's token), checks the package identifier,
//! and runs the package manager by its absolute path with an argument array. Every
//! request and outcome is logged to the system's log; the agent hears the progress and the
//! outcome and tells the server.
//!
//! - `accounts`: the local accounts whose password it may reset, and the reset (Linux).
//! - [`config`]: the trust anchor (`/etc/bellhop/helper.toml`).
//! - [`trust`]: the machine id, the pinned key, the used grants.
//! - [`check`]: whether a grant may run here.
//! - [`managers`]: the package managers, run without a shell.
//! - [`sources`]: the desk's private sources, set up before an install.
//! - [`windows_accounts`]: the same for Windows accounts (the rules are tested everywhere).
//! - [`mac_accounts`]: the same for macOS accounts (the rules are tested everywhere).
//! - [`sealed`]: the password a grant carries sealed to the helper's key (Windows, macOS).
//! - [`windows_acl`]: on Windows, whether only the administrators may change the configuration
//!   and the state directory.
//! - [`serve`]: the protocol ([`bellhop_proto::HelperRequest`]), whatever carries it.
//! - `unix_socket`: the Unix socket and its peer's credentials (Linux, macOS).
//! - `pipe`: the named pipe and its client's token (Windows).
//! - `service`: the Windows service around it all.

#[cfg(target_os = "linux")]
pub mod accounts;
pub mod check;
pub mod config;
pub mod mac_accounts;
pub mod managers;
#[cfg(windows)]
pub mod pipe;
pub mod sealed;
pub mod serve;
#[cfg(windows)]
pub mod service;
pub mod sources;
pub mod trust;
#[cfg(unix)]
pub mod unix_socket;
pub mod windows_accounts;
pub mod windows_acl;

use std::path::Path;
use std::sync::Arc;
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

/// The helper's runtime: two worker threads are plenty for one machine's agent.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Serves the configuration at `path` until `stop` ends: on the Unix socket (Linux, macOS) or
/// the named pipe (Windows) it names.
pub async fn run(path: &Path, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
    let config = config::Config::load(path, true)?;
    let state = trust::State::open(&config.state_dir)?;
    let socket = config.socket.clone();
    let helper = Arc::new(serve::Helper::new(config, state, managers::available()));
    #[cfg(unix)]
    let served = unix_socket::serve(helper, &socket);
    #[cfg(windows)]
    let pipe_name = socket.to_string_lossy().into_owned();
    #[cfg(windows)]
    let served = pipe::serve(helper, &pipe_name);
    #[cfg(not(any(unix, windows)))]
    let served = async {
        drop((helper, socket));
        anyhow::bail!("the helper does not run on this system")
    };
    tokio::select! {
        served = served => served,
        () = stop => Ok(()),
    }
}
