//! The address of the client behind a request, for rate limits and the audit trail: the
//! socket's peer, unless that peer is a proxy the server was told to trust (`--trusted-proxy`).
//! Then it is the address the proxy says it forwarded for: `X-Forwarded-For` read from the
//! right, past every trusted proxy, so a client cannot pick its own address by sending the
//! header itself.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::error::AppError;
use crate::state::AppState;

/// The client's address as [`client_addr`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// `peer` unless it is trusted; then the last address of `X-Forwarded-For` that is not a
/// trusted proxy (or the first one, when every hop is trusted).
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("no peer address on the request")))?;
        Ok(Self(client_addr(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            if let Ok(value) = value.parse() {
                headers.append("x-forwarded-for", value);
            }
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let proxies: Vec<IpNet> = ["10.0.0.0/8", "::1/128"]
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect();
        let spoofed = headers(&["6.6.6.6"]);
        assert_eq!(
            client_addr(ip("203.0.113.9"), &spoofed, &proxies),
            ip("203.0.113.9"),
            "a client talking to us directly cannot name another address"
        );
        assert_eq!(
            client_addr(ip("203.0.113.9"), &spoofed, &[]),
            ip("203.0.113.9")
        );
        // The client sent its own header; the proxy appended the address it saw.
        let through = headers(&["6.6.6.6, 198.51.100.7"]);
        assert_eq!(
            client_addr(ip("10.1.2.3"), &through, &proxies),
            ip("198.51.100.7")
        );
        // Two trusted proxies in a row, the header split over two lines.
        let chained = headers(&["6.6.6.6, 198.51.100.7", "10.9.9.9"]);
        assert_eq!(
            client_addr(ip("10.1.2.3"), &chained, &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_addr(ip("10.1.2.3"), &headers(&["not an address"]), &proxies),
            ip("10.1.2.3"),
            "nothing readable: the proxy itself"
        );
    }
}
