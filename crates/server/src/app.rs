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
use crate::error::error_response;
use crate::mail::{MailWorker, Transport};
use crate::{demo, openapi, routes};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub mail: MailWorker,
    pub blobs: Blobs,
    /// Turns true when the server starts shutting down: long-lived responses (the live event
    /// stream) end then, so graceful shutdown does not wait for them forever.
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// Where people reach the portal: every link in an email starts with it. It comes from the
    /// server's configuration (`--public-url`) alone, never from a setting the console edits.
    pub public_url: String,
    pub sms: std::sync::Arc<crate::sms::SmsTransport>,
    /// The largest attachment accepted, whole or in chunks.
    pub max_attachment_bytes: usize,
    /// Where password hashes are computed, bounded (`auth.rs`).
    pub passwords: std::sync::Arc<crate::auth::PasswordPool>,
    /// Proxies whose forwarding header names the client (`client.rs`).
    pub trusted_proxies: std::sync::Arc<[ipnet::IpNet]>,
}

/// A server that has bound its port and opened its database, ready to serve.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    addr: SocketAddr,
    mail: MailWorker,
    closing: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// Opens the database (migrating it), seeds the demo world when asked and the database is
    /// empty, and binds the listening socket. Port 0 picks a free port: see [`Self::addr`].
    pub async fn start(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "creating the data directory {}",
                settings.data_dir.display()
            )
        })?;
        let store = match &settings.database_url {
            Some(url) => Store::open(url).await?,
            None => Store::open_sqlite(&settings.sqlite_path()).await?,
        };
        tracing::info!(database = store.backend_name(), "storage ready");
        if settings.demo && demo::seed_if_empty(&store).await? {
            println!("bellhop-server: seeded the demo world (see README, \"Demo accounts\")");
        }
        let transport = Transport::new(settings.smtp_url.as_deref(), settings.mail_dir())?;
        tracing::info!(via = %transport.describe(), "mail");
        let mail = MailWorker::new(store.clone(), transport, settings.mail_from.clone());
        let sms = crate::sms::SmsTransport::new(
            settings.sms_url.as_deref(),
            settings.sms_token.clone(),
            settings.sms_dir(),
        )?;
        tracing::info!(via = %sms.describe(), "sms");
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let addr = listener.local_addr()?;
        let (closing, closing_rx) = tokio::sync::watch::channel(false);
        let router = router(
            AppState {
                store,
                mail: mail.clone(),
                blobs: Blobs::new(settings.data_dir.join("attachments")),
                closing: closing_rx,
                public_url: settings
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{addr}")),
                sms: std::sync::Arc::new(sms),
                max_attachment_bytes: settings.max_attachment_bytes,
                passwords: std::sync::Arc::new(crate::auth::PasswordPool::for_this_machine()),
                trusted_proxies: settings.trusted_proxies.clone().into(),
            },
            &settings,
        );
        Ok(Self {
            listener,
            router,
            addr,
            mail,
            closing,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The mail sender (tests drain it to send queued mail at once).
    pub fn mail(&self) -> MailWorker {
        self.mail.clone()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.addr, "listening");
        let worker = tokio::spawn(self.mail.run());
        let closing = self.closing;
        let shutdown = async move {
            shutdown.await;
            let _ = closing.send(true);
        };
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP");
        worker.abort();
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
    .layer(TraceLayer::new_for_http())
}
