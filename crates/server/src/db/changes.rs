//! The change feed. Every write that changes what someone sees of a ticket takes the next
//! change number in its transaction and stamps it on the ticket; clients pull the tickets
//! stamped after their cursor, and a pull answers only up to a number below which every write
//! has finished ([`Store::settled_change_seq`]), so that no change is ever skipped.
//!
//! - SQLite: a counter row, taken in the process's single write turn; numbers become visible in
//!   order, and the counter itself is the settled number.
//! - PostgreSQL: a sequence, which locks nothing (a locked counter row made every change wait for
//!   the commit of the one before). Numbers can then commit out of order, so each writer first
//!   registers, as a shared transaction-scoped advisory lock, the highest number handed out so
//!   far, and only then takes its own (higher) one; the lock goes with its commit or rollback. A
//!   pull settles on the highest number handed out before it looked, lowered to the smallest
//!   registration still held. A ticket's own changes are numbered in the order they commit,
//!   because the number is taken by the `UPDATE` that holds (or waited for) the ticket's row.
//!
//! After commit, a [`ChangeEvent`] goes to every live-event subscriber: directly on SQLite, and
//! through `NOTIFY` on PostgreSQL so that every server instance on the database hears it.
//!
//! One file on purpose: numbering, settling and pulling are one protocol (docs/SYNC.md), and
//! each part's correctness depends on the others'.

use bellhop_proto::{
    ActionId, ApprovalState, ChangesPage, ChatId, DeviceId, OrgId, TicketChange, TicketId, UserId,
};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tokio::sync::broadcast;

use super::sql::Sql;
use super::write::WriteConn;
use super::{Backend, Caller, Store, parse_id};
use crate::error::{AppError, Result};

/// The PostgreSQL channel events travel on between instances.
pub const CHANNEL: &str = "bellhop_changes";
/// The PostgreSQL channel that carries a [`Signal`] (its name as the payload) to every instance.
pub const SIGNAL_CHANNEL: &str = "bellhop_signals";

/// Something every open event stream of every instance should hear about, beyond tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Some credential may have stopped working (a device deactivated, a session or device
    /// credential revoked): streams check their caller again and end if it no longer signs in.
    Access,
    /// What users may read in the knowledge base may have changed (an article written or
    /// deleted, the section switched on or off for someone): offline copies refresh.
    Kb,
    /// A self-service action moved on; `None` when notifications were missed and any may have.
    Action(Option<ActionNote>),
    /// A chat has a new message (`None`: notifications were missed; any chat may have).
    Chat(Option<ChatNote>),
    /// Someone is typing in a chat.
    Typing(TypingNote),
    /// Who is on duty changed: whether chat is available may have.
    Duty,
}

/// Which chat has news, whose chat it is (they and the desk hear of it), and its last message's
/// number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatNote {
    pub chat: ChatId,
    pub user: UserId,
    pub seq: i64,
}

impl ChatNote {
    /// Whether `caller` hears of this chat: its person and the desk.
    pub fn heard_by(&self, caller: &Caller) -> bool {
        caller.is_staff() || caller.user_id == self.user
    }
}

/// Who is typing in which chat (whose it is, for who hears of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypingNote {
    pub chat: ChatId,
    pub user: UserId,
    pub typist: UserId,
}

impl TypingNote {
    /// The other side hears it: the person when the desk types, the desk when the person does.
    pub fn heard_by(&self, caller: &Caller) -> bool {
        caller.user_id != self.typist && (caller.is_staff() || caller.user_id == self.user)
    }
}

/// Which action moved, and who hears of it: the person who asked, the computer it is for, and
/// the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionNote {
    pub action: ActionId,
    pub device: DeviceId,
    pub user: UserId,
}

impl ActionNote {
    /// Whether `caller` hears of this action.
    pub fn heard_by(&self, caller: &Caller) -> bool {
        caller.is_staff() || caller.user_id == self.user || caller.device_id == Some(self.device)
    }
}

impl Signal {
    fn payload(self) -> String {
        match self {
            Self::Access => "access".into(),
            Self::Kb => "kb".into(),
            Self::Action(None) => "action".into(),
            Self::Action(Some(n)) => format!("action {} {} {}", n.action, n.device, n.user),
            Self::Chat(None) => "chat".into(),
            Self::Chat(Some(n)) => format!("chat {} {} {}", n.chat, n.user, n.seq),
            Self::Typing(n) => format!("typing {} {} {}", n.chat, n.user, n.typist),
            Self::Duty => "duty".into(),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        let mut words = payload.split(' ');
        match (words.next()?, words.next()) {
            ("access", None) => Some(Self::Access),
            ("kb", None) => Some(Self::Kb),
            ("action", None) => Some(Self::Action(None)),
            ("action", Some(action)) => Some(Self::Action(Some(ActionNote {
                action: action.parse().ok()?,
                device: words.next()?.parse().ok()?,
                user: words.next()?.parse().ok()?,
            }))),
            ("chat", None) => Some(Self::Chat(None)),
            ("chat", Some(chat)) => Some(Self::Chat(Some(ChatNote {
                chat: chat.parse().ok()?,
                user: words.next()?.parse().ok()?,
                seq: words.next()?.parse().ok()?,
            }))),
            ("typing", Some(chat)) => Some(Self::Typing(TypingNote {
                chat: chat.parse().ok()?,
                user: words.next()?.parse().ok()?,
                typist: words.next()?.parse().ok()?,
            })),
            ("duty", None) => Some(Self::Duty),
            _ => None,
        }
    }
}

/// A ticket changed; who may see it decides who hears about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeEvent {
    pub seq: i64,
    pub ticket_id: TicketId,
    pub requester_id: UserId,
    pub org_id: Option<OrgId>,
    pub cc: Vec<UserId>,
    /// People who saw the ticket until this change (a copy removed): told once, so that their
    /// offline copies let it go.
    #[serde(default)]
    pub lost: Vec<UserId>,
    /// Held for a primary contact's approval, or declined: not the desk's to hear of.
    #[serde(default)]
    pub held: bool,
}

impl ChangeEvent {
    /// Those who see the ticket now, and those who just lost sight of it.
    pub fn visible_to(&self, caller: &Caller) -> bool {
        if self.held && caller.is_staff() {
            return false;
        }
        caller.sees(self.requester_id, self.org_id, &self.cc) || self.lost.contains(&caller.user_id)
    }
}

/// Whether a ticket with this stored approval is kept from the desk.
pub(crate) fn held(approval: Option<&str>) -> bool {
    approval.is_some_and(|a| a != ApprovalState::Approved.as_str())
}

/// PostgreSQL: the highest change number handed out so far (0 before the first).
const PG_HANDED_OUT: &str =
    "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS value FROM change_seqs";

/// PostgreSQL: a common table `registered` that holds, until the transaction ends, a shared
/// advisory lock keyed by the highest change number handed out so far. A statement that takes a
/// change number must read `registered` first; `MATERIALIZED` makes it one row, evaluated before
/// anything that reads it.
pub(super) const PG_REGISTER_CHANGE: &str = "WITH registered AS MATERIALIZED (
    SELECT pg_advisory_xact_lock_shared(CASE WHEN is_called THEN last_value ELSE last_value - 1 END)
    FROM change_seqs)";

/// PostgreSQL: the smallest change registration still held, in this database (`NULL` if none).
/// Keys are change numbers, so never negative; another advisory lock (sqlx's migration lock) may
/// be counted if its key is not, which only makes a pull wait or answer less.
const PG_OLDEST_REGISTRATION: &str = "SELECT min(k) FROM (
        SELECT (classid::bigint << 32) | objid::bigint AS k FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) l
    WHERE k >= 0";

/// Takes the next value of a counter inside `tx` (SQLite); the row stays locked until commit.
async fn next_counter(tx: &mut AnyConnection, name: &str) -> Result<i64> {
    Ok(next_counter_sql(name)
        .build()?
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?)
}

/// [`next_counter`] in a transaction of [`Store::write`].
pub(super) fn take_next(w: &mut dyn WriteConn, name: &str) -> Result<i64> {
    w.row(next_counter_sql(name), |r| r.int("value"))?
        .ok_or_else(|| AppError::Other(anyhow::anyhow!("the counter {name:?} is missing")))
}

impl Store {
    /// The statement that takes the next ticket number (a column `value`): SQLite's counter
    /// row, or on PostgreSQL a sequence, which takes no lock (a number taken by a creation that
    /// fails is then not given back).
    pub(super) fn ticket_number_sql(&self) -> Sql {
        match self.backend {
            Backend::Sqlite => next_counter_sql("ticket_number"),
            Backend::Postgres => Sql::new("SELECT nextval('ticket_numbers') AS value"),
        }
    }
}

fn next_counter_sql(name: &str) -> Sql {
    let mut sql = Sql::new("UPDATE counters SET value = value + 1 WHERE name = ");
    sql.bind(name).push(" RETURNING value");
    sql
}

impl Store {
    /// Stamps the ticket with the next change number and moves its `updated_at` forward; call
    /// inside the transaction that made the change, and [`Self::publish`] the result after
    /// commit.
    pub(crate) async fn record_change(
        &self,
        tx: &mut AnyConnection,
        ticket: TicketId,
        at_ms: i64,
    ) -> Result<ChangeEvent> {
        self.record_change_losing(tx, ticket, at_ms, &[]).await
    }

    /// [`Self::record_change`] for a change after which `lost` no longer see the ticket: they
    /// hear of it once more, pull, and learn from the page's count that something went.
    pub(crate) async fn record_change_losing(
        &self,
        tx: &mut AnyConnection,
        ticket: TicketId,
        at_ms: i64,
        lost: &[UserId],
    ) -> Result<ChangeEvent> {
        let mut stamp = Sql::default();
        match self.backend {
            Backend::Sqlite => {
                let seq = next_counter(tx, "change_seq").await?;
                stamp.push("UPDATE tickets SET change_seq = ").bind(seq);
            }
            // The number is taken once the row is this transaction's: a write that waited for
            // the row is evaluated again after, and so numbered after the one it waited for.
            Backend::Postgres => {
                stamp
                    .push(PG_REGISTER_CHANGE)
                    .push(" UPDATE tickets SET change_seq = nextval('change_seqs')");
            }
        }
        stamp
            .push(", updated_at = CASE WHEN updated_at < ")
            .bind(at_ms)
            .push(" THEN ")
            .bind(at_ms)
            .push(" ELSE updated_at END");
        if self.backend == Backend::Postgres {
            stamp.push(" FROM registered");
        }
        stamp
            .push(" WHERE id = ")
            .bind(ticket.to_string())
            .push(" RETURNING change_seq, requester_id, org_id, approval");
        let row = stamp.build()?.fetch_one(&mut *tx).await?;
        let seq: i64 = row.try_get("change_seq")?;
        let org: Option<String> = row.try_get("org_id")?;
        let cc: Vec<String> =
            sqlx::query_scalar("SELECT user_id FROM ticket_cc WHERE ticket_id = $1")
                .bind(ticket.to_string())
                .fetch_all(&mut *tx)
                .await?;
        let event = ChangeEvent {
            seq,
            ticket_id: ticket,
            requester_id: parse_id(row.try_get("requester_id")?)?,
            org_id: org.as_deref().map(parse_id).transpose()?,
            cc: cc.iter().map(|c| parse_id(c)).collect::<Result<_>>()?,
            lost: lost.to_vec(),
            held: held(row.try_get::<Option<String>, _>("approval")?.as_deref()),
        };
        self.announce_in(tx, &event).await?;
        Ok(event)
    }

    /// On PostgreSQL, queues the notification of `event` in `tx`: PostgreSQL delivers it when
    /// (and only if) the transaction commits. (SQLite: [`Self::publish`] after commit.)
    pub(crate) async fn announce_in(
        &self,
        tx: &mut AnyConnection,
        event: &ChangeEvent,
    ) -> Result<()> {
        if let Some(notify) = self.announcement(event)? {
            notify.build()?.execute(&mut *tx).await?;
        }
        Ok(())
    }

    /// The statement that [`Self::announce_in`] runs, if the backend needs one.
    fn announcement(&self, event: &ChangeEvent) -> Result<Option<Sql>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let payload = serde_json::to_string(event).map_err(anyhow::Error::from)?;
        let mut notify = Sql::new("SELECT pg_notify(");
        notify.bind(CHANNEL).push(", ").bind(payload).push(")");
        Ok(Some(notify))
    }

    /// Appends `pg_notify(…)` (PostgreSQL): the notification of a change to the ticket whose
    /// `id` and `change_seq` are columns of `table` in the statement, with the payload
    /// [`Self::announce_in`] would send for the same [`ChangeEvent`] (a new ticket: no CC list
    /// yet, nobody who lost sight of it).
    pub(super) fn push_new_ticket_announcement(
        sql: &mut Sql,
        table: &str,
        requester: UserId,
        org: Option<OrgId>,
    ) {
        sql.push("pg_notify(")
            .bind(CHANNEL)
            .push(", json_build_object('seq', ")
            .push(table)
            .push(".change_seq, 'ticket_id', ")
            .push(table)
            .push(".id, 'requester_id', ")
            .bind(requester.to_string())
            .push("::text, 'org_id', ")
            .bind(org.map(|o| o.to_string()))
            .push("::text, 'cc', json_build_array(), 'lost', json_build_array(), 'held', ")
            .push(table)
            .push(".approval IS NOT NULL AND ")
            .push(table)
            .push(".approval <> 'approved')::text)");
    }

    /// Tells live subscribers of this instance about a committed change (PostgreSQL: the
    /// listener does it for every instance when the notification arrives).
    pub(crate) fn publish(&self, event: ChangeEvent) {
        if self.backend == Backend::Sqlite {
            // No subscribers is fine.
            let _ = self.events.send(event);
        }
    }

    /// Live change events of every ticket; filter with [`ChangeEvent::visible_to`].
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.events.subscribe()
    }

    /// Says, after commit, that some credential may have stopped working.
    pub(crate) async fn access_changed(&self) -> Result<()> {
        self.signal(Signal::Access).await
    }

    /// Says, after commit, that the knowledge base changed for someone.
    pub(crate) async fn kb_changed(&self) -> Result<()> {
        self.signal(Signal::Kb).await
    }

    /// Says, after commit, that an action moved on.
    pub(crate) async fn action_moved(&self, note: ActionNote) -> Result<()> {
        self.signal(Signal::Action(Some(note))).await
    }

    /// Says, after commit, that a chat has a new message.
    pub(crate) async fn chat_moved(&self, note: ChatNote) -> Result<()> {
        self.signal(Signal::Chat(Some(note))).await
    }

    /// Says that someone is typing in a chat (nothing is stored).
    pub(crate) async fn typing(&self, note: TypingNote) -> Result<()> {
        self.signal(Signal::Typing(note)).await
    }

    /// Says, after commit, that who is on duty changed.
    pub(crate) async fn duty_changed(&self) -> Result<()> {
        self.signal(Signal::Duty).await
    }

    /// Rings `signal` on every instance's subscribers.
    async fn signal(&self, signal: Signal) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let _ = self.signals.send(signal);
            }
            Backend::Postgres => {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(SIGNAL_CHANNEL)
                    .bind(signal.payload())
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Hears every [`Signal`].
    pub fn subscribe_signals(&self) -> broadcast::Receiver<Signal> {
        self.signals.subscribe()
    }

    /// The tickets the caller may see that changed after `after`, oldest change first, each with
    /// its visible conversation and attachments.
    pub async fn changes_after(
        &self,
        caller: &Caller,
        after: i64,
        limit: u32,
    ) -> Result<ChangesPage> {
        let limit = i64::from(limit.clamp(1, 1000));
        // Every write numbered up to `upto` has finished.
        let upto = self.settled_change_seq().await?;
        let seen = self.visibility(caller).await?;
        let mut qb = Sql::new(concat!(select_tickets!(), " WHERE t.change_seq > "));
        qb.bind(after).push(" AND t.change_seq <= ").bind(upto);
        seen.push(&mut qb);
        qb.push(" ORDER BY t.change_seq").limit(limit + 1);
        let mut changes = self
            .read_rows(qb, |row| {
                Ok(TicketChange {
                    seq: row.int("change_seq")?,
                    ticket: super::tickets::ticket_from_row(row)?,
                    comments: Vec::new(),
                    attachments: Vec::new(),
                })
            })
            .await?;
        let more = changes.len() as i64 > limit;
        changes.truncate(limit as usize);
        self.redact_all(caller, changes.iter_mut().map(|c| &mut c.ticket))
            .await?;
        let ids: Vec<TicketId> = changes.iter().map(|c| c.ticket.id).collect();
        let mut comments = self.comments_of(caller, &ids).await?;
        let mut attachments = self.attachments_of(caller, &ids).await?;
        for change in &mut changes {
            change.comments = comments.remove(&change.ticket.id).unwrap_or_default();
            change.attachments = attachments.remove(&change.ticket.id).unwrap_or_default();
        }
        let cursor = if more {
            changes.last().map_or(after, |c| c.seq)
        } else {
            upto.max(after)
        };
        // On the last page: how many tickets the caller sees in all, so that a copy holding more
        // (a ticket they lost sight of) knows to ask which.
        let visible = if more {
            None
        } else {
            let mut qb = Sql::new("SELECT COUNT(*) FROM tickets t WHERE t.change_seq <= ");
            qb.bind(upto);
            seen.push(&mut qb);
            let count: i64 = qb.build()?.fetch_one(&self.pool).await?.try_get(0)?;
            Some(u64::try_from(count).unwrap_or(0))
        };
        Ok(ChangesPage {
            changes,
            cursor,
            more,
            visible,
        })
    }

    /// A change number below which (inclusive) every write has finished, committed or not, so a
    /// pull that answers up to it skips nothing.
    ///
    /// On PostgreSQL that is the highest number handed out before this call, unless a writer
    /// registered below it is still running (see the module's notes). Such a writer is waited for,
    /// briefly (writes take milliseconds), so that a pull made after a live event includes the
    /// event's change; a write still open after that holds the answer back to its registration.
    pub(super) async fn settled_change_seq(&self) -> Result<i64> {
        if self.backend == Backend::Sqlite {
            // The counter only moves at commit, in the single write turn.
            return Ok(
                sqlx::query_scalar("SELECT value FROM counters WHERE name = 'change_seq'")
                    .fetch_one(&self.pool)
                    .await?,
            );
        }
        let handed_out: i64 = sqlx::query_scalar(PG_HANDED_OUT)
            .fetch_one(&self.pool)
            .await?;
        let patience = tokio::time::Instant::now() + std::time::Duration::from_millis(250);
        loop {
            let oldest: Option<i64> = sqlx::query_scalar(PG_OLDEST_REGISTRATION)
                .fetch_one(&self.pool)
                .await?;
            match oldest {
                Some(oldest) if oldest < handed_out => {
                    if tokio::time::Instant::now() >= patience {
                        return Ok(oldest);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                _ => return Ok(handed_out),
            }
        }
    }

    /// The ids of every ticket the caller may see, for an offline copy to drop the others.
    pub async fn visible_ticket_ids(&self, caller: &Caller) -> Result<Vec<TicketId>> {
        let mut qb = Sql::new("SELECT t.id FROM tickets t WHERE 1 = 1");
        self.visibility(caller).await?.push(&mut qb);
        qb.push(" ORDER BY t.id");
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter().map(|r| parse_id(r.try_get(0)?)).collect()
    }

    /// Forwards PostgreSQL notifications to this instance's subscribers and moves its commit
    /// clock on, reconnecting as needed.
    pub(crate) fn spawn_listener(&self, url: String) {
        let (events, signals) = (self.events.clone(), self.signals.clone());
        let commits = std::sync::Arc::clone(&self.commits);
        tokio::spawn(async move {
            loop {
                let heard = Heard {
                    events: &events,
                    signals: &signals,
                    commits: &commits,
                };
                match listen(&url, heard).await {
                    Ok(()) => return,
                    Err(e) => {
                        commits.set_listening(false);
                        tracing::warn!(error = %e, "change listener lost its connection; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
}

/// Where the listener passes on what it hears.
struct Heard<'a> {
    events: &'a broadcast::Sender<ChangeEvent>,
    signals: &'a broadcast::Sender<Signal>,
    commits: &'a super::commits::CommitClock,
}

impl Heard<'_> {
    /// Notifications may have been missed: everything kept goes, every stream checks again.
    fn missed_some(&self) {
        self.commits.tick();
        let _ = self.signals.send(Signal::Access);
        let _ = self.signals.send(Signal::Kb);
        let _ = self.signals.send(Signal::Action(None));
        let _ = self.signals.send(Signal::Chat(None));
        let _ = self.signals.send(Signal::Duty);
    }
}

async fn listen(url: &str, heard: Heard<'_>) -> anyhow::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener
        .listen_all([CHANNEL, SIGNAL_CHANNEL, super::commits::CHANNEL])
        .await?;
    heard.commits.set_listening(true);
    // Notifications sent while the connection was down are lost.
    heard.missed_some();
    loop {
        // `None`: the connection was lost and has been made again, subscriptions and all.
        let Some(note) = listener.try_recv().await? else {
            heard.missed_some();
            continue;
        };
        // Every notification comes with a commit; the clock moves before any event is passed on,
        // so whoever reads after an event reads past the change.
        heard.commits.tick();
        if note.channel() == super::commits::CHANNEL {
            continue;
        }
        if note.channel() == SIGNAL_CHANNEL {
            match Signal::parse(note.payload()) {
                Some(signal) => {
                    let _ = heard.signals.send(signal);
                }
                None => tracing::warn!(payload = note.payload(), "ignoring an unknown signal"),
            }
            continue;
        }
        match serde_json::from_str::<ChangeEvent>(note.payload()) {
            Ok(event) => {
                let _ = heard.events.send(event);
            }
            Err(e) => tracing::warn!(error = %e, "ignoring a malformed change notification"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_crosses_instances_as_it_was_sent() {
        let note = ActionNote {
            action: ActionId::new(),
            device: DeviceId::new(),
            user: UserId::new(),
        };
        for signal in [
            Signal::Access,
            Signal::Kb,
            Signal::Action(None),
            Signal::Action(Some(note)),
            Signal::Chat(None),
            Signal::Chat(Some(ChatNote {
                chat: ChatId::new(),
                user: UserId::new(),
                seq: 42,
            })),
            Signal::Typing(TypingNote {
                chat: ChatId::new(),
                user: UserId::new(),
                typist: UserId::new(),
            }),
            Signal::Duty,
        ] {
            assert_eq!(Signal::parse(&signal.payload()), Some(signal));
        }
        assert_eq!(Signal::parse("action not-an-id"), None);
        assert_eq!(Signal::parse("kb extra"), None);
        assert_eq!(Signal::parse("typing"), None);
    }
}
