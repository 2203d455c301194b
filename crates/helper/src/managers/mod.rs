//! The package managers the helper runs: each named by its absolute path, given its arguments
//! as an array (never through a shell), with a clean environment. A package identifier reaches
//! here only after [`bellhop_proto::Package::check`]: it cannot start with `-` or hold a
//! shell's metacharacters.
//!
//! Each system's managers are in a module of their own, whose arguments and answers are tested on
//! every system: [`linux`] (apt, dnf, Flatpak), [`windows`] (winget, Chocolatey), [`macos`]
//! (Homebrew). This module runs them.

mod linux;
mod macos;
mod windows;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;

use bellhop_proto::{OsFamily, Package};
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

pub use linux::{apt_candidate, apt_update};
pub use macos::homebrew_tap;
pub use windows::chocolatey_source;

/// The package managers this machine has, as [`Package::manager`] names them.
pub fn available() -> Vec<String> {
    [linux::available(), windows::available(), macos::available()]
        .concat()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn owned(args: Vec<&str>) -> Vec<String> {
    args.into_iter().map(str::to_owned).collect()
}

/// How `op` of `package` is run here; `None` for a manager this helper does not run.
pub fn invocation(op: Op, package: &Package) -> Option<Invocation> {
    match package.os() {
        OsFamily::Linux => linux::invocation(op, package),
        OsFamily::Windows => windows::invocation(op, package),
        OsFamily::Macos => macos::invocation(op, package),
    }
}

/// The arguments `op` of `package` is run with: every option first, the package id last and
/// alone.
pub fn arguments(op: Op, package: &Package) -> Option<Vec<String>> {
    match package.os() {
        OsFamily::Linux => linux::arguments(op, package),
        OsFamily::Windows => windows::arguments(op, package),
        OsFamily::Macos => macos::arguments(op, package),
    }
    .map(owned)
}

/// The installed version of `package`, or `None` when it is not installed (or cannot be asked
/// about here).
pub async fn installed_version(package: &Package) -> Option<String> {
    let os = package.os();
    let query = match os {
        OsFamily::Linux => linux::version_query(package),
        OsFamily::Windows => windows::version_query(package),
        OsFamily::Macos => macos::version_query(package),
    }?;
    let out = command(&query).output().await.ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    match os {
        OsFamily::Linux => linux::version(package, &text),
        OsFamily::Windows => windows::version(package, &text),
        OsFamily::Macos => macos::version(package, &text),
    }
}

/// `inv` as a command: its program, its arguments, a clean environment with its additions,
/// its account; standard input closed.
fn command(inv: &Invocation) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(&inv.program);
    base_env(&mut command);
    command.args(&inv.args).stdin(Stdio::null());
    for (key, value) in &inv.env {
        command.env(key, value);
    }
    if let Some(owner) = &inv.run_as {
        run_as(&mut command, owner);
    }
    command
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

/// The environment a package manager runs with: on Unix only a search path and a language;
/// on Windows the system's own variables a Windows installer needs, from the service's
/// environment (the system account's).
pub(crate) fn base_env(command: &mut tokio::process::Command) {
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
    let mut command = command(inv);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
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

    #[test]
    fn each_package_goes_to_its_own_systems_manager() {
        assert_eq!(
            arguments(Op::Install, &Package::Apt("hello".into())).map(|a| a.last().cloned()),
            Some(Some("hello".to_owned()))
        );
        assert_eq!(
            arguments(Op::Remove, &Package::Chocolatey("7zip".into())),
            Some(owned(vec!["uninstall", "--yes", "--no-progress", "7zip"]))
        );
        assert_eq!(
            arguments(Op::Remove, &Package::BrewFormula("wget".into())),
            Some(owned(vec!["uninstall", "--formula", "wget"]))
        );
        // Windows' and macOS's managers are not found here.
        assert_eq!(
            invocation(Op::Install, &Package::Winget("A.B".into())),
            None
        );
        assert_eq!(
            invocation(Op::Install, &Package::BrewCask("firefox".into())),
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
