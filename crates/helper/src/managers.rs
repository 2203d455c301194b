//! The package managers the helper runs: each named by its absolute path, given its arguments
//! as an array (never through a shell), with a clean environment. A package identifier reaches
//! here only after [`bellhop_proto::Package::check`]: it cannot start with `-` or hold a
//! shell's metacharacters.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;

use bellhop_proto::Package;
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
    pub program: &'static str,
    pub args: Vec<String>,
    pub env: Vec<(&'static str, &'static str)>,
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
    if Path::new(APT_GET).exists() && Path::new(DPKG_QUERY).exists() {
        found.push("apt".to_owned());
    }
    if Path::new(DNF).exists() && Path::new(RPM).exists() {
        found.push("dnf".to_owned());
    }
    found
}

const APT_GET: &str = "/usr/bin/apt-get";
const DPKG_QUERY: &str = "/usr/bin/dpkg-query";
const DNF: &str = "/usr/bin/dnf";
const RPM: &str = "/usr/bin/rpm";

/// How `op` of `package` is run here; `None` for a manager this helper does not run.
pub fn invocation(op: Op, package: &Package) -> Option<Invocation> {
    match package {
        Package::Apt(id) => Some(Invocation {
            program: APT_GET,
            args: [
                match op {
                    Op::Install => "install",
                    Op::Remove => "remove",
                },
                "-y",
                "-q",
                "--no-install-recommends",
                // Another apt run (an unattended upgrade) holds the lock: wait for it a while.
                "-o",
                "DPkg::Lock::Timeout=120",
                id,
            ]
            .map(str::to_owned)
            .to_vec(),
            env: vec![("DEBIAN_FRONTEND", "noninteractive")],
        }),
        Package::Dnf(id) => Some(Invocation {
            program: DNF,
            args: [
                match op {
                    Op::Install => "install",
                    Op::Remove => "remove",
                },
                "-y",
                id,
            ]
            .map(str::to_owned)
            .to_vec(),
            env: Vec::new(),
        }),
        _ => None,
    }
}

/// The installed version of `package`, or `None` when it is not installed (or cannot be asked
/// about here).
pub async fn installed_version(package: &Package) -> Option<String> {
    let (program, args) = match package {
        Package::Apt(id) => (
            DPKG_QUERY,
            vec![
                "-W".to_owned(),
                "-f=${db:Status-Status} ${Version}".to_owned(),
                id.clone(),
            ],
        ),
        Package::Dnf(id) => (
            RPM,
            vec![
                "-q".to_owned(),
                "--qf".to_owned(),
                "installed %{VERSION}-%{RELEASE}".to_owned(),
                id.clone(),
            ],
        ),
        _ => return None,
    };
    let out = tokio::process::Command::new(program)
        .args(&args)
        .env_clear()
        .env("PATH", PATH)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .await
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("installed ")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
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
    let mut command = tokio::process::Command::new(inv.program);
    command
        .args(&inv.args)
        .env_clear()
        .env("PATH", PATH)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in &inv.env {
        command.env(key, value);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Ran {
                success: false,
                status: format!("{} could not start: {e}", inv.program),
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
    fn the_package_id_is_one_argument_after_the_options() {
        let apt = invocation(Op::Install, &Package::Apt("hello".into()));
        let apt = apt.map(|i| (i.program, i.args));
        assert_eq!(
            apt,
            Some((
                "/usr/bin/apt-get",
                [
                    "install",
                    "-y",
                    "-q",
                    "--no-install-recommends",
                    "-o",
                    "DPkg::Lock::Timeout=120",
                    "hello"
                ]
                .map(str::to_owned)
                .to_vec()
            ))
        );
        let dnf = invocation(Op::Remove, &Package::Dnf("gcc-c++".into())).map(|i| i.args);
        assert_eq!(
            dnf,
            Some(["remove", "-y", "gcc-c++"].map(str::to_owned).to_vec())
        );
        assert_eq!(
            invocation(Op::Install, &Package::Winget("A.B".into())),
            None
        );
    }

    #[tokio::test]
    async fn a_run_passes_its_lines_on_and_keeps_the_last_ones() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let inv = Invocation {
            program: "/bin/sh",
            args: vec![
                "-c".into(),
                "for i in $(seq 1 20); do echo line $i; done; echo oops >&2; exit 3".into(),
            ],
            env: Vec::new(),
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
