//! Signing in, signing up and passwords: failures that slow the next attempt, per account and
//! per client; answers that never tell whether an address has an account; reset links and
//! sign-ups limited per address and per client, links good once and for an hour (a week for a
//! welcome); what a password must be.

use bellhop_proto::{
    Email, ForgotPasswordRequest, LoginRequest, LoginResponse, MIN_PASSWORD_CHARS, Name,
    ResetPasswordRequest, SignUpRequest, UserId,
};

use crate::db::{Limited, now_ms};
use crate::domain::limits::wait_after_failures;
use crate::error::{AppError, Result};
use crate::letters::{Letter, Value, compose};
use crate::state::AppState;
use crate::tokens::{RESET_PREFIX, SESSION_PREFIX, SESSION_TTL_MS, new_token, token_hash};

/// Sign-in failures that cost nothing, per account and per client, within
/// [`SIGN_IN_WINDOW_MS`]; each one after them doubles the wait before the next attempt.
pub const SIGN_IN_FREE_PER_ACCOUNT: i64 = 5;
pub const SIGN_IN_FREE_PER_CLIENT: i64 = 20;
pub const SIGN_IN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Longest email address (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;
/// Longest password: hashing is bounded whatever is sent.
const MAX_PASSWORD_CHARS: usize = 1024;

/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;
/// Reset links per email address, and requests per client address, within an hour.
pub const RESETS_PER_EMAIL: i64 = 3;
pub const RESETS_PER_CLIENT: i64 = 20;
const RESET_WINDOW_MS: i64 = 60 * 60 * 1000;

/// Signs in with email and password from client address `addr`; answers a session token.
/// Refused alike for a wrong password, an unknown address and a person without portal access,
/// after the same work; refused with the reason (403) for the right password of a person whose
/// organisation signs in with its company account alone.
#[tracing::instrument(skip_all)]
pub async fn login(state: &AppState, addr: &str, req: LoginRequest) -> Result<LoginResponse> {
    let wrong = || AppError::unauthenticated("wrong email or password");
    if req.email.chars().count() > MAX_EMAIL_CHARS
        || req.password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(wrong());
    }
    let store = &state.store;
    let account = req.email.trim().to_ascii_lowercase();
    let now = now_ms();
    let (by_account, by_client) = store
        .sign_in_failures(&account, addr, now - SIGN_IN_WINDOW_MS)
        .await?;
    let wait = wait_after_failures(by_account, SIGN_IN_FREE_PER_ACCOUNT, now)
        .max(wait_after_failures(by_client, SIGN_IN_FREE_PER_CLIENT, now));
    if let Some(wait) = wait {
        return Err(AppError::limited(
            "too many failed sign-ins; wait a little and try again",
            wait,
        ));
    }
    let found = store.user_for_login(&account).await?;
    let hash = found
        .as_ref()
        .filter(|a| a.may_sign_in)
        .and_then(|a| a.password_hash.clone());
    let ok = state.passwords.verify(req.password, hash).await?;
    let Some(user) = found.filter(|_| ok).map(|a| a.user) else {
        store.record_sign_in_failure(&account, addr).await?;
        return Err(wrong());
    };
    if by_account.count > 0 {
        store.clear_sign_in_failures(&account).await?;
    }
    // Told only to someone who knew the password.
    if !store.password_sign_in_allowed(user.id).await? {
        return Err(AppError::forbidden(
            "your organisation signs in with its company account: choose \"Sign in with your company account\"",
        ));
    }
    let token = new_token(SESSION_PREFIX);
    store
        .insert_session(&token_hash(&token), user.id, SESSION_TTL_MS)
        .await?;
    tracing::info!(user = %user.id, "signed in");
    Ok(LoginResponse { token, user })
}

/// Emails a single-use link to set a new password, to people with portal access. Unknown
/// addresses, people who may not use the portal, people switched off and a full quota all look
/// the same from outside: accepted, no mail.
#[tracing::instrument(skip_all)]
pub async fn forgot_password(
    state: &AppState,
    addr: &str,
    req: &ForgotPasswordRequest,
) -> Result<()> {
    let email = Email::parse(&req.email)?.into_string();
    let (by_email, by_addr) = state
        .store
        .recent_counts(
            Limited::PasswordResets,
            &email,
            addr,
            now_ms() - RESET_WINDOW_MS,
        )
        .await?;
    if by_addr >= RESETS_PER_CLIENT {
        return Err(AppError::limited(
            "too many reset requests from here; wait a while and try again",
            std::time::Duration::from_millis(RESET_WINDOW_MS as u64),
        ));
    }
    let account = state.store.user_for_login(&email).await?;
    let Some(user) = account
        .filter(|a| a.may_sign_in && by_email < RESETS_PER_EMAIL)
        .map(|a| a.user)
    else {
        return Ok(());
    };
    // No password for people whose organisation signs in with its company account alone.
    if !state.store.password_sign_in_allowed(user.id).await? {
        return Ok(());
    }
    let token = new_token(RESET_PREFIX);
    // Only the server's configured address: never a value someone could edit in the console.
    let link = format!(
        "{}/#/reset-password?token={token}",
        state.public_url.trim_end_matches('/')
    );
    let mail = compose(
        user.language,
        Letter::PasswordReset,
        &email,
        &user.name,
        &[("link", Value::Link(&link))],
    );
    state
        .store
        .insert_password_reset(
            user.id,
            &email,
            &token_hash(&token),
            addr,
            RESET_TTL_MS,
            &mail,
        )
        .await?;
    state.mail.wake();
    Ok(())
}

/// Sign-ups per email address, and per client address, within an hour.
pub const SIGN_UPS_PER_EMAIL: i64 = 3;
pub const SIGN_UPS_PER_CLIENT: i64 = 10;
const SIGN_UP_WINDOW_MS: i64 = 60 * 60 * 1000;

/// Signs a person up from the portal's form. Whatever happens, the answer is the same (202):
/// a new person of the organisation their address joins gets the welcome email with a link to
/// choose a password; an address with an account gets a letter saying so, with the way to sign
/// in; an address no organisation takes sign-ups for gets nothing. Only a malformed request
/// (422) and too many sign-ups from one client (429) are answered otherwise.
#[tracing::instrument(skip_all)]
pub async fn sign_up(state: &AppState, addr: &str, req: &SignUpRequest) -> Result<()> {
    let name = Name::parse(&req.name)?.into_string();
    let email = Email::parse(&req.email)?.into_string();
    let language = req.language.unwrap_or_default();
    let store = &state.store;
    let (by_email, by_addr) = store
        .recent_counts(Limited::SignUps, &email, addr, now_ms() - SIGN_UP_WINDOW_MS)
        .await?;
    if by_addr >= SIGN_UPS_PER_CLIENT {
        return Err(AppError::limited(
            "too many sign-ups from here; wait a while and try again",
            std::time::Duration::from_millis(SIGN_UP_WINDOW_MS as u64),
        ));
    }
    store.record_sign_up(&email, addr).await?;
    // One address gets a few letters an hour at most, whoever asks.
    if by_email >= SIGN_UPS_PER_EMAIL {
        return Ok(());
    }
    if let Some(account) = store.user_for_login(&email).await? {
        let user = account.user;
        // Someone the desktop app knows, without portal access the desk never decided about,
        // of an organisation that takes their sign-up: welcome, as a new person would be.
        if !account.may_sign_in
            && let Some(org) = store.sign_up_org(&email).await?
            && user.org_id == Some(org)
        {
            let link = crate::domain::people::password_link(
                state,
                &user.name,
                &email,
                user.language,
                true,
            )
            .await?;
            if store.sign_up_known(user.id, &email, org, &link).await? {
                tracing::info!(user = %user.id, %org, "signed up (known from the desktop app)");
                state.mail.wake();
                return Ok(());
            }
        }
        let portal = state.public_url.trim_end_matches('/');
        let link = format!("{portal}/#/login");
        let mail = compose(
            user.language,
            Letter::AccountExists,
            &email,
            &user.name,
            &[("link", Value::Link(&link))],
        );
        store.queue_emails(&[mail]).await?;
        state.mail.wake();
        return Ok(());
    }
    let Some(org) = store.sign_up_org(&email).await? else {
        tracing::info!("a sign-up for a domain that takes none");
        return Ok(());
    };
    let link = crate::domain::people::password_link(state, &name, &email, language, true).await?;
    if let Some(id) = store
        .sign_up_user(&name, &email, language, org, &link)
        .await?
    {
        tracing::info!(user = %id, %org, "signed up");
        state.mail.wake();
    }
    Ok(())
}

/// Checks a new password's length; the message says what to fix.
pub fn check_password(password: &str) -> Result<()> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(AppError::bad_request(format!(
            "choose a password of at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_request(format!(
            "a password has at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// Sets a new password with the token from the emailed link. Every browser session of the
/// person ends; a reset (not a first password) revokes their device credentials too. The link
/// is looked up before the password is hashed: a made-up token costs one read.
#[tracing::instrument(skip_all)]
pub async fn reset_password(state: &AppState, req: ResetPasswordRequest) -> Result<UserId> {
    check_password(&req.password)?;
    let invalid = || {
        AppError::bad_request(
            "this link is invalid, was used already or has expired: ask for a new one",
        )
    };
    let link = token_hash(req.token.trim());
    if req.token.len() > 200 || !state.store.live_password_link(&link).await? {
        return Err(invalid());
    }
    let hash = state.passwords.hash(req.password).await?;
    let user = state
        .store
        .reset_password(&link, &hash)
        .await?
        .ok_or_else(invalid)?;
    tracing::info!(%user, "password set");
    Ok(user)
}
