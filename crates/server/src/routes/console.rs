//! What only technicians and admins read: organisations, people, the help-desk search and the
//! audit log. Every handler takes [`Staff`]: end users get 403, strangers 401.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    AuditEntry, AuditQuery, EnrolmentKey, ErrorBody, Org, OrgCreated, OrgId, OrgInput, Page,
    SearchQuery, SearchResults, User, UserDetail, UserId, UserInput, UserListQuery,
    VerificationSent, VerifyCodeRequest, VerifyCodeResult,
};

use crate::auth::Staff;
use crate::domain::{people, verification};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::tokens::{ENROLMENT_KEY_PREFIX, new_token, token_hash};

/// Every customer organisation with its email domains.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "console",
    responses((status = 200, body = Vec<Org>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn orgs(State(state): State<AppState>, _staff: Staff) -> Result<Json<Vec<Org>>> {
    Ok(Json(state.store.list_orgs().await?))
}

/// People by name or email; `staff=true` lists those tickets can be assigned to.
#[utoipa::path(get, path = "/api/v1/users", tag = "console", params(UserListQuery),
    responses((status = 200, body = Vec<User>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn users(
    State(state): State<AppState>,
    _staff: Staff,
    Query(q): Query<UserListQuery>,
) -> Result<Json<Vec<User>>> {
    Ok(Json(state.store.list_users(&q).await?))
}

/// The help-desk search: one box over users (name, email, phone, id), organisations
/// (name, id, email domain) and devices (hostname, serial, MAC, id), grouped by kind.
#[utoipa::path(get, path = "/api/v1/search", tag = "console", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    _staff: Staff,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchResults>> {
    if q.q.chars().count() > 200 {
        return Err(AppError::bad_request(
            "the search is longer than 200 characters",
        ));
    }
    Ok(Json(state.store.search(&q.q).await?))
}

/// The audit log of staff actions, newest first, searchable.
#[utoipa::path(get, path = "/api/v1/audit", tag = "console", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    _staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>> {
    Ok(Json(state.store.audit_entries(&q).await?))
}

/// A person as the help desk sees them: organisation, the last email we sent them and whether it
/// went out, their devices, their latest tickets.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserDetail), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn user(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<UserId>,
) -> Result<Json<UserDetail>> {
    let mut detail = state.store.user_detail(id).await?;
    let settings = state.store.portal_settings().await?;
    let fields = state.store.ticket_fields().await?;
    let user = &detail.user;
    detail.portal = Some(settings.for_user(&fields, user.id, user.org_id, user.role.is_staff()));
    Ok(Json(detail))
}

/// An organisation as the desk sees it: when it was created, its domains, its primary contacts,
/// how many people and devices it has, its company sign-in and sign-up rule.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "console",
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 200, body = bellhop_proto::OrgDetail), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn org(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<bellhop_proto::OrgId>,
) -> Result<Json<bellhop_proto::OrgDetail>> {
    let mut detail = state
        .store
        .org_detail(id)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("no such organisation"))?;
    detail.identity_provider = state
        .store
        .identity_provider(id)
        .await?
        .map(|idp| crate::domain::company_sign_in::shown(&state, idp));
    Ok(Json(detail))
}

/// Emails the user a short code to read back over the phone: 10 minutes, 5 attempts,
/// at most 3 codes per user in 15 minutes.
#[utoipa::path(post, path = "/api/v1/users/{id}/verification", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 202, body = VerificationSent), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn send_verification(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
) -> Result<(StatusCode, Json<VerificationSent>)> {
    let sent = verification::send(&state, &staff, id).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// Checks the code the user read back: verified or not, and how many tries are left.
#[utoipa::path(post, path = "/api/v1/users/{id}/verification/check", tag = "console",
    params(("id" = String, Path, description = "user id")), request_body = VerifyCodeRequest,
    responses((status = 200, body = VerifyCodeResult), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn check_verification(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
    Json(req): Json<VerifyCodeRequest>,
) -> Result<Json<VerifyCodeResult>> {
    Ok(Json(
        verification::check(&state.store, &staff, id, &req.code).await?,
    ))
}

/// Creates an organisation; its enrolment key is in the answer, this once.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "console", request_body = OrgInput,
    responses((status = 201, body = OrgCreated), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_org(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Json(input): Json<OrgInput>,
) -> Result<(StatusCode, Json<OrgCreated>)> {
    let input = people::clean_org(input)?;
    let key = new_token(ENROLMENT_KEY_PREFIX);
    let org = state
        .store
        .create_org(&staff, &input, &token_hash(&key))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(OrgCreated {
            org,
            enrolment_key: key,
        }),
    ))
}

/// Renames an organisation, replaces its email domains and whether its devices activate at once.
#[utoipa::path(put, path = "/api/v1/orgs/{id}", tag = "console",
    params(("id" = String, Path, description = "organisation id")), request_body = OrgInput,
    responses((status = 200, body = Org), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_org(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<OrgId>,
    Json(input): Json<OrgInput>,
) -> Result<Json<Org>> {
    let input = people::clean_org(input)?;
    Ok(Json(state.store.update_org(&staff, id, &input).await?))
}

/// Issues a new enrolment key; the old one stops enrolling (enrolled devices keep working).
#[utoipa::path(post, path = "/api/v1/orgs/{id}/enrolment-key", tag = "console",
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 200, body = EnrolmentKey), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate_enrolment_key(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<OrgId>,
) -> Result<Json<EnrolmentKey>> {
    let key = new_token(ENROLMENT_KEY_PREFIX);
    state
        .store
        .rotate_enrolment_key(&staff, id, &token_hash(&key))
        .await?;
    Ok(Json(EnrolmentKey { enrolment_key: key }))
}

/// Creates a person; with portal access, a welcome email lets them choose a password.
#[utoipa::path(post, path = "/api/v1/users", tag = "console", request_body = UserInput,
    responses((status = 201, body = User), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Json(input): Json<UserInput>,
) -> Result<(StatusCode, Json<User>)> {
    let user = people::create_user(&state, &staff, input).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Rewrites a person: name, email, phone, role, organisation, portal access.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "console",
    params(("id" = String, Path, description = "user id")), request_body = UserInput,
    responses((status = 200, body = User), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
    Json(input): Json<UserInput>,
) -> Result<Json<User>> {
    Ok(Json(people::update_user(&state, &staff, id, input).await?))
}

/// Switches a person off: no credential of theirs works anywhere (browser sessions, desktop
/// apps, links, the live event stream), at once. Technicians for customers; admins for anyone.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = User), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn disable_user(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
) -> Result<Json<User>> {
    Ok(Json(people::switch(&state, &staff, id, true).await?))
}

/// Switches a person on again; they sign in afresh (a password link, or the desktop's identity
/// confirmation).
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = User), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn enable_user(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
) -> Result<Json<User>> {
    Ok(Json(people::switch(&state, &staff, id, false).await?))
}

/// Mails a person again after a bounce: removes their address's suppression and sends the last
/// message to it again (technicians for customers; admins for anyone).
#[utoipa::path(post, path = "/api/v1/users/{id}/email/unsuppress", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unsuppress_email(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
) -> Result<StatusCode> {
    people::unsuppress(&state, &staff, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs a person out of every browser and desktop app (a lost laptop, a shared password).
#[utoipa::path(post, path = "/api/v1/users/{id}/sign-out", tag = "console",
    params(("id" = String, Path, description = "user id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn sign_out_user(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<UserId>,
) -> Result<StatusCode> {
    people::sign_out_everywhere(&state, &staff, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
