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

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<(StatusCode, &'static str)> {
    state.store.ping().await?;
    Ok((StatusCode::OK, "ready"))
}
