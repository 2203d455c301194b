//! Setting a device up: the server, enrolment, and the one-time identity confirmation.

use std::process::ExitCode;

use crate::{Agent, AgentConfig, Paths};
use anyhow::Context;

use crate::cli::bellhop_agent_url;
use crate::cli::terminal::{complain, say};

pub fn configure(
    paths: Paths,
    mut config: AgentConfig,
    server_url: String,
) -> anyhow::Result<ExitCode> {
    config.require_unlocked("server_url")?;
    let url = bellhop_agent_url(&server_url)?;
    crate::require_secure(&url, config.insecure)?;
    config.server_url = Some(url);
    config.save(&paths)?;
    say!("server set to {}", server_url.trim_end_matches('/'));
    Ok(ExitCode::SUCCESS)
}

pub async fn enroll(
    paths: Paths,
    config: AgentConfig,
    key: String,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let url = config.server_url.clone().ok_or_else(|| {
        anyhow::anyhow!("say which server: bellhop enroll --server URL --key KEY")
    })?;
    config.save(&paths)?;
    let agent = Agent::with_config(paths, config)?;
    let enrolled = agent
        .enroll(&key)
        .await
        .with_context(|| format!("enrolling with {url}"))?;
    if json {
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
                bellhop_proto::DeviceStatus::Pending => "waiting for a technician to activate it",
                bellhop_proto::DeviceStatus::Deactivated => "deactivated",
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn send_token(
    paths: Paths,
    config: AgentConfig,
    first_name: String,
    last_name: String,
    email: String,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    agent
        .send_identity_token(&first_name, &last_name, &email)
        .await?;
    say!("a confirmation token was sent to {email}");
    Ok(ExitCode::SUCCESS)
}

pub async fn confirm(
    paths: Paths,
    config: AgentConfig,
    email: String,
    token: String,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let user = agent.confirm_identity(&email, &token).await?;
    confirmed(&user, json)
}

/// `bellhop identity company`: the system browser (or the person, with the printed address)
/// signs in with the company account; this waits for it to come back.
pub async fn company(
    paths: Paths,
    config: AgentConfig,
    email: String,
    open_browser: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let agent = Agent::with_config(paths, config)?;
    let sign_in = agent.begin_company_sign_in(&email).await?;
    if !open_browser || open::that_detached(sign_in.url()).is_err() {
        complain!("Open this address in a browser on this computer to sign in:");
    } else {
        complain!("Your browser opened your company's sign-in page. If it did not, open:");
    }
    complain!("{}", sign_in.url());
    let user = agent.finish_company_sign_in(sign_in).await?;
    confirmed(&user, json)
}

/// Says whom the device works for now, once their identity is confirmed.
fn confirmed(user: &bellhop_proto::User, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        say!("{}", serde_json::to_string_pretty(user)?);
    } else {
        say!(
            "confirmed: this device now works for {} <{}>",
            user.name,
            user.email
        );
    }
    Ok(ExitCode::SUCCESS)
}
