//! The desk's brand: anyone reads it (the sign-in page wears it), only admins set it, and what
//! cannot be read or reached (a colour too light, a link that is not https, a malformed phone)
//! is refused with nothing changed.

use bellhop_proto::{
    AuditEntry, Brand, BrandSettings, DEFAULT_BRAND_NAME, LogoUploaded, Org, Page,
};
use mail_parser::MimeHeaders;
use serde_json::json;

use crate::assistant::admin;
use crate::helpers::{TestApp, enroll, expect_error, spawn_app};

#[tokio::test]
async fn anyone_reads_the_brand_only_an_admin_sets_it_and_a_bad_one_changes_nothing()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let public = || async {
        let res = app.http.get(app.url("/api/v1/brand")).send().await?;
        anyhow::ensure!(res.status() == 200, "GET /brand: {}", res.status());
        Ok::<Brand, anyhow::Error>(res.json().await?)
    };
    let bellhop = public().await?;
    assert_eq!(bellhop.name, DEFAULT_BRAND_NAME);
    assert_eq!(bellhop.accent, None);
    assert!(bellhop.links.is_empty());

    let ada = admin(&app).await?;
    let wanted = json!({
        "name": "  Acme IT  ",
        "accent": "#8A1538",
        "phone": "+1 555 010 0100",
        "email": "Help@Acme.Example",
        "links": [{"label": "Status", "url": "https://status.acme.example"}],
    });
    let res = app.put(&ada, "/api/v1/brand/settings", &wanted).await?;
    assert_eq!(res.status(), 200);
    let set: Brand = res.json().await?;
    assert_eq!(set.name, "Acme IT");
    let accent = set
        .accent
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no accent in {set:?}"))?;
    assert_eq!(
        (accent.light.as_str(), accent.light_text.as_str()),
        ("#8a1538", "#ffffff")
    );
    assert_ne!(accent.dark, accent.light, "lightened for the dark theme");
    assert_eq!(set.email.as_deref(), Some("help@acme.example"));
    assert_eq!(set.links[0].url, "https://status.acme.example/");
    // Everyone, signed in or not, sees it at once; the admin reads back what was kept.
    assert_eq!(public().await?, set);
    let kept: BrandSettings = app
        .get(&ada, "/api/v1/brand/settings")
        .await?
        .json()
        .await?;
    assert_eq!(kept.name.as_deref(), Some("Acme IT"));
    assert_eq!(kept.accent.as_deref(), Some("#8a1538"));

    // What cannot be read or reached is refused, and nothing changes.
    for (bad, says) in [
        (json!({"accent": "#ffd700"}), "too light"),
        (json!({"accent": "crimson"}), "#rrggbb"),
        (
            json!({"links": [{"label": "Site", "url": "javascript:alert(1)"}]}),
            "https://",
        ),
        (
            json!({"links": [{"label": "Site", "url": "http://acme.example"}]}),
            "https://",
        ),
        (json!({"phone": "call us"}), "phone"),
        (json!({"email": "nobody"}), "email"),
        (json!({"name": "x".repeat(61)}), "at most 60"),
        (
            json!({"links": vec![json!({"label": "a", "url": "https://a.example"}); 6]}),
            "at most 5",
        ),
    ] {
        let res = app.put(&ada, "/api/v1/brand/settings", &bad).await?;
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await?;
        assert_eq!(status, 422, "{bad}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{bad}: {message}");
    }
    let res = app
        .http
        .put(app.url("/api/v1/brand/settings"))
        .bearer_auth(&ada)
        .header("Content-Type", "application/json")
        .body("{\"name\": \"Acme")
        .send()
        .await?;
    assert_eq!(expect_error(res, 400).await?, "bad_request");
    assert_eq!(public().await?, set, "nothing changed");

    // Technicians and customers may not set it (nor read the settings), strangers even less.
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    for token in [&tech, &bob] {
        let res = app
            .put(token, "/api/v1/brand/settings", &json!({"name": "Mine"}))
            .await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
        let res = app.get(token, "/api/v1/brand/settings").await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
    }
    let res = app
        .http
        .put(app.url("/api/v1/brand/settings"))
        .json(&json!({"name": "Mine"}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    assert_eq!(public().await?, set, "still the admin's brand");

    // Each change is audited.
    let log: Page<AuditEntry> = app
        .get(&ada, "/api/v1/audit?q=settings.brand")
        .await?
        .json()
        .await?;
    assert_eq!(log.items.len(), 1);
    Ok(())
}

#[tokio::test]
async fn an_organisations_people_see_its_own_brand_over_the_desks_and_others_the_desks()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = admin(&app).await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let orgs: Vec<Org> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let globex = orgs
        .iter()
        .find(|o| o.name.contains("Globex"))
        .ok_or_else(|| anyhow::anyhow!("no Globex in {orgs:?}"))?
        .id;
    let brand_of = |token: Option<String>| {
        let app = &app;
        async move {
            let mut req = app.http.get(app.url("/api/v1/brand"));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            let res = req.send().await?;
            anyhow::ensure!(res.status() == 200, "GET /brand: {}", res.status());
            Ok::<Brand, anyhow::Error>(res.json().await?)
        }
    };
    let desk = json!({
        "name": "Acme IT",
        "accent": "#0b57d0",
        "phone": "+1 555 010 0100",
        "links": [{"label": "Status", "url": "https://status.helpdesk.example"}],
    });
    let res = app.put(&ada, "/api/v1/brand/settings", &desk).await?;
    assert_eq!(res.status(), 200);
    let desk: Brand = res.json().await?;
    assert!(desk.tray_icon, "the tray icon shows unless hidden");

    let path = format!("/api/v1/orgs/{globex}/brand");
    let own: BrandSettings = app.get(&ada, &path).await?.json().await?;
    assert_eq!(own, BrandSettings::default(), "none of its own yet");
    let res = app
        .put(
            &ada,
            &path,
            &json!({
                "name": " Globex Support ",
                "email": "help@globex.example",
                "hide_tray_icon": true,
            }),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let worn: Brand = res.json().await?;
    assert_eq!(worn.name, "Globex Support");
    assert_eq!(
        worn.accent, desk.accent,
        "the desk's accent where it sets none"
    );
    assert_eq!(worn.phone, desk.phone);
    assert_eq!(worn.links, desk.links);
    assert_eq!(worn.email.as_deref(), Some("help@globex.example"));
    assert!(!worn.tray_icon);

    // Carol (Globex) sees it, and so does a Globex computer before anyone confirmed on it; Bob
    // (Acme), an Acme computer, the technician, strangers and a token that no longer signs in
    // see the desk's.
    assert_eq!(brand_of(Some(carol.clone())).await?, worn);
    let globex_pc = enroll(&app, "globex-demo-key", "globex-pc").await?;
    assert_eq!(brand_of(Some(globex_pc.device_secret)).await?, worn);
    let acme_pc = enroll(&app, "acme-demo-key", "acme-pc").await?;
    assert_eq!(brand_of(Some(acme_pc.device_secret)).await?, desk);
    for token in [
        Some(bob.clone()),
        Some(tech.clone()),
        None,
        Some("bh_not_a_session".to_owned()),
    ] {
        assert_eq!(brand_of(token.clone()).await?, desk, "{token:?}");
    }

    // Checked like the desk's; only admins; an unknown organisation is not found.
    let res = app.put(&ada, &path, &json!({"accent": "#ffd700"})).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    for token in [&tech, &carol] {
        let res = app.put(token, &path, &json!({"name": "Mine"})).await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
        let res = app.get(token, &path).await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
    }
    let res = app.http.get(app.url(&path)).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let nowhere = format!("/api/v1/orgs/{}/brand", uuid::Uuid::new_v4());
    let res = app.put(&ada, &nowhere, &json!({"name": "Nobody"})).await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    assert_eq!(
        brand_of(Some(carol.clone())).await?,
        worn,
        "nothing changed"
    );

    // An empty one gives the organisation the desk's brand back.
    let res = app.put(&ada, &path, &json!({"name": "  "})).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(brand_of(Some(carol)).await?, desk);
    let own: BrandSettings = app.get(&ada, &path).await?.json().await?;
    assert_eq!(own, BrandSettings::default());
    let log: Page<AuditEntry> = app
        .get(&ada, "/api/v1/audit?q=org.brand")
        .await?
        .json()
        .await?;
    assert_eq!(log.items.len(), 2);
    Ok(())
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn only_an_admin_uploads_a_logo_that_is_a_png_or_a_harmless_svg_and_anyone_fetches_it()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = admin(&app).await?;
    let upload = |token: Option<&str>, bytes: Vec<u8>| {
        let mut req = app.http.post(app.url("/api/v1/brand/logos")).body(bytes);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    let res = upload(Some(&ada), PNG.to_vec()).await?;
    assert_eq!(res.status(), 201);
    let png: LogoUploaded = res.json().await?;
    assert_eq!(png.url, format!("/api/v1/brand/logo/{}", png.sha256));
    let again: LogoUploaded = upload(Some(&ada), PNG.to_vec()).await?.json().await?;
    assert_eq!(again, png, "the same logo is one logo");

    // Anyone fetches it: its type from its bytes, never sniffed again, nothing run, kept long.
    let res = app.http.get(app.url(&png.url)).send().await?;
    assert_eq!(res.status(), 200);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-security-policy").contains("sandbox"));
    assert!(header("cache-control").contains("immutable"));
    assert_eq!(res.bytes().await?.as_ref(), PNG);

    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="4" fill="#8a1538"/></svg>"##;
    let res = upload(Some(&ada), svg.as_bytes().to_vec()).await?;
    assert_eq!(res.status(), 201);
    let drawn: LogoUploaded = res.json().await?;
    let res = app.http.get(app.url(&drawn.url)).send().await?;
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/svg+xml")
    );

    // What runs, reaches out, is of another kind or too large is refused, with the reason.
    for (bytes, status, says) in [
        (
            svg.replace("<circle", "<script>alert(1)</script><circle")
                .into_bytes(),
            422,
            "<script>",
        ),
        (
            svg.replace("fill=\"#8a1538\"", "fill=\"url(https://t.example/p)\"")
                .into_bytes(),
            422,
            "outside the file",
        ),
        (
            b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec(),
            422,
            "PNG or an SVG",
        ),
        (vec![b' '; 300 * 1024], 413, "at most"),
    ] {
        let res = upload(Some(&ada), bytes).await?;
        assert_eq!(res.status().as_u16(), status);
        let body: serde_json::Value = res.json().await?;
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{message}");
    }
    // Only admins; strangers even less.
    let tech = app.login("tech@helpdesk.example").await?;
    let res = upload(Some(&tech), PNG.to_vec()).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = upload(None, PNG.to_vec()).await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app
        .http
        .get(app.url("/api/v1/brand/logo/nope"))
        .send()
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    // The brand names an uploaded logo, and only one.
    let res = app
        .put(&ada, "/api/v1/brand/settings", &json!({"logo": png.sha256}))
        .await?;
    assert_eq!(res.status(), 200);
    let brand: Brand = app
        .http
        .get(app.url("/api/v1/brand"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(brand.logo.as_deref(), Some(png.url.as_str()));
    let res = app
        .put(
            &ada,
            "/api/v1/brand/settings",
            &json!({"logo": "0".repeat(64)}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    Ok(())
}

#[tokio::test]
async fn the_desks_letters_come_from_its_name_and_are_signed_with_its_brand_the_organisations_where_it_has_one()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    // No brand yet: Bellhop's letters as they were, unsigned.
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let (_, text, _) = app
        .mails("bob@acme.example")
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no letter to bob"))?;
    assert!(!text.contains("\n-- \n"), "{text}");

    let ada = admin(&app).await?;
    let res = app
        .put(
            &ada,
            "/api/v1/brand/settings",
            &json!({
                "name": "Acme IT",
                "accent": "#8a1538",
                "phone": "+1 (555) 010-0100",
                "links": [{"label": "Status & <news>", "url": "https://status.acme.example"}],
            }),
        )
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let (_, text, html) = app
        .mails("bob@acme.example")
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no letter to bob"))?;
    let text = text.replace("\r\n", "\n");
    assert!(
        text.trim_end().ends_with(
            "\n\n-- \nAcme IT\n+1 (555) 010-0100\nStatus & <news>: https://status.acme.example/"
        ),
        "{text:?}"
    );
    assert!(html.contains("border-top:3px solid #8a1538"), "{html}");
    assert!(html.contains("<a href=\"tel:+15550100100\">"), "{html}");
    assert!(
        html.contains("Status &amp; &lt;news&gt;"),
        "escaped: {html}"
    );
    let raw = app.mail_texts("bob@acme.example").await?;
    let from = raw
        .last()
        .and_then(|m| m.lines().find(|l| l.starts_with("From: ")))
        .unwrap_or_default()
        .to_owned();
    assert!(from.contains("Acme IT"), "{from}");

    // Carol's organisation has its own name: her letters come from it, signed with it.
    let tech = app.login("tech@helpdesk.example").await?;
    let orgs: Vec<Org> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let globex = orgs
        .iter()
        .find(|o| o.name.contains("Globex"))
        .ok_or_else(|| anyhow::anyhow!("no Globex"))?
        .id;
    let res = app
        .put(
            &ada,
            &format!("/api/v1/orgs/{globex}/brand"),
            &json!({"name": "Globex Support"}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(app.forgot_password("carol@globex.example").await?, 202);
    let raw = app.mail_texts("carol@globex.example").await?;
    let letter = raw.last().cloned().unwrap_or_default();
    assert!(
        letter
            .lines()
            .any(|l| l.starts_with("From: ") && l.contains("Globex Support")),
        "{letter}"
    );
    let (_, text, _) = app
        .mails("carol@globex.example")
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no letter to carol"))?;
    assert!(
        text.replace("\r\n", "\n")
            .contains("\n\n-- \nGlobex Support\n+1 (555) 010-0100"),
        "{text:?}"
    );
    assert!(!letter.contains("cid:"), "no logo, none shown: {letter}");

    // With a PNG logo, the letter carries it inside and its HTML shows it above the name
    // (alice's letters now: bob asked for his three links).
    wear_logo(&app, &ada, PNG.to_vec()).await?;
    assert_eq!(app.forgot_password("alice@acme.example").await?, 202);
    let raw = app.raw_mails("alice@acme.example").await?;
    let letter = raw.last().cloned().unwrap_or_default();
    let message = mail_parser::MessageParser::default()
        .parse(&letter)
        .ok_or_else(|| anyhow::anyhow!("not a mail"))?;
    let html = message.body_html(0).unwrap_or_default();
    assert!(
        html.contains("<img src=\"cid:desk-logo\" alt=\"Acme IT\""),
        "{html}"
    );
    let carried = message
        .attachments()
        .find(|part| part.content_id() == Some("desk-logo"))
        .ok_or_else(|| anyhow::anyhow!("no logo inside: {html}"))?;
    assert_eq!(carried.contents(), PNG);

    // An SVG logo stays out of letters (few mail readers draw one): the letter is as without.
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>"#;
    wear_logo(&app, &ada, svg.as_bytes().to_vec()).await?;
    assert_eq!(app.forgot_password("alice@acme.example").await?, 202);
    let raw = app.mail_texts("alice@acme.example").await?;
    let letter = raw.last().cloned().unwrap_or_default();
    assert!(letter.contains("Acme IT"), "{letter}");
    assert!(!letter.contains("cid:"), "{letter}");
    Ok(())
}

/// Uploads `bytes` as a logo (as `ada`, an admin) and makes it the desk's, named "Acme IT".
async fn wear_logo(app: &TestApp, ada: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
    let res = app
        .http
        .post(app.url("/api/v1/brand/logos"))
        .bearer_auth(ada)
        .body(bytes)
        .send()
        .await?;
    anyhow::ensure!(res.status() == 201, "the logo refused: {}", res.status());
    let logo: LogoUploaded = res.json().await?;
    let res = app
        .put(
            ada,
            "/api/v1/brand/settings",
            &json!({"name": "Acme IT", "logo": logo.sha256}),
        )
        .await?;
    anyhow::ensure!(res.status() == 200, "the brand refused: {}", res.status());
    Ok(())
}
