//! The app updating itself: Tauri's updater against this server's feed, with this device's
//! secret.
//!
//! - It checks soon after start, then every few hours, and downloads in the background. The
//!   download is verified against the updater key before anything else happens, and an AppImage
//!   must be one for this machine's architecture; a refused update is reported to the server and
//!   never fetched again.
//! - It installs only while no Bellhop window is showing (never in the middle of a quick ticket),
//!   which after a start in the background (at sign-in) is at once. Drafts are in the local store
//!   as they are typed, so the restart loses none.
//! - A version that does not start is put right: on Linux the AppImage before it is kept, and a
//!   watchdog (the previous build, run with `--update-watchdog`) starts the new one, waits for it
//!   to say it runs, and otherwise puts the previous one back and starts it. Wherever it ends,
//!   the next start settles the attempt ([`Agent::settle_update`]): done, or reported as failed.

use std::sync::Arc;
use std::time::Duration;

#[cfg(target_os = "linux")]
use anyhow::Context as _;
use bellhop_agent::{Agent, Settled};
use bellhop_proto::AppVersion;
use tauri::{AppHandle, Manager};
use tauri_plugin_updater::UpdaterExt;

/// How often the feed is asked (`BELLHOP_UPDATE_CHECK_SECS` changes it, and the first check's
/// delay with it).
const CHECK_EVERY: Duration = Duration::from_secs(6 * 3600);
/// The first check, once the app has settled after its start.
const FIRST_CHECK_AFTER: Duration = Duration::from_secs(60);
/// How often an update waiting to be installed looks whether the windows are closed.
const IDLE_POLL: Duration = Duration::from_secs(5);
/// A check or a download that takes longer than this is tried again at the next check.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);

/// The argument that runs the watchdog instead of the app (Linux AppImages).
#[cfg(target_os = "linux")]
pub const WATCHDOG_ARG: &str = "--update-watchdog";

pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().build()
}

/// Settles the update before this start, then checks now and then for the next.
pub fn spawn(app: AppHandle, agent: Arc<Agent>) {
    tauri::async_runtime::spawn(async move {
        let running = running_version(&app);
        match agent.settle_update(&running).await {
            Ok(Some(Settled::Updated(version))) => tracing::info!(%version, "updated"),
            Ok(Some(Settled::Failed(version, error))) => {
                tracing::warn!(%version, error, "an update did not take; reported")
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "the last update could not be settled"),
        }
        let (first, every) = match check_every_override() {
            Some(every) => (every, every),
            None => (FIRST_CHECK_AFTER, CHECK_EVERY),
        };
        tokio::time::sleep(first).await;
        loop {
            if let Err(e) = check_once(&app, &agent, &running).await {
                tracing::info!(error = format!("{e:#}"), "no update this time");
            }
            tokio::time::sleep(every).await;
        }
    });
}

fn check_every_override() -> Option<Duration> {
    std::env::var("BELLHOP_UPDATE_CHECK_SECS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

fn running_version(app: &AppHandle) -> AppVersion {
    AppVersion::from(app.package_info().version.clone())
}

/// One check: asks the feed, downloads and verifies what it offers, waits for the windows to
/// close, and installs.
async fn check_once(
    app: &AppHandle,
    agent: &Arc<Agent>,
    running: &AppVersion,
) -> anyhow::Result<()> {
    let Some(source) = agent.update_source()? else {
        return Ok(());
    };
    let Some(install_to) = install::target(app) else {
        // A .deb or .rpm is updated by the package manager, a development build not at all.
        return Ok(());
    };
    agent.report_update_failures().await;
    let refused = agent.refused_updates()?;
    let updater = app
        .updater_builder()
        .endpoints(vec![source.endpoint.parse()?])?
        .header(
            tauri::http::header::AUTHORIZATION,
            format!("Bearer {}", source.device_secret),
        )?
        .pubkey(source.public_key)
        .timeout(REQUEST_TIMEOUT)
        .version_comparator(move |current, release| {
            release.version > current && !refused.iter().any(|v| v.semver() == &release.version)
        })
        .build()?;
    let Some(update) = updater.check().await? else {
        return Ok(());
    };
    let to: AppVersion = update.version.parse().map_err(anyhow::Error::msg)?;
    tracing::info!(version = %to, "downloading an update");
    let bytes = match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => bytes,
        Err(e) if is_transient(&e) => return Err(e.into()),
        Err(e) => {
            agent.refuse_update(&to, &format!("refused: {e}")).await?;
            anyhow::bail!("{to} refused: {e}");
        }
    };
    if let Err(e) = install::fits_this_machine(&bytes) {
        agent.refuse_update(&to, &format!("refused: {e}")).await?;
        anyhow::bail!("{to} refused: {e}");
    }
    while !idle(app) {
        tokio::time::sleep(IDLE_POLL).await;
    }
    tracing::info!(version = %to, "installing the update");
    install::now(app, agent, &update, &bytes, running, to, install_to).await
}

/// A failure that may pass (the network, the server): try again at the next check.
fn is_transient(e: &tauri_plugin_updater::Error) -> bool {
    use tauri_plugin_updater::Error as E;
    matches!(e, E::Reqwest(_) | E::Network(_) | E::Io(_))
}

/// No Bellhop window is showing: nobody is in the middle of anything.
fn idle(app: &AppHandle) -> bool {
    app.webview_windows()
        .values()
        .all(|w| !w.is_visible().unwrap_or(false))
}

/// Records the attempt, then installs; an install that fails is refused for good (and
/// reported) and the attempt forgotten.
async fn install_recorded(
    agent: &Arc<Agent>,
    update: &tauri_plugin_updater::Update,
    bytes: &[u8],
    from: &AppVersion,
    to: AppVersion,
    previous: Option<std::path::PathBuf>,
    installed: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    agent.begin_update(from.clone(), to.clone(), previous, installed)?;
    if let Err(e) = update.install(bytes) {
        agent
            .refuse_update(&to, &format!("could not be installed: {e}"))
            .await?;
        agent.clear_update_attempt()?;
        return Err(e.into());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
mod install {
    //! Linux: AppImages replace themselves; the watchdog sees the new one start.
    use std::path::PathBuf;
    use std::sync::Arc;

    use bellhop_agent::Agent;
    use bellhop_proto::AppVersion;
    use tauri::{AppHandle, Manager};

    /// The AppImage this process runs from (`None`: installed by a package, or a development
    /// build, which this updater leaves alone).
    pub fn target(app: &AppHandle) -> Option<PathBuf> {
        app.env().appimage.map(PathBuf::from)
    }

    /// An AppImage for this machine: an ELF executable of this architecture.
    pub fn fits_this_machine(bytes: &[u8]) -> anyhow::Result<()> {
        use object::Object as _;
        let file = object::File::parse(bytes)
            .map_err(|_| anyhow::anyhow!("it is not a Linux program (an AppImage)"))?;
        if file.format() != object::BinaryFormat::Elf {
            anyhow::bail!("it is not a Linux program (an AppImage)");
        }
        let here = match std::env::consts::ARCH {
            "x86_64" => object::Architecture::X86_64,
            "aarch64" => object::Architecture::Aarch64,
            other => anyhow::bail!("this machine's architecture ({other}) has no AppImages"),
        };
        if file.architecture() != here {
            anyhow::bail!(
                "it is built for {:?}, and this machine is {:?}",
                file.architecture(),
                here
            );
        }
        Ok(())
    }

    /// Keeps a copy of the running AppImage, records the attempt, replaces the AppImage, and
    /// hands over to the watchdog (run from that copy), which starts the new version.
    pub async fn now(
        app: &AppHandle,
        agent: &Arc<Agent>,
        update: &tauri_plugin_updater::Update,
        bytes: &[u8],
        from: &AppVersion,
        to: AppVersion,
        appimage: PathBuf,
    ) -> anyhow::Result<()> {
        let dir = agent.updates_dir();
        std::fs::create_dir_all(&dir)?;
        let previous = dir.join(format!("previous-{from}.AppImage"));
        std::fs::copy(&appimage, &previous)?;
        super::install_recorded(
            agent,
            update,
            bytes,
            from,
            to,
            Some(previous.clone()),
            Some(appimage),
        )
        .await?;
        std::process::Command::new(&previous)
            .arg(super::WATCHDOG_ARG)
            .arg(std::process::id().to_string())
            .stdin(std::process::Stdio::null())
            .spawn()?;
        app.exit(0);
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod install {
    //! Windows runs the installer (which closes the app and starts the new one); macOS replaces
    //! the app bundle and restarts. The next start settles the attempt.
    use std::path::PathBuf;
    use std::sync::Arc;

    use bellhop_agent::Agent;
    use bellhop_proto::AppVersion;
    use tauri::{AppHandle, Manager};

    pub fn target(app: &AppHandle) -> Option<PathBuf> {
        tauri::process::current_binary(&app.env()).ok()
    }

    /// The installer itself is checked by the updater (an MSI, an NSIS setup, an app archive).
    pub fn fits_this_machine(_bytes: &[u8]) -> anyhow::Result<()> {
        Ok(())
    }

    pub async fn now(
        app: &AppHandle,
        agent: &Arc<Agent>,
        update: &tauri_plugin_updater::Update,
        bytes: &[u8],
        from: &AppVersion,
        to: AppVersion,
        _installed: PathBuf,
    ) -> anyhow::Result<()> {
        super::install_recorded(agent, update, bytes, from, to, None, None).await?;
        app.restart();
    }
}

/// The watchdog (`bellhop-desktop --update-watchdog PID`, run from the copy of the previous
/// AppImage): waits for the app `PID` to end, starts the new version, and waits for it to settle
/// the attempt. If it ends first, or does not settle in time, the previous AppImage goes back in
/// place and starts instead; it then reports the new version as failed.
#[cfg(target_os = "linux")]
pub fn watchdog(args: &[String]) -> i32 {
    match run_watchdog(args) {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "the update watchdog failed");
            1
        }
    }
}

/// How long a new version has to start and settle its update.
#[cfg(target_os = "linux")]
const START_WITHIN: Duration = Duration::from_secs(90);

#[cfg(target_os = "linux")]
fn run_watchdog(args: &[String]) -> anyhow::Result<()> {
    let old: u32 = args
        .iter()
        .position(|a| a == WATCHDOG_ARG)
        .and_then(|i| args.get(i + 1))
        .and_then(|pid| pid.parse().ok())
        .context("--update-watchdog PID")?;
    let agent = crate::open_agent()?;
    let proc_dir = std::path::PathBuf::from(format!("/proc/{old}"));
    let waited = std::time::Instant::now();
    while proc_dir.exists() && waited.elapsed() < START_WITHIN {
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(attempt) = agent.update_attempt()? else {
        return Ok(());
    };
    let (Some(installed), Some(previous)) = (&attempt.installed_at, &attempt.previous) else {
        return Ok(());
    };
    let mut child = std::process::Command::new(installed)
        .arg("--background")
        .stdin(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", installed.display()))?;
    let started = std::time::Instant::now();
    let why = loop {
        if agent.update_attempt()?.is_none() {
            tracing::info!(version = %attempt.to, "the new version runs");
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            break format!("it ended at start ({status})");
        }
        if started.elapsed() > START_WITHIN {
            let _ = child.kill();
            let _ = child.wait();
            break format!("it did not start within {} s", START_WITHIN.as_secs());
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    tracing::warn!(version = %attempt.to, why, "the new version did not start; putting the previous one back");
    put_back(previous, installed)?;
    agent.mark_rolled_back(&why)?;
    std::process::Command::new(installed)
        .arg("--background")
        .stdin(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", installed.display()))?;
    Ok(())
}

/// Copies `previous` over `installed` through a file beside it and a rename, so the AppImage is
/// never half written.
#[cfg(target_os = "linux")]
fn put_back(previous: &std::path::Path, installed: &std::path::Path) -> anyhow::Result<()> {
    let dir = installed.parent().context("the AppImage's folder")?;
    let temp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::copy(previous, temp.path())?;
    let permissions = std::fs::metadata(previous)?.permissions();
    std::fs::set_permissions(temp.path(), permissions)?;
    temp.as_file().sync_all()?;
    temp.persist(installed)?;
    Ok(())
}
