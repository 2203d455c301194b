//! The privileged helper (`bellhop-helper`) as the agent reaches it: over the machine's local
//! socket (a named pipe on Windows), one request per connection ([`HelperRequest`]). The agent
//! tells the server whether a helper serves this machine (its facts), hands it the grants for
//! installing and removing approved software and resetting the password, and passes its
//! progress and outcome on. The helper checks every grant
//! itself; the agent's word counts for nothing there.

use std::path::PathBuf;
use std::time::Duration;

use bellhop_proto::{ActionGrant, ApprovedList, HelperFacts, HelperReply, HelperRequest, Package};

/// The socket the helper listens on, unless `BELLHOP_HELPER_SOCKET` names another (tests).
pub const DEFAULT_SOCKET: &str = if cfg!(windows) {
    r"\\.\pipe\bellhop-helper"
} else if cfg!(target_os = "macos") {
    "/var/run/bellhop-helper.sock"
} else {
    "/run/bellhop-helper.sock"
};

/// How long a short question (hello, installed) may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the helper is.
#[derive(Debug, Clone)]
pub struct HelperLink {
    socket: PathBuf,
}

impl Default for HelperLink {
    fn default() -> Self {
        Self::from_env()
    }
}

/// How a run the helper was given ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelperOutcome {
    /// It ran: `ok` with what is installed now, or the failure and the last lines of output.
    Done { ok: bool, detail: String },
    /// The helper ran nothing, and said why (or could not be reached).
    Refused(String),
}

impl HelperLink {
    pub fn from_env() -> Self {
        let socket = std::env::var_os("BELLHOP_HELPER_SOCKET")
            .filter(|s| !s.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_SOCKET), PathBuf::from);
        Self { socket }
    }

    pub fn at(socket: impl Into<PathBuf>) -> Self {
        Self {
            socket: socket.into(),
        }
    }

    /// The helper's facts, or `None` when no helper answers here.
    pub async fn hello(&self) -> Option<HelperFacts> {
        let answer = tokio::time::timeout(ASK_TIMEOUT, self.ask(&HelperRequest::Hello)).await;
        match answer {
            Ok(Ok(replies)) => replies.into_iter().find_map(|r| match r {
                HelperReply::Hello(facts) => Some(facts),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The installed version of each package (`None`: not installed, or no helper answered).
    pub async fn installed(&self, packages: &[Package]) -> Option<Vec<Option<String>>> {
        let request = HelperRequest::Installed {
            packages: packages.to_vec(),
        };
        let answer = tokio::time::timeout(ASK_TIMEOUT, self.ask(&request)).await;
        match answer {
            Ok(Ok(replies)) => replies.into_iter().find_map(|r| match r {
                HelperReply::Installed { versions } => Some(versions),
                _ => None,
            }),
            _ => None,
        }
    }

    /// Hands `grant` (with the approved `list` it names, for software) to the helper and waits for the end of its run, telling `progress` each
    /// line the package manager writes.
    pub async fn run(
        &self,
        grant: &ActionGrant,
        list: Option<&ApprovedList>,
        mut progress: impl FnMut(String) + Send,
    ) -> HelperOutcome {
        let request = HelperRequest::Run {
            grant: grant.clone(),
            list: list.cloned(),
        };
        let mut end = None;
        let heard = self
            .converse(&request, |reply| match reply {
                HelperReply::Progress { line } => progress(line),
                HelperReply::Done { ok, detail } => end = Some(HelperOutcome::Done { ok, detail }),
                HelperReply::Refused { why } => end = Some(HelperOutcome::Refused(why)),
                HelperReply::Hello(_) | HelperReply::Installed { .. } => {}
            })
            .await;
        match (heard, end) {
            (_, Some(end)) => end,
            (Err(e), None) => HelperOutcome::Refused(format!(
                "the Bellhop helper could not be reached at {}: {e}",
                self.socket.display()
            )),
            (Ok(()), None) => HelperOutcome::Refused(
                "the Bellhop helper stopped before it said how the run ended".to_owned(),
            ),
        }
    }

    async fn ask(&self, request: &HelperRequest) -> std::io::Result<Vec<HelperReply>> {
        let mut replies = Vec::new();
        self.converse(request, |r| replies.push(r)).await?;
        Ok(replies)
    }

    async fn converse(
        &self,
        request: &HelperRequest,
        mut heard: impl FnMut(HelperReply) + Send,
    ) -> std::io::Result<()> {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

        let mut stream = self.connect().await?;
        let mut line = serde_json::to_vec(request).map_err(std::io::Error::other)?;
        line.push(b'\n');
        stream.write_all(&line).await?;
        let mut lines = BufReader::new(stream).lines();
        while let Some(line) = lines.next_line().await? {
            match serde_json::from_str(&line) {
                Ok(reply) => heard(reply),
                Err(e) => tracing::warn!("the helper said something unreadable: {e}"),
            }
        }
        Ok(())
    }

    #[cfg(unix)]
    async fn connect(&self) -> std::io::Result<tokio::net::UnixStream> {
        tokio::net::UnixStream::connect(&self.socket).await
    }

    /// The pipe's client end. While the helper makes the next instance of its pipe, every
    /// instance is busy for a moment: the agent tries again for up to a second.
    #[cfg(windows)]
    async fn connect(&self) -> std::io::Result<tokio::net::windows::named_pipe::NamedPipeClient> {
        /// ERROR_PIPE_BUSY: all instances of the pipe are in use.
        const PIPE_BUSY: i32 = 231;
        let mut tries = 0;
        loop {
            match tokio::net::windows::named_pipe::ClientOptions::new().open(&self.socket) {
                Err(e) if e.raw_os_error() == Some(PIPE_BUSY) && tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                opened => return opened,
            }
        }
    }

    #[cfg(not(any(unix, windows)))]
    async fn connect(&self) -> std::io::Result<tokio::io::DuplexStream> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "the helper is not reachable on this system",
        ))
    }
}
