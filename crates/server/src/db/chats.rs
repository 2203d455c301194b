//! Chats with the service desk, their messages and files, and who is on duty.
//!
//! A chat's state moves only by a statement that names the state it may move from, so two
//! technicians taking one chat, or an end racing a message, cannot both win. Every message, the
//! desk's notices included, takes the chat's next number in the transaction that writes it; a
//! message's id is its writer's, so a resent message is found, not written twice. Each write is
//! heard live after commit ([`ChatNote`]).

use bellhop_proto::{
    Chat, ChatEnd, ChatFile, ChatId, ChatMessage, ChatMessageId, ChatMessageKind, ChatStatus,
    FileName, NewAttachment, OnDuty, TicketId, UserId,
};
use sqlx::Row;

use super::sql::Sql;
use super::{Caller, ChatNote, Store, now_ms, parse_enum, parse_id, ts};
use crate::error::{AppError, Result};

/// The columns [`row_chat`] reads, as a literal for `concat!`.
macro_rules! select_chats {
    () => {
        "SELECT c.*, u.name AS user_name, o.name AS org_name, d.hostname AS device_name,
                t.name AS technician_name, tk.number AS ticket_number
           FROM chats c JOIN users u ON u.id = c.user_id
           LEFT JOIN orgs o ON o.id = c.org_id
           LEFT JOIN devices d ON d.id = c.device_id
           LEFT JOIN users t ON t.id = c.technician_id
           LEFT JOIN tickets tk ON tk.id = c.ticket_id"
    };
}

fn row_chat(r: &sqlx::any::AnyRow) -> Result<Chat> {
    let opt_id = |column: &str| -> Result<Option<String>> { Ok(r.try_get(column)?) };
    Ok(Chat {
        id: parse_id(r.try_get("id")?)?,
        user_id: parse_id(r.try_get("user_id")?)?,
        user_name: r.try_get("user_name")?,
        org_id: opt_id("org_id")?.as_deref().map(parse_id).transpose()?,
        org_name: r.try_get("org_name")?,
        device_id: opt_id("device_id")?.as_deref().map(parse_id).transpose()?,
        device_name: r.try_get("device_name")?,
        status: parse_enum(r.try_get("status")?, ChatStatus::parse)?,
        technician_id: opt_id("technician_id")?
            .as_deref()
            .map(parse_id)
            .transpose()?,
        technician_name: r.try_get("technician_name")?,
        created_at: ts(r.try_get("created_at")?)?,
        ended_at: r
            .try_get::<Option<i64>, _>("ended_at")?
            .map(ts)
            .transpose()?,
        ended_by: r
            .try_get::<Option<String>, _>("ended_by")?
            .as_deref()
            .map(|s| parse_enum(s, ChatEnd::parse))
            .transpose()?,
        ticket_id: opt_id("ticket_id")?.as_deref().map(parse_id).transpose()?,
        ticket_number: r.try_get("ticket_number")?,
        last_seq: r.try_get("last_seq")?,
        idle_warnings: u32::try_from(r.try_get::<i64, _>("idle_warnings")?).unwrap_or(0),
    })
}

fn row_message(r: &sqlx::any::AnyRow) -> Result<ChatMessage> {
    Ok(ChatMessage {
        id: parse_id(r.try_get("id")?)?,
        chat_id: parse_id(r.try_get("chat_id")?)?,
        seq: r.try_get("seq")?,
        kind: parse_enum(r.try_get("kind")?, ChatMessageKind::parse)?,
        author_id: r
            .try_get::<Option<String>, _>("author_id")?
            .as_deref()
            .map(parse_id)
            .transpose()?,
        author_name: r.try_get("author_name")?,
        body: r.try_get("body")?,
        files: Vec::new(),
        ticket_id: r
            .try_get::<Option<String>, _>("ticket_id")?
            .as_deref()
            .map(parse_id)
            .transpose()?,
        created_at: ts(r.try_get("created_at")?)?,
    })
}

/// Filters of [`Store::chats`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatFilter {
    pub status: Option<ChatStatus>,
    pub user: Option<UserId>,
    pub technician: Option<UserId>,
}

/// A message as the domain admitted it.
pub struct NewMessage<'a> {
    pub id: ChatMessageId,
    pub body: &'a str,
    pub files: &'a [NewAttachment],
}

/// What happened to a chat, as a notice in it.
pub struct Notice<'a> {
    pub kind: ChatMessageKind,
    pub author: Option<UserId>,
    pub body: &'a str,
    pub ticket: Option<TicketId>,
}

/// How a chat moves: from which states (and technician), to what.
pub enum ChatMove {
    /// A technician takes a waiting chat.
    Take { technician: UserId },
    /// Its technician (`from`) gives it to a colleague.
    HandOver { from: UserId, to: UserId },
    /// It ends, for this reason.
    End(ChatEnd),
}

/// What one round of the idle and presence clock did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChatTicks {
    pub warned: usize,
    pub ended: usize,
    pub requeued: usize,
    pub off_duty: usize,
}

impl Store {
    /// Starts a chat for `caller` (with its first message, if any). `false`, and the chat the
    /// caller has open already, when there is one: a person has one open chat at a time, and a
    /// retried start is the same chat.
    pub async fn insert_chat(
        &self,
        caller: &Caller,
        id: ChatId,
        first: Option<NewMessage<'_>>,
    ) -> Result<(bool, Chat)> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let open: Option<String> = sqlx::query_scalar(
            "SELECT id FROM chats WHERE user_id = $1 AND (status <> 'ended' OR id = $2)
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(caller.user_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(open) = open {
            drop(tx);
            let chat = self
                .chat(parse_id(&open)?)
                .await?
                .ok_or_else(|| AppError::Other(anyhow::anyhow!("open chat vanished")))?;
            return Ok((false, chat));
        }
        let taken: Option<String> = sqlx::query_scalar("SELECT user_id FROM chats WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(AppError::conflict("that chat id is someone else's"));
        }
        sqlx::query(
            "INSERT INTO chats (id, user_id, org_id, device_id, status, created_at, said_at)
             VALUES ($1, $2, $3, $4, 'waiting', $5, $5)",
        )
        .bind(id.to_string())
        .bind(caller.user_id.to_string())
        .bind(caller.org_id.map(|o| o.to_string()))
        .bind(caller.device_id.map(|d| d.to_string()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut seq = 0;
        if let Some(first) = first {
            seq = Self::write_message_in(&mut tx, id, caller.user_id, &first, now).await?;
        }
        tx.commit().await?;
        self.chat_moved(ChatNote {
            chat: id,
            user: caller.user_id,
            seq,
        })
        .await?;
        let chat = self
            .chat(id)
            .await?
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("new chat vanished")))?;
        Ok((true, chat))
    }

    pub async fn chat(&self, id: ChatId) -> Result<Option<Chat>> {
        let row = sqlx::query(concat!(select_chats!(), " WHERE c.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_chat).transpose()
    }

    /// Chats: the queue (`waiting`) oldest first, anything else newest first.
    pub async fn chats(&self, filter: ChatFilter, limit: u32) -> Result<Vec<Chat>> {
        let mut qb = Sql::new(concat!(select_chats!(), " WHERE 1 = 1"));
        if let Some(status) = filter.status {
            qb.push(" AND c.status = ").bind(status.as_str());
        }
        if let Some(user) = filter.user {
            qb.push(" AND c.user_id = ").bind(user.to_string());
        }
        if let Some(technician) = filter.technician {
            qb.push(" AND c.technician_id = ")
                .bind(technician.to_string());
        }
        qb.push(if filter.status == Some(ChatStatus::Waiting) {
            " ORDER BY c.created_at, c.id"
        } else {
            " ORDER BY c.created_at DESC, c.id DESC"
        })
        .limit(i64::from(limit));
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter().map(row_chat).collect()
    }

    /// A chat's messages numbered after `after`, in order, each with its files.
    pub async fn chat_messages(
        &self,
        chat: ChatId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ChatMessage>> {
        let rows = sqlx::query(
            "SELECT m.*, u.name AS author_name FROM chat_messages m
               LEFT JOIN users u ON u.id = m.author_id
             WHERE m.chat_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3",
        )
        .bind(chat.to_string())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut messages = rows.iter().map(row_message).collect::<Result<Vec<_>>>()?;
        if messages.is_empty() {
            return Ok(messages);
        }
        let files = sqlx::query(
            "SELECT f.message_id, f.sha256, f.file_name, a.media_type, a.size
               FROM chat_files f JOIN attachments a ON a.sha256 = f.sha256
             WHERE f.chat_id = $1 AND f.message_id IN
                   (SELECT id FROM chat_messages WHERE chat_id = $1 AND seq > $2)
             ORDER BY f.file_name",
        )
        .bind(chat.to_string())
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        for row in &files {
            let message: String = row.try_get("message_id")?;
            if let Some(m) = messages.iter_mut().find(|m| m.id.to_string() == message) {
                m.files.push(ChatFile {
                    sha256: row.try_get("sha256")?,
                    file_name: row.try_get("file_name")?,
                    media_type: row.try_get("media_type")?,
                    size: row.try_get("size")?,
                });
            }
        }
        Ok(messages)
    }

    /// One file of a chat, as sent in it.
    pub async fn chat_file(&self, chat: ChatId, sha: &str) -> Result<Option<ChatFile>> {
        let row = sqlx::query(
            "SELECT f.sha256, f.file_name, a.media_type, a.size
               FROM chat_files f JOIN attachments a ON a.sha256 = f.sha256
             WHERE f.chat_id = $1 AND f.sha256 = $2 LIMIT 1",
        )
        .bind(chat.to_string())
        .bind(sha)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ChatFile {
                sha256: r.try_get("sha256")?,
                file_name: r.try_get("file_name")?,
                media_type: r.try_get("media_type")?,
                size: r.try_get("size")?,
            })
        })
        .transpose()
    }

    /// Writes `author`'s message to an open chat; the idle clock starts again. `false`, with
    /// the first one, when the message id exists already in this chat (a resend).
    pub async fn add_chat_message(
        &self,
        chat: &Chat,
        author: UserId,
        message: &NewMessage<'_>,
    ) -> Result<(bool, ChatMessage)> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT chat_id FROM chat_messages WHERE id = $1")
                .bind(message.id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let (made, seq) = match existing {
            Some(other) if other != chat.id.to_string() => {
                return Err(AppError::conflict(
                    "that message id belongs to another chat",
                ));
            }
            Some(_) => {
                drop(tx);
                (false, None)
            }
            None => {
                let seq = Self::write_message_in(&mut tx, chat.id, author, message, now).await?;
                tx.commit().await?;
                (true, Some(seq))
            }
        };
        if let Some(seq) = seq {
            self.chat_moved(ChatNote {
                chat: chat.id,
                user: chat.user_id,
                seq,
            })
            .await?;
        }
        let written = self
            .chat_message(message.id)
            .await?
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("chat message vanished")))?;
        Ok((made, written))
    }

    async fn chat_message(&self, id: ChatMessageId) -> Result<Option<ChatMessage>> {
        let chat: Option<(String, i64)> =
            sqlx::query_as("SELECT chat_id, seq FROM chat_messages WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        let Some((chat, seq)) = chat else {
            return Ok(None);
        };
        Ok(self
            .chat_messages(parse_id(&chat)?, seq - 1, 1)
            .await?
            .pop())
    }

    /// Takes the chat's next number for a written message, if the chat is still open, and
    /// writes it with its files. Files are the author's own uploads, or files already in this
    /// chat; knowing a hash is not enough.
    async fn write_message_in(
        tx: &mut sqlx::AnyConnection,
        chat: ChatId,
        author: UserId,
        message: &NewMessage<'_>,
        now: i64,
    ) -> Result<i64> {
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE chats SET last_seq = last_seq + 1, said_at = $1, idle_warnings = 0
             WHERE id = $2 AND status <> 'ended' RETURNING last_seq",
        )
        .bind(now)
        .bind(chat.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let seq = seq.ok_or_else(|| AppError::conflict("the chat has ended"))?;
        sqlx::query(
            "INSERT INTO chat_messages (id, chat_id, seq, kind, author_id, body, created_at)
             VALUES ($1, $2, $3, 'text', $4, $5, $6)",
        )
        .bind(message.id.to_string())
        .bind(chat.to_string())
        .bind(seq)
        .bind(author.to_string())
        .bind(message.body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for file in message.files {
            let mine: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM uploads WHERE sha256 = $1 AND user_id = $2
                 UNION ALL SELECT 1 FROM chat_files WHERE sha256 = $1 AND chat_id = $3 LIMIT 1",
            )
            .bind(&file.sha256)
            .bind(author.to_string())
            .bind(chat.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            if mine.is_none() {
                return Err(AppError::bad_request(format!(
                    "file {} was not uploaded: PUT /api/v1/attachments/{{sha256}} first",
                    file.sha256
                )));
            }
            sqlx::query(
                "INSERT INTO chat_files (message_id, chat_id, sha256, file_name)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (message_id, sha256) DO NOTHING",
            )
            .bind(message.id.to_string())
            .bind(chat.to_string())
            .bind(&file.sha256)
            .bind(FileName::parse(&file.file_name).into_string())
            .execute(&mut *tx)
            .await?;
        }
        Ok(seq)
    }

    /// Writes a notice of what happened (taken, handed over, ended…) as the chat's next
    /// message, in the caller's transaction; the idle clock is left as it is.
    async fn notice_in(
        tx: &mut sqlx::AnyConnection,
        chat: ChatId,
        notice: &Notice<'_>,
        now: i64,
    ) -> Result<i64> {
        let seq: i64 = sqlx::query_scalar(
            "UPDATE chats SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
        )
        .bind(chat.to_string())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO chat_messages (id, chat_id, seq, kind, author_id, body, ticket_id,
                                        created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(ChatMessageId::new().to_string())
        .bind(chat.to_string())
        .bind(seq)
        .bind(notice.kind.as_str())
        .bind(notice.author.map(|a| a.to_string()))
        .bind(notice.body)
        .bind(notice.ticket.map(|t| t.to_string()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Ok(seq)
    }

    /// Moves a chat (see [`ChatMove`]) and says so in it, audited when the desk moved it.
    /// `None` when the chat was not in a state to move that way (someone else took it first,
    /// it ended meanwhile).
    pub async fn move_chat(
        &self,
        actor: &Caller,
        chat: &Chat,
        how: ChatMove,
        notice: &Notice<'_>,
    ) -> Result<Option<Chat>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let mut sql = Sql::default();
        match how {
            ChatMove::Take { technician } => {
                sql.push("UPDATE chats SET status = 'active', technician_id = ")
                    .bind(technician.to_string())
                    .push(", taken_at = ")
                    .bind(now)
                    .push(", said_at = ")
                    .bind(now)
                    .push(", idle_warnings = 0 WHERE status = 'waiting'");
            }
            ChatMove::HandOver { from, to } => {
                sql.push("UPDATE chats SET technician_id = ")
                    .bind(to.to_string())
                    .push(" WHERE status = 'active' AND technician_id = ")
                    .bind(from.to_string());
            }
            ChatMove::End(reason) => {
                sql.push("UPDATE chats SET status = 'ended', ended_at = ")
                    .bind(now)
                    .push(", ended_by = ")
                    .bind(reason.as_str())
                    .push(" WHERE status <> 'ended'");
            }
        }
        sql.push(" AND id = ").bind(chat.id.to_string());
        if sql.build()?.execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(None);
        }
        let seq = Self::notice_in(&mut tx, chat.id, notice, now).await?;
        if actor.is_staff() {
            let detail = format!("{}: {}", chat.user_name, notice.kind.as_str());
            Self::record_audit(&mut tx, actor, "chat.move", &chat.id.to_string(), &detail).await?;
        }
        tx.commit().await?;
        self.chat_moved(ChatNote {
            chat: chat.id,
            user: chat.user_id,
            seq,
        })
        .await?;
        self.chat(chat.id).await
    }

    /// Ends a chat as the incident `ticket`: the chat's files go to the ticket, the chat
    /// says its number, and the ticket is announced changed. `None` when the chat has ended
    /// already (a repeat finds the ticket on the chat).
    pub async fn chat_to_incident(
        &self,
        actor: &Caller,
        chat: &Chat,
        ticket: &bellhop_proto::Ticket,
    ) -> Result<Option<Chat>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE chats SET status = 'ended', ended_at = $1, ended_by = 'incident',
                              ticket_id = $2
             WHERE id = $3 AND status <> 'ended'",
        )
        .bind(now)
        .bind(ticket.id.to_string())
        .bind(chat.id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        // Each file once, under the name it was first sent with.
        let files = sqlx::query(
            "SELECT f.sha256, MIN(f.file_name) AS file_name FROM chat_files f
             WHERE f.chat_id = $1 GROUP BY f.sha256",
        )
        .bind(chat.id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        for file in &files {
            sqlx::query(
                "INSERT INTO ticket_attachments (ticket_id, sha256, file_name) VALUES ($1, $2, $3)
                 ON CONFLICT (ticket_id, sha256) DO NOTHING",
            )
            .bind(ticket.id.to_string())
            .bind(file.try_get::<String, _>("sha256")?)
            .bind(file.try_get::<String, _>("file_name")?)
            .execute(&mut *tx)
            .await?;
        }
        let number = ticket.number.to_string();
        let seq = Self::notice_in(
            &mut tx,
            chat.id,
            &Notice {
                kind: ChatMessageKind::Incident,
                author: Some(actor.user_id),
                body: &number,
                ticket: Some(ticket.id),
            },
            now,
        )
        .await?;
        Self::record_audit(
            &mut tx,
            actor,
            "chat.incident",
            &chat.id.to_string(),
            &format!("{}: became ticket #{number}", chat.user_name),
        )
        .await?;
        let event = self.record_change(&mut tx, ticket.id, now).await?;
        tx.commit().await?;
        self.publish(event);
        self.chat_moved(ChatNote {
            chat: chat.id,
            user: chat.user_id,
            seq,
        })
        .await?;
        self.chat(chat.id).await
    }

    /// Text messages `author` wrote since `since_ms` (the rate limit's question).
    pub async fn recent_chat_messages(&self, author: UserId, since_ms: i64) -> Result<i64> {
        self.count_since(
            "SELECT COUNT(*) FROM chat_messages
             WHERE author_id = $1 AND kind = 'text' AND created_at > $2",
            &author.to_string(),
            since_ms,
        )
        .await
    }

    /// Chats `user` started since `since_ms`.
    pub async fn recent_chats(&self, user: UserId, since_ms: i64) -> Result<i64> {
        self.count_since(
            "SELECT COUNT(*) FROM chats WHERE user_id = $1 AND created_at > $2",
            &user.to_string(),
            since_ms,
        )
        .await
    }

    /// Puts a technician on duty or off it. Going off keeps the chats they have.
    pub async fn set_duty(&self, actor: &Caller, on: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        let changed = if on {
            sqlx::query("INSERT INTO duty (user_id, since) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(actor.user_id.to_string())
                .bind(now_ms())
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query("DELETE FROM duty WHERE user_id = $1")
                .bind(actor.user_id.to_string())
                .execute(&mut *tx)
                .await?
        }
        .rows_affected()
            > 0;
        if changed {
            let what = if on { "on duty" } else { "off duty" };
            Self::record_audit(
                &mut tx,
                actor,
                "chat.duty",
                &actor.user_id.to_string(),
                what,
            )
            .await?;
        }
        tx.commit().await?;
        if changed {
            self.duty_changed().await?;
        }
        Ok(())
    }

    /// Technicians on duty and present now, with how many chats each has.
    pub async fn on_duty(&self) -> Result<Vec<OnDuty>> {
        let rows = sqlx::query(
            "SELECT u.id, u.name,
                    (SELECT COUNT(*) FROM chats c
                      WHERE c.technician_id = u.id AND c.status = 'active') AS chats
               FROM duty JOIN users u ON u.id = duty.user_id
               JOIN presence p ON p.user_id = duty.user_id
             WHERE p.present_until > $1 AND u.disabled_at IS NULL
             ORDER BY u.name, u.id",
        )
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OnDuty {
                    user_id: parse_id(r.try_get("id")?)?,
                    name: r.try_get("name")?,
                    chats: u32::try_from(r.try_get::<i64, _>("chats")?).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Whether `user` is on duty (present or not).
    pub async fn is_on_duty(&self, user: UserId) -> Result<bool> {
        Ok(
            sqlx::query_scalar::<_, String>("SELECT user_id FROM duty WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// Keeps a technician present until `until_ms` (an open console says so while it is open).
    /// `true` when they were not present before.
    pub async fn keep_present(&self, user: UserId, until_ms: i64) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let before: Option<i64> =
            sqlx::query_scalar("SELECT present_until FROM presence WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO presence (user_id, present_until) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET present_until = excluded.present_until",
        )
        .bind(user.to_string())
        .bind(until_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let arrived = before.is_none_or(|until| until <= now);
        Ok(arrived)
    }

    /// One round of the chat clock at `now`:
    /// - an active chat nobody wrote in for `idle_ms` is warned, again after another `idle_ms`,
    ///   and ended after a third;
    /// - an active chat whose technician is no longer present goes back to the queue;
    /// - a technician on duty who is no longer present goes off duty.
    pub async fn tick_chats(&self, idle_ms: i64, now: i64) -> Result<ChatTicks> {
        let mut ticks = ChatTicks::default();
        let due = sqlx::query(
            "SELECT id, user_id, idle_warnings FROM chats
             WHERE status = 'active' AND said_at + (idle_warnings + 1) * $1 <= $2
             ORDER BY said_at LIMIT 500",
        )
        .bind(idle_ms)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for row in &due {
            let id: ChatId = parse_id(row.try_get("id")?)?;
            let user: UserId = parse_id(row.try_get("user_id")?)?;
            let warnings: i64 = row.try_get("idle_warnings")?;
            let mut tx = self.begin().await?;
            let notice;
            if warnings >= 2 {
                let done = sqlx::query(
                    "UPDATE chats SET status = 'ended', ended_at = $1, ended_by = 'idle'
                     WHERE id = $2 AND status = 'active' AND idle_warnings = $3",
                )
                .bind(now)
                .bind(id.to_string())
                .bind(warnings)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    continue;
                }
                notice = (ChatMessageKind::Ended, ChatEnd::Idle.as_str().to_owned());
                ticks.ended += 1;
            } else {
                let done = sqlx::query(
                    "UPDATE chats SET idle_warnings = idle_warnings + 1
                     WHERE id = $1 AND status = 'active' AND idle_warnings = $2
                       AND said_at + ($2 + 1) * $3 <= $4",
                )
                .bind(id.to_string())
                .bind(warnings)
                .bind(idle_ms)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    continue;
                }
                notice = (ChatMessageKind::IdleWarning, (warnings + 1).to_string());
                ticks.warned += 1;
            }
            let (kind, body) = notice;
            let seq = Self::notice_in(
                &mut tx,
                id,
                &Notice {
                    kind,
                    author: None,
                    body: &body,
                    ticket: None,
                },
                now,
            )
            .await?;
            if kind == ChatMessageKind::Ended {
                // In the person's name, as a deadline passing is.
                Self::record_audit_by(
                    &mut tx,
                    user,
                    "chat.move",
                    &id.to_string(),
                    "ended: nobody wrote after two warnings",
                )
                .await?;
            }
            tx.commit().await?;
            self.chat_moved(ChatNote {
                chat: id,
                user,
                seq,
            })
            .await?;
        }

        let orphans = sqlx::query(
            "SELECT c.id, c.user_id FROM chats c LEFT JOIN presence p ON p.user_id = c.technician_id
             WHERE c.status = 'active' AND (p.present_until IS NULL OR p.present_until <= $1)
             LIMIT 500",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for row in &orphans {
            let id: ChatId = parse_id(row.try_get("id")?)?;
            let user: UserId = parse_id(row.try_get("user_id")?)?;
            let mut tx = self.begin().await?;
            let done = sqlx::query(
                "UPDATE chats SET status = 'waiting', technician_id = NULL, idle_warnings = 0,
                                  said_at = $1
                 WHERE id = $2 AND status = 'active' AND technician_id NOT IN
                       (SELECT user_id FROM presence WHERE present_until > $1)",
            )
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                continue;
            }
            let seq = Self::notice_in(
                &mut tx,
                id,
                &Notice {
                    kind: ChatMessageKind::Requeued,
                    author: None,
                    body: "",
                    ticket: None,
                },
                now,
            )
            .await?;
            tx.commit().await?;
            ticks.requeued += 1;
            self.chat_moved(ChatNote {
                chat: id,
                user,
                seq,
            })
            .await?;
        }

        let mut tx = self.begin().await?;
        let gone = sqlx::query(
            "DELETE FROM duty WHERE user_id NOT IN
                 (SELECT user_id FROM presence WHERE present_until > $1)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        ticks.off_duty = usize::try_from(gone).unwrap_or(usize::MAX);
        if gone > 0 {
            self.duty_changed().await?;
        }
        Ok(ticks)
    }
}
