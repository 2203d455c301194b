//! `bellhop-helper`: the privileged helper's service (see the library's documentation).
//!
//! Run by the system's service manager: the systemd unit the .deb installs on Linux.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "bellhop-helper",
    version,
    about = "Installs and removes the service desk's approved software, on grants the server signed"
)]
struct Args {
    /// The configuration file (only root may write it).
    #[arg(long, env = "BELLHOP_HELPER_CONFIG")]
    config: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    log_to_the_system();
    let args = Args::parse();
    let path = args
        .config
        .unwrap_or_else(bellhop_helper::config::default_path);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&path)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("stopped: {e:#}");
            eprintln!("bellhop-helper: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(unix)]
async fn run(path: &std::path::Path) -> anyhow::Result<()> {
    use std::sync::Arc;

    use bellhop_helper::{config::Config, managers, serve, trust::State};

    let config = Config::load(path, true)?;
    let state = State::open(&config.state_dir)?;
    let socket = config.socket.clone();
    let helper = Arc::new(serve::Helper::new(config, state, managers::available()));
    tokio::select! {
        served = serve::serve(helper, &socket) => served,
        _ = tokio::signal::ctrl_c() => Ok(()),
        () = terminated() => Ok(()),
    }
}

#[cfg(unix)]
async fn terminated() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            term.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn run(path: &std::path::Path) -> anyhow::Result<()> {
    let _ = bellhop_helper::config::Config::load(path, true)?;
    anyhow::bail!(
        "the Windows service (named pipe, winget and Chocolatey) is not built yet: software cannot be installed on this computer"
    )
}

/// The journal when systemd runs one, else standard error (which the service manager logs).
fn log_to_the_system() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("BELLHOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    #[cfg(target_os = "linux")]
    if std::path::Path::new("/run/systemd/journal/socket").exists()
        && let Ok(journal) = tracing_journald::layer()
    {
        tracing_subscriber::registry()
            .with(filter)
            .with(journal.with_syslog_identifier("bellhop-helper".to_owned()))
            .init();
        return;
    }
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .init();
}
