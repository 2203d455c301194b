//! Devices: what an enrolment must carry and how often a client may try, the identity
//! confirmation (a token emailed, typed back, limited in time, guesses and sends), who may
//! activate and deactivate, the credential's rotation, and who a device is assigned to.

use bellhop_proto::{
    ConfirmTokenRequest, Device, DeviceCredential, DeviceId, DeviceSelection, DeviceStatus, Email,
    EnrolRequest, EnrolResponse, ErrorCode, MAX_SOFTWARE_ITEMS, OsFamily, SendTokenRequest, UserId,
};

use crate::db::{Caller, DeviceCaller, Limited, Store, now_ms};
use crate::domain::limits::wait_after_failures;
use crate::error::{AppError, Result};
use crate::letters::{Letter, Value, compose};
use crate::state::AppState;
use crate::tokens::{
    DEVICE_CREDENTIAL_PREFIX, DEVICE_SECRET_PREFIX, new_short_code, new_token,
    normalise_short_code, token_hash,
};

/// How long an emailed identity token is valid.
pub const TOKEN_TTL_MS: i64 = 15 * 60 * 1000;
/// Wrong guesses allowed per token before a new one must be sent.
pub const TOKEN_MAX_ATTEMPTS: i64 = 5;
/// Tokens per email address, and per client address, within [`RATE_WINDOW_MS`].
pub const TOKENS_PER_EMAIL: i64 = 3;
pub const TOKENS_PER_CLIENT: i64 = 10;
pub const RATE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Longest fact of a machine (hostname, OS, user, serial) or a person's name.
const MAX_FACT_CHARS: usize = 256;

/// Enrolments from one client address within an hour (a rollout behind one NAT address that
/// goes past it is answered 429 with `Retry-After`, and its agents try again).
pub const ENROLMENTS_PER_CLIENT: i64 = 200;
/// Wrong enrolment keys from one client before each further try waits, doubling (as sign-in).
pub const ENROL_FREE_FAILURES: i64 = 10;
const ENROL_WINDOW_MS: i64 = 60 * 60 * 1000;

fn check_len(what: &str, value: &str) -> Result<()> {
    if value.chars().count() > MAX_FACT_CHARS {
        return Err(AppError::bad_request(format!(
            "{what} is longer than {MAX_FACT_CHARS} characters"
        )));
    }
    Ok(())
}

/// Checks a machine's facts; the message says what to fix.
pub fn check_facts(facts: &bellhop_proto::DeviceFacts) -> Result<()> {
    if facts.hostname.trim().is_empty() || facts.os_user.trim().is_empty() {
        return Err(AppError::bad_request("hostname and os_user are required"));
    }
    for (what, value) in [
        ("hostname", &facts.hostname),
        ("os", &facts.os),
        ("os_version", &facts.os_version),
        ("os_user", &facts.os_user),
    ] {
        check_len(what, value)?;
    }
    if let Some(serial) = &facts.serial {
        check_len("serial", serial)?;
    }
    if facts.macs.len() > 64 || facts.macs.iter().any(|m| m.len() > 64) {
        return Err(AppError::bad_request("too many or too long MAC addresses"));
    }
    if !facts.platform.is_empty() && OsFamily::from_consts(&facts.platform).is_none() {
        return Err(AppError::bad_request(
            "platform: linux, windows or macos (as Rust's std::env::consts::OS names it)",
        ));
    }
    if let Some(helper) = &facts.helper {
        let plain = |s: &str| {
            (1..=64).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._+".contains(c))
        };
        if !plain(&helper.machine) || !plain(&helper.version) {
            return Err(AppError::bad_request(
                "helper: a machine id and version of at most 64 letters, digits, -, ., _ and +",
            ));
        }
        if helper.managers.len() > 8 || !helper.managers.iter().all(|m| plain(m)) {
            return Err(AppError::bad_request(
                "helper: at most 8 package managers, each named as the approved list names it",
            ));
        }
        if let Some(key) = &helper.seal_key
            && !bellhop_proto::sealing::is_public_key(key)
        {
            return Err(AppError::bad_request(
                "helper: seal_key is 32 bytes of standard base64",
            ));
        }
    }
    if facts.installed.len() > MAX_SOFTWARE_ITEMS {
        return Err(AppError::bad_request(format!(
            "installed: at most {MAX_SOFTWARE_ITEMS} packages"
        )));
    }
    for installed in &facts.installed {
        installed.package.check()?;
        if installed.version.is_empty()
            || installed.version.chars().count() > 64
            || installed.version.chars().any(char::is_control)
        {
            return Err(AppError::bad_request(
                "installed: each version is 1 to 64 printable characters",
            ));
        }
    }
    Ok(())
}

/// The calling agent's fresh word on its machine (renamed, upgraded, a helper installed or
/// gone). Its OS user profile stays the one it enrolled as: another profile enrols on its own.
/// `true` when anything changed.
#[tracing::instrument(skip_all, fields(device = %device.id))]
pub async fn update_facts(
    store: &Store,
    device: &DeviceCaller,
    facts: &bellhop_proto::DeviceFacts,
) -> Result<bool> {
    check_facts(facts)?;
    let stored = store
        .device(device.id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("this device is no longer enrolled"))?;
    if stored.facts.os_user != facts.os_user {
        return Err(AppError::bad_request(format!(
            "os_user: this device is the profile {:?}; another profile enrols on its own",
            stored.facts.os_user
        )));
    }
    store.update_device_facts(device.id, facts).await
}

/// Registers a device from client address `addr` with an organisation's enrolment key. Wrong
/// keys from one client make the next try wait; so do too many enrolments from one client. The
/// answer names `grant_key`, the key the agent pins for self-service grants.
#[tracing::instrument(skip_all)]
pub async fn enrol(
    store: &Store,
    addr: &str,
    req: &EnrolRequest,
    grant_key: &str,
) -> Result<EnrolResponse> {
    check_facts(&req.device)?;
    let now = now_ms();
    let since = now - ENROL_WINDOW_MS;
    let wrong_keys = store.enrol_failures(addr, since).await?;
    if let Some(wait) = wait_after_failures(wrong_keys, ENROL_FREE_FAILURES, now) {
        return Err(AppError::limited(
            "too many wrong enrolment keys from here; wait and try again",
            wait,
        ));
    }
    if store.recent_enrolments(addr, since).await? >= ENROLMENTS_PER_CLIENT {
        return Err(AppError::limited(
            "too many devices enrolled from here this hour; try again later",
            std::time::Duration::from_secs(300),
        ));
    }
    let Some(org) = store
        .org_by_enrolment_key(&token_hash(req.enrolment_key.trim()))
        .await?
    else {
        store.record_enrol_failure(addr).await?;
        return Err(AppError::unauthenticated("unknown enrolment key"));
    };
    let secret = new_token(DEVICE_SECRET_PREFIX);
    let mut facts = req.device.clone();
    facts.macs = facts
        .macs
        .iter()
        .map(|m| m.trim().to_ascii_lowercase())
        .collect();
    let (device_id, status) = store
        .insert_device(&org, &facts, &token_hash(&secret), addr)
        .await?;
    tracing::info!(device = %device_id, org = %org.name, ?status, "device enrolled");
    Ok(EnrolResponse {
        device_id,
        device_secret: secret,
        status,
        grant_key: grant_key.to_owned(),
    })
}

/// Only an active device confirms who uses it.
pub fn require_active(device: &DeviceCaller) -> Result<()> {
    match device.status {
        DeviceStatus::Active => Ok(()),
        DeviceStatus::Pending => Err(AppError::forbidden(
            "this device is not activated yet; a technician must activate it first",
        )),
        DeviceStatus::Deactivated => Err(AppError::forbidden("this device was deactivated")),
    }
}

/// Step one of the identity confirmation: emails a single-use token to the address, within the
/// limits per address and per client. A person the desk switched off gets nothing, and the
/// answer looks the same.
#[tracing::instrument(skip_all, fields(device = %device.id))]
pub async fn send_token(
    state: &AppState,
    addr: &str,
    device: &DeviceCaller,
    req: &SendTokenRequest,
) -> Result<()> {
    require_active(device)?;
    let email = Email::parse(&req.email)?.into_string();
    if req.first_name.trim().is_empty() || req.last_name.trim().is_empty() {
        return Err(AppError::bad_request("first and last name are required"));
    }
    let name = format!("{} {}", req.first_name.trim(), req.last_name.trim());
    check_len("name", &name)?;
    let store = &state.store;
    let (by_email, by_addr) = store
        .recent_counts(
            Limited::IdentityTokens,
            &email,
            addr,
            now_ms() - RATE_WINDOW_MS,
        )
        .await?;
    if by_email >= TOKENS_PER_EMAIL || by_addr >= TOKENS_PER_CLIENT {
        return Err(AppError::client(
            ErrorCode::RateLimited,
            "too many tokens were sent recently; wait a few minutes and try again",
        ));
    }
    let account = store.user_for_login(&email).await?;
    if account.as_ref().is_some_and(|a| a.user.disabled) {
        return Ok(());
    }
    let code = new_short_code();
    let shown = format!("{}-{}", &code[..4], &code[4..]);
    // The app's language; an older app that does not say gets the person's own, if known.
    let language = req
        .language
        .or(account.map(|a| a.user.language))
        .unwrap_or_default();
    // The code is never in the subject: subjects show on lock screens, in mail logs and on the
    // console.
    let mail = compose(
        language,
        Letter::IdentityToken,
        &email,
        &name,
        &[("code", Value::Code(&shown))],
    );
    store
        .insert_identity_token(
            device.id,
            &email,
            &name,
            language,
            &token_hash(&code),
            addr,
            TOKEN_TTL_MS,
            &mail,
        )
        .await?;
    state.mail.wake();
    Ok(())
}

/// Step two: the typed token proves the email; answers the device credential for that person
/// (created on first confirmation). Each guess is counted before it is compared, in one
/// statement, so guesses sent in parallel cannot get past the limit.
#[tracing::instrument(skip_all, fields(device = %device.id))]
pub async fn confirm(
    store: &Store,
    device: &DeviceCaller,
    req: &ConfirmTokenRequest,
) -> Result<DeviceCredential> {
    require_active(device)?;
    let email = Email::parse(&req.email)?.into_string();
    let wrong = || AppError::unauthenticated("the token is wrong or has expired; send a new one");
    let pending = store
        .pending_token(device.id, &email)
        .await?
        .ok_or_else(wrong)?;
    if pending.expires_at < now_ms()
        || !store
            .take_token_attempt(&pending.id, TOKEN_MAX_ATTEMPTS)
            .await?
        || token_hash(&normalise_short_code(&req.token)) != pending.token_hash
    {
        return Err(wrong());
    }
    let credential = new_token(DEVICE_CREDENTIAL_PREFIX);
    let user_id = store
        .confirm_identity(
            device.id,
            &pending.id,
            &email,
            &pending.name,
            pending.language,
            &token_hash(&credential),
        )
        .await?
        .ok_or_else(wrong)?;
    let user = store
        .user(user_id)
        .await?
        .ok_or_else(|| AppError::Other(anyhow::anyhow!("confirmed user vanished")))?;
    tracing::info!(device = %device.id, user = %user.id, "identity confirmed");
    Ok(DeviceCredential {
        token: credential,
        user,
    })
}

/// Activates or deactivates the selected devices (technicians); answers how many changed.
#[tracing::instrument(skip_all, fields(?status))]
pub async fn set_status(
    store: &Store,
    staff: &Caller,
    selection: &DeviceSelection,
    status: DeviceStatus,
) -> Result<u64> {
    super::require_staff(staff)?;
    if selection.device_ids.is_empty() && selection.org_id.is_none() {
        return Err(AppError::bad_request(
            "name devices in device_ids, or an organisation in org_id",
        ));
    }
    let changed = store.set_device_status(staff, selection, status).await?;
    tracing::info!(by = %staff.user_id, ?status, changed, "devices changed");
    Ok(changed)
}

/// A new device credential replacing `presented`, the caller's own. The old one keeps working
/// until the new one is first used, then stops.
pub async fn rotate(
    store: &Store,
    caller: &Caller,
    presented: Option<&str>,
) -> Result<DeviceCredential> {
    let presented = presented
        .filter(|t| t.starts_with(DEVICE_CREDENTIAL_PREFIX) && caller.device_id.is_some())
        .ok_or_else(|| AppError::bad_request("only a device credential is rotated"))?;
    let credential = new_token(DEVICE_CREDENTIAL_PREFIX);
    store
        .rotate_device_credential(&token_hash(presented), &token_hash(&credential))
        .await?
        .ok_or_else(|| AppError::unauthenticated("this device's credential was revoked"))?;
    let user = store
        .user(caller.user_id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))?;
    Ok(DeviceCredential {
        token: credential,
        user,
    })
}

/// Assigns a device to the person who uses it, or to nobody (technicians). The person must be
/// switched on and belong to the device's organisation: self-service acts on their computer.
#[tracing::instrument(skip_all, fields(device = %device))]
pub async fn assign(
    store: &Store,
    staff: &Caller,
    device: DeviceId,
    user: Option<UserId>,
) -> Result<Device> {
    super::require_staff(staff)?;
    let current = store
        .device(device)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no device {device}")))?;
    let detail = match user {
        Some(id) => {
            let person = store
                .user(id)
                .await?
                .ok_or_else(|| AppError::bad_request(format!("no user {id}")))?;
            if person.disabled {
                return Err(AppError::bad_request(
                    "this person is switched off: switch them on first",
                ));
            }
            if person.org_id != Some(current.org_id) {
                return Err(AppError::bad_request(format!(
                    "{} is not in {}, the device's organisation",
                    person.name, current.org_name
                )));
            }
            format!(
                "{} assigned to {} <{}>",
                current.facts.hostname, person.name, person.email
            )
        }
        None => format!("{} unassigned", current.facts.hostname),
    };
    if current.assigned_user_id == user {
        return Ok(current);
    }
    store
        .write_device_assignee(staff, device, user, &detail)
        .await?;
    Ok(Device {
        assigned_user_id: user,
        ..current
    })
}

/// The devices assigned to the caller: where their self-service actions may run.
pub async fn mine(store: &Store, caller: &Caller) -> Result<Vec<Device>> {
    store.devices_of(caller.user_id).await
}
