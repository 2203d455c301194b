//! Linux's package managers: apt (`apt-get`, `dpkg-query`, `apt-cache`), dnf (`dnf`, `rpm`) and
//! Flatpak (system-wide installations).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use bellhop_proto::Package;

use super::{Invocation, Op, base_env};

const APT_GET: &str = "/usr/bin/apt-get";
const APT_CACHE: &str = "/usr/bin/apt-cache";
const DPKG_QUERY: &str = "/usr/bin/dpkg-query";
const DNF: &str = "/usr/bin/dnf";
const RPM: &str = "/usr/bin/rpm";
const FLATPAK: &str = "/usr/bin/flatpak";

/// The managers this machine has.
pub(super) fn available() -> Vec<&'static str> {
    let has = |paths: &[&str]| cfg!(unix) && paths.iter().all(|p| Path::new(p).exists());
    let mut found = Vec::new();
    if has(&[APT_GET, DPKG_QUERY]) {
        found.push("apt");
    }
    if has(&[DNF, RPM]) {
        found.push("dnf");
    }
    if has(&[FLATPAK]) {
        found.push("flatpak");
    }
    found
}

/// How `op` of `package` is run, for Linux's packages.
pub(super) fn invocation(op: Op, package: &Package) -> Option<Invocation> {
    let (program, env) = match package {
        Package::Apt(_) => (APT_GET, vec![("DEBIAN_FRONTEND", "noninteractive")]),
        Package::Dnf(_) => (DNF, Vec::new()),
        Package::Flatpak(_) => (FLATPAK, Vec::new()),
        _ => return None,
    };
    Some(Invocation {
        program: PathBuf::from(program),
        args: super::owned(arguments(op, package)?),
        env,
        run_as: None,
    })
}

pub(super) fn arguments(op: Op, package: &Package) -> Option<Vec<&str>> {
    let install = op == Op::Install;
    Some(match package {
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
        Package::Flatpak(id) => vec![
            if install { "install" } else { "uninstall" },
            "--system",
            "--noninteractive",
            "--assumeyes",
            id,
        ],
        _ => return None,
    })
}

/// What asks which version of `package` is installed.
pub(super) fn version_query(package: &Package) -> Option<Invocation> {
    let (program, args): (&str, Vec<&str>) = match package {
        Package::Apt(id) => (
            DPKG_QUERY,
            vec!["-W", "-f=${db:Status-Status} ${Version}", id],
        ),
        Package::Dnf(id) => (
            RPM,
            vec!["-q", "--qf", "installed %{VERSION}-%{RELEASE}", id],
        ),
        // `flatpak info` may end in an assertion after its answer: the list is asked instead.
        Package::Flatpak(_) => (
            FLATPAK,
            vec![
                "list",
                "--system",
                "--app",
                "--columns=application,version,branch",
            ],
        ),
        _ => return None,
    };
    Some(Invocation {
        program: PathBuf::from(program),
        args: super::owned(args),
        env: Vec::new(),
        run_as: None,
    })
}

/// The version in the answer to [`version_query`].
pub(super) fn version(package: &Package, text: &str) -> Option<String> {
    match package {
        Package::Flatpak(id) => flatpak_version(text, id),
        _ => status_version(text),
    }
}

/// `<status> <version>` as dpkg-query and rpm were asked to write it: the version when the
/// status is `installed`.
fn status_version(text: &str) -> Option<String> {
    text.trim()
        .strip_prefix("installed ")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The version in `id`'s row of `flatpak list --columns=application,version,branch` (an
/// application may not say one: then its branch).
fn flatpak_version(text: &str, id: &str) -> Option<String> {
    text.lines().find_map(|row| {
        let mut cells = row.split('\t').map(str::trim);
        if cells.next()? != id {
            return None;
        }
        let (version, branch) = (cells.next().unwrap_or(""), cells.next().unwrap_or(""));
        [version, branch]
            .into_iter()
            .find(|v| !v.is_empty())
            .map(str::to_owned)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
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
            ))
        );
        let dnf = invocation(Op::Remove, &Package::Dnf("gcc-c++".into())).map(|i| i.args);
        assert_eq!(dnf, Some(strings(&["remove", "-y", "gcc-c++"])));
        let flatpak = invocation(Op::Install, &Package::Flatpak("org.gnu.Hello".into()));
        assert_eq!(
            flatpak.map(|i| (i.program, i.args)),
            Some((
                PathBuf::from("/usr/bin/flatpak"),
                strings(&[
                    "install",
                    "--system",
                    "--noninteractive",
                    "--assumeyes",
                    "org.gnu.Hello"
                ])
            ))
        );
        assert_eq!(
            arguments(Op::Remove, &Package::Flatpak("org.gnu.Hello".into())),
            Some(vec![
                "uninstall",
                "--system",
                "--noninteractive",
                "--assumeyes",
                "org.gnu.Hello"
            ])
        );
        assert_eq!(
            invocation(Op::Install, &Package::Winget("A.B".into())),
            None
        );
    }

    #[test]
    fn the_desks_repository_is_read_alone_and_strictly() {
        let only = apt_update(Some("/etc/apt/sources.list.d/bellhop.sources"));
        assert_eq!(only.program, PathBuf::from("/usr/bin/apt-get"));
        assert_eq!(
            only.args,
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
            apt_update(None).args,
            strings(&["update", "-q", "-o", "DPkg::Lock::Timeout=120"])
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
        let apt = Package::Apt("hello".into());
        assert_eq!(
            version(&apt, "installed 2.10-3\n").as_deref(),
            Some("2.10-3")
        );
        assert_eq!(version(&apt, "config-files 2.10-3"), None);
        let flatpak = Package::Flatpak("org.gnu.Hello".into());
        let list = "org.gnome.Calculator\t46.1\tstable\norg.gnu.Hello\t2.12.1\tstable\n";
        assert_eq!(version(&flatpak, list).as_deref(), Some("2.12.1"));
        let unversioned = "org.gnu.Hello\t\tstable\n";
        assert_eq!(version(&flatpak, unversioned).as_deref(), Some("stable"));
        let others = "org.gnu.HelloWorld\t1.0\tstable\n";
        assert_eq!(version(&flatpak, others), None);
        assert_eq!(version(&flatpak, ""), None);
    }
}
