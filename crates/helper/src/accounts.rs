//! Local accounts (Linux): whether the helper may reset one's password, and the reset.
//!
//! An account qualifies when it is in the local password file (an account a directory serves —
//! Active Directory or Entra ID through sssd or winbind, LDAP — is the directory's to reset), is
//! a person's (its uid at least `UID_MIN` of `/etc/login.defs`, never root's), and holds no
//! administrator's rights: no uid 0, no `sudo`, `wheel`, `admin` or `root` group, no line of its
//! own in the sudoers files. The reset writes the SHA-512 crypt string the grant carries with
//! `chpasswd -e` (the helper never sees the password) and expires it with `chage -d 0`, so the
//! person chooses a new one at the next sign-in. Both run by their absolute paths, with an
//! argument array and an empty environment.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use bellhop_proto::GrantedPassword;
use tokio::io::AsyncWriteExt;

/// Groups whose members may administer the computer.
const ADMIN_GROUPS: [&str; 4] = ["sudo", "wheel", "admin", "root"];
/// `UID_MIN` when `login.defs` does not say.
const DEFAULT_UID_MIN: u32 = 1000;

const CHPASSWD: &str = "/usr/sbin/chpasswd";
const CHAGE: &str = "/usr/bin/chage";

/// Where the account databases are (the system's, or a test's).
pub struct Files {
    pub passwd: PathBuf,
    pub group: PathBuf,
    pub login_defs: PathBuf,
    /// `/etc/sudoers` and the files of `/etc/sudoers.d`.
    pub sudoers: Vec<PathBuf>,
    /// Whether the system's name service knows the account (the directory's accounts too).
    pub known: fn(&str) -> bool,
}

impl Files {
    pub fn system() -> Self {
        let mut sudoers = vec![PathBuf::from("/etc/sudoers")];
        if let Ok(dir) = std::fs::read_dir("/etc/sudoers.d") {
            sudoers.extend(dir.filter_map(Result::ok).map(|e| e.path()));
        }
        Self {
            passwd: "/etc/passwd".into(),
            group: "/etc/group".into(),
            login_defs: "/etc/login.defs".into(),
            sudoers,
            known: |name| nix::unistd::User::from_name(name).ok().flatten().is_some(),
        }
    }
}

/// Why an account's password is not the helper's to reset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{0} is not a local account of this computer but a directory's (Active Directory, Entra ID or LDAP): the service desk resets its password there"
    )]
    Directory(String),
    #[error("this computer has no account {0}")]
    Unknown(String),
    #[error("{0} is an administrator's account ({1}): the service desk resets it")]
    Administrator(String, String),
    #[error("{0} is a system account, not a person's")]
    System(String),
    #[error("{0:?} is not an account name")]
    BadName(String),
    #[error("the account databases could not be read: {0}")]
    Unreadable(String),
}

/// The account's uid when its password may be reset here.
pub fn may_reset(files: &Files, user: &str) -> Result<u32, Refusal> {
    if user.is_empty()
        || user.starts_with('-')
        || user
            .chars()
            .any(|c| c == ':' || c == ',' || c.is_whitespace() || c.is_control())
    {
        return Err(Refusal::BadName(user.to_owned()));
    }
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .map_err(|e| Refusal::Unreadable(format!("{}: {e}", path.display())))
    };
    let passwd = read(&files.passwd)?;
    let Some(entry) = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 7 && f[0] == user)
    else {
        return Err(if (files.known)(user) {
            Refusal::Directory(user.to_owned())
        } else {
            Refusal::Unknown(user.to_owned())
        });
    };
    let admin = |why: String| Refusal::Administrator(user.to_owned(), why);
    let uid: u32 = entry[2]
        .parse()
        .map_err(|_| Refusal::Unreadable(format!("{user}'s uid {:?}", entry[2])))?;
    let gid = entry[3];
    if uid == 0 {
        return Err(admin("uid 0".into()));
    }
    if uid < uid_min(&read(&files.login_defs).unwrap_or_default()) {
        return Err(Refusal::System(user.to_owned()));
    }
    // An administrators' group, as its member or as the account's own group.
    for group in read(&files.group)?.lines() {
        let f: Vec<&str> = group.split(':').collect();
        if f.len() < 4 || !ADMIN_GROUPS.contains(&f[0]) {
            continue;
        }
        if f[2] == gid || f[3].split(',').any(|m| m == user) {
            return Err(admin(format!("member of {}", f[0])));
        }
    }
    for path in &files.sudoers {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let named = text.lines().any(|l| {
            let l = l.trim_start();
            !l.starts_with('#') && l.split_whitespace().next() == Some(user)
        });
        if named {
            return Err(admin(format!("named in {}", path.display())));
        }
    }
    Ok(uid)
}

/// `UID_MIN` from `login.defs`'s text.
fn uid_min(login_defs: &str) -> u32 {
    login_defs
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("UID_MIN")).then(|| words.next()?.parse().ok())?
        })
        .unwrap_or(DEFAULT_UID_MIN)
}

/// Sets `password` on `user` and expires it, so that it is changed at the next sign-in. The
/// account was checked with [`may_reset`].
pub async fn reset(user: &str, password: &GrantedPassword) -> Result<String, String> {
    if !password.is_well_formed() {
        return Err("the grant's password is not a SHA-512 crypt string".to_owned());
    }
    let mut chpasswd = tokio::process::Command::new(CHPASSWD)
        .arg("--encrypted")
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{CHPASSWD} did not start: {e}"))?;
    if let Some(mut stdin) = chpasswd.stdin.take() {
        stdin
            .write_all(format!("{user}:{}\n", password.sha512_crypt).as_bytes())
            .await
            .map_err(|e| format!("{CHPASSWD}: {e}"))?;
    }
    let out = chpasswd
        .wait_with_output()
        .await
        .map_err(|e| format!("{CHPASSWD}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{CHPASSWD} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let out = tokio::process::Command::new(CHAGE)
        .args(["--lastday", "0", "--", user])
        .env_clear()
        .output()
        .await
        .map_err(|e| format!("{CHAGE} did not start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the password of {user} was set, but {CHAGE} could not expire it ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(format!(
        "the password of {user} was reset; it must be changed at the next sign-in"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, sudoers: &str) -> Files {
        std::fs::write(
            dir.join("passwd"),
            "root:x:0:0:root:/root:/bin/bash\n\
             daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
             toor:x:0:0::/root:/bin/sh\n\
             bob:x:1000:1000:Bob Brown:/home/bob:/bin/bash\n\
             ann:x:1001:1001::/home/ann:/bin/bash\n\
             wendy:x:1002:27::/home/wendy:/bin/bash\n\
             sam:x:1003:1003::/home/sam:/bin/bash\n\
             svc:x:400:400::/var/svc:/usr/sbin/nologin\n",
        )
        .ok();
        std::fs::write(
            dir.join("group"),
            "root:x:0:\nsudo:x:27:ann\nwheel:x:10:\nusers:x:100:bob,ann\nbob:x:1000:\nann:x:1001:\n",
        )
        .ok();
        std::fs::write(dir.join("login.defs"), "# UID_MIN 10\nUID_MIN\t\t 500\n").ok();
        std::fs::write(dir.join("sudoers"), sudoers).ok();
        Files {
            passwd: dir.join("passwd"),
            group: dir.join("group"),
            login_defs: dir.join("login.defs"),
            sudoers: vec![dir.join("sudoers")],
            known: |name| name == "carol",
        }
    }

    #[test]
    fn only_a_local_persons_account_without_rights_qualifies() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let files = files(
            dir.path(),
            "root ALL=(ALL) ALL\n# sam ALL=(ALL) ALL\n%sudo ALL=(ALL) ALL\n",
        );
        assert_eq!(may_reset(&files, "bob"), Ok(1000));
        assert_eq!(may_reset(&files, "sam"), Ok(1003));
        let why = |user: &str| {
            may_reset(&files, user)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(why("root").contains("administrator's account (uid 0)"));
        assert!(why("toor").contains("uid 0"));
        assert!(why("ann").contains("member of sudo"));
        assert!(
            why("wendy").contains("member of sudo"),
            "its own group is sudo"
        );
        assert!(why("daemon").contains("system account"));
        assert!(why("svc").contains("system account"), "UID_MIN is 500 here");
        assert!(why("carol").contains("directory's"));
        assert!(why("mallory").contains("no account mallory"));
        for bad in ["", "-e", "bob:x", "bob\nroot", "bob root"] {
            assert!(
                matches!(may_reset(&files, bad), Err(Refusal::BadName(_))),
                "{bad:?}"
            );
        }
        let named = self::files(dir.path(), "sam ALL=(ALL:ALL) ALL\n");
        assert!(may_reset(&named, "sam").is_err_and(|e| e.to_string().contains("named in")),);
    }

    #[test]
    fn uid_min_is_read_from_login_defs() {
        assert_eq!(uid_min("UID_MIN 2000\n"), 2000);
        assert_eq!(uid_min("#UID_MIN 5\nUID_MAX 60000\n"), DEFAULT_UID_MIN);
        assert_eq!(uid_min(""), DEFAULT_UID_MIN);
    }

    #[tokio::test]
    async fn a_malformed_password_is_not_written() {
        let bad = GrantedPassword {
            sha512_crypt: "$6$salt$x\nroot::0:0::/:/bin/sh".into(),
            sealed: None,
        };
        assert!(
            reset("bob", &bad)
                .await
                .is_err_and(|e| e.contains("not a SHA-512"))
        );
    }
}
