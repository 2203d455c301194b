//! Knowledge-base articles: Markdown written by technicians, shown as sanitised HTML, visible to
//! everyone or to chosen organisations only.

use bellhop_proto::{Article, ArticleInput, ArticleStamp, ArticleSummary, OrgId};
use sqlx::Row;

use super::sql::Sql;

use super::{Caller, Store, now_ms, parse_id, ts};
use crate::error::{AppError, Result};
use crate::markdown::{to_plain_text, to_safe_html};

/// Appends ` AND (<the caller may see article a>)`: staff see all; others see articles for
/// everyone and those of their organisation.
fn push_article_visibility(qb: &mut Sql, caller: &Caller) {
    if caller.is_staff() {
        return;
    }
    qb.push(" AND (NOT EXISTS (SELECT 1 FROM kb_article_orgs x WHERE x.article_id = a.id)");
    if let Some(org) = caller.org_id {
        qb.push(
            " OR EXISTS (SELECT 1 FROM kb_article_orgs x WHERE x.article_id = a.id AND x.org_id = ",
        )
        .bind(org.to_string())
        .push(")");
    }
    qb.push(")");
}

/// The PostgreSQL document an article is searched as: the index's expression
/// (`migrations/postgres/0022_kb_search.sql`), repeated exactly so that the index serves it.
const PG_DOCUMENT: &str =
    "(setweight(to_tsvector('english', a.title), 'A') || to_tsvector('english', a.body_md))";

/// An article found by [`Store::rank_articles`], with its source for quoting.
#[derive(Debug, Clone)]
pub struct RankedArticle {
    pub id: String,
    pub title: String,
    pub category: String,
    pub body_md: String,
}

impl Store {
    /// The `limit` articles the caller may read that best fit any of `words` (letters and digits
    /// only, as [`crate::domain::assistant`] splits them), best first: full-text search with
    /// stems (FTS5's BM25 on SQLite, `ts_rank` on PostgreSQL), a word in the title counting more
    /// than one in the body.
    pub async fn rank_articles(
        &self,
        caller: &Caller,
        words: &[String],
        limit: i64,
    ) -> Result<Vec<RankedArticle>> {
        let words: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !w.is_empty() && w.chars().all(char::is_alphanumeric))
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = match self.backend() {
            super::Backend::Sqlite => {
                let query = words
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                let mut qb = Sql::new(
                    "SELECT a.id, a.title, a.category, a.body_md, \
                     bm25(kb_search, 0.0, 10.0, 1.0) AS rank \
                     FROM kb_search JOIN kb_articles a ON a.id = kb_search.article_id \
                     WHERE kb_search MATCH ",
                );
                qb.bind(query);
                push_article_visibility(&mut qb, caller);
                qb.push(" ORDER BY rank, a.title");
                qb
            }
            super::Backend::Postgres => {
                let mut qb = Sql::new(
                    "SELECT a.id, a.title, a.category, a.body_md FROM kb_articles a, to_tsquery('english', ",
                );
                qb.bind(words.join(" | "));
                qb.push(") q WHERE ").push(PG_DOCUMENT).push(" @@ q");
                push_article_visibility(&mut qb, caller);
                qb.push(" ORDER BY ts_rank(")
                    .push(PG_DOCUMENT)
                    .push(", q) DESC, a.title");
                qb
            }
        };
        qb.limit(limit);
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(RankedArticle {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    category: r.try_get("category")?,
                    body_md: r.try_get("body_md")?,
                })
            })
            .collect()
    }

    /// Seeding: an article for everyone.
    pub async fn insert_article(
        &self,
        title: &str,
        category: &str,
        body_md: &str,
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO kb_articles (id, title, category, body_md, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(title)
        .bind(category)
        .bind(body_md)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Articles the caller may see whose title or body contain every word of `q`, by category
    /// and title.
    pub async fn search_articles(
        &self,
        caller: &Caller,
        q: Option<&str>,
    ) -> Result<Vec<ArticleSummary>> {
        let mut qb = Sql::new("SELECT a.id, a.title, a.category FROM kb_articles a WHERE 1 = 1");
        push_article_visibility(&mut qb, caller);
        qb.push_words(&["a.title", "a.body_md"], q.unwrap_or(""));
        qb.push(" ORDER BY a.category, a.title LIMIT 200");
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ArticleSummary {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    category: r.try_get("category")?,
                })
            })
            .collect()
    }

    /// Every article the caller may see, with when it last changed (no limit: an offline copy
    /// needs the whole list to know what is gone).
    pub async fn article_stamps(&self, caller: &Caller) -> Result<Vec<ArticleStamp>> {
        let mut qb = Sql::new("SELECT a.id, a.updated_at FROM kb_articles a WHERE 1 = 1");
        push_article_visibility(&mut qb, caller);
        qb.push(" ORDER BY a.id");
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ArticleStamp {
                    id: r.try_get("id")?,
                    updated_at: ts(r.try_get("updated_at")?)?,
                })
            })
            .collect()
    }

    /// One article, if the caller may see it (404 otherwise); technicians also get the source
    /// and the organisations it is limited to.
    pub async fn article(&self, caller: &Caller, id: &str) -> Result<Article> {
        let mut qb = Sql::new("SELECT a.* FROM kb_articles a WHERE a.id = ");
        qb.bind(id.to_owned());
        push_article_visibility(&mut qb, caller);
        let row = qb
            .build()?
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("no such article"))?;
        let body: String = row.try_get("body_md")?;
        let mut article = Article {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            category: row.try_get("category")?,
            body_html: to_safe_html(&body),
            body_text: to_plain_text(&body),
            updated_at: ts(row.try_get("updated_at")?)?,
            body_md: None,
            org_ids: Vec::new(),
        };
        if caller.is_staff() {
            article.body_md = Some(body);
            article.org_ids = self.article_orgs(id).await?;
        }
        Ok(article)
    }

    /// Writes an article (new when `id` is `None`) with its organisations, audited as `detail`.
    pub async fn save_article(
        &self,
        actor: &Caller,
        id: Option<&str>,
        input: &ArticleInput,
        detail: &str,
    ) -> Result<String> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let id = match id {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE kb_articles SET title = $1, category = $2, body_md = $3, updated_at = $4
                     WHERE id = $5",
                )
                .bind(input.title.trim())
                .bind(input.category.trim())
                .bind(&input.body_md)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(AppError::not_found("no such article"));
                }
                id.to_owned()
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                sqlx::query(
                    "INSERT INTO kb_articles (id, title, category, body_md, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(&id)
                .bind(input.title.trim())
                .bind(input.category.trim())
                .bind(&input.body_md)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        sqlx::query("DELETE FROM kb_article_orgs WHERE article_id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        for org in &input.org_ids {
            let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM orgs WHERE id = $1")
                .bind(org.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(AppError::bad_request(format!("no organisation {org}")));
            }
            sqlx::query(
                "INSERT INTO kb_article_orgs (article_id, org_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(&id)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        }
        Self::record_audit(&mut tx, actor, "kb.save", &id, detail).await?;
        tx.commit().await?;
        self.kb_changed().await?;
        Ok(id)
    }

    /// Deletes an article and audits it.
    pub async fn delete_article(&self, actor: &Caller, id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let title: Option<String> =
            sqlx::query_scalar("DELETE FROM kb_articles WHERE id = $1 RETURNING title")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let title = title.ok_or_else(|| AppError::not_found("no such article"))?;
        Self::record_audit(
            &mut tx,
            actor,
            "kb.delete",
            id,
            &format!("deleted “{title}”"),
        )
        .await?;
        tx.commit().await?;
        self.kb_changed().await
    }

    /// The organisations an article is limited to.
    async fn article_orgs(&self, id: &str) -> Result<Vec<OrgId>> {
        let orgs: Vec<String> =
            sqlx::query_scalar("SELECT org_id FROM kb_article_orgs WHERE article_id = $1")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        orgs.iter().map(|o| parse_id(o)).collect()
    }
}
