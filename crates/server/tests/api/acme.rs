//! HTTPS with a certificate the server obtains and renews itself over ACME, against Debian's
//! `pebble` (Let's Encrypt's ACME test server), which the test starts with
//! `pebble-challtestsrv` as its DNS (every name is 127.0.0.1). Pebble issues certificates that
//! live 30 seconds, so the renewal at two thirds of their life happens within the test.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use crate::helpers::{on_postgres, spawn_app_with};

const DOMAIN: &str = "help.bellhop.test";

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts `program`; the child is stopped when dropped.
fn start(
    program: &str,
    args: &[&str],
    envs: &[(&str, &str)],
) -> anyhow::Result<tokio::process::Child> {
    let child = tokio::process::Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| anyhow::anyhow!("{program} is needed (scripts/setup installs pebble): {e}"))?;
    Ok(child)
}

/// A CA of the test's own and a certificate it signed for pebble's own HTTPS listeners
/// (127.0.0.1, localhost): their PEM files in `dir`, and the CA's PEM.
fn pebble_listener_certificate(dir: &std::path::Path) -> anyhow::Result<String> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key)?;
    let key = KeyPair::generate()?;
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?
        .signed_by(&key, &ca, &ca_key)?;
    std::fs::write(dir.join("pebble.crt"), leaf.pem())?;
    std::fs::write(dir.join("pebble.key"), key.serialize_pem())?;
    std::fs::write(dir.join("test-ca.pem"), ca.pem())?;
    Ok(ca.pem())
}

/// The certificate the server hands a client asking for `DOMAIN` on `port`, checked against
/// `roots`: its DER.
async fn served(port: u16, roots: &rustls::RootCertStore) -> anyhow::Result<Vec<u8>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let tls = connector
        .connect(ServerName::try_from(DOMAIN)?, tcp)
        .await?;
    let (_, session) = tls.get_ref();
    Ok(session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.to_vec())
        .unwrap_or_default())
}

#[tokio::test]
async fn the_server_obtains_its_certificate_over_acme_serves_it_and_renews_it() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let ca_pem = pebble_listener_certificate(dir.path())?;
    let (acme_port, management, dns, https) =
        (free_port()?, free_port()?, free_port()?, free_port()?);
    let dns_addr = format!("127.0.0.1:{dns}");
    let unused = format!("127.0.0.1:{}", free_port()?);
    // Every name is 127.0.0.1 (no AAAA answers: the server listens on IPv4).
    let _dns = start(
        "pebble-challtestsrv",
        &[
            "-defaultIPv4",
            "127.0.0.1",
            "-defaultIPv6",
            "",
            "-dns01",
            &dns_addr,
            "-http01",
            "",
            "-https01",
            "",
            "-tlsalpn01",
            "",
            "-management",
            &unused,
        ],
        &[],
    )?;
    let config = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{acme_port}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": dir.path().join("pebble.crt"),
        "privateKey": dir.path().join("pebble.key"),
        "httpPort": free_port()?,
        // The challenge is answered on the server's own HTTPS port.
        "tlsPort": https,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
        "certificateValidityPeriod": 30,
    }});
    let config_path = dir.path().join("pebble.json");
    std::fs::write(&config_path, config.to_string())?;
    let _pebble = start(
        "pebble",
        &[
            "-config",
            &config_path.to_string_lossy(),
            "-dnsserver",
            &dns_addr,
        ],
        &[("PEBBLE_VA_NOSLEEP", "1"), ("PEBBLE_WFE_NONCEREJECT", "0")],
    )?;
    let test_ca = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes())?)
        .build()?;
    let directory = format!("https://127.0.0.1:{acme_port}/dir");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while test_ca.get(&directory).send().await.is_err() {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "pebble did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let data = dir.path().join("data");
    let roots_file = dir.path().join("test-ca.pem");
    let app = spawn_app_with(|s| {
        s.data_dir = data.clone();
        s.listen = ([127, 0, 0, 1], https).into();
        s.acme = Some(bellhop_server::acme::AcmeSettings {
            domains: vec![DOMAIN.to_owned()],
            contact: vec!["mailto:admin@helpdesk.example".to_owned()],
            directory: directory.clone(),
            directory_roots: Some(roots_file.clone()),
        });
    })
    .await?;

    // Pebble's root for this run, from its management interface.
    let root_pem = test_ca
        .get(format!("https://127.0.0.1:{management}/roots/0"))
        .send()
        .await?
        .text()
        .await?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(root_pem.as_bytes()) {
        roots.add(cert?)?;
    }
    // The portal over HTTPS, to a client that trusts pebble's root, once the certificate is in.
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(root_pem.as_bytes())?)
        .resolve(DOMAIN, ([127, 0, 0, 1], https).into())
        .build()?;
    let url = format!("https://{DOMAIN}:{https}/api/v1/server");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let res = loop {
        match client.get(&url).send().await {
            Ok(res) => break res,
            Err(e) => {
                anyhow::ensure!(
                    tokio::time::Instant::now() < deadline,
                    "no certificate within a minute: {e:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("strict-transport-security"));
    let first = served(https, &roots).await?;
    assert!(!first.is_empty());

    // Kept where instances find it: the database on PostgreSQL, the data directory otherwise.
    if on_postgres() {
        let kept = app
            .sql_text("SELECT key FROM acme_cache WHERE key LIKE 'cert-%'")
            .await?;
        assert!(kept.is_some(), "no certificate in the database");
    } else {
        let kept = std::fs::read_dir(data.join("acme"))?.count();
        assert!(
            kept >= 2,
            "the account and the certificate are kept ({kept} files)"
        );
    }

    // Renewed at two thirds of its 30 seconds, and served from the next handshake on.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let now = served(https, &roots).await?;
        if now != first {
            break;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the certificate was not renewed"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(client.get(&url).send().await?.status(), 200);
    Ok(())
}
