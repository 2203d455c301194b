//! The knowledge base: who may read it (the portal settings), what an article must be, and how
//! a change is audited. Which articles a person sees (everyone's, and their organisation's) is
//! the store's query (`db/kb.rs`).

use bellhop_proto::{Article, ArticleInput, ArticleStamp, ArticleSummary, MAX_BODY_CHARS, Title};

use crate::db::{Caller, Store};
use crate::error::{AppError, Result};

/// Longest category name.
const MAX_CATEGORY_CHARS: usize = 100;
/// Most organisations one article may be limited to.
const MAX_ARTICLE_ORGS: usize = 1000;

/// The knowledge base may be switched off for some users (portal settings); never for the desk.
pub async fn require(store: &Store, caller: &Caller) -> Result<()> {
    let settings = store.portal_settings().await?;
    if caller.is_staff()
        || settings
            .knowledge_base
            .allows(caller.user_id, caller.org_id)
    {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "the service desk has switched the knowledge base off for you",
        ))
    }
}

/// Checks an article's text; the message says what to fix.
pub fn check(input: &ArticleInput) -> Result<()> {
    Title::parse(&input.title)?;
    let category = input.category.trim();
    if category.is_empty() || category.chars().count() > MAX_CATEGORY_CHARS {
        return Err(AppError::bad_request(format!(
            "the category must have 1 to {MAX_CATEGORY_CHARS} characters"
        )));
    }
    if input.body_md.chars().count() > MAX_BODY_CHARS {
        return Err(AppError::bad_request(format!(
            "the body is longer than {MAX_BODY_CHARS} characters"
        )));
    }
    if input.org_ids.len() > MAX_ARTICLE_ORGS {
        return Err(AppError::bad_request(format!(
            "name at most {MAX_ARTICLE_ORGS} organisations"
        )));
    }
    Ok(())
}

/// Articles the caller may read containing every word of `q`.
pub async fn search(
    store: &Store,
    caller: &Caller,
    q: Option<&str>,
) -> Result<Vec<ArticleSummary>> {
    require(store, caller).await?;
    store.search_articles(caller, q).await
}

/// Every article the caller may read and when it changed (for an offline copy).
pub async fn stamps(store: &Store, caller: &Caller) -> Result<Vec<ArticleStamp>> {
    require(store, caller).await?;
    store.article_stamps(caller).await
}

/// One article the caller may read.
pub async fn read(store: &Store, caller: &Caller, id: &str) -> Result<Article> {
    require(store, caller).await?;
    store.article(caller, id).await
}

/// Writes an article (new when `id` is `None`; technicians), audited with its title and
/// audience.
#[tracing::instrument(skip_all)]
pub async fn save(
    store: &Store,
    staff: &Caller,
    id: Option<&str>,
    input: &ArticleInput,
) -> Result<Article> {
    check(input)?;
    let whom = if input.org_ids.is_empty() {
        "everyone".to_owned()
    } else {
        format!("{} organisation(s)", input.org_ids.len())
    };
    let detail = format!("saved “{}”, visible to {whom}", input.title.trim());
    let id = store.save_article(staff, id, input, &detail).await?;
    store.article(staff, &id).await
}
