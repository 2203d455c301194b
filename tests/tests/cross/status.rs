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
