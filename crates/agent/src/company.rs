//! Confirming who uses this computer with their company account, as RFC 8252 has native apps
//! sign in: the app listens on a loopback address of its own (127.0.0.1, a port the system
//! picks), sends the system browser to the server's sign-in through the organisation's identity
//! provider, and the browser comes back to the app with a code. The app trades the code, with
//! the PKCE verifier only it holds, for the person's credential on this device.
//!
//! The browser is the person's own, where they may be signed in to their company already; the
//! app never sees their company password.

use std::convert::Infallible;
use std::time::Duration;

use bellhop_proto::{
    AppCompanySignInFinish, AppCompanySignInStart, CompanySignInError, ErrorCode, User,
};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::agent::Agent;
use crate::credentials::Secret;
use crate::error::{Error, Result};

/// How long the app waits for the browser to come back.
pub const COMPANY_SIGN_IN_WAIT: Duration = Duration::from_secs(10 * 60);

/// The path the browser comes back to on the loopback address.
const CALLBACK: &str = "/bellhop/company-sign-in";

/// A company sign-in under way: the address to open in the browser, and the loopback listener
/// waiting for it to come back.
pub struct CompanySignIn {
    listener: TcpListener,
    verifier: PkceCodeVerifier,
    state: String,
    url: String,
}

/// What the browser brought back.
enum Back {
    Code(String),
    Refused(String),
}

impl Agent {
    /// Begins confirming who uses this device with the company account of `email`'s
    /// organisation: listens on loopback and asks the server for the provider's address.
    pub async fn begin_company_sign_in(&self, email: &str) -> Result<CompanySignIn> {
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random().secret().clone();
        let redirect = self
            .client()?
            .company_start(
                &secret,
                &AppCompanySignInStart {
                    email: email.trim().to_owned(),
                    redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK}"),
                    code_challenge: challenge.as_str().to_owned(),
                    state: state.clone(),
                },
            )
            .await?;
        Ok(CompanySignIn {
            listener,
            verifier,
            state,
            url: redirect.url,
        })
    }

    /// Waits (at most [`COMPANY_SIGN_IN_WAIT`]) for the browser to come back from the sign-in
    /// begun by [`Self::begin_company_sign_in`], then keeps the person's credential.
    pub async fn finish_company_sign_in(&self, sign_in: CompanySignIn) -> Result<User> {
        let CompanySignIn {
            listener,
            verifier,
            state,
            ..
        } = sign_in;
        let back = tokio::time::timeout(COMPANY_SIGN_IN_WAIT, wait_for_browser(listener, &state))
            .await
            .map_err(|_| {
                Error::Invalid("the company sign-in took too long: begin again".into())
            })??;
        let code = match back {
            Back::Code(code) => code,
            Back::Refused(reason) => {
                return Err(Error::Server(bellhop_proto::ApiError::new(
                    ErrorCode::Forbidden,
                    reason,
                )));
            }
        };
        let secret = self.secret(Secret::DeviceSecret, "this device is not enrolled yet")?;
        let credential = self
            .client()?
            .company_finish(
                &secret,
                &AppCompanySignInFinish {
                    code,
                    code_verifier: verifier.secret().clone(),
                },
            )
            .await?;
        self.keep_credential(credential)
    }
}

impl CompanySignIn {
    /// The address to open in the system browser.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Serves the loopback address until the browser comes back with this sign-in's state; other
/// requests (a favicon, a stray visitor) get a 404 and change nothing.
async fn wait_for_browser(listener: TcpListener, state: &str) -> Result<Back> {
    let (found, mut got) = mpsc::channel::<Back>(1);
    loop {
        tokio::select! {
            back = got.recv() => {
                return back.ok_or_else(|| Error::Invalid("the sign-in was interrupted".into()));
            }
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                let found = found.clone();
                let state = state.to_owned();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let found = found.clone();
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(&req, &state, &found)) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    if let Err(e) = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await
                    {
                        tracing::debug!(error = %e, "a loopback connection ended badly");
                    }
                });
            }
        }
    }
}

/// The page the browser shows once back, and what it brought.
fn answer(
    req: &Request<Incoming>,
    state: &str,
    found: &mpsc::Sender<Back>,
) -> Response<Full<Bytes>> {
    let page = |status: StatusCode, text: &str| {
        let html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Bellhop</title></head>\
             <body style=\"font-family:sans-serif;margin:3em\"><h1>Bellhop</h1><p>{text}</p></body></html>"
        );
        let mut response = Response::new(Full::new(Bytes::from(html)));
        *response.status_mut() = status;
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
        );
        response
    };
    if req.uri().path() != CALLBACK {
        return page(StatusCode::NOT_FOUND, "Nothing here.");
    }
    let query = req.uri().query().unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    if get("state").as_deref() != Some(state) {
        return page(
            StatusCode::BAD_REQUEST,
            "This is not the sign-in Bellhop is waiting for.",
        );
    }
    let (back, text) = match (get("code"), get("error")) {
        (Some(code), None) => (
            Back::Code(code),
            "You are signed in to Bellhop. You can close this tab and go back to the app.",
        ),
        (_, error) => (
            Back::Refused(error.unwrap_or_else(|| CompanySignInError::Refused.as_str().into())),
            "The sign-in did not succeed. Go back to the Bellhop app to see why.",
        ),
    };
    // The first answer counts; a second (a reload) finds the channel full or closed.
    let _ = found.try_send(back);
    page(StatusCode::OK, text)
}
