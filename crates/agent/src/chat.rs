//! Chat with the service desk from the desktop window, asked of the server with the person's
//! credential on this device. A chat is live, so nothing here is queued: offline, each call says
//! the server cannot be reached, and the window keeps what was typed until it is sent.
//!
//! The watch's live stream hears each new message, typing and duty change
//! ([`Agent::on_chat`]); [`Agent::chat_news`] says what a notification should tell when the
//! window is hidden: each message from the desk, once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bellhop_proto::{
    Chat, ChatDesk, ChatEvent, ChatId, ChatListQuery, ChatMessage, ChatMessageId, ChatMessageKind,
    NewAttachment, NewChat, NewChatMessage, Redaction,
};

use crate::Agent;
use crate::error::Result;

/// What the live stream said about chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatHeard {
    /// A chat of the person's has a new message.
    Message(ChatEvent),
    /// Someone is typing in one.
    Typing(ChatEvent),
    /// Who is on duty changed.
    Duty,
    /// The stream (re)connected: anything may have been missed.
    Resync,
}

type Listener = Arc<dyn Fn(ChatHeard) + Send + Sync>;

/// Who hears of chats, and the last message of each chat a notification told of.
#[derive(Default)]
pub(crate) struct ChatBell {
    listener: Mutex<Option<Listener>>,
    told: Mutex<HashMap<ChatId, i64>>,
}

impl ChatBell {
    pub(crate) fn ring(&self, heard: ChatHeard) {
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(listener) = listener {
            listener(heard);
        }
    }
}

impl Agent {
    /// Hears what the live stream says about the person's chats.
    pub fn on_chat(&self, listener: impl Fn(ChatHeard) + Send + Sync + 'static) {
        *self.chat.listener.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(listener));
    }

    /// Whether the desk answers chats now.
    pub async fn chat_desk(&self) -> Result<ChatDesk> {
        let credential = self.user_credential()?;
        self.client()?.chat_desk(&credential).await
    }

    /// Starts a chat with its first words (or answers the chat open already).
    pub async fn start_chat(&self, first: Option<&str>) -> Result<Chat> {
        let credential = self.user_credential()?;
        let new = NewChat {
            id: ChatId::new(),
            message: first
                .map(str::trim)
                .filter(|words| !words.is_empty())
                .map(|words| NewChatMessage {
                    id: ChatMessageId::new(),
                    body: words.to_owned(),
                    files: Vec::new(),
                }),
        };
        self.client()?.start_chat(&credential, &new).await
    }

    /// The person's chats, newest first.
    pub async fn my_chats(&self) -> Result<Vec<Chat>> {
        let credential = self.user_credential()?;
        self.client()?
            .chats(&credential, &ChatListQuery::default())
            .await
    }

    pub async fn chat(&self, id: ChatId) -> Result<Chat> {
        let credential = self.user_credential()?;
        self.client()?.chat(&credential, id).await
    }

    pub async fn chat_messages(&self, id: ChatId, after: i64) -> Result<Vec<ChatMessage>> {
        let credential = self.user_credential()?;
        self.client()?.chat_messages(&credential, id, after).await
    }

    /// Writes in a chat with files staged on this device ([`Agent::stage_file`]), which go up
    /// first. The same `message_id` again (a retry) is the same message.
    pub async fn say(
        &self,
        id: ChatId,
        message_id: ChatMessageId,
        body: &str,
        files: Vec<NewAttachment>,
    ) -> Result<ChatMessage> {
        let credential = self.user_credential()?;
        self.upload_staged(&credential, &files).await?;
        let message = NewChatMessage {
            id: message_id,
            body: body.trim().to_owned(),
            files,
        };
        self.client()?.say(&credential, id, &message).await
    }

    /// A screenshot sent into the chat as a message of its own, with the areas the person
    /// blacked out painted over before it leaves the device. A resend with the same message id
    /// is the same message.
    pub async fn say_screenshot(
        &self,
        id: ChatId,
        message_id: ChatMessageId,
        png: Vec<u8>,
        hidden: Vec<Redaction>,
    ) -> Result<ChatMessage> {
        let png = tokio::task::spawn_blocking(move || crate::capture::redact_png(&png, &hidden))
            .await
            .map_err(|e| crate::Error::Capture(format!("hiding parts of the screenshot: {e}")))??;
        let file = self.stage_file("screenshot.png", &png)?;
        self.say(id, message_id, "", vec![file]).await
    }

    pub async fn chat_typing(&self, id: ChatId) -> Result<()> {
        let credential = self.user_credential()?;
        self.client()?.chat_typing(&credential, id).await
    }

    pub async fn end_chat(&self, id: ChatId) -> Result<Chat> {
        let credential = self.user_credential()?;
        self.client()?.end_chat(&credential, id).await
    }

    /// A file of a chat: from this device when it is here (sent from it, or fetched before),
    /// else fetched, checked against its hash and kept.
    pub async fn chat_file(&self, id: ChatId, sha256: &str) -> Result<Vec<u8>> {
        let client = self.client()?;
        self.kept_or_fetched(sha256, |credential| async move {
            client.download_chat_file(&credential, id, sha256).await
        })
        .await
    }

    /// The person saw `chat` up to `upto` in the window: a later notification does not tell it.
    pub fn chat_seen(&self, chat: ChatId, upto: i64) {
        let mut told = self.chat.told.lock().unwrap_or_else(|p| p.into_inner());
        let seen = told.entry(chat).or_insert(upto);
        *seen = (*seen).max(upto);
    }

    /// The desk's messages in `chat` up to `upto` that no notification told of yet, each once.
    /// The first call for a chat tells only what came after the person's own last message, so
    /// an old conversation is not told again.
    pub async fn chat_news(&self, chat: ChatId, upto: i64) -> Result<Vec<ChatMessage>> {
        let told = self
            .chat
            .told
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&chat)
            .copied();
        if told.is_some_and(|told| told >= upto) {
            return Ok(Vec::new());
        }
        let person = self.chat(chat).await?.user_id;
        let messages = self.chat_messages(chat, told.unwrap_or(0)).await?;
        let since = told.unwrap_or_else(|| {
            messages
                .iter()
                .filter(|m| m.author_id == Some(person))
                .map(|m| m.seq)
                .max()
                .unwrap_or(0)
        });
        let last = messages.iter().map(|m| m.seq).max().unwrap_or(0);
        let mut told_now = self.chat.told.lock().unwrap_or_else(|p| p.into_inner());
        let before = told_now.get(&chat).copied().unwrap_or(since);
        told_now.insert(chat, last.max(before));
        Ok(messages
            .into_iter()
            .filter(|m| {
                m.seq > before
                    && m.author_id != Some(person)
                    && matches!(m.kind, ChatMessageKind::Text | ChatMessageKind::Incident)
            })
            .collect())
    }
}
