//! HTTPS in the server itself: a certificate chain and its key from PEM files, served with
//! rustls, and read again when the files change (a renewal by certbot or another tool is
//! picked up without a restart; a broken renewal is logged and the certificate in use stays);
//! and the plain-HTTP listener that sends every request to the HTTPS address.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::response::Redirect;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// How often the certificate files are looked at for a change.
pub const RELOAD_EVERY: Duration = Duration::from_secs(60);

/// HSTS, sent on every HTTPS answer: browsers use HTTPS alone for a year.
pub const HSTS: &str = "max-age=31536000";

/// Where the certificate chain and its key are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFiles {
    /// The certificate, then its chain, PEM.
    pub cert: PathBuf,
    /// Its private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The certificate and key in `files`, checked to belong together.
pub fn load(files: &CertFiles) -> anyhow::Result<Arc<CertifiedKey>> {
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("reading the certificate {}: {e}", files.cert.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "{} holds no certificate (PEM, BEGIN CERTIFICATE)",
        files.cert.display()
    );
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| anyhow::anyhow!("reading the private key {}: {e}", files.key.display()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .with_context(|| format!("the private key {} is not usable", files.key.display()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().with_context(|| {
        format!(
            "the key {} is not the certificate {}'s",
            files.key.display(),
            files.cert.display()
        )
    })?;
    Ok(Arc::new(certified))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The certificate in use, read again from its files when they change.
#[derive(Debug)]
pub struct FileCertificate {
    files: CertFiles,
    current: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    key: Arc<CertifiedKey>,
    stamps: (Option<SystemTime>, Option<SystemTime>),
}

impl FileCertificate {
    /// Reads `files`; fails when they are not a certificate and its key.
    pub fn open(files: CertFiles) -> anyhow::Result<Arc<Self>> {
        let key = load(&files)?;
        let stamps = (modified(&files.cert), modified(&files.key));
        Ok(Arc::new(Self {
            files,
            current: RwLock::new(Loaded { key, stamps }),
        }))
    }

    fn stamps(&self) -> (Option<SystemTime>, Option<SystemTime>) {
        (modified(&self.files.cert), modified(&self.files.key))
    }

    /// Reads the files again when they changed; whether the certificate in use changed. When
    /// they are broken, the one in use stays and the error says why.
    pub fn reload_if_changed(&self) -> anyhow::Result<bool> {
        let stamps = self.stamps();
        let unchanged = self
            .current
            .read()
            .map(|c| c.stamps == stamps)
            .unwrap_or(false);
        if unchanged {
            return Ok(false);
        }
        let key = load(&self.files)?;
        if let Ok(mut current) = self.current.write() {
            *current = Loaded { key, stamps };
        }
        Ok(true)
    }

    /// Looks at the files every [`RELOAD_EVERY`], for as long as the server runs.
    pub async fn watch(self: Arc<Self>) {
        let mut every = tokio::time::interval(RELOAD_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match self.reload_if_changed() {
                Ok(true) => {
                    tracing::info!(cert = %self.files.cert.display(), "certificate read again")
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(
                    error = format!("{e:#}"),
                    "the certificate files changed but cannot be used; the one in use stays"
                ),
            }
        }
    }
}

impl ResolvesServerCert for FileCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|c| Arc::clone(&c.key))
    }
}

/// The ALPN protocol of ACME's TLS-ALPN-01 challenge: a handshake for it proves the server
/// holds the name, and carries nothing after (`serve.rs` closes it).
pub const ACME_ALPN: &[u8] = b"acme-tls/1";

/// The certificates the listener serves: from files, or from ACME.
pub enum Certificates {
    Files(Arc<FileCertificate>),
    Acme(crate::acme::Acme),
}

impl Certificates {
    /// The TLS side of the listener for these certificates.
    pub fn acceptor(&self) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
        match self {
            Self::Files(files) => acceptor(files.clone(), false),
            Self::Acme(acme) => acceptor(acme.resolver(), true),
        }
    }

    /// Keeps them current for as long as the server runs: the files read again when they
    /// change, or ACME's orders and renewals.
    pub async fn keep_current(self) {
        match self {
            Self::Files(files) => files.watch().await,
            Self::Acme(acme) => acme.run().await,
        }
    }
}

/// The TLS side of the server: `certificate` for every name, HTTP/1.1, and ACME's TLS-ALPN-01
/// challenge when `acme`.
pub fn acceptor(
    certificate: Arc<dyn ResolvesServerCert>,
    acme: bool,
) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(certificate);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    if acme {
        config.alpn_protocols.push(ACME_ALPN.to_vec());
    }
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The plain-HTTP side: every request is sent to the same path and query at `public_url`
/// (308, so a method and body are kept).
pub fn redirect_to(public_url: &str) -> Router {
    let base = public_url.trim_end_matches('/').to_owned();
    Router::new().fallback(move |request: Request| {
        let base = base.clone();
        async move {
            let path = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            Redirect::permanent(&format!("{base}{path}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &Path, name: &str) -> anyhow::Result<CertFiles> {
        let made = rcgen::generate_simple_self_signed(vec![name.to_owned()])?;
        let files = CertFiles {
            cert: dir.join(format!("{name}.crt")),
            key: dir.join(format!("{name}.key")),
        };
        std::fs::write(&files.cert, made.cert.pem())?;
        std::fs::write(&files.key, made.key_pair.serialize_pem())?;
        Ok(files)
    }

    #[test]
    fn a_certificate_and_its_key_load_and_a_mismatch_says_so() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let one = write_pair(dir.path(), "one.example")?;
        let two = write_pair(dir.path(), "two.example")?;
        assert!(load(&one).is_ok());
        let crossed = CertFiles {
            cert: one.cert.clone(),
            key: two.key.clone(),
        };
        let error = format!(
            "{:#}",
            load(&crossed).err().unwrap_or_else(|| anyhow::anyhow!(""))
        );
        assert!(error.contains("is not the certificate"), "{error}");
        let swapped = CertFiles {
            cert: one.key.clone(),
            key: one.cert.clone(),
        };
        let error = format!(
            "{:#}",
            load(&swapped).err().unwrap_or_else(|| anyhow::anyhow!(""))
        );
        assert!(error.contains("holds no certificate"), "{error}");
        let missing = CertFiles {
            cert: dir.path().join("nothing.crt"),
            key: one.key.clone(),
        };
        assert!(load(&missing).is_err());
        Ok(())
    }

    #[test]
    fn a_renewed_certificate_is_used_and_a_broken_one_is_not() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let files = write_pair(dir.path(), "help.example")?;
        let certificate = FileCertificate::open(files.clone())?;
        let first = certificate.current.read().map(|c| c.key.cert.clone()).ok();
        assert!(!certificate.reload_if_changed()?, "nothing changed");
        // A renewal: a new pair in the same files (a second later, so the times differ).
        std::thread::sleep(Duration::from_millis(1100));
        let renewed = write_pair(dir.path(), "renewed.example")?;
        std::fs::rename(&renewed.cert, &files.cert)?;
        std::fs::rename(&renewed.key, &files.key)?;
        assert!(certificate.reload_if_changed()?);
        let second = certificate.current.read().map(|c| c.key.cert.clone()).ok();
        assert_ne!(first, second);
        // A broken renewal: the renewed certificate stays in use.
        std::thread::sleep(Duration::from_millis(1100));
        std::fs::write(&files.key, "not a key")?;
        assert!(certificate.reload_if_changed().is_err());
        let kept = certificate.current.read().map(|c| c.key.cert.clone()).ok();
        assert_eq!(kept, second);
        Ok(())
    }
}
