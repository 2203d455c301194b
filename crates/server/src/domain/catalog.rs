//! The service catalog: who sees which items, what the desk may save, what a request of an item
//! must carry, and the primary contact's approval of a request that needs it.

use std::collections::HashSet;

use bellhop_proto::{
    ApprovalDecision, ApprovalState, Catalog, FieldValues, Reply, Role, Ticket, TicketFields,
    TicketId,
};

use crate::db::{Approval, Caller, Store};
use crate::error::{AppError, Result};
use crate::letters::{self, Letter, Value};

/// The catalog as the caller sees it: the items offered to their organisation; all of it for
/// the desk.
pub async fn mine(store: &Store, caller: &Caller) -> Result<Catalog> {
    Ok(store
        .catalog()
        .await?
        .for_user(caller.org_id, caller.is_staff()))
}

/// Replaces the catalog (technicians), once it fits the custom fields and names real
/// organisations.
#[tracing::instrument(skip_all)]
pub async fn save(store: &Store, staff: &Caller, mut catalog: Catalog) -> Result<Catalog> {
    super::require_staff(staff)?;
    let fields = store.ticket_fields().await?;
    catalog.check(&fields)?;
    let named: HashSet<_> = catalog.items().flat_map(|i| i.orgs.iter()).collect();
    if !named.is_empty() {
        let known: HashSet<_> = store.list_orgs().await?.into_iter().map(|o| o.id).collect();
        if let Some(item) = catalog
            .items()
            .find(|i| i.orgs.iter().any(|o| !known.contains(o)))
        {
            return Err(AppError::bad_request(format!(
                "item {}: names an organisation that does not exist",
                item.key
            )));
        }
    }
    store.save_catalog(staff, &catalog).await?;
    Ok(catalog)
}

/// Whether the ticket fields the desk is saving still fit the catalog's forms.
pub async fn fits(store: &Store, fields: &TicketFields) -> Result<()> {
    store
        .catalog()
        .await?
        .check(fields)
        .map_err(|e| AppError::bad_request(format!("the service catalog would break: {e}")))
}

/// What a request of catalog item `key` keeps: the item's form's values, and whether it waits
/// for approval. An item the caller is not offered does not exist for them. The desk asks for
/// anything, and what it opens needs no approval.
pub fn admit_request(
    caller: &Caller,
    key: &str,
    catalog: &Catalog,
    fields: &TicketFields,
    values: &FieldValues,
) -> Result<(FieldValues, Option<Approval>)> {
    let staff = caller.is_staff();
    let item = catalog
        .item(key)
        .filter(|i| staff || i.offered_to(caller.org_id))
        .ok_or_else(|| {
            AppError::bad_request(format!("catalog_item: there is no catalog item {key:?}"))
        })?;
    let values = item.accept_values(fields, values)?;
    let approval = match (item.needs_approval, staff, caller.role) {
        (false, _, _) | (_, true, _) => None,
        (true, false, Role::PrimaryContact) => Some(Approval::ByRequester),
        (true, false, _) => Some(Approval::Pending),
    };
    Ok((values, approval))
}

/// A primary contact approves or declines a request of their organisation waiting for them; a
/// reason is kept as their reply. Approved, the desk sees it at once; declined, it is closed.
/// The requester is told by email, in their language, with the decision.
#[tracing::instrument(skip_all, fields(ticket = %id))]
pub async fn decide(
    store: &Store,
    portal: &str,
    caller: &Caller,
    id: TicketId,
    decision: &ApprovalDecision,
) -> Result<Ticket> {
    let reason = decision
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if let Some(reason) = reason {
        Reply::parse(reason).map_err(|e| AppError::bad_request(format!("reason: {e}")))?;
    }
    let ticket = store.ticket(caller, id).await?;
    if ticket.approval != Some(ApprovalState::Pending) {
        return Err(AppError::conflict(
            "this request is not waiting for approval",
        ));
    }
    if caller.role != Role::PrimaryContact || caller.org_id.is_none() {
        return Err(AppError::forbidden(
            "only a primary contact of the organisation approves its requests",
        ));
    }
    if ticket.requester_id == caller.user_id {
        return Err(AppError::forbidden(
            "someone else must approve your own request",
        ));
    }
    let state = if decision.approve {
        ApprovalState::Approved
    } else {
        ApprovalState::Declined
    };
    let letter = decision_letter(store, portal, caller, &ticket, state, reason).await?;
    store
        .decide_approval(caller, id, state, reason, letter.as_ref())
        .await
}

/// The requester's letter about the decision; none for a requester switched off since.
async fn decision_letter(
    store: &Store,
    portal: &str,
    approver: &Caller,
    ticket: &Ticket,
    state: ApprovalState,
    reason: Option<&str>,
) -> Result<Option<letters::Email>> {
    let Some(person) = store
        .user(ticket.requester_id)
        .await?
        .filter(|p| !p.disabled)
    else {
        return Ok(None);
    };
    let catalog = store.catalog().await?;
    let item = ticket.catalog_item.as_deref().and_then(|k| catalog.item(k));
    let item_name = item.map_or(ticket.title.as_str(), |i| i.name.read(person.language));
    let link = ticket_link(portal, ticket);
    let number = format!("#{}", ticket.number);
    let letter = match state {
        ApprovalState::Declined => Letter::RequestDeclined,
        _ => Letter::RequestApproved,
    };
    let mut values = vec![
        ("approver", Value::Text(&approver.name)),
        ("item", Value::Text(item_name)),
        ("number", Value::Text(&number)),
        ("title", Value::Text(&ticket.title)),
        ("link", Value::Link(&link)),
    ];
    if let Some(reason) = reason {
        values.push(("reason", Value::Text(reason)));
    }
    Ok(Some(letters::compose(
        person.language,
        letter,
        &person.email,
        &person.name,
        &values,
    )))
}

/// The ticket's page in the portal.
fn ticket_link(portal: &str, ticket: &Ticket) -> String {
    format!("{}/#/tickets/{}", portal.trim_end_matches('/'), ticket.id)
}

/// Tells the primary contacts of a new request's organisation (its requester aside) that it
/// waits for their approval, each in their language, with a link to it in the portal. Queued
/// after the request is written; a crash between the two loses the letters, not the request
/// (it waits in their organisation's list all the same), and a failure to queue them is logged,
/// not the request's failure.
pub async fn ask_approval(store: &Store, portal: &str, ticket: &Ticket) {
    if let Err(e) = queue_approval_letters(store, portal, ticket).await {
        tracing::error!(ticket = %ticket.id, error = %e, "could not queue the approval letters");
    }
}

async fn queue_approval_letters(store: &Store, portal: &str, ticket: &Ticket) -> Result<()> {
    let Some(org) = ticket.org_id else {
        return Ok(());
    };
    let catalog = store.catalog().await?;
    let item = ticket.catalog_item.as_deref().and_then(|k| catalog.item(k));
    let link = ticket_link(portal, ticket);
    let number = format!("#{}", ticket.number);
    let org_name = ticket.org_name.clone().unwrap_or_default();
    let mut mails = Vec::new();
    for id in store.primary_contacts(org).await? {
        if id == ticket.requester_id {
            continue;
        }
        let Some(person) = store.user(id).await? else {
            continue;
        };
        let item_name = item.map_or(ticket.title.as_str(), |i| i.name.read(person.language));
        mails.push(letters::compose(
            person.language,
            Letter::ApprovalWanted,
            &person.email,
            &person.name,
            &[
                ("requester", Value::Text(&ticket.requester_name)),
                ("item", Value::Text(item_name)),
                ("number", Value::Text(&number)),
                ("title", Value::Text(&ticket.title)),
                ("org", Value::Text(&org_name)),
                ("link", Value::Link(&link)),
            ],
        ));
    }
    store.queue_emails(&mails).await
}

/// Before a request waits for approval: someone must be there to give it.
pub async fn has_approver(store: &Store, caller: &Caller) -> Result<()> {
    let Some(org) = caller.org_id else {
        return Err(no_approver());
    };
    let approvers = store.primary_contacts(org).await?;
    if approvers.iter().any(|&p| p != caller.user_id) {
        Ok(())
    } else {
        Err(no_approver())
    }
}

fn no_approver() -> AppError {
    AppError::bad_request(
        "catalog_item: this request needs a primary contact's approval, and your organisation \
         has none: ask the service desk",
    )
}
