//! macOS's package manager: Homebrew formulae and casks, run by `brew`'s absolute path as the
//! account that owns the Homebrew installation (Homebrew refuses root), without questions or
//! auto-update.

use std::path::PathBuf;

use bellhop_proto::{HomebrewTap, Package};

use super::{Invocation, Op, RunAs};

/// The managers this machine has.
pub(super) fn available() -> Vec<&'static str> {
    if cfg!(target_os = "macos") && brew().is_some() {
        vec!["brew_formula", "brew_cask"]
    } else {
        Vec::new()
    }
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

/// `brew` with `args`, as Homebrew's owner.
fn as_owner(args: Vec<&str>) -> Option<Invocation> {
    let (program, owner) = brew()?;
    Some(Invocation {
        program,
        args: super::owned(args),
        env: BREW_ENV.to_vec(),
        run_as: Some(owner),
    })
}

/// How `op` of `package` is run, for Homebrew's packages.
pub(super) fn invocation(op: Op, package: &Package) -> Option<Invocation> {
    as_owner(arguments(op, package)?)
}

pub(super) fn arguments(op: Op, package: &Package) -> Option<Vec<&str>> {
    let verb = if op == Op::Install {
        "install"
    } else {
        "uninstall"
    };
    match package {
        Package::BrewFormula(id) => Some(vec![verb, "--formula", id]),
        Package::BrewCask(id) => Some(vec![verb, "--cask", id]),
        _ => None,
    }
}

/// What asks which version of `package` is installed.
pub(super) fn version_query(package: &Package) -> Option<Invocation> {
    match package {
        Package::BrewFormula(id) => as_owner(vec!["list", "--versions", "--formula", id]),
        Package::BrewCask(id) => as_owner(vec!["list", "--versions", "--cask", id]),
        _ => None,
    }
}

/// The newest version `brew list --versions` names (`wget 1.24.5 1.21.4`): a tap's package is
/// listed by its short name, and nothing is written for one not installed.
pub(super) fn version(_package: &Package, text: &str) -> Option<String> {
    text.lines()
        .next()?
        .split_whitespace()
        .nth(1)
        .map(str::to_owned)
}

/// `brew tap` of the desk's tap, as the account that owns Homebrew (tapping it again does
/// nothing).
pub fn homebrew_tap(tap: &HomebrewTap) -> Option<Invocation> {
    as_owner(tap_arguments(tap))
}

fn tap_arguments(tap: &HomebrewTap) -> Vec<&str> {
    let mut args = vec!["tap", tap.name.as_str()];
    args.extend(tap.url.as_deref());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulae_and_casks_are_named_as_such() {
        assert_eq!(
            arguments(Op::Install, &Package::BrewCask("acme/tools/vpn".into())),
            Some(vec!["install", "--cask", "acme/tools/vpn"])
        );
        assert_eq!(
            arguments(Op::Remove, &Package::BrewFormula("wget".into())),
            Some(vec!["uninstall", "--formula", "wget"])
        );
        assert_eq!(arguments(Op::Install, &Package::Apt("wget".into())), None);
        let tap = HomebrewTap {
            name: "acme/tools".into(),
            url: None,
        };
        assert_eq!(tap_arguments(&tap), ["tap", "acme/tools"]);
        let tap = HomebrewTap {
            url: Some("https://git.acme.example/tools.git".into()),
            ..tap
        };
        assert_eq!(
            tap_arguments(&tap),
            ["tap", "acme/tools", "https://git.acme.example/tools.git"]
        );
    }

    #[test]
    fn the_newest_version_brew_lists_is_read() {
        let wget = Package::BrewFormula("wget".into());
        assert_eq!(
            version(&wget, "wget 1.24.5 1.21.4\n").as_deref(),
            Some("1.24.5")
        );
        assert_eq!(version(&wget, ""), None);
    }
}
