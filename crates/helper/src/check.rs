//! Whether a grant may run here: the helper's own checks, trusting nothing the agent says.

use bellhop_proto::grant_check::{self, GrantRefusal};
use bellhop_proto::{
    ActionGrant, ActionKind, ApprovedList, GrantClaims, GrantedPassword, OsFamily, Package,
    SoftwareSources,
};

use crate::managers::Op;

/// What the helper knows for itself when a request comes.
pub struct Here<'a> {
    /// The server's grant key it pinned.
    pub key: &'a str,
    /// Its own machine id.
    pub machine: &'a str,
    /// The OS user at the other end of the channel, as the OS names them.
    pub peer_user: &'a str,
    /// The package managers it runs here.
    pub managers: &'a [String],
    pub now_ms: i64,
}

/// Why the helper runs nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Grant(#[from] GrantRefusal),
    #[error("the helper installs and removes approved software and resets passwords only, not {0}")]
    NotTheHelpers(&'static str),
    #[error("the grant names no password")]
    NoPassword,
    #[error("the grant's password is not a SHA-512 crypt string")]
    BadPassword,
    #[error("the grant names no software")]
    NoSoftware,
    #[error("the grant is for another computer's helper")]
    OtherMachine,
    #[error("{0}")]
    BadPackage(String),
    #[error("the grant's package is for {0:?}, not this system")]
    OtherSystem(OsFamily),
    #[error("this computer has no {0}")]
    NoManager(&'static str),
    #[error("the grant names no approved list")]
    UnnamedList,
    #[error("the approved list did not come with the grant: update the Bellhop app")]
    NoList,
    #[error("the approved list is not signed by this computer's server")]
    ListNotSigned,
    #[error("the approved list: {0}")]
    BadList(GrantRefusal),
    #[error("the approved list is another computer's")]
    OtherDevicesList,
    #[error("the desk's approved list changed since this was asked for: ask again")]
    ListChanged,
    #[error("{0} is not on the desk's approved list")]
    NotOnList(String),
}

/// What a grant has the helper do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    Software {
        op: Op,
        package: Package,
        /// The desk's private sources for this system, from the signed list.
        sources: SoftwareSources,
    },
    /// Set this password on the grant's OS user (whose account [`crate::accounts`] checks).
    Password(GrantedPassword),
}

/// The claims and what to do, when `grant` may run here (whether it is new is the state
/// directory's to say, whether the account qualifies the account databases'). Software runs
/// only with the signed approved `list` the grant names, and only a package on it.
pub fn check(
    here: &Here,
    grant: &ActionGrant,
    list: Option<&ApprovedList>,
) -> Result<(GrantClaims, Task), Refusal> {
    let claims = grant_check::signed_claims(here.key, grant)?;
    let op = match claims.kind {
        ActionKind::Install => Some(Op::Install),
        ActionKind::Remove => Some(Op::Remove),
        ActionKind::ResetPassword => None,
        other => return Err(Refusal::NotTheHelpers(other.as_str())),
    };
    if claims.machine.as_deref() != Some(here.machine) {
        return Err(Refusal::OtherMachine);
    }
    grant_check::for_user_now(&claims, here.peer_user, here.now_ms)?;
    let Some(op) = op else {
        let password = claims.password.clone().ok_or(Refusal::NoPassword)?;
        if !password.is_well_formed() {
            return Err(Refusal::BadPassword);
        }
        return Ok((claims, Task::Password(password)));
    };
    let package = claims
        .software
        .as_ref()
        .map(|s| s.package.clone())
        .ok_or(Refusal::NoSoftware)?;
    package
        .check()
        .map_err(|e| Refusal::BadPackage(e.0.clone()))?;
    let system = OsFamily::from_consts(std::env::consts::OS);
    if Some(package.os()) != system {
        return Err(Refusal::OtherSystem(package.os()));
    }
    if !here.managers.iter().any(|m| m == package.manager()) {
        return Err(Refusal::NoManager(package.manager()));
    }
    let named = claims.list.as_deref().ok_or(Refusal::UnnamedList)?;
    let list =
        grant_check::signed_list(here.key, list.ok_or(Refusal::NoList)?).map_err(|e| match e {
            GrantRefusal::NotSigned | GrantRefusal::MalformedSignature => Refusal::ListNotSigned,
            other => Refusal::BadList(other),
        })?;
    if list.device_id != claims.device_id {
        return Err(Refusal::OtherDevicesList);
    }
    if grant_check::list_digest(&list.packages, &list.sources) != named {
        return Err(Refusal::ListChanged);
    }
    if !list.packages.contains(&package) {
        return Err(Refusal::NotOnList(package.id().to_owned()));
    }
    Ok((
        claims,
        Task::Software {
            op,
            package,
            sources: list.sources,
        },
    ))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use bellhop_proto::{
        ActionId, ApprovedListClaims, AptRepository, DeviceId, GRANT_CONTEXT, GrantedSoftware,
        LIST_CONTEXT, UserId,
    };
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    fn device() -> DeviceId {
        "01900000-0000-7000-8000-000000000007"
            .parse()
            .unwrap_or_default()
    }

    fn approved() -> Vec<Package> {
        vec![Package::Apt("hello".into()), Package::Dnf("hello".into())]
    }

    fn sources() -> SoftwareSources {
        SoftwareSources {
            apt: Some(AptRepository {
                url: "https://apt.example.com/debian".into(),
                suite: "stable".into(),
                components: vec!["main".into()],
                key: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n-----END PGP PUBLIC KEY BLOCK-----"
                    .into(),
            }),
            ..SoftwareSources::default()
        }
    }

    fn claims(kind: ActionKind, package: Package) -> GrantClaims {
        GrantClaims {
            action_id: ActionId::new(),
            device_id: device(),
            list: Some(grant_check::list_digest(&approved(), &sources())),
            os_user: "bob".into(),
            user_id: UserId::new(),
            user_name: "Bob Brown".into(),
            kind,
            software: Some(GrantedSoftware {
                item: "hello".into(),
                package,
            }),
            password: None,
            machine: Some("m-1".into()),
            issued_at: 1_000,
            expires_at: 10_000,
        }
    }

    fn sign_list(key: &SigningKey, device_id: DeviceId, packages: Vec<Package>) -> ApprovedList {
        sign_list_with(key, device_id, packages, sources())
    }

    fn sign_list_with(
        key: &SigningKey,
        device_id: DeviceId,
        packages: Vec<Package>,
        sources: SoftwareSources,
    ) -> ApprovedList {
        let claims = serde_json::to_string(&ApprovedListClaims {
            device_id,
            issued_at: 1_000,
            packages,
            sources,
        })
        .unwrap_or_default();
        let mut message = LIST_CONTEXT.to_vec();
        message.extend_from_slice(claims.as_bytes());
        ApprovedList {
            signature: STANDARD.encode(key.sign(&message).to_bytes()),
            claims,
        }
    }

    fn sign(key: &SigningKey, claims: &GrantClaims) -> ActionGrant {
        let claims = serde_json::to_string(claims).unwrap_or_default();
        let mut message = GRANT_CONTEXT.to_vec();
        message.extend_from_slice(claims.as_bytes());
        ActionGrant {
            signature: STANDARD.encode(key.sign(&message).to_bytes()),
            claims,
        }
    }

    #[test]
    fn only_a_signed_grant_for_this_helper_user_and_system_passes() {
        let server = SigningKey::from_bytes(&[7; 32]);
        let key = STANDARD.encode(server.verifying_key().as_bytes());
        let managers = vec!["apt".to_owned()];
        let here = Here {
            key: &key,
            machine: "m-1",
            peer_user: "bob",
            managers: &managers,
            now_ms: 5_000,
        };
        let good = claims(ActionKind::Install, Package::Apt("hello".into()));
        let list = sign_list(&server, device(), approved());
        let passed = check(&here, &sign(&server, &good), Some(&list));
        assert_eq!(
            passed,
            Ok((
                good.clone(),
                Task::Software {
                    op: Op::Install,
                    package: Package::Apt("hello".into()),
                    sources: sources(),
                }
            ))
        );
        let refused = |claims: &GrantClaims, here: &Here| {
            check(here, &sign(&server, claims), Some(&list))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        // Another key, another machine, another user, too late.
        let stranger = SigningKey::from_bytes(&[8; 32]);
        assert!(
            check(&here, &sign(&stranger, &good), Some(&list))
                .is_err_and(|e| e.to_string().contains("not signed"))
        );
        let elsewhere = GrantClaims {
            machine: Some("m-2".into()),
            ..good.clone()
        };
        assert!(refused(&elsewhere, &here).contains("another computer's helper"));
        let unnamed = GrantClaims {
            machine: None,
            ..good.clone()
        };
        assert!(refused(&unnamed, &here).contains("another computer's helper"));
        let alice = Here {
            peer_user: "alice",
            ..here
        };
        assert!(refused(&good, &alice).contains("user bob"));
        let late = Here {
            now_ms: 10_000,
            ..here
        };
        assert!(refused(&good, &late).contains("expired"));
        // What is not software, a package id a shell would read, another system's package, a
        // manager this machine lacks.
        let restart = claims(ActionKind::Restart, Package::Apt("hello".into()));
        assert!(refused(&restart, &here).contains("passwords only, not restart"));
        // A password reset carries the password as the system keeps it, and nothing else.
        let hash = format!("$6$saltsalt${}", "a".repeat(86));
        let reset = GrantClaims {
            kind: ActionKind::ResetPassword,
            software: None,
            password: Some(GrantedPassword {
                sha512_crypt: hash.clone(),
                sealed: None,
            }),
            ..good.clone()
        };
        assert_eq!(
            check(&here, &sign(&server, &reset), None),
            Ok((
                reset.clone(),
                Task::Password(GrantedPassword {
                    sha512_crypt: hash,
                    sealed: None
                })
            ))
        );
        assert!(refused(&reset, &alice).contains("user bob"));
        let bare = GrantClaims {
            password: None,
            ..reset.clone()
        };
        assert!(refused(&bare, &here).contains("names no password"));
        let injected = GrantClaims {
            password: Some(GrantedPassword {
                sha512_crypt: "$6$s$x\nroot::0:0:::".into(),
                sealed: None,
            }),
            ..reset.clone()
        };
        assert!(refused(&injected, &here).contains("not a SHA-512 crypt"));
        let injected = claims(ActionKind::Install, Package::Apt("hello; rm -rf /".into()));
        assert!(refused(&injected, &here).contains("not a package id"));
        let option = claims(ActionKind::Install, Package::Apt("-oAPT::x=1".into()));
        assert!(refused(&option, &here).contains("not a package id"));
        let windows = claims(
            ActionKind::Install,
            Package::Winget("Mozilla.Firefox".into()),
        );
        assert!(refused(&windows, &here).contains("not this system"));
        let dnf = claims(ActionKind::Remove, Package::Dnf("hello".into()));
        assert!(refused(&dnf, &here).contains("no dnf"));
        // Software runs only with the list the grant names, signed, this device's, unchanged,
        // and only a package on it.
        let refused_with = |list: Option<&ApprovedList>| {
            check(&here, &sign(&server, &good), list)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(refused_with(None).contains("did not come with the grant"));
        let forged = sign_list(&stranger, device(), approved());
        assert!(refused_with(Some(&forged)).contains("approved list is not signed"));
        let theirs = sign_list(&server, DeviceId::new(), approved());
        assert!(refused_with(Some(&theirs)).contains("another computer's"));
        let changed = sign_list(&server, device(), vec![Package::Apt("hello".into())]);
        assert!(refused_with(Some(&changed)).contains("changed since"));
        // The same packages from another repository (an older list's, say) are another list.
        let elsewhere = sign_list_with(&server, device(), approved(), SoftwareSources::default());
        assert!(refused_with(Some(&elsewhere)).contains("changed since"));
        let unnamed = GrantClaims {
            list: None,
            ..good.clone()
        };
        assert!(refused(&unnamed, &here).contains("names no approved list"));
        let off_list = claims(ActionKind::Install, Package::Apt("nmap".into()));
        assert!(refused(&off_list, &here).contains("nmap is not on the desk's approved list"));
        // A list grant is not a grant, nor the other way round.
        let as_grant = ActionGrant {
            claims: list.claims.clone(),
            signature: list.signature.clone(),
        };
        assert!(
            check(&here, &as_grant, Some(&list))
                .is_err_and(|e| e.to_string().contains("not signed"))
        );
        // Changed after signing.
        let mut tampered = sign(&server, &good);
        tampered.claims = tampered.claims.replace("\"hello\"}", "\"nmap\"}");
        assert!(
            check(&here, &tampered, Some(&list))
                .is_err_and(|e| e.to_string().contains("not signed")),
            "{}",
            tampered.claims
        );
    }
}
