//! The desk's approved software: who reads which entries, and what an admin may save. Installing
//! one as root on a customer's computer is a policy, so admins set the list; everyone the
//! Self-service section is on for reads the entries offered to their organisation.

use std::collections::HashSet;

use bellhop_proto::SoftwareCatalog;

use crate::db::{Caller, Store};
use crate::error::{AppError, Result};

/// The list as the caller may read it: all of it, with its sources, for the desk; the entries
/// offered to their organisation for anyone the Self-service section is on for.
pub async fn mine(store: &Store, caller: &Caller) -> Result<SoftwareCatalog> {
    let software = store.software().await?;
    if caller.is_staff() {
        return Ok(software);
    }
    let settings = store.portal_settings().await?;
    if !settings.self_service.allows(caller.user_id, caller.org_id) {
        return Err(AppError::forbidden(
            "the service desk has switched self-service off for you",
        ));
    }
    Ok(software.offered_to(caller.org_id))
}

/// Replaces the list (admins), once every entry and source is what it says and every
/// organisation named exists. Audited.
#[tracing::instrument(skip_all)]
pub async fn save(
    store: &Store,
    caller: &Caller,
    mut software: SoftwareCatalog,
) -> Result<SoftwareCatalog> {
    super::require_admin(caller, "approve software")?;
    software.check()?;
    let named: HashSet<_> = software.items.iter().flat_map(|i| i.orgs.iter()).collect();
    if !named.is_empty() {
        let known: HashSet<_> = store.list_orgs().await?.into_iter().map(|o| o.id).collect();
        if let Some(item) = software
            .items
            .iter()
            .find(|i| i.orgs.iter().any(|o| !known.contains(o)))
        {
            return Err(AppError::bad_request(format!(
                "item {}: names an organisation that does not exist",
                item.key
            )));
        }
    }
    store.save_software(caller, &software).await?;
    Ok(software)
}
