//! The desk's own apt repository, made and signed here (dpkg-deb, apt-ftparchive, gpg) and served
//! on loopback: refused while the desk gives another key, installed from with its own, gone when
//! the desk drops it. A Flatpak application from a repository exported here, installed and
//! removed system-wide. Root, as the rest of the helper's tests.

use super::*;

/// Runs `program`, failing with what it wrote unless it succeeds.
fn must(command: &mut std::process::Command) -> anyhow::Result<std::process::Output> {
    let out = command.output()?;
    anyhow::ensure!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(out)
}

/// A key made in its own GnuPG home: the ASCII-armoured public half.
fn gpg_key(home: &Path, name: &str) -> anyhow::Result<String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(home)?;
    std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700))?;
    let gpg = || {
        let mut c = std::process::Command::new("gpg");
        c.env("GNUPGHOME", home).args(["--batch", "--quiet"]);
        c
    };
    must(gpg().args([
        "--passphrase",
        "",
        "--quick-gen-key",
        name,
        "ed25519",
        "sign",
        "never",
    ]))?;
    let out = must(gpg().args(["--armor", "--export"]))?;
    Ok(String::from_utf8(out.stdout)?)
}

/// An apt repository of one package, `bellhop-desk-tool` 1.0.0, made as a desk makes one
/// (dpkg-deb, apt-ftparchive) and signed with the key in `gnupg` (`InRelease`).
fn apt_repository(root: &Path, gnupg: &Path) -> anyhow::Result<()> {
    let package = root.join("build");
    std::fs::create_dir_all(package.join("DEBIAN"))?;
    std::fs::create_dir_all(package.join("usr/share/doc/bellhop-desk-tool"))?;
    std::fs::write(
        package.join("DEBIAN/control"),
        "Package: bellhop-desk-tool\nVersion: 1.0.0\nArchitecture: all\n\
         Maintainer: Bellhop tests <tests@bellhop.invalid>\n\
         Description: a tool from the desk's own repository\n Installed by the helper's test.\n",
    )?;
    std::fs::write(
        package.join("usr/share/doc/bellhop-desk-tool/README"),
        "From the desk.\n",
    )?;
    let repo = root.join("repo");
    let binary = repo.join("dists/stable/main/binary-all");
    std::fs::create_dir_all(repo.join("pool"))?;
    std::fs::create_dir_all(&binary)?;
    must(
        std::process::Command::new("dpkg-deb")
            .args(["--root-owner-group", "--build"])
            .arg(&package)
            .arg(repo.join("pool/bellhop-desk-tool_1.0.0_all.deb")),
    )?;
    let packages = must(
        std::process::Command::new("apt-ftparchive")
            .args(["packages", "pool"])
            .current_dir(&repo),
    )?;
    std::fs::write(binary.join("Packages"), packages.stdout)?;
    let release = must(
        std::process::Command::new("apt-ftparchive")
            .args([
                "-o",
                "APT::FTPArchive::Release::Suite=stable",
                "-o",
                "APT::FTPArchive::Release::Components=main",
                "-o",
                "APT::FTPArchive::Release::Architectures=all",
                "release",
                "dists/stable",
            ])
            .current_dir(&repo),
    )?;
    std::fs::write(repo.join("dists/stable/Release"), release.stdout)?;
    must(
        std::process::Command::new("gpg")
            .env("GNUPGHOME", gnupg)
            .args(["--batch", "--quiet", "--yes", "--clearsign", "-o"])
            .arg(repo.join("dists/stable/InRelease"))
            .arg(repo.join("dists/stable/Release")),
    )?;
    Ok(())
}

/// What the desk's repository leaves on the machine, taken away when dropped: the package, the
/// helper's source and key files, and apt's lists of `url`.
struct DeskRepositoryLeftovers(String);

impl Drop for DeskRepositoryLeftovers {
    fn drop(&mut self) {
        let _ = run("dpkg", &["--purge", "bellhop-desk-tool"]);
        let _ = std::fs::remove_file("/etc/apt/sources.list.d/bellhop.sources");
        let _ = std::fs::remove_file("/etc/apt/keyrings/bellhop.asc");
        let prefix = self.0.trim_start_matches("http://").replace('/', "_");
        if let Ok(lists) = std::fs::read_dir("/var/lib/apt/lists") {
            for list in lists.filter_map(Result::ok) {
                if list.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(list.path());
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_from_the_desks_own_apt_repository_installs_only_when_its_key_verifies()
-> anyhow::Result<()> {
    anyhow::ensure!(
        is_root()?,
        "this test runs the privileged helper and apt as root: run it as root (CI does)"
    );
    let _packages = PACKAGES.lock().await;
    let _ = run("dpkg", &["--purge", "bellhop-desk-tool"]);
    let work = tempfile::tempdir()?;
    let desk_keys = work.path().join("desk-gnupg");
    let desk_key = gpg_key(&desk_keys, "The desk's repository")?;
    let other_key = gpg_key(&work.path().join("other-gnupg"), "Someone else")?;
    apt_repository(work.path(), &desk_keys)?;

    // The repository on a web server of its own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let files = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(
        work.path().join("repo"),
    ));
    tokio::spawn(async move { axum::serve(listener, files).await });
    let _leftovers = DeskRepositoryLeftovers(url.clone());
    let catalog = |key: &str| {
        json!({"items": [{"key": "desk-tool", "name": {"text": "Desk tool"},
            "packages": [{"manager": "apt", "id": "bellhop-desk-tool"}]}],
            "sources": {"apt": {"url": url, "suite": "stable", "components": ["main"], "key": key}}})
    };

    // The desk gives the wrong key first: apt refuses the repository, nothing is installed.
    let computer = bobs_computer(catalog(&other_key)).await?;
    let bob = computer.bob().await?;
    let asked = bob.act(computer.device, "install", "desk-tool").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Failed, "{:?}", done.detail);
    let detail = done.detail.unwrap_or_default();
    assert!(
        detail.contains(&format!(
            "the desk's apt repository {url} could not be read"
        )) && detail.contains("NO_PUBKEY"),
        "{detail}"
    );
    assert_eq!(installed("bellhop-desk-tool")?, None);

    // With its own key it verifies, and the package comes from it.
    let admin = Session {
        server: &computer.server,
        token: computer.server.login("tech@helpdesk.example").await?,
        http: reqwest::Client::new(),
    };
    admin
        .send(reqwest::Method::PUT, "/api/v1/software", catalog(&desk_key))
        .await?;
    let asked = bob.act(computer.device, "install", "desk-tool").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Succeeded, "{:?}", done.detail);
    assert_eq!(
        done.detail.as_deref(),
        Some("installed bellhop-desk-tool 1.0.0")
    );
    assert_eq!(installed("bellhop-desk-tool")?.as_deref(), Some("1.0.0"));
    let sources = std::fs::read_to_string("/etc/apt/sources.list.d/bellhop.sources")?;
    assert!(
        sources.contains(&format!("URIs: {url}\n"))
            && sources.contains("Signed-By: /etc/apt/keyrings/bellhop.asc\n"),
        "{sources}"
    );
    assert_eq!(
        std::fs::read_to_string("/etc/apt/keyrings/bellhop.asc")?.trim(),
        desk_key.trim()
    );
    let asked = bob.act(computer.device, "remove", "desk-tool").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Succeeded, "{:?}", done.detail);

    // The desk drops its repository: its files go, and so do its packages.
    admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/software",
            json!({"items": [{"key": "desk-tool", "name": {"text": "Desk tool"},
                "packages": [{"manager": "apt", "id": "bellhop-desk-tool"}]}]}),
        )
        .await?;
    let asked = bob.act(computer.device, "install", "desk-tool").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Failed, "{:?}", done.detail);
    assert!(!Path::new("/etc/apt/sources.list.d/bellhop.sources").exists());
    assert!(!Path::new("/etc/apt/keyrings/bellhop.asc").exists());
    assert_eq!(installed("bellhop-desk-tool")?, None);
    Ok(())
}

/// The test's Flatpak remote, its application and runtime, taken away when dropped.
struct FlatpakLeftovers;

const FLATPAK_REMOTE: &str = "bellhop-test";
const FLATPAK_APP: &str = "app.bellhop.TestTool";
const FLATPAK_RUNTIME: &str = "app.bellhop.TestPlatform";

impl Drop for FlatpakLeftovers {
    fn drop(&mut self) {
        let _ = run(
            "flatpak",
            &[
                "uninstall",
                "--system",
                "--noninteractive",
                "--assumeyes",
                FLATPAK_APP,
                FLATPAK_RUNTIME,
            ],
        );
        let _ = run(
            "flatpak",
            &["remote-delete", "--system", "--force", FLATPAK_REMOTE],
        );
    }
}

/// A Flatpak repository at `root/repo` with a runtime (a shell alone) and an application on
/// it, exported as Flatpak exports them.
fn flatpak_repository(root: &Path) -> anyhow::Result<PathBuf> {
    let runtime = root.join("runtime");
    std::fs::create_dir_all(runtime.join("files"))?;
    std::fs::create_dir_all(runtime.join("usr/bin"))?;
    std::fs::copy("/bin/sh", runtime.join("usr/bin/sh"))?;
    std::fs::write(
        runtime.join("metadata"),
        format!(
            "[Runtime]\nname={FLATPAK_RUNTIME}\nruntime={FLATPAK_RUNTIME}/x86_64/1\nsdk={FLATPAK_RUNTIME}/x86_64/1\n"
        ),
    )?;
    let app = root.join("app");
    std::fs::create_dir_all(app.join("files/bin"))?;
    std::fs::create_dir_all(app.join("export"))?;
    std::fs::write(
        app.join("metadata"),
        format!(
            "[Application]\nname={FLATPAK_APP}\nruntime={FLATPAK_RUNTIME}/x86_64/1\ncommand=tool\n"
        ),
    )?;
    std::fs::write(
        app.join("files/bin/tool"),
        "#!/bin/sh\necho from the desk\n",
    )?;
    let repo = root.join("repo");
    let export = |args: &[&str], dir: &Path, branch: &str| {
        must(
            std::process::Command::new("flatpak")
                .arg("build-export")
                .args(args)
                .arg(&repo)
                .arg(dir)
                .arg(branch),
        )
    };
    export(&["--runtime"], &runtime, "1")?;
    export(&[], &app, "stable")?;
    Ok(repo)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bob_installs_and_removes_a_flatpak_application_system_wide() -> anyhow::Result<()> {
    anyhow::ensure!(
        is_root()?,
        "this test runs the privileged helper and Flatpak as root: run it as root (CI does)"
    );
    let _packages = PACKAGES.lock().await;
    // What an earlier run left goes first, and what this one leaves goes at its end.
    drop(FlatpakLeftovers);
    let _leftovers = FlatpakLeftovers;
    let work = tempfile::tempdir()?;
    let repo = flatpak_repository(work.path())?;
    must(std::process::Command::new("flatpak").args([
        "remote-add",
        "--system",
        "--no-gpg-verify",
        FLATPAK_REMOTE,
        &format!("file://{}", repo.display()),
    ]))?;

    let computer = bobs_computer(
        json!({"items": [{"key": "desk-tool", "name": {"text": "Desk tool"},
        "packages": [{"manager": "flatpak", "id": FLATPAK_APP}]}]}),
    )
    .await?;
    let bob = computer.bob().await?;
    let listed = || -> anyhow::Result<bool> {
        let out = run(
            "flatpak",
            &["list", "--system", "--app", "--columns=application"],
        )?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.trim() == FLATPAK_APP))
    };
    let asked = bob.act(computer.device, "install", "desk-tool").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Succeeded, "{:?}", done.detail);
    assert_eq!(
        done.detail.as_deref(),
        Some(format!("installed {FLATPAK_APP} stable").as_str())
    );
    assert!(listed()?, "flatpak does not list {FLATPAK_APP}");
    let devices = bob
        .send(reqwest::Method::GET, "/api/v1/me/devices", Value::Null)
        .await?;
    assert_eq!(
        devices[0]["facts"]["installed"],
        json!([{"package": {"manager": "flatpak", "id": FLATPAK_APP}, "version": "stable"}])
    );

    let asked = bob.act(computer.device, "remove", "desk-tool").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Succeeded, "{:?}", done.detail);
    assert_eq!(
        done.detail.as_deref(),
        Some(format!("removed {FLATPAK_APP}").as_str())
    );
    assert!(!listed()?);
    Ok(())
}
