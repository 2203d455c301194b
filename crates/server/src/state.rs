//! What every handler can reach: the store, the mail and SMS senders, the file store, the grant
//! signing key, and the server's bounded resources (password hashing, live streams). Built once by `app.rs`.

use crate::blobs::Blobs;
use crate::db::Store;
use crate::mail::MailWorker;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub mail: MailWorker,
    pub blobs: Blobs,
    /// Turns true when the server starts shutting down: long-lived responses (the live event
    /// stream) end then, so graceful shutdown does not wait for them forever.
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// Where people reach the portal: every link in an email starts with it. It comes from the
    /// server's configuration (`--public-url`) alone, never from a setting the console edits.
    pub public_url: String,
    /// The host name the desk's DNS should point the portal's name at (`--cname-target`).
    pub cname_target: Option<String>,
    pub sms: std::sync::Arc<crate::sms::SmsTransport>,
    /// The largest attachment accepted, whole or in chunks.
    pub max_attachment_bytes: usize,
    /// Where password hashes are computed, bounded (`auth.rs`).
    pub passwords: std::sync::Arc<crate::passwords::PasswordPool>,
    /// Proxies whose forwarding header names the client (`client.rs`).
    pub trusted_proxies: std::sync::Arc<[ipnet::IpNet]>,
    /// Live event streams open per person, bounded (`routes/sync.rs`).
    pub streams: std::sync::Arc<StreamSlots>,
    /// Signs self-service grants (`grants.rs`).
    pub grants: std::sync::Arc<crate::grants::GrantSigner>,
    /// Seals authenticator apps' secrets in the database (`keys.rs`).
    pub secrets: std::sync::Arc<crate::keys::SecretBox>,
    /// Seals the assistant's answers, which the person's app carries (`keys.rs`).
    pub seals: std::sync::Arc<crate::keys::Sealer>,
    /// How long a technician stays present after their console last said so.
    pub presence_holds: std::time::Duration,
}

/// Live event streams open per person: one person cannot hold more than `max` connections open
/// this way (a browser tab, a desktop app each hold one).
pub struct StreamSlots {
    open: std::sync::Mutex<std::collections::HashMap<bellhop_proto::UserId, usize>>,
    max: usize,
}

/// One open stream's place, given back when the stream ends.
pub struct StreamSlot {
    slots: std::sync::Arc<StreamSlots>,
    user: bellhop_proto::UserId,
}

impl StreamSlots {
    pub fn new(max: usize) -> Self {
        Self {
            open: std::sync::Mutex::default(),
            max,
        }
    }

    /// A place for one more of `user`'s streams, if they hold fewer than the most.
    pub fn take(self: &std::sync::Arc<Self>, user: bellhop_proto::UserId) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(user).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            slots: std::sync::Arc::clone(self),
            user,
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}
