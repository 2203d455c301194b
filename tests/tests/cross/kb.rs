//! The knowledge base kept on the device: fetched by a sync, searched and read with the server
//! gone (library and CLI), and kept current by the server's live `kb` signal — a new article
//! arrives, a deleted one leaves, and switching the section off for the user empties the copy.

use std::process::Command;
use std::time::Duration;

use bellhop_proto::{Article, PortalSettings, SectionRule, User};
use bellhop_tests::{RunningServer, while_watching, workspace_binary};
use serde_json::json;

async fn api(
    server: &RunningServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> anyhow::Result<reqwest::Response> {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", server.url))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await?;
    anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
    Ok(res)
}

// Two workers: the CLI runs blocking while the in-process server keeps answering it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_knowledge_base_is_searched_and_read_with_the_server_gone() -> anyhow::Result<()> {
    let mut server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    assert!(
        agent.articles("")?.is_empty(),
        "nothing before the first sync"
    );
    let report = agent.sync().await?;
    assert_eq!(report.articles, 10, "{report:?}");
    assert_eq!(
        agent.sync().await?.articles,
        0,
        "nothing changed: nothing fetched"
    );

    server.stop().await?;
    let found = agent.articles("vpn")?;
    assert_eq!(found.len(), 1, "{found:?}");
    let article = agent.article(&found[0].id)?;
    assert!(article.body_html.contains("<h1>Connect to the VPN</h1>"));
    assert!(
        agent.articles("conn VPN")?.len() == 1,
        "word prefixes, any case"
    );
    assert!(
        agent.articles("vpn zebra")?.is_empty(),
        "every word must match"
    );

    let out = Command::new(workspace_binary("bellhop"))
        .args(["--json", "kb", "search", "vpn"])
        .env("BELLHOP_HOME", home.path())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<bellhop_proto::ArticleSummary> = serde_json::from_slice(&out.stdout)?;
    assert_eq!(listed, found);
    let out = Command::new(workspace_binary("bellhop"))
        .args(["kb", "show", &found[0].id])
        .env("BELLHOP_HOME", home.path())
        .output()?;
    let text = String::from_utf8(out.stdout)?;
    assert!(
        out.status.success() && text.starts_with("Connect to the VPN\n") && !text.contains("<h1>"),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn the_copy_follows_the_desk_live_new_deleted_and_switched_off() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    let tech = server.login("tech@helpdesk.example").await?;
    let bob = server.login("bob@acme.example").await?;
    let bob_id = api(&server, &bob, reqwest::Method::GET, "/api/v1/me", None)
        .await?
        .json::<User>()
        .await?
        .id;

    // The safety pass comes only every minute: each step here rides the live `kb` signal.
    let agent = &agent;
    while_watching(agent, Duration::from_secs(15), |mut passes| async move {
        // Passes until the copy satisfies `done`.
        let mut until = async |what: &str, done: &dyn Fn() -> anyhow::Result<bool>| {
            while !done()? {
                passes
                    .next()
                    .await
                    .map_err(|e| e.context(format!("waiting for {what}")))?;
            }
            anyhow::Ok(())
        };
        until("the first copy", &|| Ok(agent.articles("")?.len() == 10)).await?;

        let created: Article = api(
            &server,
            &tech,
            reqwest::Method::POST,
            "/api/v1/kb/articles",
            Some(json!({"title": "Badge reader", "category": "Building",
                        "body_md": "Hold the **badge** flat for two seconds."})),
        )
        .await?
        .json()
        .await?;
        until("the new article", &|| {
            Ok(agent.articles("badge flat")?.len() == 1)
        })
        .await?;
        assert_eq!(agent.article(&created.id)?.title, "Badge reader");

        api(
            &server,
            &tech,
            reqwest::Method::DELETE,
            &format!("/api/v1/kb/articles/{}", created.id),
            None,
        )
        .await?;
        until("the deletion", &|| Ok(agent.articles("badge")?.is_empty())).await?;
        assert!(agent.article(&created.id).is_err());

        let settings = PortalSettings {
            knowledge_base: SectionRule {
                audience: bellhop_proto::Audience::AllBut,
                users: vec![bob_id],
                orgs: Vec::new(),
            },
            ..PortalSettings::default()
        };
        api(
            &server,
            &tech,
            reqwest::Method::PUT,
            "/api/v1/portal-settings",
            Some(serde_json::to_value(&settings)?),
        )
        .await?;
        until("the switch-off", &|| Ok(agent.articles("")?.is_empty())).await?;
        Ok(())
    })
    .await
}
