//! Verifying a caller on the phone: the desk emails the person a short code and they read it
//! back. Codes live ten minutes, allow five tries, and at most three go to one person in
//! fifteen minutes.

use bellhop_proto::{ErrorCode, UserId, VerificationSent, VerifyCodeResult};

use crate::db::{Caller, Store, now_ms};
use crate::error::{AppError, Result};
use crate::letters::{Letter, Value, compose};
use crate::state::AppState;
use crate::tokens::{new_short_code, normalise_short_code, token_hash};

/// How long a caller's verification code is valid.
pub const VERIFY_TTL_MS: i64 = 10 * 60 * 1000;
/// Codes per user within [`VERIFY_WINDOW_MS`].
pub const VERIFY_CODES_PER_USER: i64 = 3;
pub const VERIFY_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Emails person `id` a short code to read back to `staff`.
#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn send(state: &AppState, staff: &Caller, id: UserId) -> Result<VerificationSent> {
    super::require_staff(staff)?;
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
    // Not in the subject: the desk sees subjects on the user's page.
    let mail = compose(
        user.language,
        Letter::VerificationCode,
        &user.email,
        &user.name,
        &[
            ("desk", Value::Text(&staff.name)),
            ("code", Value::Code(&shown)),
        ],
    );
    let expires = state
        .store
        .insert_verification_code(staff, id, &token_hash(&code), VERIFY_TTL_MS, &mail)
        .await?;
    state.mail.wake();
    Ok(VerificationSent {
        expires_at: crate::db::ts(expires)?,
    })
}

/// Checks the code person `id` read back: verified or not, and how many tries are left (each
/// counted before it is compared, in the store's one statement).
#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn check(
    store: &Store,
    staff: &Caller,
    id: UserId,
    typed: &str,
) -> Result<VerifyCodeResult> {
    super::require_staff(staff)?;
    let code = normalise_short_code(typed);
    if code.is_empty() || code.len() > 32 {
        return Err(AppError::bad_request("type the code the user reads out"));
    }
    store
        .check_verification_code(staff, id, &token_hash(&code))
        .await
}
