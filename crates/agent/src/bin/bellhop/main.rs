//! `bellhop`: the agent's command line, for IT admins, scripts and tests.
//!
//! Exit codes: 0 success; 1 failure; 2 usage error (clap); 3 the server is unreachable (for
//! `status`, and `sync` when something is still waiting); 4 no such ticket here.

use std::process::ExitCode;

use anyhow::Context;
use bellhop_agent::{Agent, AgentConfig, Paths};
use bellhop_proto::{Connectivity, NoticeKind, TicketStatus};
use clap::{Parser, Subcommand};

mod compose;
mod terminal;
mod tickets;

use compose::{DraftsCommand, TicketCommand};
use terminal::{complain, say};
use tickets::TicketsCommand;

#[derive(Debug, Parser)]
#[command(name = "bellhop", version, about = "The Bellhop helpdesk agent")]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Server URL for this run (overrides agent.toml and BELLHOP_SERVER_URL).
    #[arg(long, global = true)]
    server: Option<String>,
    /// Allow a plain http:// server beyond this machine (kept with the server URL by
    /// `configure` and `enroll`).
    #[arg(long, global = true)]
    insecure: bool,
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
    /// Create a ticket, or see the ticket types and custom fields the desk offers.
    #[command(subcommand)]
    Ticket(TicketCommand),
    /// Your tickets: list (the default), show one, reply.
    Tickets {
        #[command(subcommand)]
        command: Option<TicketsCommand>,
    },
    /// Tickets saved without sending: list (the default), show, edit, submit, discard.
    Drafts {
        #[command(subcommand)]
        command: Option<DraftsCommand>,
    },
    /// The outbox: what is queued, sent, or refused and why (the default); and what to do with
    /// a refused item.
    Outbox {
        #[command(subcommand)]
        command: Option<OutboxCommand>,
    },
    /// The knowledge base as kept on this device for offline reading (`bellhop sync` updates it):
    /// search it, or read an article.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// List it.
    List,
    /// A refused ticket becomes a draft (words, fields, files) to fix with `drafts edit` and
    /// send with `drafts submit`.
    Edit { seq: i64 },
    /// Send a refused item again as it is.
    Resend { seq: i64 },
    /// Forget a refused item.
    Discard { seq: i64 },
}

#[derive(Debug, Subcommand)]
enum KbCommand {
    /// Articles containing every word (as word prefixes); no words lists them all.
    Search { words: Vec<String> },
    /// One article's text.
    Show { id: String },
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            complain!("bellhop: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            complain!("bellhop: {e:#}");
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
    if cli.insecure {
        config.insecure = true;
    }
    match cli.command {
        Command::Configure { server_url } => {
            let url = bellhop_agent_url(&server_url)?;
            bellhop_agent::require_secure(&url, config.insecure)?;
            config.server_url = Some(url);
            config.save(&paths)?;
            say!("server set to {}", server_url.trim_end_matches('/'));
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
                say!(
                    "{}",
                    serde_json::json!({"device_id": enrolled.device_id, "status": enrolled.status})
                );
            } else {
                say!(
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
            say!("a confirmation token was sent to {email}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Identity(IdentityCommand::Confirm { email, token }) => {
            let agent = Agent::with_config(paths, config)?;
            let user = agent.confirm_identity(&email, &token).await?;
            if cli.json {
                say!("{}", serde_json::to_string_pretty(&user)?);
            } else {
                say!(
                    "confirmed: this device now works for {} <{}>",
                    user.name,
                    user.email
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
                    complain!("bellhop: {e}");
                }
            });
            tokio::select! {
                result = watched => result?,
                _ = tokio::signal::ctrl_c() => {}
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tickets { command } => tickets::tickets(paths, config, command, cli.json).await,
        Command::Drafts { command } => compose::drafts(paths, config, command, cli.json),
        Command::Ticket(command) => compose::ticket(paths, config, command, cli.json).await,
        Command::Status => {
            let agent = Agent::with_config(paths, config)?;
            let status = agent.status().await?;
            if cli.json {
                say!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                say!("agent     {}", status.agent_version);
                say!(
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
                say!("link      {link}");
                if let Some(server) = &status.server {
                    say!(
                        "remote    {} {} on {}",
                        server.product,
                        server.version,
                        server.database
                    );
                }
                let device = match status.device {
                    Some(bellhop_proto::DeviceStatus::Active) => "active",
                    Some(bellhop_proto::DeviceStatus::Pending) => "not activated yet",
                    Some(bellhop_proto::DeviceStatus::Deactivated) => "deactivated",
                    None => "not enrolled (or unknown while offline)",
                };
                say!("device    {device}");
                match &status.user {
                    Some(user) => say!(
                        "identity  {} <{}>",
                        terminal::line(&user.name),
                        terminal::line(&user.email)
                    ),
                    None => say!("identity  not confirmed"),
                }
                say!("queued    {}", status.queued);
                say!("drafts    {}", status.drafts);
            }
            Ok(match status.connectivity {
                Connectivity::Offline => ExitCode::from(3),
                _ => ExitCode::SUCCESS,
            })
        }
        Command::Kb { command } => {
            let agent = Agent::with_config(paths, config)?;
            match command {
                KbCommand::Search { words } => {
                    let found = agent.articles(&words.join(" "))?;
                    if cli.json {
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
                    if cli.json {
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
        Command::Outbox {
            command: Some(OutboxCommand::Edit { seq }),
        } => {
            let agent = Agent::with_config(paths, config)?;
            let draft = agent.edit_rejected(seq)?;
            if cli.json {
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
        Command::Outbox {
            command: Some(OutboxCommand::Resend { seq }),
        } => {
            let agent = Agent::with_config(paths, config)?;
            let item = agent.resend_rejected(seq)?;
            if cli.json {
                say!("{}", serde_json::to_string_pretty(&item)?);
            } else {
                say!("queued again (the next `bellhop sync` sends it)");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox {
            command: Some(OutboxCommand::Discard { seq }),
        } => {
            Agent::with_config(paths, config)?.discard_rejected(seq)?;
            if !cli.json {
                say!("discarded");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox {
            command: None | Some(OutboxCommand::List),
        } => {
            let agent = Agent::with_config(paths, config)?;
            let items = agent.outbox()?;
            if cli.json {
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
    }
}

fn print_report(report: &bellhop_agent::SyncReport, json: bool) -> anyhow::Result<()> {
    if json {
        say!("{}", serde_json::to_string(report)?);
        return Ok(());
    }
    say!(
        "sent {}, rejected {}, still waiting {}, fetched {}, articles updated {}",
        report.synced,
        report.rejected,
        report.waiting,
        report.pulled,
        report.articles
    );
    for notice in &report.notices {
        say!("  {}", describe_notice(notice));
    }
    if let Some(problem) = &report.problem {
        say!("stopped: {problem}");
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

pub(crate) fn status_text(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Open => "open",
        TicketStatus::AwaitingReply => "awaiting your reply",
        TicketStatus::Resolved => "resolved",
        TicketStatus::Closed => "closed",
    }
}

fn bellhop_agent_url(url: &str) -> anyhow::Result<String> {
    Ok(bellhop_agent::normalise_url(url)?)
}
