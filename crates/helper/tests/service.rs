//! The service as the system starts it: it refuses a configuration that users other than the
//! administrator may change, and one that points at a server in the clear, before it listens.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;

fn start(config: &std::path::Path) -> anyhow::Result<std::process::Output> {
    Ok(
        std::process::Command::new(env!("CARGO_BIN_EXE_bellhop-helper"))
            .arg("--config")
            .arg(config)
            .output()?,
    )
}

#[test]
fn the_service_starts_only_from_a_configuration_root_alone_may_write() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("helper.toml");
    let socket = dir.path().join("helper.sock");
    std::fs::write(
        &config,
        format!(
            "server_url = \"https://help.example.com\"\nsocket = {:?}\nstate_dir = {:?}\n",
            socket.display().to_string(),
            dir.path().join("state").display().to_string()
        ),
    )?;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666))?;
    let out = start(&config)?;
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("administrator"), "{said}");
    assert!(!socket.exists(), "it listened anyway");

    std::fs::write(&config, "server_url = \"http://help.example.com\"\n")?;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600))?;
    let out = start(&config)?;
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("https://"), "{said}");
    Ok(())
}
