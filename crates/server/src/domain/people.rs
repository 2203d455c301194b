//! People and organisations as the desk manages them: what a person and an organisation must
//! be, who may change whom (technicians customers and themselves, admins anyone), and what each
//! change mails (a welcome link, "portal access given", the old address told of a new one, the
//! person told their second factor went).

use bellhop_proto::{
    ContactPhone, Domain, Email, Language, Name, OrgInput, Role, User, UserId, UserInput,
};

use crate::db::{Caller, PasswordLink, phone_digits};
use crate::error::{AppError, Result};
use crate::letters::{Letter, Value, compose};
use crate::state::AppState;
use crate::tokens::{RESET_PREFIX, new_token, token_hash};

/// How long a welcome link to choose a password lives.
pub const WELCOME_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// Trims and checks an organisation; domains lower-cased, without repeats.
pub fn clean_org(mut input: OrgInput) -> Result<OrgInput> {
    input.name = Name::parse(&input.name)?.into_string();
    let mut domains: Vec<String> = Vec::new();
    for d in &input.domains {
        let d = Domain::parse(d)
            .map_err(|e| AppError::bad_request(format!("{d:?}: {e}")))?
            .into_string();
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    if domains.len() > 50 {
        return Err(AppError::bad_request("at most 50 domains"));
    }
    input.domains = domains;
    Ok(input)
}

/// Trims and checks a person.
pub fn clean_user(mut input: UserInput) -> Result<UserInput> {
    input.name = Name::parse(&input.name)?.into_string();
    input.email = Email::parse(&input.email)?.into_string();
    input.phone = match &input.phone {
        Some(typed) => ContactPhone::parse(typed)?.map(ContactPhone::into_string),
        None => None,
    };
    Ok(input)
}

fn only_admins() -> AppError {
    AppError::forbidden("only admins give the technician or admin role, or change those accounts")
}

/// The welcome (or "portal access given") email with a link to choose a password, to `name`
/// at `email`.
pub(crate) async fn password_link(
    state: &AppState,
    name: &str,
    email: &str,
    language: Language,
    welcome: bool,
) -> Result<PasswordLink> {
    let token = new_token(RESET_PREFIX);
    let portal = state.public_url.trim_end_matches('/');
    let link = format!("{portal}/#/reset-password?token={token}");
    let letter = if welcome {
        Letter::Welcome
    } else {
        Letter::PortalAccess
    };
    Ok(PasswordLink {
        token_hash: token_hash(&token),
        ttl_ms: WELCOME_TTL_MS,
        mail: compose(
            language,
            letter,
            email,
            name,
            &[
                ("portal", Value::Url(portal)),
                ("email", Value::Text(email)),
                ("link", Value::Link(&link)),
            ],
        ),
    })
}

/// Creates a person; with portal access, a welcome email lets them choose a password. Only
/// admins create technicians and admins.
#[tracing::instrument(skip_all)]
pub async fn create_user(state: &AppState, staff: &Caller, input: UserInput) -> Result<User> {
    let input = clean_user(input)?;
    if input.role.is_staff() && staff.role != Role::Admin {
        return Err(only_admins());
    }
    let link = if input.portal_access {
        Some(
            password_link(
                state,
                &input.name,
                &input.email,
                input.language.unwrap_or_default(),
                true,
            )
            .await?,
        )
    } else {
        None
    };
    let user = state
        .store
        .create_user(staff, &input, link.as_ref())
        .await?;
    state.mail.wake();
    Ok(user)
}

/// Rewrites a person. Technicians edit customers and their own details; roles of the desk are
/// for admins.
#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn update_user(
    state: &AppState,
    staff: &Caller,
    id: UserId,
    input: UserInput,
) -> Result<User> {
    let input = clean_user(input)?;
    let current = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {id}")))?;
    // Technicians edit customers, and their own details; roles of staff are for admins.
    let own_details = current.id == staff.user_id && input.role == current.role;
    if (current.role.is_staff() || input.role.is_staff())
        && staff.role != Role::Admin
        && !own_details
    {
        return Err(only_admins());
    }
    let link = if input.portal_access && !state.store.has_password(id).await? {
        Some(
            password_link(
                state,
                &input.name,
                &input.email,
                input.language.unwrap_or(current.language),
                false,
            )
            .await?,
        )
    } else {
        None
    };
    let mut notices = Vec::new();
    // The old address hears that it no longer signs in, in case the change was not theirs.
    if current.email != input.email {
        notices.push(compose(
            current.language,
            Letter::EmailChanged,
            &current.email,
            &current.name,
            &[
                ("old", Value::Text(&current.email)),
                ("new", Value::Text(&input.email)),
            ],
        ));
    }
    // A new or no phone number resets the second factor: the person hears of it.
    if let Some(factor) = state.store.second_factor(id).await?.phone
        && input.phone.as_deref().map(phone_digits) != Some(phone_digits(&factor))
    {
        notices.push(compose(
            current.language,
            Letter::SecondFactorRemoved,
            &input.email,
            &current.name,
            &[("phone", Value::Text(&factor))],
        ));
    }
    let user = state
        .store
        .update_user(staff, id, &input, link.as_ref(), &notices)
        .await?;
    state.mail.wake();
    Ok(user)
}

/// Whether `staff` may change `target`'s standing: technicians for customers, admins for anyone.
pub async fn may_manage(state: &AppState, staff: &Caller, target: UserId) -> Result<User> {
    let user = state
        .store
        .user(target)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {target}")))?;
    if user.role.is_staff() && staff.role != Role::Admin && user.id != staff.user_id {
        return Err(only_admins());
    }
    Ok(user)
}

/// Switches a person off (no credential of theirs works anywhere, at once) or on again, as far
/// as `staff` may; nobody switches themselves off.
#[tracing::instrument(skip_all, fields(user = %target, off))]
pub async fn switch(state: &AppState, staff: &Caller, target: UserId, off: bool) -> Result<User> {
    may_manage(state, staff, target).await?;
    if off && target == staff.user_id {
        return Err(AppError::bad_request("you cannot switch yourself off"));
    }
    state.store.set_disabled(staff, target, off).await
}

/// Mails a person again after a bounce: their address is no longer suppressed, and the last
/// message to it is sent again, as far as `staff` may. 409 when it is not suppressed.
#[tracing::instrument(skip_all, fields(user = %target))]
pub async fn unsuppress(state: &AppState, staff: &Caller, target: UserId) -> Result<()> {
    may_manage(state, staff, target).await?;
    if !state.store.unsuppress_and_resend(staff, target).await? {
        return Err(AppError::conflict(
            "this person's address is not suppressed",
        ));
    }
    state.mail.wake();
    Ok(())
}

/// Signs a person out of every browser and desktop app, as far as `staff` may.
#[tracing::instrument(skip_all, fields(user = %target))]
pub async fn sign_out_everywhere(state: &AppState, staff: &Caller, target: UserId) -> Result<u64> {
    may_manage(state, staff, target).await?;
    state.store.sign_out_everywhere(staff, target).await
}

/// The desk's admin from the server's command line (`bellhop-server admin add`): the first
/// one, or one again when every admin is locked out. A new person, or a member of the desk
/// promoted and switched on; never a customer. Answers what was done, to which address, and the
/// link to choose a password (good for a week), for whoever runs the command: no mail goes out.
pub async fn admin_from_command_line(
    store: &crate::db::Store,
    public_url: &str,
    name: &str,
    email: &str,
) -> Result<(crate::db::AdminMade, String, String)> {
    let name = Name::parse(name)?.into_string();
    let email = Email::parse(email)?.into_string();
    let token = new_token(RESET_PREFIX);
    let made = store
        .admin_from_command_line(&name, &email, &token_hash(&token), WELCOME_TTL_MS)
        .await?;
    if made == crate::db::AdminMade::Customer {
        return Err(AppError::conflict(format!(
            "{email} is a customer's address: give the desk's admin an address of their own"
        )));
    }
    let link = format!(
        "{}/#/reset-password?token={token}",
        public_url.trim_end_matches('/')
    );
    Ok((made, email, link))
}
