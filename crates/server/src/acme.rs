//! Certificates obtained and renewed by the server itself over ACME (Let's Encrypt, or any ACME
//! CA), with `rustls-acme`: the TLS-ALPN-01 challenge is answered on the HTTPS port itself, so
//! nothing else needs to listen. The certificate is renewed when two thirds of its life have
//! passed, and served from the next handshake on, without a restart.
//!
//! The account key and certificates are kept in the data directory (`acme/`), or, when the
//! server runs on PostgreSQL, in the database (`acme_cache`): instances sharing a database then
//! share one certificate instead of each ordering its own.

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls_acme::caches::DirCache;
use rustls_acme::{AccountCache, AcmeConfig, AcmeState, CertCache, EventOk};
use sha2::Digest;

use crate::db::Store;

/// Let's Encrypt's production directory: the default CA.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// What the server's certificates are obtained for, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeSettings {
    /// The names the certificate is for (the public address's host first).
    pub domains: Vec<String>,
    /// Who the CA writes to about the certificates (`mailto:…`).
    pub contact: Vec<String>,
    /// The CA's ACME directory.
    pub directory: String,
    /// Extra roots (PEM) to trust the directory with, beside the public web's: a private CA's,
    /// or a test CA's.
    pub directory_roots: Option<PathBuf>,
}

/// The ACME side of the server: the certificate resolver the TLS listener asks, and the state
/// that orders and renews (driven by [`Acme::run`]).
pub struct Acme {
    state: AcmeState<Box<dyn Debug>, Box<dyn Debug>>,
}

impl Acme {
    /// The ACME client for `settings`, keeping its account and certificates in `data_dir`, or
    /// in `store` when it is PostgreSQL.
    pub fn new(settings: &AcmeSettings, store: &Store, data_dir: PathBuf) -> anyhow::Result<Self> {
        anyhow::ensure!(
            !settings.domains.is_empty(),
            "ACME needs at least one domain"
        );
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &settings.directory_roots {
            for cert in CertificateDer::pem_file_iter(path)
                .with_context(|| format!("reading the ACME roots {}", path.display()))?
            {
                roots
                    .add(cert.with_context(|| format!("a certificate in {}", path.display()))?)
                    .with_context(|| format!("a root in {}", path.display()))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let config = AcmeConfig::new_with_client_config(&settings.domains, Arc::new(client))
            .directory(&settings.directory)
            .contact(&settings.contact);
        let config = if store.backend_name() == "postgresql" {
            config.cache_with_boxed_err(StoreCache {
                store: store.clone(),
            })
        } else {
            config.cache_with_boxed_err(DirCache::new(data_dir.join("acme")))
        };
        Ok(Self {
            state: config.state(),
        })
    }

    /// The certificate the TLS listener serves (and the TLS-ALPN-01 challenge's, when the CA
    /// asks for it).
    pub fn resolver(&self) -> Arc<dyn rustls::server::ResolvesServerCert> {
        self.state.resolver()
    }

    /// Orders, deploys and renews, for as long as the server runs; every step is logged.
    pub async fn run(mut self) {
        while let Some(event) = self.state.next().await {
            match event {
                Ok(EventOk::DeployedNewCert) => tracing::info!("ACME: a new certificate is served"),
                Ok(EventOk::DeployedCachedCert) => {
                    tracing::info!("ACME: the kept certificate is served")
                }
                Ok(ok) => tracing::debug!(?ok, "ACME"),
                Err(e) => tracing::warn!(error = ?e, "ACME: trying again later"),
            }
        }
    }
}

/// The account and certificates in the database (`acme_cache`), for instances sharing one.
struct StoreCache {
    store: Store,
}

/// The cache key of what is kept for these names (or contacts) at this CA.
fn cache_key(kind: &str, names: &[String], directory: &str) -> String {
    let mut hash = sha2::Sha256::new();
    for name in names {
        hash.update(name.as_bytes());
        hash.update([0]);
    }
    hash.update(directory.as_bytes());
    format!("{kind}-{}", hex::encode(hash.finalize()))
}

impl StoreCache {
    async fn load(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let kept = self
            .store
            .acme_cached(key)
            .await
            .map_err(|e| e.to_string())?;
        kept.map(|text| STANDARD.decode(text).map_err(|e| e.to_string()))
            .transpose()
    }

    async fn keep(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.store
            .keep_acme_cached(key, &STANDARD.encode(value))
            .await
            .map_err(|e| e.to_string())
    }
}

#[async_trait::async_trait]
impl CertCache for StoreCache {
    type EC = String;

    async fn load_cert(
        &self,
        domains: &[String],
        directory: &str,
    ) -> Result<Option<Vec<u8>>, String> {
        self.load(&cache_key("cert", domains, directory)).await
    }

    async fn store_cert(
        &self,
        domains: &[String],
        directory: &str,
        cert: &[u8],
    ) -> Result<(), String> {
        self.keep(&cache_key("cert", domains, directory), cert)
            .await
    }
}

#[async_trait::async_trait]
impl AccountCache for StoreCache {
    type EA = String;

    async fn load_account(
        &self,
        contact: &[String],
        directory: &str,
    ) -> Result<Option<Vec<u8>>, String> {
        self.load(&cache_key("account", contact, directory)).await
    }

    async fn store_account(
        &self,
        contact: &[String],
        directory: &str,
        account: &[u8],
    ) -> Result<(), String> {
        self.keep(&cache_key("account", contact, directory), account)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_differ_by_kind_names_and_ca() {
        let names = ["help.example.com".to_owned()];
        let a = cache_key("cert", &names, LETS_ENCRYPT);
        assert_ne!(a, cache_key("account", &names, LETS_ENCRYPT));
        assert_ne!(
            a,
            cache_key("cert", &["other.example.com".to_owned()], LETS_ENCRYPT)
        );
        assert_ne!(a, cache_key("cert", &names, "https://ca.example/dir"));
        // Names are not run together: ["ab", "c"] is not ["a", "bc"].
        assert_ne!(
            cache_key("cert", &["ab".into(), "c".into()], LETS_ENCRYPT),
            cache_key("cert", &["a".into(), "bc".into()], LETS_ENCRYPT)
        );
    }
}
