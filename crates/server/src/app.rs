//! Building and running the server: the same path for `bellhop-server` and for tests.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bellhop_proto::ErrorCode;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::blobs::Blobs;
use crate::config::Settings;
use crate::db::Store;
use crate::mail::{MailWorker, Transport};
use crate::response::error_response;
use crate::state::AppState;
use crate::{demo, openapi, routes};

/// A server that has bound its port and opened its database, ready to serve.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    addr: SocketAddr,
    mail: MailWorker,
    closing: tokio::sync::watch::Sender<bool>,
    limits: crate::serve::Limits,
    sweeper: crate::sweep::Sweeper,
    /// HTTPS: the certificate (watched for renewals) and the TLS side of the listener.
    tls: Option<(crate::tls::Certificates, tokio_rustls::TlsAcceptor)>,
    /// The plain-HTTP listener that sends everyone to the HTTPS address, and that address.
    redirect: Option<(tokio::net::TcpListener, String)>,
}

impl Server {
    /// Opens the database (migrating it), seeds the demo world when asked and the database is
    /// empty, and binds the listening socket. Port 0 picks a free port: see [`Self::addr`].
    pub async fn start(settings: Settings) -> anyhow::Result<Self> {
        if settings.demo && !settings.listen.ip().is_loopback() && !settings.demo_beyond_loopback {
            anyhow::bail!(
                "--demo seeds accounts whose password is public: it listens on loopback only \
                 (asked for {}); add --demo-beyond-loopback to serve it to the network anyway",
                settings.listen
            );
        }
        let store = open_store(&settings).await?;
        tracing::info!(database = store.backend_name(), "storage ready");
        if settings.demo && demo::seed_if_empty(&store).await? {
            println!("bellhop-server: seeded the demo world (see README, \"Demo accounts\")");
        }
        let grants = crate::grants::GrantSigner::load_or_create(
            &settings.data_dir.join(crate::grants::KEY_FILE),
        )?;
        let secrets = crate::keys::SecretBox::load_or_create(
            &settings.data_dir.join(crate::keys::FACTOR_KEY_FILE),
        )?;
        let seals = crate::keys::Sealer::load_or_create(
            &settings.data_dir.join(crate::keys::SEAL_KEY_FILE),
        )?;
        let transport = Transport::new(settings.smtp_url.as_deref(), settings.mail_dir())?;
        tracing::info!(via = %transport.describe(), "mail");
        let mail = MailWorker::new(store.clone(), transport, settings.mail_from.clone());
        let sms = crate::sms::SmsTransport::new(
            settings.sms_url.as_deref(),
            settings.sms_token.clone(),
            settings.sms_dir(),
        )?;
        tracing::info!(via = %sms.describe(), "sms");
        let certificates = match (&settings.tls, &settings.acme) {
            (Some(_), Some(_)) => {
                anyhow::bail!("certificate files or ACME, not both (--tls-cert or --acme-domain)")
            }
            (Some(files), None) => {
                tracing::info!(cert = %files.cert.display(), "HTTPS");
                Some(crate::tls::Certificates::Files(
                    crate::tls::FileCertificate::open(files.clone())?,
                ))
            }
            (None, Some(acme)) => {
                tracing::info!(domains = ?acme.domains, directory = %acme.directory, "HTTPS with ACME");
                Some(crate::tls::Certificates::Acme(crate::acme::Acme::new(
                    acme,
                    &store,
                    settings.data_dir.clone(),
                )?))
            }
            (None, None) => None,
        };
        let tls = match certificates {
            Some(certificates) => {
                let acceptor = certificates.acceptor()?;
                Some((certificates, acceptor))
            }
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url = settings.public_url.clone().unwrap_or_else(|| {
            match settings.acme.as_ref().and_then(|a| a.domains.first()) {
                Some(domain) if addr.port() == 443 => format!("https://{domain}"),
                Some(domain) => format!("https://{domain}:{}", addr.port()),
                None => format!("{scheme}://{addr}"),
            }
        });
        if tls.is_some() && !public_url.starts_with("https://") {
            anyhow::bail!(
                "with a certificate the portal is reached over HTTPS: --public-url must start with https:// (it is {public_url})"
            );
        }
        let redirect = match (settings.http_redirect, &tls) {
            (Some(at), Some(_)) => {
                let plain = tokio::net::TcpListener::bind(at)
                    .await
                    .with_context(|| format!("binding {at} for the redirect to HTTPS"))?;
                Some((plain, public_url.clone()))
            }
            (Some(_), None) => {
                anyhow::bail!("--http-redirect-listen needs HTTPS (--tls-cert or --acme-domain)")
            }
            (None, _) => None,
        };
        let (closing, closing_rx) = tokio::sync::watch::channel(false);
        let blobs = Blobs::new(settings.attachments_dir());
        let sweeper = crate::sweep::Sweeper::new(store.clone(), blobs.clone(), settings.chat_idle);
        let router = router(
            AppState {
                store,
                mail: mail.clone(),
                blobs,
                closing: closing_rx,
                public_url,
                cname_target: settings.cname_target.clone(),
                sms: std::sync::Arc::new(sms),
                max_attachment_bytes: settings.max_attachment_bytes,
                passwords: std::sync::Arc::new(crate::passwords::PasswordPool::for_this_machine()),
                trusted_proxies: settings.trusted_proxies.clone().into(),
                streams: std::sync::Arc::new(crate::state::StreamSlots::new(
                    settings.max_streams_per_person,
                )),
                grants: std::sync::Arc::new(grants),
                secrets: std::sync::Arc::new(secrets),
                seals: std::sync::Arc::new(seals),
                presence_holds: settings.presence_holds,
            },
            &settings,
        );
        // Once HTTPS works, browsers are told to use nothing else.
        let router = if tls.is_some() {
            router.layer(SetResponseHeaderLayer::if_not_present(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(crate::tls::HSTS),
            ))
        } else {
            router
        };
        let limits = crate::serve::Limits {
            max_connections: settings.max_connections,
            header_read_timeout: settings.header_read_timeout,
            shutdown_grace: settings.shutdown_grace,
        };
        Ok(Self {
            listener,
            router,
            addr,
            mail,
            closing,
            limits,
            sweeper,
            tls,
            redirect,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether it serves HTTPS.
    pub fn https(&self) -> bool {
        self.tls.is_some()
    }

    /// The plain-HTTP redirect listener's address, when there is one.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// The mail sender (tests drain it to send queued mail at once).
    pub fn mail(&self) -> MailWorker {
        self.mail.clone()
    }

    /// The sweep of expired rows and abandoned uploads (tests run it at once).
    pub fn sweeper(&self) -> crate::sweep::Sweeper {
        self.sweeper.clone()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.addr, "listening");
        let worker = tokio::spawn(self.mail.run());
        let deadlines = tokio::spawn(self.sweeper.clone().run_deadlines());
        let chat_clock = tokio::spawn(self.sweeper.clone().run_chat_clock());
        let sweeper = tokio::spawn(self.sweeper.run());
        let closing = self.closing;
        let mut closed = closing.subscribe();
        let shutdown = async move {
            shutdown.await;
            let _ = closing.send(true);
        };
        let (acceptor, renewals) = match self.tls {
            Some((certificates, acceptor)) => (
                Some(acceptor),
                Some(tokio::spawn(certificates.keep_current())),
            ),
            None => (None, None),
        };
        let redirect = self.redirect.map(|(plain, public_url)| {
            let limits = self.limits;
            tokio::spawn(async move {
                let closed = async move {
                    let _ = closed.wait_for(|closing| *closing).await;
                };
                let router = crate::tls::redirect_to(&public_url);
                if let Err(e) = crate::serve::serve(plain, router, limits, None, closed).await {
                    tracing::warn!(error = %e, "the redirect to HTTPS stopped");
                }
            })
        });
        let served =
            crate::serve::serve(self.listener, self.router, self.limits, acceptor, shutdown)
                .await
                .context("serving HTTP");
        if let Some(task) = renewals {
            task.abort();
        }
        if let Some(task) = redirect {
            let _ = task.await;
        }
        worker.abort();
        sweeper.abort();
        deadlines.abort();
        chat_clock.abort();
        served
    }
}

async fn api_not_found() -> impl IntoResponse {
    error_response(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "no such API endpoint".into(),
    )
}

async fn method_not_allowed() -> impl IntoResponse {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::BadRequest,
        "this endpoint does not take that method".into(),
    )
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(openapi::ApiDoc::openapi())
}

/// The portal loads only its own scripts and styles; ticket text can never bring in code.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

/// Ends a request that takes too long with 408 and the JSON error body: a client trickling its
/// body, or a handler stuck on something, cannot hold a connection and its memory forever. Live
/// event streams have no limit; uploads have a longer one.
async fn time_limit(State(limits): State<TimeLimits>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let limit = if path == "/api/v1/events" {
        return next.run(request).await;
    } else if (request.method() == Method::PUT && path.starts_with("/api/v1/attachments/"))
        || (request.method() == Method::POST && path == "/api/v1/releases")
        || path.starts_with("/api/v1/device/update/")
    {
        // An upload, or an update's download, which takes as long as the network takes.
        limits.upload
    } else {
        limits.request
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_response(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Unavailable,
            format!("the request took longer than {} s", limit.as_secs()),
        ),
    }
}

#[derive(Clone, Copy)]
struct TimeLimits {
    request: std::time::Duration,
    upload: std::time::Duration,
}

/// A handler that panicked answers 500 with the JSON error body, and the server goes on.
fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = what, "a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal error; the server log has the details".into(),
    )
}

/// After a request that may have written (anything but `GET`, `HEAD` and `OPTIONS`), tells the
/// store before the answer leaves, so this instance's next read sees the write
/// (`db/commits.rs`).
async fn writes_move_the_clock(
    State(store): State<Store>,
    request: Request,
    next: Next,
) -> Response {
    let may_write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if may_write {
        store.written();
    }
    response
}

pub fn router(state: AppState, settings: &Settings) -> Router {
    let api = routes::api(settings.max_attachment_bytes)
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(settings.max_json_bytes))
        // Every answer of the API is someone's data or a credential: no cache keeps a copy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(middleware::from_fn_with_state(
            state.store.clone(),
            writes_move_the_clock,
        ));
    let mut app = Router::new()
        .route("/healthz", get(routes::server::healthz))
        .route("/readyz", get(routes::server::readyz))
        .route("/api/openapi.json", get(openapi_json))
        .nest("/api/v1", api)
        .route("/api", get(api_not_found))
        .with_state(state);
    if let Some(ui) = &settings.ui_dir {
        // The technician console is its own page at /console, routed client-side by its hash.
        let console = ServeFile::new(ui.join("console.html"));
        app = app
            .route_service("/console", console.clone())
            .route_service("/console/", console);
        // The portal is a single-page app: unknown paths get index.html and route client-side.
        let spa = ServeDir::new(ui).fallback(ServeFile::new(ui.join("index.html")));
        app = app.fallback_service(spa);
    }
    harden(app, settings)
}

/// The layers every answer passes through: security headers, a handler's panic turned into a
/// 500 with the JSON error body, the time limits, tracing.
fn harden(app: Router, settings: &Settings) -> Router {
    app.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ))
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
    .layer(middleware::from_fn_with_state(
        TimeLimits {
            request: settings.request_timeout,
            upload: settings.upload_timeout,
        },
        time_limit,
    ))
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(request_span)
            .on_response(log_answer),
    )
}

/// A request slower than this is logged as a warning, with its route.
pub const SLOW_REQUEST: std::time::Duration = std::time::Duration::from_millis(500);

/// Each request's span: its method and the route it matched (`/api/v1/tickets/{id}`, not the
/// id), so that everything logged while answering it says which endpoint it was.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(files)", axum::extract::MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route = %route)
}

/// Every answer at debug level with its status and time; a slow one as a warning.
fn log_answer(response: &Response, latency: std::time::Duration, _span: &tracing::Span) {
    let status = response.status().as_u16();
    let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    if latency >= SLOW_REQUEST {
        tracing::warn!(status, ms, "slow request");
    } else {
        tracing::debug!(status, ms, "answered");
    }
}

/// The data directory made if need be, and the database opened and brought up to date.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "creating the data directory {}",
            settings.data_dir.display()
        )
    })?;
    Ok(match &settings.database_url {
        Some(url) => Store::open(url).await?,
        None => Store::open_sqlite(&settings.sqlite_path()).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    /// Log lines written while a test holds the guard.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn every_answer_is_logged_under_the_route_it_matched_not_its_path() -> anyhow::Result<()>
    {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        // Other tests, on other threads, meet these callsites with no subscriber: one that
        // registers a callsite while this one rebuilds the interest cache leaves it switched off.
        // Ask again until the request's span is on here (a registration takes microseconds).
        // The same for the answer's event, heard in the log; the probes' lines are then cleared.
        let probe = axum::http::Request::get("/").body(axum::body::Body::empty())?;
        let heard = || {
            String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|p| p.into_inner()))
                .contains("answered")
        };
        for _ in 0..1000 {
            tracing::callsite::rebuild_interest_cache();
            log_answer(
                &Response::default(),
                std::time::Duration::ZERO,
                &tracing::Span::none(),
            );
            if !request_span(&probe).is_disabled() && heard() {
                break;
            }
            tokio::task::yield_now().await;
        }
        captured.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let app = Router::new()
            .route(
                "/api/v1/things/{id}",
                get(|| async {
                    tracing::info!("looking");
                    "found"
                }),
            )
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_response(log_answer),
            );
        let res = app
            .oneshot(
                axum::http::Request::get("/api/v1/things/0193-secret-id")
                    .body(axum::body::Body::empty())?,
            )
            .await?;
        assert_eq!(res.status(), StatusCode::OK);
        let log = String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|p| p.into_inner()))
            .into_owned();
        let looking = log
            .lines()
            .find(|l| l.contains("looking"))
            .unwrap_or_default();
        assert!(
            looking.contains("route=/api/v1/things/{id}") && looking.contains("method=GET"),
            "{log}"
        );
        assert!(
            log.contains("answered") && log.contains("status=200"),
            "{log}"
        );
        assert!(!log.contains("0193-secret-id"), "{log}");
        Ok(())
    }

    #[tokio::test]
    async fn a_handler_that_panics_answers_500_with_the_json_body_and_the_next_request_is_served()
    -> anyhow::Result<()> {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("a bug");
                    }
                    "unreachable"
                }),
            )
            .route("/fine", get(|| async { "fine" }));
        let dir = tempfile::tempdir()?;
        let app = harden(app, &Settings::ephemeral(dir.path()));
        let res = app
            .clone()
            .oneshot(axum::http::Request::get("/boom").body(axum::body::Body::empty())?)
            .await?;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16).await?;
        let body: serde_json::Value = serde_json::from_slice(&body)?;
        assert_eq!(body["error"]["code"], "internal");
        let res = app
            .oneshot(axum::http::Request::get("/fine").body(axum::body::Body::empty())?)
            .await?;
        assert_eq!(res.status(), StatusCode::OK);
        Ok(())
    }
}
