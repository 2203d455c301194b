//! Files stay where they were put: a hash is not a secret, so knowing one neither tells whether
//! the file is stored nor lets anyone attach it; an internal note's file never reaches the
//! requester; a file cut short on disk is sent again.

use bellhop_proto::Attachment;
use serde_json::json;

use crate::attachments::{PNG, sha, upload};
use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with};

/// A ticket of `token`'s with `files` (hash, name); returns the response.
async fn ticket_with(
    app: &TestApp,
    token: &str,
    files: &[(&str, &str)],
) -> anyhow::Result<reqwest::Response> {
    let attachments: Vec<_> = files
        .iter()
        .map(|(sha, name)| json!({"sha256": sha, "file_name": name}))
        .collect();
    app.post(
        token,
        "/api/v1/tickets",
        &json!({"id": uuid::Uuid::now_v7(), "title": "With a file", "attachments": attachments}),
    )
    .await
}

async fn head(app: &TestApp, token: &str, hash: &str) -> anyhow::Result<u16> {
    Ok(app
        .http
        .head(app.url(&format!("/api/v1/attachments/{hash}")))
        .bearer_auth(token)
        .send()
        .await?
        .status()
        .as_u16())
}

#[tokio::test]
async fn knowing_another_organisations_file_hash_reveals_and_attaches_nothing() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let secret = b"Acme's payroll, Q3".to_vec();
    let hash = sha(&secret);
    assert_eq!(upload(&app, &bob, &secret).await?.status(), 201);
    let res = ticket_with(&app, &bob, &[(&hash, "payroll.csv")]).await?;
    assert_eq!(res.status(), 201);
    let acme_ticket: bellhop_proto::Ticket = res.json().await?;
    assert_eq!(head(&app, &bob, &hash).await?, 200, "bob's own upload");

    assert_eq!(
        head(&app, &carol, &hash).await?,
        404,
        "HEAD says nothing of bob's file"
    );
    let res = ticket_with(&app, &carol, &[(&hash, "mine.csv")]).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request", "a new ticket");
    let globex_ticket = app.create_ticket(&carol, "Mine").await?;
    let res = app
        .post(
            &carol,
            &format!("/api/v1/tickets/{}/comments", globex_ticket.id),
            &json!({"id": uuid::Uuid::now_v7(), "body": "see",
                    "attachments": [{"sha256": hash, "file_name": "x.csv"}]}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request", "a reply");
    let res = app
        .post(
            &carol,
            "/api/v1/sync/push",
            &json!({"ops": [{"op_id": uuid::Uuid::now_v7(), "op": {"type": "create_ticket",
                    "ticket": {"id": uuid::Uuid::now_v7(), "title": "Pushed",
                               "attachments": [{"sha256": hash, "file_name": "x.csv"}]}}}]}),
        )
        .await?;
    let pushed: serde_json::Value = res.json().await?;
    assert_eq!(
        pushed["outcomes"][0]["result"], "rejected",
        "the sync push refused it too: {pushed}"
    );
    assert!(app.attachments(&carol, globex_ticket.id).await?.is_empty());
    let res = app
        .get(
            &carol,
            &format!("/api/v1/tickets/{}/attachments/{hash}", acme_ticket.id),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    // A chunked upload of the same hash must send every byte: the first chunk is only kept.
    let res = app
        .http
        .put(app.url(&format!("/api/v1/attachments/{hash}")))
        .bearer_auth(&carol)
        .header("content-range", format!("bytes 0-4/{}", secret.len()))
        .body(secret[..5].to_vec())
        .send()
        .await?;
    assert_eq!(res.status(), 202);

    // Whoever has the bytes may upload them, and then attach them.
    assert_eq!(upload(&app, &carol, &secret).await?.status(), 201);
    assert_eq!(head(&app, &carol, &hash).await?, 200);
    assert_eq!(
        ticket_with(&app, &carol, &[(&hash, "mine.csv")])
            .await?
            .status(),
        201
    );
    Ok(())
}

#[tokio::test]
async fn a_file_seen_on_a_ticket_may_be_attached_again_by_those_who_see_it() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let carol = app.login("carol@globex.example").await?;
    assert_eq!(upload(&app, &bob, PNG).await?.status(), 201);
    let hash = sha(PNG);
    assert_eq!(
        ticket_with(&app, &bob, &[(&hash, "screen.png")])
            .await?
            .status(),
        201
    );
    for (who, token) in [
        ("alice, bob's primary contact", &alice),
        ("the desk", &tech),
    ] {
        let res = ticket_with(&app, token, &[(&hash, "same.png")]).await?;
        assert_eq!(res.status(), 201, "{who}");
    }
    let res = ticket_with(&app, &carol, &[(&hash, "same.png")]).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    Ok(())
}

#[tokio::test]
async fn an_internal_notes_file_never_reaches_the_requester_whatever_is_posted_later()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let ticket = app.create_ticket(&bob, "Laptop slow").await?;
    let internal = b"the desk's notes on bob's machine".to_vec();
    let hash = sha(&internal);
    assert_eq!(upload(&app, &tech, &internal).await?.status(), 201);
    let comments = format!("/api/v1/tickets/{}/comments", ticket.id);
    let res = app
        .post(
            &tech,
            &comments,
            &json!({"id": uuid::Uuid::now_v7(), "body": "internal", "visibility": "internal",
                    "attachments": [{"sha256": hash, "file_name": "notes.txt"}]}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let bobs = |list: Vec<Attachment>| list.iter().any(|a| a.sha256 == hash);

    // Bob cannot name it; having the same bytes he may upload them, and his reply with them is
    // kept, but the note's file stays the desk's.
    let guess = || {
        json!({"id": uuid::Uuid::now_v7(), "body": "this?",
               "attachments": [{"sha256": hash, "file_name": "guess.txt"}]})
    };
    let res = app.post(&bob, &comments, &guess()).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    assert_eq!(upload(&app, &bob, &internal).await?.status(), 201);
    let res = app.post(&bob, &comments, &guess()).await?;
    assert_eq!(res.status(), 200);
    // The desk answers publicly, without the file.
    let res = app
        .post(
            &tech,
            &comments,
            &json!({"id": uuid::Uuid::now_v7(), "body": "We are on it"}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    for (who, token) in [("bob", &bob), ("alice", &alice)] {
        assert!(
            !bobs(app.attachments(token, ticket.id).await?),
            "{who} sees the note's file"
        );
        let res = app
            .get(
                token,
                &format!("/api/v1/tickets/{}/attachments/{hash}", ticket.id),
            )
            .await?;
        assert_eq!(expect_error(res, 404).await?, "not_found", "{who}");
    }
    let changes: serde_json::Value = app
        .get(&bob, "/api/v1/sync/changes?after=0")
        .await?
        .json()
        .await?;
    assert!(
        !changes.to_string().contains(&hash),
        "the change feed carries it: {changes}"
    );
    assert!(bobs(app.attachments(&tech, ticket.id).await?));
    Ok(())
}

#[tokio::test]
async fn a_file_cut_short_on_disk_is_reported_missing_and_sent_again() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let bytes = b"a log file ".repeat(10_000);
    let hash = sha(&bytes);
    assert_eq!(upload(&app, &bob, &bytes).await?.status(), 201);
    assert_eq!(head(&app, &bob, &hash).await?, 200);
    let stored = app
        .dir
        .path()
        .join("attachments")
        .join(&hash[..2])
        .join(&hash);
    std::fs::write(&stored, &bytes[..1000])?;
    assert_eq!(
        head(&app, &bob, &hash).await?,
        404,
        "a short file is missing"
    );
    assert!(upload(&app, &bob, &bytes).await?.status().is_success());
    assert_eq!(head(&app, &bob, &hash).await?, 200);
    assert_eq!(std::fs::read(&stored)?, bytes, "the whole file again");
    Ok(())
}

#[tokio::test]
async fn an_upload_past_the_limit_is_refused_as_it_streams_and_leaves_nothing() -> anyhow::Result<()>
{
    let app = spawn_app_with(|s| s.max_attachment_bytes = 64 * 1024).await?;
    let bob = app.login("bob@acme.example").await?;
    let bytes = vec![7u8; 1024 * 1024];
    // Sent without a length, in pieces, as a stream: the server cannot know the size up front.
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
    let res = app
        .http
        .put(app.url(&format!("/api/v1/attachments/{}", sha(&bytes))))
        .bearer_auth(&bob)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            pieces,
        )))
        .send()
        .await;
    // The server may answer before it has read everything, and close the connection.
    if let Ok(res) = res {
        assert_eq!(expect_error(res, 413).await?, "payload_too_large");
    }
    let tmp = app.dir.path().join("attachments").join("tmp");
    let left = std::fs::read_dir(&tmp).map_or(0, |d| d.count());
    assert_eq!(left, 0, "nothing of the refused upload stays on disk");
    Ok(())
}
