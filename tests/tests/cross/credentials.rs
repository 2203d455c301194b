//! The device credential: rotated by the agent without the person noticing, and forgotten when
//! the desk (or the person) revokes it, so the app asks to confirm the identity again.

use bellhop_tests::RunningServer;

/// The user credential the agent under `home` keeps (every secret is in a file there).
fn kept_credential(home: &std::path::Path) -> anyhow::Result<String> {
    let mut found = None;
    for server in std::fs::read_dir(home.join("data").join("credentials"))? {
        let file = server?.path().join("user-credential");
        if file.is_file() {
            found = Some(std::fs::read_to_string(file)?.trim().to_owned());
        }
    }
    found.ok_or_else(|| anyhow::anyhow!("no user credential kept"))
}

async fn me_status(server: &RunningServer, token: &str) -> anyhow::Result<u16> {
    Ok(reqwest::Client::new()
        .get(format!("{}/api/v1/me", server.url))
        .bearer_auth(token)
        .send()
        .await?
        .status()
        .as_u16())
}

#[tokio::test]
async fn the_agent_rotates_its_credential_unnoticed_and_a_copy_of_the_old_one_stops_working()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    let old = kept_credential(home.path())?;
    let now = jiff::Timestamp::now().as_millisecond();
    assert!(
        !agent.rotate_credential_if_due(now).await?,
        "a credential just issued is kept"
    );
    let week_later = now + bellhop_agent::ROTATE_CREDENTIAL_EVERY.as_millis() as i64 + 1;
    assert!(agent.rotate_credential_if_due(week_later).await?);
    let new = kept_credential(home.path())?;
    assert_ne!(new, old);
    // The person notices nothing: the next sync works, with the new credential...
    let report = agent.sync().await?;
    assert_eq!(report.problem, None);
    assert!(agent.confirmed_user()?.is_some());
    // ...and from then on a copy of the old one is refused.
    assert_eq!(me_status(&server, &old).await?, 401);
    assert_eq!(me_status(&server, &new).await?, 200);
    Ok(())
}

#[tokio::test]
async fn signed_out_everywhere_the_agent_forgets_its_credential_and_asks_who_is_there()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.sync().await?;
    let session = server.login("bob@acme.example").await?;
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/sign-out-everywhere", server.url))
        .bearer_auth(&session)
        .send()
        .await?;
    assert_eq!(res.status(), 204);
    assert!(agent.sync().await.is_err(), "the credential is refused");
    assert_eq!(
        agent.confirmed_user()?,
        None,
        "the app asks to confirm again"
    );
    assert!(kept_credential(home.path()).is_err(), "nothing kept");
    // Confirming again brings it back.
    agent
        .send_identity_token("Bob", "Baker", "bob@acme.example")
        .await?;
    let token = server.identity_token_for("bob@acme.example").await?;
    agent.confirm_identity("bob@acme.example", &token).await?;
    assert_eq!(agent.sync().await?.problem, None);
    Ok(())
}
