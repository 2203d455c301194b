//! Self-service actions on a person's own computer: who may ask for which on which device, the
//! second factor that proves it is them (a code for this action alone), the grant the server
//! signs for the agent, and the moves the agent and people may make afterwards.
//!
//! A bearer token alone runs nothing: the agent runs only what a grant signed here allows, and a
//! grant is signed only after the right code.

use bellhop_proto::{
    Action, ActionId, ActionKind, ActionListQuery, ActionReport, ActionRequest, ActionSoftware,
    ActionState, ApprovedList, ApprovedListClaims, Device, DeviceId, DeviceStatus, ErrorCode,
    FactorKind, GrantClaims, GrantedAction, GrantedPassword, GrantedSoftware, OrgId, OsFamily,
    Package, SoftwareSources, grant_check,
};
use rand::Rng;

use crate::db::{ActionFilter, ActionRow, Caller, CodeCheck, Move, NewAction, Proof, now_ms};
use crate::domain::second_factor;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::tokens::token_hash;

/// How long an action's code lives: the person is at the screen that asked for it.
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
/// How long a verified action waits for its computer; the grant expires with it.
pub const PICKUP_MS: i64 = 10 * 60 * 1000;
/// Actions one person may ask for within [`ACTIONS_WINDOW_MS`]: each one costs a text message.
pub const ACTIONS_PER_WINDOW: i64 = 10;
pub const ACTIONS_WINDOW_MS: i64 = 60 * 60 * 1000;
/// The longest detail an agent may report.
pub const MAX_DETAIL_CHARS: usize = 2000;
/// Most actions one list answers.
pub const MAX_LIST: u32 = 200;

fn not_found(id: ActionId) -> AppError {
    AppError::not_found(format!("no action {id}"))
}

/// The action with what the rules need: read before a move is tried, and again after a refused
/// one, to say why.
async fn stored(state: &AppState, id: ActionId) -> Result<ActionRow> {
    state.store.action(id).await?.ok_or_else(|| not_found(id))
}

/// Who sees an action: the person who asked, and the desk.
fn sees(caller: &Caller, action: &Action) -> bool {
    caller.is_staff() || action.user_id == caller.user_id
}

/// "Restart PC-1 for Bob Brown": the audit's words.
fn describe(kind: ActionKind, device: &str, person: &str) -> String {
    format!("{} on {device} for {person}", kind.as_str())
}

/// Asks for an action on one of the caller's own computers and texts the code that proves it is
/// them. A repeated request (same id) answers the first one and sends nothing; `true` when this
/// one made it.
#[tracing::instrument(skip_all, fields(user = %caller.user_id, action = %req.id))]
pub async fn request(
    state: &AppState,
    caller: &Caller,
    req: &ActionRequest,
) -> Result<(bool, Action)> {
    let store = &state.store;
    if let Some(existing) = store.action(req.id).await? {
        let same = existing.action.user_id == caller.user_id
            && existing.action.device_id == req.device_id
            && existing.action.kind == req.kind
            && existing.action.software.as_ref().map(|s| &s.item) == req.software.as_ref();
        if !same {
            return Err(AppError::conflict(
                "this action id is taken: make a new one",
            ));
        }
        return Ok((false, existing.action));
    }
    let device = store
        .device(req.device_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no device {}", req.device_id)))?;
    if device.assigned_user_id != Some(caller.user_id) {
        return Err(AppError::forbidden(
            "this computer is not assigned to you: self-service runs only on your own computers",
        ));
    }
    match device.status {
        DeviceStatus::Active => {}
        DeviceStatus::Pending => {
            return Err(AppError::forbidden(
                "this computer is not activated yet: the desk must activate it first",
            ));
        }
        DeviceStatus::Deactivated => {
            return Err(AppError::forbidden("this computer was deactivated"));
        }
    }
    let portal = store.portal_settings().await?;
    let fields = store.ticket_fields().await?;
    let mine = portal.for_user(&fields, caller.user_id, caller.org_id, caller.is_staff());
    if !mine.actions.contains(&req.kind) {
        return Err(AppError::forbidden(format!(
            "the service desk does not offer \"{}\" to you",
            req.kind.as_str()
        )));
    }
    let software = match (req.kind.is_software(), &req.software) {
        (true, Some(item)) => Some(software_for(state, caller, &device, item).await?),
        (true, None) => {
            return Err(AppError::bad_request(format!(
                "software: name the approved entry to {}",
                req.kind.as_str()
            )));
        }
        (false, Some(_)) => {
            return Err(AppError::bad_request(format!(
                "software: only install and remove name software, not {}",
                req.kind.as_str()
            )));
        }
        (false, None) => None,
    };
    if req.kind.by_helper() && device.facts.helper.is_none() {
        return Err(AppError::conflict(format!(
            "{} has no Bellhop helper to do this with: ask the service desk",
            device.facts.hostname
        )));
    }
    // Windows and macOS set a password from the password itself: their helper must have told
    // the server the key to seal it to.
    let sets_plain = matches!(
        OsFamily::from_consts(&device.facts.platform),
        Some(OsFamily::Windows | OsFamily::Macos)
    );
    if req.kind == ActionKind::ResetPassword
        && sets_plain
        && device
            .facts
            .helper
            .as_ref()
            .is_some_and(|h| h.seal_key.is_none())
    {
        return Err(AppError::conflict(format!(
            "the Bellhop helper on {} is too old to reset passwords: ask the service desk",
            device.facts.hostname
        )));
    }
    let factors = store.second_factor(caller.user_id).await?;
    if req.kind == ActionKind::ResetPassword && factors.phone.is_none() {
        return Err(AppError::forbidden(
            "the temporary password is texted to your verification phone: confirm one on the portal's Security page",
        ));
    }
    let app = factors.authenticator_since.is_some();
    // The factor, and for SMS the phone the code goes to.
    let (factor, phone) = match (req.factor, app, factors.phone) {
        (Some(FactorKind::Totp) | None, true, _) => (FactorKind::Totp, None),
        (Some(FactorKind::Sms) | None, _, Some(phone)) => (FactorKind::Sms, Some(phone)),
        (Some(FactorKind::Totp), false, _) => {
            return Err(AppError::forbidden(
                "you have no authenticator app: set one up on the portal's Security page",
            ));
        }
        (Some(FactorKind::Sms), _, None) => {
            return Err(AppError::forbidden(
                "you have no verification phone: confirm one on the portal's Security page",
            ));
        }
        (None, false, None) => {
            return Err(AppError::forbidden(
                "set up your second factor first: an authenticator app or your phone, on the portal's Security page",
            ));
        }
    };
    let now = now_ms();
    if store
        .recent_action_count(caller.user_id, now - ACTIONS_WINDOW_MS)
        .await?
        >= ACTIONS_PER_WINDOW
    {
        return Err(AppError::limited(
            "ten actions were asked for in the last hour; wait before asking for another",
            std::time::Duration::from_secs(300),
        ));
    }
    let user = store
        .user(caller.user_id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))?;
    // An app's code is the app's; a texted one is made here, for this action alone.
    let code = phone
        .as_ref()
        .map(|_| format!("{:06}", rand::rng().random_range(0..1_000_000)));
    let detail = match &software {
        Some(s) => format!(
            "{} {} ({} {})",
            describe(req.kind, &device.facts.hostname, &user.name),
            s.name,
            s.package.manager(),
            s.package.id()
        ),
        None => describe(req.kind, &device.facts.hostname, &user.name),
    };
    let inserted = store
        .insert_action(
            caller,
            &NewAction {
                id: req.id,
                device: req.device_id,
                user: caller.user_id,
                kind: req.kind,
                software: software.as_ref(),
                factor,
                code_hash: code.as_deref().map(token_hash).as_deref(),
                deadline_at: now + CODE_TTL_MS,
                detail: &format!("asked for: {detail}"),
            },
        )
        .await?;
    if let (true, Some(code), Some(phone)) = (inserted, &code, &phone) {
        let text =
            crate::letters::sms_action_code(user.language, code, req.kind, &device.facts.hostname);
        if let Err(e) = state.sms.send(phone, &text).await {
            // A code that never left is no code: the action ends, and says why.
            store
                .move_action(
                    caller,
                    req.id,
                    &Move {
                        from: &[ActionState::Requested],
                        to: ActionState::Failed,
                        before_deadline: false,
                        device: None,
                        detail: Some("the text message with the code could not be sent"),
                        audit: "action.fail",
                        audit_detail: "the text message with the code could not be sent",
                    },
                )
                .await?;
            return Err(e);
        }
    }
    let row = stored(state, req.id).await?;
    Ok((inserted, row.action))
}

/// The package an install or remove of `item` runs on `device`: the entry must be offered to the
/// caller, and one of its packages must fit the computer's system and a package manager its
/// privileged helper runs.
async fn software_for(
    state: &AppState,
    caller: &Caller,
    device: &Device,
    item: &str,
) -> Result<ActionSoftware> {
    let catalog = state.store.software().await?;
    let entry = catalog
        .item(item)
        .filter(|i| i.offered_to(caller.org_id))
        .ok_or_else(|| {
            AppError::not_found(format!("the service desk does not offer {item:?} to you"))
        })?;
    let name = entry.name.text.clone();
    let Some(helper) = &device.facts.helper else {
        return Err(AppError::conflict(format!(
            "{} has no Bellhop helper to install software with: ask the service desk",
            device.facts.hostname
        )));
    };
    let os = OsFamily::from_consts(&device.facts.platform).ok_or_else(|| {
        AppError::conflict(format!(
            "{} has not said which system it runs: update its Bellhop app",
            device.facts.hostname
        ))
    })?;
    let package = entry
        .packages_for(os)
        .find(|p| helper.managers.iter().any(|m| m == p.manager()))
        .cloned()
        .ok_or_else(|| {
            AppError::conflict(format!(
                "{name} has no package for {} that its helper can install",
                device.facts.hostname
            ))
        })?;
    Ok(ActionSoftware {
        item: entry.key.clone(),
        name,
        package,
    })
}

/// The code for this action: a right one signs the grant for the computer, good for
/// [`PICKUP_MS`]; each wrong one costs a try, and the last one ends the action.
#[tracing::instrument(skip_all, fields(user = %caller.user_id, action = %id))]
pub async fn verify(
    state: &AppState,
    caller: &Caller,
    id: ActionId,
    typed: &str,
) -> Result<Action> {
    let store = &state.store;
    let row = stored(state, id).await?;
    if row.action.user_id != caller.user_id {
        // Only the person who asked proves it is them; the desk sees it, others do not.
        return Err(if caller.is_staff() {
            AppError::forbidden("only the person who asked for this action can type its code")
        } else {
            not_found(id)
        });
    }
    let now = now_ms();
    let expires_at = now + PICKUP_MS;
    // What the privileged helper runs names the helper that may run it.
    let (helper, list) = match row.action.kind.by_helper() {
        true => {
            let device = store.device(row.action.device_id).await?;
            let list = match (&device, row.action.kind.is_software()) {
                (Some(device), true) => {
                    let (packages, sources) = approved_for(state, caller.org_id, device).await?;
                    Some(grant_check::list_digest(&packages, &sources))
                }
                _ => None,
            };
            let helper = device.and_then(|d| d.facts.helper).ok_or_else(|| {
                AppError::conflict(
                    "the computer's Bellhop helper is gone: ask again once it is back",
                )
            })?;
            (Some(helper), list)
        }
        false => (None, None),
    };
    let temporary = match row.action.kind {
        ActionKind::ResetPassword => Some(temporary_password(
            helper.as_ref().and_then(|h| h.seal_key.as_deref()),
        )?),
        _ => None,
    };
    let machine = helper.map(|h| h.machine);
    let grant = state
        .grants
        .sign(&GrantClaims {
            action_id: id,
            device_id: row.action.device_id,
            os_user: row.os_user.clone(),
            user_id: row.action.user_id,
            user_name: row.action.user_name.clone(),
            kind: row.action.kind,
            software: row.action.software.as_ref().map(|s| GrantedSoftware {
                item: s.item.clone(),
                package: s.package.clone(),
            }),
            password: temporary.as_ref().map(|(_, granted)| granted.clone()),
            list,
            machine,
            issued_at: now,
            expires_at,
        })
        .map_err(AppError::Other)?;
    let (code_hash, app);
    let proof = match row.action.factor {
        FactorKind::Sms => {
            let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
            if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
                return Err(AppError::bad_request("type the six digits of the code"));
            }
            code_hash = token_hash(&code);
            Proof::Texted {
                code_hash: &code_hash,
            }
        }
        FactorKind::Totp => {
            app = second_factor::app_proof(state, caller.user_id, typed).await?;
            Proof::App {
                id: &app.0.id,
                step: app.1,
            }
        }
    };
    match store
        .check_action_code(caller, id, proof, &grant, expires_at)
        .await?
    {
        CodeCheck::Right => {}
        CodeCheck::Reused { left } if left > 0 => {
            return Err(AppError::bad_request(format!(
                "that code was used already: wait for the app's next code ({left} tries left)"
            )));
        }
        CodeCheck::Reused { .. } => {
            return Err(AppError::bad_request(
                "that code was used already, and it was the last try: ask again",
            ));
        }
        CodeCheck::Wrong { left } if left > 0 => {
            return Err(AppError::bad_request(format!(
                "that is not the code: {left} tries left"
            )));
        }
        CodeCheck::Wrong { .. } => {
            return Err(AppError::bad_request(
                "that is not the code, and it was the last try: ask again",
            ));
        }
        CodeCheck::NotWaiting => {
            let now = stored(state, id).await?;
            return Err(not_waiting(&now.action));
        }
    }
    if let Some((password, _)) = &temporary {
        text_the_password(state, caller, &row, password).await?;
    }
    Ok(stored(state, id).await?.action)
}

/// Characters of a temporary password: no two that read alike (0 and o, 1, l and i).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A random temporary password ("k7mq-3xph-w9dt", 59 bits) and the SHA-512 crypt string the
/// computer's account database keeps for it, with the password sealed to the helper's
/// `seal_key` when it has one (Windows and macOS set the password itself). The server keeps
/// none of them: the password goes in a text message, the rest in the grant.
fn temporary_password(seal_key: Option<&str>) -> Result<(String, GrantedPassword)> {
    use sha_crypt::{PasswordHasher, ShaCrypt};
    let mut rng = rand::rng();
    let password = (0..3)
        .map(|_| {
            (0..4)
                .map(|_| {
                    char::from(PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())])
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-");
    let salt: [u8; 12] = rng.random();
    let hash = ShaCrypt::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| AppError::Other(anyhow::anyhow!("SHA-512 crypt: {e}")))?;
    let sealed = seal_key
        .map(|key| bellhop_proto::sealing::seal(key, &password))
        .transpose()
        .map_err(|e| {
            AppError::conflict(format!(
                "the computer's Bellhop helper has an unusable key ({e}): reinstall the helper"
            ))
        })?;
    let granted = GrantedPassword {
        sha512_crypt: hash.as_str().to_owned(),
        sealed,
    };
    if !granted.is_well_formed() {
        return Err(AppError::Other(anyhow::anyhow!(
            "SHA-512 crypt made {:?}",
            granted.sha512_crypt
        )));
    }
    Ok((password, granted))
}

/// Texts the temporary password of a verified reset to the person's confirmed phone, and
/// nowhere else. If it cannot go, the reset fails before the computer starts it (a computer
/// that started it already sets a password nobody has: asking again sends a new one).
async fn text_the_password(
    state: &AppState,
    caller: &Caller,
    row: &ActionRow,
    password: &str,
) -> Result<()> {
    let store = &state.store;
    let user = store
        .user(row.action.user_id)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the user no longer exists"))?;
    let phone = store.second_factor(row.action.user_id).await?.phone;
    let sent = match &phone {
        Some(phone) => {
            let text = crate::letters::sms_temporary_password(
                user.language,
                password,
                &row.action.device_name,
            );
            state.sms.send(phone, &text).await
        }
        None => Err(AppError::conflict(
            "you have no verification phone to text the temporary password to",
        )),
    };
    if let Err(e) = sent {
        let why = "the text message with the temporary password could not be sent: ask again";
        store
            .move_action(
                caller,
                row.action.id,
                &Move {
                    from: &[ActionState::Verified, ActionState::Delivered],
                    to: ActionState::Failed,
                    before_deadline: false,
                    device: None,
                    detail: Some(why),
                    audit: "action.fail",
                    audit_detail: why,
                },
            )
            .await?;
        return Err(e);
    }
    Ok(())
}

/// Why a code or a report cannot move an action that moved on.
fn not_waiting(action: &Action) -> AppError {
    let why = match action.state {
        ActionState::Requested => "its code expired: ask again".to_owned(),
        ActionState::Expired => "it expired: ask again".to_owned(),
        ActionState::Cancelled => "it was cancelled".to_owned(),
        ActionState::Failed => "it failed".to_owned(),
        state => format!("it is {} already", state.as_str()),
    };
    AppError::conflict(format!("this action cannot move on: {why}"))
}

/// One action, for the person who asked and the desk.
pub async fn get(state: &AppState, caller: &Caller, id: ActionId) -> Result<Action> {
    let row = stored(state, id).await?;
    if !sees(caller, &row.action) {
        return Err(not_found(id));
    }
    Ok(row.action)
}

/// The caller's actions (the desk: everyone's, or one person's), newest first, of one device if
/// named. A person asking for a device's list, or another person's, sees their own actions.
pub async fn list(state: &AppState, caller: &Caller, q: &ActionListQuery) -> Result<Vec<Action>> {
    let filter = ActionFilter {
        user: if caller.is_staff() {
            q.user_id
        } else {
            Some(caller.user_id)
        },
        device: q.device_id,
    };
    state
        .store
        .actions(filter, q.limit.unwrap_or(50).clamp(1, MAX_LIST))
        .await
}

/// Cancels an action that has not started: the person who asked, or the desk. An action the
/// computer started runs to its end.
#[tracing::instrument(skip_all, fields(user = %caller.user_id, action = %id))]
pub async fn cancel(state: &AppState, caller: &Caller, id: ActionId) -> Result<Action> {
    let store = &state.store;
    let row = stored(state, id).await?;
    if !sees(caller, &row.action) {
        return Err(not_found(id));
    }
    let detail = format!("cancelled by {}", caller.name);
    let moved = store
        .move_action(
            caller,
            id,
            &Move {
                from: &[
                    ActionState::Requested,
                    ActionState::Verified,
                    ActionState::Delivered,
                ],
                to: ActionState::Cancelled,
                before_deadline: false,
                device: None,
                detail: Some(&detail),
                audit: "action.cancel",
                audit_detail: &detail,
            },
        )
        .await?;
    match moved {
        Some(row) => Ok(row.action),
        None => {
            let now = stored(state, id).await?;
            Err(not_waiting(&now.action))
        }
    }
}

/// The calling computer's signed actions waiting to run, each marked delivered, software with
/// the approved list as it is now. Only a device credential has a computer.
pub async fn waiting_for_device(state: &AppState, caller: &Caller) -> Result<Vec<GrantedAction>> {
    let device_id = own_device(caller)?;
    let rows = state.store.deliver_actions(device_id).await?;
    let mut waiting = Vec::with_capacity(rows.len());
    for ActionRow { action, grant, .. } in rows {
        let Some(grant) = grant else { continue };
        let list = match action.kind.is_software() {
            true => Some(approved_list(state, &action).await?),
            false => None,
        };
        waiting.push(GrantedAction {
            action,
            grant,
            list,
        });
    }
    Ok(waiting)
}

/// The packages the desk offers to people of `org` on `device`'s system, and its private
/// sources for that system: what a software grant's list holds.
async fn approved_for(
    state: &AppState,
    org: Option<OrgId>,
    device: &Device,
) -> Result<(Vec<Package>, SoftwareSources)> {
    let catalog = state.store.software().await?;
    Ok(OsFamily::from_consts(&device.facts.platform)
        .map(|os| {
            (
                catalog.approved_packages(org, os),
                catalog.sources.for_os(os),
            )
        })
        .unwrap_or_default())
}

/// The approved list for `action`'s computer and person, signed now.
async fn approved_list(state: &AppState, action: &Action) -> Result<ApprovedList> {
    let store = &state.store;
    let org = store.user(action.user_id).await?.and_then(|u| u.org_id);
    let (packages, sources) = match store.device(action.device_id).await? {
        Some(device) => approved_for(state, org, &device).await?,
        None => Default::default(),
    };
    state
        .grants
        .sign_list(&ApprovedListClaims {
            device_id: action.device_id,
            issued_at: now_ms(),
            packages,
            sources,
        })
        .map_err(AppError::Other)
}

fn own_device(caller: &Caller) -> Result<DeviceId> {
    caller
        .device_id
        .ok_or_else(|| AppError::forbidden("only the agent on a computer reports on its actions"))
}

/// The agent's word on an action it was given: `running` just before it starts it (refused,
/// and so not started, once cancelled or past its deadline), then `succeeded` or `failed`. A
/// grant it refuses to run is `failed` with its reason; one the person at the computer
/// cancelled during its countdown is `cancelled`.
#[tracing::instrument(skip_all, fields(device = ?caller.device_id, action = %id))]
pub async fn report(
    state: &AppState,
    caller: &Caller,
    id: ActionId,
    report: &ActionReport,
) -> Result<Action> {
    let device = own_device(caller)?;
    let detail = report
        .detail
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if detail.is_some_and(|d| d.chars().count() > MAX_DETAIL_CHARS) {
        return Err(AppError::bad_request(format!(
            "detail: at most {MAX_DETAIL_CHARS} characters"
        )));
    }
    let (from, audit, words): (&[ActionState], _, _) = match report.state {
        ActionState::Running => (
            &[ActionState::Verified, ActionState::Delivered],
            "action.run",
            "the computer started it",
        ),
        ActionState::Succeeded => (&[ActionState::Running], "action.succeed", "it succeeded"),
        ActionState::Failed => (
            &[
                ActionState::Verified,
                ActionState::Delivered,
                ActionState::Running,
            ],
            "action.fail",
            "it failed",
        ),
        // The person at the computer cancelled it during its countdown.
        ActionState::Cancelled => (
            &[ActionState::Verified, ActionState::Delivered],
            "action.cancel",
            "cancelled at the computer",
        ),
        other => {
            return Err(AppError::client(
                ErrorCode::BadRequest,
                format!(
                    "a computer reports running, succeeded, failed or cancelled, not {}",
                    other.as_str()
                ),
            ));
        }
    };
    let store = &state.store;
    let row = stored(state, id).await?;
    if row.action.device_id != device {
        return Err(not_found(id));
    }
    // Running again, while an install or remove runs: the installer's latest lines, heard live.
    if report.state == ActionState::Running
        && row.action.state == ActionState::Running
        && row.action.kind.is_software()
    {
        if let Some(detail) = detail
            && store.action_progress(device, id, detail).await?
        {
            return Ok(stored(state, id).await?.action);
        }
        return Ok(row.action);
    }
    let audit_detail = match detail {
        Some(d) => format!("{words}: {d}"),
        None => words.to_owned(),
    };
    let moved = store
        .move_action(
            caller,
            id,
            &Move {
                from,
                to: report.state,
                before_deadline: report.state == ActionState::Running,
                device: Some(device),
                detail,
                audit,
                audit_detail: &audit_detail,
            },
        )
        .await?;
    match moved {
        Some(row) => Ok(row.action),
        None => {
            let now = stored(state, id).await?;
            if now.action.state.is_waiting() && report.state == ActionState::Running {
                return Err(AppError::conflict(
                    "this action cannot move on: its deadline passed",
                ));
            }
            Err(not_waiting(&now.action))
        }
    }
}
