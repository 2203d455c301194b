//! Settings the organisation manages: an agent enrols itself from them and reports its version
//! and channel; they win over the user's own, cannot be changed, and `bellhop config` says where
//! each value came from.

use std::process::Command;

use bellhop_agent::managed::{Managed, ManagedSettings};
use bellhop_agent::{Agent, AgentConfig, Paths};
use bellhop_proto::{AppSetting, Language, SettingSource, UpdateChannel};
use bellhop_tests::{RunningServer, workspace_binary};

/// Runs `bellhop ARGS` with every file under `home` and the managed file `managed`.
fn bellhop(
    home: &std::path::Path,
    managed: &std::path::Path,
    args: &[&str],
) -> anyhow::Result<(bool, String, String)> {
    let out = Command::new(workspace_binary("bellhop"))
        .args(args)
        .env("BELLHOP_HOME", home)
        .env("BELLHOP_MANAGED_CONFIG", managed)
        .env_remove("BELLHOP_SERVER_URL")
        .env_remove("BELLHOP_LOW_MEMORY")
        .output()?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

fn setting<'a>(settings: &'a [AppSetting], name: &str) -> anyhow::Result<&'a AppSetting> {
    settings
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| anyhow::anyhow!("no {name} in {settings:?}"))
}

#[tokio::test]
async fn an_agent_enrols_itself_from_managed_settings_and_reports_its_version() -> anyhow::Result<()>
{
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let paths = Paths::under(home.path());
    // The user's own file names another server: the managed one wins.
    std::fs::create_dir_all(&paths.config_dir)?;
    std::fs::write(paths.config_file(), "server_url = \"http://127.0.0.1:9\"\n")?;
    let managed = ManagedSettings {
        values: Managed {
            server_url: Some(server.url.clone()),
            enrolment_key: Some("acme-demo-key".into()),
            language: Some(Language::It),
            update_channel: Some(UpdateChannel::Beta),
            hotkey: Some("Ctrl+Shift+F9".into()),
            ..Managed::default()
        },
        origin: Some("/etc/bellhop/agent.toml".into()),
    };
    let config = AgentConfig::load_under(&paths, managed)?;
    assert_eq!(config.server_url.as_deref(), Some(server.url.as_str()));
    let agent = Agent::with_config(paths.clone(), config)?;
    assert!(agent.enroll_if_configured().await?, "it enrols itself");
    assert!(!agent.enroll_if_configured().await?, "once");

    // Locked: the app's choices are refused, and what the organisation chose stands.
    assert_eq!(agent.language()?, Language::It);
    let refused = agent
        .set_language(Language::De)
        .err()
        .map(|e| e.to_string());
    assert!(
        refused
            .as_deref()
            .is_some_and(|e| e.contains("set by your organisation")),
        "{refused:?}"
    );
    assert!(agent.set_hotkey(Some("Ctrl+F1")).is_err());
    assert_eq!(agent.hotkey()?.as_deref(), Some("Ctrl+Shift+F9"));
    // What it does not manage stays the user's.
    agent.set_quick_window_ready(false)?;
    assert!(!agent.quick_window_ready()?);

    // Saving the connection keeps the user's file as it was for what is managed.
    agent.config().save(&paths)?;
    let own = std::fs::read_to_string(paths.config_file())?;
    assert!(
        own.contains("http://127.0.0.1:9") && !own.contains("acme-demo-key"),
        "{own}"
    );

    // The server hears its version and channel.
    agent.report_facts(None).await?;
    let tech = server.login("tech@helpdesk.example").await?;
    let http = reqwest::Client::new();
    let devices = server
        .call(
            &http,
            &tech,
            reqwest::Method::GET,
            "/devices",
            serde_json::json!(null),
        )
        .await?;
    let ours = devices
        .as_array()
        .and_then(|d| d.iter().find(|d| d["facts"]["update_channel"] == "beta"))
        .ok_or_else(|| anyhow::anyhow!("no device on beta in {devices}"))?;
    assert_eq!(ours["facts"]["agent_version"], bellhop_agent::app_version());
    Ok(())
}

#[test]
fn the_cli_says_where_each_value_came_from_and_refuses_to_change_a_locked_one() -> anyhow::Result<()>
{
    let home = tempfile::tempdir()?;
    let managed = home.path().join("managed.toml");
    std::fs::write(
        &managed,
        "server_url = \"http://127.0.0.1:8\"\nlanguage = \"ru\"\nlow_memory = true\n",
    )?;
    let (ok, out, err) = bellhop(home.path(), &managed, &["--json", "config"])?;
    assert!(ok, "{err}");
    let settings: Vec<AppSetting> = serde_json::from_str(&out)?;
    let url = setting(&settings, "server_url")?;
    assert_eq!(url.value.as_deref(), Some("http://127.0.0.1:8"));
    assert_eq!(url.source, SettingSource::Managed);
    assert_eq!(url.origin.as_deref(), managed.to_str());
    assert_eq!(setting(&settings, "language")?.value.as_deref(), Some("ru"));
    assert_eq!(
        setting(&settings, "language")?.source,
        SettingSource::Managed
    );
    assert_eq!(
        setting(&settings, "low_memory")?.value.as_deref(),
        Some("true")
    );
    assert_eq!(setting(&settings, "hotkey")?.source, SettingSource::Default);
    assert_eq!(
        setting(&settings, "update_channel")?.value.as_deref(),
        Some("stable")
    );
    assert_eq!(setting(&settings, "enrolment_key")?.value, None);

    // The user cannot point a managed agent elsewhere.
    let (ok, _, err) = bellhop(
        home.path(),
        &managed,
        &["configure", "--server-url", "http://127.0.0.1:7"],
    )?;
    assert!(!ok && err.contains("set by your organisation"), "{err}");
    let (ok, _, err) = bellhop(
        home.path(),
        &managed,
        &["--server", "http://127.0.0.1:7", "status"],
    )?;
    assert!(!ok && err.contains("set by your organisation"), "{err}");

    // Without the managed file, the user's own file, then the defaults.
    let nothing = home.path().join("none.toml");
    let (ok, _, err) = bellhop(
        home.path(),
        &nothing,
        &["configure", "--server-url", "http://127.0.0.1:7"],
    )?;
    assert!(ok, "{err}");
    let (ok, out, err) = bellhop(home.path(), &nothing, &["config"])?;
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("server_url"))
        .unwrap_or_default();
    assert!(
        line.contains("http://127.0.0.1:7") && line.contains("your agent.toml"),
        "{out}"
    );
    let line = out
        .lines()
        .find(|l| l.starts_with("language"))
        .unwrap_or_default();
    assert!(line.contains("default"), "{out}");

    // A managed file that cannot be read is said, not ignored.
    std::fs::write(&managed, "language = \"klingon\"\n")?;
    let (ok, _, err) = bellhop(home.path(), &managed, &["config"])?;
    assert!(!ok && err.contains("managed.toml"), "{err}");
    Ok(())
}
