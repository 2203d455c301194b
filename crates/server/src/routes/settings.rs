//! Portal settings: technicians decide what users see; every user can ask what they
//! may use.

use std::collections::HashSet;

use axum::extract::State;
use bellhop_proto::{ErrorBody, MyPortal, PortalSettings, SectionRule, TicketFields};

use crate::auth::Staff;
use crate::db::Caller;
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::state::AppState;

/// Most users one section rule may name.
const MAX_RULE_USERS: usize = 1000;

/// The portal settings (technicians).
#[utoipa::path(get, path = "/api/v1/portal-settings", tag = "console",
    responses((status = 200, body = PortalSettings), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(State(state): State<AppState>, _staff: Staff) -> Result<Json<PortalSettings>> {
    Ok(Json(state.store.portal_settings().await?))
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
    Json(mut settings): Json<PortalSettings>,
) -> Result<Json<PortalSettings>> {
    let mut seen = HashSet::new();
    settings.visible_statuses.retain(|s| seen.insert(*s));
    if settings.visible_statuses.is_empty() {
        return Err(AppError::bad_request(
            "users must see at least one ticket status",
        ));
    }
    for (name, rule) in [
        ("ticketing", &mut settings.ticketing),
        ("knowledge_base", &mut settings.knowledge_base),
        ("assistant", &mut settings.assistant),
        ("self_service", &mut settings.self_service),
    ] {
        check_rule(&state, name, rule).await?;
    }
    state.store.save_portal_settings(&staff, &settings).await?;
    Ok(Json(settings))
}

/// Removes repeats and checks that every named user exists.
async fn check_rule(state: &AppState, name: &str, rule: &mut SectionRule) -> Result<()> {
    let mut seen = HashSet::new();
    rule.users.retain(|u| seen.insert(*u));
    if rule.users.len() > MAX_RULE_USERS {
        return Err(AppError::bad_request(format!(
            "{name}: name at most {MAX_RULE_USERS} users"
        )));
    }
    for user in &rule.users {
        if state.store.user(*user).await?.is_none() {
            return Err(AppError::bad_request(format!("{name}: no user {user}")));
        }
    }
    Ok(())
}

/// The portal as the caller may use it: which sections, which statuses, whether they may reopen.
#[utoipa::path(get, path = "/api/v1/me/portal", tag = "auth",
    responses((status = 200, body = MyPortal), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mine(State(state): State<AppState>, caller: Caller) -> Result<Json<MyPortal>> {
    let settings = state.store.portal_settings().await?;
    let fields = state.store.ticket_fields().await?;
    Ok(Json(settings.for_user(
        &fields,
        caller.user_id,
        caller.is_staff(),
    )))
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
    Json(mut fields): Json<TicketFields>,
) -> Result<Json<TicketFields>> {
    fields.check_definitions()?;
    state.store.save_ticket_fields(&staff, &fields).await?;
    Ok(Json(fields))
}
