//! The assistant from the desktop window: a question asked online, its answer heard as it is
//! written, and the hand-over of the conversation to the desk with the screenshot the hotkey
//! took. The conversation itself is the window's to keep (the server seals each answer); nothing
//! of it is stored on this device.

use bellhop_proto::{AssistantAsk, AssistantEvent, AssistantHandOver, AssistantTurn, Ticket};
use futures_util::StreamExt;

use crate::agent::Agent;
use crate::error::{Error, Result};

/// The longest line of an answer's stream this device reads (a whole answer with its offers).
const MAX_LINE_BYTES: usize = 1024 * 1024;

impl Agent {
    /// Asks the assistant; `on_words` hears the answer's words as they are written. Resolves with
    /// the whole answer, sealed, for the next question's history.
    pub async fn ask_assistant(
        &self,
        ask: &AssistantAsk,
        mut on_words: impl FnMut(String),
    ) -> Result<AssistantTurn> {
        let credential = self.user_credential()?;
        let res = self.client()?.ask_assistant(&credential, ask).await?;
        let mut body = res.bytes_stream();
        let mut line = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| Error::Unreachable(e.to_string()))?;
            for &byte in chunk.iter() {
                if byte != b'\n' {
                    line.push(byte);
                    if line.len() > MAX_LINE_BYTES {
                        return Err(Error::Invalid("the assistant's answer is too long".into()));
                    }
                    continue;
                }
                match serde_json::from_slice::<AssistantEvent>(&line)? {
                    AssistantEvent::Words { text } => on_words(text),
                    AssistantEvent::Done { turn } => return Ok(turn),
                    AssistantEvent::Failed { error } => return Err(Error::Server(error.error)),
                }
                line.clear();
            }
        }
        Err(Error::Unreachable(
            "the answer stopped before it was finished; ask again".into(),
        ))
    }

    /// Hands the conversation to the desk, with `screenshot` (a PNG) attached when given: it goes
    /// up first, then the ticket names it. The same ticket id again is the same ticket.
    pub async fn hand_over(
        &self,
        mut req: AssistantHandOver,
        screenshot: Option<&[u8]>,
    ) -> Result<Ticket> {
        let credential = self.user_credential()?;
        if let Some(png) = screenshot {
            let file = self.stage_file("screenshot.png", png)?;
            self.upload_staged(&credential, std::slice::from_ref(&file))
                .await?;
            req.attachments.push(file);
        }
        self.client()?.hand_over(&credential, &req).await
    }
}
