//! `bellhop`: the agent's command line, for IT admins, scripts and tests. Built as its own
//! program (`src/bin/bellhop.rs`), and run by the desktop app when it is started under that name
//! (the Linux and macOS packages install `bellhop` as a link to the app: one binary for both).
//!
//! Exit codes: 0 success; 1 failure; 2 usage error (clap); 3 the server is unreachable (for
//! `status`, and `sync` when something is still waiting); 4 no such ticket here.

use std::process::ExitCode;

use crate::{AgentConfig, Paths};
use bellhop_proto::{NoticeKind, TicketStatus};
use clap::{Parser, Subcommand};

mod compose;
mod outbox;
mod report;
mod setup;
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
    /// Show every setting, its value, and where it came from: the organisation (locked), the
    /// environment, your agent.toml, your choice in the app, or the default.
    Config,
    /// The service desk as the app shows it: its name, how to reach it, its links, whether the
    /// tray icon shows (as last heard from the server; `bellhop sync` asks again).
    Brand,
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
    /// Confirm with your company account instead (when your organisation has company sign-in):
    /// the system browser opens the sign-in page, and this waits until it is done.
    Company {
        #[arg(long)]
        email: String,
        /// Print the address instead of opening the browser (open it yourself, on this
        /// computer).
        #[arg(long)]
        no_browser: bool,
    },
}

/// Runs the command line with this process's arguments; what the process should exit with.
pub fn main() -> ExitCode {
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
    let mut overridden = Vec::new();
    if let Some(url) = &cli.server {
        config.require_unlocked("server_url")?;
        config.server_url = Some(bellhop_agent_url(url)?);
        overridden.push("server_url");
    }
    if cli.insecure {
        config.require_unlocked("insecure")?;
        config.insecure = true;
        overridden.push("insecure");
    }
    match cli.command {
        Command::Configure { server_url } => setup::configure(paths, config, server_url),
        Command::Enroll { key } => setup::enroll(paths, config, key, cli.json).await,
        Command::Identity(IdentityCommand::SendToken {
            first_name,
            last_name,
            email,
        }) => setup::send_token(paths, config, first_name, last_name, email).await,
        Command::Identity(IdentityCommand::Confirm { email, token }) => {
            setup::confirm(paths, config, email, token, cli.json).await
        }
        Command::Identity(IdentityCommand::Company { email, no_browser }) => {
            setup::company(paths, config, email, !no_browser, cli.json).await
        }
        Command::Sync { watch: false } => report::sync_once(paths, config, cli.json).await,
        Command::Sync { watch: true } => report::sync_watch(paths, config, cli.json).await,
        Command::Tickets { command } => tickets::tickets(paths, config, command, cli.json).await,
        Command::Drafts { command } => compose::drafts(paths, config, command, cli.json),
        Command::Ticket(command) => compose::ticket(paths, config, command, cli.json).await,
        Command::Status => report::status(paths, config, cli.json).await,
        Command::Config => report::config(paths, config, &overridden, cli.json),
        Command::Brand => report::brand(paths, config, cli.json),
        Command::Kb { command } => outbox::kb(paths, config, command, cli.json),
        Command::Outbox {
            command: Some(OutboxCommand::Edit { seq }),
        } => outbox::edit(paths, config, seq, cli.json),
        Command::Outbox {
            command: Some(OutboxCommand::Resend { seq }),
        } => outbox::resend(paths, config, seq, cli.json),
        Command::Outbox {
            command: Some(OutboxCommand::Discard { seq }),
        } => outbox::discard(paths, config, seq, cli.json),
        Command::Outbox {
            command: None | Some(OutboxCommand::List),
        } => outbox::list(paths, config, cli.json),
    }
}

fn print_report(report: &crate::SyncReport, json: bool) -> anyhow::Result<()> {
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

fn status_text(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Open => "open",
        TicketStatus::AwaitingReply => "awaiting your reply",
        TicketStatus::Resolved => "resolved",
        TicketStatus::Closed => "closed",
    }
}

fn bellhop_agent_url(url: &str) -> anyhow::Result<String> {
    Ok(crate::normalise_url(url)?)
}
