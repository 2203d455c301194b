//! The outbox (list, and what to do with a refused item) and the offline knowledge base.

use std::process::ExitCode;

use crate::{Agent, AgentConfig, Paths};

use crate::cli::terminal::say;
use crate::cli::{KbCommand, status_text};

pub fn kb(
    paths: Paths,
    config: AgentConfig,
    command: KbCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    match command {
        KbCommand::Search { words } => {
            let found = agent.articles(&words.join(" "))?;
            if json {
                say!("{}", serde_json::to_string_pretty(&found)?);
            } else if found.is_empty() {
                say!("no articles (run `bellhop sync` to fetch the knowledge base)");
            } else {
                for a in found {
                    say!("{}  {} — {}", a.id, a.category, a.title);
                }
            }
        }
        KbCommand::Show { id } => {
            let article = agent.article(&id)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&article)?);
            } else {
                say!(
                    "{}\n{}\n\n{}",
                    article.title,
                    article.category,
                    article.body_text
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn edit(paths: Paths, config: AgentConfig, seq: i64, json: bool) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let draft = agent.edit_rejected(seq)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&draft)?);
    } else {
        say!(
            "now draft {} — fix it with `bellhop drafts edit {}`, send it with `bellhop drafts submit {}`",
            draft.id,
            draft.id,
            draft.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn resend(paths: Paths, config: AgentConfig, seq: i64, json: bool) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let item = agent.resend_rejected(seq)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&item)?);
    } else {
        say!("queued again (the next `bellhop sync` sends it)");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn discard(
    paths: Paths,
    config: AgentConfig,
    seq: i64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    Agent::with_config(paths, config)?.discard_rejected(seq)?;
    if !json {
        say!("discarded");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn list(paths: Paths, config: AgentConfig, json: bool) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let items = agent.outbox()?;
    if json {
        say!("{}", serde_json::to_string_pretty(&items)?);
    } else if items.is_empty() {
        say!("the outbox is empty");
    } else {
        for item in items {
            let what = match &item.op.op {
                bellhop_proto::SyncOpKind::CreateTicket { ticket } => {
                    format!("new ticket {:?}", ticket.title)
                }
                bellhop_proto::SyncOpKind::AddComment { ticket_id, .. } => {
                    format!("reply on {ticket_id}")
                }
                bellhop_proto::SyncOpKind::UpdateTicket { ticket_id, update } => {
                    match update.status {
                        Some(status) => format!("{ticket_id} → {}", status_text(status)),
                        None => format!("change of {ticket_id}"),
                    }
                }
            };
            let why = item
                .last_error
                .map(|e| format!(" — {e}"))
                .unwrap_or_default();
            say!(
                "{:>5}  {:<8}  {what}{why}",
                item.seq,
                format!("{:?}", item.state).to_lowercase()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
