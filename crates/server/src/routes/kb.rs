//! The knowledge base, for every signed-in user the portal settings let see it.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{Article, ArticleInput, ArticleStamp, ArticleSummary, ErrorBody};
use serde::Deserialize;

use crate::auth::Staff;
use crate::db::Caller;
use crate::domain::kb;
use crate::error::Result;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ArticleQuery {
    /// Words that must appear in the title or body.
    pub q: Option<String>,
}

/// Searches the knowledge base.
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "knowledge base", params(ArticleQuery),
    responses((status = 200, body = Vec<ArticleSummary>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ArticleQuery>,
) -> Result<Json<Vec<ArticleSummary>>> {
    Ok(Json(
        kb::search(&state.store, &caller, q.q.as_deref()).await?,
    ))
}

/// Every article the caller may see and when it changed: what an offline copy (the desktop
/// app's) compares with its own to fetch the changed ones and drop the rest.
#[utoipa::path(get, path = "/api/v1/kb/stamps", tag = "knowledge base",
    responses((status = 200, body = Vec<ArticleStamp>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn stamps(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ArticleStamp>>> {
    Ok(Json(kb::stamps(&state.store, &caller).await?))
}

/// One article, its body as sanitised HTML.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge base",
    params(("id" = String, Path, description = "article id")),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Article>> {
    Ok(Json(kb::read(&state.store, &caller, &id).await?))
}

/// Writes a new article (technicians).
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "knowledge base",
    request_body = ArticleInput,
    responses((status = 201, body = Article), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Json(input): Json<ArticleInput>,
) -> Result<(StatusCode, Json<Article>)> {
    let article = kb::save(&state.store, &staff, None, &input).await?;
    Ok((StatusCode::CREATED, Json(article)))
}

/// Rewrites an article (technicians).
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "knowledge base",
    params(("id" = String, Path, description = "article id")), request_body = ArticleInput,
    responses((status = 200, body = Article), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<String>,
    Json(input): Json<ArticleInput>,
) -> Result<Json<Article>> {
    Ok(Json(
        kb::save(&state.store, &staff, Some(&id), &input).await?,
    ))
}

/// Deletes an article (technicians).
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "knowledge base",
    params(("id" = String, Path, description = "article id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state.store.delete_article(&staff, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
