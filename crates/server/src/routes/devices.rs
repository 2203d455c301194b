//! Device enrolment and activation, and the agent's one-time identity confirmation.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    ConfirmTokenRequest, Device, DeviceCredential, DeviceSelection, DeviceState, DeviceStatus,
    DevicesChanged, EnrolRequest, EnrolResponse, ErrorBody, ErrorCode, OrgId, SendTokenRequest,
};
use serde::Deserialize;

use crate::auth::{
    DEVICE_CREDENTIAL_PREFIX, DEVICE_SECRET_PREFIX, new_short_code, new_token,
    normalise_short_code, require_staff, token_hash,
};
use crate::client::ClientAddr;
use crate::db::{Caller, DeviceCaller, now_ms};
use crate::error::{AppError, Result};
use crate::extract::{Json, Query};
use crate::letters::{Letter, Value, compose};
use crate::state::AppState;

/// How long an emailed identity token is valid.
pub const TOKEN_TTL_MS: i64 = 15 * 60 * 1000;
/// Wrong guesses allowed per token before a new one must be sent.
pub const TOKEN_MAX_ATTEMPTS: i64 = 5;
/// Tokens per email address, and per client address, within [`RATE_WINDOW_MS`].
pub const TOKENS_PER_EMAIL: i64 = 3;
pub const TOKENS_PER_CLIENT: i64 = 10;
pub const RATE_WINDOW_MS: i64 = 15 * 60 * 1000;

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

/// Registers a device with an organisation's enrolment key.
#[utoipa::path(post, path = "/api/v1/devices/enroll", tag = "devices", request_body = EnrolRequest,
    responses((status = 201, body = EnrolResponse), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<EnrolRequest>,
) -> Result<(StatusCode, Json<EnrolResponse>)> {
    let facts = &req.device;
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
    let addr = client.to_string();
    let now = now_ms();
    let since = now - ENROL_WINDOW_MS;
    let wrong_keys = state.store.enrol_failures(&addr, since).await?;
    if let Some(wait) = crate::routes::auth::sign_in_wait(wrong_keys, ENROL_FREE_FAILURES, now) {
        return Err(AppError::limited(
            "too many wrong enrolment keys from here; wait and try again",
            wait,
        ));
    }
    if state.store.recent_enrolments(&addr, since).await? >= ENROLMENTS_PER_CLIENT {
        return Err(AppError::limited(
            "too many devices enrolled from here this hour; try again later",
            std::time::Duration::from_secs(300),
        ));
    }
    let Some(org) = state
        .store
        .org_by_enrolment_key(&token_hash(req.enrolment_key.trim()))
        .await?
    else {
        state.store.record_enrol_failure(&addr).await?;
        return Err(AppError::unauthenticated("unknown enrolment key"));
    };
    let secret = new_token(DEVICE_SECRET_PREFIX);
    let mut facts = facts.clone();
    facts.macs = facts
        .macs
        .iter()
        .map(|m| m.trim().to_ascii_lowercase())
        .collect();
    let (device_id, status) = state
        .store
        .insert_device(&org, &facts, &token_hash(&secret), &addr)
        .await?;
    tracing::info!(device = %device_id, org = %org.name, ?status, "device enrolled");
    Ok((
        StatusCode::CREATED,
        Json(EnrolResponse {
            device_id,
            device_secret: secret,
            status,
        }),
    ))
}

/// What the server knows of the calling device (activation state).
#[utoipa::path(get, path = "/api/v1/device", tag = "devices",
    responses((status = 200, body = DeviceState), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn device_state(device: DeviceCaller) -> Json<DeviceState> {
    Json(DeviceState {
        device_id: device.id,
        status: device.status,
        org_name: device.org_name,
    })
}

fn require_active(device: &DeviceCaller) -> Result<()> {
    match device.status {
        DeviceStatus::Active => Ok(()),
        DeviceStatus::Pending => Err(AppError::forbidden(
            "this device is not activated yet; a technician must activate it first",
        )),
        DeviceStatus::Deactivated => Err(AppError::forbidden("this device was deactivated")),
    }
}

/// Step one of the identity confirmation: emails a single-use token to the address.
#[utoipa::path(post, path = "/api/v1/device/identity/send-token", tag = "devices",
    request_body = SendTokenRequest,
    responses((status = 202), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn send_token(
    State(state): State<AppState>,
    client: ClientAddr,
    device: DeviceCaller,
    Json(req): Json<SendTokenRequest>,
) -> Result<StatusCode> {
    require_active(&device)?;
    let email = bellhop_proto::Email::parse(&req.email)?.into_string();
    let name = format!("{} {}", req.first_name.trim(), req.last_name.trim());
    let name = name.trim();
    if req.first_name.trim().is_empty() || req.last_name.trim().is_empty() {
        return Err(AppError::bad_request("first and last name are required"));
    }
    check_len("name", name)?;
    let addr = client.to_string();
    let (by_email, by_addr) = state
        .store
        .recent_token_counts(&email, &addr, now_ms() - RATE_WINDOW_MS)
        .await?;
    if by_email >= TOKENS_PER_EMAIL || by_addr >= TOKENS_PER_CLIENT {
        return Err(AppError::client(
            ErrorCode::RateLimited,
            "too many tokens were sent recently; wait a few minutes and try again",
        ));
    }
    let account = state.store.user_for_login(&email).await?;
    // A person the desk switched off gets nothing, and the answer looks the same.
    if account.as_ref().is_some_and(|a| a.user.disabled) {
        return Ok(StatusCode::ACCEPTED);
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
        name,
        &[("code", Value::Code(&shown))],
    );
    state
        .store
        .insert_identity_token(
            device.id,
            &email,
            name,
            language,
            &token_hash(&code),
            &addr,
            TOKEN_TTL_MS,
            &mail,
        )
        .await?;
    state.mail.wake();
    Ok(StatusCode::ACCEPTED)
}

/// Step two: the typed token proves the email; returns the device credential for that user.
#[utoipa::path(post, path = "/api/v1/device/identity/confirm", tag = "devices",
    request_body = ConfirmTokenRequest,
    responses((status = 200, body = DeviceCredential), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    device: DeviceCaller,
    Json(req): Json<ConfirmTokenRequest>,
) -> Result<Json<DeviceCredential>> {
    require_active(&device)?;
    let email = bellhop_proto::Email::parse(&req.email)?.into_string();
    let wrong = || AppError::unauthenticated("the token is wrong or has expired; send a new one");
    let pending = state
        .store
        .pending_token(device.id, &email)
        .await?
        .ok_or_else(wrong)?;
    // Each guess is counted before it is compared, in one statement: guesses sent in parallel
    // cannot get past the limit.
    if pending.expires_at < now_ms()
        || !state
            .store
            .take_token_attempt(&pending.id, TOKEN_MAX_ATTEMPTS)
            .await?
        || token_hash(&normalise_short_code(&req.token)) != pending.token_hash
    {
        return Err(wrong());
    }
    let credential = new_token(DEVICE_CREDENTIAL_PREFIX);
    let user_id = state
        .store
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
    let user = state
        .store
        .user(user_id)
        .await?
        .ok_or_else(|| AppError::Other(anyhow::anyhow!("confirmed user vanished")))?;
    tracing::info!(device = %device.id, user = %user.id, "identity confirmed");
    Ok(Json(DeviceCredential {
        token: credential,
        user,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeviceListQuery {
    pub org_id: Option<OrgId>,
}

/// Every enrolled device (technicians).
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", params(DeviceListQuery),
    responses((status = 200, body = Vec<Device>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DeviceListQuery>,
) -> Result<Json<Vec<Device>>> {
    require_staff(&caller)?;
    Ok(Json(state.store.list_devices(q.org_id).await?))
}

async fn set_status(
    state: &AppState,
    caller: &Caller,
    selection: &DeviceSelection,
    status: DeviceStatus,
) -> Result<Json<DevicesChanged>> {
    require_staff(caller)?;
    let changed = state
        .store
        .set_device_status(caller, selection, status)
        .await?;
    tracing::info!(by = %caller.user_id, ?status, changed, "devices changed");
    Ok(Json(DevicesChanged { changed }))
}

/// Activates the listed devices, or every device of an organisation (technicians).
#[utoipa::path(post, path = "/api/v1/devices/activate", tag = "devices",
    request_body = DeviceSelection,
    responses((status = 200, body = DevicesChanged), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Json(selection): Json<DeviceSelection>,
) -> Result<Json<DevicesChanged>> {
    set_status(&state, &caller, &selection, DeviceStatus::Active).await
}

/// Deactivates devices: their credentials stop working at once (technicians).
#[utoipa::path(post, path = "/api/v1/devices/deactivate", tag = "devices",
    request_body = DeviceSelection,
    responses((status = 200, body = DevicesChanged), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    Json(selection): Json<DeviceSelection>,
) -> Result<Json<DevicesChanged>> {
    set_status(&state, &caller, &selection, DeviceStatus::Deactivated).await
}

/// A new device credential for the caller's own, replacing the one presented. The old one
/// keeps working until the new one is first used, then stops: the agent rotates its credential
/// now and then without the person noticing, and a copy of an old one is worth nothing.
#[utoipa::path(post, path = "/api/v1/device/credential/rotate", tag = "devices",
    responses((status = 200, body = DeviceCredential), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate_credential(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> Result<Json<DeviceCredential>> {
    let presented = crate::auth::bearer(&headers)
        .filter(|t| t.starts_with(DEVICE_CREDENTIAL_PREFIX) && caller.device_id.is_some())
        .ok_or_else(|| AppError::bad_request("only a device credential is rotated"))?;
    let credential = new_token(DEVICE_CREDENTIAL_PREFIX);
    state
        .store
        .rotate_device_credential(&token_hash(presented), &token_hash(&credential))
        .await?
        .ok_or_else(|| AppError::unauthenticated("this device's credential was revoked"))?;
    let user = state
        .store
        .user(caller.user_id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))?;
    Ok(Json(DeviceCredential {
        token: credential,
        user,
    }))
}
