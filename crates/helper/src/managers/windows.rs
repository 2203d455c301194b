//! Windows' package managers: the Windows Package Manager (`winget.exe` of the newest App
//! Installer under `%ProgramFiles%\WindowsApps`, as the system account finds it) and
//! Chocolatey (`choco.exe` under `%ChocolateyInstall%`).

use std::path::PathBuf;

use bellhop_proto::{ChocolateySource, Package};

use super::{Invocation, Op};

/// The managers this machine has.
pub(super) fn available() -> Vec<&'static str> {
    let mut found = Vec::new();
    if cfg!(windows) && winget().is_some() {
        found.push("winget");
    }
    if cfg!(windows) && choco().is_some() {
        found.push("chocolatey");
    }
    found
}

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

/// How `op` of `package` is run, for Windows' packages.
pub(super) fn invocation(op: Op, package: &Package) -> Option<Invocation> {
    let program = match package {
        Package::Winget(_) => winget()?,
        Package::Chocolatey(_) => choco()?,
        _ => return None,
    };
    Some(Invocation {
        program,
        args: super::owned(arguments(op, package)?),
        env: Vec::new(),
        run_as: None,
    })
}

pub(super) fn arguments(op: Op, package: &Package) -> Option<Vec<&str>> {
    let install = op == Op::Install;
    Some(match package {
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
        _ => return None,
    })
}

/// What asks which version of `package` is installed.
pub(super) fn version_query(package: &Package) -> Option<Invocation> {
    let (program, args) = match package {
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
        _ => return None,
    };
    Some(Invocation {
        program,
        args: super::owned(args),
        env: Vec::new(),
        run_as: None,
    })
}

/// The version in the answer to [`version_query`].
pub(super) fn version(package: &Package, text: &str) -> Option<String> {
    match package {
        Package::Winget(id) => winget_version(text, id),
        Package::Chocolatey(id) => choco_version(text, id),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_id_is_one_argument_after_the_options() {
        // Windows' managers are not found here, but their arguments are the same everywhere.
        assert_eq!(
            arguments(Op::Install, &Package::Winget("Mozilla.Firefox".into())),
            Some(vec![
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
            Some(vec![
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
            Some(vec!["uninstall", "--yes", "--no-progress", "7zip"])
        );
        let choco = ChocolateySource {
            name: "desk".into(),
            url: "https://choco.example.com/api/v2".into(),
        };
        assert_eq!(
            chocolatey_source_args(&choco),
            [
                "source",
                "add",
                "--name=desk",
                "--source=https://choco.example.com/api/v2",
                "--priority=1",
                "--limit-output",
            ]
        );
    }

    #[test]
    fn versions_are_read_from_each_managers_own_answer() {
        let choco = "Chocolatey v2.4.1\n7zip|24.9.0\n7zip.install|24.9.0\n";
        assert_eq!(choco_version(choco, "7zip").as_deref(), Some("24.9.0"));
        assert_eq!(choco_version(choco, "firefox"), None);
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
}
