//! Copies (CC): who may copy whom on a ticket, and who may take a copy off.

use bellhop_proto::{CcEntry, Role, Ticket, TicketId, UserId};

use crate::db::{Caller, Store};
use crate::error::{AppError, Result};

/// Whether the caller may change who is copied on `ticket`: the desk, the requester, and the
/// primary contact of the ticket's organisation.
pub fn may_manage(caller: &Caller, ticket: &Ticket) -> bool {
    caller.is_staff()
        || ticket.requester_id == caller.user_id
        || (caller.role == Role::PrimaryContact
            && caller.org_id.is_some()
            && ticket.org_id == caller.org_id)
}

/// Copies the person with `email` on the ticket. Users outside the desk may copy only people of
/// the ticket's organisation (anyone else reads as unknown, so addresses cannot be probed).
#[tracing::instrument(skip_all, fields(ticket = %ticket))]
pub async fn add_by_email(
    store: &Store,
    caller: &Caller,
    ticket: TicketId,
    email: &str,
) -> Result<Vec<CcEntry>> {
    let current = store.ticket(caller, ticket).await?;
    if !may_manage(caller, &current) {
        return Err(AppError::forbidden(
            "only the requester, their organisation's primary contact or the service desk can copy people on a request",
        ));
    }
    let person = store
        .user_for_login(email)
        .await?
        .map(|a| a.user)
        .filter(|u| !u.disabled)
        .filter(|u| caller.is_staff() || (u.org_id.is_some() && u.org_id == current.org_id))
        .ok_or_else(|| {
            AppError::not_found(if caller.is_staff() {
                "no one has this email address"
            } else {
                "no one in the request's organisation has this email address"
            })
        })?;
    store.add_cc(ticket, person.id).await?;
    store.cc_list(caller, ticket).await
}

/// Stops copying `user` on the ticket: those who may copy people, or the person themselves.
/// Unless they see it some other way (staff, its requester, their organisation's primary
/// contact), they lose the ticket.
#[tracing::instrument(skip_all, fields(ticket = %ticket))]
pub async fn remove(
    store: &Store,
    caller: &Caller,
    ticket: TicketId,
    user: UserId,
) -> Result<Vec<CcEntry>> {
    let current = store.ticket(caller, ticket).await?;
    let manages = may_manage(caller, &current);
    if !manages && caller.user_id != user {
        return Err(AppError::forbidden(
            "only the requester, their organisation's primary contact, the service desk or the person themselves can remove a copy",
        ));
    }
    let still_sees = store.user(user).await?.is_some_and(|u| {
        Caller {
            user_id: u.id,
            name: u.name,
            role: u.role,
            org_id: u.org_id,
            device_id: None,
            signed_in_at: 0,
            viewer: None,
        }
        .sees(current.requester_id, current.org_id, &[])
    });
    if !store.remove_cc(ticket, user, !still_sees).await? {
        return Err(AppError::not_found(
            "this person is not copied on the ticket",
        ));
    }
    if caller.user_id == user && !manages {
        // They no longer see the ticket, nor its list of copies.
        return Ok(Vec::new());
    }
    store.cc_list(caller, ticket).await
}
