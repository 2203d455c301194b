//! What only technicians and admins read: organisations, people, the help-desk search and the
//! audit log. Every handler takes [`Staff`]: end users get 403, strangers 401.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{
    AuditEntry, AuditQuery, ErrorBody, ErrorCode, Org, Page, SearchQuery, SearchResults, User,
    UserDetail, UserId, UserListQuery, VerificationSent, VerifyCodeRequest, VerifyCodeResult,
};

use crate::app::AppState;
use crate::auth::{Staff, new_short_code, normalise_short_code, token_hash};
use crate::db::now_ms;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::mail::Email;

/// How long a caller's verification code is valid.
pub const VERIFY_TTL_MS: i64 = 10 * 60 * 1000;
/// Codes per user within [`VERIFY_WINDOW_MS`].
pub const VERIFY_CODES_PER_USER: i64 = 3;
pub const VERIFY_WINDOW_MS: i64 = 15 * 60 * 1000;

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

/// The help-desk search (seed 004): one box over users (name, email, phone, id), organisations
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
    Ok(Json(state.store.user_detail(id).await?))
}

/// Emails the user a short code to read back over the phone (seed 004): 10 minutes, 5 attempts,
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
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {id}")))?;
    let sent = state
        .store
        .recent_verification_count(id, now_ms() - VERIFY_WINDOW_MS)
        .await?;
    if sent >= VERIFY_CODES_PER_USER {
        return Err(AppError::client(
            ErrorCode::RateLimited,
            "three codes were sent to this user in the last 15 minutes; wait before sending another",
        ));
    }
    let code = new_short_code();
    let shown = format!("{}-{}", &code[..4], &code[4..]);
    let mail = Email {
        to: user.email.clone(),
        // Not in the subject: the desk sees subjects on the user's page.
        subject: "Your Bellhop verification code".into(),
        text: format!(
            "Hello {},\n\nthe service desk ({}) asked to verify it is you.\n\nYour code is {shown}\n\n\
             Read it to them when they ask. It expires in 10 minutes. If you are not talking to \
             the service desk, do not share it.\n",
            user.name, staff.name
        ),
        html: format!(
            "<p>Hello {},</p><p>the service desk ({}) asked to verify it is you. Your code is \
             <strong style=\"font-size:1.4em\">{shown}</strong></p><p>Read it to them when they \
             ask. It expires in 10 minutes. If you are not talking to the service desk, do not \
             share it.</p>",
            html_escape::encode_text(&user.name),
            html_escape::encode_text(&staff.name)
        ),
    };
    let expires = state
        .store
        .insert_verification_code(&staff, id, &token_hash(&code), VERIFY_TTL_MS, &mail)
        .await?;
    state.mail.wake();
    Ok((
        StatusCode::ACCEPTED,
        Json(VerificationSent {
            expires_at: crate::db::ts(expires)?,
        }),
    ))
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
    let code = normalise_short_code(&req.code);
    if code.is_empty() || code.len() > 32 {
        return Err(AppError::bad_request("type the code the user reads out"));
    }
    Ok(Json(
        state
            .store
            .check_verification_code(&staff, id, &token_hash(&code))
            .await?,
    ))
}
