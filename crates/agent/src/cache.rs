//! The ticket cache: what a pull brought, applied in one transaction together with the cursor,
//! and what the user should hear about (a reply from someone else, a status change).

use std::collections::HashSet;

use bellhop_proto::{
    ApprovalState, Brand, Catalog, ChangesPage, CommentVisibility, LocalTicket, MyPortal, Notice,
    NoticeKind, OutboxState, SyncOpKind, TicketChange, TicketId, TicketStatus, UserId,
};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use crate::error::Result;
use crate::store::Store;

/// The `meta` key of the last applied change sequence number.
pub(crate) const CURSOR_KEY: &str = "pull_cursor";
/// The portal settings as they apply to this user (`MyPortal` as JSON), from the last pull.
pub(crate) const PORTAL_KEY: &str = "my_portal";
/// The service catalog offered to this user (`Catalog` as JSON), from the last pull.
pub(crate) const CATALOG_KEY: &str = "catalog";
/// The server's entity tag for the catalog kept.
pub(crate) const CATALOG_TAG_KEY: &str = "catalog_etag";
/// The brand this device's people see (`Brand` as JSON), from the last time the server was
/// asked: worn offline too.
pub(crate) const BRAND_KEY: &str = "brand";
/// The brand's logo as kept for offline use: `[path on the server, data: URL]` as JSON.
pub(crate) const BRAND_LOGO_KEY: &str = "brand_logo";

/// Longest reply excerpt in a notice, in characters.
const EXCERPT_CHARS: usize = 140;

/// What changed between the cached ticket and the pulled one that `me` did not do. A ticket seen
/// for the first time produces nothing: the first pull must not flood the user.
pub fn notices_for(
    old: Option<&TicketChange>,
    new: &TicketChange,
    me: Option<UserId>,
) -> Vec<Notice> {
    let Some(old) = old else {
        return Vec::new();
    };
    let notice = |kind| Notice {
        ticket_id: new.ticket.id,
        number: new.ticket.number,
        title: new.ticket.title.clone(),
        kind,
    };
    let mut notices = Vec::new();
    let known: HashSet<_> = old.comments.iter().map(|c| c.id).collect();
    if let Some(reply) = new.comments.iter().rev().find(|c| {
        !known.contains(&c.id)
            && c.visibility == CommentVisibility::Public
            && Some(c.author_id) != me
    }) {
        let mut excerpt: String = reply.body.chars().take(EXCERPT_CHARS).collect();
        if reply.body.chars().count() > EXCERPT_CHARS {
            excerpt.push('…');
        }
        notices.push(notice(NoticeKind::Reply {
            author_name: reply.author_name.clone(),
            excerpt,
        }));
    }
    if old.ticket.status != new.ticket.status {
        notices.push(notice(NoticeKind::Status {
            status: new.ticket.status,
        }));
    }
    notices
}

impl Store {
    /// The change sequence number the cache is up to (0: never pulled).
    pub fn cursor(&self) -> Result<i64> {
        Ok(self
            .meta(CURSOR_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Applies a pulled page and moves the cursor, in one transaction; returns the notices.
    pub fn apply_changes(&mut self, page: &ChangesPage, me: Option<UserId>) -> Result<Vec<Notice>> {
        let tx = self.conn.transaction()?;
        let mut notices = Vec::new();
        {
            let mut old_stmt = tx.prepare("SELECT data, seq FROM tickets WHERE id = ?1")?;
            let mut upsert = tx.prepare(
                "INSERT INTO tickets (id, number, title, status, updated_at, seq, data, unread)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET number = ?2, title = ?3, status = ?4,
                     updated_at = ?5, seq = ?6, data = ?7, unread = MAX(unread, ?8)",
            )?;
            for change in &page.changes {
                let old: Option<(String, i64)> = old_stmt
                    .query_row([change.ticket.id.to_string()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                if old.as_ref().is_some_and(|(_, seq)| *seq >= change.seq) {
                    // Another process (the app or the CLI) applied this or a newer state.
                    continue;
                }
                // A cache row this version cannot read is replaced, not fatal.
                let old: Option<TicketChange> =
                    old.and_then(|(d, _)| serde_json::from_str(&d).ok());
                let found = notices_for(old.as_ref(), change, me);
                upsert.execute(params![
                    change.ticket.id.to_string(),
                    change.ticket.number,
                    change.ticket.title,
                    change.ticket.status.as_str(),
                    change.ticket.updated_at.as_millisecond(),
                    change.seq,
                    serde_json::to_string(change)?,
                    !found.is_empty(),
                ])?;
                notices.extend(found);
            }
            // The cursor only moves forward, whichever process applies its page last.
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2
                 WHERE CAST(meta.value AS INTEGER) < CAST(?2 AS INTEGER)",
                params![CURSOR_KEY, page.cursor.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(notices)
    }

    /// How many tickets the cache holds.
    pub fn cached_ticket_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Drops every cached ticket not in `visible` (the user lost sight of it), in one
    /// transaction; returns how many went.
    pub fn keep_only_tickets(&mut self, visible: &[TicketId]) -> Result<u64> {
        let keep: std::collections::HashSet<String> =
            visible.iter().map(ToString::to_string).collect();
        let tx = self.conn.transaction()?;
        let held: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM tickets")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut dropped = 0;
        for id in held.iter().filter(|id| !keep.contains(*id)) {
            dropped += tx.execute("DELETE FROM tickets WHERE id = ?1", [id])? as u64;
        }
        tx.commit()?;
        Ok(dropped)
    }

    /// The portal settings as they applied to this user at the last pull.
    pub fn portal(&self) -> Result<Option<MyPortal>> {
        Ok(self
            .meta(PORTAL_KEY)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    pub fn set_portal(&mut self, portal: &MyPortal) -> Result<()> {
        let json = serde_json::to_string(portal)?;
        self.set_meta(PORTAL_KEY, Some(&json))
    }

    /// The brand as the server last gave it (`None` before it was asked once).
    pub fn brand(&self) -> Result<Option<Brand>> {
        Ok(self
            .meta(BRAND_KEY)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Keeps the brand; returns whether it differs from the copy kept.
    pub fn set_brand(&mut self, brand: &Brand) -> Result<bool> {
        if self.brand()?.as_ref() == Some(brand) {
            return Ok(false);
        }
        let json = serde_json::to_string(brand)?;
        self.set_meta(BRAND_KEY, Some(&json))?;
        Ok(true)
    }

    /// The logo kept: the server's path for it and its `data:` URL.
    pub fn brand_logo(&self) -> Result<Option<(String, String)>> {
        Ok(self
            .meta(BRAND_LOGO_KEY)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Keeps the logo fetched from `path` as a `data:` URL, or forgets it.
    pub fn set_brand_logo(&mut self, logo: Option<(&str, &str)>) -> Result<()> {
        let json = logo.map(|l| serde_json::to_string(&l)).transpose()?;
        self.set_meta(BRAND_LOGO_KEY, json.as_deref())
    }

    /// The service catalog as it was offered to this user at the last pull.
    pub fn catalog(&self) -> Result<Option<Catalog>> {
        Ok(self
            .meta(CATALOG_KEY)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Keeps the catalog with the server's tag for it (the copy first: a tag never names a copy
    /// not kept).
    pub fn set_catalog(&mut self, catalog: Option<&Catalog>, tag: Option<&str>) -> Result<()> {
        let json = catalog.map(serde_json::to_string).transpose()?;
        self.set_meta(CATALOG_KEY, json.as_deref())?;
        self.set_meta(CATALOG_TAG_KEY, tag.filter(|_| catalog.is_some()))
    }

    /// The server's entity tag for the catalog kept, to ask whether it changed.
    pub fn catalog_tag(&self) -> Result<Option<String>> {
        self.meta(CATALOG_TAG_KEY)
    }

    /// Forgets every cached ticket, the cursor and the knowledge base (a new identity sees other
    /// things).
    pub fn reset_cache(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM tickets", [])?;
        tx.execute("DELETE FROM articles", [])?;
        tx.execute("DELETE FROM articles_fts", [])?;
        tx.execute(
            "DELETE FROM meta WHERE key IN (?1, ?2, ?3, ?4, ?5)",
            [
                CURSOR_KEY,
                PORTAL_KEY,
                CATALOG_KEY,
                CATALOG_TAG_KEY,
                crate::kb::KB_CHECKED_KEY,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A cached ticket with its conversation, and whether it was unread.
    pub fn cached_ticket(&self, id: TicketId) -> Result<Option<(TicketChange, bool)>> {
        let row: Option<(String, bool)> = self
            .conn
            .query_row(
                "SELECT data, unread FROM tickets WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(data, unread)| Ok((serde_json::from_str(&data)?, unread)))
            .transpose()
    }

    /// The id of the cached ticket with this number.
    pub fn ticket_id_by_number(&self, number: i64) -> Result<Option<TicketId>> {
        let id: Option<String> = self
            .conn
            .query_row("SELECT id FROM tickets WHERE number = ?1", [number], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(id.and_then(|s| s.parse().ok()))
    }

    pub fn mark_read(&mut self, id: TicketId) -> Result<()> {
        self.conn.execute(
            "UPDATE tickets SET unread = 0 WHERE id = ?1",
            [id.to_string()],
        )?;
        Ok(())
    }

    pub fn unread_count(&self) -> Result<u64> {
        let n: i64 =
            self.conn
                .query_row("SELECT COUNT(*) FROM tickets WHERE unread = 1", [], |r| {
                    r.get(0)
                })?;
        Ok(n.max(0) as u64)
    }

    /// Every ticket the user has here: the cached ones, newest first, and before them the ones
    /// still waiting in the outbox (or refused by the server).
    pub fn local_tickets(&self) -> Result<Vec<LocalTicket>> {
        let mut pending: HashSet<TicketId> = HashSet::new();
        let mut waiting = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT op, state, last_error, created_at FROM outbox WHERE state <> 'synced' ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (op, state, error, at) = row?;
            let op: bellhop_proto::SyncOp = serde_json::from_str(&op)?;
            let rejected = OutboxState::parse(&state) == Some(OutboxState::Rejected);
            match op.op {
                SyncOpKind::CreateTicket { ticket } => {
                    pending.insert(ticket.id);
                    waiting.push(LocalTicket {
                        id: ticket.id,
                        number: None,
                        title: ticket.title,
                        status: None,
                        updated_at: Timestamp::from_millisecond(at)
                            .unwrap_or_else(|_| Timestamp::now()),
                        unread: false,
                        pending: !rejected,
                        rejected: if rejected { error } else { None },
                        opened_by_name: None,
                        approval: None,
                    });
                }
                SyncOpKind::AddComment { ticket_id, .. }
                | SyncOpKind::UpdateTicket { ticket_id, .. }
                    if !rejected =>
                {
                    pending.insert(ticket_id);
                }
                SyncOpKind::AddComment { .. } | SyncOpKind::UpdateTicket { .. } => {}
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, number, title, status, updated_at, unread,
                    json_extract(data, '$.ticket.opened_by_name'),
                    json_extract(data, '$.ticket.approval')
             FROM tickets ORDER BY number DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        let mut cached = Vec::new();
        for row in rows {
            let (id, number, title, status, updated, unread, opened_by_name, approval) = row?;
            let Ok(id) = id.parse::<TicketId>() else {
                continue;
            };
            cached.push(LocalTicket {
                id,
                number: Some(number),
                title,
                status: TicketStatus::parse(&status),
                updated_at: Timestamp::from_millisecond(updated)
                    .unwrap_or_else(|_| Timestamp::now()),
                unread,
                pending: pending.contains(&id),
                rejected: None,
                opened_by_name,
                approval: approval.as_deref().and_then(ApprovalState::parse),
            });
        }
        let known: HashSet<TicketId> = cached.iter().map(|t| t.id).collect();
        // A created ticket stays in the outbox as synced; once pulled it is listed from the cache.
        waiting.retain(|t| !known.contains(&t.id));
        waiting.reverse();
        waiting.extend(cached);
        Ok(waiting)
    }
}

#[cfg(test)]
mod tests {
    use bellhop_proto::{Comment, CommentId, Priority, Ticket, TicketSource};

    use super::*;

    fn comment(author: UserId, visibility: CommentVisibility, body: &str) -> Comment {
        Comment {
            id: CommentId::new(),
            ticket_id: TicketId::new(),
            author_id: author,
            author_name: "Tess Tech".into(),
            visibility,
            body: body.into(),
            created_at: Timestamp::now(),
        }
    }

    fn change(
        id: TicketId,
        seq: i64,
        status: TicketStatus,
        comments: Vec<Comment>,
    ) -> TicketChange {
        TicketChange {
            seq,
            ticket: Ticket {
                id,
                number: 1042,
                title: "Printer jams".into(),
                description: String::new(),
                status,
                priority: Some(Priority::Normal),
                source: TicketSource::Hotkey,
                requester_id: UserId::new(),
                requester_name: "Bob".into(),
                org_id: None,
                org_name: None,
                device_id: None,
                device_name: None,
                assignee_id: None,
                assignee_name: None,
                ticket_type: None,
                custom_fields: Default::default(),
                created_at: Timestamp::now(),
                updated_at: Timestamp::now(),
                opened_by_id: None,
                opened_by_name: None,
                catalog_item: None,
                approval: None,
                approval_by_name: None,
            },
            comments,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn a_reply_from_someone_else_and_a_status_change_are_notices_mine_are_not() {
        let (me, tech, id) = (UserId::new(), UserId::new(), TicketId::new());
        let first = comment(me, CommentVisibility::Public, "It jams");
        let old = change(id, 1, TicketStatus::Open, vec![first.clone()]);
        assert!(
            notices_for(None, &old, Some(me)).is_empty(),
            "first sight is silent"
        );

        let mine = comment(me, CommentVisibility::Public, "Still jams");
        let new = change(id, 2, TicketStatus::Open, vec![first.clone(), mine.clone()]);
        assert!(
            notices_for(Some(&old), &new, Some(me)).is_empty(),
            "my own reply"
        );

        let note = comment(tech, CommentVisibility::Internal, "internal");
        let long = "x".repeat(500);
        let reply = comment(tech, CommentVisibility::Public, &long);
        let new = change(
            id,
            3,
            TicketStatus::AwaitingReply,
            vec![first, mine, note, reply],
        );
        let notices = notices_for(Some(&old), &new, Some(me));
        assert_eq!(notices.len(), 2);
        match &notices[0].kind {
            NoticeKind::Reply {
                author_name,
                excerpt,
            } => {
                assert_eq!(author_name, "Tess Tech");
                assert_eq!(
                    excerpt.chars().count(),
                    EXCERPT_CHARS + 1,
                    "cut with an ellipsis"
                );
            }
            other => panic!("expected a reply notice, got {other:?}"),
        }
        assert_eq!(
            notices[1].kind,
            NoticeKind::Status {
                status: TicketStatus::AwaitingReply
            }
        );
    }

    #[test]
    fn applying_pages_moves_the_cursor_marks_unread_and_lists_outbox_tickets_first()
    -> anyhow::Result<()> {
        let mut store = Store::open_in_memory()?;
        let (me, tech, id) = (UserId::new(), UserId::new(), TicketId::new());
        let page = |changes, cursor| ChangesPage {
            changes,
            cursor,
            more: false,
            visible: None,
        };
        store.apply_changes(
            &page(vec![change(id, 5, TicketStatus::Open, vec![])], 5),
            Some(me),
        )?;
        assert_eq!(store.cursor()?, 5);
        assert_eq!(store.unread_count()?, 0);

        let reply = comment(tech, CommentVisibility::Public, "Try tray 1");
        let notices = store.apply_changes(
            &page(vec![change(id, 9, TicketStatus::Open, vec![reply])], 9),
            Some(me),
        )?;
        assert_eq!(notices.len(), 1);
        assert_eq!(store.cursor()?, 9);
        assert_eq!(store.unread_count()?, 1);
        assert_eq!(store.ticket_id_by_number(1042)?, Some(id));

        store.queue_ticket(bellhop_proto::NewTicket::new("Queued one", ""), None)?;
        let list = store.local_tickets()?;
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].title.as_str(), list[0].number, list[0].pending),
            ("Queued one", None, true)
        );
        assert_eq!((list[1].number, list[1].unread), (Some(1042), true));

        store.mark_read(id)?;
        assert_eq!(store.unread_count()?, 0);

        // A ticket the desk opened for the user, a request waiting for approval: the list says so.
        let other = TicketId::new();
        let mut for_me = change(other, 10, TicketStatus::Open, vec![]);
        for_me.ticket.opened_by_name = Some("Tess Tech".into());
        for_me.ticket.approval = Some(ApprovalState::Pending);
        store.apply_changes(&page(vec![for_me], 10), Some(me))?;
        let listed = store.local_tickets()?;
        let listed = listed
            .iter()
            .find(|t| t.id == other)
            .ok_or_else(|| anyhow::anyhow!("not listed"))?;
        assert_eq!(
            (listed.opened_by_name.as_deref(), listed.approval),
            (Some("Tess Tech"), Some(ApprovalState::Pending))
        );
        assert!(
            store
                .local_tickets()?
                .iter()
                .all(|t| t.id == other || (t.opened_by_name.is_none() && t.approval.is_none()))
        );

        // A ticket the user lost sight of goes; the queued one stays.
        assert_eq!(store.cached_ticket_count()?, 2);
        assert_eq!(store.keep_only_tickets(&[other])?, 1);
        assert_eq!(store.cached_ticket_count()?, 1);
        assert!(store.cached_ticket(id)?.is_none());
        assert!(store.cached_ticket(other)?.is_some());
        assert_eq!(
            store.local_tickets()?.len(),
            2,
            "the queued one and the one still seen"
        );
        store.reset_cache()?;
        assert_eq!((store.cursor()?, store.local_tickets()?.len()), (0, 1));
        Ok(())
    }
}
