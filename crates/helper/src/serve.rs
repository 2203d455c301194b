//! The helper's protocol, whatever carries it: one request per connection, one JSON line each
//! way at a time ([`HelperRequest`], [`HelperReply`]). Who is at the other end is the OS's word,
//! taken by the transport (`unix_socket`: the peer's credentials; `pipe`: the named pipe
//! client's token), and a grant runs only for the user it names.

use std::collections::HashSet;
use std::sync::Mutex;

use bellhop_proto::{ActionGrant, ApprovedList, HelperFacts, HelperReply, HelperRequest, Package};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
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
            // Where the password is set from the password itself, the server seals it to this.
            seal_key: cfg!(any(windows, target_os = "macos"))
                .then(|| self.state.seal_key().public()),
        }
    }
}

/// Who is at the other end of a connection, as the OS says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The OS's id for them, for the log: a uid, or a Windows SID.
    pub id: String,
    /// Their account's name, as grants name it; `None` when the OS has no name for them.
    pub user: Option<String>,
    /// On Windows: the account as its token tells it (SID, domain, groups).
    pub windows: Option<crate::windows_accounts::WindowsAccount>,
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, reply: &HelperReply) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(reply).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line).await
}

/// Answers the one request on `stream`. `identify` asks the OS who sent it, once it has been
/// read (a named pipe's client can be identified only then).
pub async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    helper: &Helper,
    mut stream: S,
    identify: impl FnOnce(&S) -> std::io::Result<Caller>,
) -> anyhow::Result<()> {
    let mut line = String::new();
    BufReader::new((&mut stream).take(MAX_REQUEST_BYTES))
        .read_line(&mut line)
        .await?;
    let caller = identify(&stream)?;
    let request: HelperRequest = match serde_json::from_str(&line) {
        Ok(request) => request,
        Err(e) => {
            tracing::warn!(caller.id, "refused a malformed request: {e}");
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
        HelperRequest::Run { grant, list } => {
            let reply = match &caller.user {
                Some(user) => run(helper, &mut stream, &caller, user, &grant, list.as_ref()).await,
                None => refuse(
                    &caller.id,
                    "?",
                    format!("{} has no user name on this machine", caller.id),
                ),
            };
            // The agent may have gone: the outcome is logged either way.
            let _ = send(&mut stream, &reply).await;
        }
    }
    Ok(())
}

fn refuse(caller: &str, user: &str, why: String) -> HelperReply {
    tracing::warn!(caller, user, why, "refused");
    HelperReply::Refused { why }
}

/// Checks `grant` for `user`, marks it used, runs it with its progress sent to `stream`, and
/// says how it went.
async fn run<S: AsyncWrite + Unpin>(
    helper: &Helper,
    stream: &mut S,
    who: &Caller,
    user: &str,
    grant: &ActionGrant,
    list: Option<&ApprovedList>,
) -> HelperReply {
    let caller = who.id.as_str();
    let key = match crate::grant_key(&helper.config, &helper.state).await {
        Ok(key) => key,
        Err(e) => {
            return refuse(
                caller,
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
    let (claims, task) = match check(&here, grant, list) {
        Ok(checked) => checked,
        Err(refusal) => return refuse(caller, user, refusal.to_string()),
    };
    let (op, package, sources) = match task {
        Task::Software {
            op,
            package,
            sources,
        } => (op, package, sources),
        Task::Password(password) => {
            return reset_password(helper, who, user, &claims, &password).await;
        }
    };
    let action = claims.action_id;
    let Some(_busy) = Busy::take(&helper.busy, &package) else {
        return refuse(
            caller,
            user,
            format!(
                "{} is being installed or removed here already",
                package.id()
            ),
        );
    };
    if let Err(refused) = use_once(helper, caller, user, action) {
        return refused;
    }
    let Some(invocation) = managers::invocation(op, &package) else {
        return refuse(
            caller,
            user,
            format!("this helper does not run {}", package.manager()),
        );
    };
    let source = crate::sources::named(&package, &sources);
    tracing::info!(
        caller, user, %action, asked_by = claims.user_name, op = ?op,
        manager = package.manager(), package = package.id(), source, "running"
    );
    let (progress, mut lines) = mpsc::unbounded_channel();
    let running = async {
        crate::sources::prepare(op, &package, &sources, &progress).await?;
        Ok::<_, String>(managers::run(&invocation, progress.clone()).await)
    };
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
    let ran = match ran {
        Ok(ran) => ran,
        Err(why) => return ended(caller, user, action, Err(why)),
    };
    let version = managers::installed_version(&package).await;
    let (ok, detail) = match (ran.success, op, &version) {
        (true, Op::Install, Some(v)) => (true, format!("installed {} {v}", package.id())),
        (true, Op::Remove, None) => (true, format!("removed {}", package.id())),
        (true, Op::Install, None) => (
            false,
            format!(
                "{} said it installed {}, but it is not installed",
                invocation.program.display(),
                package.id()
            ),
        ),
        (true, Op::Remove, Some(v)) => (
            false,
            format!(
                "{} said it removed {}, but {v} is still installed",
                invocation.program.display(),
                package.id()
            ),
        ),
        (false, _, _) => (
            false,
            format!(
                "{} failed ({}):\n{}",
                invocation.program.display(),
                ran.status,
                ran.last_lines.join("\n")
            ),
        ),
    };
    ended(
        caller,
        user,
        action,
        if ok { Ok(detail) } else { Err(detail) },
    )
}

/// Logs how a run of `action` ended and says so to the agent.
fn ended(
    caller: &str,
    user: &str,
    action: bellhop_proto::ActionId,
    outcome: Result<String, String>,
) -> HelperReply {
    match outcome {
        Ok(detail) => {
            tracing::info!(caller, user, %action, outcome = detail, "succeeded");
            HelperReply::Done { ok: true, detail }
        }
        Err(detail) => {
            tracing::warn!(caller, user, %action, outcome = detail, "failed");
            HelperReply::Done { ok: false, detail }
        }
    }
}

/// Marks the grant of `action` used, or says why it may not run.
fn use_once(
    helper: &Helper,
    caller: &str,
    user: &str,
    action: bellhop_proto::ActionId,
) -> Result<(), HelperReply> {
    match helper.state.use_once(action) {
        Ok(true) => Ok(()),
        Ok(false) => Err(refuse(
            caller,
            user,
            bellhop_proto::grant_check::GrantRefusal::Used.to_string(),
        )),
        Err(e) => Err(refuse(
            caller,
            user,
            format!("the grant could not be marked used: {e}"),
        )),
    }
}

/// Sets the grant's temporary password on the caller's own account, when this system's rules
/// let the helper ([`Reset::check`]), to be changed at the next sign-in; marks the grant used
/// first and logs the outcome.
async fn reset_password(
    helper: &Helper,
    who: &Caller,
    user: &str,
    claims: &bellhop_proto::GrantClaims,
    password: &bellhop_proto::GrantedPassword,
) -> HelperReply {
    let caller = who.id.as_str();
    let action = claims.action_id;
    let reset = match Reset::check(helper, who, user, password).await {
        Ok(reset) => reset,
        Err(why) => return refuse(caller, user, why),
    };
    if let Err(refused) = use_once(helper, caller, user, action) {
        return refused;
    }
    tracing::info!(caller, user, %action, asked_by = claims.user_name, "resetting the password");
    ended(caller, user, action, reset.set().await)
}

/// A password reset this system may do: the caller's account qualifies, and what its account
/// database is given is in hand.
#[cfg(target_os = "linux")]
struct Reset {
    user: String,
    /// Linux sets the crypt string itself: the password never reaches the helper.
    password: bellhop_proto::GrantedPassword,
}

#[cfg(target_os = "linux")]
impl Reset {
    /// The account must be a local person's without administrator's rights (the grant names
    /// the caller, checked: the account is theirs, and only theirs).
    async fn check(
        _helper: &Helper,
        _who: &Caller,
        user: &str,
        password: &bellhop_proto::GrantedPassword,
    ) -> Result<Self, String> {
        crate::accounts::may_reset(&crate::accounts::Files::system(), user)
            .map_err(|refusal| refusal.to_string())?;
        Ok(Self {
            user: user.to_owned(),
            password: password.clone(),
        })
    }

    async fn set(self) -> Result<String, String> {
        crate::accounts::reset(&self.user, &self.password).await
    }
}

/// Windows: a local account without administrator's rights, read from the pipe client's token;
/// the password sealed to this helper's key.
#[cfg(windows)]
struct Reset {
    name: String,
    plain: String,
}

#[cfg(windows)]
impl Reset {
    async fn check(
        helper: &Helper,
        who: &Caller,
        _user: &str,
        password: &bellhop_proto::GrantedPassword,
    ) -> Result<Self, String> {
        use crate::windows_accounts;
        let account = who
            .windows
            .as_ref()
            .ok_or("the caller's account is unknown")?;
        windows_accounts::may_reset(account).map_err(|refusal| refusal.to_string())?;
        let plain = crate::sealed::the_password(helper.state.seal_key(), password)?;
        Ok(Self {
            name: account.name.clone(),
            plain,
        })
    }

    async fn set(self) -> Result<String, String> {
        tokio::task::spawn_blocking(move || {
            crate::windows_accounts::sys::set_password(&self.name, &self.plain)
        })
        .await
        .unwrap_or_else(|e| Err(format!("the reset stopped: {e}")))
    }
}

/// macOS: a local person's account of the Mac's own directory, without administrator's rights
/// or a Secure Token; the password sealed to this helper's key.
#[cfg(target_os = "macos")]
struct Reset {
    user: String,
    plain: String,
}

#[cfg(target_os = "macos")]
impl Reset {
    async fn check(
        helper: &Helper,
        _who: &Caller,
        user: &str,
        password: &bellhop_proto::GrantedPassword,
    ) -> Result<Self, String> {
        use crate::mac_accounts;
        if !mac_accounts::plain_name(user) {
            return Err(mac_accounts::Refusal::BadName(user.to_owned()).to_string());
        }
        let account = mac_accounts::sys::read(user).await?;
        mac_accounts::may_reset(&account).map_err(|refusal| refusal.to_string())?;
        let plain = crate::sealed::the_password(helper.state.seal_key(), password)?;
        Ok(Self {
            user: user.to_owned(),
            plain,
        })
    }

    async fn set(self) -> Result<String, String> {
        crate::mac_accounts::sys::set_password(&self.user, &self.plain).await
    }
}

/// Other systems: no reset.
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
struct Reset;

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
impl Reset {
    async fn check(
        _helper: &Helper,
        _who: &Caller,
        _user: &str,
        _password: &bellhop_proto::GrantedPassword,
    ) -> Result<Self, String> {
        Err("this helper does not reset passwords on this system".to_owned())
    }

    async fn set(self) -> Result<String, String> {
        Err("this helper does not reset passwords on this system".to_owned())
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
