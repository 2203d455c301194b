//! The package managers the helper runs: each named by its absolute path, given its arguments
//! as an array (never through a shell), with a clean environment. A package identifier reaches
//! here only after [`bellhop_proto::Package::check`]: it cannot start with `-` or hold a
//! shell's metacharacters.
//!
//! Linux: apt (`apt-get`, `dpkg-query`) and dnf (`dnf`, `rpm`). Windows: the Windows Package
//! Manager (`winget.exe` of the newest App Installer under `%ProgramFiles%\WindowsApps`, as the
//! system account finds it) and Chocolatey (`choco.exe` under `%ChocolateyInstall%`).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bellhop_proto::{ChocolateySource, HomebrewTap, Package};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

/// Install or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Install,
    Remove,
}

/// One program run: its absolute path, its arguments, and what is added to a clean environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(&'static str, &'static str)>,
    /// The account it runs as, when not the helper's own (Homebrew).
    pub run_as: Option<RunAs>,
}

/// An account a package manager runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    pub home: PathBuf,
}

/// The lines of output an outcome keeps: the last ones say why a run failed.
pub const KEPT_LINES: usize = 15;
/// Longest line kept or passed on, in characters.
const MAX_LINE_CHARS: usize = 300;
/// The search path the package managers are run with.
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The package managers this machine has, as [`Package::manager`] names them.
pub fn available() -> Vec<String> {
    let mut found = Vec::new();
    if cfg!(unix) && Path::new(APT_GET).exists() && Path::new(DPKG_QUERY).exists() {
        found.push("apt".to_owned());
    }
    if cfg!(unix) && Path::new(DNF).exists() && Path::new(RPM).exists() {
        found.push("dnf".to_owned());
    }
    if cfg!(windows) && winget().is_some() {
        found.push("winget".to_owned());
    }
    if cfg!(windows) && choco().is_some() {
        found.push("chocolatey".to_owned());
    }
    if cfg!(target_os = "macos") && brew().is_some() {
        found.extend(["brew_formula".to_owned(), "brew_cask".to_owned()]);
    }
    found
}

/// Homebrew's `brew` and the account that owns it (Homebrew runs as that account, never as
/// root): the Apple silicon prefix first, then the Intel one.
#[cfg(unix)]
fn brew() -> Option<(PathBuf, RunAs)> {
    use std::os::unix::fs::MetadataExt;
    let exe = ["/opt/homebrew/bin/brew", "/usr/local/bin/brew"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())?;
    let uid = std::fs::metadata(&exe).ok()?.uid();
    let owner = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok()??;
    if uid == 0 {
        return None;
    }
    Some((
        exe,
        RunAs {
            uid,
            gid: owner.gid.as_raw(),
            name: owner.name,
            home: owner.dir,
        },
    ))
}

#[cfg(not(unix))]
fn brew() -> Option<(PathBuf, RunAs)> {
    None
}

/// What Homebrew is told: no questions, no auto-update or cleanup in the middle of a
/// person's install, no hints.
const BREW_ENV: [(&str, &str); 4] = [
    ("NONINTERACTIVE", "1"),
    ("HOMEBREW_NO_AUTO_UPDATE", "1"),
    ("HOMEBREW_NO_INSTALL_CLEANUP", "1"),
    ("HOMEBREW_NO_ENV_HINTS", "1"),
];

/// `winget.exe` of the newest Windows Package Manager installed for the machine: the system
/// account has no `WindowsApps` alias of its own.
fn winget() -> Option<PathBuf> {
    let apps = PathBuf::from(std::env::var_os("ProgramFiles")?).join("WindowsApps");
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(apps)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = app_installer_version(&name)?;
            let exe = entry.path().join("winget.exe");
            exe.is_file().then_some((version, exe))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, exe)| exe)
}

/// The version of an App Installer package directory
/// (`Microsoft.DesktopAppInstaller_1.24.25200.0_x64__8wekyb3d8bbwe`), for this machine's
/// architecture.
fn app_installer_version(dir: &str) -> Option<Vec<u32>> {
    let rest = dir.strip_prefix("Microsoft.DesktopAppInstaller_")?;
    let (version, rest) = rest.split_once('_')?;
    let arch = rest.strip_suffix("__8wekyb3d8bbwe")?;
    let ours = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x64"
    };
    if arch != ours {
        return None;
    }
    version.split('.').map(|p| p.parse().ok()).collect()
}

/// `choco.exe` where Chocolatey's installer put it.
fn choco() -> Option<PathBuf> {
    let root = std::env::var_os("ChocolateyInstall")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(std::env::var_os("ProgramData")?).join("chocolatey")))?;
    let exe = root.join("bin").join("choco.exe");
    exe.is_file().then_some(exe)
}

const APT_GET: &str = "/usr/bin/apt-get";
const APT_CACHE: &str = "/usr/bin/apt-cache";
const DPKG_QUERY: &str = "/usr/bin/dpkg-query";
const DNF: &str = "/usr/bin/dnf";
const RPM: &str = "/usr/bin/rpm";

/// How `op` of `package` is run here; `None` for a manager this helper does not run.
pub fn invocation(op: Op, package: &Package) -> Option<Invocation> {
    let (program, env) = match package {
        Package::Apt(_) => (
            PathBuf::from(APT_GET),
            vec![("DEBIAN_FRONTEND", "noninteractive")],
        ),
        Package::Dnf(_) => (PathBuf::from(DNF), Vec::new()),
        Package::Winget(_) => (winget()?, Vec::new()),
        Package::Chocolatey(_) => (choco()?, Vec::new()),
        Package::BrewFormula(_) | Package::BrewCask(_) => {
            let (exe, owner) = brew()?;
            return Some(Invocation {
                program: exe,
                args: arguments(op, package)?,
                env: BREW_ENV.to_vec(),
                run_as: Some(owner),
            });
        }
        _ => return None,
    };
    Some(Invocation {
        program,
        args: arguments(op, package)?,
        env,
        run_as: None,
    })
}

/// The arguments `op` of `package` is run with: every option first, the package id last and
/// alone.
pub fn arguments(op: Op, package: &Package) -> Option<Vec<String>> {
    let install = op == Op::Install;
    let args: Vec<&str> = match package {
        Package::Apt(id) => vec![
            if install { "install" } else { "remove" },
            "-y",
            "-q",
            "--no-install-recommends",
            // Another apt run (an unattended upgrade) holds the lock: wait for it a while.
            "-o",
            "DPkg::Lock::Timeout=120",
            id,
        ],
        Package::Dnf(id) => vec![if install { "install" } else { "remove" }, "-y", id],
        Package::Winget(id) => {
            let mut args = vec![if install { "install" } else { "uninstall" }];
            if install {
                args.extend(["--scope", "machine", "--accept-package-agreements"]);
            }
            args.extend([
                "--exact",
                "--silent",
                "--accept-source-agreements",
                "--disable-interactivity",
                "--id",
                id,
            ]);
            args
        }
        Package::Chocolatey(id) => vec![
            if install { "install" } else { "uninstall" },
            "--yes",
            "--no-progress",
            id,
        ],
        Package::BrewFormula(id) => vec![
            if install { "install" } else { "uninstall" },
            "--formula",
            id,
        ],
        Package::BrewCask(id) => {
            vec![if install { "install" } else { "uninstall" }, "--cask", id]
        }
        _ => return None,
    };
    Some(args.into_iter().map(str::to_owned).collect())
}

/// `apt-get update` of the sources in `only` (a deb822 file) and none other, when given, any
/// failure to fetch or verify them an error; otherwise of every source, as apt's own timer does.
pub fn apt_update(only: Option<&str>) -> Invocation {
    let mut args = vec![
        "update".to_owned(),
        "-q".to_owned(),
        "-o".to_owned(),
        "DPkg::Lock::Timeout=120".to_owned(),
    ];
    if let Some(file) = only {
        args.extend([
            "--error-on=any".to_owned(),
            "-o".to_owned(),
            format!("Dir::Etc::SourceList={file}"),
            "-o".to_owned(),
            "Dir::Etc::SourceParts=/dev/null".to_owned(),
            // The other sources' lists stay as they are.
            "-o".to_owned(),
            "APT::Get::List-Cleanup=0".to_owned(),
        ]);
    }
    Invocation {
        program: PathBuf::from(APT_GET),
        args,
        env: vec![("DEBIAN_FRONTEND", "noninteractive")],
        run_as: None,
    }
}

/// The version apt would install of `id`, or `None` when its lists do not know it.
pub async fn apt_candidate(id: &str) -> Option<String> {
    let mut command = tokio::process::Command::new(APT_CACHE);
    command.args(["policy", "-q", id]).stdin(Stdio::null());
    base_env(&mut command);
    let out = command.output().await.ok()?;
    candidate(&String::from_utf8_lossy(&out.stdout))
}

/// The `Candidate:` of `apt-cache policy`'s answer, unless it is `(none)`.
fn candidate(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Candidate:"))
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "(none)")
        .map(str::to_owned)
}

/// `choco source add` of the desk's source, first among the sources (adding it again updates
/// it).
pub fn chocolatey_source(source: &ChocolateySource) -> Option<Invocation> {
    Some(Invocation {
        program: choco()?,
        args: chocolatey_source_args(source),
        env: Vec::new(),
        run_as: None,
    })
}

fn chocolatey_source_args(source: &ChocolateySource) -> Vec<String> {
    vec![
        "source".to_owned(),
        "add".to_owned(),
        format!("--name={}", source.name),
        format!("--source={}", source.url),
        "--priority=1".to_owned(),
        "--limit-output".to_owned(),
    ]
}

/// `brew tap` of the desk's tap, as the account that owns Homebrew (tapping it again does
/// nothing).
pub fn homebrew_tap(tap: &HomebrewTap) -> Option<Invocation> {
    let (exe, owner) = brew()?;
    Some(Invocation {
        program: exe,
        args: homebrew_tap_args(tap),
        env: BREW_ENV.to_vec(),
        run_as: Some(owner),
    })
}

fn homebrew_tap_args(tap: &HomebrewTap) -> Vec<String> {
    let mut args = vec!["tap".to_owned(), tap.name.clone()];
    args.extend(tap.url.clone());
    args
}

/// The installed version of `package`, or `None` when it is not installed (or cannot be asked
/// about here).
pub async fn installed_version(package: &Package) -> Option<String> {
    let (program, args): (PathBuf, Vec<&str>) = match package {
        Package::Apt(id) => (
            DPKG_QUERY.into(),
            vec!["-W", "-f=${db:Status-Status} ${Version}", id],
        ),
        Package::Dnf(id) => (
            RPM.into(),
            vec!["-q", "--qf", "installed %{VERSION}-%{RELEASE}", id],
        ),
        Package::Winget(id) => (
            winget()?,
            vec![
                "list",
                "--exact",
                "--accept-source-agreements",
                "--disable-interactivity",
                "--id",
                id,
            ],
        ),
        Package::Chocolatey(id) => (choco()?, vec!["list", "--exact", "--limit-output", id]),
        Package::BrewFormula(id) => (brew()?.0, vec!["list", "--versions", "--formula", id]),
        Package::BrewCask(id) => (brew()?.0, vec!["list", "--versions", "--cask", id]),
        _ => return None,
    };
    let mut command = tokio::process::Command::new(program);
    command.args(&args).stdin(Stdio::null());
    base_env(&mut command);
    if matches!(package, Package::BrewFormula(_) | Package::BrewCask(_)) {
        let (_, owner) = brew()?;
        command.envs(BREW_ENV);
        run_as(&mut command, &owner);
    }
    let out = command.output().await.ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    match package {
        Package::Winget(id) => winget_version(&text, id),
        Package::Chocolatey(id) => choco_version(&text, id),
        Package::BrewFormula(_) | Package::BrewCask(_) => brew_version(&text),
        _ => unix_version(&text),
    }
}

/// `<status> <version>` as dpkg-query and rpm were asked to write it: the version when the
/// status is `installed`.
fn unix_version(text: &str) -> Option<String> {
    text.trim()
        .strip_prefix("installed ")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The newest version `brew list --versions` names (`wget 1.24.5 1.21.4`): a tap's package is
/// listed by its short name, and nothing is written for one not installed.
fn brew_version(text: &str) -> Option<String> {
    text.lines()
        .next()?
        .split_whitespace()
        .nth(1)
        .map(str::to_owned)
}

/// Runs `command` as `owner`, in their home, as Homebrew expects.
fn run_as(command: &mut tokio::process::Command, owner: &RunAs) {
    #[cfg(unix)]
    {
        command.uid(owner.uid).gid(owner.gid);
        command
            .env("HOME", &owner.home)
            .env("USER", &owner.name)
            .env("LOGNAME", &owner.name)
            .current_dir(&owner.home);
    }
    #[cfg(not(unix))]
    let _ = (command, owner);
}

/// The version in `choco list --limit-output`'s `id|version` line for `id`.
fn choco_version(text: &str, id: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (name, version) = line.trim().split_once('|')?;
        (name.eq_ignore_ascii_case(id) && !version.is_empty()).then(|| version.to_owned())
    })
}

/// The Version column of `winget list`'s row for `id`: its table's columns start where the
/// header's words do.
fn winget_version(text: &str, id: &str) -> Option<String> {
    let lines: Vec<Vec<char>> = text
        .lines()
        // The progress spinner's redraws end in a carriage return.
        .map(|l| l.rsplit('\r').next().unwrap_or(l).chars().collect())
        .collect();
    let header = lines.iter().position(|l| {
        let l: String = l.iter().collect();
        l.contains(" Id ") && l.contains(" Version")
    })?;
    let head: String = lines[header].iter().collect();
    let column = |word: &str| {
        let at = head.find(word)?;
        Some(head[..at].chars().count())
    };
    let (id_at, version_at) = (column(" Id ")? + 1, column(" Version")? + 1);
    let cell = |row: &[char], from: usize| -> String {
        row.iter()
            .skip(from)
            .take_while(|c| !c.is_whitespace())
            .collect()
    };
    lines[header + 1..].iter().find_map(|row| {
        (cell(row, id_at).eq_ignore_ascii_case(id))
            .then(|| cell(row, version_at))
            .filter(|v| !v.is_empty())
    })
}

/// The environment a package manager runs with: on Unix only a search path and a language;
/// on Windows the system's own variables a Windows installer needs, from the service's
/// environment (the system account's).
fn base_env(command: &mut tokio::process::Command) {
    command.env_clear();
    if cfg!(windows) {
        for key in [
            "SystemRoot",
            "SystemDrive",
            "windir",
            "ProgramData",
            "ProgramFiles",
            "ProgramFiles(x86)",
            "ProgramW6432",
            "CommonProgramFiles",
            "ALLUSERSPROFILE",
            "PUBLIC",
            "TEMP",
            "TMP",
            "PATH",
            "PATHEXT",
            "ComSpec",
            "ChocolateyInstall",
            "LOCALAPPDATA",
            "APPDATA",
            "USERPROFILE",
            "NUMBER_OF_PROCESSORS",
            "PROCESSOR_ARCHITECTURE",
        ] {
            if let Some(value) = std::env::var_os(key) {
                command.env(key, value);
            }
        }
    } else {
        let path = if cfg!(target_os = "macos") {
            // Homebrew's own prefixes, for the tools its formulae call.
            format!("/opt/homebrew/bin:{PATH}")
        } else {
            PATH.to_owned()
        };
        command.env("PATH", path).env("LC_ALL", "C.UTF-8");
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub success: bool,
    /// The exit code, or how it ended without one.
    pub status: String,
    /// The last [`KEPT_LINES`] lines it wrote.
    pub last_lines: Vec<String>,
}

/// Runs `inv`, passing each line it writes (stdout and stderr) to `progress` as it comes.
pub async fn run(inv: &Invocation, progress: mpsc::UnboundedSender<String>) -> Ran {
    let mut command = tokio::process::Command::new(&inv.program);
    base_env(&mut command);
    command
        .args(&inv.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in &inv.env {
        command.env(key, value);
    }
    if let Some(owner) = &inv.run_as {
        run_as(&mut command, owner);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Ran {
                success: false,
                status: format!("{} could not start: {e}", inv.program.display()),
                last_lines: Vec::new(),
            };
        }
    };
    let (lines_tx, mut lines) = mpsc::unbounded_channel();
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, lines_tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, lines_tx.clone()));
    }
    drop(lines_tx);
    let mut last = VecDeque::with_capacity(KEPT_LINES);
    while let Some(line) = lines.recv().await {
        if last.len() == KEPT_LINES {
            last.pop_front();
        }
        last.push_back(line.clone());
        // The agent may have gone: the run goes on, and its outcome is logged.
        let _ = progress.send(line);
    }
    let status = child.wait().await;
    let (success, status) = match status {
        Ok(s) if s.success() => (true, "exit code 0".to_owned()),
        Ok(s) => (
            false,
            s.code()
                .map_or_else(|| format!("ended by {s}"), |c| format!("exit code {c}")),
        ),
        Err(e) => (false, format!("could not be waited for: {e}")),
    };
    Ran {
        success,
        status,
        last_lines: last.into(),
    }
}

async fn read_lines(from: impl AsyncRead + Unpin, to: mpsc::UnboundedSender<String>) {
    let mut lines = BufReader::new(from).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line: String = line.trim_end().chars().take(MAX_LINE_CHARS).collect();
        if !line.is_empty() && to.send(line).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Option<Vec<String>> {
        Some(args.iter().map(|a| (*a).to_owned()).collect())
    }

    #[test]
    fn the_package_id_is_one_argument_after_the_options() {
        let apt = invocation(Op::Install, &Package::Apt("hello".into()));
        let apt = apt.map(|i| (i.program, i.args));
        assert_eq!(
            apt,
            Some((
                PathBuf::from("/usr/bin/apt-get"),
                strings(&[
                    "install",
                    "-y",
                    "-q",
                    "--no-install-recommends",
                    "-o",
                    "DPkg::Lock::Timeout=120",
                    "hello"
                ])
                .unwrap_or_default()
            ))
        );
        let dnf = invocation(Op::Remove, &Package::Dnf("gcc-c++".into())).map(|i| i.args);
        assert_eq!(dnf, strings(&["remove", "-y", "gcc-c++"]));
        // Windows' managers are not found here, but their arguments are the same everywhere.
        assert_eq!(
            invocation(Op::Install, &Package::Winget("A.B".into())),
            None
        );
        assert_eq!(
            arguments(Op::Install, &Package::Winget("Mozilla.Firefox".into())),
            strings(&[
                "install",
                "--scope",
                "machine",
                "--accept-package-agreements",
                "--exact",
                "--silent",
                "--accept-source-agreements",
                "--disable-interactivity",
                "--id",
                "Mozilla.Firefox"
            ])
        );
        assert_eq!(
            arguments(Op::Remove, &Package::Winget("Mozilla.Firefox".into())),
            strings(&[
                "uninstall",
                "--exact",
                "--silent",
                "--accept-source-agreements",
                "--disable-interactivity",
                "--id",
                "Mozilla.Firefox"
            ])
        );
        assert_eq!(
            arguments(Op::Remove, &Package::Chocolatey("7zip".into())),
            strings(&["uninstall", "--yes", "--no-progress", "7zip"])
        );
        assert_eq!(
            arguments(Op::Install, &Package::BrewCask("acme/tools/vpn".into())),
            strings(&["install", "--cask", "acme/tools/vpn"])
        );
        assert_eq!(
            arguments(Op::Remove, &Package::BrewFormula("wget".into())),
            strings(&["uninstall", "--formula", "wget"])
        );
        assert_eq!(
            arguments(Op::Install, &Package::Flatpak("org.gnu.Hello".into())),
            None
        );
    }

    #[test]
    fn the_desks_sources_are_set_up_with_arguments_alone() {
        let only = apt_update(Some("/etc/apt/sources.list.d/bellhop.sources"));
        assert_eq!(only.program, PathBuf::from("/usr/bin/apt-get"));
        assert_eq!(
            Some(only.args),
            strings(&[
                "update",
                "-q",
                "-o",
                "DPkg::Lock::Timeout=120",
                "--error-on=any",
                "-o",
                "Dir::Etc::SourceList=/etc/apt/sources.list.d/bellhop.sources",
                "-o",
                "Dir::Etc::SourceParts=/dev/null",
                "-o",
                "APT::Get::List-Cleanup=0",
            ])
        );
        assert_eq!(
            Some(apt_update(None).args),
            strings(&["update", "-q", "-o", "DPkg::Lock::Timeout=120"])
        );
        let choco = ChocolateySource {
            name: "desk".into(),
            url: "https://choco.example.com/api/v2".into(),
        };
        assert_eq!(
            Some(chocolatey_source_args(&choco)),
            strings(&[
                "source",
                "add",
                "--name=desk",
                "--source=https://choco.example.com/api/v2",
                "--priority=1",
                "--limit-output",
            ])
        );
        let tap = HomebrewTap {
            name: "acme/tools".into(),
            url: None,
        };
        assert_eq!(
            Some(homebrew_tap_args(&tap)),
            strings(&["tap", "acme/tools"])
        );
        let tap = HomebrewTap {
            url: Some("https://git.acme.example/tools.git".into()),
            ..tap
        };
        assert_eq!(
            Some(homebrew_tap_args(&tap)),
            strings(&["tap", "acme/tools", "https://git.acme.example/tools.git"])
        );
    }

    #[test]
    fn apt_knows_a_package_when_it_has_a_candidate() {
        let known = "hello:\n  Installed: (none)\n  Candidate: 2.10-3\n  Version table:\n";
        assert_eq!(candidate(known).as_deref(), Some("2.10-3"));
        let gone = "hello:\n  Installed: 2.10-3\n  Candidate: (none)\n";
        assert_eq!(candidate(gone), None);
        // apt-cache policy of a name no list holds writes nothing.
        assert_eq!(candidate(""), None);
    }

    #[test]
    fn versions_are_read_from_each_managers_own_answer() {
        assert_eq!(
            unix_version("installed 2.10-3\n").as_deref(),
            Some("2.10-3")
        );
        assert_eq!(unix_version("config-files 2.10-3"), None);
        let choco = "Chocolatey v2.4.1\n7zip|24.9.0\n7zip.install|24.9.0\n";
        assert_eq!(choco_version(choco, "7zip").as_deref(), Some("24.9.0"));
        assert_eq!(choco_version(choco, "firefox"), None);
        assert_eq!(
            brew_version("wget 1.24.5 1.21.4\n").as_deref(),
            Some("1.24.5")
        );
        assert_eq!(brew_version(""), None);
        let winget = concat!(
            "   - \r   \\ \r",
            "Name              Id              Version      Available    Source\n",
            "--------------------------------------------------------------------\n",
            "Mozilla Firefox (x64 de) Mozilla.Firefox 133.0.3 134.0 winget\n",
        );
        // Columns are where the header's words start, names shorter than their column.
        let aligned = concat!(
            "Name              Id              Version      Available    Source\n",
            "--------------------------------------------------------------------\n",
            "Mozilla Firefox   Mozilla.Firefox 133.0.3      134.0        winget\n",
        );
        assert_eq!(
            winget_version(aligned, "mozilla.firefox").as_deref(),
            Some("133.0.3")
        );
        assert_eq!(winget_version(aligned, "Git.Git"), None);
        // A name longer than its column pushes the row: nothing is read rather than a wrong
        // version.
        assert_eq!(winget_version(winget, "Mozilla.Firefox"), None);
        assert_eq!(
            winget_version("No installed package found matching input criteria.", "A.B"),
            None
        );
        assert_eq!(
            app_installer_version("Microsoft.DesktopAppInstaller_1.24.25200.0_x64__8wekyb3d8bbwe"),
            cfg!(target_arch = "x86_64").then(|| vec![1, 24, 25200, 0])
        );
        assert_eq!(
            app_installer_version("Microsoft.WindowsStore_1.0_x64__8wekyb3d8bbwe"),
            None
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_run_passes_its_lines_on_and_keeps_the_last_ones() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let inv = Invocation {
            program: "/bin/sh".into(),
            args: vec![
                "-c".into(),
                "for i in $(seq 1 20); do echo line $i; done; echo oops >&2; exit 3".into(),
            ],
            env: Vec::new(),
            run_as: None,
        };
        let ran = run(&inv, tx).await;
        let mut heard = Vec::new();
        while let Some(line) = rx.recv().await {
            heard.push(line);
        }
        assert!(!ran.success);
        assert_eq!(ran.status, "exit code 3");
        assert_eq!(heard.len(), 21);
        assert_eq!(ran.last_lines.len(), KEPT_LINES);
        assert!(ran.last_lines.contains(&"oops".to_owned()));
        assert!(ran.last_lines.contains(&"line 20".to_owned()));
        assert!(!ran.last_lines.contains(&"line 1".to_owned()));
    }
}
