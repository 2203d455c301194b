//! The tray icon and its menu (Create new ticket, My tickets, Personal settings, Sync
//! now, Quit), in the desk's brand: its name in the tooltip, "Call the service desk", its
//! address and links in the menu, no icon at all where the desk hides it.

use std::sync::{Arc, Mutex};

use bellhop_agent::Agent;
use bellhop_proto::{
    AgentStatus, Brand, BrandSettings, Connectivity, DeviceStatus, Language, MAX_BRAND_LINKS,
};
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

    /// The tooltip, under the desk's `name`.
    fn tooltip(self, language: Language, name: &str, queued: u64, unread: u64) -> String {
        let count = match self {
            Self::Unread => unread,
            _ => queued,
        }
        .to_string();
        let key = match self {
            Self::Unread => "tray.tip_unread",
            Self::Inactive => "tray.tip_inactive",
            Self::Offline if queued > 0 => "tray.tip_offline_waiting",
            Self::Offline => "tray.tip_offline",
            Self::Ready => return name.to_owned(),
        };
        tr(language, key, &[("name", name), ("count", &count)])
    }
}

/// The brand the app wears: the last the server gave, Bellhop's before it was asked once.
pub fn brand(app: &AppHandle) -> Brand {
    app.state::<Arc<Agent>>()
        .brand()
        .ok()
        .flatten()
        .unwrap_or_else(|| BrandSettings::default().brand())
}

/// The brand the tray and the portal window last wore: they change only when it does.
#[derive(Default)]
pub struct WornBrand(Mutex<Option<Brand>>);

impl WornBrand {
    /// Wears `brand`; returns whether it differs from the one worn.
    fn wear(&self, brand: &Brand) -> bool {
        let mut worn = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if worn.as_ref() == Some(brand) {
            return false;
        }
        *worn = Some(brand.clone());
        true
    }
}

/// Shows `status` in the tray icon and tooltip, in the desk's brand; when the brand changed,
/// the menu, the icon's presence and the portal window's title follow it.
pub fn show(app: &AppHandle, status: &AgentStatus) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = TrayState::of(status);
    let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
    let brand = brand(app);
    if app.state::<WornBrand>().wear(&brand) {
        let rebranded = menu(app, language, &brand)
            .and_then(|m| tray.set_menu(Some(m)))
            .and_then(|()| tray.set_visible(brand.tray_icon));
        if let Err(e) = rebranded {
            tracing::warn!(error = %e, "cannot put the desk's brand on the tray");
        }
        windows::rename_main(app, &brand.name);
    }
    let result = Image::from_bytes(state.icon())
        .and_then(|icon| tray.set_icon(Some(icon)))
        .and_then(|()| {
            tray.set_tooltip(Some(state.tooltip(
                language,
                &brand.name,
                status.queued,
                status.unread,
            )))
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
    /// The desk's phone (shown where the brand has one).
    Call,
    /// The desk's email address (shown where the brand has one).
    Write,
    /// One of the desk's links, by its place in the brand.
    Link(usize),
    Quit,
}

impl MenuAction {
    pub const ALL: [Self; 18] = [
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
        Self::Call,
        Self::Write,
        Self::Link(0),
        Self::Link(1),
        Self::Link(2),
        Self::Link(3),
        Self::Link(4),
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
            Self::Call => "call",
            Self::Write => "write",
            Self::Link(0) => "link-0",
            Self::Link(1) => "link-1",
            Self::Link(2) => "link-2",
            Self::Link(3) => "link-3",
            // The brand holds at most five links (MAX_BRAND_LINKS).
            Self::Link(_) => "link-4",
            Self::Quit => "quit",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    fn label(self, language: Language, brand: &Brand) -> String {
        let key = match self {
            Self::Language(l) => return i18n::native_name(l),
            Self::Link(i) => {
                return brand
                    .links
                    .get(i)
                    .map(|l| l.label.clone())
                    .unwrap_or_default();
            }
            Self::NewTicket => "tray.new_ticket",
            Self::MyTickets => "tray.my_tickets",
            Self::PersonalSettings => "tray.personal_settings",
            Self::SyncNow => "tray.sync_now",
            Self::Call => "tray.call",
            Self::Write => "tray.write",
            Self::Quit => "tray.quit",
        };
        let phone = brand.phone.as_deref().unwrap_or_default();
        tr(language, key, &[("name", &brand.name), ("phone", phone)])
    }

    /// Where a contact item leads: `tel:`, `mailto:` or one of the desk's `https` links.
    pub fn contact_url(self, brand: &Brand) -> Option<String> {
        match self {
            Self::Call => brand.tel_url(),
            Self::Write => brand.email.as_deref().map(|e| format!("mailto:{e}")),
            Self::Link(i) => brand
                .links
                .get(i)
                .map(|l| l.url.clone())
                .filter(|u| u.starts_with("https://")),
            _ => None,
        }
    }

    /// The contact items this brand has, in the menu's order.
    fn contacts(brand: &Brand) -> Vec<Self> {
        [Self::Call, Self::Write]
            .into_iter()
            .chain((0..brand.links.len().min(MAX_BRAND_LINKS)).map(Self::Link))
            .filter(|a| a.contact_url(brand).is_some())
            .collect()
    }
}

/// The menu in `language`, that language ticked in its submenu; the desk's ways to be reached
/// under the app's own items.
fn menu(app: &AppHandle, language: Language, brand: &Brand) -> tauri::Result<Menu<Wry>> {
    let item = |a: MenuAction| {
        MenuItem::with_id(app, a.id(), a.label(language, brand), true, None::<&str>)
    };
    let languages = Language::ALL
        .into_iter()
        .map(|l| {
            let a = MenuAction::Language(l);
            CheckMenuItem::with_id(
                app,
                a.id(),
                a.label(language, brand),
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
    let contacts = MenuAction::contacts(brand)
        .into_iter()
        .map(item)
        .collect::<tauri::Result<Vec<_>>>()?;
    let (new_ticket, my_tickets, settings, sync_now, quit) = (
        item(MenuAction::NewTicket)?,
        item(MenuAction::MyTickets)?,
        item(MenuAction::PersonalSettings)?,
        item(MenuAction::SyncNow)?,
        item(MenuAction::Quit)?,
    );
    let (first_line, last_line) = (
        PredefinedMenuItem::separator(app)?,
        PredefinedMenuItem::separator(app)?,
    );
    let mut items: Vec<&dyn IsMenuItem<Wry>> =
        vec![&new_ticket, &my_tickets, &settings, &submenu, &sync_now];
    if !contacts.is_empty() {
        items.push(&first_line);
        items.extend(contacts.iter().map(|i| i as &dyn IsMenuItem<Wry>));
    }
    items.push(&last_line);
    items.push(&quit);
    Menu::with_items(app, &items)
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
    let brand = brand(app);
    app.manage(WornBrand::default());
    app.state::<WornBrand>().wear(&brand);
    let icon = Image::from_bytes(TrayState::Inactive.icon())?;
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip(TrayState::Inactive.tooltip(language, &brand.name, 0, 0))
        .menu(&menu(app, language, &brand)?)
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
    tray.set_visible(brand.tray_icon)?;
    Ok(())
}

/// Switches the app to `language`: kept by the agent (the server hears it on the next sync), the
/// tray menu rebuilt, and every window told (`bellhop://language`).
pub fn set_language(app: &AppHandle, language: Language) -> bellhop_agent::Result<()> {
    app.state::<Arc<Agent>>().set_language(language)?;
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let rebuilt = menu(app, language, &brand(app)).and_then(|m| tray.set_menu(Some(m)));
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
        Some(action @ (MenuAction::Call | MenuAction::Write | MenuAction::Link(_))) => {
            match action.contact_url(&brand(app)) {
                Some(url) => {
                    if let Err(e) = windows::open_link(app, &url) {
                        tracing::warn!(error = %e, "cannot open the desk's contact");
                    }
                }
                None => tracing::warn!(?action, "the brand no longer has this contact"),
            }
        }
        Some(MenuAction::Quit) => app.exit(0),
        None => tracing::warn!(id = ?event.id(), "unknown tray menu item"),
    }
}

#[cfg(test)]
mod tests {
    use bellhop_proto::{AgentStatus, BrandLink, BrandSettings, Connectivity, DeviceStatus};

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
    fn the_desks_contacts_lead_where_the_brand_says_and_only_there() {
        let brand = BrandSettings {
            name: Some("Acme IT".into()),
            phone: Some("+1 (555) 010-0100".into()),
            email: Some("help@acme.example".into()),
            links: vec![BrandLink {
                label: "Status".into(),
                url: "https://status.acme.example/".into(),
            }],
            ..BrandSettings::default()
        }
        .brand();
        assert_eq!(
            MenuAction::contacts(&brand),
            [MenuAction::Call, MenuAction::Write, MenuAction::Link(0)]
        );
        assert_eq!(
            MenuAction::Call.contact_url(&brand).as_deref(),
            Some("tel:+15550100100")
        );
        assert_eq!(
            MenuAction::Write.contact_url(&brand).as_deref(),
            Some("mailto:help@acme.example")
        );
        assert_eq!(
            MenuAction::Link(0).contact_url(&brand).as_deref(),
            Some("https://status.acme.example/")
        );
        assert_eq!(MenuAction::Link(1).contact_url(&brand), None);
        assert_eq!(MenuAction::Quit.contact_url(&brand), None);
        // Bellhop's own brand has no way to reach a desk: no contact items.
        assert!(MenuAction::contacts(&BrandSettings::default().brand()).is_empty());
    }

    #[test]
    fn every_menu_id_parses_back_to_its_action() {
        for action in MenuAction::ALL {
            assert_eq!(MenuAction::parse(action.id()), Some(action));
        }
        assert_eq!(MenuAction::parse("nope"), None);
    }
}
