//! Chat with the service desk: who may start one (the portal settings' Chat section), who reads
//! and writes (its person and the technician who has it; the desk reads any), the queue and
//! duty, handing over, ending, and turning a chat into an incident. Limits: a message's length
//! and files, messages per minute, chats per hour, and typing heard at most every two seconds.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use bellhop_proto::{
    Chat, ChatDesk, ChatEnd, ChatId, ChatIncident, ChatListQuery, ChatMessage, ChatMessageKind,
    ChatMessagesQuery, ChatStatus, Duty, NewChat, NewChatMessage, NewTicket, TicketId,
    TicketSource, Title, UserId,
};

use crate::db::{Caller, ChatFilter, ChatMove, NewMessage, Notice, TypingNote, now_ms};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Longest chat message, in characters.
pub const MAX_CHAT_MESSAGE_CHARS: usize = 4000;
/// Messages one person may write per [`MESSAGE_WINDOW_MS`].
pub const MESSAGES_PER_WINDOW: i64 = 60;
pub const MESSAGE_WINDOW_MS: i64 = 60 * 1000;
/// Chats one person may start per [`CHAT_WINDOW_MS`].
pub const CHATS_PER_WINDOW: i64 = 20;
pub const CHAT_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Typing is passed on at most this often per person and chat.
const TYPING_EVERY: Duration = Duration::from_secs(2);
/// The longest description an incident's transcript takes; the chat keeps the whole of it.
const TRANSCRIPT_CHARS: usize = 60_000;

/// Whether the desk answers chats now: someone on duty and present.
pub async fn desk(state: &AppState) -> Result<ChatDesk> {
    Ok(ChatDesk {
        available: !state.store.on_duty().await?.is_empty(),
    })
}

/// Checks a message's words and files; empty words are fine with files.
fn check_message(message: &NewChatMessage) -> Result<()> {
    super::tickets::check_attachments(&message.files)?;
    let words = message.body.trim();
    if words.is_empty() && message.files.is_empty() {
        return Err(AppError::bad_request(
            "body: write something, or send a file",
        ));
    }
    if words.chars().count() > MAX_CHAT_MESSAGE_CHARS {
        return Err(AppError::bad_request(format!(
            "body: a chat message has at most {MAX_CHAT_MESSAGE_CHARS} characters"
        )));
    }
    Ok(())
}

fn admitted(message: &NewChatMessage) -> NewMessage<'_> {
    NewMessage {
        id: message.id,
        body: message.body.trim(),
        files: &message.files,
    }
}

/// Starts a chat for a customer the desk lets chat (a retry, or a chat open already, answers
/// that chat: `false`).
#[tracing::instrument(skip_all, fields(chat = %new.id))]
pub async fn start(state: &AppState, caller: &Caller, new: &NewChat) -> Result<(bool, Chat)> {
    if caller.is_staff() {
        return Err(AppError::forbidden(
            "the desk answers chats; customers start them",
        ));
    }
    let settings = state.store.portal_settings().await?;
    if !settings.chat.allows(caller.user_id, caller.org_id) {
        return Err(AppError::forbidden(
            "the service desk has switched chat off for you",
        ));
    }
    if let Some(first) = &new.message {
        check_message(first)?;
    }
    if state
        .store
        .recent_chats(caller.user_id, now_ms() - CHAT_WINDOW_MS)
        .await?
        >= CHATS_PER_WINDOW
    {
        return Err(AppError::limited(
            "too many chats started in the last hour; open a ticket instead",
            Duration::from_secs(300),
        ));
    }
    state
        .store
        .insert_chat(caller, new.id, new.message.as_ref().map(admitted))
        .await
}

/// A chat the caller may read: their own, or any for the desk. Anyone else's is not found.
pub async fn get(state: &AppState, caller: &Caller, id: ChatId) -> Result<Chat> {
    let chat = state.store.chat(id).await?;
    chat.filter(|c| caller.is_staff() || c.user_id == caller.user_id)
        .ok_or_else(|| AppError::not_found(format!("no chat {id}")))
}

/// Chats: the caller's own, or for the desk any (the queue: `status=waiting`).
pub async fn list(state: &AppState, caller: &Caller, q: &ChatListQuery) -> Result<Vec<Chat>> {
    let filter = if caller.is_staff() {
        ChatFilter {
            status: q.status,
            user: q.user_id,
            technician: q.technician_id,
        }
    } else {
        ChatFilter {
            status: q.status,
            user: Some(caller.user_id),
            technician: None,
        }
    };
    state
        .store
        .chats(filter, q.limit.unwrap_or(50).clamp(1, 200))
        .await
}

/// A chat's messages after a number, for whoever may read it.
pub async fn messages(
    state: &AppState,
    caller: &Caller,
    id: ChatId,
    q: &ChatMessagesQuery,
) -> Result<Vec<ChatMessage>> {
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::bad_request("after must not be negative"));
    }
    get(state, caller, id).await?;
    state
        .store
        .chat_messages(id, after, q.limit.unwrap_or(500).clamp(1, 1000))
        .await
}

/// Whether `caller` writes in `chat` now: its person, or the technician who has it.
fn may_write(caller: &Caller, chat: &Chat) -> Result<()> {
    if chat.user_id == caller.user_id {
        return Ok(());
    }
    if chat.technician_id == Some(caller.user_id) {
        return Ok(());
    }
    Err(match chat.status {
        ChatStatus::Waiting => AppError::conflict("take the chat before you write in it"),
        ChatStatus::Active => AppError::forbidden(format!(
            "{} has this chat; ask them to hand it over",
            chat.technician_name
                .as_deref()
                .unwrap_or("another technician")
        )),
        ChatStatus::Ended => AppError::conflict("the chat has ended"),
    })
}

/// Writes a message (`false`: a resend of one written before).
#[tracing::instrument(skip_all, fields(chat = %id))]
pub async fn say(
    state: &AppState,
    caller: &Caller,
    id: ChatId,
    message: &NewChatMessage,
) -> Result<(bool, ChatMessage)> {
    check_message(message)?;
    let chat = get(state, caller, id).await?;
    may_write(caller, &chat)?;
    if state
        .store
        .recent_chat_messages(caller.user_id, now_ms() - MESSAGE_WINDOW_MS)
        .await?
        >= MESSAGES_PER_WINDOW
    {
        return Err(AppError::limited(
            "too many messages in the last minute; wait a moment",
            Duration::from_secs(10),
        ));
    }
    state
        .store
        .add_chat_message(&chat, caller.user_id, &admitted(message))
        .await
}

/// When each person last typed in each chat (passed on at most every [`TYPING_EVERY`]).
static TYPED: LazyLock<Mutex<HashMap<(UserId, ChatId), Instant>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Says that the caller is typing in an open chat of theirs; nothing is stored.
pub async fn typing(state: &AppState, caller: &Caller, id: ChatId) -> Result<()> {
    let chat = get(state, caller, id).await?;
    may_write(caller, &chat)?;
    if chat.status == ChatStatus::Ended {
        return Err(AppError::conflict("the chat has ended"));
    }
    let now = Instant::now();
    let pass = {
        let mut typed = TYPED.lock().unwrap_or_else(|e| e.into_inner());
        typed.retain(|_, at| now.duration_since(*at) < TYPING_EVERY);
        match typed.get(&(caller.user_id, id)) {
            Some(_) => false,
            None => {
                typed.insert((caller.user_id, id), now);
                true
            }
        }
    };
    if pass {
        state
            .store
            .typing(TypingNote {
                chat: id,
                user: chat.user_id,
                typist: caller.user_id,
            })
            .await?;
    }
    Ok(())
}

/// Refuses whoever is not on duty (the queue is for technicians on duty).
async fn require_duty(state: &AppState, caller: &Caller) -> Result<()> {
    super::require_staff(caller)?;
    if !state.store.is_on_duty(caller.user_id).await? {
        return Err(AppError::conflict("go on duty to take chats"));
    }
    Ok(())
}

/// A technician on duty takes a waiting chat.
#[tracing::instrument(skip_all, fields(chat = %id))]
pub async fn take(state: &AppState, caller: &Caller, id: ChatId) -> Result<Chat> {
    require_duty(state, caller).await?;
    let chat = get(state, caller, id).await?;
    if chat.technician_id == Some(caller.user_id) {
        return Ok(chat);
    }
    let notice = Notice {
        kind: ChatMessageKind::Taken,
        author: Some(caller.user_id),
        body: &caller.name,
        ticket: None,
    };
    let how = ChatMove::Take {
        technician: caller.user_id,
    };
    match state.store.move_chat(caller, &chat, how, &notice).await? {
        Some(chat) => Ok(chat),
        None => Err(AppError::conflict(match chat.status {
            ChatStatus::Ended => "the chat has ended".to_owned(),
            _ => format!(
                "{} has taken this chat",
                chat.technician_name
                    .as_deref()
                    .unwrap_or("another technician")
            ),
        })),
    }
}

/// The technician who has a chat (or an admin) gives it to a colleague on duty.
#[tracing::instrument(skip_all, fields(chat = %id))]
pub async fn hand_over(state: &AppState, caller: &Caller, id: ChatId, to: UserId) -> Result<Chat> {
    super::require_staff(caller)?;
    let chat = get(state, caller, id).await?;
    let Some(from) = chat
        .technician_id
        .filter(|_| chat.status == ChatStatus::Active)
    else {
        return Err(AppError::conflict(
            "only a chat someone has can be handed over",
        ));
    };
    if from != caller.user_id && caller.role != bellhop_proto::Role::Admin {
        return Err(AppError::forbidden(
            "only the technician who has the chat hands it over",
        ));
    }
    if to == from {
        return Err(AppError::bad_request(
            "technician_id: they have the chat already",
        ));
    }
    let colleague = state
        .store
        .on_duty()
        .await?
        .into_iter()
        .find(|d| d.user_id == to)
        .ok_or_else(|| {
            AppError::bad_request("technician_id: not a technician on duty and present now")
        })?;
    let notice = Notice {
        kind: ChatMessageKind::HandedOver,
        author: Some(caller.user_id),
        body: &colleague.name,
        ticket: None,
    };
    state
        .store
        .move_chat(caller, &chat, ChatMove::HandOver { from, to }, &notice)
        .await?
        .ok_or_else(|| AppError::conflict("the chat moved on meanwhile; look again"))
}

/// Ends a chat: its person, its technician, or anyone of the desk. Ending an ended chat
/// answers it as it is.
#[tracing::instrument(skip_all, fields(chat = %id))]
pub async fn end(state: &AppState, caller: &Caller, id: ChatId) -> Result<Chat> {
    let chat = get(state, caller, id).await?;
    if chat.status == ChatStatus::Ended {
        return Ok(chat);
    }
    let reason = if chat.user_id == caller.user_id {
        ChatEnd::User
    } else {
        ChatEnd::Desk
    };
    let notice = Notice {
        kind: ChatMessageKind::Ended,
        author: Some(caller.user_id),
        body: reason.as_str(),
        ticket: None,
    };
    match state
        .store
        .move_chat(caller, &chat, ChatMove::End(reason), &notice)
        .await?
    {
        Some(chat) => Ok(chat),
        None => get(state, caller, id).await,
    }
}

/// Turns a chat into an incident for its person, opened by the desk: the ticket carries the
/// transcript and the chat's files, the chat ends saying the ticket's number. A repeat answers
/// the same ticket (its id is the chat's).
#[tracing::instrument(skip_all, fields(chat = %id))]
pub async fn incident(
    state: &AppState,
    caller: &Caller,
    id: ChatId,
    req: &ChatIncident,
) -> Result<Chat> {
    super::require_staff(caller)?;
    let chat = get(state, caller, id).await?;
    if chat.ticket_id.is_some() {
        return Ok(chat);
    }
    let messages = state.store.chat_messages(id, 0, 100_000).await?;
    let title = match req.title.as_deref().map(str::trim) {
        Some(typed) if !typed.is_empty() => Title::parse(typed)?.into_string(),
        _ => default_title(&chat, &messages),
    };
    let new = NewTicket {
        id: TicketId(chat.id.0),
        source: Some(TicketSource::Chat),
        requester_id: Some(chat.user_id),
        ..NewTicket::new(title, transcript(&messages))
    };
    let (ticket, _) = super::tickets::open(&state.store, &state.public_url, caller, &new).await?;
    match state.store.chat_to_incident(caller, &chat, &ticket).await? {
        Some(chat) => Ok(chat),
        // Another technician did it first.
        None => get(state, caller, id).await,
    }
}

/// The person's first words, shortened, or "Chat with <name>".
fn default_title(chat: &Chat, messages: &[ChatMessage]) -> String {
    let first = messages
        .iter()
        .find(|m| m.kind == ChatMessageKind::Text && m.author_id == Some(chat.user_id))
        .map(|m| m.body.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|words| !words.is_empty());
    match first {
        Some(words) if words.chars().count() > 80 => {
            format!("{}…", words.chars().take(79).collect::<String>())
        }
        Some(words) => words,
        None => format!("Chat with {}", chat.user_name),
    }
}

/// The chat as text for the ticket's description, its notices in plain words, shortened at
/// [`TRANSCRIPT_CHARS`].
fn transcript(messages: &[ChatMessage]) -> String {
    let mut out = String::from("Transcript of the chat (UTC):\n\n");
    for m in messages {
        let at = m.created_at.strftime("%Y-%m-%d %H:%M");
        let who = m.author_name.as_deref().unwrap_or("Bellhop");
        let line = match m.kind {
            ChatMessageKind::Text => {
                let mut line = format!("[{at}] {who}: {}", m.body);
                for f in &m.files {
                    line.push_str(&format!(" [file: {}]", f.file_name));
                }
                line
            }
            ChatMessageKind::Taken => format!("[{at}] {who} joined the chat"),
            ChatMessageKind::HandedOver => format!("[{at}] {who} handed the chat to {}", m.body),
            ChatMessageKind::Requeued => format!("[{at}] The technician left; back in the queue"),
            ChatMessageKind::IdleWarning => format!("[{at}] Idle warning {}", m.body),
            ChatMessageKind::Ended => format!("[{at}] The chat ended ({})", m.body),
            ChatMessageKind::Incident => continue,
        };
        if out.chars().count() + line.chars().count() > TRANSCRIPT_CHARS {
            out.push_str("\n(The transcript is shortened here; the chat keeps all of it.)");
            break;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Who is on duty, and whether the caller is (technicians).
pub async fn duty(state: &AppState, caller: &Caller) -> Result<Duty> {
    super::require_staff(caller)?;
    Ok(Duty {
        on_duty: state.store.is_on_duty(caller.user_id).await?,
        technicians: state.store.on_duty().await?,
    })
}

/// Goes on duty or off. Going on duty also counts as present, for as long as an open console
/// would keep them (its live stream keeps them present after that).
#[tracing::instrument(skip_all, fields(on))]
pub async fn set_duty(state: &AppState, caller: &Caller, on: bool) -> Result<Duty> {
    super::require_staff(caller)?;
    if on {
        let until = now_ms() + i64::try_from(state.presence_holds.as_millis()).unwrap_or(0);
        state.store.keep_present(caller.user_id, until).await?;
    }
    state.store.set_duty(caller, on).await?;
    duty(state, caller).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellhop_proto::{ChatMessageId, NewAttachment};

    fn message(body: &str, files: usize) -> NewChatMessage {
        NewChatMessage {
            id: ChatMessageId::new(),
            body: body.to_owned(),
            files: (0..files)
                .map(|i| NewAttachment {
                    sha256: format!("{i:064x}"),
                    file_name: "shot.png".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_message_needs_words_or_a_file_and_fits_its_cap() {
        assert!(check_message(&message("hello", 0)).is_ok());
        assert!(check_message(&message("  ", 1)).is_ok());
        let empty = check_message(&message(" \n", 0))
            .err()
            .map(|e| e.to_string());
        assert!(empty.is_some_and(|e| e.contains("body")));
        let long = "x".repeat(MAX_CHAT_MESSAGE_CHARS + 1);
        assert!(check_message(&message(&long, 0)).is_err());
        assert!(
            check_message(&message("many", super::super::tickets::MAX_ATTACHMENTS + 1)).is_err()
        );
    }
}
