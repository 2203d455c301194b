//! The knowledge base, for every signed-in user the portal settings let see it.

use axum::extract::State;
use axum::http::StatusCode;
use bellhop_proto::{Article, ArticleInput, ArticleStamp, ArticleSummary, ErrorBody};
use serde::Deserialize;

use crate::auth::Staff;
use crate::db::Caller;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// The knowledge base may be switched off for some users (portal settings).
async fn require_kb(state: &AppState, caller: &Caller) -> Result<()> {
    let settings = state.store.portal_settings().await?;
    if caller.is_staff() || settings.knowledge_base.allows(caller.user_id) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "the service desk has switched the knowledge base off for you",
        ))
    }
}

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
    require_kb(&state, &caller).await?;
    Ok(Json(
        state.store.search_articles(&caller, q.q.as_deref()).await?,
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
    require_kb(&state, &caller).await?;
    Ok(Json(state.store.article_stamps(&caller).await?))
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
    require_kb(&state, &caller).await?;
    Ok(Json(state.store.article(&caller, &id).await?))
}

/// Checks an article's text; the message says what to fix.
fn validate(input: &ArticleInput) -> Result<()> {
    bellhop_proto::Title::parse(&input.title)?;
    let category = input.category.trim();
    if category.is_empty() || category.chars().count() > 100 {
        return Err(AppError::bad_request(
            "the category must have 1 to 100 characters",
        ));
    }
    if input.body_md.chars().count() > bellhop_proto::MAX_BODY_CHARS {
        return Err(AppError::bad_request(format!(
            "the body is longer than {} characters",
            bellhop_proto::MAX_BODY_CHARS
        )));
    }
    if input.org_ids.len() > 1000 {
        return Err(AppError::bad_request("name at most 1000 organisations"));
    }
    Ok(())
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
    validate(&input)?;
    let id = state.store.save_article(&staff, None, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.article(&staff, &id).await?),
    ))
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
    validate(&input)?;
    state.store.save_article(&staff, Some(&id), &input).await?;
    Ok(Json(state.store.article(&staff, &id).await?))
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
