//! The second factor for self-service actions: a phone confirmed by a code sent by SMS, an
//! authenticator app (TOTP, RFC 6238) confirmed by its first code, or both.
//!
//! - SMS codes live ten minutes, allow five tries and cost a text each (five an hour).
//! - An app's set-up lives ten minutes and allows five wrong first codes. Its secret is stored
//!   sealed (`keys.rs`), and each of its codes is taken once (its time step is recorded).
//! - Changing or removing either needs a recent sign-in once any factor is confirmed, and the
//!   person is told by email. The desk can reset both (audited; the person is told).

use bellhop_proto::{AuthenticatorSetup, ErrorCode, Phone, SecondFactor, UserId, VerifyCodeResult};
use rand::{Rng, RngCore};
use totp_rs::{Builder, Totp};

use crate::db::{Caller, SealedAuthenticator, now_ms, ts};
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

/// How long an authenticator app's set-up waits for its first code.
pub const AUTHENTICATOR_SETUP_TTL_MS: i64 = 10 * 60 * 1000;
/// The name an authenticator app shows beside the codes.
const ISSUER: &str = "Bellhop";

/// Refuses to change a second factor once one is confirmed, unless the caller proved who they
/// are lately: a stolen session alone cannot move the factor to the thief's phone or app. The
/// confirmed phone, if any.
async fn fresh_enough(state: &AppState, caller: &Caller) -> Result<Option<String>> {
    let factor = state.store.second_factor(caller.user_id).await?;
    let current = factor.phone;
    let any = current.is_some() || factor.authenticator_since.is_some();
    if any && !caller.signed_in_within(FRESH_SIGN_IN_MS) {
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

/// Six digits, with any spaces the person typed taken out; anything else is refused.
fn six_digits(typed: &str, what: &str) -> Result<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::bad_request(format!(
            "type the six digits of {what}"
        )));
    }
    Ok(code)
}

/// The code from the SMS: a right one sets the second factor to that phone and mails the
/// person; a wrong one counts against the code's tries.
#[tracing::instrument(skip_all, fields(user = %caller.user_id))]
pub async fn confirm(state: &AppState, caller: &Caller, typed: &str) -> Result<VerifyCodeResult> {
    let code = six_digits(typed, "the SMS code")?;
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

/// The person, for their letters.
async fn person(state: &AppState, user: UserId) -> Result<bellhop_proto::User> {
    state
        .store
        .user(user)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))
}

fn letter_to(user: &bellhop_proto::User, letter: Letter) -> Email {
    compose(user.language, letter, &user.email, &user.name, &[])
}

/// The generator for `secret`: RFC 6238's defaults (SHA-1, six digits, 30 seconds, one step of
/// clock drift either way), which every authenticator app reads. `account` names it in the
/// set-up's address; checking a code needs none ("").
fn generator(secret: Vec<u8>, account: &str) -> Result<Totp> {
    // The otpauth address separates issuer and account with a colon.
    let account = account.replace(':', " ");
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AppError::Other(anyhow::anyhow!("an authenticator secret: {e}")))
}

/// The time step an app's code matches now (one step of drift either way), `None` when it
/// matches none.
pub fn matching_step(
    state: &AppState,
    app: &SealedAuthenticator,
    code: &str,
) -> Result<Option<i64>> {
    let secret = state.secrets.open(&app.secret).map_err(AppError::Other)?;
    let totp = generator(secret, "")?;
    let now = u64::try_from(jiff::Timestamp::now().as_second()).unwrap_or(0);
    Ok(totp
        .check(code, now)
        .and_then(|step| i64::try_from(step).ok()))
}

/// A code from the person's confirmed app, checked for an action: the app and the step it
/// matched. Refused when they have no app.
pub async fn app_proof(
    state: &AppState,
    user: UserId,
    typed: &str,
) -> Result<(SealedAuthenticator, Option<i64>)> {
    let code = six_digits(typed, "the code from your authenticator app")?;
    let app = state
        .store
        .authenticator_confirmed(user)
        .await?
        .ok_or_else(|| {
            AppError::conflict("your authenticator app was removed or reset: ask again")
        })?;
    let step = matching_step(state, &app, &code)?;
    Ok((app, step))
}

/// Starts setting up an authenticator app: a new secret, shown this once as a QR code and as
/// text. It counts from its first code ([`confirm_app`]); a confirmed app stays until then.
#[tracing::instrument(skip_all, fields(user = %caller.user_id))]
pub async fn start_app(state: &AppState, caller: &Caller) -> Result<AuthenticatorSetup> {
    fresh_enough(state, caller).await?;
    let user = person(state, caller.user_id).await?;
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    let totp = generator(secret.clone(), &user.email)?;
    let sealed = state.secrets.seal(&secret).map_err(AppError::Other)?;
    let expires_at = state
        .store
        .start_authenticator(caller.user_id, &sealed, AUTHENTICATOR_SETUP_TTL_MS)
        .await?;
    let uri = totp
        .to_url()
        .map_err(|e| AppError::Other(anyhow::anyhow!("an otpauth address: {e}")))?;
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| AppError::Other(anyhow::anyhow!("a QR code: {e}")))?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(AuthenticatorSetup {
        secret: totp.secret().to_base32(),
        uri,
        qr_svg,
        expires_at: ts(expires_at)?,
    })
}

/// The app's first code: a right one makes it the person's second factor (in place of an app
/// they had), and they are told by email; a wrong one costs one of five tries.
#[tracing::instrument(skip_all, fields(user = %caller.user_id))]
pub async fn confirm_app(
    state: &AppState,
    caller: &Caller,
    typed: &str,
) -> Result<VerifyCodeResult> {
    let code = six_digits(typed, "the code from your authenticator app")?;
    fresh_enough(state, caller).await?;
    let app = state
        .store
        .authenticator_setting_up(caller.user_id)
        .await?
        .ok_or_else(|| {
            AppError::bad_request("no authenticator app is being set up: start again")
        })?;
    let step = matching_step(state, &app, &code)?;
    let user = person(state, caller.user_id).await?;
    let outcome = state
        .store
        .confirm_authenticator(
            caller,
            &app.id,
            step,
            &letter_to(&user, Letter::AuthenticatorSet),
        )
        .await?;
    state.mail.wake();
    Ok(outcome)
}

/// Removes the caller's authenticator app (and a set-up under way); with a factor confirmed, it
/// needs a recent sign-in, and the person is told by email.
#[tracing::instrument(skip_all, fields(user = %caller.user_id))]
pub async fn remove_app(state: &AppState, caller: &Caller) -> Result<()> {
    fresh_enough(state, caller).await?;
    let user = person(state, caller.user_id).await?;
    state
        .store
        .remove_authenticator(caller, &letter_to(&user, Letter::AuthenticatorRemoved))
        .await?;
    state.mail.wake();
    Ok(())
}

/// The desk resets a person's second factor (a lost phone, a new phone without the app): the
/// verification phone and the authenticator app both go, actions waiting for a code end, and
/// the person is told by email. The number stays in their contact details. Nothing happens,
/// and nobody is told, when there was nothing to reset.
#[tracing::instrument(skip_all, fields(actor = %staff.user_id, user = %user))]
pub async fn reset_by_desk(state: &AppState, staff: &Caller, user: UserId) -> Result<()> {
    let person = state
        .store
        .user(user)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {user}")))?;
    let notice = letter_to(&person, Letter::SecondFactorReset);
    if state
        .store
        .reset_second_factor_by_desk(staff, user, &notice)
        .await?
    {
        state.mail.wake();
    }
    Ok(())
}
