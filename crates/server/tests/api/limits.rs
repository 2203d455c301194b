//! Floods and slow clients: a client that trickles its headers or body is cut off, connections
//! and live streams are bounded, a shutdown does not wait forever, and nothing of it costs a
//! 500.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{expect_error, spawn_app, spawn_app_with};

/// Reads until the server closes the connection (or `within` passes); what it sent.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> anyhow::Result<String> {
    let mut seen = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut seen))
        .await
        .map_err(|_| anyhow::anyhow!("the server kept the connection open"))??;
    Ok(String::from_utf8_lossy(&seen).into_owned())
}

fn host_of(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_disconnected() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.header_read_timeout = Duration::from_millis(500)).await?;
    let mut stream = TcpStream::connect(host_of(&app.base)).await?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await?;
    // The rest of the headers never comes: the server hangs up on its own.
    read_until_closed(&mut stream, Duration::from_secs(10)).await?;
    // A well-behaved client is served as before.
    let res = app.http.get(app.url("/healthz")).send().await?;
    assert_eq!(res.status(), 200);
    Ok(())
}

#[tokio::test]
async fn a_request_whose_body_never_arrives_ends_with_408_and_a_json_body() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.request_timeout = Duration::from_millis(500)).await?;
    let mut stream = TcpStream::connect(host_of(&app.base)).await?;
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"email\":",
        )
        .await?;
    let answer = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    let answer = match answer {
        Ok(answer) => answer,
        // A connection kept alive after the answer: read what came.
        Err(_) => {
            let mut buf = vec![0; 4096];
            let n = stream.read(&mut buf).await?;
            String::from_utf8_lossy(&buf[..n]).into_owned()
        }
    };
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"unavailable\""), "{answer}");
    Ok(())
}

#[tokio::test]
async fn connections_past_the_limit_wait_until_one_closes() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.max_connections = 2).await?;
    let host = host_of(&app.base);
    // Two idle connections take every slot.
    let first = TcpStream::connect(&host).await?;
    let second = TcpStream::connect(&host).await?;
    let mut third = TcpStream::connect(&host).await?;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await?;
    let mut buf = vec![0; 1024];
    let early = tokio::time::timeout(Duration::from_millis(300), third.read(&mut buf)).await;
    assert!(early.is_err(), "answered while every slot was taken");
    drop(first);
    drop(second);
    let answer = read_until_closed(&mut third, Duration::from_secs(10)).await?;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    Ok(())
}

#[tokio::test]
async fn one_person_holds_a_bounded_number_of_live_streams() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.max_streams_per_person = 2).await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let mut open = Vec::new();
    for _ in 0..2 {
        let res = app.get(&bob, "/api/v1/events").await?;
        assert_eq!(res.status(), 200);
        open.push(res);
    }
    let res = app.get(&bob, "/api/v1/events").await?;
    let retry = res.headers().get("retry-after").cloned();
    assert_eq!(expect_error(res, 429).await?, "rate_limited");
    assert!(retry.is_some());
    let res = app.get(&alice, "/api/v1/events").await?;
    assert_eq!(res.status(), 200, "someone else's streams are their own");
    drop(open);
    Ok(())
}

#[tokio::test]
async fn a_shutdown_waits_for_requests_in_flight_at_most_its_grace() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = bellhop_server::config::Settings::ephemeral(dir.path());
    settings.demo = true;
    settings.shutdown_grace = Duration::from_millis(500);
    settings.upload_timeout = Duration::from_secs(3600);
    if crate::helpers::on_postgres() {
        // The rule is the same on either database; SQLite keeps this test quick.
        settings.database_url = None;
    }
    let server = bellhop_server::app::Server::start(settings).await?;
    let host = server.addr().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    // An upload that never finishes sending its body holds a request open.
    let mut slow = TcpStream::connect(&host).await?;
    slow.write_all(
        b"PUT /api/v1/attachments/0000000000000000000000000000000000000000000000000000000000000000 \
          HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc",
    )
    .await?;
    let _ = stop.send(());
    let ended = tokio::time::timeout(Duration::from_secs(10), running).await;
    assert!(
        matches!(ended, Ok(Ok(Ok(())))),
        "the server stopped after its grace: {ended:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_demo_world_stays_on_loopback_unless_forced() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = bellhop_server::config::Settings::ephemeral(dir.path());
    settings.demo = true;
    settings.listen = "0.0.0.0:0".parse()?;
    let refused = bellhop_server::app::Server::start(settings.clone()).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("--demo-beyond-loopback"), "{message}");
    settings.demo_beyond_loopback = true;
    assert!(bellhop_server::app::Server::start(settings).await.is_ok());
    Ok(())
}

#[tokio::test]
async fn answers_that_carry_tokens_or_personal_data_are_never_cached() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "bob@acme.example", "password": "bellhop-demo"}))
        .send()
        .await?;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let bob = app.login("bob@acme.example").await?;
    for path in ["/api/v1/me", "/api/v1/tickets"] {
        let res = app.get(&bob, path).await?;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    Ok(())
}

#[test]
fn help_never_prints_secret_values() -> anyhow::Result<()> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bellhop-server"))
        .arg("--help")
        .env("DATABASE_URL", "postgres://desk:hunter2-db@db.example/desk")
        .env("BELLHOP_SMTP_URL", "smtp://mail:hunter2-smtp@mail.example")
        .env("BELLHOP_SMS_TOKEN", "hunter2-sms")
        .output()?;
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--database-url"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");
    Ok(())
}

#[tokio::test]
async fn expired_sessions_links_failures_and_abandoned_uploads_are_swept() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    assert_eq!(
        app.login_status("carol@globex.example", "guess").await?,
        401
    );
    let year = 365 * 24 * 3600 * 1000_i64;
    app.sql(&format!(
        "UPDATE sessions SET expires_at = expires_at - {year}, last_used_at = last_used_at - {year}
         WHERE user_id = (SELECT id FROM users WHERE email = 'bob@acme.example')"
    ))
    .await?;
    app.sql(&format!(
        "UPDATE password_resets SET expires_at = expires_at - {year}"
    ))
    .await?;
    app.sql(&format!("UPDATE sign_in_failures SET at = at - {year}"))
        .await?;
    // A chunk of an upload that stopped half-way, two days ago.
    let partial = app.dir.path().join("attachments").join("partial");
    std::fs::create_dir_all(&partial)?;
    let abandoned = partial.join("someone-abandoned");
    std::fs::write(&abandoned, b"half a file")?;
    std::fs::File::options()
        .write(true)
        .open(&abandoned)?
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(48 * 3600))?;

    let swept = app.sweeper.sweep().await?;
    assert!(swept.rows >= 3, "{swept:?}");
    assert_eq!(swept.files, 1);
    assert!(!abandoned.exists());
    let left = |table: &str| format!("UPDATE {table} SET id = id");
    assert_eq!(app.sql(&left("sign_in_failures")).await?, 0);
    assert_eq!(
        app.sql("UPDATE password_resets SET email = email").await?,
        0
    );
    assert_eq!(
        app.sql("UPDATE sessions SET token_hash = token_hash")
            .await?,
        1,
        "alice's live session stays"
    );
    assert_eq!(app.get(&alice, "/api/v1/me").await?.status(), 200);
    let res = app.get(&bob, "/api/v1/me").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}
