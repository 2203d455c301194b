//! HTTPS in the server itself, with certificate files: the portal over TLS to a client that
//! trusts the certificate, HSTS on every answer, plain HTTP sent to the HTTPS address, and the
//! settings that cannot work refused at start.

use bellhop_server::app::Server;
use bellhop_server::config::Settings;
use bellhop_server::tls::CertFiles;

/// A self-signed certificate for `localhost`, written to `dir`: its files and its PEM.
fn certificate(dir: &std::path::Path) -> anyhow::Result<(CertFiles, String)> {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    let files = CertFiles {
        cert: dir.join("portal.crt"),
        key: dir.join("portal.key"),
    };
    std::fs::write(&files.cert, made.cert.pem())?;
    std::fs::write(&files.key, made.key_pair.serialize_pem())?;
    Ok((files, made.cert.pem()))
}

#[tokio::test]
async fn the_portal_is_served_over_https_and_plain_http_is_sent_there() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (files, pem) = certificate(dir.path())?;
    // A free port first, so the public address can name it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut settings = Settings::ephemeral(dir.path().join("data"));
    settings.listen = ([127, 0, 0, 1], port).into();
    settings.public_url = Some(format!("https://localhost:{port}"));
    settings.tls = Some(files);
    settings.http_redirect = Some(([127, 0, 0, 1], 0).into());
    let server = Server::start(settings).await?;
    assert!(server.https());
    let plain = server
        .redirect_addr()
        .ok_or_else(|| anyhow::anyhow!("no redirect listener"))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?)
        .build()?;
    let res = trusting
        .get(format!("https://localhost:{port}/api/v1/server"))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    // A client that does not trust it gets no answer; nor does plain HTTP on the TLS port.
    assert!(
        reqwest::Client::new()
            .get(format!("https://localhost:{port}/api/v1/server"))
            .send()
            .await
            .is_err()
    );
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/server"))
        .send()
        .await;
    assert!(res.is_err(), "{res:?}");

    // Plain HTTP is sent to the same path at the HTTPS address, keeping the method.
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let res = no_follow
        .post(format!("http://{plain}/api/v1/auth/login?from=mail"))
        .send()
        .await?;
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("https://localhost:{port}/api/v1/auth/login?from=mail").as_str())
    );
    drop(stop);
    Ok(())
}

#[tokio::test]
async fn settings_that_cannot_serve_https_are_refused_at_start() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (files, _) = certificate(dir.path())?;
    let start = |configure: &dyn Fn(&mut Settings)| {
        let mut settings = Settings::ephemeral(dir.path().join("data"));
        configure(&mut settings);
        Server::start(settings)
    };
    let refusal = |result: anyhow::Result<Server>| match result {
        Ok(_) => String::new(),
        Err(e) => format!("{e:#}"),
    };
    let plain_public = refusal(
        start(&|s| {
            s.tls = Some(files.clone());
            s.public_url = Some("http://help.example.com".into());
        })
        .await,
    );
    assert!(
        plain_public.contains("must start with https://"),
        "{plain_public}"
    );
    let no_key = refusal(
        start(&|s| {
            s.tls = Some(CertFiles {
                cert: files.cert.clone(),
                key: dir.path().join("missing.key"),
            });
        })
        .await,
    );
    assert!(no_key.contains("missing.key"), "{no_key}");
    let redirect_alone = refusal(
        start(&|s| {
            s.http_redirect = Some(([127, 0, 0, 1], 0).into());
        })
        .await,
    );
    assert!(redirect_alone.contains("needs HTTPS"), "{redirect_alone}");
    let both = refusal(
        start(&|s| {
            s.tls = Some(files.clone());
            s.acme = Some(bellhop_server::acme::AcmeSettings {
                domains: vec!["help.example.com".into()],
                contact: Vec::new(),
                directory: bellhop_server::acme::LETS_ENCRYPT.into(),
                directory_roots: None,
            });
        })
        .await,
    );
    assert!(both.contains("not both"), "{both}");
    Ok(())
}
