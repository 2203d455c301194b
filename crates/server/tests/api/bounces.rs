//! Mail that bounces: a real SMTP server on loopback (tests/smtp/server.py, Debian's
//! python3-aiosmtpd) refusing a recipient for good, and a delivery status notification handed
//! to `bellhop-server mail bounce`. The address is suppressed and held from then on; the desk
//! sees why on the person's page, removes the suppression and the last message goes again.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with};

/// The SMTP server, and the lines it printed for the messages it accepted.
struct Smtp {
    port: u16,
    delivered: tokio::sync::mpsc::UnboundedReceiver<String>,
    _child: tokio::process::Child,
}

async fn smtp(args: &[&str]) -> anyhow::Result<Smtp> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/smtp/server.py");
    let mut child = tokio::process::Command::new("/usr/bin/python3")
        .arg(script)
        .args(["--port", &port.to_string()])
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!("python3-aiosmtpd is needed (scripts/setup installs it): {e}")
        })?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
        .await
        .map_err(|_| anyhow::anyhow!("the SMTP server did not start"))??;
    anyhow::ensure!(
        first.as_deref().is_some_and(|l| l.starts_with("listening")),
        "the SMTP server said {first:?}"
    );
    let (tx, delivered) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = tx.send(line);
        }
    });
    Ok(Smtp {
        port,
        delivered,
        _child: child,
    })
}

impl Smtp {
    /// Every line printed so far.
    fn lines(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.delivered.try_recv() {
            out.push(line);
        }
        out
    }
}

/// The person's page in the console.
async fn person(app: &TestApp, token: &str, email: &str) -> anyhow::Result<Value> {
    let id = app.id_of(token, email).await?;
    Ok(app
        .get(token, &format!("/api/v1/users/{id}"))
        .await?
        .json()
        .await?)
}

/// A new person of Acme with portal access, made by the technician: a welcome email.
async fn welcome(app: &TestApp, tech: &str, name: &str, email: &str) -> anyhow::Result<()> {
    let acme = {
        let orgs: Vec<Value> = app.get(tech, "/api/v1/orgs").await?.json().await?;
        orgs.iter()
            .find(|o| o["name"] == "Acme")
            .and_then(|o| o["id"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let res = app
        .post(
            tech,
            "/api/v1/users",
            &json!({"name": name, "email": email, "role": "end_user", "org_id": acme,
                    "portal_access": true}),
        )
        .await?;
    anyhow::ensure!(res.status() == 201, "creating {email}: {}", res.status());
    Ok(())
}

#[tokio::test]
async fn a_refused_recipient_bounces_is_held_after_and_is_mailed_again_once_the_desk_says_so()
-> anyhow::Result<()> {
    let mut mx = smtp(&[
        "--refuse-once",
        "gone@acme.example",
        "--reject-data",
        "spam@acme.example",
    ])
    .await?;
    let app =
        spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{}", mx.port))).await?;
    let tech = app.login("tech@helpdesk.example").await?;
    welcome(&app, &tech, "Gone Away", "gone@acme.example").await?;
    app.mail.drain().await?;
    let page = person(&app, &tech, "gone@acme.example").await?;
    assert_eq!(page["last_email"]["state"], "bounced", "{page}");
    let why = page["last_email"]["error"].as_str().unwrap_or_default();
    assert!(why.contains("550") && why.contains("User unknown"), "{why}");
    assert!(
        page["suppressed"]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("User unknown"),
        "{page}"
    );

    // The next message to the address is held, and never reaches the mail server.
    let id = app.id_of(&tech, "gone@acme.example").await?;
    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{id}/verification"),
            &json!({}),
        )
        .await?;
    assert!(res.status().is_success(), "{}", res.status());
    app.mail.drain().await?;
    let page = person(&app, &tech, "gone@acme.example").await?;
    assert_eq!(page["last_email"]["state"], "held", "{page}");
    assert!(mx.lines().iter().all(|l| !l.contains("gone@acme.example")));

    // Only the desk lifts it: a customer cannot; then the last message goes again.
    let alice = app.login("alice@acme.example").await?;
    let path = format!("/api/v1/users/{id}/email/unsuppress");
    assert_eq!(
        expect_error(app.post(&alice, &path, &json!({})).await?, 403).await?,
        "forbidden"
    );
    let res = app.http.post(app.url(&path)).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    assert_eq!(app.post(&tech, &path, &json!({})).await?.status(), 204);
    assert_eq!(
        expect_error(app.post(&tech, &path, &json!({})).await?, 409).await?,
        "conflict"
    );
    app.mail.drain().await?;
    let page = person(&app, &tech, "gone@acme.example").await?;
    assert_eq!(page["last_email"]["state"], "sent", "{page}");
    assert!(page.get("suppressed").is_none_or(Value::is_null), "{page}");
    let delivered = mx.lines();
    assert!(
        delivered
            .iter()
            .any(|l| l.starts_with("DELIVERED gone@acme.example")),
        "{delivered:?}"
    );
    let audit: Value = app
        .get(&tech, "/api/v1/audit?q=email_unsuppressed")
        .await?
        .json()
        .await?;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1), "{audit}");

    // Refused for good for another reason than its recipient: given up at once, not suppressed.
    welcome(&app, &tech, "Spam Filter", "spam@acme.example").await?;
    app.mail.drain().await?;
    let page = person(&app, &tech, "spam@acme.example").await?;
    assert_eq!(page["last_email"]["state"], "failed", "{page}");
    assert!(page.get("suppressed").is_none_or(Value::is_null), "{page}");
    Ok(())
}

/// Runs `bellhop-server mail bounce` on the app's database with `message` on its input.
async fn hand_over(app: &TestApp, message: &str) -> anyhow::Result<String> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_bellhop-server"));
    command.arg("--data-dir").arg(app.dir.path());
    if let Some(url) = &app.database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command
        .args(["mail", "bounce"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
    stdin.write_all(message.as_bytes()).await?;
    drop(stdin);
    let out = child.wait_with_output().await?;
    anyhow::ensure!(out.status.success(), "mail bounce failed");
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn a_delivery_status_notification_suppresses_the_address_of_the_message_it_names()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    app.mail.drain().await?;
    let id = app
        .sql_text(
            "SELECT id FROM emails WHERE to_addr = 'bob@acme.example' ORDER BY created_at DESC",
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("no mail to bob"))?;
    let dsn = format!(
        "From: MAILER-DAEMON@mx.acme.example\r\nTo: bellhop@localhost\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.acme.example\r\n\r\n\
         Final-Recipient: rfc822; bob@acme.example\r\nAction: failed\r\nStatus: 5.2.1\r\n\
         Diagnostic-Code: smtp; 550 5.2.1 The email account that you tried to reach is disabled\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\n\
         To: bob@acme.example\r\nMessage-ID: <{id}@localhost>\r\nSubject: Reset\r\n\r\n--b--\r\n"
    );
    let said = hand_over(&app, &dsn).await?;
    assert!(said.contains("suppressed: bob@acme.example"), "{said}");
    let tech = app.login("tech@helpdesk.example").await?;
    let page = person(&app, &tech, "bob@acme.example").await?;
    assert_eq!(page["last_email"]["state"], "bounced", "{page}");
    assert!(
        page["suppressed"]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("account that you tried to reach is disabled"),
        "{page}"
    );
    // Anything else handed over changes nothing.
    let said = hand_over(
        &app,
        "From: someone@example.com\r\nSubject: hello\r\n\r\nhi\r\n",
    )
    .await?;
    assert!(
        said.contains("not a delivery status notification"),
        "{said}"
    );
    assert!(person(&app, &tech, "alice@acme.example").await?["suppressed"].is_null());
    Ok(())
}
