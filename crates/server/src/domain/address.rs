//! The portal's own address: what the desk's DNS must say for it, and whether it reaches this
//! server now. The check asks the public address for a probe sealed with this server's key; a
//! server that answers it holds the key (this one, or another instance of it), so a stale record
//! pointing at another machine, or a proxy sending the name elsewhere, shows as not reaching.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bellhop_proto::PortalAddress;
use rand::RngCore;

use crate::state::AppState;

/// The path the probe is sent to, under the public address.
pub const PROBE_PATH: &str = "/api/v1/server/probe";
/// The most the DNS lookup and the probe may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// What the probe's seal covers besides its nonce, so no other seal of the key passes for one.
const PROBE_CONTEXT: &[u8] = b"bellhop portal address probe\0";

/// A new probe: a nonce and its seal.
fn probe(state: &AppState) -> String {
    let mut nonce = [0u8; 16];
    rand::rng().fill_bytes(&mut nonce);
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let seal = state
        .seals
        .seal(&[PROBE_CONTEXT, nonce.as_bytes()].concat());
    format!("{nonce}.{seal}")
}

/// Whether `token` is a probe this server (or one sharing its key) made.
pub fn is_our_probe(state: &AppState, token: &str) -> bool {
    token.len() <= 200
        && token.split_once('.').is_some_and(|(nonce, seal)| {
            state
                .seals
                .verify(&[PROBE_CONTEXT, nonce.as_bytes()].concat(), seal)
        })
}

/// The portal's address, what its host resolves to, and whether it reaches this server.
#[tracing::instrument(skip_all)]
pub async fn check(state: &AppState) -> PortalAddress {
    let public_url = state.public_url.trim_end_matches('/').to_owned();
    let parsed = url::Url::parse(&public_url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let port = parsed
        .as_ref()
        .and_then(url::Url::port_or_known_default)
        .unwrap_or(443);
    let addresses = match tokio::time::timeout(
        CHECK_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(found)) => {
            let mut ips: Vec<String> = found.map(|a| a.ip().to_string()).collect();
            ips.dedup();
            ips
        }
        _ => Vec::new(),
    };
    let (reaches_this_server, problem) = if addresses.is_empty() {
        (
            false,
            Some(format!("{host} does not resolve from this server")),
        )
    } else {
        match reaches(&public_url, &probe(state)).await {
            Ok(()) => (true, None),
            Err(why) => (false, Some(why)),
        }
    };
    PortalAddress {
        public_url,
        host,
        cname_target: state.cname_target.clone(),
        addresses,
        reaches_this_server,
        problem,
    }
}

/// Asks the public address for the probe; why it did not come back to us, if it did not.
async fn reaches(public_url: &str, token: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CHECK_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?;
    let res = client
        .get(format!("{public_url}{PROBE_PATH}"))
        .query(&[("token", token)])
        .send()
        .await
        .map_err(|e| {
            let mut words = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                words = format!("{words}: {inner}");
                source = inner.source();
            }
            format!("{public_url} cannot be reached from this server: {words}")
        })?;
    match res.status().as_u16() {
        204 => Ok(()),
        status => Err(format!(
            "{public_url} answered {status}: it reaches another server than this one"
        )),
    }
}
