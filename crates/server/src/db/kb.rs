//! Knowledge-base articles: Markdown written by technicians, shown as sanitised HTML, visible to
//! everyone or to chosen organisations only.

use bellhop_proto::{Article, ArticleInput, ArticleStamp, ArticleSummary, Language, OrgId};
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
/// (`migrations/postgres/0024_kb_language.sql`), repeated exactly so that the index serves it.
const PG_DOCUMENT: &str =
    "(setweight(to_tsvector('simple', a.title_stems), 'A') || to_tsvector('simple', a.body_stems))";

/// An article's title and text as the search index holds them: stems in its language.
fn stems_of(title: &str, body_md: &str, language: Option<Language>) -> (String, String) {
    (
        crate::stems::of_text(title, language),
        crate::stems::of_text(&to_plain_text(body_md), language),
    )
}

/// How much an article's language weighs in its rank for someone asking in `language`, as SQL:
/// the asker's own counts double, an article for every language as it is, one in another
/// language half.
fn push_language_weight(qb: &mut Sql, language: Language) {
    qb.push("CASE WHEN a.language IS NULL THEN 1.0 WHEN a.language = ")
        .bind(language.as_str())
        .push(" THEN 2.0 ELSE 0.5 END");
}

/// An article found by [`Store::rank_articles`], with its source for quoting.
#[derive(Debug, Clone)]
pub struct RankedArticle {
    pub id: String,
    pub title: String,
    pub category: String,
    pub body_md: String,
}

impl Store {
    /// The `limit` articles the caller may read that best fit any of `words`, asked in
    /// `language`, best first: full-text search over the articles' stems (FTS5's BM25 on SQLite,
    /// `ts_rank` on PostgreSQL) with the words' stems in the asker's language and in English; a
    /// word in the title counts more than one in the body, and an article in the asker's language
    /// more than one in another.
    pub async fn rank_articles(
        &self,
        caller: &Caller,
        words: &[String],
        language: Language,
        limit: i64,
    ) -> Result<Vec<RankedArticle>> {
        let stems = crate::stems::of_question(words, language);
        if stems.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = match self.backend() {
            super::Backend::Sqlite => {
                let query = stems
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                let mut qb = Sql::new(
                    "SELECT a.id, a.title, a.category, a.body_md, \
                     bm25(kb_search, 0.0, 10.0, 1.0) * ",
                );
                push_language_weight(&mut qb, language);
                qb.push(
                    " AS rank FROM kb_search JOIN kb_articles a ON a.id = kb_search.article_id \
                     WHERE kb_search MATCH ",
                );
                qb.bind(query);
                push_article_visibility(&mut qb, caller);
                qb.push(" ORDER BY rank, a.title");
                qb
            }
            super::Backend::Postgres => {
                let mut qb = Sql::new(
                    "SELECT a.id, a.title, a.category, a.body_md FROM kb_articles a, to_tsquery('simple', ",
                );
                qb.bind(stems.join(" | "));
                qb.push(") q WHERE ").push(PG_DOCUMENT).push(" @@ q");
                push_article_visibility(&mut qb, caller);
                qb.push(" ORDER BY ts_rank(")
                    .push(PG_DOCUMENT)
                    .push(", q) * ");
                push_language_weight(&mut qb, language);
                qb.push(" DESC, a.title");
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
        let (title_stems, body_stems) = stems_of(title, body_md, None);
        sqlx::query(
            "INSERT INTO kb_articles (id, title, category, body_md, created_at, updated_at,
                                      title_stems, body_stems, stems_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(title)
        .bind(category)
        .bind(body_md)
        .bind(now)
        .bind(now)
        .bind(title_stems)
        .bind(body_stems)
        .bind(crate::stems::VERSION)
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
            language: row
                .try_get::<Option<String>, _>("language")?
                .and_then(|code| Language::from_tag(&code)),
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
        let title = input.title.trim();
        let (title_stems, body_stems) = stems_of(title, &input.body_md, input.language);
        let language = input.language.map(Language::as_str);
        let mut tx = self.begin().await?;
        let id = match id {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE kb_articles SET title = $1, category = $2, body_md = $3, updated_at = $4,
                            language = $5, title_stems = $6, body_stems = $7, stems_version = $8
                     WHERE id = $9",
                )
                .bind(title)
                .bind(input.category.trim())
                .bind(&input.body_md)
                .bind(now)
                .bind(language)
                .bind(&title_stems)
                .bind(&body_stems)
                .bind(crate::stems::VERSION)
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
                    "INSERT INTO kb_articles (id, title, category, body_md, created_at, updated_at,
                                              language, title_stems, body_stems, stems_version)
                     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)",
                )
                .bind(&id)
                .bind(title)
                .bind(input.category.trim())
                .bind(&input.body_md)
                .bind(now)
                .bind(language)
                .bind(&title_stems)
                .bind(&body_stems)
                .bind(crate::stems::VERSION)
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

    /// Stems the articles stemmed by an older [`crate::stems::VERSION`] (or never: those written
    /// before articles had stems) again; run at start-up. Answers how many.
    pub async fn restem_articles(&self) -> Result<u64> {
        let stale = sqlx::query(
            "SELECT id, title, body_md, language FROM kb_articles WHERE stems_version < $1",
        )
        .bind(crate::stems::VERSION)
        .fetch_all(&self.pool)
        .await?;
        let mut done = 0;
        for batch in stale.chunks(200) {
            let mut tx = self.begin().await?;
            for row in batch {
                let id: String = row.try_get("id")?;
                let title: String = row.try_get("title")?;
                let body: String = row.try_get("body_md")?;
                let language = row
                    .try_get::<Option<String>, _>("language")?
                    .and_then(|code| Language::from_tag(&code));
                let (title_stems, body_stems) = stems_of(&title, &body, language);
                sqlx::query(
                    "UPDATE kb_articles SET title_stems = $1, body_stems = $2, stems_version = $3
                     WHERE id = $4",
                )
                .bind(title_stems)
                .bind(body_stems)
                .bind(crate::stems::VERSION)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                done += 1;
            }
            tx.commit().await?;
        }
        Ok(done)
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
