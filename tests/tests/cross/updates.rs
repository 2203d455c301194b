//! An update across its restart, against a real server: the attempt recorded before anything is
//! replaced, settled by whichever version starts next. One that did not start is reported once
//! (also when the server was away at the time) and never fetched again; one that did is let go
//! with the copy of the build before it.

use std::path::Path;
use std::process::Command;

use bellhop_agent::Settled;
use bellhop_proto::AppVersion;
use bellhop_tests::{RunningServer, workspace_binary};

fn version(v: &str) -> anyhow::Result<AppVersion> {
    v.parse().map_err(anyhow::Error::msg)
}

/// Releases `version` for Linux with a file signed by a fresh minisign key (Debian's `minisign`),
/// as `bellhop-server release add` takes it.
fn release(server: &RunningServer, dir: &Path, version: &str) -> anyhow::Result<()> {
    let file = dir.join(format!("Bellhop_{version}_amd64.AppImage"));
    std::fs::write(&file, format!("the AppImage of {version}"))?;
    let key = dir.join(format!("key-{version}"));
    let run = |cmd: &mut Command| -> anyhow::Result<()> {
        let out = cmd.output()?;
        anyhow::ensure!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    run(Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(key.with_extension("pub"))
        .arg("-s")
        .arg(&key))?;
    let minisig = dir.join("minisig");
    run(Command::new("minisign")
        .arg("-S")
        .arg("-s")
        .arg(&key)
        .arg("-m")
        .arg(&file)
        .arg("-x")
        .arg(&minisig))?;
    use base64::Engine as _;
    let sig = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&minisig)?);
    std::fs::write(format!("{}.sig", file.display()), sig)?;
    run(Command::new(workspace_binary("bellhop-server"))
        .arg("--data-dir")
        .arg(server.data_dir())
        .args(["release", "add", "--version", version, "--artifact"])
        .arg(format!("linux-x86_64={}", file.display()))
        .env("RUST_LOG", "warn"))
}

/// The server's count of devices that reported `version` failed (`release list`).
fn failed(server: &RunningServer, version: &str) -> anyhow::Result<u32> {
    let out = Command::new(workspace_binary("bellhop-server"))
        .arg("--data-dir")
        .arg(server.data_dir())
        .args(["release", "list"])
        .env("RUST_LOG", "warn")
        .output()?;
    let text = String::from_utf8(out.stdout)?;
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{version}\t")))
        .ok_or_else(|| anyhow::anyhow!("{version} not listed: {text}"))?;
    let count = line
        .split(['\t', ','])
        .find_map(|part| part.trim().strip_suffix(" failed"))
        .ok_or_else(|| anyhow::anyhow!("no failures in {line:?}"))?;
    Ok(count.trim().parse()?)
}

#[tokio::test]
async fn an_update_that_did_not_start_is_reported_once_and_refused_for_good() -> anyhow::Result<()>
{
    let mut server = RunningServer::start_demo().await?;
    let files = tempfile::tempdir()?;
    release(&server, files.path(), "0.2.0")?;
    release(&server, files.path(), "0.3.0")?;
    let home = tempfile::tempdir()?;
    let agent = server.agent(home.path())?;
    agent.enroll("acme-demo-key").await?;
    let (n, next) = (version("0.1.0")?, version("0.2.0")?);

    // Nothing to settle at an ordinary start.
    assert_eq!(agent.settle_update(&n).await?, None);

    // 0.2.0 is installed; it ends at start, the watchdog puts 0.1.0 back, and 0.1.0 starts.
    let previous = files.path().join("previous-0.1.0.AppImage");
    std::fs::write(&previous, "the AppImage of 0.1.0")?;
    agent.begin_update(n.clone(), next.clone(), Some(previous.clone()), None)?;
    agent.mark_rolled_back("it ended at start (exit status: 3)")?;
    let settled = agent.settle_update(&n).await?;
    let Some(Settled::Failed(v, error)) = settled else {
        anyhow::bail!("not reported as failed: {settled:?}");
    };
    assert_eq!(v, next);
    assert!(
        error.contains(
            "0.2.0 did not start (it ended at start (exit status: 3)); 0.1.0 was put back"
        ),
        "{error}"
    );
    assert_eq!(failed(&server, "0.2.0")?, 1, "the server heard it");
    assert_eq!(
        agent.refused_updates()?,
        vec![next.clone()],
        "never fetched again"
    );
    assert!(!previous.exists(), "the copy of 0.1.0 is let go");
    assert_eq!(agent.settle_update(&n).await?, None, "settled once");
    assert_eq!(failed(&server, "0.2.0")?, 1, "reported once");

    // Refused while the server is away: told once it is back.
    let later = version("0.3.0")?;
    server.stop().await?;
    agent
        .refuse_update(&later, "refused: the signature does not match")
        .await?;
    server.start().await?;
    assert_eq!(failed(&server, "0.3.0")?, 0);
    agent.report_update_failures().await;
    assert_eq!(
        failed(&server, "0.3.0")?,
        1,
        "told when the server came back"
    );
    agent.report_update_failures().await;
    assert_eq!(failed(&server, "0.3.0")?, 1, "and only once");
    Ok(())
}

#[tokio::test]
async fn an_update_that_started_is_settled_and_its_previous_copy_let_go() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let files = tempfile::tempdir()?;
    let home = tempfile::tempdir()?;
    let agent = server.agent(home.path())?;
    agent.enroll("acme-demo-key").await?;
    let previous = files.path().join("previous-0.1.0.AppImage");
    std::fs::write(&previous, "the AppImage of 0.1.0")?;
    let (n, next) = (version("0.1.0")?, version("0.2.0")?);
    agent.begin_update(n, next.clone(), Some(previous.clone()), None)?;
    assert!(agent.update_attempt()?.is_some(), "kept across the restart");
    assert_eq!(
        agent.settle_update(&next).await?,
        Some(Settled::Updated(next))
    );
    assert_eq!(agent.update_attempt()?, None);
    assert!(!previous.exists());
    assert!(agent.refused_updates()?.is_empty());
    Ok(())
}
