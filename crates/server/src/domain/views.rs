//! The desk looking at a customer's portal, read-only, with their consent.
//!
//! - A customer lets the desk look, for 1 to 168 hours, from their portal, and can withdraw it;
//!   they see who looked and when.
//! - A technician (for customers; an admin for anyone but the desk) opens a look: a single-use
//!   ticket for a tab of its own, traded there for a read-only session of the person, good for
//!   an hour at most and never past the consent.
//! - That session reads what the person reads and changes nothing: `auth.rs` refuses every
//!   request but a read and signing the tab out, whatever the endpoint.
//! - Each look is audited, and shows in the person's list.

use bellhop_proto::{
    LoginResponse, MAX_VIEW_CONSENT_HOURS, UserId, ViewConsent, ViewConsentInput, ViewFinish,
    ViewTicket,
};

use crate::db::{Caller, ts};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::tokens::{VIEW_PREFIX, VIEW_TICKET_PREFIX, new_token, token_hash};

/// How long a look lasts at most.
pub const VIEW_TTL_MS: i64 = 60 * 60 * 1000;
/// How long the tab has to trade the ticket.
pub const TICKET_TTL_MS: i64 = 2 * 60 * 1000;

/// The caller's consent and who looked.
pub async fn consent(state: &AppState, caller: &Caller) -> Result<ViewConsent> {
    Ok(ViewConsent {
        until: state
            .store
            .view_consent(caller.user_id)
            .await?
            .map(ts)
            .transpose()?,
        views: state.store.views_of(caller.user_id).await?,
    })
}

/// Lets the desk look at the caller's portal for `hours` (customers only: the desk has no portal
/// of theirs to show).
#[tracing::instrument(skip_all)]
pub async fn grant(
    state: &AppState,
    caller: &Caller,
    input: ViewConsentInput,
) -> Result<ViewConsent> {
    if caller.is_staff() {
        return Err(AppError::forbidden(
            "the desk's own accounts are not looked at this way",
        ));
    }
    if !(1..=MAX_VIEW_CONSENT_HOURS).contains(&input.hours) {
        return Err(AppError::bad_request(format!(
            "hours must be 1 to {MAX_VIEW_CONSENT_HOURS}"
        )));
    }
    let until = crate::db::now_ms() + i64::from(input.hours) * 3600 * 1000;
    state
        .store
        .grant_view_consent(caller.user_id, until)
        .await?;
    consent(state, caller).await
}

/// Withdraws the caller's consent; any look under way ends at once.
#[tracing::instrument(skip_all)]
pub async fn withdraw(state: &AppState, caller: &Caller) -> Result<ViewConsent> {
    state.store.withdraw_view_consent(caller.user_id).await?;
    consent(state, caller).await
}

/// Opens a look at `target`'s portal for `staff`: refused without the person's live consent
/// (403), and as far as `staff` may manage them.
#[tracing::instrument(skip_all, fields(user = %target))]
pub async fn open(state: &AppState, staff: &Caller, target: UserId) -> Result<ViewTicket> {
    let user = super::people::may_manage(state, staff, target).await?;
    if user.role.is_staff() {
        return Err(AppError::forbidden(
            "only customers' portals can be looked at",
        ));
    }
    let Some(until) = state.store.view_consent(target).await? else {
        return Err(AppError::forbidden(format!(
            "{} has not let the service desk look at their portal (they allow it from their portal's Security page)",
            user.name
        )));
    };
    let expires_at = until.min(crate::db::now_ms() + VIEW_TTL_MS);
    let ticket = new_token(VIEW_TICKET_PREFIX);
    state
        .store
        .begin_view(staff, target, &user.name, &token_hash(&ticket), expires_at)
        .await?;
    Ok(ViewTicket {
        ticket,
        expires_at: ts(expires_at)?,
    })
}

/// Trades a look's ticket for its read-only session, once.
#[tracing::instrument(skip_all)]
pub async fn finish(state: &AppState, req: ViewFinish) -> Result<LoginResponse> {
    let gone =
        || AppError::bad_request("this link was used already or has expired: open the view again");
    if req.ticket.len() > 200 {
        return Err(gone());
    }
    let token = new_token(VIEW_PREFIX);
    let user = state
        .store
        .open_view(
            &token_hash(req.ticket.trim()),
            &token_hash(&token),
            TICKET_TTL_MS,
        )
        .await?
        .ok_or_else(gone)?;
    let user = state.store.user(user).await?.ok_or_else(gone)?;
    Ok(LoginResponse { token, user })
}
