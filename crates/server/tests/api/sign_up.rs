//! Self sign-up: a person of an organisation that takes sign-ups from its domains joins it and
//! chooses a password from the welcome email; the holding organisation takes addresses of no
//! organisation; the answer never tells whether an address has an account; sign-ups are limited
//! per address and per client.

use bellhop_proto::{Org, Role, User};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, spawn_app};

async fn sign_up(app: &TestApp, body: Value) -> anyhow::Result<(u16, String)> {
    let res = app
        .http
        .post(app.url("/api/v1/auth/sign-up"))
        .json(&body)
        .send()
        .await?;
    Ok((res.status().as_u16(), res.text().await?))
}

async fn org_named(app: &TestApp, token: &str, name: &str) -> anyhow::Result<Org> {
    let orgs: Vec<Org> = app.get(token, "/api/v1/orgs").await?.json().await?;
    orgs.into_iter()
        .find(|o| o.name == name)
        .ok_or_else(|| anyhow::anyhow!("no organisation {name}"))
}

#[tokio::test]
async fn a_person_of_an_open_domain_signs_up_chooses_a_password_and_opens_a_ticket()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    // The demo's Acme takes sign-ups from acme.example.
    let (status, _) = sign_up(
        &app,
        json!({"name": "Dana Doe", "email": "Dana@Acme.example", "language": "it"}),
    )
    .await?;
    assert_eq!(status, 202);
    let mails = app.mails("dana@acme.example").await?;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].0.starts_with("Benvenuto"), "{}", mails[0].0);
    let token = app
        .reset_token("dana@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no link to choose a password"))?;
    assert_eq!(app.reset_password(&token, "a long passphrase").await?, 204);

    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "dana@acme.example", "password": "a long passphrase"}))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    let dana = res.json::<Value>().await?["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let me: User = app.get(&dana, "/api/v1/me").await?.json().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let acme = org_named(&app, &tech, "Acme").await?;
    assert_eq!(me.org_id, Some(acme.id));
    assert_eq!(me.role, Role::EndUser);
    assert_eq!(me.name, "Dana Doe");
    let ticket = app.create_ticket(&dana, "My first request").await?;
    assert_eq!(ticket.title, "My first request");

    // The desk sees who signed up, in their own name.
    let audit: Value = app
        .get(&tech, "/api/v1/audit?q=user.sign_up")
        .await?
        .json()
        .await?;
    let entries = audit["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor_name"], json!("Dana Doe"));
    Ok(())
}

#[tokio::test]
async fn the_answer_is_the_same_whoever_the_address_belongs_to() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let people = async || -> anyhow::Result<usize> {
        let all: Vec<User> = app.get(&tech, "/api/v1/users").await?.json().await?;
        Ok(all.len())
    };
    let before = people().await?;
    let mut answers = Vec::new();
    for email in [
        // An account already: a letter says so, and how to sign in.
        "bob@acme.example",
        // Globex invites its people: nothing.
        "gina@globex.example",
        // No organisation has the domain, and none holds: nothing.
        "sam@elsewhere.example",
    ] {
        answers.push(sign_up(&app, json!({"name": "Someone", "email": email})).await?);
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 202);
    assert_eq!(people().await?, before, "nobody was made");
    let bobs = app.mails("bob@acme.example").await?;
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].0, "You already have a Bellhop account");
    assert!(bobs[0].1.contains("/#/login"), "{}", bobs[0].1);
    assert!(app.reset_token("bob@acme.example").await?.is_none());
    assert!(app.mails("gina@globex.example").await?.is_empty());
    assert!(app.mails("sam@elsewhere.example").await?.is_empty());
    // Bob's password is as it was.
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        200
    );
    Ok(())
}

#[tokio::test]
async fn one_holding_organisation_takes_the_addresses_of_no_organisation() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app
        .post(
            &tech,
            "/api/v1/orgs",
            &json!({"name": "Newcomers", "domains": [], "sign_up": "anyone"}),
        )
        .await?;
    assert_eq!(res.status(), 201);
    let holding = org_named(&app, &tech, "Newcomers").await?;
    assert_eq!(holding.sign_up, bellhop_proto::SignUpRule::Anyone);
    // A second one is refused, new or changed, and nothing of it is kept.
    let res = app
        .post(
            &tech,
            "/api/v1/orgs",
            &json!({"name": "More newcomers", "sign_up": "anyone"}),
        )
        .await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    let globex = org_named(&app, &tech, "Globex").await?;
    let res = app
        .put(
            &tech,
            &format!("/api/v1/orgs/{}", globex.id),
            &json!({"name": "Globex", "domains": globex.domains, "sign_up": "anyone"}),
        )
        .await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    assert_eq!(
        org_named(&app, &tech, "Globex").await?.sign_up,
        bellhop_proto::SignUpRule::Invite
    );
    let orgs: Vec<Org> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    assert!(!orgs.iter().any(|o| o.name == "More newcomers"));

    // Someone of no organisation's domain joins the holding one; Globex's people do not.
    for email in ["sam@elsewhere.example", "gina@globex.example"] {
        let (status, _) = sign_up(&app, json!({"name": "Someone", "email": email})).await?;
        assert_eq!(status, 202);
    }
    let sam: Vec<User> = app
        .get(&tech, "/api/v1/users?q=sam%40elsewhere.example")
        .await?
        .json()
        .await?;
    assert_eq!(sam.len(), 1);
    assert_eq!(sam[0].org_id, Some(holding.id));
    assert!(app.reset_token("sam@elsewhere.example").await?.is_some());
    let gina: Vec<User> = app
        .get(&tech, "/api/v1/users?q=gina%40globex.example")
        .await?
        .json()
        .await?;
    assert!(gina.is_empty());
    Ok(())
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_and_per_client_and_checked() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    // One address hears at most three times an hour: a welcome, then "you have an account".
    for _ in 0..5 {
        let (status, _) = sign_up(
            &app,
            json!({"name": "Dana Doe", "email": "dana@acme.example"}),
        )
        .await?;
        assert_eq!(status, 202);
    }
    let subjects: Vec<String> = app
        .mails("dana@acme.example")
        .await?
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(
        subjects,
        [
            "Welcome to the Bellhop service desk",
            "You already have a Bellhop account",
            "You already have a Bellhop account"
        ]
    );
    // Ten sign-ups from one client an hour: five more pass, the next is told to wait.
    for n in 0..5 {
        let email = format!("p{n}@acme.example");
        let (status, _) = sign_up(&app, json!({"name": "P", "email": email})).await?;
        assert_eq!(status, 202);
    }
    let res = app
        .http
        .post(app.url("/api/v1/auth/sign-up"))
        .json(&json!({"name": "Late", "email": "late@acme.example"}))
        .send()
        .await?;
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(expect_error(res, 429).await?, "rate_limited");
    assert!(app.mails("late@acme.example").await?.is_empty());

    // What is not a sign-up is refused with its reason, and nothing is kept.
    let fresh = spawn_app().await?;
    for body in [
        json!({"name": "", "email": "a@acme.example"}),
        json!({"name": "A", "email": "not an address"}),
        json!({"name": "A", "email": "a@acme.example", "role": "admin"}),
        json!({"name": "A", "email": "a@acme.example", "language": "xx"}),
        json!({"email": "a@acme.example"}),
    ] {
        let res = fresh
            .http
            .post(fresh.url("/api/v1/auth/sign-up"))
            .json(&body)
            .send()
            .await?;
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{body}: {status}");
        let error: Value = res.json().await?;
        assert!(error["error"]["message"].is_string(), "{body}: {error}");
    }
    assert!(fresh.mails("a@acme.example").await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn someone_the_desktop_app_knows_signs_up_but_not_someone_the_desk_took_access_from()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    // Erin confirmed who she is in the desktop app: known, without portal access.
    let laptop = crate::helpers::enroll(&app, "acme-demo-key", "erin-laptop").await?;
    crate::devices::confirm_identity(&app, &laptop, "erin@acme.example").await?;
    assert_eq!(
        app.login_status("erin@acme.example", "anything at all")
            .await?,
        401
    );
    let (status, _) = sign_up(&app, json!({"name": "Erin", "email": "erin@acme.example"})).await?;
    assert_eq!(status, 202);
    // The welcome email, not "you already have an account": she chooses a password and is in.
    let token = app
        .reset_token("erin@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no welcome link for erin"))?;
    assert_eq!(
        app.reset_password(&token, "erin's own passphrase").await?,
        204
    );
    assert_eq!(
        app.login_status("erin@acme.example", "erin's own passphrase")
            .await?,
        200
    );

    // Bob's access the desk takes away: signing up does not give it back.
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.id_of(&tech, "bob@acme.example").await?;
    let mut person: Value = app
        .get(&tech, &format!("/api/v1/users/{bob}"))
        .await?
        .json()
        .await?;
    let user = person["user"].take();
    let res = app
        .put(
            &tech,
            &format!("/api/v1/users/{bob}"),
            &json!({"name": user["name"], "email": user["email"], "role": user["role"],
                    "org_id": user["org_id"], "portal_access": false}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let (status, _) = sign_up(&app, json!({"name": "Bob", "email": "bob@acme.example"})).await?;
    assert_eq!(status, 202);
    assert!(app.reset_token("bob@acme.example").await?.is_none());
    let bobs = app.mails("bob@acme.example").await?;
    assert!(
        bobs.iter()
            .any(|m| m.0 == "You already have a Bellhop account"),
        "{bobs:?}"
    );
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        401
    );
    Ok(())
}
