use bellhop_proto::{Article, ArticleSummary};

use crate::helpers::{expect_error, spawn_app};

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

    let res = app.get(&bob, "/api/v1/kb/articles/nope").await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app.http.get(app.url("/api/v1/kb/articles")).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}
