//! Benchmarks of the agent against a real server on loopback (BENCHMARKS.md, issue #4):
//! pushing 1,000 queued tickets, and the first pull of 10,000 tickets into a fresh store.
//! Run with `scripts/bench sync` (release build).

use std::time::Instant;

use bellhop_proto::{NewTicket, TicketSource};
use bellhop_tests::RunningServer;

fn ticket(i: usize) -> NewTicket {
    NewTicket {
        source: Some(TicketSource::Tray),
        ..NewTicket::new(
            format!("Benchmark ticket {i}"),
            "Queued by the sync benchmark.",
        )
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let writer_home = tempfile::tempdir()?;
    let writer = server
        .confirmed_agent(writer_home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;

    for i in 0..1000 {
        writer.queue_ticket(ticket(i))?;
    }
    let started = Instant::now();
    let report = writer.sync().await?;
    let push = started.elapsed();
    anyhow::ensure!(report.synced == 1000 && report.waiting == 0, "{report:?}");
    println!(
        "push of 1,000 queued tickets: {:.0} ms",
        push.as_secs_f64() * 1000.0
    );

    for i in 1000..10_000 {
        writer.queue_ticket(ticket(i))?;
    }
    let report = writer.sync().await?;
    anyhow::ensure!(report.waiting == 0, "{report:?}");

    let reader_home = tempfile::tempdir()?;
    let reader = server
        .confirmed_agent(reader_home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    let started = Instant::now();
    let (pulled, _) = reader.pull().await?;
    let pull = started.elapsed();
    anyhow::ensure!(pulled >= 10_000, "pulled {pulled}");
    println!(
        "first pull of {pulled} tickets into a fresh store: {:.0} ms",
        pull.as_secs_f64() * 1000.0
    );
    Ok(())
}
