//! What only technicians and admins read: organisations, people, the help-desk search and the
//! audit log. Every handler takes [`Staff`]: end users get 403, strangers 401.

use axum::extract::State;
use bellhop_proto::{
    AuditEntry, AuditQuery, ErrorBody, Org, Page, SearchQuery, SearchResults, User, UserListQuery,
};

use crate::app::AppState;
use crate::auth::Staff;
use crate::error::{AppError, Result};
use crate::extract::{Json, Query};

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
