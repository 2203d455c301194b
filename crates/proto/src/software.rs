//! The desk's approved software: applications a person may install on their own computer, each
//! with the package that installs it on each system, and the private sources those packages may
//! come from. The privileged helper installs only what a grant names, and a grant names only an
//! entry of this list.
//!
//! A package's identifier is checked here against what its package manager allows, and never
//! more: letters, digits and the few marks each manager's names use, never starting with `-`. So
//! an identifier can never be read as an option or carry a shell's metacharacters, wherever it is
//! passed on.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CatalogIcon, FieldError, Localized, OrgId, valid_key};

/// Most entries in the approved list.
pub const MAX_SOFTWARE_ITEMS: usize = 200;
/// Longest package identifier, in characters.
pub const MAX_PACKAGE_ID_CHARS: usize = 200;
/// Longest name of an entry, in characters.
pub const MAX_SOFTWARE_NAME_CHARS: usize = 100;
/// Longest description of an entry, in characters.
pub const MAX_SOFTWARE_DESCRIPTION_CHARS: usize = 2000;
/// Most organisations one entry may be limited to.
pub const MAX_SOFTWARE_ORGS: usize = 100;
/// Largest armoured signing key of an apt repository, in bytes.
pub const MAX_APT_KEY_BYTES: usize = 64 * 1024;

/// The systems Bellhop's agent runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OsFamily {
    Windows,
    Macos,
    Linux,
}

impl OsFamily {
    /// The family of Rust's `std::env::consts::OS` ("windows", "macos", "linux").
    pub fn from_consts(os: &str) -> Option<Self> {
        match os {
            "windows" => Some(Self::Windows),
            "macos" => Some(Self::Macos),
            "linux" => Some(Self::Linux),
            _ => None,
        }
    }
}

/// One package that installs an entry: its package manager and its identifier there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "manager", content = "id", rename_all = "snake_case")]
pub enum Package {
    /// Windows Package Manager: an id such as `Mozilla.Firefox`.
    Winget(String),
    /// Chocolatey: a package id such as `firefox`.
    Chocolatey(String),
    /// Homebrew formula, possibly from a tap: `wget`, `acme/tools/vpn-client`.
    BrewFormula(String),
    /// Homebrew cask: `firefox`, `acme/tools/vpn`.
    BrewCask(String),
    /// A Debian or Ubuntu package: `hello`, `libreoffice-writer`.
    Apt(String),
    /// A Fedora or RHEL package: `hello`, `gcc-c++`.
    Dnf(String),
    /// A Flatpak application id: `org.mozilla.firefox`.
    Flatpak(String),
}

impl Package {
    /// The system it installs on.
    pub fn os(&self) -> OsFamily {
        match self {
            Self::Winget(_) | Self::Chocolatey(_) => OsFamily::Windows,
            Self::BrewFormula(_) | Self::BrewCask(_) => OsFamily::Macos,
            Self::Apt(_) | Self::Dnf(_) | Self::Flatpak(_) => OsFamily::Linux,
        }
    }

    /// The package manager's name, as the API writes it.
    pub fn manager(&self) -> &'static str {
        match self {
            Self::Winget(_) => "winget",
            Self::Chocolatey(_) => "chocolatey",
            Self::BrewFormula(_) => "brew_formula",
            Self::BrewCask(_) => "brew_cask",
            Self::Apt(_) => "apt",
            Self::Dnf(_) => "dnf",
            Self::Flatpak(_) => "flatpak",
        }
    }

    /// The identifier as the package manager is given it.
    pub fn id(&self) -> &str {
        match self {
            Self::Winget(id)
            | Self::Chocolatey(id)
            | Self::BrewFormula(id)
            | Self::BrewCask(id)
            | Self::Apt(id)
            | Self::Dnf(id)
            | Self::Flatpak(id) => id,
        }
    }

    /// Whether the identifier is one this package manager could name (see the module's words):
    /// the refusal names the manager and what its identifiers are.
    pub fn check(&self) -> Result<(), FieldError> {
        let id = self.id();
        let alnum = |c: char| c.is_ascii_alphanumeric();
        let starts_well = id.chars().next().is_some_and(alnum);
        let (fits, rule) = match self {
            Self::Apt(_) => (
                id.len() >= 2
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c)),
                "lowercase letters, digits, +, - and ., at least two",
            ),
            Self::Dnf(_) | Self::Chocolatey(_) => (
                id.chars().all(|c| alnum(c) || "._+-".contains(c)),
                "letters, digits, ., _, + and -",
            ),
            Self::Winget(_) => (
                id.contains('.') && id.chars().all(|c| alnum(c) || "._+-".contains(c)),
                "Publisher.Package: letters, digits, ., _, + and -",
            ),
            Self::BrewFormula(_) | Self::BrewCask(_) => {
                let parts: Vec<&str> = id.split('/').collect();
                let name = parts.last().copied().unwrap_or_default();
                let tap_ok = parts.len() == 1
                    || (parts.len() == 3
                        && parts[..2].iter().all(|p| {
                            p.chars().next().is_some_and(alnum)
                                && p.chars().all(|c| alnum(c) || "_-".contains(c))
                        }));
                (
                    tap_ok
                        && name.chars().next().is_some_and(alnum)
                        && name.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || "@._+-".contains(c)
                        }),
                    "a name of lowercase letters, digits, @, ., _, + and -, or user/tap/name",
                )
            }
            Self::Flatpak(_) => {
                let parts: Vec<&str> = id.split('.').collect();
                (
                    parts.len() >= 3
                        && parts.iter().all(|p| {
                            p.chars()
                                .next()
                                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                                && p.chars().all(|c| alnum(c) || "_-".contains(c))
                        }),
                    "an application id such as org.example.App",
                )
            }
        };
        if id.is_empty() || id.chars().count() > MAX_PACKAGE_ID_CHARS || !starts_well || !fits {
            return Err(FieldError(format!(
                "{}: {id:?} is not a package id ({rule}; starting with a letter or digit, at most {MAX_PACKAGE_ID_CHARS})",
                self.manager()
            )));
        }
        Ok(())
    }
}

/// One application the desk approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SoftwareItem {
    /// Stable: what grants and installs name (lowercase letters, digits, `-`, `_`).
    pub key: String,
    pub name: Localized,
    #[serde(default)]
    pub description: Localized,
    #[serde(default)]
    pub icon: CatalogIcon,
    /// The packages that install it: Windows (winget and/or Chocolatey), macOS (a Homebrew
    /// formula or cask), Linux (apt, dnf, Flatpak); at most one per package manager.
    pub packages: Vec<Package>,
    /// Empty: everyone; otherwise only people of these organisations.
    #[serde(default)]
    #[ts(as = "Option<Vec<OrgId>>", optional)]
    pub orgs: Vec<OrgId>,
}

impl SoftwareItem {
    /// Whether a person of `org` may install it.
    pub fn offered_to(&self, org: Option<OrgId>) -> bool {
        self.orgs.is_empty() || org.is_some_and(|o| self.orgs.contains(&o))
    }

    /// The packages that install it on `os`, in the desk's order.
    pub fn packages_for(&self, os: OsFamily) -> impl Iterator<Item = &Package> {
        self.packages.iter().filter(move |p| p.os() == os)
    }
}

/// A Chocolatey source the Windows packages may come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChocolateySource {
    /// The source's name (letters, digits, `-`, `_`).
    pub name: String,
    /// An https URL.
    pub url: String,
}

/// A Homebrew tap the macOS packages may come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HomebrewTap {
    /// `user/repo`.
    pub name: String,
    /// The tap's git URL (https) when it is not on GitHub under `name`.
    #[serde(default)]
    pub url: Option<String>,
}

/// An apt repository the Debian and Ubuntu packages may come from, with the key its releases
/// are signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AptRepository {
    /// An http or https URL (releases are checked against `key` either way).
    pub url: String,
    /// The suite, e.g. `stable` or `bookworm`.
    pub suite: String,
    /// The components, e.g. `["main"]`.
    pub components: Vec<String>,
    /// The ASCII-armoured public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`).
    pub key: String,
}

/// Private sources the approved packages may come from, besides each manager's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SoftwareSources {
    #[serde(default)]
    pub chocolatey: Option<ChocolateySource>,
    #[serde(default)]
    pub homebrew_tap: Option<HomebrewTap>,
    #[serde(default)]
    pub apt: Option<AptRepository>,
}

impl SoftwareSources {
    /// The sources `os`'s package managers use: the apt repository on Linux, the Chocolatey
    /// source on Windows, the Homebrew tap on macOS.
    pub fn for_os(&self, os: OsFamily) -> Self {
        match os {
            OsFamily::Linux => Self {
                apt: self.apt.clone(),
                ..Self::default()
            },
            OsFamily::Windows => Self {
                chocolatey: self.chocolatey.clone(),
                ..Self::default()
            },
            OsFamily::Macos => Self {
                homebrew_tap: self.homebrew_tap.clone(),
                ..Self::default()
            },
        }
    }
}

/// `GET`/`PUT /api/v1/software`: the approved list and its sources (admins set it; each person
/// reads the entries offered to them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SoftwareCatalog {
    pub items: Vec<SoftwareItem>,
    #[serde(default)]
    pub sources: SoftwareSources,
}

/// A name of letters, digits, `-` and `_` (a Chocolatey source's, an apt suite's or
/// component's): never an option, never a path.
fn plain_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
}

/// An `http(s)` URL (only `https` unless `http_too`) of at most 500 characters, with no spaces
/// or quotes.
fn plain_url(url: &str, http_too: bool) -> bool {
    let scheme_ok = url.starts_with("https://") || (http_too && url.starts_with("http://"));
    scheme_ok
        && url.len() <= 500
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty())
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !"\"'`\\<>{}|^".contains(c))
}

impl SoftwareCatalog {
    pub fn item(&self, key: &str) -> Option<&SoftwareItem> {
        self.items.iter().find(|i| i.key == key)
    }

    /// The packages of the entries a person of `org` may install on `os`, sorted by manager and
    /// id, each once: what an approved list signs.
    pub fn approved_packages(&self, org: Option<OrgId>, os: OsFamily) -> Vec<Package> {
        let mut packages: Vec<Package> = self
            .items
            .iter()
            .filter(|i| i.offered_to(org))
            .flat_map(|i| i.packages_for(os).cloned())
            .collect();
        packages.sort_by(|a, b| (a.manager(), a.id()).cmp(&(b.manager(), b.id())));
        packages.dedup();
        packages
    }

    /// The entries a person of `org` may install (the sources are the desk's to know).
    pub fn offered_to(&self, org: Option<OrgId>) -> Self {
        Self {
            items: self
                .items
                .iter()
                .filter(|i| i.offered_to(org))
                .cloned()
                .collect(),
            sources: SoftwareSources::default(),
        }
    }

    /// Checks the list as the desk saves it, trimming in place: unique valid keys, names and
    /// descriptions that fit, each entry with at least one package and at most one per
    /// manager, every package id one its manager could name, and sources that are what they say.
    pub fn check(&mut self) -> Result<(), FieldError> {
        if self.items.len() > MAX_SOFTWARE_ITEMS {
            return Err(FieldError(format!("items: at most {MAX_SOFTWARE_ITEMS}")));
        }
        let mut keys = std::collections::HashSet::new();
        for item in &mut self.items {
            if !valid_key(&item.key) {
                return Err(FieldError(format!(
                    "item {:?}: a key is 1 to 40 lowercase letters, digits, - or _",
                    item.key
                )));
            }
            if !keys.insert(item.key.clone()) {
                return Err(FieldError(format!(
                    "item {}: the key is used twice",
                    item.key
                )));
            }
            let what = format!("item {}", item.key);
            item.name
                .check(&format!("{what}: name"), MAX_SOFTWARE_NAME_CHARS, true)?;
            item.description.check(
                &format!("{what}: description"),
                MAX_SOFTWARE_DESCRIPTION_CHARS,
                false,
            )?;
            if item.packages.is_empty() {
                return Err(FieldError(format!(
                    "{what}: name at least one package that installs it"
                )));
            }
            let mut managers = std::collections::HashSet::new();
            for package in &item.packages {
                package
                    .check()
                    .map_err(|e| FieldError(format!("{what}: {}", e.0)))?;
                if !managers.insert(package.manager()) {
                    return Err(FieldError(format!(
                        "{what}: one {} package at most",
                        package.manager()
                    )));
                }
            }
            if item.orgs.len() > MAX_SOFTWARE_ORGS {
                return Err(FieldError(format!(
                    "{what}: at most {MAX_SOFTWARE_ORGS} organisations"
                )));
            }
        }
        let sources = &mut self.sources;
        if let Some(choco) = &mut sources.chocolatey {
            choco.name = choco.name.trim().to_owned();
            choco.url = choco.url.trim().to_owned();
            if !plain_name(&choco.name) || !plain_url(&choco.url, false) {
                return Err(FieldError(
                    "sources.chocolatey: a name of letters, digits, - and _, and an https URL"
                        .into(),
                ));
            }
        }
        if let Some(tap) = &mut sources.homebrew_tap {
            tap.name = tap.name.trim().to_owned();
            let parts: Vec<&str> = tap.name.split('/').collect();
            let url_ok = tap
                .url
                .as_deref()
                .is_none_or(|u| plain_url(u.trim(), false));
            if parts.len() != 2 || !parts.iter().all(|p| plain_name(p)) || !url_ok {
                return Err(FieldError(
                    "sources.homebrew_tap: a name user/repo, and an https URL if given".into(),
                ));
            }
            tap.url = tap.url.as_deref().map(|u| u.trim().to_owned());
        }
        if let Some(apt) = &mut sources.apt {
            apt.url = apt.url.trim().to_owned();
            apt.suite = apt.suite.trim().to_owned();
            apt.key = apt.key.trim().to_owned();
            let armoured = apt.key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
                && apt.key.ends_with("-----END PGP PUBLIC KEY BLOCK-----")
                && apt.key.len() <= MAX_APT_KEY_BYTES;
            if !plain_url(&apt.url, true)
                || !plain_name(&apt.suite)
                || apt.components.is_empty()
                || apt.components.len() > 10
                || !apt.components.iter().all(|c| plain_name(c))
                || !armoured
            {
                return Err(FieldError(
                    "sources.apt: an http(s) URL, a suite, one to ten components (letters, digits, - and _) and the ASCII-armoured public key"
                        .into(),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_id_is_what_its_manager_names_and_never_a_shells_words() {
        for good in [
            Package::Apt("hello".into()),
            Package::Apt("libreoffice-writer".into()),
            Package::Apt("g++".into()),
            Package::Dnf("gcc-c++".into()),
            Package::Winget("Mozilla.Firefox".into()),
            Package::Chocolatey("7zip.install".into()),
            Package::BrewFormula("wget".into()),
            Package::BrewFormula("acme/tools/vpn-client".into()),
            Package::BrewCask("visual-studio-code".into()),
            Package::Flatpak("org.mozilla.firefox".into()),
        ] {
            assert!(good.check().is_ok(), "{good:?}");
        }
        for bad in [
            Package::Apt("hello; rm -rf /".into()),
            Package::Apt("hello$(id)".into()),
            Package::Apt("-o=APT::Get::Foo".into()),
            Package::Apt("Hello".into()),
            Package::Apt("h".into()),
            Package::Apt("hello world".into()),
            Package::Dnf("hello`id`".into()),
            Package::Dnf("".into()),
            Package::Winget("Firefox".into()),
            Package::Winget("Mozilla.Firefox|calc".into()),
            Package::Chocolatey("--source=evil".into()),
            Package::BrewFormula("../../etc/passwd".into()),
            Package::BrewFormula("a/b".into()),
            Package::BrewCask("vlc&".into()),
            Package::Flatpak("firefox".into()),
            Package::Flatpak("org.mozilla.firefox;x".into()),
            Package::Apt("a".repeat(MAX_PACKAGE_ID_CHARS + 1)),
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }

    fn item(key: &str, packages: Vec<Package>) -> SoftwareItem {
        SoftwareItem {
            key: key.into(),
            name: Localized::new("Hello"),
            description: Localized::default(),
            icon: CatalogIcon::default(),
            packages,
            orgs: Vec::new(),
        }
    }

    #[test]
    fn the_list_is_checked_as_a_whole() {
        let mut fine = SoftwareCatalog {
            items: vec![item(
                "hello",
                vec![Package::Apt("hello".into()), Package::Winget("GNU.Hello".into())],
            )],
            sources: SoftwareSources {
                apt: Some(AptRepository {
                    url: "https://apt.example.com/debian".into(),
                    suite: "stable".into(),
                    components: vec!["main".into()],
                    key: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----".into(),
                }),
                ..SoftwareSources::default()
            },
        };
        assert!(fine.check().is_ok());
        let hello = fine
            .item("hello")
            .map(|i| i.packages_for(OsFamily::Linux).count());
        assert_eq!(hello, Some(1));

        let twice = SoftwareCatalog {
            items: vec![
                item("a", vec![Package::Apt("x1".into())]),
                item("a", vec![Package::Apt("x2".into())]),
            ],
            sources: SoftwareSources::default(),
        };
        let none = SoftwareCatalog {
            items: vec![item("a", Vec::new())],
            sources: SoftwareSources::default(),
        };
        let two_apt = SoftwareCatalog {
            items: vec![item(
                "a",
                vec![Package::Apt("x1".into()), Package::Apt("x2".into())],
            )],
            sources: SoftwareSources::default(),
        };
        let mut no_key = fine.clone();
        if let Some(apt) = &mut no_key.sources.apt {
            apt.key = "ssh-ed25519 AAAA".into();
        }
        let mut odd_suite = fine.clone();
        if let Some(apt) = &mut odd_suite.sources.apt {
            apt.suite = "stable main; rm".into();
        }
        let shell_url = SoftwareCatalog {
            sources: SoftwareSources {
                chocolatey: Some(ChocolateySource {
                    name: "acme".into(),
                    url: "https://choco.example.com/`id`".into(),
                }),
                ..SoftwareSources::default()
            },
            ..SoftwareCatalog::default()
        };
        for mut bad in [twice, none, two_apt, no_key, odd_suite, shell_url] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
}
