//! Mail through a real SMTP server on loopback (Debian's python3-aiosmtpd).

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn identity_tokens_are_delivered_through_smtp_when_configured() -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut smtpd = Command::new("/usr/bin/python3")
        .args([
            "-u",
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Debugging",
        ])
        .arg("-l")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!("python3-aiosmtpd is needed (scripts/setup installs it): {e}")
        })?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "aiosmtpd did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await?;
    let enrolled: serde_json::Value = app
        .http
        .post(app.url("/api/v1/devices/enroll"))
        .json(
            &json!({"enrolment_key": "acme-demo-key", "device": {"hostname": "PC", "os": "Linux",
               "os_version": "6", "serial": null, "macs": [], "os_user": "bob"}}),
        )
        .send()
        .await?
        .json()
        .await?;
    let secret = enrolled["device_secret"].as_str().unwrap_or_default();
    let res = app
        .post(
            secret,
            "/api/v1/device/identity/send-token",
            &json!({"first_name": "Bob", "last_name": "Baker", "email": "bob@acme.example"}),
        )
        .await?;
    assert_eq!(res.status(), 202);
    // Sent by the background worker already, or now.
    app.mail.drain().await?;

    let stdout = smtpd
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = lines.next_line().await? {
            seen.push(line.clone());
            if line.contains("Subject: Your Bellhop confirmation token") {
                return anyhow::Ok(true);
            }
        }
        anyhow::Ok(false)
    })
    .await;
    assert!(
        matches!(found, Ok(Ok(true))),
        "the SMTP server received: {seen:?}"
    );
    assert!(seen.iter().any(|l| l.contains("bob@acme.example")));
    assert!(
        !app.dir.path().join("outbox").exists(),
        "nothing was written as a file"
    );
    Ok(())
}
