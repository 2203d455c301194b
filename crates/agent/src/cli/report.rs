//! Where the agent stands (`status`) and syncing it (`sync`, `sync --watch`).

use std::process::ExitCode;

use crate::{Agent, AgentConfig, Paths};
use bellhop_proto::Connectivity;

use crate::cli::print_report;
use crate::cli::terminal::{self, complain, say};

pub async fn sync_once(paths: Paths, config: AgentConfig, json: bool) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    agent.retry_now()?;
    let report = agent.sync().await?;
    print_report(&report, json)?;
    Ok(if report.problem.is_some() {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

pub async fn sync_watch(paths: Paths, config: AgentConfig, json: bool) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    agent.retry_now()?;
    // What the person at the computer would see in the app: the countdown, the start, the end.
    agent.on_action(move |action| {
        if json {
            if let Ok(line) = serde_json::to_string(&action) {
                say!("{line}");
            }
        } else {
            say!(
                "action {} ({}, asked by {}): {}{}",
                action.id,
                action.kind.as_str(),
                action.asked_by,
                serde_json::to_value(action.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                action
                    .detail
                    .as_deref()
                    .map(|d| format!(" — {d}"))
                    .unwrap_or_default()
            );
        }
    });
    let wake = tokio::sync::Notify::new();
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

pub async fn status(paths: Paths, config: AgentConfig, json: bool) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let status = agent.status().await?;
    if json {
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

/// `bellhop config`: every setting, its value and where it came from.
/// The brand kept: Bellhop's until the server was asked once.
pub fn brand(paths: Paths, config: AgentConfig, json: bool) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let brand = agent
        .brand()?
        .unwrap_or_else(|| bellhop_proto::BrandSettings::default().brand());
    if json {
        say!("{}", serde_json::to_string_pretty(&brand)?);
        return Ok(ExitCode::SUCCESS);
    }
    say!("name      {}", brand.name);
    if let Some(phone) = &brand.phone {
        say!("phone     {phone}");
    }
    if let Some(email) = &brand.email {
        say!("email     {email}");
    }
    for link in &brand.links {
        say!("link      {} <{}>", link.label, link.url);
    }
    say!(
        "tray icon {}",
        if brand.tray_icon { "shown" } else { "hidden" }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn config(
    paths: Paths,
    config: AgentConfig,
    overridden: &[&str],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let settings = agent.settings(overridden)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&settings)?);
        return Ok(ExitCode::SUCCESS);
    }
    for setting in &settings {
        let source = match setting.source {
            bellhop_proto::SettingSource::Managed => "managed, locked",
            bellhop_proto::SettingSource::Environment => "environment",
            bellhop_proto::SettingSource::UserFile => "your agent.toml",
            bellhop_proto::SettingSource::UserChoice => "your choice",
            bellhop_proto::SettingSource::Default => "default",
        };
        let origin = setting
            .origin
            .as_deref()
            .map(|o| format!(": {o}"))
            .unwrap_or_default();
        say!(
            "{:<22} {:<28} ({source}{origin})",
            setting.name,
            setting.value.as_deref().unwrap_or("(not set)")
        );
    }
    Ok(ExitCode::SUCCESS)
}
