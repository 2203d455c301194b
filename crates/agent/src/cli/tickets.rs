//! `bellhop tickets`: the tickets this device knows, one with its conversation, replying and
//! reopening (queued: works offline).

use crate::cli::terminal::{complain, say};
use std::process::ExitCode;

use crate::{Agent, AgentConfig, Paths};
use clap::Subcommand;

use crate::cli::compose::read_files;
use crate::cli::status_text;

#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// Every ticket here, newest first (syncs first when the server is reachable).
    List,
    /// One ticket with its conversation, by number (1042 or #1042) or id.
    Show { ticket: String },
    /// Queue a reply (works offline).
    Reply {
        ticket: String,
        /// The reply's text.
        #[arg(long, short)]
        message: String,
        /// A file to send with it (repeatable).
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
    },
    /// Reopen a resolved or closed ticket (works offline).
    Reopen { ticket: String },
}

/// The cached ticket named by number or id; `None` (after saying so) when there is none here.
fn find_ticket(agent: &Agent, which: &str) -> anyhow::Result<Option<bellhop_proto::TicketChange>> {
    match agent.ticket(which) {
        Ok(change) => Ok(Some(change)),
        Err(crate::Error::NotFound(m)) => {
            complain!("bellhop: {m}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn tickets(
    paths: Paths,
    config: AgentConfig,
    command: Option<TicketsCommand>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    match command.unwrap_or(TicketsCommand::List) {
        TicketsCommand::List => {
            if agent.confirmed_user()?.is_some() {
                match agent.sync().await {
                    Ok(report) if report.problem.is_some() => complain!(
                        "offline ({}): showing what was fetched last",
                        report.problem.unwrap_or_default()
                    ),
                    Ok(_) => {}
                    Err(e) => complain!("not synced ({e}): showing what was fetched last"),
                }
            }
            let list = agent.tickets()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                say!("no tickets yet: `bellhop ticket new --title …` creates one");
            } else {
                for t in list {
                    let number = t.number.map_or_else(|| "—".to_owned(), |n| format!("#{n}"));
                    let state = match (&t.rejected, t.status) {
                        (Some(_), _) => "rejected",
                        (None, Some(status)) => status_text(status),
                        (None, None) => "queued",
                    };
                    let mut marks = String::new();
                    if t.unread {
                        marks.push_str("  [new reply]");
                    }
                    if t.pending && t.status.is_some() {
                        marks.push_str("  [reply queued]");
                    }
                    if let Some(reason) = &t.rejected {
                        marks.push_str(&format!("  — {reason}"));
                    }
                    say!(
                        "{number:>7}  {state:<20}  {}{}",
                        crate::cli::terminal::line(&t.title),
                        crate::cli::terminal::line(&marks)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TicketsCommand::Show { ticket } => {
            let Some(change) = find_ticket(&agent, &ticket)? else {
                return Ok(ExitCode::from(4));
            };
            if json {
                say!("{}", serde_json::to_string_pretty(&change)?);
                return Ok(ExitCode::SUCCESS);
            }
            let t = &change.ticket;
            say!("#{} {}", t.number, crate::cli::terminal::line(&t.title));
            say!("status    {}", status_text(t.status));
            say!(
                "from      {}  ({})",
                crate::cli::terminal::line(&t.requester_name),
                t.created_at
            );
            if let Some(kind) = &t.ticket_type {
                say!("type      {kind}");
            }
            for (key, value) in &t.custom_fields {
                say!("{key:<9} {}", crate::cli::compose::show_value(value));
            }
            if !t.description.is_empty() {
                say!("\n{}", t.description);
            }
            for a in &change.attachments {
                say!(
                    "attached  {} ({}, {} bytes)",
                    a.file_name,
                    a.media_type,
                    a.size
                );
            }
            for c in &change.comments {
                say!(
                    "\n— {} at {}:\n{}",
                    crate::cli::terminal::line(&c.author_name),
                    c.created_at,
                    c.body
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TicketsCommand::Reopen { ticket } => {
            let Some(change) = find_ticket(&agent, &ticket)? else {
                return Ok(ExitCode::from(4));
            };
            let item = agent.queue_reopen(change.ticket.id)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&item)?);
            } else {
                say!(
                    "reopening #{} queued as outbox item {} (sent with the next sync)",
                    change.ticket.number,
                    item.seq
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TicketsCommand::Reply {
            ticket,
            message,
            attach,
        } => {
            let Some(change) = find_ticket(&agent, &ticket)? else {
                return Ok(ExitCode::from(4));
            };
            let files = read_files(&attach)?;
            let item = agent.queue_reply_with_files(change.ticket.id, &message, files)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&item)?);
            } else {
                say!(
                    "reply to #{} queued as outbox item {} (sent with the next sync)",
                    change.ticket.number,
                    item.seq
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
