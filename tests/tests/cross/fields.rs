//! The desk's ticket types and custom fields through the `bellhop` CLI: listed from the last
//! sync, typed values read by each field's kind, kept in a draft that is edited and sent, and
//! arriving on the server as typed.

use std::process::{Command, Output};

use bellhop_proto::FieldValue;
use bellhop_tests::{RunningServer, workspace_binary};

fn bellhop(home: &std::path::Path, url: &str, args: &[&str]) -> anyhow::Result<Output> {
    Ok(Command::new(workspace_binary("bellhop"))
        .arg("--server")
        .arg(url)
        .args(args)
        .env("BELLHOP_HOME", home)
        .output()?)
}

fn ok(out: Output) -> anyhow::Result<String> {
    anyhow::ensure!(
        out.status.success(),
        "bellhop failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

// Two workers: the CLI runs blocking while the in-process server keeps answering it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_with_type_and_custom_fields_is_edited_with_the_cli_and_arrives_as_typed()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.sync().await?;
    let (home, url) = (home.path(), server.url.as_str());

    let listed = ok(bellhop(home, url, &["ticket", "fields"])?)?;
    assert!(
        listed.contains("incident") && listed.contains("asset_tag"),
        "{listed}"
    );
    assert!(
        !listed.contains("cost_centre"),
        "the desk's own field is not offered: {listed}"
    );

    // Values that do not fit their field are refused before anything is kept.
    for bad in [
        vec!["--field", "needed_by=tomorrow"],
        vec!["--field", "nope=1"],
        vec!["--type", "complaint"],
        vec!["--field", "affected=Half the planet"],
    ] {
        let mut args = vec!["ticket", "new", "--title", "Bad", "--draft"];
        args.extend(bad.iter().copied());
        let out = bellhop(home, url, &args)?;
        assert!(!out.status.success(), "{bad:?} was accepted");
        assert!(!out.stderr.is_empty(), "{bad:?}: no reason given");
    }
    assert!(agent.drafts()?.is_empty());

    let saved = ok(bellhop(
        home,
        url,
        &[
            "--json",
            "ticket",
            "new",
            "--title",
            "Dock flickers",
            "--type",
            "incident",
            "--field",
            "asset_tag=A-1",
            "--field",
            "affected=My team",
            "--draft",
        ],
    )?)?;
    let draft: bellhop_proto::Draft = serde_json::from_str(&saved)?;
    ok(bellhop(
        home,
        url,
        &[
            "drafts",
            "edit",
            &draft.id,
            "--field",
            "asset_tag=A-2",
            "--field",
            "needed_by=2026-12-01",
            "--field",
            "affected=",
        ],
    )?)?;
    let shown = ok(bellhop(home, url, &["drafts", "show", &draft.id])?)?;
    assert!(
        shown.contains("A-2") && shown.contains("incident"),
        "{shown}"
    );
    ok(bellhop(home, url, &["drafts", "submit", &draft.id])?)?;
    ok(bellhop(home, url, &["sync"])?)?;

    let tech = server.login("tech@helpdesk.example").await?;
    let tickets = server.tickets(&tech).await?;
    let ticket = tickets
        .iter()
        .find(|t| t.title == "Dock flickers")
        .ok_or_else(|| anyhow::anyhow!("the ticket did not arrive"))?;
    assert_eq!(
        tickets
            .iter()
            .filter(|t| t.title == "Dock flickers")
            .count(),
        1
    );
    assert_eq!(ticket.ticket_type.as_deref(), Some("incident"));
    assert_eq!(
        ticket.custom_fields,
        [
            ("asset_tag".to_owned(), FieldValue::Text("A-2".into())),
            (
                "needed_by".to_owned(),
                FieldValue::Text("2026-12-01".into())
            ),
        ]
        .into()
    );
    Ok(())
}
