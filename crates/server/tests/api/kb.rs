use bellhop_proto::{Article, ArticleStamp, ArticleSummary, AuditEntry, Org, Page};
use serde_json::json;

use crate::helpers::{TestApp, expect_error, spawn_app};

async fn stamps(app: &TestApp, token: &str) -> anyhow::Result<Vec<String>> {
    let res = app.get(token, "/api/v1/kb/stamps").await?;
    anyhow::ensure!(res.status() == 200, "stamps: {}", res.status());
    let list: Vec<ArticleStamp> = res.json().await?;
    Ok(list.into_iter().map(|a| a.id).collect())
}

async fn titles(app: &TestApp, token: &str) -> anyhow::Result<Vec<String>> {
    let list: Vec<ArticleSummary> = app.get(token, "/api/v1/kb/articles").await?.json().await?;
    Ok(list.into_iter().map(|a| a.title).collect())
}

#[tokio::test]
async fn the_demo_knowledge_base_is_searchable_and_renders_safe_html() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let all: Vec<ArticleSummary> = app.get(&bob, "/api/v1/kb/articles").await?.json().await?;
    assert_eq!(all.len(), 10);
    let found: Vec<ArticleSummary> = app
        .get(&bob, "/api/v1/kb/articles?q=vpn")
        .await?
        .json()
        .await?;
    assert_eq!(found.len(), 1);
    let article: Article = app
        .get(&bob, &format!("/api/v1/kb/articles/{}", found[0].id))
        .await?
        .json()
        .await?;
    assert!(
        article.body_html.contains("<h1>Connect to the VPN</h1>"),
        "{}",
        article.body_html
    );
    assert!(
        article.body_text.starts_with("Connect to the VPN\n") && !article.body_text.contains('<'),
        "{:?}",
        article.body_text
    );

    // The stamps list every article bob may read (what the desktop's offline copy compares).
    let mut ids = stamps(&app, &bob).await?;
    let mut listed: Vec<String> = all.iter().map(|a| a.id.clone()).collect();
    ids.sort();
    listed.sort();
    assert_eq!(ids, listed);
    let res = app.http.get(app.url("/api/v1/kb/stamps")).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");

    let res = app.get(&bob, "/api/v1/kb/articles/nope").await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app.http.get(app.url("/api/v1/kb/articles")).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn technicians_write_articles_for_everyone_or_for_chosen_organisations() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let orgs: Vec<Org> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let globex = orgs
        .iter()
        .find(|o| o.name == "Globex")
        .ok_or_else(|| anyhow::anyhow!("no Globex"))?;

    // End users cannot write; strangers cannot either.
    let draft = json!({"title": "Globex ERP shortcuts", "category": "ERP",
                       "body_md": "# Shortcuts\n\nPress **F5** to refresh.<script>alert(1)</script>",
                       "org_ids": [globex.id]});
    let res = app.post(&alice, "/api/v1/kb/articles", &draft).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .post(app.url("/api/v1/kb/articles"))
        .json(&draft)
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");

    let res = app.post(&tech, "/api/v1/kb/articles", &draft).await?;
    assert_eq!(res.status(), 201);
    let created: Article = res.json().await?;
    assert_eq!(created.org_ids, [globex.id]);
    assert!(created.body_md.is_some(), "technicians get the source");
    assert!(created.body_html.contains("<strong>F5</strong>"));
    assert!(
        !created.body_html.contains("<script"),
        "{}",
        created.body_html
    );

    // Globex sees it; Acme does not, not even by id.
    assert!(
        titles(&app, &carol)
            .await?
            .contains(&"Globex ERP shortcuts".to_owned())
    );
    assert!(
        !titles(&app, &alice)
            .await?
            .contains(&"Globex ERP shortcuts".to_owned())
    );
    assert!(stamps(&app, &carol).await?.contains(&created.id));
    assert!(!stamps(&app, &alice).await?.contains(&created.id));
    let path = format!("/api/v1/kb/articles/{}", created.id);
    let res = app.get(&alice, &path).await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let seen: Article = app.get(&carol, &path).await?.json().await?;
    assert!(
        seen.body_md.is_none() && seen.org_ids.is_empty(),
        "users see neither"
    );

    // Opened to everyone, then deleted.
    let everyone =
        json!({"title": "ERP shortcuts", "category": "ERP", "body_md": "F5", "org_ids": []});
    let res = app.put(&tech, &path, &everyone).await?;
    assert_eq!(res.status(), 200);
    assert!(
        titles(&app, &alice)
            .await?
            .contains(&"ERP shortcuts".to_owned())
    );
    let res = app
        .http
        .delete(app.url(&path))
        .bearer_auth(&alice)
        .send()
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .delete(app.url(&path))
        .bearer_auth(&tech)
        .send()
        .await?;
    assert_eq!(res.status(), 204);
    let res = app.get(&tech, &path).await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .http
        .delete(app.url(&path))
        .bearer_auth(&tech)
        .send()
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    let log: Page<AuditEntry> = app.get(&tech, "/api/v1/audit?q=kb").await?.json().await?;
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["kb.delete", "kb.save", "kb.save"]);
    Ok(())
}

#[tokio::test]
async fn an_article_without_a_title_or_for_an_unknown_organisation_is_refused() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    for body in [
        json!({"title": "  ", "category": "ERP", "body_md": "x"}),
        json!({"title": "T", "category": "", "body_md": "x"}),
        json!({"title": "T", "category": "C", "body_md": "x", "org_ids": [uuid::Uuid::now_v7()]}),
    ] {
        let res = app.post(&tech, "/api/v1/kb/articles", &body).await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{body}");
    }
    let res = app
        .post(&tech, "/api/v1/kb/articles", &json!({"title": "T"}))
        .await?;
    assert_eq!(res.status(), 422);
    let res = app
        .put(
            &tech,
            "/api/v1/kb/articles/nope",
            &json!({"title": "T", "category": "C", "body_md": ""}),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    // Nothing half-written stayed behind.
    let all: Vec<ArticleSummary> = app.get(&tech, "/api/v1/kb/articles").await?.json().await?;
    assert_eq!(all.len(), 10);
    Ok(())
}
