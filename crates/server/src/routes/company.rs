//! Signing in with a company account, and the organisation's identity provider in the console.
//! The rules are `domain::company_sign_in`'s.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Redirect;
use bellhop_proto::{
    AppCompanySignInFinish, AppCompanySignInStart, CompanySignInFinish, CompanySignInRedirect,
    CompanySignInStart, DeviceCredential, ErrorBody, IdentityProvider, IdentityProviderInput,
    LoginResponse, OrgId,
};

use crate::auth::Staff;
use crate::db::DeviceCaller;
use crate::domain::company_sign_in::{self, ProviderAnswer};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Begins a sign-in with the company account of the typed address's organisation: the
/// provider's address to send the browser to. 404 when the address's domain has no identity
/// provider; 503 when the provider cannot be reached.
#[utoipa::path(post, path = "/api/v1/auth/company/start", tag = "auth",
    request_body = CompanySignInStart,
    responses((status = 200, body = CompanySignInRedirect), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    Json(req): Json<CompanySignInStart>,
) -> Result<Json<CompanySignInRedirect>> {
    Ok(Json(company_sign_in::start(&state, req).await?))
}

/// Where the identity provider sends the browser back: on to the portal, with a single-use
/// ticket for a session (`#/company-sign-in?ticket=…`) or the reason the sign-in failed
/// (`#/login?company_error=…`).
#[utoipa::path(get, path = "/api/v1/auth/company/callback", tag = "auth",
    params(("state" = Option<String>, Query, description = "the state sent to the provider"),
           ("code" = Option<String>, Query, description = "the provider's authorization code"),
           ("error" = Option<String>, Query, description = "the provider's refusal")),
    responses((status = 303, description = "on to the portal")))]
pub async fn callback(
    State(state): State<AppState>,
    Query(answer): Query<ProviderAnswer>,
) -> Result<Redirect> {
    Ok(Redirect::to(
        &company_sign_in::callback(&state, answer).await?,
    ))
}

/// Trades the ticket from the provider's way back for a session, once, within two minutes.
#[utoipa::path(post, path = "/api/v1/auth/company/finish", tag = "auth",
    request_body = CompanySignInFinish,
    responses((status = 200, body = LoginResponse), (status = 422, body = ErrorBody)))]
pub async fn finish(
    State(state): State<AppState>,
    Json(req): Json<CompanySignInFinish>,
) -> Result<Json<LoginResponse>> {
    Ok(Json(company_sign_in::finish(&state, req).await?))
}

/// Begins a desktop app's company sign-in (RFC 8252): the app waits on a loopback address of its
/// computer for the browser to come back with a code. Active devices only.
#[utoipa::path(post, path = "/api/v1/device/identity/company/start", tag = "devices",
    request_body = AppCompanySignInStart,
    responses((status = 200, body = CompanySignInRedirect), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start_app(
    State(state): State<AppState>,
    device: DeviceCaller,
    Json(req): Json<AppCompanySignInStart>,
) -> Result<Json<CompanySignInRedirect>> {
    Ok(Json(
        company_sign_in::start_app(&state, &device, req).await?,
    ))
}

/// Trades the app's code, with its PKCE verifier, for the person's credential on this device.
#[utoipa::path(post, path = "/api/v1/device/identity/company/finish", tag = "devices",
    request_body = AppCompanySignInFinish,
    responses((status = 200, body = DeviceCredential), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn finish_app(
    State(state): State<AppState>,
    device: DeviceCaller,
    Json(req): Json<AppCompanySignInFinish>,
) -> Result<Json<DeviceCredential>> {
    Ok(Json(
        company_sign_in::finish_app(&state, &device, req).await?,
    ))
}

/// An organisation's identity provider (technicians and admins); never its client secret.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/identity-provider", tag = "console",
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 200, body = IdentityProvider), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    Path(id): Path<OrgId>,
) -> Result<Json<IdentityProvider>> {
    Ok(Json(company_sign_in::provider(&state, id).await?))
}

/// Connects or changes an organisation's identity provider (admins). The client secret is kept
/// sealed; left out, the one kept stays.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/identity-provider", tag = "console",
    params(("id" = String, Path, description = "organisation id")),
    request_body = IdentityProviderInput,
    responses((status = 200, body = IdentityProvider), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<OrgId>,
    Json(input): Json<IdentityProviderInput>,
) -> Result<Json<IdentityProvider>> {
    Ok(Json(
        company_sign_in::set_provider(&state, &staff, id, input).await?,
    ))
}

/// Disconnects an organisation's identity provider (admins); its people sign in with
/// passwords again.
#[utoipa::path(delete, path = "/api/v1/orgs/{id}/identity-provider", tag = "console",
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<OrgId>,
) -> Result<StatusCode> {
    crate::domain::require_admin(&staff, "disconnect identity providers")?;
    if state.store.delete_identity_provider(&staff, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found(
            "this organisation has no identity provider",
        ))
    }
}
