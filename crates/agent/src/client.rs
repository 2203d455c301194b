//! The HTTP client for the Bellhop server's `/api/v1`.
//!
//! One file on purpose: one method per endpoint the agent calls, over one shared way of sending
//! and reading errors.

use std::time::Duration;

use bellhop_proto::{
    Action, ActionId, ActionReport, ApiError, Article, ArticleStamp, Brand, Catalog, ChangesPage,
    ConfirmTokenRequest, DeviceCredential, DeviceState, EnrolRequest, EnrolResponse, ErrorBody,
    ErrorCode, GrantedAction, LOGO_PATH, MAX_LOGO_BYTES, MyPortal, PushRequest, PushResponse,
    SendTokenRequest, ServerInfo, TicketEvent, TicketId,
};
use bellhop_proto::{AssistantAsk, AssistantHandOver, Ticket};
use bellhop_proto::{
    Chat, ChatDesk, ChatEvent, ChatId, ChatListQuery, ChatMessage, NewChat, NewChatMessage,
};
use eventsource_stream::Eventsource;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_stream::{Stream, StreamExt};

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct ServerClient {
    base: String,
    http: reqwest::Client,
    /// For the live event stream: no overall timeout, but a stream silent for longer than three
    /// of the server's 15-second keep-alives is taken for dead.
    streaming: reqwest::Client,
}

/// What the live event stream says.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// The stream is open: pull once, then rely on events.
    Ready,
    /// A ticket the user can see changed.
    Ticket(TicketEvent),
    /// This client fell behind: pull.
    Resync,
    /// The knowledge base may have changed for this user: compare the offline copy again.
    Kb,
    /// A self-service action moved on: one for this computer may be waiting.
    Action,
    /// A chat of the user's has a new message.
    Chat(ChatEvent),
    /// Someone is typing in a chat of the user's.
    ChatTyping(ChatEvent),
    /// Who is on duty changed: chat may have become available or not.
    Duty,
}

impl ServerClient {
    /// A client for the server at `base` (already normalised, no trailing slash).
    pub fn new(base: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("bellhop-agent/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let streaming = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(45))
            .user_agent(concat!("bellhop-agent/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            base: base.to_owned(),
            http,
            streaming,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Which server this is; the cheapest proof that it is reachable.
    pub async fn server_info(&self) -> Result<ServerInfo> {
        self.get("/api/v1/server").await
    }

    pub async fn enroll(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        self.post("/api/v1/devices/enroll", None, req).await
    }

    pub async fn device_state(&self, device_secret: &str) -> Result<DeviceState> {
        self.get_as("/api/v1/device", Some(device_secret)).await
    }

    /// Tells the server what this machine is now (its system, its helper, a new name).
    pub async fn update_facts(
        &self,
        device_secret: &str,
        facts: &bellhop_proto::DeviceFacts,
    ) -> Result<()> {
        let res = self
            .http
            .put(format!("{}/api/v1/device/facts", self.base))
            .bearer_auth(device_secret)
            .json(facts)
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        expect_success(res).await
    }

    /// Reports a version this device could not install or start.
    pub async fn update_failed(
        &self,
        device_secret: &str,
        failure: &bellhop_proto::UpdateFailure,
    ) -> Result<()> {
        let res = self
            .http
            .post(format!("{}/api/v1/device/update/failure", self.base))
            .bearer_auth(device_secret)
            .json(failure)
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        expect_success(res).await
    }

    pub async fn send_token(&self, device_secret: &str, req: &SendTokenRequest) -> Result<()> {
        let res = self
            .http
            .post(format!("{}/api/v1/device/identity/send-token", self.base))
            .bearer_auth(device_secret)
            .json(req)
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        expect_success(res).await
    }

    pub async fn confirm(
        &self,
        device_secret: &str,
        req: &ConfirmTokenRequest,
    ) -> Result<DeviceCredential> {
        self.post("/api/v1/device/identity/confirm", Some(device_secret), req)
            .await
    }

    /// Begins confirming who uses this device with their company account: the provider's
    /// address for the system browser.
    pub async fn company_start(
        &self,
        device_secret: &str,
        req: &bellhop_proto::AppCompanySignInStart,
    ) -> Result<bellhop_proto::CompanySignInRedirect> {
        self.post(
            "/api/v1/device/identity/company/start",
            Some(device_secret),
            req,
        )
        .await
    }

    /// Trades the code from the browser's way back, with the verifier, for the credential.
    pub async fn company_finish(
        &self,
        device_secret: &str,
        req: &bellhop_proto::AppCompanySignInFinish,
    ) -> Result<DeviceCredential> {
        self.post(
            "/api/v1/device/identity/company/finish",
            Some(device_secret),
            req,
        )
        .await
    }

    /// A new credential in place of `credential`, which stops working at the new one's first use.
    pub async fn rotate_credential(&self, credential: &str) -> Result<DeviceCredential> {
        self.post(
            "/api/v1/device/credential/rotate",
            Some(credential),
            &serde_json::json!({}),
        )
        .await
    }

    /// Pushes a batch of operations; each outcome says applied or rejected (and why).
    pub async fn push(&self, credential: &str, req: &PushRequest) -> Result<PushResponse> {
        self.post("/api/v1/sync/push", Some(credential), req).await
    }

    /// The tickets that changed after `after`, as they are now.
    pub async fn changes(&self, credential: &str, after: i64, limit: u32) -> Result<ChangesPage> {
        self.get_as(
            &format!("/api/v1/sync/changes?after={after}&limit={limit}"),
            Some(credential),
        )
        .await
    }

    /// The id of every ticket the user may see.
    pub async fn ticket_ids(&self, credential: &str) -> Result<Vec<TicketId>> {
        self.get_as("/api/v1/tickets/ids", Some(credential)).await
    }

    /// What the desk lets this user see and do (portal settings).
    pub async fn my_portal(&self, credential: &str) -> Result<MyPortal> {
        self.get_as("/api/v1/me/portal", Some(credential)).await
    }

    /// The brand this device's organisation wears (the desk's without `device_secret`).
    pub async fn brand(&self, device_secret: Option<&str>) -> Result<Brand> {
        self.get_as("/api/v1/brand", device_secret).await
    }

    /// The desk's logo at `path` (the brand's `logo`): its type and bytes, when it is a PNG or
    /// an SVG of at most [`MAX_LOGO_BYTES`].
    pub async fn logo(&self, path: &str) -> Result<(String, Vec<u8>)> {
        if !path.starts_with(LOGO_PATH) {
            return Err(Error::Invalid(format!(
                "the brand's logo is not the server's: {path}"
            )));
        }
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        if !res.status().is_success() {
            return decode::<serde_json::Value>(res)
                .await
                .map(|_| (String::new(), Vec::new()));
        }
        let mime = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if mime != "image/png" && mime != "image/svg+xml" {
            return Err(Error::Invalid(format!(
                "the logo is {mime}, not a PNG or SVG"
            )));
        }
        let bytes = res
            .bytes()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(Error::Invalid(
                "the logo is larger than a logo may be".into(),
            ));
        }
        Ok((mime, bytes.to_vec()))
    }

    /// The catalog offered to the user with its entity tag; `None` when the copy tagged `held`
    /// is still the one (the server's 304: nothing sent).
    pub async fn catalog(
        &self,
        credential: &str,
        held: Option<&str>,
    ) -> Result<Option<(Catalog, Option<String>)>> {
        let mut req = self
            .http
            .get(format!("{}/api/v1/catalog", self.base))
            .bearer_auth(credential);
        if let Some(tag) = held {
            req = req.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let res = req
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        if res.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let tag = res
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Some((decode(res).await?, tag)))
    }

    /// Every knowledge-base article the user may read and when it last changed.
    pub async fn article_stamps(&self, credential: &str) -> Result<Vec<ArticleStamp>> {
        self.get_as("/api/v1/kb/stamps", Some(credential)).await
    }

    /// One article (its body as sanitised HTML and as plain text).
    pub async fn article(&self, credential: &str, id: &str) -> Result<Article> {
        self.get_as(&format!("/api/v1/kb/articles/{id}"), Some(credential))
            .await
    }

    /// The signed self-service actions waiting for this computer (each marked delivered).
    pub async fn waiting_actions(&self, credential: &str) -> Result<Vec<GrantedAction>> {
        self.get_as("/api/v1/device/actions", Some(credential))
            .await
    }

    /// Says how an action goes: `running` is refused (409) once it may no longer start.
    pub async fn report_action(
        &self,
        credential: &str,
        id: ActionId,
        report: &ActionReport,
    ) -> Result<Action> {
        self.post(
            &format!("/api/v1/device/actions/{id}/report"),
            Some(credential),
            report,
        )
        .await
    }

    /// The approved software offered to the person (403 where Self-service is off for them).
    pub async fn software(&self, credential: &str) -> Result<bellhop_proto::SoftwareCatalog> {
        self.get_as("/api/v1/software", Some(credential)).await
    }

    /// The computers assigned to the person: where their self-service actions run.
    pub async fn my_devices(&self, credential: &str) -> Result<Vec<bellhop_proto::Device>> {
        self.get_as("/api/v1/me/devices", Some(credential)).await
    }

    /// What confirms the person's actions: their phone, their authenticator app.
    pub async fn second_factor(&self, credential: &str) -> Result<bellhop_proto::SecondFactor> {
        self.get_as("/api/v1/me/second-factor", Some(credential))
            .await
    }

    /// The person's actions, newest first, on every computer of theirs.
    pub async fn actions(&self, credential: &str) -> Result<Vec<Action>> {
        self.get_as("/api/v1/actions", Some(credential)).await
    }

    pub async fn action(&self, credential: &str, id: ActionId) -> Result<Action> {
        self.get_as(&format!("/api/v1/actions/{id}"), Some(credential))
            .await
    }

    /// Asks for an action; a repeated id answers the first request.
    pub async fn request_action(
        &self,
        credential: &str,
        req: &bellhop_proto::ActionRequest,
    ) -> Result<Action> {
        self.post("/api/v1/actions", Some(credential), req).await
    }

    /// The second factor's code for an action: a right one has it signed for its computer.
    pub async fn verify_action(
        &self,
        credential: &str,
        id: ActionId,
        code: &str,
    ) -> Result<Action> {
        self.post(
            &format!("/api/v1/actions/{id}/verify"),
            Some(credential),
            &bellhop_proto::ActionCode {
                code: code.to_owned(),
            },
        )
        .await
    }

    /// Stops an action its computer has not started.
    pub async fn cancel_action(&self, credential: &str, id: ActionId) -> Result<Action> {
        self.post(
            &format!("/api/v1/actions/{id}/cancel"),
            Some(credential),
            &serde_json::json!({}),
        )
        .await
    }

    /// Keeps the user's language on the server (their mail follows it).
    pub async fn update_me(
        &self,
        credential: &str,
        req: &bellhop_proto::UpdateMe,
    ) -> Result<bellhop_proto::User> {
        send(
            self.http.put(format!("{}/api/v1/me", self.base)).json(req),
            Some(credential),
        )
        .await
    }

    /// Opens the live event stream. It ends (with an error item or `None`) when the connection
    /// drops; the caller reconnects.
    pub async fn events(
        &self,
        credential: &str,
    ) -> Result<impl Stream<Item = Result<LiveEvent>> + Send + Unpin + use<>> {
        let res = self
            .streaming
            .get(format!("{}/api/v1/events", self.base))
            .bearer_auth(credential)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        if !res.status().is_success() {
            return Err(decode::<serde_json::Value>(res)
                .await
                .err()
                .unwrap_or_else(|| Error::Unreachable("the event stream was refused".into())));
        }
        Ok(res
            .bytes_stream()
            .eventsource()
            .filter_map(|item| match item {
                Ok(event) => match event.event.as_str() {
                    "ready" => Some(Ok(LiveEvent::Ready)),
                    "resync" => Some(Ok(LiveEvent::Resync)),
                    "kb" => Some(Ok(LiveEvent::Kb)),
                    "action" => Some(Ok(LiveEvent::Action)),
                    "duty" => Some(Ok(LiveEvent::Duty)),
                    "chat" => Some(
                        serde_json::from_str(&event.data)
                            .map(LiveEvent::Chat)
                            .map_err(Error::from),
                    ),
                    "chat_typing" => Some(
                        serde_json::from_str(&event.data)
                            .map(LiveEvent::ChatTyping)
                            .map_err(Error::from),
                    ),
                    "ticket" => Some(
                        serde_json::from_str(&event.data)
                            .map(LiveEvent::Ticket)
                            .map_err(Error::from),
                    ),
                    // Unknown events come from a newer server: ignore them.
                    _ => None,
                },
                Err(e) => Some(Err(Error::Unreachable(format!(
                    "the event stream broke: {e}"
                )))),
            }))
    }

    /// `None` when the server already has these bytes; else how many of them it holds from an
    /// earlier, interrupted chunked upload by this user (0 for none).
    pub async fn upload_offset(&self, credential: &str, sha: &str) -> Result<Option<u64>> {
        let res = self
            .http
            .head(format!("{}/api/v1/attachments/{sha}", self.base))
            .bearer_auth(credential)
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        match res.status() {
            s if s.is_success() => Ok(None),
            reqwest::StatusCode::NOT_FOUND => Ok(Some(offset_of(&res).unwrap_or(0))),
            _ => decode::<serde_json::Value>(res).await.map(|_| None),
        }
    }

    /// Uploads bytes under their hash (idempotent on the server): at once when small, else in
    /// chunks of [`UPLOAD_CHUNK`] from `from` on, following the server's offset when it holds
    /// more or less than expected. A broken connection leaves what arrived on the server; the
    /// next attempt resumes from there.
    pub async fn upload_attachment(
        &self,
        credential: &str,
        sha: &str,
        bytes: &[u8],
        from: u64,
    ) -> Result<()> {
        let url = format!("{}/api/v1/attachments/{sha}", self.base);
        let put = |body: Vec<u8>| {
            self.http
                .put(&url)
                .bearer_auth(credential)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .timeout(Duration::from_secs(300))
                .body(body)
        };
        let total = bytes.len() as u64;
        if bytes.len() <= UPLOAD_CHUNK {
            let res = put(bytes.to_vec())
                .send()
                .await
                .map_err(|e| Error::Unreachable(describe(&e)))?;
            return expect_success(res).await;
        }
        let mut offset = from.min(total);
        // Each round sends one chunk or learns the server's offset; bounded so a confused
        // server cannot keep it going forever.
        for _ in 0..(2 * total.div_ceil(UPLOAD_CHUNK as u64) + 4) {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let end = (start + UPLOAD_CHUNK).min(bytes.len());
            let chunk = bytes.get(start..end).unwrap_or_default();
            if chunk.is_empty() {
                break;
            }
            let res = put(chunk.to_vec())
                .header(
                    reqwest::header::CONTENT_RANGE,
                    format!("bytes {start}-{}/{total}", end - 1),
                )
                .send()
                .await
                .map_err(|e| Error::Unreachable(describe(&e)))?;
            match res.status() {
                reqwest::StatusCode::OK | reqwest::StatusCode::CREATED => return Ok(()),
                reqwest::StatusCode::ACCEPTED => offset = offset_of(&res).unwrap_or(end as u64),
                reqwest::StatusCode::CONFLICT => match offset_of(&res) {
                    Some(held) => offset = held,
                    None => return expect_success(res).await,
                },
                _ => return expect_success(res).await,
            }
        }
        Err(Error::Server(ApiError::new(
            ErrorCode::Internal,
            "the server never took the last chunk of the upload",
        )))
    }

    /// A ticket's file, as the server keeps it.
    pub async fn download_attachment(
        &self,
        credential: &str,
        ticket: bellhop_proto::TicketId,
        sha: &str,
    ) -> Result<Vec<u8>> {
        self.download(
            credential,
            &format!("/api/v1/tickets/{ticket}/attachments/{sha}"),
        )
        .await
    }

    /// A file sent in a chat.
    pub async fn download_chat_file(
        &self,
        credential: &str,
        chat: ChatId,
        sha: &str,
    ) -> Result<Vec<u8>> {
        self.download(credential, &format!("/api/v1/chats/{chat}/files/{sha}"))
            .await
    }

    /// Whether the desk answers chats now.
    pub async fn chat_desk(&self, credential: &str) -> Result<ChatDesk> {
        self.get_as("/api/v1/chat-desk", Some(credential)).await
    }

    /// Starts a chat (or answers the one open already).
    pub async fn start_chat(&self, credential: &str, new: &NewChat) -> Result<Chat> {
        self.post("/api/v1/chats", Some(credential), new).await
    }

    pub async fn chats(&self, credential: &str, query: &ChatListQuery) -> Result<Vec<Chat>> {
        send(
            self.http
                .get(format!("{}/api/v1/chats", self.base))
                .query(query),
            Some(credential),
        )
        .await
    }

    pub async fn chat(&self, credential: &str, id: ChatId) -> Result<Chat> {
        self.get_as(&format!("/api/v1/chats/{id}"), Some(credential))
            .await
    }

    /// A chat's messages numbered after `after`.
    pub async fn chat_messages(
        &self,
        credential: &str,
        id: ChatId,
        after: i64,
    ) -> Result<Vec<ChatMessage>> {
        self.get_as(
            &format!("/api/v1/chats/{id}/messages?after={after}"),
            Some(credential),
        )
        .await
    }

    /// Writes in a chat; a resent message id is the first message.
    pub async fn say(
        &self,
        credential: &str,
        id: ChatId,
        message: &NewChatMessage,
    ) -> Result<ChatMessage> {
        self.post(
            &format!("/api/v1/chats/{id}/messages"),
            Some(credential),
            message,
        )
        .await
    }

    /// Says the user is typing.
    pub async fn chat_typing(&self, credential: &str, id: ChatId) -> Result<()> {
        let res = self
            .http
            .post(format!("{}/api/v1/chats/{id}/typing", self.base))
            .bearer_auth(credential)
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        expect_success(res).await
    }

    pub async fn end_chat(&self, credential: &str, id: ChatId) -> Result<Chat> {
        self.post(
            &format!("/api/v1/chats/{id}/end"),
            Some(credential),
            &serde_json::json!({}),
        )
        .await
    }

    /// A file's bytes from `path`.
    async fn download(&self, credential: &str, path: &str) -> Result<Vec<u8>> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(credential)
            .timeout(Duration::from_secs(300))
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        if !res.status().is_success() {
            return decode::<serde_json::Value>(res).await.map(|_| Vec::new());
        }
        Ok(res
            .bytes()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?
            .to_vec())
    }

    /// Asks the assistant: the answer's stream as it comes, once the server accepted the
    /// question (a refusal is the server's error). It may take a model minutes to finish.
    pub async fn ask_assistant(
        &self,
        credential: &str,
        ask: &AssistantAsk,
    ) -> Result<reqwest::Response> {
        let res = self
            .http
            .post(format!("{}/api/v1/assistant/ask", self.base))
            .bearer_auth(credential)
            .timeout(ASSISTANT_ANSWER)
            .json(ask)
            .send()
            .await
            .map_err(|e| Error::Unreachable(describe(&e)))?;
        if res.status().is_success() {
            return Ok(res);
        }
        // Not a success, so `decode` says what the server refused.
        Err(match decode::<serde_json::Value>(res).await {
            Err(refused) => refused,
            Ok(_) => Error::Unreachable("the server's answer was cut off".into()),
        })
    }

    /// Hands a conversation to the desk: the ticket with its transcript.
    pub async fn hand_over(&self, credential: &str, req: &AssistantHandOver) -> Result<Ticket> {
        self.post("/api/v1/assistant/hand-over", Some(credential), req)
            .await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.get_as(path, None).await
    }

    async fn get_as<T: DeserializeOwned>(&self, path: &str, token: Option<&str>) -> Result<T> {
        send(self.http.get(format!("{}{path}", self.base)), token).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<T> {
        send(
            self.http.post(format!("{}{path}", self.base)).json(body),
            token,
        )
        .await
    }
}

/// Sends with an optional bearer token and decodes the answer.
async fn send<T: DeserializeOwned>(
    mut req: reqwest::RequestBuilder,
    token: Option<&str>,
) -> Result<T> {
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req
        .send()
        .await
        .map_err(|e| Error::Unreachable(describe(&e)))?;
    decode(res).await
}

/// How long an assistant's answer may take, a model's included.
const ASSISTANT_ANSWER: Duration = Duration::from_secs(300);

/// Chunks of this size (4 MiB) for files larger than one.
pub const UPLOAD_CHUNK: usize = 4 * 1024 * 1024;

/// The server's `Upload-Offset`: how many bytes of an unfinished upload it holds.
fn offset_of(res: &reqwest::Response) -> Option<u64> {
    res.headers()
        .get("upload-offset")?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Success with no body of interest; anything else as the server's error.
async fn expect_success(res: reqwest::Response) -> Result<()> {
    if res.status().is_success() {
        return Ok(());
    }
    decode::<serde_json::Value>(res).await.map(|_| ())
}

/// A 2xx body as `T`; anything else as the server's error (or a description of what came back).
async fn decode<T: DeserializeOwned>(res: reqwest::Response) -> Result<T> {
    let status = res.status();
    let bytes = res
        .bytes()
        .await
        .map_err(|e| Error::Unreachable(describe(&e)))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| {
            Error::Server(ApiError::new(
                ErrorCode::Internal,
                format!("the server's answer was not understood: {e}"),
            ))
        });
    }
    let error = serde_json::from_slice::<ErrorBody>(&bytes)
        .map(|b| b.error)
        .unwrap_or_else(|_| {
            let code = if status.is_server_error() {
                ErrorCode::Unavailable
            } else {
                ErrorCode::BadRequest
            };
            ApiError::new(
                code,
                format!("HTTP {status} from something that is not a Bellhop server"),
            )
        });
    Err(Error::Server(error))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connection refused or no route to the server".into()
    } else if e.is_timeout() {
        "the server did not answer in time".into()
    } else {
        e.to_string()
    }
}
