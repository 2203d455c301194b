//! Device enrolment and activation, and the agent's one-time identity confirmation.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    AssigneeUpdate, ConfirmTokenRequest, Device, DeviceCredential, DeviceFacts, DeviceId,
    DeviceSelection, DeviceState, DeviceStatus, DevicesChanged, EnrolRequest, EnrolResponse,
    ErrorBody, GrantKey, OrgId, SendTokenRequest,
};
use serde::Deserialize;

use crate::client::ClientAddr;
use crate::db::{Caller, DeviceCaller};
use crate::domain::devices;
use crate::domain::require_staff;
use crate::error::Result;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Registers a device with an organisation's enrolment key.
#[utoipa::path(post, path = "/api/v1/devices/enroll", tag = "devices", request_body = EnrolRequest,
    responses((status = 201, body = EnrolResponse), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<EnrolRequest>,
) -> Result<(StatusCode, Json<EnrolResponse>)> {
    let enrolled = devices::enrol(
        &state.store,
        &client.to_string(),
        &req,
        state.grants.public_key(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(enrolled)))
}

/// The public key the server signs self-service grants with: the privileged helper pins it at
/// its first start unless its configuration names it. Public, as a public key is.
#[utoipa::path(get, path = "/api/v1/grant-key", tag = "devices",
    responses((status = 200, body = GrantKey)))]
pub async fn grant_key(State(state): State<AppState>) -> Json<GrantKey> {
    Json(GrantKey {
        key: state.grants.public_key().to_owned(),
    })
}

/// What the server knows of the calling device (activation state).
#[utoipa::path(get, path = "/api/v1/device", tag = "devices",
    responses((status = 200, body = DeviceState), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn device_state(
    State(state): State<AppState>,
    device: DeviceCaller,
) -> Json<DeviceState> {
    Json(DeviceState {
        device_id: device.id,
        status: device.status,
        org_name: device.org_name,
        grant_key: state.grants.public_key().to_owned(),
    })
}

/// The calling agent's fresh facts about its machine: its system, its privileged helper, a new
/// name. The OS user profile cannot change.
#[utoipa::path(put, path = "/api/v1/device/facts", tag = "devices", request_body = DeviceFacts,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_facts(
    State(state): State<AppState>,
    device: DeviceCaller,
    Json(facts): Json<DeviceFacts>,
) -> Result<StatusCode> {
    devices::update_facts(&state.store, &device, &facts).await?;
    Ok(StatusCode::NO_CONTENT)
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
    devices::send_token(&state, &client.to_string(), &device, &req).await?;
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
    Ok(Json(devices::confirm(&state.store, &device, &req).await?))
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
    let changed = devices::set_status(&state.store, caller, selection, status).await?;
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
    let presented = crate::auth::bearer(&headers);
    Ok(Json(
        devices::rotate(&state.store, &caller, presented).await?,
    ))
}

/// Assigns a device to the person who uses it, or to nobody (technicians). By default a device
/// is assigned to whoever first confirmed their identity on it.
#[utoipa::path(put, path = "/api/v1/devices/{id}/assignee", tag = "devices",
    params(("id" = String, Path, description = "device id")), request_body = AssigneeUpdate,
    responses((status = 200, body = Device), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<DeviceId>,
    Json(req): Json<AssigneeUpdate>,
) -> Result<Json<Device>> {
    Ok(Json(
        devices::assign(&state.store, &caller, id, req.user_id).await?,
    ))
}

/// The devices assigned to the caller: where their self-service actions may run.
#[utoipa::path(get, path = "/api/v1/me/devices", tag = "devices",
    responses((status = 200, body = Vec<Device>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mine(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Device>>> {
    Ok(Json(devices::mine(&state.store, &caller).await?))
}
