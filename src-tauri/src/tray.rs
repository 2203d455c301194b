//! The tray icon and its menu (seed 000: Create new ticket, My tickets, Personal settings, Sync
//! now, Quit).

use std::sync::Arc;

use bellhop_agent::Agent;
use bellhop_proto::{AgentStatus, Connectivity, DeviceStatus};
use tauri::{AppHandle, Manager};

use crate::sync::SyncHandle;
use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};

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

    fn tooltip(self, queued: u64, unread: u64) -> String {
        match self {
            Self::Unread if unread == 1 => "Bellhop — 1 ticket has news".into(),
            Self::Unread => format!("Bellhop — {unread} tickets have news"),
            Self::Inactive => "Bellhop — not active yet".into(),
            Self::Offline if queued > 0 => format!("Bellhop — offline, {queued} waiting to send"),
            Self::Offline => "Bellhop — offline".into(),
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
    let result = Image::from_bytes(state.icon())
        .and_then(|icon| tray.set_icon(Some(icon)))
        .and_then(|()| tray.set_tooltip(Some(state.tooltip(status.queued, status.unread))));
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
    SyncNow,
    Quit,
}

impl MenuAction {
    pub const ALL: [Self; 5] = [
        Self::NewTicket,
        Self::MyTickets,
        Self::PersonalSettings,
        Self::SyncNow,
        Self::Quit,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::NewTicket => "new-ticket",
            Self::MyTickets => "my-tickets",
            Self::PersonalSettings => "personal-settings",
            Self::SyncNow => "sync-now",
            Self::Quit => "quit",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    fn label(self) -> &'static str {
        match self {
            Self::NewTicket => "Create new ticket",
            Self::MyTickets => "My tickets",
            Self::PersonalSettings => "Personal settings",
            Self::SyncNow => "Sync now",
            Self::Quit => "Quit Bellhop",
        }
    }
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let item = |a: MenuAction| MenuItem::with_id(app, a.id(), a.label(), true, None::<&str>);
    let menu = Menu::with_items(
        app,
        &[
            &item(MenuAction::NewTicket)?,
            &item(MenuAction::MyTickets)?,
            &item(MenuAction::PersonalSettings)?,
            &item(MenuAction::SyncNow)?,
            &PredefinedMenuItem::separator(app)?,
            &item(MenuAction::Quit)?,
        ],
    )?;
    let icon = Image::from_bytes(TrayState::Inactive.icon())?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip(TrayState::Inactive.tooltip(0, 0))
        .menu(&menu)
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

fn on_menu(app: &AppHandle, event: MenuEvent) {
    match MenuAction::parse(event.id().as_ref()) {
        // Until the identity is confirmed the portal's new-ticket view leads to Personal settings.
        Some(MenuAction::NewTicket) => windows::show_main_at(app, "#/new"),
        Some(MenuAction::MyTickets) => windows::show_main_at(app, "#/tickets"),
        Some(MenuAction::PersonalSettings) => windows::show_main_at(app, "#/settings"),
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
