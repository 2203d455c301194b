//! The service catalog the agent keeps: fetched once, then asked with its tag at every pass (the
//! server sends nothing while it is unchanged), and fetched again once the desk changes it.

use bellhop_proto::Catalog;
use bellhop_tests::RunningServer;

#[tokio::test]
async fn the_agent_keeps_the_catalog_and_fetches_it_again_only_when_it_changed()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.sync().await?;
    let kept = agent
        .catalog()?
        .ok_or_else(|| anyhow::anyhow!("no catalog kept"))?;
    let items = |c: &Catalog| {
        c.categories
            .iter()
            .flat_map(|c| c.items.iter().map(|i| i.name.text.clone()))
            .collect::<Vec<_>>()
    };
    assert!(!items(&kept).is_empty());
    // Unchanged: the pass is answered "not modified", and the copy stays.
    agent.sync().await?;
    assert_eq!(agent.catalog()?, Some(kept.clone()));

    // The desk renames an item bob is offered: the next pass brings the new words.
    let tech = server.login("tech@helpdesk.example").await?;
    let http = reqwest::Client::new();
    let mut all: Catalog = http
        .get(format!("{}/api/v1/catalog", server.url))
        .bearer_auth(&tech)
        .send()
        .await?
        .json()
        .await?;
    let item = all
        .categories
        .iter_mut()
        .flat_map(|c| c.items.iter_mut())
        .find(|i| i.orgs.is_empty())
        .ok_or_else(|| anyhow::anyhow!("no item for everyone"))?;
    item.name.text = "Renamed by the desk".into();
    http.put(format!("{}/api/v1/catalog", server.url))
        .bearer_auth(&tech)
        .json(&all)
        .send()
        .await?
        .error_for_status()?;
    agent.sync().await?;
    let fresh = agent
        .catalog()?
        .ok_or_else(|| anyhow::anyhow!("the catalog went"))?;
    assert!(
        items(&fresh).contains(&"Renamed by the desk".to_owned()),
        "{:?}",
        items(&fresh)
    );
    Ok(())
}
