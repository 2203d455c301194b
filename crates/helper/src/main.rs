//! `bellhop-helper`: the privileged helper's service (see the library's documentation).
//!
//! Run by the system's service manager: the systemd unit the .deb installs on Linux, the
//! Windows service the MSI installs (`--console` runs it in the foreground there instead).

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "bellhop-helper",
    version,
    about = "Installs and removes the service desk's approved software and resets the caller's own local password, on grants the server signed"
)]
struct Args {
    /// The configuration file (only the administrator may write it).
    #[arg(long, env = "BELLHOP_HELPER_CONFIG")]
    config: Option<PathBuf>,
    /// Windows: run in the foreground, not as a service (elsewhere it always does).
    #[arg(long)]
    console: bool,
}

fn main() -> std::process::ExitCode {
    log_to_the_system();
    let args = Args::parse();
    let path = args
        .config
        .unwrap_or_else(bellhop_helper::config::default_path);
    #[cfg(windows)]
    if !args.console {
        return match bellhop_helper::service::start(path) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!(
                    "bellhop-helper: not started by the service control manager ({e}): the {} service runs it, or --console runs it here",
                    bellhop_helper::service::SERVICE_NAME
                );
                std::process::ExitCode::FAILURE
            }
        };
    }
    #[cfg(not(windows))]
    let _ = args.console;
    let ran = bellhop_helper::runtime()
        .and_then(|runtime| runtime.block_on(bellhop_helper::run(&path, stopped())));
    match ran {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("stopped: {e:#}");
            eprintln!("bellhop-helper: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Ctrl+C, or (Unix) the service manager's SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    let terminated = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminated = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
}

/// The system's log: the journal when systemd runs one, the Event Log on Windows (source
/// "Bellhop Helper", which the MSI registers), the unified log on macOS (subsystem
/// `app.bellhop.helper`), and standard error, which service managers keep.
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
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    #[cfg(windows)]
    let events = tracing_layer_win_eventlog::EventLogLayer::new("Bellhop Helper").ok();
    // The unified log: `log show --predicate 'subsystem == "app.bellhop.helper"'`.
    #[cfg(target_os = "macos")]
    let events = Some(tracing_oslog::OsLogger::new("app.bellhop.helper", "helper"));
    #[cfg(not(any(windows, target_os = "macos")))]
    let events: Option<tracing_subscriber::layer::Identity> = None;
    tracing_subscriber::registry()
        .with(filter)
        .with(events)
        .with(stderr)
        .init();
}
