use bellhop_proto::Attachment;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with};

pub(crate) fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A real 1×1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    bytes: &[u8],
) -> anyhow::Result<reqwest::Response> {
    Ok(app
        .http
        .put(app.url(&format!("/api/v1/attachments/{}", sha(bytes))))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await?)
}

#[tokio::test]
async fn an_uploaded_screenshot_comes_back_byte_identical_with_its_sniffed_type()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    assert_eq!(upload(&app, &bob, PNG).await?.status(), 201);
    assert_eq!(
        upload(&app, &bob, PNG).await?.status(),
        200,
        "a repeat is harmless"
    );
    let script = b"<script>alert(1)</script>";
    assert_eq!(upload(&app, &bob, script).await?.status(), 201);

    let id = uuid::Uuid::now_v7();
    let res = app
        .post(
            &bob,
            "/api/v1/tickets",
            &json!({"id": id, "title": "With files", "attachments": [
            {"sha256": sha(PNG), "file_name": "screen.png"},
            {"sha256": sha(script), "file_name": "../../etc/evil.png"}]}),
        )
        .await?;
    assert_eq!(res.status(), 201);
    let list = app.attachments(&bob, id).await?;
    assert_eq!(list.len(), 2);
    let png = list
        .iter()
        .find(|a| a.sha256 == sha(PNG))
        .ok_or_else(|| anyhow::anyhow!("png missing"))?;
    assert_eq!(
        (png.media_type.as_str(), png.size),
        ("image/png", PNG.len() as u64)
    );
    let evil = list
        .iter()
        .find(|a| a.sha256 == sha(script))
        .ok_or_else(|| anyhow::anyhow!("script missing"))?;
    assert_eq!(
        evil.media_type, "text/html",
        "the bytes decide the type, not the name"
    );
    assert!(!evil.file_name.contains('/'), "{}", evil.file_name);

    let res = app
        .get(
            &bob,
            &format!("/api/v1/tickets/{id}/attachments/{}", sha(PNG)),
        )
        .await?;
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(
        res.headers()["content-disposition"]
            .to_str()?
            .starts_with("inline")
    );
    assert_eq!(res.bytes().await?.as_ref(), PNG);
    let res = app
        .get(
            &bob,
            &format!("/api/v1/tickets/{id}/attachments/{}", sha(script)),
        )
        .await?;
    assert!(
        res.headers()["content-disposition"]
            .to_str()?
            .starts_with("attachment")
    );
    assert_eq!(
        res.headers()["content-type"],
        "application/octet-stream",
        "HTML is never served as HTML"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");

    let carol = app.login("carol@globex.example").await?;
    let res = app
        .get(
            &carol,
            &format!("/api/v1/tickets/{id}/attachments/{}", sha(PNG)),
        )
        .await?;
    assert_eq!(
        expect_error(res, 404).await?,
        "not_found",
        "another organisation cannot read it"
    );
    Ok(())
}

#[tokio::test]
async fn damaged_empty_oversized_or_missing_uploads_are_refused() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.max_attachment_bytes = 1024).await?;
    let bob = app.login("bob@acme.example").await?;
    let res = app
        .http
        .put(app.url(&format!("/api/v1/attachments/{}", sha(b"one"))))
        .bearer_auth(&bob)
        .body("two")
        .send()
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = app
        .http
        .put(app.url("/api/v1/attachments/not-a-hash"))
        .bearer_auth(&bob)
        .body("x")
        .send()
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = upload(&app, &bob, b"").await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = upload(&app, &bob, &[7u8; 2048]).await?;
    assert_eq!(expect_error(res, 413).await?, "payload_too_large");
    let res = app
        .http
        .put(app.url(&format!("/api/v1/attachments/{}", sha(PNG))))
        .body(PNG.to_vec())
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");

    let before = app.create_ticket(&bob, "Before the ghost").await?;
    let res = app
        .post(
            &bob,
            "/api/v1/tickets",
            &json!({"id": uuid::Uuid::now_v7(), "title": "Ghost file",
              "attachments": [{"sha256": sha(b"never uploaded"), "file_name": "x.txt"}]}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    assert!(
        app.tickets(&bob)
            .await?
            .iter()
            .all(|t| t.title != "Ghost file"),
        "nothing half-written"
    );
    let after = app.create_ticket(&bob, "After the ghost").await?;
    assert_eq!(
        after.number,
        before.number + 1,
        "the refused ticket's number was given back"
    );
    Ok(())
}

#[tokio::test]
async fn files_sent_with_a_note_stay_with_the_desk_and_files_with_a_reply_reach_the_user()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let ticket = app.create_ticket(&bob, "Printer jams").await?;
    let files = |t: &str| {
        let (app, t) = (&app, t.to_owned());
        async move {
            let list: Vec<Attachment> = app
                .get(&t, &format!("/api/v1/tickets/{}/attachments", ticket.id))
                .await?
                .json()
                .await?;
            anyhow::Ok(list)
        }
    };
    let comment = |token: &str, body: serde_json::Value| {
        let (app, token) = (&app, token.to_owned());
        async move {
            app.post(
                &token,
                &format!("/api/v1/tickets/{}/comments", ticket.id),
                &body,
            )
            .await
        }
    };

    // A file never uploaded is refused, and nothing of the comment is kept.
    let missing = sha(b"never uploaded");
    let res = comment(
        &bob,
        json!({"id": uuid::Uuid::now_v7(), "body": "see file",
        "attachments": [{"sha256": missing, "file_name": "x.txt"}]}),
    )
    .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    assert!(files(&bob).await?.is_empty());
    let conversation: Vec<serde_json::Value> = app
        .get(&bob, &format!("/api/v1/tickets/{}/comments", ticket.id))
        .await?
        .json()
        .await?;
    assert!(conversation.is_empty(), "the refused reply left nothing");

    // Bob's reply brings a log file; the technician's internal note a PNG.
    let log = b"jam at tray 2\n";
    assert_eq!(upload(&app, &bob, log).await?.status(), 201);
    let reply = uuid::Uuid::now_v7();
    let res = comment(
        &bob,
        json!({"id": reply, "body": "Here is the log",
        "attachments": [{"sha256": sha(log), "file_name": "printer.log"}]}),
    )
    .await?;
    assert_eq!(res.status(), 200);
    assert!(upload(&app, &tech, PNG).await?.status().is_success());
    let note = uuid::Uuid::now_v7();
    let res = comment(
        &tech,
        json!({"id": note, "body": "Firmware screen", "visibility": "internal",
        "attachments": [{"sha256": sha(PNG), "file_name": "firmware.png"}]}),
    )
    .await?;
    assert_eq!(res.status(), 200);

    let desk = files(&tech).await?;
    assert_eq!(desk.len(), 2);
    let of = |list: &[Attachment], name: &str| list.iter().find(|a| a.file_name == name).cloned();
    assert_eq!(
        of(&desk, "printer.log")
            .and_then(|a| a.comment_id)
            .map(|c| c.to_string()),
        Some(reply.to_string())
    );
    let mine = files(&bob).await?;
    assert_eq!(
        mine.len(),
        1,
        "the note's file is not bob's to see: {mine:?}"
    );
    assert_eq!(mine[0].file_name, "printer.log");
    let res = app
        .get(
            &bob,
            &format!("/api/v1/tickets/{}/attachments/{}", ticket.id, sha(PNG)),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    // Nor does the pull hand it to his desktop.
    let page: serde_json::Value = app
        .get(&bob, "/api/v1/sync/changes?after=0")
        .await?
        .json()
        .await?;
    let pulled = page["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["ticket"]["id"] == json!(ticket.id)))
        .map(|c| c["attachments"].clone())
        .unwrap_or_default();
    assert_eq!(pulled.as_array().map(Vec::len), Some(1), "{pulled}");

    // The same picture in a public reply brings it into the open.
    let res = comment(
        &tech,
        json!({"id": uuid::Uuid::now_v7(), "body": "Update to this firmware",
        "attachments": [{"sha256": sha(PNG), "file_name": "firmware.png"}]}),
    )
    .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(files(&bob).await?.len(), 2);
    Ok(())
}

/// Sends `bytes[start..end]` of a file of `total` bytes as one chunk.
async fn chunk(
    app: &TestApp,
    token: &str,
    hash: &str,
    bytes: &[u8],
    start: usize,
    end: usize,
) -> anyhow::Result<reqwest::Response> {
    Ok(app
        .http
        .put(app.url(&format!("/api/v1/attachments/{hash}")))
        .bearer_auth(token)
        .header(
            "content-range",
            format!("bytes {start}-{}/{}", end - 1, bytes.len()),
        )
        .body(bytes[start..end].to_vec())
        .send()
        .await?)
}

async fn held(app: &TestApp, token: &str, hash: &str) -> anyhow::Result<(u16, Option<u64>)> {
    let res = app
        .http
        .head(app.url(&format!("/api/v1/attachments/{hash}")))
        .bearer_auth(token)
        .send()
        .await?;
    let offset = res
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    Ok((res.status().as_u16(), offset))
}

#[tokio::test]
async fn a_large_file_comes_in_chunks_that_resume_where_the_server_stopped() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    // 2.5 MB of a PNG header and noise: sniffed as an image once whole.
    let mut bytes = PNG.to_vec();
    bytes.extend((0..2_500_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let hash = sha(&bytes);
    const MB: usize = 1_000_000;

    assert_eq!(held(&app, &bob, &hash).await?, (404, Some(0)));
    let res = chunk(&app, &bob, &hash, &bytes, 0, MB).await?;
    assert_eq!(res.status(), 202);
    assert_eq!(res.headers()["upload-offset"], MB.to_string().as_str());
    // The connection broke and the client is unsure: sending the same chunk again is refused
    // with where to go on from, and so is a chunk that skips ahead.
    let res = chunk(&app, &bob, &hash, &bytes, 0, MB).await?;
    assert_eq!(res.status(), 409);
    assert_eq!(res.headers()["upload-offset"], MB.to_string().as_str());
    assert_eq!(expect_error(res, 409).await?, "conflict");
    let res = chunk(&app, &bob, &hash, &bytes, 2 * MB, bytes.len()).await?;
    assert_eq!(res.status(), 409);
    assert_eq!(held(&app, &bob, &hash).await?, (404, Some(MB as u64)));
    // Each uploader has their own: alice's offset is not bob's.
    assert_eq!(held(&app, &alice, &hash).await?, (404, Some(0)));

    let res = chunk(&app, &bob, &hash, &bytes, MB, 2 * MB).await?;
    assert_eq!(res.status(), 202);
    let res = chunk(&app, &bob, &hash, &bytes, 2 * MB, bytes.len()).await?;
    assert_eq!(res.status(), 201);
    assert_eq!(held(&app, &bob, &hash).await?.0, 200);

    let id = uuid::Uuid::now_v7();
    let res = app
        .post(
            &bob,
            "/api/v1/tickets",
            &json!({"id": id, "title": "A big one", "attachments": [
                {"sha256": hash, "file_name": "big.png"}]}),
        )
        .await?;
    assert_eq!(res.status(), 201);
    let list = app.attachments(&bob, id).await?;
    assert_eq!(
        (list[0].size, list[0].media_type.as_str()),
        (bytes.len() as u64, "image/png")
    );
    let res = app
        .get(&bob, &format!("/api/v1/tickets/{id}/attachments/{hash}"))
        .await?;
    assert_eq!(res.bytes().await?.as_ref(), bytes.as_slice());
    Ok(())
}

#[tokio::test]
async fn chunks_that_do_not_add_up_are_refused_and_a_damaged_whole_starts_over()
-> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.max_attachment_bytes = 3_000_000).await?;
    let bob = app.login("bob@acme.example").await?;
    let bytes: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
    let hash = sha(&bytes);
    let url = app.url(&format!("/api/v1/attachments/{hash}"));
    let send = |range: &str, body: Vec<u8>| {
        app.http
            .put(&url)
            .bearer_auth(&bob)
            .header("content-range", range.to_owned())
            .body(body)
            .send()
    };
    for range in [
        "bytes 5-1/10",
        "bytes 0-9/5",
        "items 0-9/10",
        "bytes x-9/10",
    ] {
        let res = send(range, vec![0; 10]).await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{range}");
    }
    let res = send("bytes 0-9/20", vec![0; 5]).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "the body is not the size its range says"
    );
    let res = send("bytes 0-9/9000000", vec![0; 10]).await?;
    assert_eq!(
        expect_error(res, 413).await?,
        "payload_too_large",
        "the whole is over the cap"
    );

    // Every chunk arrives, but the last is not what the hash says: refused, and nothing is kept.
    let res = chunk(&app, &bob, &hash, &bytes, 0, 1_000_000).await?;
    assert_eq!(res.status(), 202);
    let mut damaged = bytes.clone();
    damaged[1_500_000] ^= 0xff;
    let res = chunk(&app, &bob, &hash, &damaged, 1_000_000, bytes.len()).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    assert_eq!(held(&app, &bob, &hash).await?, (404, Some(0)));
    Ok(())
}
