//! The desk's private sources, set up before an install: the apt repository with the key its
//! releases are signed with, the Chocolatey source, the Homebrew tap. They come from the
//! approved list the server signed, never from the agent, and each is used by the package
//! manager of its own system alone.
//!
//! apt: the repository is written as `/etc/apt/sources.list.d/bellhop.sources` (deb822), which
//! names its key file (`Signed-By`), so that key vouches for this repository and no other. When
//! the file changed, or the package is unknown to the lists, that repository alone is read
//! again, and any failure to read or verify it stops the install with apt's words. Lists that
//! still do not know the package (a fresh machine's) are then all read again. A list without a
//! repository takes the desk's files away, and every list is read again so that the
//! repository's packages are no longer offered.

use std::path::Path;

use bellhop_proto::{AptRepository, Package, SoftwareSources};
use tokio::sync::mpsc;

use crate::managers::{self, Invocation, Op};

/// The desk's apt repository, as apt reads it.
pub const APT_SOURCES: &str = "/etc/apt/sources.list.d/bellhop.sources";
/// The key the desk's apt repository is signed with.
pub const APT_KEY: &str = "/etc/apt/keyrings/bellhop.asc";

/// Sets up what installing `package` needs of `sources` (nothing, for a removal), sending each
/// program's lines to `progress`. An error says why the install cannot go on.
pub async fn prepare(
    op: Op,
    package: &Package,
    sources: &SoftwareSources,
    progress: &mpsc::UnboundedSender<String>,
) -> Result<(), String> {
    if op == Op::Remove {
        return Ok(());
    }
    match package {
        Package::Apt(id) => apt(id, sources.apt.as_ref(), progress).await,
        Package::Chocolatey(_) => match &sources.chocolatey {
            Some(source) => {
                let step = managers::chocolatey_source(source)
                    .ok_or("Chocolatey is not installed here")?;
                run_step(
                    &step,
                    "the desk's Chocolatey source could not be added",
                    progress,
                )
                .await
            }
            None => Ok(()),
        },
        Package::BrewFormula(_) | Package::BrewCask(_) => match &sources.homebrew_tap {
            Some(tap) => {
                let step = managers::homebrew_tap(tap).ok_or("Homebrew is not installed here")?;
                run_step(
                    &step,
                    "the desk's Homebrew tap could not be tapped",
                    progress,
                )
                .await
            }
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Runs `step`; when it fails, `failed` and its status and last lines.
async fn run_step(
    step: &Invocation,
    failed: &str,
    progress: &mpsc::UnboundedSender<String>,
) -> Result<(), String> {
    let ran = managers::run(step, progress.clone()).await;
    if ran.success {
        return Ok(());
    }
    Err(format!(
        "{failed} ({}):\n{}",
        ran.status,
        ran.last_lines.join("\n")
    ))
}

async fn apt(
    id: &str,
    repo: Option<&AptRepository>,
    progress: &mpsc::UnboundedSender<String>,
) -> Result<(), String> {
    let (changed, removed) = match repo {
        Some(repo) => {
            let stanza = apt_stanza(repo, APT_KEY)
                .ok_or("the desk's apt repository is not one apt could be given")?;
            let key = format!("{}\n", repo.key.trim());
            let wrote = |path: &str, text: &str| {
                write_if_changed(Path::new(path), text)
                    .map_err(|e| format!("could not write {path}: {e:#}"))
            };
            // The key first: a repository is never named before the key that vouches for it.
            let key_changed = wrote(APT_KEY, &key)?;
            (wrote(APT_SOURCES, &stanza)? || key_changed, false)
        }
        None => {
            let mut removed = false;
            for path in [APT_SOURCES, APT_KEY] {
                match std::fs::remove_file(path) {
                    Ok(()) => {
                        tracing::info!(path, "removed: the desk has no apt repository now");
                        removed = true;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(format!("could not remove {path}: {e}")),
                }
            }
            (false, removed)
        }
    };
    // Every list read again: the one apt keeps of a repository the desk dropped goes, so its
    // packages are no longer offered.
    let read_all = async || {
        let _ = managers::run(&managers::apt_update(None), progress.clone()).await;
    };
    if removed {
        read_all().await;
    }
    let mut known = managers::apt_candidate(id).await.is_some();
    if let Some(repo) = repo
        && (changed || !known)
    {
        run_step(
            &managers::apt_update(Some(APT_SOURCES)),
            &format!("the desk's apt repository {} could not be read", repo.url),
            progress,
        )
        .await?;
        known = managers::apt_candidate(id).await.is_some();
    }
    if !known && !removed {
        // Lists that never knew it (a fresh machine's) or are old. What fails here, the
        // install says.
        read_all().await;
    }
    Ok(())
}

/// The deb822 stanza of `repo`, signed by the key in `key_path`; `None` when a value could
/// break out of its field (the server checks them when the desk saves them; this checks
/// again).
pub fn apt_stanza(repo: &AptRepository, key_path: &str) -> Option<String> {
    let plain = |v: &str| !v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    let armoured = repo
        .key
        .trim()
        .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    let fine = plain(&repo.url)
        && plain(&repo.suite)
        && !repo.components.is_empty()
        && repo.components.iter().all(|c| plain(c))
        && armoured;
    fine.then(|| {
        format!(
            "# The service desk's own repository, written by bellhop-helper from the desk's approved list.\n\
             Types: deb\n\
             URIs: {}\n\
             Suites: {}\n\
             Components: {}\n\
             Signed-By: {key_path}\n",
            repo.url,
            repo.suite,
            repo.components.join(" ")
        )
    })
}

/// Writes `text` to `path` (mode 0644, its directory made if need be) unless it holds it
/// already; whether it wrote.
fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|held| held == text) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::trust::write_durably(path, text.as_bytes(), 0o644)?;
    Ok(true)
}

/// The desk's source an install of `package` uses, for the log.
pub fn named(package: &Package, sources: &SoftwareSources) -> Option<String> {
    match package {
        Package::Apt(_) => sources.apt.as_ref().map(|a| a.url.clone()),
        Package::Chocolatey(_) => sources.chocolatey.as_ref().map(|c| c.url.clone()),
        Package::BrewFormula(_) | Package::BrewCask(_) => {
            sources.homebrew_tap.as_ref().map(|t| t.name.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> AptRepository {
        AptRepository {
            url: "https://apt.example.com/debian".into(),
            suite: "stable".into(),
            components: vec!["main".into(), "extra".into()],
            key:
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----"
                    .into(),
        }
    }

    #[test]
    fn the_desks_repository_names_its_own_key() {
        let stanza = apt_stanza(&repo(), APT_KEY).unwrap_or_default();
        let fields: Vec<&str> = stanza.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            fields,
            [
                "Types: deb",
                "URIs: https://apt.example.com/debian",
                "Suites: stable",
                "Components: main extra",
                "Signed-By: /etc/apt/keyrings/bellhop.asc",
            ]
        );
    }

    #[test]
    fn a_value_that_could_add_a_field_is_refused() {
        let mut broken = repo();
        broken.url = "https://apt.example.com/debian\nSigned-By: /tmp/mine.asc".into();
        assert_eq!(apt_stanza(&broken, APT_KEY), None);
        let mut broken = repo();
        broken.components = vec!["main contrib".into()];
        assert_eq!(apt_stanza(&broken, APT_KEY), None);
        let mut broken = repo();
        broken.components.clear();
        assert_eq!(apt_stanza(&broken, APT_KEY), None);
        let mut broken = repo();
        broken.key = "not a key".into();
        assert_eq!(apt_stanza(&broken, APT_KEY), None);
    }

    #[test]
    fn a_file_is_written_once_and_again_only_when_it_changes() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("keyrings/bellhop.asc");
        assert!(write_if_changed(&path, "one\n")?);
        assert!(!write_if_changed(&path, "one\n")?);
        assert!(write_if_changed(&path, "two\n")?);
        assert_eq!(std::fs::read_to_string(&path)?, "two\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode();
            assert_eq!(mode & 0o777, 0o644, "apt reads it as any user");
        }
        Ok(())
    }
}
