//! Portal settings: technicians decide what users see; every user can ask what they
//! may use.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    Brand, BrandSettings, ErrorBody, ErrorCode, LogoUploaded, MAX_LOGO_BYTES, MyPortal, OrgId,
    PortalSettings, TicketFields,
};

use crate::auth::Staff;
use crate::db::Caller;
use crate::domain::{logo, settings};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::tokens::{DEVICE_SECRET_PREFIX, token_hash};

/// The portal settings (technicians).
#[utoipa::path(get, path = "/api/v1/portal-settings", tag = "console",
    responses((status = 200, body = PortalSettings), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(State(state): State<AppState>, _staff: Staff) -> Result<Json<PortalSettings>> {
    Ok(Json(state.store.portal_settings().await?))
}

/// The portal's address, what its host resolves to and whether it reaches this server, checked
/// now (technicians).
#[utoipa::path(get, path = "/api/v1/portal-settings/address", tag = "console",
    responses((status = 200, body = bellhop_proto::PortalAddress), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn address(
    State(state): State<AppState>,
    _staff: Staff,
) -> Json<bellhop_proto::PortalAddress> {
    Json(crate::domain::address::check(&state).await)
}

/// Replaces the portal settings (technicians); takes effect for everyone at once.
#[utoipa::path(put, path = "/api/v1/portal-settings", tag = "console",
    request_body = PortalSettings,
    responses((status = 200, body = PortalSettings), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Json(input): Json<PortalSettings>,
) -> Result<Json<PortalSettings>> {
    Ok(Json(settings::save(&state.store, &staff, input).await?))
}

/// The portal as the caller may use it: which sections, which statuses, whether they may reopen.
#[utoipa::path(get, path = "/api/v1/me/portal", tag = "auth",
    responses((status = 200, body = MyPortal), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mine(State(state): State<AppState>, caller: Caller) -> Result<Json<MyPortal>> {
    let settings = state.store.portal_settings().await?;
    let fields = state.store.ticket_fields().await?;
    let mut mine = settings.for_user(&fields, caller.user_id, caller.org_id, caller.is_staff());
    if let Some(viewer) = caller.viewer {
        mine.viewed_by = Some(
            state
                .store
                .user(viewer)
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
        );
    }
    Ok(Json(mine))
}

/// The ticket fields (technicians): default fields' access, ticket types, custom fields.
#[utoipa::path(get, path = "/api/v1/ticket-fields", tag = "console",
    responses((status = 200, body = TicketFields), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_fields(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<TicketFields>> {
    Ok(Json(state.store.ticket_fields().await?))
}

/// Replaces the ticket fields (technicians). Values already on tickets stay; a removed field's
/// values are no longer shown or accepted.
#[utoipa::path(put, path = "/api/v1/ticket-fields", tag = "console",
    request_body = TicketFields,
    responses((status = 200, body = TicketFields), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_fields(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Json(fields): Json<TicketFields>,
) -> Result<Json<TicketFields>> {
    Ok(Json(
        settings::save_fields(&state.store, &staff, fields).await?,
    ))
}

/// The brand as every page wears it: its name, the accent for each theme, how to reach the
/// desk, its links, whether the desktop app shows a tray icon. Anyone may read it, also before
/// signing in (the sign-in page wears the desk's); signed in, a person sees their
/// organisation's brand where it has its own. A token that no longer signs in reads the desk's.
#[utoipa::path(get, path = "/api/v1/brand", tag = "console",
    responses((status = 200, body = Brand)))]
pub async fn brand(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Brand>> {
    let org = match crate::auth::bearer(&headers) {
        // The desktop app asks with its device's secret, also before anyone confirmed.
        Some(token) if token.starts_with(DEVICE_SECRET_PREFIX) => state
            .store
            .device_by_secret(&token_hash(token))
            .await?
            .map(|device| device.org_id),
        Some(token) => crate::auth::caller_for_token(&state.store, token)
            .await?
            .and_then(|caller| caller.org_id),
        None => None,
    };
    Ok(Json(settings::brand_for(&state.store, org).await?))
}

/// An organisation's own brand, to edit (admins); empty where it wears the desk's.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/brand", tag = "console",
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 200, body = BrandSettings), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn org_brand(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<OrgId>,
) -> Result<Json<BrandSettings>> {
    Ok(Json(
        settings::org_brand_settings(&state.store, &caller, id).await?,
    ))
}

/// Sets what an organisation's people see over the desk's brand (admins), checked like the
/// desk's (422, nothing changes); what it leaves empty is the desk's, and an empty one removes
/// it. Answers with the brand its people now see.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/brand", tag = "console",
    params(("id" = String, Path, description = "organisation id")), request_body = BrandSettings,
    responses((status = 200, body = Brand), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_org_brand(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<OrgId>,
    Json(input): Json<BrandSettings>,
) -> Result<Json<Brand>> {
    Ok(Json(
        settings::save_org_brand(&state.store, &caller, id, input).await?,
    ))
}

/// The brand as an admin set it, to edit (admins).
#[utoipa::path(get, path = "/api/v1/brand/settings", tag = "console",
    responses((status = 200, body = BrandSettings), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn brand_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BrandSettings>> {
    Ok(Json(settings::brand_settings(&state.store, &caller).await?))
}

/// Sets the desk's brand (admins): a colour too light to read, a link that is not `https`, a
/// malformed phone or email is refused (422) and nothing changes.
#[utoipa::path(put, path = "/api/v1/brand/settings", tag = "console",
    request_body = BrandSettings,
    responses((status = 200, body = Brand), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_brand(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<BrandSettings>,
) -> Result<Json<Brand>> {
    Ok(Json(
        settings::save_brand(&state.store, &caller, input).await?,
    ))
}

/// Uploads a logo for the desk's (or an organisation's) brand (admins): the file's bytes, a PNG
/// or an SVG of at most 256 KiB that draws and does nothing else (no scripts, event handlers,
/// embedded pages, or references outside the file). Its type is read from the bytes. Answers
/// with the name the brand's `logo` takes.
#[utoipa::path(post, path = "/api/v1/brand/logos", tag = "console",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = LogoUploaded), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload_logo(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<LogoUploaded>)> {
    let bytes = axum::body::to_bytes(body, MAX_LOGO_BYTES + 1)
        .await
        .map_err(|_| {
            AppError::client(
                ErrorCode::PayloadTooLarge,
                format!("a logo has at most {MAX_LOGO_BYTES} bytes"),
            )
        })?;
    let uploaded = logo::upload(&state.store, &caller, &bytes).await?;
    Ok((StatusCode::CREATED, Json(uploaded)))
}

/// An uploaded logo, for anyone (the sign-in page shows it). Its address never changes what it
/// serves, so it is kept by browsers for a year; an SVG opened on its own runs nothing.
#[utoipa::path(get, path = "/api/v1/brand/logo/{sha256}", tag = "console",
    params(("sha256" = String, Path, description = "the logo's SHA-256")),
    responses((status = 200, description = "the PNG or SVG"), (status = 404, body = ErrorBody)))]
pub async fn logo(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let found = if sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        state.store.logo(&sha256.to_ascii_lowercase()).await?
    } else {
        None
    };
    let (mime, bytes) = found.ok_or_else(|| AppError::not_found("no such logo"))?;
    let mime = if mime == logo::SVG {
        logo::SVG
    } else {
        logo::PNG
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
            ),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}
