//! The tray icon and its menu (seed 000: Create new ticket, My tickets, Personal settings, Sync
//! now, Quit).

use std::sync::Arc;

use bellhop_agent::Agent;
use tauri::{AppHandle, Manager};

use crate::sync::SyncHandle;
use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};

use crate::windows;

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
    let icon = Image::from_bytes(include_bytes!("../../icons/tray-ready.png"))?;
    TrayIconBuilder::with_id("bellhop")
        .icon(icon)
        .tooltip("Bellhop")
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
        Some(MenuAction::MyTickets) => windows::show_main_at(app, "#/outbox"),
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
    use super::MenuAction;

    #[test]
    fn every_menu_id_parses_back_to_its_action() {
        for action in MenuAction::ALL {
            assert_eq!(MenuAction::parse(action.id()), Some(action));
        }
        assert_eq!(MenuAction::parse("nope"), None);
    }
}
