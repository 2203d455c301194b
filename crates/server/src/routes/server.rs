use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::ServerInfo;

use crate::error::Result;
use crate::extract::Json;
use crate::state::AppState;

/// Which server this is.
#[utoipa::path(get, path = "/api/v1/server", tag = "server",
    responses((status = 200, body = ServerInfo)))]
pub async fn info(State(state): State<AppState>) -> Json<ServerInfo> {
    Json(ServerInfo {
        product: "bellhop".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.store.backend_name().into(),
    })
}

/// The probe of the portal-address check (`domain::address`): 204 for a probe this server (or
/// one sharing its key) made, 404 for anything else.
#[utoipa::path(get, path = "/api/v1/server/probe", tag = "server",
    params(("token" = Option<String>, Query, description = "the sealed probe")),
    responses((status = 204), (status = 404, body = bellhop_proto::ErrorBody)))]
pub async fn probe(
    State(state): State<AppState>,
    crate::extract::Query(query): crate::extract::Query<ProbeQuery>,
) -> Result<StatusCode> {
    if crate::domain::address::is_our_probe(&state, query.token.as_deref().unwrap_or_default()) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(crate::error::AppError::not_found(
            "not a probe of this server",
        ))
    }
}

/// The probe's query.
#[derive(Debug, serde::Deserialize)]
pub struct ProbeQuery {
    token: Option<String>,
}

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<(StatusCode, &'static str)> {
    state.store.ping().await?;
    Ok((StatusCode::OK, "ready"))
}
