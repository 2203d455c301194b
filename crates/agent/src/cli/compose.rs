//! `bellhop ticket new` and `bellhop drafts`: writing a ticket, with the desk's ticket type and
//! custom fields (read by each field's kind from the portal settings of the last sync), sending it
//! or keeping it as a draft to finish later.

use crate::cli::terminal::{complain, say};
use std::process::ExitCode;

use crate::{Agent, AgentConfig, Paths};
use anyhow::Context;
use bellhop_proto::{
    CustomFieldAccess, FieldValue, MyPortal, NewTicket, TicketFields, TicketForm, TicketSource,
};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Queue a new ticket (works offline: it is sent when the server is reachable).
    New {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        #[command(flatten)]
        fields: FieldArgs,
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
    /// The ticket types and custom fields the desk offers (as of the last sync).
    Fields,
}

/// The desk's ticket type and custom fields, as typed on the command line.
#[derive(Debug, Args)]
pub struct FieldArgs {
    /// The ticket type's key (see `bellhop ticket fields`).
    #[arg(long = "type", value_name = "KEY")]
    ticket_type: Option<String>,
    /// A custom field's value (repeatable), e.g. `--field asset_tag=A-1042`.
    #[arg(long = "field", value_name = "KEY=VALUE")]
    field: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum DraftsCommand {
    List,
    Show {
        id: String,
    },
    /// Change a draft: what is given replaces what it had, the rest is kept.
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Send it: it becomes a queued ticket.
    Submit {
        id: String,
    },
    Discard {
        id: String,
    },
}

/// A custom value as a person reads it.
pub fn show_value(value: &FieldValue) -> String {
    match value {
        FieldValue::Checkbox(true) => "yes".into(),
        FieldValue::Checkbox(false) => "no".into(),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Text(s) => s.clone(),
    }
}

/// The desk's fields from the last sync; before any sync there are none to check against.
fn desk_fields(agent: &Agent) -> anyhow::Result<TicketFields> {
    Ok(agent
        .portal()?
        .map(|p: MyPortal| p.ticket_fields)
        .unwrap_or_default())
}

/// Applies `--type` and `--field` to a form, each value read as its field's kind.
fn apply_fields(desk: &TicketFields, args: FieldArgs, form: &mut TicketForm) -> anyhow::Result<()> {
    if let Some(kind) = args.ticket_type {
        if !kind.is_empty() && !desk.types.iter().any(|t| t.key == kind) {
            let known: Vec<&str> = desk.types.iter().map(|t| t.key.as_str()).collect();
            anyhow::bail!(
                "no ticket type {kind:?}; the desk offers: {} (see `bellhop ticket fields`)",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            );
        }
        form.ticket_type = Some(kind).filter(|k| !k.is_empty());
    }
    for pair in args.field {
        let (key, typed) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--field takes KEY=VALUE, not {pair:?}"))?;
        let field = desk.field(key.trim()).ok_or_else(|| {
            anyhow::anyhow!(
                "no custom field {key:?} (see `bellhop ticket fields`; `bellhop sync` fetches them)"
            )
        })?;
        if typed.trim().is_empty() {
            form.custom_fields.remove(&field.key);
            continue;
        }
        let value = TicketFields::parse_value(field, typed)?;
        form.custom_fields.insert(field.key.clone(), value);
    }
    Ok(())
}

pub async fn ticket(
    paths: Paths,
    config: AgentConfig,
    command: TicketCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let TicketCommand::New {
        title,
        description,
        fields,
        attach,
        screenshot,
        draft,
    } = command
    else {
        print_fields(&desk_fields(&agent)?, json)?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut form = TicketForm {
        title,
        description,
        ..TicketForm::default()
    };
    apply_fields(&desk_fields(&agent)?, fields, &mut form)?;
    if draft {
        let draft = agent.save_draft(None, &form)?;
        if json {
            say!("{}", serde_json::to_string_pretty(&draft)?);
        } else {
            say!("saved as draft {}", draft.id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut files = Vec::new();
    if screenshot {
        for (i, shot) in crate::capture::capture_all()?.iter().enumerate() {
            let png = crate::capture::encode_png(&shot.image)?;
            files.push((format!("screenshot-{}.png", i + 1), png));
        }
    }
    files.extend(read_files(&attach)?);
    let item = agent
        .send_ticket(
            NewTicket {
                source: Some(TicketSource::Tray),
                ..form.into_ticket()
            },
            crate::Outgoing::files(files),
        )
        .context("queueing the ticket")?;
    if json {
        say!("{}", serde_json::to_string_pretty(&item)?);
    } else {
        say!("queued as outbox item {} (op {})", item.seq, item.op.op_id);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_fields(desk: &TicketFields, json: bool) -> anyhow::Result<()> {
    if json {
        say!("{}", serde_json::to_string_pretty(desk)?);
        return Ok(());
    }
    if desk.types.is_empty() && desk.custom.is_empty() {
        say!("no ticket types or custom fields (or not synced yet: `bellhop sync`)");
        return Ok(());
    }
    for t in &desk.types {
        say!("type   {:<20} {}", t.key, t.name);
    }
    for f in desk
        .custom
        .iter()
        .filter(|f| f.access == CustomFieldAccess::Editable)
    {
        let kind = serde_json::to_value(f.kind)?;
        let mut about = format!("{} ({})", f.label, kind.as_str().unwrap_or_default());
        if !f.options.is_empty() {
            about += &format!(": {}", f.options.join(" | "));
        }
        if f.required {
            about += ", required";
        }
        say!("field  {:<20} {about}", f.key);
    }
    Ok(())
}

pub fn drafts(
    paths: Paths,
    config: AgentConfig,
    command: Option<DraftsCommand>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let outcome = match command.unwrap_or(DraftsCommand::List) {
        DraftsCommand::List => agent.drafts().map(|drafts| {
            if json {
                return print_json(&drafts);
            }
            if drafts.is_empty() {
                say!("no drafts");
            }
            for d in drafts {
                say!(
                    "{}  {}  {}",
                    d.id,
                    d.updated_at,
                    crate::cli::terminal::line(&d.form.title)
                );
            }
            Ok(())
        }),
        DraftsCommand::Show { id } => agent.draft(&id).map(|d| {
            if json {
                return print_json(&d);
            }
            say!("{}", d.form.title);
            if let Some(kind) = &d.form.ticket_type {
                say!("type      {kind}");
            }
            for (key, value) in &d.form.custom_fields {
                say!("{key:<9} {}", show_value(value));
            }
            say!("\n{}", d.form.description);
            Ok(())
        }),
        DraftsCommand::Edit {
            id,
            title,
            description,
            fields,
        } => match agent.draft(&id) {
            Ok(d) => {
                let mut form = d.form;
                form.title = title.unwrap_or(form.title);
                form.description = description.unwrap_or(form.description);
                apply_fields(&desk_fields(&agent)?, fields, &mut form)?;
                agent.save_draft(Some(&id), &form).map(|d| {
                    if json {
                        return print_json(&d);
                    }
                    say!("saved draft {}", d.id);
                    Ok(())
                })
            }
            Err(e) => Err(e),
        },
        DraftsCommand::Submit { id } => agent.submit_draft(&id).map(|item| {
            if json {
                return print_json(&item);
            }
            say!("queued as outbox item {} (op {})", item.seq, item.op.op_id);
            Ok(())
        }),
        DraftsCommand::Discard { id } => agent.discard_draft(&id).map(|()| {
            if !json {
                say!("discarded draft {id}");
            }
            Ok(())
        }),
    };
    match outcome {
        Ok(printed) => printed.map(|()| ExitCode::SUCCESS),
        Err(crate::Error::NotFound(m)) => {
            complain!("bellhop: {m}");
            Ok(ExitCode::from(4))
        }
        Err(e) => Err(e.into()),
    }
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    say!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The files given with `--attach`, as (name, bytes).
pub fn read_files(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
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
