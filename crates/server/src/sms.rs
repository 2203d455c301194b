//! Text messages: the code that confirms a user's phone for self-service actions.
//!
//! With `--sms-url` each message is POSTed as JSON (`{"to": "+39…", "text": "…"}`, with
//! `Authorization: Bearer <--sms-token>` when given) to an SMS gateway or a small adapter in
//! front of one. Without it, like mail without SMTP, each message is written to
//! `<data-dir>/sms/` and logged, so the embedded default works with no provider.

use std::path::PathBuf;
use std::time::Duration;

use bellhop_proto::ErrorCode;
use serde::Serialize;

use crate::error::{AppError, Result};

#[derive(Debug, Clone)]
pub enum SmsTransport {
    Gateway {
        client: reqwest::Client,
        url: url::Url,
        token: Option<String>,
    },
    Files(PathBuf),
}

#[derive(Serialize)]
struct Message<'a> {
    to: &'a str,
    text: &'a str,
}

impl SmsTransport {
    pub fn new(url: Option<&str>, token: Option<String>, dir: PathBuf) -> anyhow::Result<Self> {
        let Some(url) = url else {
            return Ok(Self::Files(dir));
        };
        let url = url::Url::parse(url).map_err(|e| anyhow::anyhow!("--sms-url {url}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            anyhow::bail!("--sms-url must be an http(s) URL, not {}", url.scheme());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self::Gateway { client, url, token })
    }

    /// Where messages go, for the start-up log (never the token).
    pub fn describe(&self) -> String {
        match self {
            Self::Gateway { url, .. } => format!("gateway {}", url.origin().ascii_serialization()),
            Self::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    /// Hands one message over; fails with `unavailable` when the gateway does not take it.
    pub async fn send(&self, to: &str, text: &str) -> Result<()> {
        match self {
            Self::Gateway { client, url, token } => {
                let mut request = client.post(url.clone()).json(&Message { to, text });
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let refused = |detail: String| {
                    tracing::warn!(%detail, "SMS gateway");
                    AppError::client(
                        ErrorCode::Unavailable,
                        "the text message could not be sent; try again later",
                    )
                };
                let response = request.send().await.map_err(|e| refused(e.to_string()))?;
                if !response.status().is_success() {
                    return Err(refused(format!("answered {}", response.status())));
                }
                Ok(())
            }
            Self::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| AppError::Other(e.into()))?;
                let name = format!("{}.txt", uuid::Uuid::now_v7());
                let body = format!("To: {to}\n\n{text}\n");
                let tmp = dir.join(format!(".{name}"));
                tokio::fs::write(&tmp, body)
                    .await
                    .map_err(|e| AppError::Other(e.into()))?;
                tokio::fs::rename(&tmp, dir.join(&name))
                    .await
                    .map_err(|e| AppError::Other(e.into()))?;
                tracing::info!(to, file = %name, "SMS written (no gateway configured)");
                Ok(())
            }
        }
    }
}
