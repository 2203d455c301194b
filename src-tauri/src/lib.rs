//! The Bellhop desktop shell: Tauri v2 at the edge of `bellhop-agent`.
//!
//! This crate owns windows, the tray, the global shortcut and notifications. It holds no business logic: each command takes the [`Agent`] from state, calls
//! one façade method and maps the error. It must not talk to the server or the store directly.

mod actions;
mod assistant;
mod autostart;
mod chat;
mod commands;
mod hotkey;
mod i18n;
mod notify;
mod sync;
mod tray;
mod updater;
#[cfg(target_os = "linux")]
mod webkit_env;
mod windows;

use std::sync::Arc;

use bellhop_agent::{Agent, AgentConfig, Paths};
use tauri::{Manager, RunEvent};

/// Keeps an installer's options as the person's own settings; the process's exit code.
fn take_install_settings(args: &[String]) -> i32 {
    use bellhop_agent::install_settings::InstallSettings;
    let kept = InstallSettings::from_args(args)
        .and_then(|settings| Ok((settings, Paths::from_env()?)))
        .and_then(|(settings, paths)| settings.apply(&paths));
    match kept {
        Ok(skipped) => {
            if !skipped.is_empty() {
                tracing::info!(
                    ?skipped,
                    "the organisation manages these: the installer's values are left out"
                );
            }
            0
        }
        Err(e) => {
            eprintln!("Bellhop: the installer's settings were not kept: {e}");
            1
        }
    }
}

/// Whether this process was started as `bellhop`, the command line: the Linux packages install
/// that name as a link to the app, so one binary is both (crates/agent/src/cli).
pub fn started_as_cli() -> bool {
    is_cli_name(std::env::args_os().next().as_deref())
}

fn is_cli_name(arg0: Option<&std::ffi::OsStr>) -> bool {
    arg0.and_then(|a| std::path::Path::new(a).file_stem())
        .is_some_and(|stem| stem == "bellhop")
}

/// Starts the app; returns when the user quits.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().collect();
    // A per-user installer passing on its options (packaging/windows/installer-hooks.nsh).
    if let Some(at) = args
        .iter()
        .position(|a| a == bellhop_agent::install_settings::INSTALL_SETTINGS_ARG)
    {
        std::process::exit(take_install_settings(&args[at + 1..]));
    }
    // The copy of the previous AppImage, watching a new version start (updater.rs).
    #[cfg(target_os = "linux")]
    if args.iter().any(|a| a == updater::WATCHDOG_ARG) {
        std::process::exit(updater::watchdog(&args));
    }
    #[cfg(target_os = "linux")]
    webkit_env::apply();

    let pending = hotkey::PendingScreenshot::default();
    let builder = with_commands(with_plugins(tauri::Builder::default(), &pending));
    let app = builder
        .setup(move |app| set_up(app, pending))
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "Bellhop could not start");
            eprintln!("Bellhop could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|_app, event| {
        // Closing the last window keeps Bellhop in the tray; only "Quit" (an explicit exit code)
        // ends it.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}

/// The plugins: one instance per user (a second launch focuses it, or runs `--new-ticket`), the
/// global shortcut, start at login, links opened outside, windows coming back where they were.
fn with_plugins(
    builder: tauri::Builder<tauri::Wry>,
    pending: &hotkey::PendingScreenshot,
) -> tauri::Builder<tauri::Wry> {
    let on_second_launch = pending.clone();
    builder
        .plugin(tauri_plugin_single_instance::init(
            move |app, argv, _cwd| {
                // A second launch focuses the running instance instead of starting another;
                // `--new-ticket` runs the hotkey's flow there (for desktops without global hotkeys).
                if argv.iter().any(|a| a == "--new-ticket") {
                    hotkey::on_press(app, &on_second_launch);
                } else {
                    windows::show_main(app);
                }
            },
        ))
        .plugin(hotkey::plugin(pending.clone()))
        .plugin(autostart::plugin())
        // Links out of our pages open in the user's browser (windows.rs).
        .plugin(tauri_plugin_opener::init())
        // The app updating itself from the server's feed (updater.rs).
        .plugin(updater::plugin())
        // Windows come back where the user left them (size, place, maximised), not hidden.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
}

/// Every command the windows may call (each also needs a grant in `capabilities/`).
fn with_commands(builder: tauri::Builder<tauri::Wry>) -> tauri::Builder<tauri::Wry> {
    builder.invoke_handler(tauri::generate_handler![
        commands::get_status,
        commands::list_actions_here,
        commands::cancel_action_here,
        actions::list_my_devices,
        actions::list_software,
        assistant::ask_assistant,
        assistant::hand_over_to_desk,
        assistant::assistant_start,
        assistant::drop_assistant_screenshot,
        assistant::ask_assistant_instead,
        chat::chat_desk,
        chat::start_chat,
        chat::list_chats,
        chat::get_chat,
        chat::chat_messages,
        chat::say_in_chat,
        chat::chat_typing,
        chat::end_chat,
        chat::get_chat_file,
        chat::take_chat_screenshot,
        chat::send_chat_screenshot,
        chat::drop_chat_screenshot,
        actions::get_second_factor,
        actions::list_actions,
        actions::get_action,
        actions::request_action,
        actions::verify_action,
        actions::cancel_action,
        commands::queue_ticket,
        commands::list_outbox,
        commands::send_identity_token,
        commands::confirm_identity,
        commands::confirm_identity_with_company,
        commands::sync_now,
        commands::get_screenshot,
        commands::drop_screenshot,
        commands::list_tickets,
        commands::get_portal,
        commands::get_catalog,
        commands::get_brand,
        commands::get_ticket,
        commands::queue_reply,
        commands::queue_reopen,
        commands::save_draft,
        commands::list_drafts,
        commands::discard_draft,
        commands::submit_draft,
        commands::get_language,
        commands::set_language,
        commands::get_hotkey,
        commands::set_hotkey,
        commands::get_autostart,
        commands::set_autostart,
        commands::get_quick_ready,
        commands::get_app_settings,
        commands::set_quick_ready,
        commands::stage_file,
        commands::get_attachment,
        commands::search_articles,
        commands::get_article,
        commands::edit_rejected,
        commands::resend_rejected,
        commands::discard_rejected,
        commands::drop_draft_file,
        commands::window_rendered,
    ])
}

/// Start-up: the agent and the loop that keeps it in sync, the tray, the shortcut, and the
/// first window (or, started at login, only the hidden quick-ticket window).
fn set_up(
    app: &mut tauri::App,
    pending: hotkey::PendingScreenshot,
) -> Result<(), Box<dyn std::error::Error>> {
    // The version the updater compares, reported to the server at sync.
    bellhop_agent::set_app_version(&app.package_info().version.to_string());
    let agent = Arc::new(open_agent()?);
    let sync = sync::SyncHandle::default();
    let last = sync::LastStatus::default();
    app.manage(agent.clone());
    app.manage(sync.clone());
    app.manage(last.clone());
    app.manage(pending);
    app.manage(chat::ChatShot::default());
    app.manage(assistant::AssistantShot::default());
    let here = actions::ActionsHere::default();
    actions::listen(app.handle(), &agent, here.clone());
    chat::listen(app.handle(), &agent);
    app.manage(here);
    tray::create(app.handle())?;
    autostart::apply_at_start(app.handle());
    let chosen = agent.hotkey().ok().flatten();
    updater::spawn(app.handle().clone(), agent.clone());
    sync::spawn(app.handle().clone(), agent, sync, last);
    let hotkeys = hotkey::HotkeyState::default();
    hotkey::register_at_start(
        app.handle(),
        &hotkeys,
        chosen.as_deref().unwrap_or(hotkey::DEFAULT_HOTKEY),
    );
    app.manage(hotkeys);
    if std::env::args().any(|a| a == "--background") {
        windows::prepare_quick(app.handle());
    } else {
        // The hidden quick-ticket window is made once this window has drawn its first
        // frame (`window_rendered`), not alongside it: two pages loading at once on a
        // small machine slow the one the user is looking at (BENCHMARKS.md).
        windows::show_main(app.handle());
    }
    Ok(())
}

/// The agent for this OS user. `--server URL` and `--key KEY` on the command line override the
/// configuration (agent.toml, `BELLHOP_SERVER_URL`, `BELLHOP_ENROLMENT_KEY`).
pub(crate) fn open_agent() -> anyhow::Result<Agent> {
    let paths = Paths::from_env()?;
    let mut config = AgentConfig::load(&paths)?;
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(url) = flag("--server") {
        config.server_url = Some(bellhop_agent::normalise_url(&url)?);
    }
    if let Some(key) = flag("--key") {
        config.enrolment_key = Some(key);
    }
    if args.iter().any(|a| a == "--insecure") {
        config.insecure = true;
    }
    Ok(Agent::with_config(paths, config)?)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::is_cli_name;

    #[test]
    fn the_cli_is_the_app_started_as_bellhop() {
        assert!(is_cli_name(Some(OsStr::new("/usr/bin/bellhop"))));
        assert!(is_cli_name(Some(OsStr::new("bellhop"))));
        assert!(!is_cli_name(Some(OsStr::new("/usr/bin/bellhop-desktop"))));
        assert!(!is_cli_name(Some(OsStr::new("/tmp/.mount_Bellho/AppRun"))));
        assert!(!is_cli_name(None));
    }
}
