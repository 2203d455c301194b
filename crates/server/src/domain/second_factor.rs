//! The second factor for self-service actions: a phone confirmed by a code sent by SMS. Codes
//! live ten minutes, allow five tries and cost a text each (five an hour); changing or removing
//! a confirmed phone needs a recent sign-in, and the person is told by email.

use bellhop_proto::{ErrorCode, Phone, SecondFactor, VerifyCodeResult};
use rand::Rng;

use crate::db::{Caller, now_ms};
use crate::error::{AppError, Result};
use crate::letters::{Email, Letter, Value, compose};
use crate::state::AppState;
use crate::tokens::token_hash;

/// How long an SMS code lives.
pub const PHONE_CODE_TTL_MS: i64 = 10 * 60 * 1000;
/// Codes per user within [`PHONE_CODE_WINDOW_MS`]: each one costs a text message.
pub const PHONE_CODES_PER_WINDOW: i64 = 5;
pub const PHONE_CODE_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Changing or removing a confirmed second factor needs a sign-in this recent.
pub const FRESH_SIGN_IN_MS: i64 = 15 * 60 * 1000;

/// Refuses to change a confirmed second factor unless the caller proved who they are lately: a
/// stolen session alone cannot move the factor to the thief's phone.
async fn fresh_enough(state: &AppState, caller: &Caller) -> Result<Option<String>> {
    let current = state.store.second_factor(caller.user_id).await?.phone;
    if current.is_some() && !caller.signed_in_within(FRESH_SIGN_IN_MS) {
        return Err(AppError::client(
            ErrorCode::Reauthenticate,
            "sign in again to change your verification phone",
        ));
    }
    Ok(current)
}

/// The letter telling the person their verification phone changed.
async fn notice(state: &AppState, caller: &Caller, letter: Letter, phone: &str) -> Result<Email> {
    let user = state
        .store
        .user(caller.user_id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))?;
    Ok(compose(
        user.language,
        letter,
        &user.email,
        &user.name,
        &[("phone", Value::Text(phone))],
    ))
}

/// "Save and send code": texts a six-digit code to the number. The confirmed phone, if any,
/// stays until the new one is confirmed. An SMS that cannot be sent voids its code.
#[tracing::instrument(skip_all, fields(user = %caller.user_id))]
pub async fn send_code(state: &AppState, caller: &Caller, phone: &str) -> Result<SecondFactor> {
    let phone = Phone::parse(phone)?.into_string();
    fresh_enough(state, caller).await?;
    let sent = state
        .store
        .recent_phone_code_count(caller.user_id, now_ms() - PHONE_CODE_WINDOW_MS)
        .await?;
    if sent >= PHONE_CODES_PER_WINDOW {
        return Err(AppError::client(
            ErrorCode::RateLimited,
            "five codes were sent in the last hour; wait before asking for another",
        ));
    }
    let user = state
        .store
        .user(caller.user_id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))?;
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let (id, _) = state
        .store
        .insert_phone_code(
            caller.user_id,
            &phone,
            &token_hash(&code),
            PHONE_CODE_TTL_MS,
        )
        .await?;
    let text = crate::letters::sms_code(user.language, &code);
    if let Err(e) = state.sms.send(&phone, &text).await {
        state.store.void_phone_code(&id).await?;
        return Err(e);
    }
    state.store.second_factor(caller.user_id).await
}

/// The code from the SMS: a right one sets the second factor to that phone and mails the
/// person; a wrong one counts against the code's tries.
#[tracing::instrument(skip_all, fields(user = %caller.user_id))]
pub async fn confirm(state: &AppState, caller: &Caller, typed: &str) -> Result<VerifyCodeResult> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::bad_request("type the six digits of the SMS code"));
    }
    fresh_enough(state, caller).await?;
    let user = state
        .store
        .user(caller.user_id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))?;
    let letter = |phone: &str| {
        compose(
            user.language,
            Letter::SecondFactorSet,
            &user.email,
            &user.name,
            &[("phone", Value::Text(phone))],
        )
    };
    let outcome = state
        .store
        .confirm_phone_code(caller, &token_hash(&code), &letter)
        .await?;
    state.mail.wake();
    Ok(outcome)
}

/// Removes the caller's phone number: the second factor is reset, to be set up again. With a
/// factor confirmed, it needs a recent sign-in, and the person is told by email.
#[tracing::instrument(skip_all, fields(user = %caller.user_id))]
pub async fn remove(state: &AppState, caller: &Caller) -> Result<()> {
    let removed = match fresh_enough(state, caller).await? {
        Some(phone) => Some(notice(state, caller, Letter::SecondFactorRemoved, &phone).await?),
        None => None,
    };
    state
        .store
        .remove_my_phone(caller, removed.as_ref())
        .await?;
    state.mail.wake();
    Ok(())
}
