//! Portal settings and the desk's ticket fields: what a valid setting is (at least one status
//! shown, section rules naming real people, at most a thousand of them), and field definitions
//! that fit together.

use std::collections::HashSet;

use bellhop_proto::{
    Brand, BrandSettings, MAX_DAILY_MODEL_CALLS, OrgId, PortalSettings, SectionRule, TicketFields,
};

use crate::db::{Caller, Store};
use crate::error::{AppError, Result};

/// Most users and organisations one section rule may name.
const MAX_RULE_USERS: usize = 1000;

/// Replaces the portal settings (technicians), repeats removed; takes effect for everyone at
/// once.
#[tracing::instrument(skip_all)]
pub async fn save(
    store: &Store,
    staff: &Caller,
    mut settings: PortalSettings,
) -> Result<PortalSettings> {
    super::require_staff(staff)?;
    let mut seen = HashSet::new();
    settings.visible_statuses.retain(|s| seen.insert(*s));
    if settings.visible_statuses.is_empty() {
        return Err(AppError::bad_request(
            "users must see at least one ticket status",
        ));
    }
    if settings
        .assistant_daily_model_calls
        .is_some_and(|calls| calls > MAX_DAILY_MODEL_CALLS)
    {
        return Err(AppError::bad_request(format!(
            "assistant_daily_model_calls: at most {MAX_DAILY_MODEL_CALLS} a day, or null for no limit"
        )));
    }
    for (name, rule) in [
        ("ticketing", &mut settings.ticketing),
        ("knowledge_base", &mut settings.knowledge_base),
        ("assistant", &mut settings.assistant),
        ("self_service", &mut settings.self_service),
        ("chat", &mut settings.chat),
    ] {
        check_rule(store, name, rule).await?;
    }
    for (name, rule) in settings.actions.rules_mut() {
        check_rule(store, &format!("actions.{name}"), rule).await?;
    }
    store.save_portal_settings(staff, &settings).await?;
    Ok(settings)
}

/// Removes repeats and checks that every named user and organisation exists.
async fn check_rule(store: &Store, name: &str, rule: &mut SectionRule) -> Result<()> {
    let mut seen = HashSet::new();
    rule.users.retain(|u| seen.insert(*u));
    let mut seen = HashSet::new();
    rule.orgs.retain(|o| seen.insert(*o));
    if rule.users.len() + rule.orgs.len() > MAX_RULE_USERS {
        return Err(AppError::bad_request(format!(
            "{name}: name at most {MAX_RULE_USERS} users"
        )));
    }
    for user in &rule.users {
        if store.user(*user).await?.is_none() {
            return Err(AppError::bad_request(format!("{name}: no user {user}")));
        }
    }
    if !rule.orgs.is_empty() {
        let known: HashSet<_> = store.list_orgs().await?.into_iter().map(|o| o.id).collect();
        if let Some(org) = rule.orgs.iter().find(|o| !known.contains(o)) {
            return Err(AppError::bad_request(format!(
                "{name}: no organisation {org}"
            )));
        }
    }
    Ok(())
}

/// Replaces the ticket fields (technicians), once their definitions fit together.
#[tracing::instrument(skip_all)]
pub async fn save_fields(
    store: &Store,
    staff: &Caller,
    mut fields: TicketFields,
) -> Result<TicketFields> {
    super::require_staff(staff)?;
    fields.check_definitions()?;
    super::catalog::fits(store, &fields).await?;
    store.save_ticket_fields(staff, &fields).await?;
    Ok(fields)
}

/// Only admins set how the desk presents itself to every customer.
fn brand_admin(caller: &Caller) -> Result<()> {
    super::require_admin(caller, "set the desk's brand")
}

/// A brand names only a logo the server keeps.
async fn logo_kept(store: &Store, brand: &BrandSettings) -> Result<()> {
    match &brand.logo {
        Some(sha) if !store.logo_exists(sha).await? => Err(AppError::bad_request(
            "no logo was uploaded under that name: upload it first",
        )),
        _ => Ok(()),
    }
}

/// The brand the people of `org` see: its own over the desk's; the desk's for anyone else
/// (before signing in, staff, people in no organisation).
pub async fn brand_for(store: &Store, org: Option<OrgId>) -> Result<Brand> {
    store.brand_of(org).await
}

/// An organisation's own brand, to edit (admins); empty where it wears the desk's.
pub async fn org_brand_settings(
    store: &Store,
    admin: &Caller,
    org: OrgId,
) -> Result<BrandSettings> {
    brand_admin(admin)?;
    Ok(store.org_brand(org).await?.unwrap_or_default())
}

/// Sets an organisation's own brand over the desk's (admins), checked like the desk's; one
/// that sets nothing lets the organisation wear the desk's again. Returns what its people see.
#[tracing::instrument(skip_all)]
pub async fn save_org_brand(
    store: &Store,
    admin: &Caller,
    org: OrgId,
    mut brand: BrandSettings,
) -> Result<Brand> {
    brand_admin(admin)?;
    brand.check()?;
    logo_kept(store, &brand).await?;
    let own = (!brand.is_empty()).then_some(&brand);
    store.save_org_brand(admin, org, own).await?;
    Ok(brand.over(&store.brand().await?).brand())
}

/// The brand as an admin set it, to edit (admins).
pub async fn brand_settings(store: &Store, admin: &Caller) -> Result<BrandSettings> {
    brand_admin(admin)?;
    store.brand().await
}

/// Sets the desk's brand (admins): checked in its one parse (name, accent and its contrast,
/// phone, email, links), audited, worn by every page from the next read.
#[tracing::instrument(skip_all)]
pub async fn save_brand(store: &Store, admin: &Caller, mut brand: BrandSettings) -> Result<Brand> {
    brand_admin(admin)?;
    brand.check()?;
    logo_kept(store, &brand).await?;
    store.save_brand(admin, &brand).await?;
    Ok(brand.brand())
}
