//! Kill -9, of the server during a sync and of the agent during writes: nothing acknowledged is
//! lost, nothing arrives twice.

use std::collections::HashSet;
use std::time::Duration;

use bellhop_proto::{NewTicket, OutboxState, TicketSource};
use bellhop_tests::RunningServer;
use rand::Rng;

fn ticket(title: String) -> NewTicket {
    NewTicket {
        source: Some(TicketSource::Tray),
        ..NewTicket::new(title, "chaos")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_of_500_operations_survives_the_server_being_killed_at_random_moments()
-> anyhow::Result<()> {
    let mut server = RunningServer::start_demo_process().await?;
    let home = tempfile::tempdir()?;
    let agent = std::sync::Arc::new(
        server
            .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
            .await?,
    );
    for i in 0..500 {
        agent.queue_ticket(ticket(format!("chaos {i:03}")))?;
    }

    let syncing = {
        let agent = agent.clone();
        tokio::spawn(async move {
            loop {
                agent.retry_now()?;
                let report = agent.sync().await?;
                if report.waiting == 0 && report.problem.is_none() {
                    return anyhow::Ok(());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut kills = 0;
    for _ in 0..6 {
        let (up, down) = {
            let mut rng = rand::rng();
            (rng.random_range(50..400), rng.random_range(20..300))
        };
        tokio::time::sleep(Duration::from_millis(up)).await;
        if syncing.is_finished() {
            break;
        }
        server.kill()?;
        kills += 1;
        tokio::time::sleep(Duration::from_millis(down)).await;
        server.start().await?;
    }
    tokio::time::timeout(Duration::from_secs(120), syncing).await???;
    assert!(kills > 0, "the server was killed at least once mid-sync");

    let outbox = agent.outbox()?;
    assert!(outbox.iter().all(|i| i.state == OutboxState::Synced));
    let bob = server.login("bob@acme.example").await?;
    let tickets = server.tickets(&bob).await?;
    let chaos: Vec<&str> = tickets
        .iter()
        .map(|t| t.title.as_str())
        .filter(|t| t.starts_with("chaos "))
        .collect();
    let unique: HashSet<&str> = chaos.iter().copied().collect();
    assert_eq!(unique.len(), 500, "nothing missing");
    assert_eq!(chaos.len(), 500, "nothing twice");
    Ok(())
}

#[cfg(unix)]
#[test]
fn the_store_survives_the_cli_being_killed_mid_write_and_keeps_everything_acknowledged()
-> anyhow::Result<()> {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;

    use bellhop_proto::SyncOpKind;
    use bellhop_tests::workspace_binary;

    let home = tempfile::tempdir()?;
    let bellhop = workspace_binary("bellhop");
    anyhow::ensure!(bellhop.is_file(), "{} is missing", bellhop.display());
    let mut acknowledged = HashSet::new();
    for round in 0..5 {
        // One `bellhop ticket new` after another, as fast as they go, until the kill.
        let script = format!(
            "i=0; while :; do i=$((i+1)); \"$BELLHOP\" ticket new --title \"round {round} #$i\" || exit 1; done"
        );
        let mut child = std::process::Command::new("sh")
            .args(["-c", &script])
            .env("BELLHOP", &bellhop)
            .env("BELLHOP_HOME", home.path())
            .stdout(std::process::Stdio::piped())
            .process_group(0)
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let reader = std::thread::spawn(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| {
                    // "queued as outbox item 12 (op <uuid>)": printed only after the commit.
                    l.split("(op ")
                        .nth(1)
                        .map(|rest| rest.trim_end_matches(')').to_owned())
                })
                .collect::<Vec<String>>()
        });
        let wait = rand::rng().random_range(300..900);
        std::thread::sleep(Duration::from_millis(wait));
        // SIGKILL the loop and whichever `bellhop` is running, mid-write or not.
        let group = format!("-{}", child.id());
        std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .status()?;
        child.wait()?;
        let acked = reader
            .join()
            .map_err(|_| anyhow::anyhow!("reader thread"))?;
        assert!(
            !acked.is_empty(),
            "round {round}: some writes were acknowledged"
        );
        acknowledged.extend(acked);

        // The store opens cleanly and has every acknowledged operation.
        let store =
            bellhop_agent::Store::open(&bellhop_agent::Paths::under(home.path()).store_file())?;
        assert_eq!(store.integrity_check()?, "ok");
        let ops: HashSet<String> = store
            .outbox()?
            .into_iter()
            .filter(|i| matches!(i.op.op, SyncOpKind::CreateTicket { .. }))
            .map(|i| i.op.op_id.to_string())
            .collect();
        let lost: Vec<_> = acknowledged
            .iter()
            .filter(|op| !ops.contains(*op))
            .collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged but lost: {lost:?}"
        );
    }
    Ok(())
}
