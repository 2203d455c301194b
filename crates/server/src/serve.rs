//! The HTTP server loop, with the limits that keep slow or many clients from sinking it: a
//! bounded number of open connections (past it, new ones wait in the kernel's queue), a deadline
//! for a request's headers (a client that trickles them, or sits idle between requests, is
//! closed), and a graceful shutdown that waits for requests in flight at most a set time.
//!
//! axum's own `serve` offers none of these; this is the same hyper connection it uses, with them
//! set (hyper's HTTP/1 server), over TLS when the server has a certificate (`tls.rs`): the
//! handshake, too, must end within the header deadline.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;

/// The limits of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// How long a client has to send a request's headers, and how long a connection may sit
    /// idle between requests.
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for requests in flight before it closes their connections.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` (over TLS with `tls`) until `shutdown` resolves, then lets
/// requests in flight finish for at most [`Limits::shutdown_grace`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free slot first: while every slot is taken, new connections wait unaccepted.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, then go on.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (router, watcher, tls) = (router.clone(), graceful.watcher(), tls.clone());
        let deadline = limits.header_read_timeout;
        tokio::spawn(async move {
            match tls {
                None => connection(stream, router, peer, deadline, watcher).await,
                Some(tls) => match tokio::time::timeout(deadline, tls.accept(stream)).await {
                    // An ACME CA's challenge handshake carries nothing after it.
                    Ok(Ok(stream))
                        if stream.get_ref().1.alpn_protocol() == Some(crate::tls::ACME_ALPN) =>
                    {
                        tracing::debug!(%peer, "answered an ACME challenge");
                    }
                    Ok(Ok(stream)) => connection(stream, router, peer, deadline, watcher).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake not done in time"),
                },
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                grace = ?limits.shutdown_grace,
                "requests still running after the shutdown grace; closing them"
            );
        }
    }
    Ok(())
}

/// One client's connection: HTTP/1 with the header deadline, each request told who sent it,
/// and ended by a graceful shutdown once its request in flight is answered.
async fn connection<S>(
    stream: S,
    router: Router,
    peer: SocketAddr,
    deadline: Duration,
    watcher: Watcher,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = router.map_request(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.map(axum::body::Body::new)
    });
    let service = TowerToHyperService::new(service);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(deadline);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
