//! The agent's durable record of the actions it was given. A row is written (and on disk, the
//! store syncs fully) before the action can start, so an action is claimed once: a repeat of
//! the same grant, a second process, or a restart after a crash finds the row and runs nothing.
//!
//! `claimed` → `started` (the server agreed it may start, and the OS is being asked) →
//! `finished` with its outcome; `reported` once the server heard the outcome.

use bellhop_proto::{ActionId, ActionKind};
use rusqlite::{OptionalExtension, params};

use crate::error::Result;
use crate::store::{Store, now_ms};

/// Where a recorded action stands here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Claimed,
    Started,
    Finished,
}

/// How it ended, as the server is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    Cancelled,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: ActionId,
    pub kind: ActionKind,
    pub stage: Stage,
    pub outcome: Option<Outcome>,
    pub detail: Option<String>,
    pub started_at: Option<i64>,
    /// The process that claimed it.
    pub pid: u32,
}

impl Store {
    /// Claims an action: `false` when it was claimed before (here, by any process, at any time).
    pub fn claim_action(&mut self, id: ActionId, kind: ActionKind, claims: &str) -> Result<bool> {
        let inserted = self.conn.execute(
            "INSERT INTO actions (id, kind, claims, state, pid, claimed_at)
             VALUES (?1, ?2, ?3, 'claimed', ?4, ?5) ON CONFLICT (id) DO NOTHING",
            params![
                id.to_string(),
                kind.as_str(),
                claims,
                std::process::id(),
                now_ms()
            ],
        )?;
        Ok(inserted > 0)
    }

    /// The OS is about to be asked.
    pub fn start_action(&mut self, id: ActionId) -> Result<()> {
        self.conn.execute(
            "UPDATE actions SET state = 'started', started_at = ?1 WHERE id = ?2",
            params![now_ms(), id.to_string()],
        )?;
        Ok(())
    }

    pub fn finish_action(
        &mut self,
        id: ActionId,
        outcome: Outcome,
        detail: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE actions SET state = 'finished', outcome = ?1, detail = ?2, finished_at = ?3
             WHERE id = ?4",
            params![outcome.as_str(), detail, now_ms(), id.to_string()],
        )?;
        Ok(())
    }

    /// The server heard how it ended (or will never need to).
    pub fn action_reported(&mut self, id: ActionId) -> Result<()> {
        self.conn.execute(
            "UPDATE actions SET reported = 1 WHERE id = ?1",
            [id.to_string()],
        )?;
        Ok(())
    }

    pub fn recorded_action(&self, id: ActionId) -> Result<Option<Recorded>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, kind, state, outcome, detail, started_at, pid FROM actions WHERE id = ?1",
                [id.to_string()],
                row_recorded,
            )
            .optional()?
            .flatten())
    }

    /// Actions whose end the server has not heard yet, oldest first.
    pub fn unreported_actions(&self) -> Result<Vec<Recorded>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, state, outcome, detail, started_at, pid FROM actions
             WHERE reported = 0 ORDER BY claimed_at",
        )?;
        let rows = stmt.query_map([], row_recorded)?;
        let mut out = Vec::new();
        for row in rows {
            out.extend(row?);
        }
        Ok(out)
    }
}

/// A row, or `None` for one this version cannot read (kept, never run).
fn row_recorded(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Recorded>> {
    let id: String = r.get(0)?;
    let kind: String = r.get(1)?;
    let stage: String = r.get(2)?;
    let outcome: Option<String> = r.get(3)?;
    let stage = match stage.as_str() {
        "claimed" => Stage::Claimed,
        "started" => Stage::Started,
        _ => Stage::Finished,
    };
    Ok(id
        .parse()
        .ok()
        .zip(ActionKind::parse(&kind))
        .map(|(id, kind)| Recorded {
            id,
            kind,
            stage,
            outcome: outcome.as_deref().and_then(Outcome::parse),
            detail: r.get(4).ok().flatten(),
            started_at: r.get(5).ok().flatten(),
            pid: r.get(6).unwrap_or(0),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_is_claimed_once_and_its_end_kept_until_reported() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("agent.sqlite3");
        let id = ActionId::new();
        {
            let mut store = Store::open(&path)?;
            assert!(store.claim_action(id, ActionKind::Lock, "{}")?);
            assert!(!store.claim_action(id, ActionKind::Lock, "{}")?);
            store.start_action(id)?;
        }
        // Another process (or the same after a crash) finds the claim.
        let mut store = Store::open(&path)?;
        assert!(!store.claim_action(id, ActionKind::Lock, "{}")?);
        let seen = store.recorded_action(id)?;
        assert_eq!(seen.as_ref().map(|r| r.stage), Some(Stage::Started));
        assert!(seen.is_some_and(|r| r.started_at.is_some()));
        store.finish_action(id, Outcome::Succeeded, Some("locked"))?;
        let waiting = store.unreported_actions()?;
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].outcome, Some(Outcome::Succeeded));
        assert_eq!(waiting[0].detail.as_deref(), Some("locked"));
        store.action_reported(id)?;
        assert!(store.unreported_actions()?.is_empty());
        Ok(())
    }
}
