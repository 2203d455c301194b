//! The knowledge base, for every signed-in user the portal settings let see it.

use axum::extract::State;
use bellhop_proto::{Article, ArticleSummary, ErrorBody};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::Caller;
use crate::error::{AppError, Result};

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
use crate::extract::{Json, Path, Query};

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
    Ok(Json(state.store.search_articles(q.q.as_deref()).await?))
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
    Ok(Json(state.store.article(&id).await?))
}
