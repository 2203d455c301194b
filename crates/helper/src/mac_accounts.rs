//! macOS accounts: whether the helper may reset an account's password, and the reset.
//!
//! The rules are plain functions of what the local directory node says of the account
//! (`dscl -plist /Local/Default -read /Users/<name>`), whether it is in the `admin` group, and
//! whether it holds a Secure Token, so they are tested on every system. An account qualifies when
//! it is a local person's (in the local node, uid 501 or above, not a mobile account that Active
//! Directory or another directory made, which `OriginalNodeName` or a `LocalCachedUser`
//! authority marks), is not an administrator, and holds no Secure Token: macOS lets only an
//! administrator who knows a password change a Secure Token account's password so that
//! FileVault follows, and the desk does that.
//!
//! macOS sets a password from the password itself, so the grant carries it sealed to this
//! helper's key, as on Windows ([`crate::sealed::the_password`]). `sys::set_password` gives it
//! to `dscl` on its standard input (never on a command line, which every user may read), then
//! `pwpolicy` sets `newPasswordRequired`, so macOS asks for a new password at the next sign-in.

/// What the local directory node says of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MacAccount {
    /// The short name, as grants name it.
    pub name: String,
    pub uid: Option<u32>,
    /// `AuthenticationAuthority`'s values (`;ShadowHash;…`, `;LocalCachedUser;…`).
    pub authority: Vec<String>,
    /// `OriginalNodeName`: the directory a mobile account came from.
    pub original_node: Option<String>,
    /// A member of the `admin` group.
    pub admin: bool,
    /// Holds a Secure Token (FileVault).
    pub secure_token: bool,
}

/// The lowest uid macOS gives a person's account.
const FIRST_PERSON_UID: u32 = 501;

/// Why an account's password is not the helper's to reset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{0} is a mobile account of a directory ({1}), such as Active Directory: the service desk resets its password there"
    )]
    Directory(String, String),
    #[error("{0} is an administrator's account: the service desk resets it")]
    Administrator(String),
    #[error(
        "{0} holds a Secure Token for FileVault: macOS lets only an administrator change its password so that FileVault follows, and the service desk does that"
    )]
    SecureToken(String),
    #[error("{0} is a system account, not a person's")]
    System(String),
    #[error("{0:?} is not an account name")]
    BadName(String),
    #[error("{0} is not an account of this Mac's own directory")]
    Unknown(String),
}

/// A macOS short name: letters, digits, `_`, `-` and `.`, not starting with `-`.
pub fn plain_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with(['-', '.'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

/// Whether the helper may reset the password of `account` (the caller's own).
pub fn may_reset(account: &MacAccount) -> Result<(), Refusal> {
    let name = &account.name;
    if !plain_name(name) {
        return Err(Refusal::BadName(name.clone()));
    }
    if let Some(node) = &account.original_node {
        return Err(Refusal::Directory(name.clone(), node.clone()));
    }
    if account
        .authority
        .iter()
        .any(|a| a.contains(";LocalCachedUser;"))
    {
        return Err(Refusal::Directory(name.clone(), "a cached login".into()));
    }
    match account.uid {
        None => return Err(Refusal::Unknown(name.clone())),
        Some(uid) if uid < FIRST_PERSON_UID => return Err(Refusal::System(name.clone())),
        Some(_) => {}
    }
    if account.admin {
        return Err(Refusal::Administrator(name.clone()));
    }
    if account.secure_token {
        return Err(Refusal::SecureToken(name.clone()));
    }
    Ok(())
}

/// The account `name` as `dscl -plist … -read /Users/<name>` describes it (its `admin` and
/// Secure Token facts are asked separately).
pub fn from_dscl(name: &str, plist: &[u8]) -> Result<MacAccount, String> {
    let record: plist::Dictionary = plist::from_bytes(plist)
        .map_err(|e| format!("the directory's answer for {name} is not a property list: {e}"))?;
    let values = |key: &str| -> Vec<String> {
        record
            .get(&format!("dsAttrTypeStandard:{key}"))
            .and_then(plist::Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter_map(plist::Value::as_string)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(MacAccount {
        name: name.to_owned(),
        uid: values("UniqueID").first().and_then(|u| u.parse().ok()),
        authority: values("AuthenticationAuthority"),
        original_node: values("OriginalNodeName").into_iter().next(),
        admin: false,
        secure_token: false,
    })
}

/// Whether `sysadminctl -secureTokenStatus`'s words say the token is enabled.
pub fn secure_token_enabled(said: &str) -> bool {
    said.contains("ENABLED")
}

/// What `dscl` is told on its standard input to set `name`'s password: one command, then quit.
pub fn dscl_commands(name: &str, password: &str) -> Option<String> {
    let plain = |v: &str| !v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    (plain_name(name) && plain(password) && !password.contains(['"', '\\', '\'']))
        .then(|| format!("passwd /Users/{name} {password}\nquit\n"))
}

#[cfg(target_os = "macos")]
pub mod sys {
    //! The macOS tools, each by its absolute path with an argument array.

    use std::process::Stdio;

    use tokio::io::AsyncWriteExt;

    use super::{MacAccount, dscl_commands, from_dscl, secure_token_enabled};

    const DSCL: &str = "/usr/bin/dscl";
    const DSEDITGROUP: &str = "/usr/sbin/dseditgroup";
    const SYSADMINCTL: &str = "/usr/sbin/sysadminctl";
    const PWPOLICY: &str = "/usr/bin/pwpolicy";
    /// The local directory node: the Mac's own accounts, not a directory it is bound to.
    const LOCAL_NODE: &str = "/Local/Default";

    /// What the local node, the `admin` group and `sysadminctl` say of `name`.
    pub async fn read(name: &str) -> Result<MacAccount, String> {
        let out = tokio::process::Command::new(DSCL)
            .args(["-plist", LOCAL_NODE, "-read", &format!("/Users/{name}")])
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| format!("{DSCL} could not start: {e}"))?;
        if !out.status.success() {
            return Err(super::Refusal::Unknown(name.to_owned()).to_string());
        }
        let mut account = from_dscl(name, &out.stdout)?;
        // dseditgroup answers 0 for a member, whether directly or by a nested group.
        let member = tokio::process::Command::new(DSEDITGROUP)
            .args(["-o", "checkmember", "-m", name, "admin"])
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| format!("{DSEDITGROUP} could not start: {e}"))?;
        account.admin = member.status.success();
        let token = tokio::process::Command::new(SYSADMINCTL)
            .args(["-secureTokenStatus", name])
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| format!("{SYSADMINCTL} could not start: {e}"))?;
        // It writes its answer to standard error.
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&token.stdout),
            String::from_utf8_lossy(&token.stderr)
        );
        account.secure_token = secure_token_enabled(&said);
        Ok(account)
    }

    /// Sets `password` on `name` in the local node and has macOS ask for a new one at the next
    /// sign-in; what it did, or why not.
    pub async fn set_password(name: &str, password: &str) -> Result<String, String> {
        let commands = dscl_commands(name, password)
            .ok_or_else(|| "the account name or the password cannot be given to dscl".to_owned())?;
        let mut child = tokio::process::Command::new(DSCL)
            .args(["-q", LOCAL_NODE])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{DSCL} could not start: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(commands.as_bytes())
                .await
                .map_err(|e| format!("{DSCL} did not take the command: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| format!("{DSCL} could not be waited for: {e}"))?;
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Interactive dscl ends well even when a command fails; its words say so.
        if !out.status.success() || said.contains("Error") {
            return Err(format!("dscl could not set the password: {}", said.trim()));
        }
        let policy = tokio::process::Command::new(PWPOLICY)
            .args(["-u", name, "-setpolicy", "newPasswordRequired=1"])
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| format!("{PWPOLICY} could not start: {e}"))?;
        if !policy.status.success() {
            return Err(format!(
                "the password was set, but pwpolicy could not have it changed at the next sign-in: {}",
                String::from_utf8_lossy(&policy.stderr).trim()
            ));
        }
        Ok(format!(
            "the password of {name} was reset; it must be changed at the next sign-in"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> MacAccount {
        MacAccount {
            name: "bob".into(),
            uid: Some(501),
            authority: vec![";ShadowHash;HASHLIST:<SALTED-SHA512-PBKDF2>".into()],
            ..MacAccount::default()
        }
    }

    #[test]
    fn only_a_local_persons_account_without_rights_or_token_qualifies() {
        assert_eq!(may_reset(&person()), Ok(()));
        let mobile = MacAccount {
            original_node: Some("/Active Directory/ACME/All Domains".into()),
            ..person()
        };
        assert!(matches!(may_reset(&mobile), Err(Refusal::Directory(..))));
        let cached = MacAccount {
            authority: vec![";LocalCachedUser;/Active Directory/ACME/All Domains:bob:1234".into()],
            ..person()
        };
        assert!(may_reset(&cached).is_err_and(|e| {
            e.to_string()
                .contains("the service desk resets its password")
        }));
        let admin = MacAccount {
            admin: true,
            ..person()
        };
        assert_eq!(may_reset(&admin), Err(Refusal::Administrator("bob".into())));
        let token = MacAccount {
            secure_token: true,
            ..person()
        };
        assert!(may_reset(&token).is_err_and(|e| e.to_string().contains("FileVault")));
        let daemon = MacAccount {
            uid: Some(1),
            name: "daemon".into(),
            ..person()
        };
        assert_eq!(may_reset(&daemon), Err(Refusal::System("daemon".into())));
        let unknown = MacAccount {
            uid: None,
            ..person()
        };
        assert_eq!(may_reset(&unknown), Err(Refusal::Unknown("bob".into())));
        for bad in ["", "-x", "bob smith", "bob/..", "../root"] {
            let account = MacAccount {
                name: bad.into(),
                ..person()
            };
            assert!(
                matches!(may_reset(&account), Err(Refusal::BadName(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_directorys_answer_is_read_from_its_property_list() -> anyhow::Result<()> {
        let plist = br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>dsAttrTypeStandard:AuthenticationAuthority</key>
	<array>
		<string>;ShadowHash;HASHLIST:&lt;SALTED-SHA512-PBKDF2,SRP-RFC5054-4096-SHA512-PBKDF2&gt;</string>
		<string>;Kerberosv5;;bob@LKDC:SHA1.0123;LKDC:SHA1.0123;</string>
	</array>
	<key>dsAttrTypeStandard:RecordName</key>
	<array>
		<string>bob</string>
	</array>
	<key>dsAttrTypeStandard:UniqueID</key>
	<array>
		<string>502</string>
	</array>
</dict>
</plist>"#;
        let account = from_dscl("bob", plist).map_err(anyhow::Error::msg)?;
        assert_eq!(account.uid, Some(502));
        assert_eq!(account.authority.len(), 2);
        assert_eq!(account.original_node, None);
        assert_eq!(may_reset(&account), Ok(()));
        assert!(from_dscl("bob", b"not a plist").is_err());
        Ok(())
    }

    #[test]
    fn the_password_goes_to_dscl_as_one_command_it_cannot_break_out_of() {
        assert_eq!(
            dscl_commands("bob", "k7mq-3xph-w9dt").as_deref(),
            Some("passwd /Users/bob k7mq-3xph-w9dt\nquit\n")
        );
        assert_eq!(dscl_commands("bob", "two words"), None);
        assert_eq!(dscl_commands("bob", "x\ndelete /Users/alice"), None);
        assert_eq!(dscl_commands("bob\nquit", "k7mq"), None);
        assert!(secure_token_enabled(
            "2026-12-06 sysadminctl[123:456] Secure token is ENABLED for user Bob"
        ));
        assert!(!secure_token_enabled(
            "Secure token is DISABLED for user Bob"
        ));
    }
}
