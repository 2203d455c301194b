//! The knowledge base kept for offline reading: every article the user may read, with a full-text
//! index (SQLite FTS5) so the desktop app searches it without the server. The copy is compared
//! with the server's stamps (id + last change) and only what changed is fetched; an article the
//! server no longer lists (deleted, or no longer visible to this user) is dropped.

use std::collections::{HashMap, HashSet};

use bellhop_proto::{Article, ArticleStamp, ArticleSummary};
use rusqlite::{OptionalExtension, params};

use crate::agent::Agent;
use crate::error::{Error, Result};
use crate::store::Store;

/// The `meta` key of when the copy was last compared with the server (ms since the epoch).
pub(crate) const KB_CHECKED_KEY: &str = "kb_checked_at";

/// Without a live signal, the copy is compared again after this long (ms).
pub(crate) const KB_STALE_MS: i64 = 60 * 60 * 1000;
/// Articles fetched at once while bringing the copy up to date.
const KB_FETCH_CONCURRENCY: usize = 4;

/// What a comparison with the server's stamps asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KbPlan {
    /// Articles that are new or changed since the copy was made.
    pub fetch: Vec<String>,
    /// Articles the server no longer lists for this user.
    pub drop: Vec<String>,
}

/// FTS5 query for `q`: every word must appear, each as a prefix (so "print" finds "printer").
/// Words are quoted, so nothing the user types is read as query syntax.
fn match_expression(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Store {
    /// Compares the copy with the server's `stamps`.
    pub fn kb_plan(&self, stamps: &[ArticleStamp]) -> Result<KbPlan> {
        let mut have: HashMap<String, i64> = HashMap::new();
        let mut stmt = self.conn.prepare("SELECT id, updated_at FROM articles")?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (id, at) = row?;
            have.insert(id, at);
        }
        let listed: HashSet<&str> = stamps.iter().map(|s| s.id.as_str()).collect();
        let fetch = stamps
            .iter()
            .filter(|s| have.get(&s.id) != Some(&s.updated_at.as_millisecond()))
            .map(|s| s.id.clone())
            .collect();
        let mut drop: Vec<String> = have
            .into_keys()
            .filter(|id| !listed.contains(id.as_str()))
            .collect();
        drop.sort();
        Ok(KbPlan { fetch, drop })
    }

    /// Keeps `fetched` articles and drops `gone` ones, in one transaction, and notes the time.
    pub fn apply_articles(&mut self, fetched: &[Article], gone: &[String]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut delete = tx.prepare("DELETE FROM articles WHERE id = ?1")?;
            let mut delete_text = tx.prepare("DELETE FROM articles_fts WHERE id = ?1")?;
            for id in gone.iter().chain(fetched.iter().map(|a| &a.id)) {
                delete.execute([id])?;
                delete_text.execute([id])?;
            }
            let mut insert = tx.prepare(
                "INSERT INTO articles (id, title, category, updated_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut insert_text = tx.prepare(
                "INSERT INTO articles_fts (id, title, category, body) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for article in fetched {
                insert.execute(params![
                    article.id,
                    article.title,
                    article.category,
                    article.updated_at.as_millisecond(),
                    serde_json::to_string(article)?,
                ])?;
                insert_text.execute(params![
                    article.id,
                    article.title,
                    article.category,
                    article.body_text,
                ])?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![KB_CHECKED_KEY, crate::store::now_ms().to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets the copy (the knowledge base was switched off for this user, or a new identity).
    pub fn clear_articles(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM articles", [])?;
        tx.execute("DELETE FROM articles_fts", [])?;
        tx.execute("DELETE FROM meta WHERE key = ?1", [KB_CHECKED_KEY])?;
        tx.commit()?;
        Ok(())
    }

    /// When the copy was last compared with the server (ms since the epoch), if ever.
    pub fn kb_checked_at(&self) -> Result<Option<i64>> {
        Ok(self.meta(KB_CHECKED_KEY)?.and_then(|v| v.parse().ok()))
    }

    /// Articles whose title, category or text contain every word of `q` (as word prefixes), by
    /// category and title, as the server lists them.
    pub fn search_articles(&self, q: &str) -> Result<Vec<ArticleSummary>> {
        let summary = |r: &rusqlite::Row<'_>| {
            Ok(ArticleSummary {
                id: r.get(0)?,
                title: r.get(1)?,
                category: r.get(2)?,
            })
        };
        let found = match match_expression(q) {
            None => {
                let mut stmt = self
                    .conn
                    .prepare("SELECT id, title, category FROM articles ORDER BY category, title")?;
                stmt.query_map([], summary)?.collect::<Result<_, _>>()?
            }
            Some(expr) => {
                let mut stmt = self.conn.prepare(
                    "SELECT a.id, a.title, a.category FROM articles_fts f
                     JOIN articles a ON a.id = f.id
                     WHERE articles_fts MATCH ?1 ORDER BY a.category, a.title",
                )?;
                stmt.query_map([expr], summary)?.collect::<Result<_, _>>()?
            }
        };
        Ok(found)
    }

    /// One article from the copy.
    pub fn cached_article(&self, id: &str) -> Result<Option<Article>> {
        let data: Option<String> = self
            .conn
            .query_row("SELECT data FROM articles WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(data.and_then(|d| serde_json::from_str(&d).ok()))
    }
}

impl Agent {
    /// Brings the offline copy up to date: fetches new and changed articles, drops the ones the
    /// server no longer lists; returns how many articles changed here.
    pub(crate) async fn refresh_kb(&self, credential: &str) -> Result<u64> {
        let client = self.client()?;
        let stamps = client.article_stamps(credential).await?;
        let plan = self.store().kb_plan(&stamps)?;
        let mut fetched = Vec::with_capacity(plan.fetch.len());
        let mut gone = plan.drop;
        for chunk in plan.fetch.chunks(KB_FETCH_CONCURRENCY) {
            let answers = futures_util::future::join_all(
                chunk.iter().map(|id| client.article(credential, id)),
            )
            .await;
            for (id, answer) in chunk.iter().zip(answers) {
                match answer {
                    Ok(article) => fetched.push(article),
                    // Deleted or hidden between the stamps and the fetch.
                    Err(Error::Server(e)) if e.code == bellhop_proto::ErrorCode::NotFound => {
                        gone.push(id.clone());
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let changed = (fetched.len() + gone.len()) as u64;
        self.store().apply_articles(&fetched, &gone)?;
        Ok(changed)
    }

    /// Whether the copy has gone unchecked for longer than a live signal should allow.
    pub(crate) fn kb_stale(&self) -> Result<bool> {
        Ok(self
            .store()
            .kb_checked_at()?
            .is_none_or(|at| crate::store::now_ms() - at > KB_STALE_MS))
    }

    /// Searches the offline copy (every word, as word prefixes); empty `q` lists every article.
    pub fn articles(&self, q: &str) -> Result<Vec<ArticleSummary>> {
        self.store().search_articles(q)
    }

    /// One article from the offline copy.
    pub fn article(&self, id: &str) -> Result<Article> {
        self.store()
            .cached_article(id)?
            .ok_or_else(|| Error::NotFound(format!("no article {id} on this device")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn article(id: &str, title: &str, body: &str, at: i64) -> Article {
        Article {
            id: id.into(),
            title: title.into(),
            category: "Network".into(),
            body_html: format!("<p>{body}</p>"),
            body_text: body.into(),
            updated_at: Timestamp::from_millisecond(at).unwrap_or_default(),
            body_md: None,
            org_ids: Vec::new(),
            language: None,
        }
    }

    fn stamp(a: &Article) -> ArticleStamp {
        ArticleStamp {
            id: a.id.clone(),
            updated_at: a.updated_at,
        }
    }

    #[test]
    fn the_copy_fetches_what_changed_drops_what_is_gone_and_searches_words() -> Result<()> {
        let mut store = Store::open_in_memory()?;
        let vpn = article(
            "a1",
            "Connect to the VPN",
            "Open the VPN client and sign in",
            1_000,
        );
        let printer = article(
            "a2",
            "Printer jams",
            "Open the tray; remove the paper",
            1_000,
        );
        let plan = store.kb_plan(&[stamp(&vpn), stamp(&printer)])?;
        assert_eq!(plan.fetch, ["a1", "a2"]);
        assert!(plan.drop.is_empty());
        store.apply_articles(&[vpn.clone(), printer.clone()], &plan.drop)?;
        assert!(store.kb_checked_at()?.is_some());

        // Prefixes of every word, in any field; quotes and FTS syntax are just words.
        fn titles_in(store: &Store, q: &str) -> Result<Vec<String>> {
            Ok(store
                .search_articles(q)?
                .into_iter()
                .map(|a| a.title)
                .collect())
        }
        assert_eq!(
            titles_in(&store, "open")?,
            ["Connect to the VPN", "Printer jams"]
        );
        assert_eq!(titles_in(&store, "pap REMOVE")?, ["Printer jams"]);
        assert_eq!(titles_in(&store, "network vpn")?, ["Connect to the VPN"]);
        assert!(titles_in(&store, "\"vpn\" OR NEAR(")?.is_empty());
        assert!(titles_in(&store, "toner")?.is_empty());
        assert_eq!(titles_in(&store, "  ")?.len(), 2);

        // The printer article changed, the VPN one is gone, a new one appeared.
        let printer2 = article("a2", "Printer jams", "Call the desk about toner", 2_000);
        let wifi = article("a3", "Guest Wi-Fi", "Ask reception", 1_500);
        let plan = store.kb_plan(&[stamp(&printer2), stamp(&wifi)])?;
        assert_eq!(plan.fetch, ["a2", "a3"]);
        assert_eq!(plan.drop, ["a1"]);
        store.apply_articles(&[printer2, wifi], &plan.drop)?;
        assert_eq!(titles_in(&store, "toner")?, ["Printer jams"]);
        assert!(
            titles_in(&store, "paper")?.is_empty(),
            "the old text left the index"
        );
        assert!(titles_in(&store, "vpn")?.is_empty());
        assert!(store.cached_article("a1")?.is_none());
        assert_eq!(
            store.cached_article("a3")?.map(|a| a.body_html),
            Some("<p>Ask reception</p>".to_owned())
        );

        store.clear_articles()?;
        assert!(titles_in(&store, "")?.is_empty());
        assert!(store.kb_checked_at()?.is_none());
        Ok(())
    }
}
