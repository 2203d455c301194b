//! Tickets: what a new ticket and a reply must be, who may write an internal note, and how a
//! reply moves a ticket's status.

use bellhop_proto::{
    CommentVisibility, Description, NewAttachment, NewComment, NewTicket, Ticket, TicketId,
    TicketStatus, TicketUpdate, Title,
};

use crate::db::{Caller, Store};
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

/// Opens a ticket for the caller; a repeat of the same id by its requester answers the first
/// result (`false`: not created now).
#[tracing::instrument(skip_all, fields(ticket = %new.id))]
pub async fn open(store: &Store, caller: &Caller, new: &NewTicket) -> Result<(Ticket, bool)> {
    check_new(new)?;
    store.create_ticket(caller, new).await
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

/// Changes a ticket's status, priority, type or fields, as far as the caller may.
#[tracing::instrument(skip_all, fields(ticket = %ticket))]
pub async fn change(
    store: &Store,
    caller: &Caller,
    ticket: TicketId,
    update: &TicketUpdate,
) -> Result<Ticket> {
    store.update_ticket(caller, ticket, update).await
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
