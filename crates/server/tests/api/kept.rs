//! What the server keeps in memory (ticket lists, sessions) never hides a write: at once on
//! SQLite and for this instance's writes, within a notification's delivery for another
//! PostgreSQL instance or program.

use bellhop_proto::{Ticket, TicketStatus};
use serde_json::json;

use crate::helpers::{on_postgres, spawn_app, spawn_app_with, spawn_on_postgres};

#[tokio::test]
async fn a_list_asked_again_shows_every_change_made_in_between() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let ticket = app.create_ticket(&bob, "Printer jams").await?;
    let status_of = |tickets: Vec<Ticket>| {
        tickets
            .into_iter()
            .find(|t| t.id == ticket.id)
            .map(|t| (t.title, t.status))
    };
    let first = app.tickets(&bob).await?;
    assert_eq!(first, app.tickets(&bob).await?, "nothing changed");
    assert_eq!(
        status_of(first),
        Some(("Printer jams".into(), TicketStatus::Open))
    );

    // Someone else's write through the server.
    let reply = json!({"id": uuid::Uuid::now_v7(), "body": "Which tray?"});
    app.post(
        &tech,
        &format!("/api/v1/tickets/{}/comments", ticket.id),
        &reply,
    )
    .await?
    .error_for_status()?;
    assert_eq!(
        status_of(app.tickets(&bob).await?),
        Some(("Printer jams".into(), TicketStatus::AwaitingReply))
    );

    // A write to the database by another program, not through this server.
    sqlx::any::install_default_drivers();
    let url = app.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            app.dir.path().join("bellhop.sqlite3").display()
        )
    });
    let mut outside = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await?;
    sqlx::query("UPDATE tickets SET title = 'Printer jams (outside)' WHERE id = $1")
        .bind(ticket.id.to_string())
        .execute(&mut outside)
        .await?;
    // SQLite's readers see it at once. A PostgreSQL instance hears of it by notification, which
    // takes a moment, as a write through another instance does.
    let patience = std::time::Instant::now()
        + if on_postgres() {
            std::time::Duration::from_secs(2)
        } else {
            std::time::Duration::ZERO
        };
    let mut seen = status_of(app.tickets(&bob).await?);
    while seen
        .as_ref()
        .is_some_and(|(title, _)| title == "Printer jams")
        && std::time::Instant::now() < patience
    {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        seen = status_of(app.tickets(&bob).await?);
    }
    assert_eq!(
        seen,
        Some(("Printer jams (outside)".into(), TicketStatus::AwaitingReply))
    );
    // Each caller has their own pages: the desk's list is not bob's.
    assert!(app.tickets(&tech).await?.len() > app.tickets(&bob).await?.len());
    Ok(())
}

/// On PostgreSQL an instance keeps lists and sessions until it hears of a commit, which every
/// table announces: a table without the trigger would let kept pages miss its writes.
#[tokio::test]
async fn on_postgresql_every_table_announces_its_commits() -> anyhow::Result<()> {
    // The server made the database and keeps it until the end.
    let Some((_server, url)) = spawn_on_postgres().await? else {
        return Ok(());
    };
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await?;
    let silent: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables
         WHERE schemaname = current_schema() AND tablename <> '_sqlx_migrations'
           AND tablename NOT IN (SELECT event_object_table FROM information_schema.triggers
                                 WHERE trigger_name = 'bellhop_committed')",
    )
    .fetch_all(&mut db)
    .await?;
    assert!(silent.is_empty(), "tables without the trigger: {silent:?}");
    let tables: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()")
            .fetch_one(&mut db)
            .await?;
    assert!(
        tables > 20,
        "only {tables} tables: the query looks in the wrong place"
    );
    Ok(())
}

/// A list kept by one PostgreSQL instance follows a write made through another.
#[tokio::test]
async fn on_postgresql_a_list_follows_a_write_through_another_instance() -> anyhow::Result<()> {
    let Some((first, url)) = spawn_on_postgres().await? else {
        return Ok(());
    };
    let second = spawn_app_with(|s| s.database_url = Some(url)).await?;
    let bob_first = first.login("bob@acme.example").await?;
    let bob_second = second.login("bob@acme.example").await?;
    let before = second.tickets(&bob_second).await?;
    assert_eq!(before, second.tickets(&bob_second).await?, "kept");
    let made = first.create_ticket(&bob_first, "Made on the first").await?;
    let patience = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let now = second.tickets(&bob_second).await?;
        if now.iter().any(|t| t.id == made.id) {
            assert_eq!(now.len(), before.len() + 1);
            break;
        }
        assert!(
            std::time::Instant::now() < patience,
            "the second instance still lists what it kept"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // Signing out on the first ends the session on the second as well.
    assert_eq!(second.get(&bob_first, "/api/v1/me").await?.status(), 200);
    first
        .post(&bob_first, "/api/v1/auth/logout", &json!({}))
        .await?
        .error_for_status()?;
    let patience = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while second.get(&bob_first, "/api/v1/me").await?.status() != 401 {
        assert!(
            std::time::Instant::now() < patience,
            "a signed-out session still works on the second instance"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    Ok(())
}
