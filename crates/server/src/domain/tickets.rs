//! Tickets: what a new ticket and a reply must be, who may open one and with what, who may write
//! an internal note, how a reply moves a ticket's status, who may change what once it is open,
//! and what of a change is audited.

use bellhop_proto::{
    Catalog, CommentVisibility, Description, FieldValue, FieldValues, NewAttachment, NewComment,
    NewTicket, Priority, QueueCounts, Ticket, TicketFields, TicketId, TicketSource, TicketStatus,
    TicketUpdate, Title, UserId,
};

use crate::db::{Admitted, Approval, Caller, Store, TicketChange};
use crate::error::{AppError, Result};

/// Files one ticket or reply may name at once.
pub const MAX_ATTACHMENTS: usize = 20;
/// Largest system information a ticket carries, as JSON.
const MAX_SYSTEM_INFO_BYTES: usize = 64 * 1024;

/// Checks files named by a new ticket or reply: how many, and well-formed hashes.
pub fn check_attachments(files: &[NewAttachment]) -> Result<()> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(AppError::bad_request(format!(
            "at most {MAX_ATTACHMENTS} attachments at once"
        )));
    }
    if let Some(bad) = files.iter().find(|a| !crate::blobs::is_sha256(&a.sha256)) {
        return Err(AppError::bad_request(format!(
            "{:?} is not a lower-case hex SHA-256",
            bad.sha256
        )));
    }
    Ok(())
}

/// Checks a new ticket's words, files and system information; the message says what to fix.
pub fn check_new(t: &NewTicket) -> Result<()> {
    check_attachments(&t.attachments)?;
    if let Some(info) = &t.system_info {
        let size = serde_json::to_string(info).map_or(usize::MAX, |j| j.len());
        if size > MAX_SYSTEM_INFO_BYTES || info.disks.len() > 64 || info.interfaces.len() > 64 {
            return Err(AppError::bad_request(
                "the system information is larger than 64 KB",
            ));
        }
    }
    Title::parse(&t.title)?;
    Description::parse(&t.description)?;
    Ok(())
}

/// Checks a reply's words and files, and whether the caller may write it as it asks: only the
/// desk writes internal notes.
pub fn check_reply(c: &NewComment, caller: &Caller) -> Result<CommentVisibility> {
    bellhop_proto::Reply::parse(&c.body)?;
    check_attachments(&c.attachments)?;
    let visibility = c.visibility.unwrap_or(CommentVisibility::Public);
    if visibility == CommentVisibility::Internal && !caller.is_staff() {
        return Err(AppError::forbidden(
            "only technicians can write internal notes",
        ));
    }
    Ok(visibility)
}

/// A technician's public reply to an open ticket makes it "awaiting reply"; a reply from the
/// other side to a ticket awaiting one makes it open again; anything else leaves it.
pub fn status_after_reply(
    visibility: CommentVisibility,
    by_staff: bool,
    current: TicketStatus,
) -> Option<TicketStatus> {
    match (visibility, by_staff, current) {
        (CommentVisibility::Public, true, TicketStatus::Open) => Some(TicketStatus::AwaitingReply),
        (CommentVisibility::Public, false, TicketStatus::AwaitingReply) => Some(TicketStatus::Open),
        _ => None,
    }
}

/// Where a ticket says it came from: the desktop app's and CLI's own words (hotkey, tray) only on
/// their own path, a device credential; anything else is the portal. Chat and the assistant are
/// the server's to say, never a client's.
pub fn source_of(caller: &Caller, claimed: Option<TicketSource>) -> TicketSource {
    match claimed {
        Some(s @ (TicketSource::Hotkey | TicketSource::Tray)) if caller.device_id.is_some() => s,
        // The desk turns chats into incidents.
        Some(TicketSource::Chat) if caller.is_staff() => TicketSource::Chat,
        _ => TicketSource::Portal,
    }
}

/// What a new ticket from `caller` is stored with, or why the caller may not open it: whether
/// the desk lets them open tickets, the type and fields they may set, the priority they may
/// choose, and the machine's facts from the agent's own path alone. A description the desk does
/// not let users write is not stored as one; the words still reach the desk, as the requester's
/// first reply (nothing typed is lost).
pub fn admit(
    caller: &Caller,
    new: &NewTicket,
    fields: &TicketFields,
    catalog: &Catalog,
    gate: Gate,
) -> Result<Admitted> {
    let staff = caller.is_staff();
    if !staff && !gate.may_open {
        return Err(AppError::forbidden(
            "the service desk has switched opening tickets off for you",
        ));
    }
    if gate.through_assistant && !gate.by_assistant && new.catalog_item.is_none() {
        return Err(AppError::forbidden(
            "the service desk asks you to open tickets through the assistant: ask it, and it hands over to a person",
        ));
    }
    // A catalog request's fields are its item's form; anything else asks by the desk's fields.
    let (ticket_type, custom_fields, approval) = match new.catalog_item.as_deref() {
        // The item says what it is; a type is not asked for.
        Some(key) => {
            let (values, approval) =
                super::catalog::admit_request(caller, key, catalog, fields, &new.custom_fields)?;
            (None, values, approval)
        }
        None => {
            let (ticket_type, values) =
                fields.accept_new(staff, new.ticket_type.as_deref(), &new.custom_fields)?;
            (ticket_type, values, None)
        }
    };
    // The assistant's transcript is its own record, not words the person typed in a field.
    let (description, words) = if gate.by_assistant || fields.takes_description(staff) {
        (new.description.clone(), None)
    } else {
        let words = new.description.trim();
        (String::new(), (!words.is_empty()).then(|| words.to_owned()))
    };
    Ok(Admitted {
        title: new.title.trim().to_owned(),
        description,
        words,
        priority: fields
            .accept_priority(staff, new.priority)
            .unwrap_or(Priority::Normal),
        source: if gate.by_assistant {
            TicketSource::Assistant
        } else {
            source_of(caller, new.source)
        },
        system_info: new
            .system_info
            .clone()
            .filter(|_| caller.device_id.is_some()),
        ticket_type,
        custom_fields,
        catalog_item: new.catalog_item.clone(),
        approval,
    })
}

/// What the desk's settings let a caller's new ticket through.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gate {
    /// The desk lets them open tickets (portal settings, Ticketing).
    pub may_open: bool,
    /// They open tickets only through the assistant.
    pub through_assistant: bool,
    /// The assistant opens this one: its hand-over, the server's own word.
    pub by_assistant: bool,
}

/// Opens a ticket for the caller; a repeat of the same id by its requester answers the first
/// result (`false`: not created now), even if the rules would refuse it now. A request that now
/// waits for approval asks its organisation's primary contacts, with a link into `portal`.
#[tracing::instrument(skip_all, fields(ticket = %new.id))]
pub async fn open(
    store: &Store,
    portal: &str,
    caller: &Caller,
    new: &NewTicket,
) -> Result<(Ticket, bool)> {
    open_as(store, portal, caller, new, false).await
}

/// [`open`], by the assistant's hand-over when `by_assistant` (its source says so).
pub async fn open_as(
    store: &Store,
    portal: &str,
    caller: &Caller,
    new: &NewTicket,
    by_assistant: bool,
) -> Result<(Ticket, bool)> {
    check_new(new)?;
    // The settings and fields are cached; a refusal is the store's to give only if the ticket
    // does not exist yet.
    let admitted = async {
        let fields = store.ticket_fields().await?;
        let catalog = match new.catalog_item {
            Some(_) => store.catalog().await?,
            None => Catalog::default(),
        };
        let settings = store.portal_settings().await?;
        let gate = Gate {
            may_open: settings.ticketing.allows(caller.user_id, caller.org_id),
            through_assistant: settings.through_assistant(
                caller.user_id,
                caller.org_id,
                caller.is_staff(),
            ),
            by_assistant,
        };
        let admitted = admit(caller, new, &fields, &catalog, gate)?;
        if matches!(admitted.approval, Some(Approval::Pending)) {
            super::catalog::has_approver(store, caller).await?;
        }
        Ok(admitted)
    }
    .await;
    let for_person = match new.requester_id.filter(|&id| id != caller.user_id) {
        Some(person) => Some(for_person(store, caller, person).await?),
        None => None,
    };
    let (ticket, created) = store
        .create_ticket(caller, new.id, &new.attachments, admitted, for_person)
        .await?;
    if created && ticket.approval == Some(bellhop_proto::ApprovalState::Pending) {
        super::catalog::ask_approval(store, portal, &ticket).await;
    }
    Ok((ticket, created))
}

/// Whom the desk may open a ticket for: a customer of the desk who is switched on. Their
/// organisation becomes the ticket's.
async fn for_person(
    store: &Store,
    caller: &Caller,
    person: bellhop_proto::UserId,
) -> Result<(bellhop_proto::UserId, Option<bellhop_proto::OrgId>)> {
    if !caller.is_staff() {
        return Err(AppError::forbidden(
            "only the service desk opens tickets for someone else",
        ));
    }
    let user = store
        .user(person)
        .await?
        .ok_or_else(|| AppError::bad_request(format!("requester_id: no person {person}")))?;
    if user.disabled {
        return Err(AppError::bad_request(
            "requester_id: this person is switched off",
        ));
    }
    if user.role.is_staff() {
        return Err(AppError::bad_request(
            "requester_id: tickets are opened for the desk's customers, not its staff",
        ));
    }
    Ok((user.id, user.org_id))
}

/// Adds a reply or note to a ticket the caller sees; a repeat of the same comment id changes
/// nothing.
#[tracing::instrument(skip_all, fields(ticket = %ticket))]
pub async fn reply(
    store: &Store,
    caller: &Caller,
    ticket: TicketId,
    new: &NewComment,
) -> Result<Ticket> {
    let visibility = check_reply(new, caller)?;
    let current = store.ticket(caller, ticket).await?;
    let status = status_after_reply(visibility, caller.is_staff(), current.status);
    store
        .write_comment(
            caller,
            ticket,
            new.id,
            visibility,
            &new.body,
            crate::db::now_ms(),
            status,
            &new.attachments,
        )
        .await?;
    store.ticket(caller, ticket).await
}

/// Whether a user (not staff) may make this change; the message says why not. `current` is the
/// ticket as the user sees it: a priority the desk hides is `None`, so naming any priority is
/// refused alike and tells nothing of the hidden one.
pub fn check_user_update(
    current: &Ticket,
    update: &TicketUpdate,
    reopen_allowed: bool,
) -> Result<()> {
    if update.priority.is_some() && update.priority != current.priority {
        return Err(AppError::forbidden(
            "only the service desk sets the priority",
        ));
    }
    if update.ticket_type.is_some() || update.custom_fields.is_some() {
        return Err(AppError::forbidden(
            "only the service desk changes a ticket's type and fields once it is open",
        ));
    }
    let closed = matches!(
        current.status,
        TicketStatus::Resolved | TicketStatus::Closed
    );
    match update.status {
        None => Ok(()),
        Some(s) if s == current.status => Ok(()),
        Some(TicketStatus::Open) if closed && !reopen_allowed => Err(AppError::forbidden(
            "the service desk does not let tickets be reopened: open a new one",
        )),
        Some(TicketStatus::Open) if closed => Ok(()),
        Some(TicketStatus::Resolved) if current.status != TicketStatus::Closed => Ok(()),
        Some(_) => Err(AppError::forbidden(
            "you can reopen a resolved or closed ticket, or mark yours resolved",
        )),
    }
}

/// The type and custom values a technician's update leaves: a type must be one the desk offers
/// (or the one the ticket already has), values must fit their fields; empty text clears.
pub fn fields_after(
    fields: &TicketFields,
    current: &Ticket,
    update: &TicketUpdate,
) -> Result<(Option<String>, FieldValues)> {
    let ticket_type = match update.ticket_type.as_deref() {
        None => current.ticket_type.clone(),
        Some("") => None,
        Some(key) if current.ticket_type.as_deref() == Some(key) => Some(key.to_owned()),
        Some(key) if fields.types.iter().any(|t| t.key == key) => Some(key.to_owned()),
        Some(key) => {
            return Err(AppError::bad_request(format!(
                "there is no ticket type {key:?}"
            )));
        }
    };
    let Some(values) = &update.custom_fields else {
        return Ok((ticket_type, current.custom_fields.clone()));
    };
    let mut kept = FieldValues::new();
    for (key, value) in values {
        if matches!(value, FieldValue::Text(s) if s.trim().is_empty()) {
            continue;
        }
        let field = fields
            .field(key)
            .ok_or_else(|| AppError::bad_request(format!("there is no custom field {key:?}")))?;
        TicketFields::check_value(field, value)?;
        kept.insert(key.clone(), value.clone());
    }
    Ok((ticket_type, kept))
}

/// The desk's change in words for the audit log: `#1042: status open → resolved priority …`.
pub fn audit_detail(current: &Ticket, after: &TicketChange) -> String {
    let mut detail = format!("#{}:", current.number);
    if after.status != current.status {
        detail += &format!(
            " status {} → {}",
            current.status.as_str(),
            after.status.as_str()
        );
    }
    if let (Some(before), Some(now)) = (current.priority, after.priority)
        && before != now
    {
        detail += &format!(" priority {} → {}", before.as_str(), now.as_str());
    }
    if after.ticket_type != current.ticket_type {
        detail += &format!(
            " type {} → {}",
            current.ticket_type.as_deref().unwrap_or("none"),
            after.ticket_type.as_deref().unwrap_or("none")
        );
    }
    if after.custom_fields != current.custom_fields {
        let keys: std::collections::BTreeSet<&str> = after
            .custom_fields
            .keys()
            .chain(current.custom_fields.keys())
            .filter(|k| after.custom_fields.get(*k) != current.custom_fields.get(*k))
            .map(String::as_str)
            .collect();
        detail += &format!(
            " fields {}",
            keys.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    detail
}

/// Changes a ticket's status, priority, type or fields, as far as the caller may (see
/// [`TicketUpdate`]); a change that changes nothing writes nothing.
#[tracing::instrument(skip_all, fields(ticket = %ticket))]
pub async fn change(
    store: &Store,
    caller: &Caller,
    ticket: TicketId,
    update: &TicketUpdate,
) -> Result<Ticket> {
    let current = store.ticket(caller, ticket).await?;
    let staff = caller.is_staff();
    let (ticket_type, custom_fields) = if staff {
        fields_after(&store.ticket_fields().await?, &current, update)?
    } else {
        let reopen_allowed = store.portal_settings().await?.reopen_allowed;
        check_user_update(&current, update, reopen_allowed)?;
        (current.ticket_type.clone(), current.custom_fields.clone())
    };
    let mut after = TicketChange {
        status: update.status.unwrap_or(current.status),
        // Users change the status alone: the priority stays the desk's.
        priority: match (staff, update.priority) {
            (true, Some(p)) => Some(p),
            _ => current.priority,
        },
        ticket_type,
        custom_fields,
        audit: None,
    };
    if (
        after.status,
        after.priority,
        &after.ticket_type,
        &after.custom_fields,
    ) == (
        current.status,
        current.priority,
        &current.ticket_type,
        &current.custom_fields,
    ) {
        return Ok(current);
    }
    if staff {
        after.audit = Some(audit_detail(&current, &after));
    }
    store.write_ticket_change(caller, &current, &after).await
}

/// Gives a ticket to a technician, or to nobody: technicians only, and only to technicians.
#[tracing::instrument(skip_all, fields(ticket = %ticket))]
pub async fn assign(
    store: &Store,
    caller: &Caller,
    ticket: TicketId,
    assignee: Option<UserId>,
) -> Result<Ticket> {
    if !caller.is_staff() {
        return Err(AppError::forbidden("only technicians assign tickets"));
    }
    let current = store.ticket(caller, ticket).await?;
    let name = match assignee {
        Some(user) => Some(
            store
                .user(user)
                .await?
                .filter(|u| u.role.is_staff())
                .ok_or_else(|| {
                    AppError::bad_request("tickets can be assigned only to technicians")
                })?
                .name,
        ),
        None => None,
    };
    if current.assignee_id == assignee {
        return Ok(current);
    }
    let detail = match &name {
        Some(name) => format!("#{}: assigned to {name}", current.number),
        None => format!("#{}: unassigned", current.number),
    };
    store
        .write_assignee(caller, &current, assignee, &detail)
        .await
}

/// The counts a home page shows: for staff the console's (open, awaiting the customer, theirs,
/// nobody's, over what they see); for anyone else their own requests' (open, and awaiting their
/// reply; theirs and nobody's are 0).
pub async fn queue_counts(store: &Store, caller: &Caller) -> Result<QueueCounts> {
    let staff = caller.is_staff();
    let mut counts = store.queue_counts(caller, !staff).await?;
    if !staff {
        counts.mine = 0;
        counts.unassigned = 0;
        counts.urgent = 0;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_reply_hands_the_ticket_to_the_other_side_and_a_note_moves_nothing() {
        use CommentVisibility::*;
        use TicketStatus::*;
        assert_eq!(status_after_reply(Public, true, Open), Some(AwaitingReply));
        assert_eq!(status_after_reply(Public, false, AwaitingReply), Some(Open));
        assert_eq!(status_after_reply(Internal, true, Open), None);
        assert_eq!(status_after_reply(Public, false, Open), None);
        assert_eq!(status_after_reply(Public, true, Resolved), None);
    }

    fn ticket(status: TicketStatus) -> Ticket {
        Ticket {
            id: TicketId::new(),
            number: 1042,
            title: "Printer".into(),
            description: String::new(),
            status,
            priority: Some(Priority::Normal),
            source: TicketSource::Portal,
            requester_id: UserId::new(),
            requester_name: "Bob".into(),
            org_id: None,
            org_name: None,
            device_id: None,
            device_name: None,
            assignee_id: None,
            assignee_name: None,
            ticket_type: None,
            custom_fields: FieldValues::new(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
            opened_by_id: None,
            opened_by_name: None,
            catalog_item: None,
            approval: None,
            approval_by_name: None,
        }
    }

    #[test]
    fn a_user_reopens_or_resolves_their_ticket_and_nothing_else() {
        use TicketStatus::*;
        let to = |status| TicketUpdate {
            status: Some(status),
            ..TicketUpdate::default()
        };
        assert!(check_user_update(&ticket(Resolved), &to(Open), true).is_ok());
        assert!(check_user_update(&ticket(Closed), &to(Open), true).is_ok());
        assert!(check_user_update(&ticket(Resolved), &to(Open), false).is_err());
        assert!(check_user_update(&ticket(Open), &to(Resolved), false).is_ok());
        assert!(check_user_update(&ticket(Closed), &to(Resolved), true).is_err());
        assert!(check_user_update(&ticket(Open), &to(AwaitingReply), true).is_err());
        assert!(check_user_update(&ticket(Open), &to(Open), false).is_ok());
        let urgent = TicketUpdate {
            priority: Some(Priority::Urgent),
            ..TicketUpdate::default()
        };
        assert!(check_user_update(&ticket(Open), &urgent, true).is_err());
        let typed = TicketUpdate {
            ticket_type: Some("hardware".into()),
            ..TicketUpdate::default()
        };
        assert!(check_user_update(&ticket(Open), &typed, true).is_err());
    }

    #[test]
    fn the_desks_change_is_audited_in_words_naming_only_what_moved() {
        let current = ticket(TicketStatus::Open);
        let mut fields = FieldValues::new();
        fields.insert("asset".into(), FieldValue::Text("PC-7".into()));
        let after = TicketChange {
            status: TicketStatus::Resolved,
            priority: Some(Priority::Urgent),
            ticket_type: Some("hardware".into()),
            custom_fields: fields,
            audit: None,
        };
        assert_eq!(
            audit_detail(&current, &after),
            "#1042: status open → resolved priority normal → urgent type none → hardware fields asset"
        );
    }

    #[test]
    fn only_the_agents_own_path_says_hotkey_or_tray() {
        let mut caller = Caller {
            user_id: UserId::new(),
            name: "Bob".into(),
            role: bellhop_proto::Role::EndUser,
            org_id: None,
            device_id: None,
            signed_in_at: 0,
            viewer: None,
        };
        assert_eq!(
            source_of(&caller, Some(TicketSource::Hotkey)),
            TicketSource::Portal
        );
        caller.device_id = Some(bellhop_proto::DeviceId::new());
        assert_eq!(
            source_of(&caller, Some(TicketSource::Hotkey)),
            TicketSource::Hotkey
        );
        assert_eq!(
            source_of(&caller, Some(TicketSource::Tray)),
            TicketSource::Tray
        );
        assert_eq!(source_of(&caller, None), TicketSource::Portal);
    }

    #[test]
    fn files_are_counted_and_their_hashes_checked() {
        let file = |sha256: &str| NewAttachment {
            sha256: sha256.into(),
            file_name: "a.txt".into(),
        };
        let good = "a".repeat(64);
        assert!(check_attachments(&vec![file(&good); MAX_ATTACHMENTS]).is_ok());
        assert!(check_attachments(&vec![file(&good); MAX_ATTACHMENTS + 1]).is_err());
        assert!(check_attachments(&[file(&"A".repeat(64))]).is_err());
        assert!(check_attachments(&[file("abc")]).is_err());
    }
}
