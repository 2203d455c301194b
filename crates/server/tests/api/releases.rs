//! The update feed: releases added from the command line with signed files, offered to the
//! devices their channel, percentage and organisations say, downloaded by those devices only,
//! paused by their failures, and managed by admins alone.

use std::path::{Path, PathBuf};

use bellhop_proto::{Release, UpdateOffer};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, spawn_app};

/// An updater key pair as the Tauri CLI makes one: the public key as `tauri.conf.json` holds
/// it (base64 of minisign's text), and the secret key.
fn key_pair() -> anyhow::Result<(String, minisign::SecretKey)> {
    use base64::Engine as _;
    let minisign::KeyPair { pk, sk } = minisign::KeyPair::generate_unencrypted_keypair()?;
    let text = pk.to_box()?.into_string();
    Ok((base64::engine::general_purpose::STANDARD.encode(text), sk))
}

/// Writes `bytes` to `dir/name` and its updater signature by `sk` to `dir/name.sig`.
fn signed_file(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    sk: &minisign::SecretKey,
) -> anyhow::Result<PathBuf> {
    use base64::Engine as _;
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    let signature = minisign::sign(None, sk, bytes, Some("bellhop test"), None)?.into_string();
    std::fs::write(
        dir.join(format!("{name}.sig")),
        base64::engine::general_purpose::STANDARD.encode(signature),
    )?;
    Ok(path)
}

/// Runs `bellhop-server … release ARGS` on the app's database; success and output.
async fn release(app: &TestApp, args: &[&str]) -> anyhow::Result<(bool, String)> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_bellhop-server"));
    command.arg("--data-dir").arg(app.dir.path());
    if let Some(url) = &app.database_url {
        command.args(["--database-url", url]);
    }
    let out = command
        .arg("release")
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("BELLHOP_UPDATER_PUBLIC_KEY")
        .output()
        .await?;
    Ok((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// Enrols a Linux computer of the organisation with `key`, reporting `version`: its secret.
async fn linux_device(
    app: &TestApp,
    key: &str,
    host: &str,
    version: &str,
) -> anyhow::Result<String> {
    let res = app
        .http
        .post(app.url("/api/v1/devices/enroll"))
        .json(&json!({"enrolment_key": key, "device": {
            "hostname": host, "os": "Debian", "os_version": "12", "serial": null, "macs": [],
            "os_user": "bob", "platform": "linux", "agent_version": version}}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 201, "enrol: {}", res.status());
    let body: Value = res.json().await?;
    Ok(body["device_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// What the feed says to a device: the offered version, or `None` for 204.
async fn check(app: &TestApp, secret: &str, path: &str) -> anyhow::Result<Option<UpdateOffer>> {
    let res = app
        .get(secret, &format!("/api/v1/device/update/{path}"))
        .await?;
    match res.status().as_u16() {
        204 => Ok(None),
        200 => Ok(Some(res.json().await?)),
        other => anyhow::bail!("check {path}: {other} {}", res.text().await?),
    }
}

async fn offered(app: &TestApp, secret: &str, path: &str) -> anyhow::Result<Option<String>> {
    Ok(check(app, secret, path)
        .await?
        .map(|o| o.version.to_string()))
}

/// Waits until the feed offers `want` (a running server reads releases again within seconds
/// of the command line adding one).
async fn offered_soon(
    app: &TestApp,
    secret: &str,
    path: &str,
    want: &str,
) -> anyhow::Result<UpdateOffer> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let offer = check(app, secret, path).await?;
        match offer {
            Some(offer) if offer.version.to_string() == want => return Ok(offer),
            other if std::time::Instant::now() > until => {
                anyhow::bail!("{path}: offered {other:?}, not {want}")
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
}

async fn releases(app: &TestApp, admin: &str) -> anyhow::Result<Vec<Release>> {
    let res = app.get(admin, "/api/v1/releases").await?;
    anyhow::ensure!(res.status() == 200, "releases: {}", res.status());
    Ok(res.json().await?)
}

#[tokio::test]
async fn a_signed_release_is_offered_downloaded_and_counted() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = crate::assistant::admin(&app).await?;
    let files = tempfile::tempdir()?;
    let (public_key, sk) = key_pair()?;
    let (_, stranger) = key_pair()?;
    let appimage = b"the AppImage of Bellhop 0.2.0".repeat(1000);
    let linux = signed_file(files.path(), "Bellhop_0.2.0_amd64.AppImage", &appimage, &sk)?;
    let windows = signed_file(
        files.path(),
        "Bellhop_0.2.0_x64-setup.exe",
        b"MZ setup",
        &sk,
    )?;
    let forged = signed_file(files.path(), "forged.AppImage", b"not ours", &stranger)?;
    let unsigned = files.path().join("unsigned.AppImage");
    std::fs::write(&unsigned, b"no signature beside it")?;
    let artifact = |platform: &str, path: &Path| format!("{platform}={}", path.display());

    // A file signed by another key, or with no signature, is refused, and nothing is added.
    let (ok, out) = release(
        &app,
        &[
            "add",
            "--version",
            "0.2.0",
            "--public-key",
            &public_key,
            "--artifact",
            &artifact("linux-x86_64", &forged),
        ],
    )
    .await?;
    assert!(!ok && out.contains("does not sign this file"), "{out}");
    let (ok, out) = release(
        &app,
        &[
            "add",
            "--version",
            "0.2.0",
            "--artifact",
            &artifact("linux-x86_64", &unsigned),
        ],
    )
    .await?;
    assert!(!ok && out.contains("unsigned.AppImage.sig"), "{out}");
    let (ok, out) = release(
        &app,
        &[
            "add",
            "--version",
            "0.2.0",
            "--artifact",
            &artifact("amiga-m68k", &linux),
        ],
    )
    .await?;
    assert!(
        !ok && out.contains("not a system the updater knows"),
        "{out}"
    );
    assert!(releases(&app, &ada).await?.is_empty());

    let (ok, out) = release(
        &app,
        &[
            "add",
            "--version",
            "0.2.0",
            "--notes",
            "Faster screenshots",
            "--public-key",
            &public_key,
            "--artifact",
            &artifact("linux-x86_64", &linux),
            "--artifact",
            &artifact("windows-x86_64", &windows),
        ],
    )
    .await?;
    assert!(ok, "{out}");
    // A version is released once.
    let (ok, out) = release(
        &app,
        &[
            "add",
            "--version",
            "0.2.0",
            "--artifact",
            &artifact("linux-x86_64", &linux),
        ],
    )
    .await?;
    assert!(!ok && out.contains("released already"), "{out}");

    let device = linux_device(&app, "acme-demo-key", "ACME-LNX1", "0.1.0").await?;
    let offer = offered_soon(&app, &device, "linux/x86_64/0.1.0", "0.2.0").await?;
    assert_eq!(offer.version.to_string(), "0.2.0");
    assert_eq!(offer.notes, "Faster screenshots");
    assert_eq!(
        offer.signature,
        std::fs::read_to_string(files.path().join("Bellhop_0.2.0_amd64.AppImage.sig"))?
    );
    let list = releases(&app, &ada).await?;
    assert_eq!(
        offer.url,
        app.url(&format!(
            "/api/v1/device/update/{}/linux-x86_64",
            list[0].id
        ))
    );
    // Current, newer, or a platform it has no file for: nothing.
    assert_eq!(offered(&app, &device, "linux/x86_64/0.2.0").await?, None);
    assert_eq!(offered(&app, &device, "linux/x86_64/1.0.0").await?, None);
    assert_eq!(offered(&app, &device, "darwin/aarch64/0.1.0").await?, None);
    assert_eq!(
        offered(&app, &device, "windows/x86_64/0.1.0-beta.3").await?,
        Some("0.2.0".into())
    );

    // The file, whole, to this device; to nobody without a device's secret.
    let res = app
        .get(&device, offer.url.trim_start_matches(&app.base))
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await?.as_ref(), appimage.as_slice());
    let res = app.http.get(&offer.url).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let bob = app.login("bob@acme.example").await?;
    let res = app
        .get(&bob, offer.url.trim_start_matches(&app.base))
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app
        .get(
            &device,
            &format!("/api/v1/device/update/{}/darwin-aarch64", list[0].id),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    // Malformed checks are refused with the JSON error, never a 500.
    for bad in [
        "linux/sparc/0.1.0",
        "beos/x86_64/0.1.0",
        "linux/x86_64/latest",
    ] {
        let res = app
            .get(&device, &format!("/api/v1/device/update/{bad}"))
            .await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{bad}");
    }
    let res = app
        .get(
            &device,
            "/api/v1/device/update/linux/x86_64/0.1.0?channel=nightly",
        )
        .await?;
    assert!(res.status().is_client_error(), "an unknown channel");

    // The device reports it runs 0.2.0: the rollout counts it.
    let res = app
        .put(
            &device,
            "/api/v1/device/facts",
            &json!({
            "hostname": "ACME-LNX1", "os": "Debian", "os_version": "12", "serial": null,
            "macs": [], "os_user": "bob", "platform": "linux", "agent_version": "0.2.0"}),
        )
        .await?;
    assert_eq!(res.status(), 204);
    let _other = linux_device(&app, "acme-demo-key", "ACME-LNX2", "0.1.0").await?;
    let list = releases(&app, &ada).await?;
    assert_eq!(list[0].progress.targeted, 2);
    assert_eq!(list[0].progress.offered, 2);
    assert_eq!(list[0].progress.installed, 1);
    assert_eq!(list[0].artifacts.len(), 2);
    let tech = app.login("tech@helpdesk.example").await?;
    let devices: Vec<Value> = app.get(&tech, "/api/v1/devices").await?.json().await?;
    let lnx1 = devices
        .iter()
        .find(|d| d["facts"]["hostname"] == "ACME-LNX1")
        .ok_or_else(|| anyhow::anyhow!("no ACME-LNX1 in {devices:?}"))?;
    assert_eq!(lnx1["facts"]["agent_version"], "0.2.0");

    // The command line lists it.
    let (ok, out) = release(&app, &["list"]).await?;
    assert!(
        ok && out.contains("0.2.0\tstable\t100%\tlive\t2/2 offered, 1 installed"),
        "{out}"
    );
    Ok(())
}

/// Adds `version` for Linux with extra arguments; panics on failure.
async fn add(
    app: &TestApp,
    dir: &Path,
    sk: &minisign::SecretKey,
    version: &str,
    extra: &[&str],
) -> anyhow::Result<()> {
    let file = signed_file(
        dir,
        &format!("Bellhop_{version}.AppImage"),
        version.as_bytes(),
        sk,
    )?;
    let artifact = format!("linux-x86_64={}", file.display());
    let mut args = vec!["add", "--version", version, "--artifact", &artifact];
    args.extend_from_slice(extra);
    let (ok, out) = release(app, &args).await?;
    anyhow::ensure!(ok, "release add {version}: {out}");
    Ok(())
}

/// A desk with an admin (their session) and these releases (version, extra arguments) added
/// for Linux.
async fn desk_with(releases: &[(&str, &[&str])]) -> anyhow::Result<(TestApp, String)> {
    let app = spawn_app().await?;
    let ada = crate::assistant::admin(&app).await?;
    let files = tempfile::tempdir()?;
    let (_, sk) = key_pair()?;
    for (version, extra) in releases {
        add(&app, files.path(), &sk, version, extra).await?;
    }
    Ok((app, ada))
}

#[tokio::test]
async fn channels_percentages_and_organisations_choose_who_is_offered() -> anyhow::Result<()> {
    let (app, ada) = desk_with(&[
        ("0.2.0", &[]),
        ("0.3.0-beta.1", &["--channel", "beta"]),
        ("0.2.5", &["--percent", "30"]),
        ("0.4.0", &["--org", "Globex"]),
    ])
    .await?;

    let mut acme = Vec::new();
    for i in 0..40 {
        acme.push(linux_device(&app, "acme-demo-key", &format!("ACME-{i}"), "0.1.0").await?);
    }
    let globex = linux_device(&app, "globex-demo-key", "GLOBEX-1", "0.1.0").await?;

    // Globex's own release goes to Globex alone (a device waiting for activation included).
    offered_soon(&app, &globex, "linux/x86_64/0.1.0", "0.4.0").await?;
    // Acme's devices: 0.2.5 to about 30% of them, 0.2.0 to the rest; the beta (newer than
    // both) only when asked for.
    let mut at_30 = Vec::new();
    for device in &acme {
        let stable = offered(&app, device, "linux/x86_64/0.1.0").await?;
        let beta = offered(&app, device, "linux/x86_64/0.1.0?channel=beta").await?;
        match stable.as_deref() {
            Some("0.2.5") => at_30.push(device.clone()),
            Some("0.2.0") => {}
            other => anyhow::bail!("offered {other:?}"),
        }
        assert_eq!(beta.as_deref(), Some("0.3.0-beta.1"));
    }
    assert!(
        (3..=22).contains(&at_30.len()),
        "{} of 40 at 30%",
        at_30.len()
    );
    let id = releases(&app, &ada)
        .await?
        .into_iter()
        .find(|r| r.version.to_string() == "0.2.5")
        .map(|r| r.id)
        .ok_or_else(|| anyhow::anyhow!("no 0.2.5"))?;
    let listed = releases(&app, &ada).await?;
    let r025 = listed
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| anyhow::anyhow!("0.2.5"))?;
    assert_eq!(r025.progress.targeted, 40, "Globex's device is pending");
    assert_eq!(r025.progress.offered as usize, at_30.len());

    // Widened to 80%: the first 30% stay in, more join.
    let res = app
        .patch(
            &ada,
            &format!("/api/v1/releases/{id}"),
            &json!({"percent": 80}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let mut at_80 = 0;
    for device in &acme {
        if offered(&app, device, "linux/x86_64/0.1.0")
            .await?
            .as_deref()
            == Some("0.2.5")
        {
            at_80 += 1;
        } else {
            assert!(
                !at_30.contains(device),
                "a device left the rollout as it widened"
            );
        }
    }
    assert!(
        at_80 > at_30.len(),
        "{at_80} at 80% after {} at 30%",
        at_30.len()
    );

    // Paused: offered to nobody, its file to nobody; resumed: back.
    let res = app
        .patch(
            &ada,
            &format!("/api/v1/releases/{id}"),
            &json!({"paused": true}),
        )
        .await?;
    let paused: Release = res.json().await?;
    assert!(paused.paused);
    assert!(
        paused
            .paused_reason
            .as_deref()
            .is_some_and(|r| r.contains("Ada Admin"))
    );
    assert_eq!(
        offered(&app, &at_30[0], "linux/x86_64/0.1.0").await?,
        Some("0.2.0".into())
    );
    let res = app
        .get(
            &at_30[0],
            &format!("/api/v1/device/update/{id}/linux-x86_64"),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    app.patch(
        &ada,
        &format!("/api/v1/releases/{id}"),
        &json!({"paused": false}),
    )
    .await?;
    assert_eq!(
        offered(&app, &at_30[0], "linux/x86_64/0.1.0").await?,
        Some("0.2.5".into())
    );

    // Narrowed to Globex: Acme's devices drop back to 0.2.0.
    let orgs: Vec<Value> = app.get(&ada, "/api/v1/orgs").await?.json().await?;
    let globex_id = orgs
        .iter()
        .find(|o| o["name"] == "Globex")
        .map(|o| o["id"].clone())
        .ok_or_else(|| anyhow::anyhow!("no Globex"))?;
    let res = app
        .patch(
            &ada,
            &format!("/api/v1/releases/{id}"),
            &json!({"org_ids": [globex_id]}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        offered(&app, &at_30[0], "linux/x86_64/0.1.0").await?,
        Some("0.2.0".into())
    );
    let res = app
        .patch(
            &ada,
            &format!("/api/v1/releases/{id}"),
            &json!({"org_ids": [uuid::Uuid::now_v7()]}),
        )
        .await?;
    assert!(
        res.status().is_client_error(),
        "an organisation that does not exist"
    );

    // Each change is audited.
    let audit: Value = app
        .get(&ada, "/api/v1/audit?q=release")
        .await?
        .json()
        .await?;
    assert!(
        audit["items"].as_array().is_some_and(|a| a.len() >= 4),
        "{audit}"
    );
    Ok(())
}

#[tokio::test]
async fn failures_pause_a_release_and_only_admins_manage_them() -> anyhow::Result<()> {
    let (app, ada) =
        desk_with(&[("0.2.0", &[]), ("0.3.0", &["--pause-after-failures", "2"])]).await?;
    let first = linux_device(&app, "acme-demo-key", "ACME-A", "0.2.0").await?;
    let second = linux_device(&app, "acme-demo-key", "ACME-B", "0.2.0").await?;
    let fresh = linux_device(&app, "acme-demo-key", "ACME-C", "0.1.0").await?;
    assert_eq!(
        offered(&app, &fresh, "linux/x86_64/0.1.0").await?,
        Some("0.3.0".into())
    );

    let failure =
        json!({"version": "0.3.0", "error": "the new version exited at start (status 1)"});
    // The same device twice counts once.
    for device in [&first, &first] {
        let res = app
            .post(device, "/api/v1/device/update/failure", &failure)
            .await?;
        assert_eq!(res.status(), 204);
    }
    assert_eq!(
        offered(&app, &fresh, "linux/x86_64/0.1.0").await?,
        Some("0.3.0".into())
    );
    let res = app
        .post(&second, "/api/v1/device/update/failure", &failure)
        .await?;
    assert_eq!(res.status(), 204);
    // Two devices could not start it: it paused itself, and 0.2.0 is what is offered.
    assert_eq!(
        offered(&app, &fresh, "linux/x86_64/0.1.0").await?,
        Some("0.2.0".into())
    );
    let listed = releases(&app, &ada).await?;
    let r030 = listed
        .iter()
        .find(|r| r.version.to_string() == "0.3.0")
        .ok_or_else(|| anyhow::anyhow!("no 0.3.0"))?;
    assert!(r030.paused);
    assert_eq!(r030.progress.failed, 2);
    assert!(
        r030.paused_reason
            .as_deref()
            .is_some_and(|r| r.contains("by itself")),
        "{r030:?}"
    );

    let res = app
        .post(
            &first,
            "/api/v1/device/update/failure",
            &json!({"version": "9.9.9", "error": "x"}),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .post(
            &first,
            "/api/v1/device/update/failure",
            &json!({"version": "nine", "error": "x"}),
        )
        .await?;
    assert!(res.status().is_client_error());

    // Technicians and customers neither see nor change releases.
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    for token in [&tech, &bob] {
        let res = app.get(token, "/api/v1/releases").await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
        let res = app
            .patch(
                token,
                &format!("/api/v1/releases/{}", r030.id),
                &json!({"paused": false}),
            )
            .await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
        // A person's session is not a device's secret.
        let res = app
            .get(token, "/api/v1/device/update/linux/x86_64/0.1.0")
            .await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    }
    let res = app
        .patch(
            &ada,
            &format!("/api/v1/releases/{}", uuid::Uuid::now_v7()),
            &json!({"paused": true}),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .patch(
            &ada,
            &format!("/api/v1/releases/{}", r030.id),
            &json!({"percent": 101}),
        )
        .await?;
    assert!(res.status().is_client_error());

    // A device the desk switched off gets nothing.
    let devices: Vec<Value> = app.get(&tech, "/api/v1/devices").await?.json().await?;
    let c = devices
        .iter()
        .find(|d| d["facts"]["hostname"] == "ACME-C")
        .map(|d| d["id"].clone())
        .ok_or_else(|| anyhow::anyhow!("no ACME-C"))?;
    let res = app
        .post(
            &tech,
            "/api/v1/devices/deactivate",
            &json!({"device_ids": [c]}),
        )
        .await?;
    assert!(res.status().is_success(), "{}", res.status());
    let res = app
        .get(&fresh, "/api/v1/device/update/linux/x86_64/0.1.0")
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    Ok(())
}

/// The updater signature of `bytes` by `sk` (the `.sig`'s text).
fn signature(bytes: &[u8], sk: &minisign::SecretKey) -> anyhow::Result<String> {
    use base64::Engine as _;
    let signature = minisign::sign(None, sk, bytes, Some("bellhop test"), None)?.into_string();
    Ok(base64::engine::general_purpose::STANDARD.encode(signature))
}

/// A release form as the console sends it: its fields, then each file after its platform and
/// signature.
fn form(fields: &[(&str, &str)], files: &[(&str, &str, &[u8], &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (platform, signature, bytes, file_name) in files {
        form = form
            .text("platform", platform.to_string())
            .text("signature", signature.to_string())
            .part(
                "artifact",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file_name.to_string()),
            );
    }
    form
}

async fn upload(
    app: &TestApp,
    token: &str,
    form: reqwest::multipart::Form,
) -> anyhow::Result<reqwest::Response> {
    Ok(app
        .http
        .post(app.url("/api/v1/releases"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await?)
}

/// Files received but not kept (a refused upload leaves none behind).
fn received_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.dir.path().join("attachments/tmp")).map_or(0, |d| d.count())
}

#[tokio::test]
async fn an_admin_adds_a_release_from_the_console_and_every_bad_form_is_refused()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = crate::assistant::admin(&app).await?;
    let (public_key, sk) = key_pair()?;
    let (_, stranger) = key_pair()?;
    let orgs: Vec<Value> = app.get(&ada, "/api/v1/orgs").await?.json().await?;
    let acme = orgs
        .iter()
        .find(|o| o["name"] == "Acme")
        .and_then(|o| o["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("no Acme"))?
        .to_owned();
    let appimage = b"the AppImage of Bellhop 0.4.0".repeat(5000);
    let msi = b"the MSI of Bellhop 0.4.0".repeat(100);
    let (linux_sig, msi_sig) = (signature(&appimage, &sk)?, signature(&msi, &sk)?);
    let fields = [
        ("version", "0.4.0"),
        ("notes", "Faster screenshots"),
        ("org", acme.as_str()),
        ("pause_after_failures", "5"),
        ("public_key", public_key.as_str()),
    ];
    let files: [(&str, &str, &[u8], &str); 2] = [
        (
            "linux-x86_64",
            &linux_sig,
            &appimage,
            "C:\\build\\Bellhop_0.4.0_amd64.AppImage",
        ),
        (
            "windows-x86_64",
            &msi_sig,
            &msi,
            "Bellhop_0.4.0_x64_en-US.msi",
        ),
    ];

    // Only admins, and they are asked before the files are read.
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    for token in [&tech, &bob] {
        let res = upload(&app, token, form(&fields, &files)).await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
    }
    let res = upload(&app, "not-a-session", form(&fields, &files)).await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");

    // Bad forms: each a JSON 4xx, and none keeps a file or a release.
    let mut forged = files;
    forged[1].1 = &linux_sig; // the AppImage's signature on the MSI
    let stranger_sig = signature(&appimage, &stranger)?;
    let mut by_stranger = files;
    by_stranger[0].1 = &stranger_sig;
    let mut doubled = files;
    doubled[1].0 = "linux-x86_64";
    let mut unknown_platform = files;
    unknown_platform[0].0 = "plan9-x86_64";
    let mut not_a_signature = files;
    not_a_signature[0].1 = "c2lnbmVkIGJ5IG1l";
    let empty: [(&str, &str, &[u8], &str); 1] = [("linux-x86_64", &linux_sig, b"", "empty")];
    let cases: Vec<(&str, reqwest::multipart::Form, &str)> = vec![
        ("forged", form(&fields, &forged), "does not sign this file"),
        ("another key", form(&fields, &by_stranger), "another key"),
        (
            "two per platform",
            form(&fields, &doubled),
            "one per platform",
        ),
        (
            "no such platform",
            form(&fields, &unknown_platform),
            "plan9",
        ),
        (
            "not a signature",
            form(&fields, &not_a_signature),
            "signature",
        ),
        ("empty", form(&fields, &empty), "empty"),
        ("no files", form(&fields, &[]), "at least one file"),
        ("no version", form(&fields[1..], &files), "version"),
        ("bad version", form(&[("version", "four")], &files), "four"),
        (
            "bad channel",
            form(&[("version", "0.4.0"), ("channel", "nightly")], &files),
            "nightly",
        ),
        (
            "bad share",
            form(&[("version", "0.4.0"), ("percent", "101")], &files),
            "0 to 100",
        ),
        (
            "bad org",
            form(&[("version", "0.4.0"), ("org", "Acme")], &files),
            "organisation",
        ),
        (
            "unknown field",
            form(&[("version", "0.4.0"), ("colour", "red")], &files),
            "colour",
        ),
        (
            "file before its platform",
            reqwest::multipart::Form::new()
                .text("version", "0.4.0")
                .part(
                    "artifact",
                    reqwest::multipart::Part::bytes(appimage.clone()).file_name("x.AppImage"),
                ),
            "after its platform",
        ),
    ];
    for (case, body, says) in cases {
        let res = upload(&app, &ada, body).await?;
        let status = res.status().as_u16();
        let body: Value = res.json().await?;
        assert_eq!(status, 422, "{case}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{case}: {message}");
        assert_eq!(received_files(&app), 0, "{case}: a file was left behind");
    }
    let res = app
        .http
        .post(app.url("/api/v1/releases"))
        .bearer_auth(&ada)
        .json(&json!({"version": "0.4.0"}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    assert!(releases(&app, &ada).await?.is_empty());

    // The good form: kept, listed, offered to Acme's computers, downloaded whole.
    let res = upload(&app, &ada, form(&fields, &files)).await?;
    assert_eq!(res.status(), 201);
    let added: Release = res.json().await?;
    assert_eq!(added.version.to_string(), "0.4.0");
    assert_eq!(added.notes, "Faster screenshots");
    assert_eq!(added.pause_after_failures, 5);
    assert_eq!(
        added
            .org_ids
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&acme)
    );
    let linux = added
        .artifacts
        .iter()
        .find(|a| a.platform.to_string() == "linux-x86_64")
        .ok_or_else(|| anyhow::anyhow!("no Linux file"))?;
    assert_eq!(linux.file_name, "Bellhop_0.4.0_amd64.AppImage");
    assert_eq!(linux.size, appimage.len() as u64);
    assert_eq!(received_files(&app), 0);
    let device = linux_device(&app, "acme-demo-key", "ACME-UP", "0.3.0").await?;
    let offer = offered_soon(&app, &device, "linux/x86_64/0.3.0", "0.4.0").await?;
    assert_eq!(offer.signature, linux_sig);
    let res = app.http.get(&offer.url).bearer_auth(&device).send().await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await?.as_ref(), appimage.as_slice());

    // A version is released once.
    let res = upload(&app, &ada, form(&fields, &files)).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    assert_eq!(releases(&app, &ada).await?.len(), 1);
    Ok(())
}
