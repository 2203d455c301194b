use bellhop_agent::{Agent, AgentConfig, Paths};
use bellhop_proto::Connectivity;
use bellhop_tests::RunningServer;

#[tokio::test]
async fn the_agent_reports_online_then_offline_when_the_server_stops() -> anyhow::Result<()> {
    let mut server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server.agent(home.path())?;

    let online = agent.status().await?;
    assert_eq!(online.connectivity, Connectivity::Online, "{online:?}");
    assert_eq!(online.server.map(|s| s.database).as_deref(), Some("sqlite"));

    server.stop().await?;
    let offline = agent.status().await?;
    assert_eq!(offline.connectivity, Connectivity::Offline);
    assert!(offline.problem.is_some_and(|p| !p.is_empty()));
    Ok(())
}

#[tokio::test]
async fn an_agent_with_no_server_configured_says_so() -> anyhow::Result<()> {
    let home = tempfile::tempdir()?;
    let agent = Agent::with_config(Paths::under(home.path()), AgentConfig::default())?;
    assert_eq!(
        agent.status().await?.connectivity,
        Connectivity::NotConfigured
    );
    Ok(())
}

#[tokio::test]
async fn a_device_the_server_does_not_know_enrols_again_with_the_configured_key()
-> anyhow::Result<()> {
    let server = bellhop_tests::RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let configured = || {
        bellhop_agent::Agent::with_config(
            bellhop_agent::Paths::under(home.path()),
            bellhop_agent::AgentConfig {
                server_url: Some(server.url.clone()),
                enrolment_key: Some("acme-demo-key".into()),
                ..Default::default()
            },
        )
    };
    let agent = configured()?;
    assert!(agent.enroll_if_configured().await?, "first start enrols");
    assert!(
        !agent.enroll_if_configured().await?,
        "a known device does not enrol twice"
    );

    // A secret the server never issued: as after the server's data was reset.
    let paths = bellhop_agent::Paths::under(home.path());
    bellhop_agent::Credentials::new(&server.url, paths.data_dir.join("credentials"), false).save(
        bellhop_agent::Secret::DeviceSecret,
        "bhd_not_known_to_this_server",
    )?;
    let agent = configured()?;
    assert!(
        agent.enroll_if_configured().await?,
        "an unknown device enrols again"
    );
    assert_eq!(
        agent.device_state().await?.status,
        bellhop_proto::DeviceStatus::Active
    );
    Ok(())
}
