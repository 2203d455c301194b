//! Knowledge-base articles.

use bellhop_proto::{Article, ArticleSummary};
use sqlx::Row;

use super::sql::Sql;

use super::{Store, now_ms, ts};
use crate::error::{AppError, Result};
use crate::markdown::to_safe_html;

impl Store {
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

    /// Articles whose title or body contain every word of `q`, by category and title.
    pub async fn search_articles(&self, q: Option<&str>) -> Result<Vec<ArticleSummary>> {
        let mut qb = Sql::new("SELECT id, title, category FROM kb_articles WHERE 1 = 1");
        qb.push_words(&["title", "body_md"], q.unwrap_or(""));
        qb.push(" ORDER BY category, title LIMIT 200");
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

    pub async fn article(&self, id: &str) -> Result<Article> {
        let row = sqlx::query("SELECT * FROM kb_articles WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("no such article"))?;
        let body: String = row.try_get("body_md")?;
        Ok(Article {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            category: row.try_get("category")?,
            body_html: to_safe_html(&body),
            updated_at: ts(row.try_get("updated_at")?)?,
        })
    }
}
