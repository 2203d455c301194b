//! The tray icon and its menu (Create new ticket, My tickets, Personal settings, Sync
//! now, Quit).

use std::sync::Arc;

use bellhop_agent::Agent;
use bellhop_proto::{AgentStatus, Connectivity, DeviceStatus, Language};
use tauri::{AppHandle, Emitter, Manager, Wry};

use crate::sync::SyncHandle;
use tauri::image::Image;
use tauri::menu::{
    CheckMenuItem, IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu,
};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};

use crate::i18n::{self, tr};
use crate::windows;

/// What the tray icon shows (icons/tray-*.svg).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    /// Not enrolled, waiting for activation, or deactivated.
    Inactive,
    /// The server cannot be reached (items may be waiting).
    Offline,
    Ready,
    /// Ready, and a technician replied or a status changed since the user last looked.
    Unread,
}

impl TrayState {
    /// The state for an agent status: activation first, then the link, then news.
    pub fn of(status: &AgentStatus) -> Self {
        match (status.connectivity, status.device) {
            (Connectivity::Online, Some(DeviceStatus::Active)) if status.unread > 0 => Self::Unread,
            (Connectivity::Online, Some(DeviceStatus::Active)) => Self::Ready,
            (Connectivity::Online, _) | (Connectivity::NotConfigured, _) => Self::Inactive,
            (Connectivity::Offline, _) => Self::Offline,
        }
    }

    fn icon(self) -> &'static [u8] {
        match self {
            Self::Inactive => include_bytes!("../../icons/tray-inactive.png"),
            Self::Offline => include_bytes!("../../icons/tray-offline.png"),
            Self::Ready => include_bytes!("../../icons/tray-ready.png"),
            Self::Unread => include_bytes!("../../icons/tray-unread.png"),
        }
    }

    fn tooltip(self, language: Language, queued: u64, unread: u64) -> String {
        match self {
            Self::Unread => tr(
                language,
                "tray.tip_unread",
                &[("count", &unread.to_string())],
            ),
            Self::Inactive => tr(language, "tray.tip_inactive", &[]),
            Self::Offline if queued > 0 => tr(
                language,
                "tray.tip_offline_waiting",
                &[("count", &queued.to_string())],
            ),
            Self::Offline => tr(language, "tray.tip_offline", &[]),
            Self::Ready => "Bellhop".into(),
        }
    }
}

/// Shows `status` in the tray icon and tooltip.
pub fn show(app: &AppHandle, status: &AgentStatus) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = TrayState::of(status);
    let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
    let result = Image::from_bytes(state.icon())
        .and_then(|icon| tray.set_icon(Some(icon)))
        .and_then(|()| {
            tray.set_tooltip(Some(state.tooltip(language, status.queued, status.unread)))
        });
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot update the tray icon");
    }
}

const TRAY_ID: &str = "bellhop";

/// The tray menu's items; ids round-trip through [`MenuAction::id`] and [`MenuAction::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAction {
    NewTicket,
    MyTickets,
    PersonalSettings,
    /// One of the Language submenu's entries.
    Language(Language),
    SyncNow,
    Quit,
}

impl MenuAction {
    pub const ALL: [Self; 11] = [
        Self::NewTicket,
        Self::MyTickets,
        Self::PersonalSettings,
        Self::Language(Language::En),
        Self::Language(Language::Fr),
        Self::Language(Language::De),
        Self::Language(Language::Es),
        Self::Language(Language::It),
        Self::Language(Language::Ru),
        Self::SyncNow,
        Self::Quit,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::NewTicket => "new-ticket",
            Self::MyTickets => "my-tickets",
            Self::PersonalSettings => "personal-settings",
            Self::Language(Language::En) => "language-en",
            Self::Language(Language::Fr) => "language-fr",
            Self::Language(Language::De) => "language-de",
            Self::Language(Language::Es) => "language-es",
            Self::Language(Language::It) => "language-it",
            Self::Language(Language::Ru) => "language-ru",
            Self::SyncNow => "sync-now",
            Self::Quit => "quit",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    fn label(self, language: Language) -> String {
        let key = match self {
            Self::Language(l) => return i18n::native_name(l),
            Self::NewTicket => "tray.new_ticket",
            Self::MyTickets => "tray.my_tickets",
            Self::PersonalSettings => "tray.personal_settings",
            Self::SyncNow => "tray.sync_now",
            Self::Quit => "tray.quit",
        };
        tr(language, key, &[])
    }
}

/// The menu in `language`, that language ticked in its submenu.
fn menu(app: &AppHandle, language: Language) -> tauri::Result<Menu<Wry>> {
    let item =
        |a: MenuAction| MenuItem::with_id(app, a.id(), a.label(language), true, None::<&str>);
    let languages = Language::ALL
        .into_iter()
        .map(|l| {
            let a = MenuAction::Language(l);
            CheckMenuItem::with_id(
                app,
                a.id(),
                a.label(language),
                true,
                l == language,
                None::<&str>,
            )
        })
        .collect::<tauri::Result<Vec<_>>>()?;
    let refs: Vec<&dyn IsMenuItem<Wry>> = languages
        .iter()
        .map(|i| i as &dyn IsMenuItem<Wry>)
        .collect();
    let submenu = Submenu::with_items(app, tr(language, "tray.language", &[]), true, &refs)?;
    Menu::with_items(
        app,
        &[
            &item(MenuAction::NewTicket)?,
            &item(MenuAction::MyTickets)?,
            &item(MenuAction::PersonalSettings)?,
            &submenu,
            &item(MenuAction::SyncNow)?,
            &PredefinedMenuItem::separator(app)?,
            &item(MenuAction::Quit)?,
        ],
    )
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
    let icon = Image::from_bytes(TrayState::Inactive.icon())?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip(TrayState::Inactive.tooltip(language, 0, 0))
        .menu(&menu(app, language)?)
        .show_menu_on_left_click(false)
        .on_menu_event(on_menu)
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                windows::show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

/// Switches the app to `language`: kept by the agent (the server hears it on the next sync), the
/// tray menu rebuilt, and every window told (`bellhop://language`).
pub fn set_language(app: &AppHandle, language: Language) -> bellhop_agent::Result<()> {
    app.state::<Arc<Agent>>().set_language(language)?;
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let rebuilt = menu(app, language).and_then(|m| tray.set_menu(Some(m)));
        if let Err(e) = rebuilt {
            tracing::warn!(error = %e, "cannot rebuild the tray menu");
        }
    }
    crate::windows::retitle(app);
    if let Err(e) = app.emit("bellhop://language", language.as_str()) {
        tracing::warn!(error = %e, "cannot tell the windows about the language");
    }
    app.state::<SyncHandle>().now();
    Ok(())
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    match MenuAction::parse(event.id().as_ref()) {
        // Until the identity is confirmed the portal's new-ticket view leads to Personal settings.
        Some(MenuAction::NewTicket) => windows::show_main_at(app, "#/new"),
        Some(MenuAction::MyTickets) => windows::show_main_at(app, "#/tickets"),
        Some(MenuAction::PersonalSettings) => windows::show_main_at(app, "#/settings"),
        Some(MenuAction::Language(language)) => {
            if let Err(e) = set_language(app, language) {
                tracing::warn!(error = %e, "cannot change the language");
            }
        }
        Some(MenuAction::SyncNow) => {
            if let Err(e) = app.state::<Arc<Agent>>().retry_now() {
                tracing::warn!(error = %e, "sync now");
            }
            app.state::<SyncHandle>().now();
        }
        Some(MenuAction::Quit) => app.exit(0),
        None => tracing::warn!(id = ?event.id(), "unknown tray menu item"),
    }
}

#[cfg(test)]
mod tests {
    use bellhop_proto::{AgentStatus, Connectivity, DeviceStatus};

    use super::{MenuAction, TrayState};

    #[test]
    fn the_tray_shows_activation_first_then_the_link() {
        let cases = [
            (Connectivity::NotConfigured, None, TrayState::Inactive),
            (Connectivity::Online, None, TrayState::Inactive),
            (
                Connectivity::Online,
                Some(DeviceStatus::Pending),
                TrayState::Inactive,
            ),
            (
                Connectivity::Online,
                Some(DeviceStatus::Deactivated),
                TrayState::Inactive,
            ),
            (
                Connectivity::Online,
                Some(DeviceStatus::Active),
                TrayState::Ready,
            ),
            (Connectivity::Offline, None, TrayState::Offline),
        ];
        for (connectivity, device, expected) in cases {
            for unread in [0, 2] {
                let status = AgentStatus {
                    agent_version: "0".into(),
                    server_url: None,
                    connectivity,
                    server: None,
                    problem: None,
                    queued: 0,
                    drafts: 0,
                    unread,
                    device,
                    user: None,
                };
                // News shows only where the device is usable; otherwise the problem comes first.
                let expected = match expected {
                    TrayState::Ready if unread > 0 => TrayState::Unread,
                    other => other,
                };
                assert_eq!(
                    TrayState::of(&status),
                    expected,
                    "{connectivity:?} {device:?} {unread}"
                );
            }
        }
    }

    #[test]
    fn every_menu_id_parses_back_to_its_action() {
        for action in MenuAction::ALL {
            assert_eq!(MenuAction::parse(action.id()), Some(action));
        }
        assert_eq!(MenuAction::parse("nope"), None);
    }
}
