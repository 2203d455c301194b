//! Self-service actions: one row each, its state moved only by a statement that names the
//! states it may move from, so two moves racing (a cancel and a start, two agents) cannot both
//! win. Every move is audited in its transaction and heard live after commit
//! ([`super::ActionNote`]).

use bellhop_proto::{
    Action, ActionGrant, ActionId, ActionKind, ActionSoftware, ActionState, DeviceId, FactorKind,
    OrgId, UserId,
};
use sqlx::Row;

use super::{ActionNote, Caller, Store, now_ms, parse_enum, parse_id, ts};
use crate::error::{AppError, Result};

/// Wrong codes allowed per action.
pub const ACTION_CODE_MAX_ATTEMPTS: i64 = 5;

/// The columns [`row_action`] reads, as a literal for `concat!`.
macro_rules! select_actions {
    () => {
        "SELECT a.*, d.hostname AS device_name, d.os_user, d.org_id, u.name AS user_name
           FROM actions a JOIN devices d ON d.id = a.device_id JOIN users u ON u.id = a.user_id"
    };
}

/// An action with what the rules need beyond what people see.
#[derive(Debug, Clone)]
pub struct ActionRow {
    pub action: Action,
    /// The device's organisation.
    pub org_id: OrgId,
    /// The OS user profile the device is.
    pub os_user: String,
    pub code_hash: Option<String>,
    pub grant: Option<ActionGrant>,
}

impl ActionRow {
    pub fn note(&self) -> ActionNote {
        ActionNote {
            action: self.action.id,
            device: self.action.device_id,
            user: self.action.user_id,
        }
    }
}

fn row_action(r: &sqlx::any::AnyRow) -> Result<ActionRow> {
    let state = parse_enum(r.try_get("state")?, ActionState::parse)?;
    let attempts: i64 = r.try_get("attempts")?;
    let claims: Option<String> = r.try_get("grant_claims")?;
    let signature: Option<String> = r.try_get("grant_signature")?;
    let software: Option<String> = r.try_get("software")?;
    let software = software
        .map(|s| serde_json::from_str::<ActionSoftware>(&s))
        .transpose()
        .map_err(anyhow::Error::from)?;
    Ok(ActionRow {
        action: Action {
            id: parse_id(r.try_get("id")?)?,
            device_id: parse_id(r.try_get("device_id")?)?,
            device_name: r.try_get("device_name")?,
            user_id: parse_id(r.try_get("user_id")?)?,
            user_name: r.try_get("user_name")?,
            kind: parse_enum(r.try_get("kind")?, ActionKind::parse)?,
            software,
            state,
            factor: parse_enum(r.try_get("factor")?, FactorKind::parse)?,
            attempts_left: if state == ActionState::Requested {
                u32::try_from(ACTION_CODE_MAX_ATTEMPTS - attempts).unwrap_or(0)
            } else {
                0
            },
            detail: r.try_get("detail")?,
            created_at: ts(r.try_get("created_at")?)?,
            updated_at: ts(r.try_get("updated_at")?)?,
            deadline: ts(r.try_get("deadline_at")?)?,
        },
        org_id: parse_id(r.try_get("org_id")?)?,
        os_user: r.try_get("os_user")?,
        code_hash: r.try_get("code_hash")?,
        grant: claims
            .zip(signature)
            .map(|(claims, signature)| ActionGrant { claims, signature }),
    })
}

/// A request as the domain admitted it.
pub struct NewAction<'a> {
    pub id: ActionId,
    pub device: DeviceId,
    pub user: UserId,
    pub kind: ActionKind,
    /// For `install` and `remove`: the entry and its package.
    pub software: Option<&'a ActionSoftware>,
    pub factor: FactorKind,
    /// The texted code's hash; none for an authenticator app.
    pub code_hash: Option<&'a str>,
    pub deadline_at: i64,
    /// The audit's words.
    pub detail: &'a str,
}

/// A move from some states to another, with the audit's words.
pub struct Move<'a> {
    pub from: &'a [ActionState],
    pub to: ActionState,
    /// Moves only while the deadline has not passed.
    pub before_deadline: bool,
    /// Only the action of this device (an agent's report).
    pub device: Option<DeviceId>,
    pub detail: Option<&'a str>,
    pub audit: &'a str,
    pub audit_detail: &'a str,
}

/// What a typed code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: the action is verified and signed.
    Right,
    /// Wrong, with this many tries left (none: the action failed).
    Wrong { left: i64 },
    /// A right authenticator code that was already taken (for another action, or this one).
    /// It counts as a try.
    Reused { left: i64 },
    /// The action is not waiting for a code (any more).
    NotWaiting,
}

/// What the person typed, as the action's factor checks it.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// The hash of a texted code, compared with the action's.
    Texted { code_hash: &'a str },
    /// A code of the authenticator `id`: the time step it matched, `None` when it matched none.
    App { id: &'a str, step: Option<i64> },
}

/// Filters of [`Store::actions`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionFilter {
    pub user: Option<UserId>,
    pub device: Option<DeviceId>,
}

/// How long a run of the privileged helper may go without a word from the computer (a
/// progress line or its end) before it counts as failed.
pub const HELPER_SILENCE_MS: i64 = 2 * 60 * 60 * 1000;

/// The actions the sweep ends: waiting past their deadline (`$1`: now), or run by the helper
/// and silent since `$2`.
macro_rules! due_actions {
    () => {
        "(state IN ('requested', 'verified', 'delivered') AND deadline_at <= $1)
          OR (state = 'running' AND kind IN ('install', 'remove', 'reset_password')
              AND updated_at <= $2)"
    };
}

impl Store {
    /// Records a new request, audited. `false` when the id exists already (a repeat).
    pub async fn insert_action(&self, caller: &Caller, new: &NewAction<'_>) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let software = new
            .software
            .map(serde_json::to_string)
            .transpose()
            .map_err(anyhow::Error::from)?;
        let inserted = sqlx::query(
            "INSERT INTO actions (id, device_id, user_id, kind, state, factor, code_hash,
                                  created_at, updated_at, deadline_at, software, software_item)
             VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, $7, $8, $9, $10)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(new.id.to_string())
        .bind(new.device.to_string())
        .bind(new.user.to_string())
        .bind(new.kind.as_str())
        .bind(new.factor.as_str())
        .bind(new.code_hash)
        .bind(now)
        .bind(new.deadline_at)
        .bind(software)
        .bind(new.software.map(|s| s.item.as_str()))
        .execute(&mut *tx)
        .await;
        let inserted = match inserted {
            Ok(done) => done.rows_affected() > 0,
            // The id is new, so the one other unique rule is broken: one action per entry and
            // device while it is under way.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(AppError::conflict(
                    "this software is being installed or removed on this computer already: wait for it to end",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        if inserted {
            Self::record_audit(
                &mut tx,
                caller,
                "action.request",
                &new.id.to_string(),
                new.detail,
            )
            .await?;
        }
        tx.commit().await?;
        if inserted {
            self.action_moved(ActionNote {
                action: new.id,
                device: new.device,
                user: new.user,
            })
            .await?;
        }
        Ok(inserted)
    }

    pub async fn action(&self, id: ActionId) -> Result<Option<ActionRow>> {
        let row = sqlx::query(concat!(select_actions!(), " WHERE a.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_action).transpose()
    }

    /// Actions, newest first.
    pub async fn actions(&self, filter: ActionFilter, limit: u32) -> Result<Vec<Action>> {
        let mut qb = super::sql::Sql::new(select_actions!());
        qb.push(" WHERE 1 = 1");
        if let Some(user) = filter.user {
            qb.push(" AND a.user_id = ").bind(user.to_string());
        }
        if let Some(device) = filter.device {
            qb.push(" AND a.device_id = ").bind(device.to_string());
        }
        qb.push(" ORDER BY a.created_at DESC, a.id DESC")
            .limit(i64::from(limit));
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(row_action(r)?.action)).collect()
    }

    /// Actions `user` asked for since `since_ms` (each texted a code).
    pub async fn recent_action_count(&self, user: UserId, since_ms: i64) -> Result<i64> {
        self.count_since(
            "SELECT COUNT(*) FROM actions WHERE user_id = $1 AND created_at > $2",
            &user.to_string(),
            since_ms,
        )
        .await
    }

    /// Checks a typed code against the action's, the try counted before it is compared in one
    /// statement (so guesses sent in parallel cannot pass the limit). A right code verifies
    /// the action and stores its signed `grant`, good until `expires_at`; the last wrong one
    /// fails it. Audited either way.
    pub async fn check_action_code(
        &self,
        caller: &Caller,
        id: ActionId,
        proof: Proof<'_>,
        grant: &ActionGrant,
        expires_at: i64,
    ) -> Result<CodeCheck> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "UPDATE actions SET attempts = attempts + 1, updated_at = $1
             WHERE id = $2 AND state = 'requested' AND deadline_at > $1 AND attempts < $3
             RETURNING attempts, code_hash, device_id, user_id",
        )
        .bind(now)
        .bind(id.to_string())
        .bind(ACTION_CODE_MAX_ATTEMPTS)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(taken) = taken else {
            return Ok(CodeCheck::NotWaiting);
        };
        let attempts: i64 = taken.try_get("attempts")?;
        let stored: Option<String> = taken.try_get("code_hash")?;
        let note = ActionNote {
            action: id,
            device: parse_id(taken.try_get("device_id")?)?,
            user: parse_id(taken.try_get("user_id")?)?,
        };
        let target = id.to_string();
        let right = match proof {
            Proof::Texted { code_hash } => Ok(stored.as_deref() == Some(code_hash)),
            Proof::App { step: None, .. } => Ok(false),
            // A code's step is taken once, by whichever action (or set-up) had it first.
            Proof::App {
                id,
                step: Some(step),
            } => {
                if Self::take_step_in(&mut tx, id, step).await? {
                    Ok(true)
                } else {
                    Err(())
                }
            }
        };
        let outcome = if right == Ok(true) {
            sqlx::query(
                "UPDATE actions SET state = 'verified', code_hash = NULL, grant_claims = $1,
                        grant_signature = $2, deadline_at = $3, updated_at = $4
                 WHERE id = $5",
            )
            .bind(&grant.claims)
            .bind(&grant.signature)
            .bind(expires_at)
            .bind(now)
            .bind(&target)
            .execute(&mut *tx)
            .await?;
            Self::record_audit(
                &mut tx,
                caller,
                "action.verify",
                &target,
                "the second factor's code was right: signed for the computer",
            )
            .await?;
            CodeCheck::Right
        } else {
            let left = ACTION_CODE_MAX_ATTEMPTS - attempts;
            if left <= 0 {
                sqlx::query(
                    "UPDATE actions SET state = 'failed', code_hash = NULL,
                            detail = 'too many wrong codes' WHERE id = $1",
                )
                .bind(&target)
                .execute(&mut *tx)
                .await?;
            }
            let (detail, check) = match right {
                Err(()) => (
                    "an authenticator code that was already used was typed",
                    CodeCheck::Reused { left },
                ),
                _ => ("a wrong code was typed", CodeCheck::Wrong { left }),
            };
            Self::record_audit(&mut tx, caller, "action.code.wrong", &target, detail).await?;
            check
        };
        tx.commit().await?;
        self.action_moved(note).await?;
        Ok(outcome)
    }

    /// Moves an action on, if it is in one of `m.from` (and before its deadline when asked);
    /// `None` when it was not.
    pub async fn move_action(
        &self,
        caller: &Caller,
        id: ActionId,
        m: &Move<'_>,
    ) -> Result<Option<ActionRow>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let mut qb = super::sql::Sql::new("UPDATE actions SET state = ");
        qb.bind(m.to.as_str()).push(", updated_at = ").bind(now);
        if let Some(detail) = m.detail {
            qb.push(", detail = ").bind(detail);
        }
        if m.to.is_final() {
            qb.push(", code_hash = NULL");
        }
        qb.push(" WHERE id = ").bind(id.to_string());
        qb.push(" AND state IN (");
        for (i, state) in m.from.iter().enumerate() {
            if i > 0 {
                qb.push(", ");
            }
            qb.bind(state.as_str());
        }
        qb.push(")");
        if m.before_deadline {
            qb.push(" AND deadline_at > ").bind(now);
        }
        if let Some(device) = m.device {
            qb.push(" AND device_id = ").bind(device.to_string());
        }
        let moved = qb.build()?.execute(&mut *tx).await?.rows_affected() > 0;
        if !moved {
            return Ok(None);
        }
        Self::record_audit(&mut tx, caller, m.audit, &id.to_string(), m.audit_detail).await?;
        let row = sqlx::query(concat!(select_actions!(), " WHERE a.id = $1"))
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let row = row_action(&row)?;
        tx.commit().await?;
        self.action_moved(row.note()).await?;
        Ok(Some(row))
    }

    /// The running action's latest words from its computer (an installer's progress): not
    /// audited, heard live. `false` when it is not running on `device`.
    pub async fn action_progress(
        &self,
        device: DeviceId,
        id: ActionId,
        detail: &str,
    ) -> Result<bool> {
        let moved = sqlx::query(
            "UPDATE actions SET detail = $1, updated_at = $2
              WHERE id = $3 AND device_id = $4 AND state = 'running'",
        )
        .bind(detail)
        .bind(now_ms())
        .bind(id.to_string())
        .bind(device.to_string())
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0;
        if moved && let Some(row) = self.action(id).await? {
            self.action_moved(row.note()).await?;
        }
        Ok(moved)
    }

    /// The signed actions waiting for `device`, oldest first; those it had not picked up yet
    /// are marked delivered.
    pub async fn deliver_actions(&self, device: DeviceId) -> Result<Vec<ActionRow>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let rows = sqlx::query(concat!(
            select_actions!(),
            " WHERE a.device_id = $1 AND a.state IN ('verified', 'delivered')
               AND a.deadline_at > $2 ORDER BY a.created_at"
        ))
        .bind(device.to_string())
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut waiting = rows.iter().map(row_action).collect::<Result<Vec<_>>>()?;
        let mut moved = Vec::new();
        for row in &mut waiting {
            if row.action.state != ActionState::Verified {
                continue;
            }
            let done = sqlx::query(
                "UPDATE actions SET state = 'delivered', updated_at = $1
                 WHERE id = $2 AND state = 'verified'",
            )
            .bind(now)
            .bind(row.action.id.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                row.action.state = ActionState::Delivered;
                moved.push(row.note());
            }
        }
        tx.commit().await?;
        for note in moved {
            self.action_moved(note).await?;
        }
        Ok(waiting)
    }

    /// Ends every action still waiting past its deadline, and every run of the privileged
    /// helper the computer has said nothing of for [`HELPER_SILENCE_MS`] (its agent stopped
    /// mid-run: the entry would stay busy for good), audited in the name of the person who
    /// asked. Returns how many.
    pub async fn expire_due_actions(&self) -> Result<u64> {
        let now = now_ms();
        let silent_since = now - HELPER_SILENCE_MS;
        // Most passes find nothing: ask before taking the write turn.
        let due: i64 = sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM actions WHERE ",
            due_actions!()
        ))
        .bind(now)
        .bind(silent_since)
        .fetch_one(&self.pool)
        .await?;
        if due == 0 {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let rows = sqlx::query(concat!(
            "UPDATE actions SET code_hash = NULL, updated_at = $1,
                    state = CASE WHEN state = 'running' THEN 'failed' ELSE 'expired' END,
                    detail = CASE WHEN state = 'requested' THEN 'no code was typed in time'
                                  WHEN state = 'running' THEN
                                    'the computer stopped reporting on it: check what is installed there, then ask again'
                                  ELSE 'the computer did not start it in time' END
             WHERE ",
            due_actions!(),
            " RETURNING id, device_id, user_id, detail, state"
        ))
        .bind(now)
        .bind(silent_since)
        .fetch_all(&mut *tx)
        .await?;
        let mut notes = Vec::with_capacity(rows.len());
        for r in &rows {
            let note = ActionNote {
                action: parse_id(r.try_get("id")?)?,
                device: parse_id(r.try_get("device_id")?)?,
                user: parse_id(r.try_get("user_id")?)?,
            };
            let detail: String = r.try_get("detail")?;
            let state: String = r.try_get("state")?;
            Self::record_audit_by(
                &mut tx,
                note.user,
                if state == "failed" {
                    "action.fail"
                } else {
                    "action.expire"
                },
                &note.action.to_string(),
                &format!("{state}: {detail}"),
            )
            .await?;
            notes.push(note);
        }
        tx.commit().await?;
        for note in &notes {
            self.action_moved(*note).await?;
        }
        Ok(notes.len() as u64)
    }
}
