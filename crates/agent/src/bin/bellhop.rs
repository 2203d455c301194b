//! `bellhop`: the agent's command line, for IT admins, scripts and tests.
//!
//! Exit codes: 0 success; 1 failure; 2 usage error (clap); 3 the server is unreachable (for
//! `status`, and `sync` when something is still waiting); 4 no such ticket here.

use std::process::ExitCode;

use anyhow::Context;
use bellhop_agent::{Agent, AgentConfig, Paths};
use bellhop_proto::{Connectivity, NewTicket, NoticeKind, TicketId, TicketSource, TicketStatus};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bellhop", version, about = "The Bellhop helpdesk agent")]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Server URL for this run (overrides agent.toml and BELLHOP_SERVER_URL).
    #[arg(long, global = true)]
    server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the connection to the server and what waits locally.
    Status,
    /// Remember the server URL for this OS user (the desktop app uses it too).
    Configure {
        /// Base URL of the Bellhop server.
        #[arg(long)]
        server_url: String,
    },
    /// Register this device with the server (`--server URL --key KEY`); remembered for this OS
    /// user and the desktop app.
    Enroll {
        /// The organisation's enrolment key.
        #[arg(long)]
        key: String,
    },
    /// The one-time identity confirmation.
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// Send what waits in the outbox now, then fetch what changed.
    Sync {
        /// Keep going: sync again whenever the server says something changed (Ctrl+C stops).
        #[arg(long)]
        watch: bool,
    },
    /// Create a ticket.
    #[command(subcommand)]
    Ticket(TicketCommand),
    /// Your tickets: list (the default), show one, reply.
    Tickets {
        #[command(subcommand)]
        command: Option<TicketsCommand>,
    },
    /// Tickets saved without sending: list (the default), show, submit, discard.
    Drafts {
        #[command(subcommand)]
        command: Option<DraftsCommand>,
    },
    /// Show the outbox: what is queued, sent, or rejected and why.
    Outbox,
}

#[derive(Debug, Subcommand)]
enum IdentityCommand {
    /// Email a confirmation token to this address.
    SendToken {
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long)]
        email: String,
    },
    /// Confirm with the emailed token.
    Confirm {
        #[arg(long)]
        email: String,
        token: String,
    },
}

#[derive(Debug, Subcommand)]
enum TicketCommand {
    /// Queue a new ticket (works offline: it is sent when the server is reachable).
    New {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Attach a file (repeatable).
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
        /// Attach a screenshot of every screen, taken now.
        #[arg(long)]
        screenshot: bool,
        /// Keep it as a draft instead of sending it (see `bellhop drafts`).
        #[arg(long, conflicts_with_all = ["attach", "screenshot"])]
        draft: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DraftsCommand {
    List,
    Show {
        id: String,
    },
    /// Send it: it becomes a queued ticket.
    Submit {
        id: String,
    },
    Discard {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum TicketsCommand {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bellhop: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bellhop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let mut config = AgentConfig::load(&paths)?;
    if let Some(url) = &cli.server {
        config.server_url = Some(bellhop_agent_url(url)?);
    }
    match cli.command {
        Command::Configure { server_url } => {
            config.server_url = Some(bellhop_agent_url(&server_url)?);
            config.save(&paths)?;
            println!("server set to {}", server_url.trim_end_matches('/'));
            Ok(ExitCode::SUCCESS)
        }
        Command::Enroll { key } => {
            let url = config.server_url.clone().ok_or_else(|| {
                anyhow::anyhow!("say which server: bellhop enroll --server URL --key KEY")
            })?;
            config.save(&paths)?;
            let agent = Agent::with_config(paths, config)?;
            let enrolled = agent
                .enroll(&key)
                .await
                .with_context(|| format!("enrolling with {url}"))?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({"device_id": enrolled.device_id, "status": enrolled.status})
                );
            } else {
                println!(
                    "enrolled as device {} — {}",
                    enrolled.device_id,
                    match enrolled.status {
                        bellhop_proto::DeviceStatus::Active => "active",
                        bellhop_proto::DeviceStatus::Pending =>
                            "waiting for a technician to activate it",
                        bellhop_proto::DeviceStatus::Deactivated => "deactivated",
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Identity(IdentityCommand::SendToken {
            first_name,
            last_name,
            email,
        }) => {
            let agent = Agent::with_config(paths, config)?;
            agent
                .send_identity_token(&first_name, &last_name, &email)
                .await?;
            println!("a confirmation token was sent to {email}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Identity(IdentityCommand::Confirm { email, token }) => {
            let agent = Agent::with_config(paths, config)?;
            let user = agent.confirm_identity(&email, &token).await?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&user)?);
            } else {
                println!(
                    "confirmed: this device now works for {} <{}>",
                    user.name, user.email
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { watch: false } => {
            let agent = Agent::with_config(paths, config)?;
            agent.retry_now()?;
            let report = agent.sync().await?;
            print_report(&report, cli.json)?;
            Ok(if report.problem.is_some() {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Sync { watch: true } => {
            let agent = Agent::with_config(paths, config)?;
            agent.retry_now()?;
            let wake = tokio::sync::Notify::new();
            let json = cli.json;
            let watched = agent.watch(&wake, |report| {
                if let Err(e) = print_report(report, json) {
                    eprintln!("bellhop: {e}");
                }
            });
            tokio::select! {
                result = watched => result?,
                _ = tokio::signal::ctrl_c() => {}
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tickets { command } => tickets(paths, config, command, cli.json).await,
        Command::Drafts { command } => drafts(paths, config, command, cli.json),
        Command::Status => {
            let agent = Agent::with_config(paths, config)?;
            let status = agent.status().await?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                println!("agent     {}", status.agent_version);
                println!(
                    "server    {}",
                    status.server_url.as_deref().unwrap_or("(not configured)")
                );
                let link = match status.connectivity {
                    Connectivity::Online => "online".to_owned(),
                    Connectivity::Offline => format!(
                        "offline — {}",
                        status.problem.as_deref().unwrap_or("unreachable")
                    ),
                    Connectivity::NotConfigured => "not configured".to_owned(),
                };
                println!("link      {link}");
                if let Some(server) = &status.server {
                    println!(
                        "remote    {} {} on {}",
                        server.product, server.version, server.database
                    );
                }
                let device = match status.device {
                    Some(bellhop_proto::DeviceStatus::Active) => "active",
                    Some(bellhop_proto::DeviceStatus::Pending) => "not activated yet",
                    Some(bellhop_proto::DeviceStatus::Deactivated) => "deactivated",
                    None => "not enrolled (or unknown while offline)",
                };
                println!("device    {device}");
                match &status.user {
                    Some(user) => println!("identity  {} <{}>", user.name, user.email),
                    None => println!("identity  not confirmed"),
                }
                println!("queued    {}", status.queued);
                println!("drafts    {}", status.drafts);
            }
            Ok(match status.connectivity {
                Connectivity::Offline => ExitCode::from(3),
                _ => ExitCode::SUCCESS,
            })
        }
        Command::Ticket(TicketCommand::New {
            title,
            description,
            draft: true,
            ..
        }) => {
            let agent = Agent::with_config(paths, config)?;
            let draft = agent.save_draft(None, &title, &description)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&draft)?);
            } else {
                println!("saved as draft {}", draft.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ticket(TicketCommand::New {
            title,
            description,
            attach,
            screenshot,
            draft: false,
        }) => {
            let agent = Agent::with_config(paths, config)?;
            let mut files = Vec::new();
            if screenshot {
                for (i, shot) in bellhop_agent::capture::capture_all()?.iter().enumerate() {
                    let png = bellhop_agent::capture::encode_png(&shot.image)?;
                    files.push((format!("screenshot-{}.png", i + 1), png));
                }
            }
            files.extend(read_files(&attach)?);
            let item = agent
                .queue_ticket_with_files(
                    NewTicket {
                        id: TicketId::new(),
                        title,
                        description,
                        priority: None,
                        source: Some(TicketSource::Tray),
                        attachments: Vec::new(),
                        system_info: None,
                    },
                    files,
                )
                .context("queueing the ticket")?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&item)?);
            } else {
                println!("queued as outbox item {} (op {})", item.seq, item.op.op_id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox => {
            let agent = Agent::with_config(paths, config)?;
            let items = agent.outbox()?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else if items.is_empty() {
                println!("the outbox is empty");
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
                    println!(
                        "{:>5}  {:<8}  {what}{why}",
                        item.seq,
                        format!("{:?}", item.state).to_lowercase()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_report(report: &bellhop_agent::SyncReport, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
        return Ok(());
    }
    println!(
        "sent {}, rejected {}, still waiting {}, fetched {}",
        report.synced, report.rejected, report.waiting, report.pulled
    );
    for notice in &report.notices {
        println!("  {}", describe_notice(notice));
    }
    if let Some(problem) = &report.problem {
        println!("stopped: {problem}");
    }
    Ok(())
}

fn describe_notice(n: &bellhop_proto::Notice) -> String {
    match &n.kind {
        NoticeKind::Reply {
            author_name,
            excerpt,
        } => format!(
            "#{} {}: {author_name} replied: {excerpt}",
            n.number, n.title
        ),
        NoticeKind::Status { status } => {
            format!("#{} {}: now {}", n.number, n.title, status_text(*status))
        }
    }
}

fn status_text(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Open => "open",
        TicketStatus::AwaitingReply => "awaiting your reply",
        TicketStatus::Resolved => "resolved",
        TicketStatus::Closed => "closed",
    }
}

fn drafts(
    paths: Paths,
    config: AgentConfig,
    command: Option<DraftsCommand>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let outcome = match command.unwrap_or(DraftsCommand::List) {
        DraftsCommand::List => agent.drafts().map(|drafts| {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&drafts).unwrap_or_default()
                );
            } else if drafts.is_empty() {
                println!("no drafts");
            } else {
                for d in drafts {
                    println!("{}  {}  {}", d.id, d.updated_at, d.title);
                }
            }
        }),
        DraftsCommand::Show { id } => agent.draft(&id).map(|d| {
            if json {
                println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
            } else {
                println!("{}\n\n{}", d.title, d.description);
            }
        }),
        DraftsCommand::Submit { id } => agent.submit_draft(&id).map(|item| {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&item).unwrap_or_default()
                );
            } else {
                println!("queued as outbox item {} (op {})", item.seq, item.op.op_id);
            }
        }),
        DraftsCommand::Discard { id } => agent.discard_draft(&id).map(|()| {
            if !json {
                println!("discarded draft {id}");
            }
        }),
    };
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(bellhop_agent::Error::NotFound(m)) => {
            eprintln!("bellhop: {m}");
            Ok(ExitCode::from(4))
        }
        Err(e) => Err(e.into()),
    }
}

/// The cached ticket named by number or id; `None` (after saying so) when there is none here.
fn find_ticket(agent: &Agent, which: &str) -> anyhow::Result<Option<bellhop_proto::TicketChange>> {
    match agent.ticket(which) {
        Ok(change) => Ok(Some(change)),
        Err(bellhop_agent::Error::NotFound(m)) => {
            eprintln!("bellhop: {m}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

async fn tickets(
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
                    Ok(report) if report.problem.is_some() => eprintln!(
                        "offline ({}): showing what was fetched last",
                        report.problem.unwrap_or_default()
                    ),
                    Ok(_) => {}
                    Err(e) => eprintln!("not synced ({e}): showing what was fetched last"),
                }
            }
            let list = agent.tickets()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no tickets yet: `bellhop ticket new --title …` creates one");
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
                    println!("{number:>7}  {state:<20}  {}{marks}", t.title);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TicketsCommand::Show { ticket } => {
            let Some(change) = find_ticket(&agent, &ticket)? else {
                return Ok(ExitCode::from(4));
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&change)?);
                return Ok(ExitCode::SUCCESS);
            }
            let t = &change.ticket;
            println!("#{} {}", t.number, t.title);
            println!("status    {}", status_text(t.status));
            println!("from      {}  ({})", t.requester_name, t.created_at);
            if !t.description.is_empty() {
                println!("\n{}", t.description);
            }
            for a in &change.attachments {
                println!(
                    "attached  {} ({}, {} bytes)",
                    a.file_name, a.media_type, a.size
                );
            }
            for c in &change.comments {
                println!("\n— {} at {}:\n{}", c.author_name, c.created_at, c.body);
            }
            Ok(ExitCode::SUCCESS)
        }
        TicketsCommand::Reopen { ticket } => {
            let Some(change) = find_ticket(&agent, &ticket)? else {
                return Ok(ExitCode::from(4));
            };
            let item = agent.queue_reopen(change.ticket.id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&item)?);
            } else {
                println!(
                    "reopening #{} queued as outbox item {} (sent with the next sync)",
                    change.ticket.number, item.seq
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
                println!("{}", serde_json::to_string_pretty(&item)?);
            } else {
                println!(
                    "reply to #{} queued as outbox item {} (sent with the next sync)",
                    change.ticket.number, item.seq
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The files given with `--attach`, as (name, bytes).
fn read_files(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    paths
        .iter()
        .map(|path| {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let name = path
                .file_name()
                .map_or_else(|| "attachment".into(), |n| n.to_string_lossy().into_owned());
            Ok((name, bytes))
        })
        .collect()
}

fn bellhop_agent_url(url: &str) -> anyhow::Result<String> {
    Ok(bellhop_agent::normalise_url(url)?)
}
