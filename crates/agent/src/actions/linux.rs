//! Linux, over D-Bus: logind (`org.freedesktop.login1`, the system bus) restarts, shuts down
//! and ends the session. The desktop's screen locker locks, through the freedesktop screensaver
//! interface (`Lock`, then `GetActive` to see that it did) at the freedesktop name (KDE, Xfce)
//! or the desktop's own (GNOME, MATE, Cinnamon); with no locker on the session bus, logind's
//! session lock, which lockers such as light-locker and xss-lock heed. Restart and shut down are
//! not interactive: polkit decides, as for the desktop's own menu.
//!
//! `BELLHOP_LOGIN1_BUS_ADDRESS` reaches logind at another D-Bus address than the system bus
//! (sandboxes, and tests that record the calls); `DBUS_SESSION_BUS_ADDRESS` names the session
//! bus as usual.

use std::time::Duration;

use bellhop_proto::ActionKind;
use zbus::Connection;
use zbus::zvariant::OwnedObjectPath;

use super::{Asking, Executor, RunFailure};

const LOGIN1: &str = "org.freedesktop.login1";
const MANAGER_PATH: &str = "/org/freedesktop/login1";
const MANAGER: &str = "org.freedesktop.login1.Manager";
const SESSION: &str = "org.freedesktop.login1.Session";

/// Screen lockers answering the freedesktop screensaver interface: (bus name, object, interface).
const LOCKERS: [(&str, &str, &str); 5] = [
    (
        "org.freedesktop.ScreenSaver",
        "/org/freedesktop/ScreenSaver",
        "org.freedesktop.ScreenSaver",
    ),
    (
        "org.freedesktop.ScreenSaver",
        "/ScreenSaver",
        "org.freedesktop.ScreenSaver",
    ),
    (
        "org.gnome.ScreenSaver",
        "/org/gnome/ScreenSaver",
        "org.gnome.ScreenSaver",
    ),
    (
        "org.mate.ScreenSaver",
        "/org/mate/ScreenSaver",
        "org.mate.ScreenSaver",
    ),
    (
        "org.cinnamon.ScreenSaver",
        "/org/cinnamon/ScreenSaver",
        "org.cinnamon.ScreenSaver",
    ),
];
/// Some lockers answer `Lock` only once the screen is unlocked again: the answer is not waited
/// for past this, and `GetActive` says whether it locked.
const LOCK_ANSWER: Duration = Duration::from_secs(2);
/// How long the locker has to say the screen is locked.
const LOCKED_WITHIN: Duration = Duration::from_secs(10);

/// Asks logind and the screen locker.
pub struct Linux {
    /// logind's bus: `None` for the system bus.
    login1: Option<String>,
    /// The session bus: `None` for the usual one.
    session: Option<String>,
    /// This login session (`XDG_SESSION_ID`); else logind finds it by this process.
    session_id: Option<String>,
}

impl Linux {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            login1: var("BELLHOP_LOGIN1_BUS_ADDRESS"),
            session: None,
            session_id: var("XDG_SESSION_ID"),
        }
    }

    /// Both buses at given addresses, and the session named (tests).
    pub fn at(login1: &str, session: &str, session_id: Option<&str>) -> Self {
        Self {
            login1: Some(login1.to_owned()),
            session: Some(session.to_owned()),
            session_id: session_id.map(str::to_owned),
        }
    }

    async fn logind(&self) -> zbus::Result<Connection> {
        match &self.login1 {
            Some(address) => connect(address).await,
            None => Connection::system().await,
        }
    }

    async fn session_bus(&self) -> zbus::Result<Connection> {
        match &self.session {
            Some(address) => connect(address).await,
            None => Connection::session().await,
        }
    }

    /// Reboot or PowerOff, not interactive.
    async fn manager(&self, method: &str) -> zbus::Result<String> {
        self.logind()
            .await?
            .call_method(Some(LOGIN1), MANAGER_PATH, Some(MANAGER), method, &(false,))
            .await?;
        Ok(format!("asked logind: {MANAGER}.{method}"))
    }

    /// This login session's object.
    async fn own_session(&self, bus: &Connection) -> zbus::Result<OwnedObjectPath> {
        let reply = match &self.session_id {
            Some(id) => {
                bus.call_method(
                    Some(LOGIN1),
                    MANAGER_PATH,
                    Some(MANAGER),
                    "GetSession",
                    &(id.as_str(),),
                )
                .await?
            }
            None => {
                bus.call_method(
                    Some(LOGIN1),
                    MANAGER_PATH,
                    Some(MANAGER),
                    "GetSessionByPID",
                    &(std::process::id(),),
                )
                .await?
            }
        };
        reply.body().deserialize()
    }

    /// Terminate or Lock on this login session.
    async fn session(&self, method: &str) -> zbus::Result<String> {
        let bus = self.logind().await?;
        let path = self.own_session(&bus).await?;
        bus.call_method(Some(LOGIN1), path.as_str(), Some(SESSION), method, &())
            .await?;
        Ok(format!(
            "asked logind: {SESSION}.{method} on {}",
            path.as_str()
        ))
    }

    async fn lock(&self) -> zbus::Result<String> {
        let bus = match self.session_bus().await {
            Ok(bus) => Some(bus),
            Err(e) if nobody_answers(&e) => None,
            Err(e) => return Err(e),
        };
        if let Some(bus) = bus {
            let names = zbus::fdo::DBusProxy::new(&bus).await?;
            for (name, path, interface) in LOCKERS {
                let Ok(bus_name) = zbus::names::BusName::try_from(name) else {
                    continue;
                };
                if !names.name_has_owner(bus_name).await.unwrap_or(false) {
                    continue;
                }
                match lock_with(&bus, name, path, interface).await {
                    Ok(how) => return Ok(how),
                    // Another object of the same name (KDE's older path) may answer.
                    Err(e) if nobody_answers(&e) => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        self.session("Lock").await
    }

    async fn run_kind(&self, kind: ActionKind) -> zbus::Result<String> {
        match kind {
            ActionKind::Restart => self.manager("Reboot").await,
            ActionKind::ShutDown => self.manager("PowerOff").await,
            ActionKind::LogOut => self.session("Terminate").await,
            ActionKind::Lock => self.lock().await,
            // The privileged helper runs these; the agent never asks the OS itself.
            ActionKind::Install | ActionKind::Remove | ActionKind::ResetPassword => Err(
                zbus::Error::Failure("the Bellhop helper runs this, not the app".to_owned()),
            ),
        }
    }
}

/// Asks one locker to lock, then waits until it says the screen is locked.
async fn lock_with(
    bus: &Connection,
    name: &str,
    path: &str,
    interface: &str,
) -> zbus::Result<String> {
    let asked = tokio::time::timeout(
        LOCK_ANSWER,
        bus.call_method(Some(name), path, Some(interface), "Lock", &()),
    )
    .await;
    if let Ok(Err(e)) = asked {
        return Err(e);
    }
    let give_up = tokio::time::Instant::now() + LOCKED_WITHIN;
    loop {
        let active: bool = bus
            .call_method(Some(name), path, Some(interface), "GetActive", &())
            .await?
            .body()
            .deserialize()?;
        if active {
            return Ok(format!("the screen locker ({interface}) locked the screen"));
        }
        if tokio::time::Instant::now() >= give_up {
            return Err(zbus::Error::Failure(format!(
                "the screen locker ({interface}) was asked to lock but did not"
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn connect(address: &str) -> zbus::Result<Connection> {
    zbus::connection::Builder::address(address)?.build().await
}

/// No session bus, or nobody owns the name there.
fn nobody_answers(e: &zbus::Error) -> bool {
    match e {
        zbus::Error::MethodError(name, _, _) => matches!(
            name.as_str(),
            "org.freedesktop.DBus.Error.ServiceUnknown"
                | "org.freedesktop.DBus.Error.NameHasNoOwner"
                | "org.freedesktop.DBus.Error.UnknownObject"
                | "org.freedesktop.DBus.Error.UnknownMethod"
        ),
        zbus::Error::Address(_) | zbus::Error::InputOutput(_) => true,
        _ => false,
    }
}

impl Executor for Linux {
    fn run(&self, kind: ActionKind) -> Asking<'_> {
        Box::pin(async move {
            self.run_kind(kind)
                .await
                .map_err(|e| RunFailure::Os(e.to_string()))
        })
    }
}
