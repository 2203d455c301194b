//! The helper's Unix socket. Anyone on the machine may connect (mode 0666); who they are is the
//! OS's word (`SO_PEERCRED` on Linux, `getpeereid` on macOS), and a grant runs only for the user
//! it names. One request per connection, one JSON line each way at a time
//! ([`HelperRequest`], [`HelperReply`]).

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bellhop_proto::{ActionGrant, HelperFacts, HelperReply, HelperRequest, Package};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

use crate::check::{Here, Task, check};
use crate::config::Config;
use crate::managers::{self, Op};
use crate::trust::State;

/// The longest request line, in bytes (a grant is well under 2 KB).
const MAX_REQUEST_BYTES: u64 = 64 * 1024;
/// Most packages one `installed` question may name.
const MAX_ASKED: usize = 200;

pub struct Helper {
    config: Config,
    state: State,
    managers: Vec<String>,
    /// Packages being installed or removed now: a second request for one is refused.
    busy: Mutex<HashSet<Package>>,
}

impl Helper {
    pub fn new(config: Config, state: State, managers: Vec<String>) -> Self {
        Self {
            config,
            state,
            managers,
            busy: Mutex::new(HashSet::new()),
        }
    }

    pub fn facts(&self) -> HelperFacts {
        HelperFacts {
            machine: self.state.machine().to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            managers: self.managers.clone(),
        }
    }
}

/// Listens on `socket` until the process ends. A file left there by an earlier run is
/// replaced.
pub async fn serve(helper: Arc<Helper>, socket: &Path) -> anyhow::Result<()> {
    let listener = bind(socket)?;
    tracing::info!(socket = %socket.display(), machine = helper.state.machine(), managers = ?helper.managers, "listening");
    loop {
        let (stream, _) = listener.accept().await?;
        let helper = Arc::clone(&helper);
        tokio::spawn(async move {
            if let Err(e) = answer(&helper, stream).await {
                tracing::warn!(error = %e, "a request ended badly");
            }
        });
    }
}

/// Binds the socket, readable and writable by every user: the peer's credentials, not the
/// file's mode, decide what runs.
pub fn bind(socket: &Path) -> anyhow::Result<UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    if let Ok(meta) = std::fs::symlink_metadata(socket) {
        anyhow::ensure!(
            meta.file_type().is_socket(),
            "{} exists and is not a socket: not replacing it",
            socket.display()
        );
        std::fs::remove_file(socket)?;
    }
    if let Some(parent) = socket.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let listener = UnixListener::bind(socket)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666))?;
    Ok(listener)
}

async fn send(stream: &mut UnixStream, reply: &HelperReply) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(reply).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line).await
}

async fn answer(helper: &Helper, mut stream: UnixStream) -> anyhow::Result<()> {
    let cred = stream.peer_cred()?;
    let uid = cred.uid();
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name);
    let mut line = String::new();
    BufReader::new((&mut stream).take(MAX_REQUEST_BYTES))
        .read_line(&mut line)
        .await?;
    let request: HelperRequest = match serde_json::from_str(&line) {
        Ok(request) => request,
        Err(e) => {
            tracing::warn!(uid, "refused a malformed request: {e}");
            let why = format!("not a helper request: {e}");
            send(&mut stream, &HelperReply::Refused { why }).await?;
            return Ok(());
        }
    };
    match request {
        HelperRequest::Hello => send(&mut stream, &HelperReply::Hello(helper.facts())).await?,
        HelperRequest::Installed { packages } => {
            let mut versions = Vec::new();
            for package in packages.iter().take(MAX_ASKED) {
                let known = package.check().is_ok()
                    && helper.managers.iter().any(|m| m == package.manager());
                versions.push(if known {
                    managers::installed_version(package).await
                } else {
                    None
                });
            }
            send(&mut stream, &HelperReply::Installed { versions }).await?;
        }
        HelperRequest::Run { grant } => {
            let reply = match user {
                Some(user) => run(helper, &mut stream, uid, &user, &grant).await,
                None => refuse(
                    uid,
                    "?",
                    format!("uid {uid} has no user name on this machine"),
                ),
            };
            // The agent may have gone: the outcome is logged either way.
            let _ = send(&mut stream, &reply).await;
        }
    }
    Ok(())
}

fn refuse(uid: u32, user: &str, why: String) -> HelperReply {
    tracing::warn!(uid, user, why, "refused");
    HelperReply::Refused { why }
}

/// Checks `grant` for `user`, marks it used, runs it with its progress sent to `stream`, and
/// says how it went.
async fn run(
    helper: &Helper,
    stream: &mut UnixStream,
    uid: u32,
    user: &str,
    grant: &ActionGrant,
) -> HelperReply {
    let key = match crate::grant_key(&helper.config, &helper.state).await {
        Ok(key) => key,
        Err(e) => {
            return refuse(
                uid,
                user,
                format!(
                    "the helper does not know the server's grant key yet ({e}): it asks {} again at the next request",
                    helper.config.server_url
                ),
            );
        }
    };
    let here = Here {
        key: &key,
        machine: helper.state.machine(),
        peer_user: user,
        managers: &helper.managers,
        now_ms: now_ms(),
    };
    let (claims, task) = match check(&here, grant) {
        Ok(checked) => checked,
        Err(refusal) => return refuse(uid, user, refusal.to_string()),
    };
    let (op, package) = match task {
        Task::Software { op, package } => (op, package),
        Task::Password(password) => {
            return reset_password(helper, uid, user, &claims, &password).await;
        }
    };
    let action = claims.action_id;
    let Some(_busy) = Busy::take(&helper.busy, &package) else {
        return refuse(
            uid,
            user,
            format!(
                "{} is being installed or removed here already",
                package.id()
            ),
        );
    };
    if let Err(refused) = use_once(helper, uid, user, action) {
        return refused;
    }
    let Some(invocation) = managers::invocation(op, &package) else {
        return refuse(
            uid,
            user,
            format!("this helper does not run {}", package.manager()),
        );
    };
    tracing::info!(
        uid, user, %action, asked_by = claims.user_name, op = ?op,
        manager = package.manager(), package = package.id(), "running"
    );
    let (progress, mut lines) = mpsc::unbounded_channel();
    let running = managers::run(&invocation, progress);
    tokio::pin!(running);
    let ran = loop {
        tokio::select! {
            ran = &mut running => break ran,
            Some(line) = lines.recv() => {
                let _ = send(stream, &HelperReply::Progress { line }).await;
            }
        }
    };
    while let Ok(line) = lines.try_recv() {
        let _ = send(stream, &HelperReply::Progress { line }).await;
    }
    let version = managers::installed_version(&package).await;
    let (ok, detail) = match (ran.success, op, &version) {
        (true, Op::Install, Some(v)) => (true, format!("installed {} {v}", package.id())),
        (true, Op::Remove, None) => (true, format!("removed {}", package.id())),
        (true, Op::Install, None) => (
            false,
            format!(
                "{} said it installed {}, but it is not installed",
                invocation.program,
                package.id()
            ),
        ),
        (true, Op::Remove, Some(v)) => (
            false,
            format!(
                "{} said it removed {}, but {v} is still installed",
                invocation.program,
                package.id()
            ),
        ),
        (false, _, _) => (
            false,
            format!(
                "{} failed ({}):\n{}",
                invocation.program,
                ran.status,
                ran.last_lines.join("\n")
            ),
        ),
    };
    if ok {
        tracing::info!(uid, user, %action, outcome = detail, "succeeded");
    } else {
        tracing::warn!(uid, user, %action, outcome = detail, "failed");
    }
    HelperReply::Done { ok, detail }
}

/// Marks the grant of `action` used, or says why it may not run.
fn use_once(
    helper: &Helper,
    uid: u32,
    user: &str,
    action: bellhop_proto::ActionId,
) -> Result<(), HelperReply> {
    match helper.state.use_once(action) {
        Ok(true) => Ok(()),
        Ok(false) => Err(refuse(
            uid,
            user,
            bellhop_proto::grant_check::GrantRefusal::Used.to_string(),
        )),
        Err(e) => Err(refuse(
            uid,
            user,
            format!("the grant could not be marked used: {e}"),
        )),
    }
}

/// Not yet on this system: macOS's `pwpolicy` comes with its launchd daemon.
#[cfg(not(target_os = "linux"))]
async fn reset_password(
    _helper: &Helper,
    uid: u32,
    user: &str,
    _claims: &bellhop_proto::GrantClaims,
    _password: &bellhop_proto::GrantedPassword,
) -> HelperReply {
    refuse(
        uid,
        user,
        "this helper does not reset passwords on this system yet".to_owned(),
    )
}

/// Sets the grant's temporary password on the caller's own account, when it is a local
/// person's without administrator's rights, to be changed at the next sign-in.
#[cfg(target_os = "linux")]
async fn reset_password(
    helper: &Helper,
    uid: u32,
    user: &str,
    claims: &bellhop_proto::GrantClaims,
    password: &bellhop_proto::GrantedPassword,
) -> HelperReply {
    let action = claims.action_id;
    // The grant names the caller (checked): the account is theirs, and only theirs.
    if let Err(refusal) = crate::accounts::may_reset(&crate::accounts::Files::system(), user) {
        return refuse(uid, user, refusal.to_string());
    }
    if let Err(refused) = use_once(helper, uid, user, action) {
        return refused;
    }
    tracing::info!(uid, user, %action, asked_by = claims.user_name, "resetting the password");
    match crate::accounts::reset(user, password).await {
        Ok(detail) => {
            tracing::info!(uid, user, %action, outcome = detail, "succeeded");
            HelperReply::Done { ok: true, detail }
        }
        Err(detail) => {
            tracing::warn!(uid, user, %action, outcome = detail, "failed");
            HelperReply::Done { ok: false, detail }
        }
    }
}

/// A package marked busy while it lives.
struct Busy<'a> {
    set: &'a Mutex<HashSet<Package>>,
    package: Package,
}

impl<'a> Busy<'a> {
    fn take(set: &'a Mutex<HashSet<Package>>, package: &Package) -> Option<Self> {
        let fresh = set
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(package.clone());
        fresh.then(|| Self {
            set,
            package: package.clone(),
        })
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.package);
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
