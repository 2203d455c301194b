use bellhop_proto::{DeviceCredential, DeviceStatus, EnrolResponse, Ticket};
use serde_json::{Value, json};

use crate::helpers::{TestApp, enroll, expect_error, facts, spawn_app};

async fn send_token(
    app: &TestApp,
    device: &EnrolResponse,
    body: &Value,
) -> anyhow::Result<reqwest::Response> {
    app.post(
        &device.device_secret,
        "/api/v1/device/identity/send-token",
        body,
    )
    .await
}

async fn confirm(
    app: &TestApp,
    device: &EnrolResponse,
    body: &Value,
) -> anyhow::Result<reqwest::Response> {
    app.post(
        &device.device_secret,
        "/api/v1/device/identity/confirm",
        body,
    )
    .await
}

/// The token from the newest confirmation mail to `email` (in the body, never the subject).
async fn token_from_mail(app: &TestApp, email: &str) -> anyhow::Result<String> {
    let texts = app.mail_texts(email).await?;
    let newest = texts
        .iter()
        .rfind(|t| {
            t.lines()
                .any(|l| l.trim_end() == "Subject: Your Bellhop confirmation token")
        })
        .ok_or_else(|| anyhow::anyhow!("no confirmation mail to {email}"))?;
    let at = newest
        .find("Your confirmation token is ")
        .ok_or_else(|| anyhow::anyhow!("no token in {newest}"))?;
    Ok(newest[at + 27..].chars().take(9).collect())
}

pub(crate) async fn confirm_identity(
    app: &TestApp,
    device: &EnrolResponse,
    email: &str,
) -> anyhow::Result<DeviceCredential> {
    let sent = send_token(
        app,
        device,
        &json!({"first_name": "Bob", "last_name": "Baker", "email": email}),
    )
    .await?;
    anyhow::ensure!(sent.status() == 202, "send-token: {}", sent.status());
    let token = token_from_mail(app, &email.to_lowercase()).await?;
    let res = confirm(
        app,
        device,
        &json!({"email": email, "token": token.to_lowercase()}),
    )
    .await?;
    anyhow::ensure!(res.status() == 200, "confirm: {}", res.status());
    Ok(res.json().await?)
}

#[tokio::test]
async fn acme_devices_activate_themselves_and_globex_devices_wait() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    assert_eq!(
        enroll(&app, "acme-demo-key", "ACME-PC1").await?.status,
        DeviceStatus::Active
    );
    let globex = enroll(&app, "globex-demo-key", "GLOBEX-PC1").await?;
    assert_eq!(globex.status, DeviceStatus::Pending);
    let state: Value = app
        .get(&globex.device_secret, "/api/v1/device")
        .await?
        .json()
        .await?;
    assert_eq!(state["status"], "pending");
    assert_eq!(state["org_name"], "Globex");

    let res = app
        .http
        .post(app.url("/api/v1/devices/enroll"))
        .json(&json!({"enrolment_key": "nope", "device": facts("X")}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn a_pending_device_cannot_ask_for_a_token_until_a_technician_activates_it()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "globex-demo-key", "GLOBEX-PC2").await?;
    let ask = json!({"first_name": "Carol", "last_name": "Cole", "email": "carol@globex.example"});
    let res = send_token(&app, &device, &ask).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");

    let carol = app.login("carol@globex.example").await?;
    let res = app
        .post(
            &carol,
            "/api/v1/devices/activate",
            &json!({"device_ids": [device.device_id]}),
        )
        .await?;
    assert_eq!(
        expect_error(res, 403).await?,
        "forbidden",
        "an end user cannot activate devices"
    );

    let tech = app.login("tech@helpdesk.example").await?;
    let globex_id = {
        let devices: Vec<bellhop_proto::Device> =
            app.get(&tech, "/api/v1/devices").await?.json().await?;
        devices
            .iter()
            .find(|d| d.facts.hostname == "GLOBEX-PC2")
            .map(|d| d.org_id)
    };
    let res = app
        .post(
            &tech,
            "/api/v1/devices/activate",
            &json!({"org_id": globex_id}),
        )
        .await?;
    assert_eq!(res.json::<Value>().await?["changed"], 1);
    let res = send_token(&app, &device, &ask).await?;
    assert_eq!(res.status(), 202);
    Ok(())
}

#[tokio::test]
async fn the_emailed_token_gives_a_credential_that_sees_the_users_tickets() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "ACME-PC3").await?;
    let cred = confirm_identity(&app, &device, "bob@acme.example").await?;
    assert_eq!(
        cred.user.name, "Bob Baker",
        "an existing user keeps their account"
    );
    let tickets = app.tickets(&cred.token).await?;
    assert_eq!(tickets.len(), 4);

    let again = confirm(&app, &device, &json!({"email": "bob@acme.example", "token": token_from_mail(&app, "bob@acme.example").await?}))
        .await?;
    assert_eq!(
        expect_error(again, 401).await?,
        "unauthenticated",
        "a token works once"
    );
    Ok(())
}

#[tokio::test]
async fn a_new_person_is_created_and_joined_to_the_organisation_of_their_domain()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "ACME-PC4").await?;
    let cred = confirm_identity(&app, &device, "Dana@Acme.example").await?;
    assert_eq!(cred.user.email, "dana@acme.example");
    assert_eq!(cred.user.name, "Bob Baker");
    let alice = app.login("alice@acme.example").await?;
    let me: Value = app.get(&alice, "/api/v1/me").await?.json().await?;
    assert_eq!(
        cred.user.org_id.map(|o| o.to_string()),
        me["org_id"].as_str().map(str::to_owned)
    );
    let ticket = app.create_ticket(&cred.token, "From Dana's laptop").await?;
    let seen_by_alice: Vec<Ticket> = app.tickets(&alice).await?;
    assert!(
        seen_by_alice.iter().any(|t| t.id == ticket.id),
        "the primary contact sees it"
    );
    Ok(())
}

#[tokio::test]
async fn five_wrong_tokens_burn_the_token() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "ACME-PC5").await?;
    send_token(
        &app,
        &device,
        &json!({"first_name": "Bob", "last_name": "Baker", "email": "bob@acme.example"}),
    )
    .await?;
    let right = token_from_mail(&app, "bob@acme.example").await?;
    for _ in 0..5 {
        let res = confirm(
            &app,
            &device,
            &json!({"email": "bob@acme.example", "token": "AAAA-AAAA"}),
        )
        .await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    }
    let res = confirm(
        &app,
        &device,
        &json!({"email": "bob@acme.example", "token": right}),
    )
    .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn sending_tokens_is_rate_limited_per_email() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "ACME-PC6").await?;
    let ask = json!({"first_name": "Bob", "last_name": "Baker", "email": "bob@acme.example"});
    for _ in 0..3 {
        assert_eq!(send_token(&app, &device, &ask).await?.status(), 202);
    }
    let res = send_token(&app, &device, &ask).await?;
    assert_eq!(expect_error(res, 429).await?, "rate_limited");
    Ok(())
}

#[tokio::test]
async fn a_deactivated_device_or_a_revoked_credential_is_refused() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "ACME-PC7").await?;
    let cred = confirm_identity(&app, &device, "bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;

    app.post(
        &tech,
        "/api/v1/devices/deactivate",
        &json!({"device_ids": [device.device_id]}),
    )
    .await?;
    let res = app.get(&cred.token, "/api/v1/tickets").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");

    app.post(
        &tech,
        "/api/v1/devices/activate",
        &json!({"device_ids": [device.device_id]}),
    )
    .await?;
    assert_eq!(app.get(&cred.token, "/api/v1/tickets").await?.status(), 200);
    assert_eq!(
        app.post(&cred.token, "/api/v1/auth/logout", &json!({}))
            .await?
            .status(),
        204
    );
    let res = app.get(&cred.token, "/api/v1/tickets").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn device_endpoints_refuse_the_wrong_kind_of_caller() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let res = app.http.get(app.url("/api/v1/devices")).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let bob = app.login("bob@acme.example").await?;
    let res = app.get(&bob, "/api/v1/devices").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app.get(&bob, "/api/v1/device").await?;
    assert_eq!(
        expect_error(res, 401).await?,
        "unauthenticated",
        "a session is not a device secret"
    );
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app
        .post(&tech, "/api/v1/devices/activate", &json!({}))
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    Ok(())
}

#[tokio::test]
async fn a_device_working_with_its_credential_is_seen() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let device = enroll(&app, "acme-demo-key", "ACME-SEEN").await?;
    let credential = confirm_identity(&app, &device, "bob@acme.example").await?;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let before = jiff::Timestamp::now();
    let res = app.get(&credential.token, "/api/v1/tickets").await?;
    assert_eq!(res.status(), 200);
    let devices: Vec<bellhop_proto::Device> =
        app.get(&tech, "/api/v1/devices").await?.json().await?;
    let seen = devices
        .iter()
        .find(|d| d.id == device.device_id)
        .and_then(|d| d.last_seen_at)
        .ok_or_else(|| anyhow::anyhow!("never seen"))?;
    assert!(
        seen >= before,
        "last seen {seen} is before the call at {before}"
    );
    Ok(())
}

#[tokio::test]
async fn a_device_is_assigned_to_whoever_confirms_first_and_the_desk_moves_it() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let device = enroll(&app, "acme-demo-key", "ACME-ASSIGN").await?;
    let bob = confirm_identity(&app, &device, "bob@acme.example").await?;
    let mine: Vec<bellhop_proto::Device> = app
        .get(&bob.token, "/api/v1/me/devices")
        .await?
        .json()
        .await?;
    assert_eq!(
        mine.iter().map(|d| d.id).collect::<Vec<_>>(),
        [device.device_id],
        "the first to confirm uses the device"
    );

    let alice_id = app.user_id("alice@acme.example").await?;
    let path = format!("/api/v1/devices/{}/assignee", device.device_id);
    let res = app.put(&tech, &path, &json!({"user_id": alice_id})).await?;
    assert_eq!(res.status(), 200);
    let moved: bellhop_proto::Device = res.json().await?;
    assert_eq!(moved.assigned_user_id, Some(alice_id));
    let alice = app.login("alice@acme.example").await?;
    let hers: Vec<bellhop_proto::Device> =
        app.get(&alice, "/api/v1/me/devices").await?.json().await?;
    assert!(hers.iter().any(|d| d.id == device.device_id));
    let his: Vec<bellhop_proto::Device> = app
        .get(&bob.token, "/api/v1/me/devices")
        .await?
        .json()
        .await?;
    assert!(his.is_empty(), "bob no longer has it: {his:?}");

    let audit = app
        .get(&tech, "/api/v1/audit?q=device.assign")
        .await?
        .text()
        .await?;
    assert!(
        audit.contains("ACME-ASSIGN assigned to Alice"),
        "the move is audited: {audit}"
    );

    let res = app.put(&tech, &path, &json!({"user_id": null})).await?;
    assert_eq!(res.status(), 200);
    let hers: Vec<bellhop_proto::Device> =
        app.get(&alice, "/api/v1/me/devices").await?.json().await?;
    assert!(hers.is_empty(), "unassigned: {hers:?}");
    Ok(())
}

#[tokio::test]
async fn only_the_desk_assigns_and_only_to_someone_of_the_devices_organisation()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let device = enroll(&app, "acme-demo-key", "ACME-ASSIGN2").await?;
    let path = format!("/api/v1/devices/{}/assignee", device.device_id);
    let bob_id = app.user_id("bob@acme.example").await?;

    for user in ["bob@acme.example", "alice@acme.example"] {
        let token = app.login(user).await?;
        let res = app.put(&token, &path, &json!({"user_id": bob_id})).await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden", "{user}");
    }
    let res = app
        .http
        .put(app.url(&path))
        .json(&json!({"user_id": bob_id}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");

    let carol = app.user_id("carol@globex.example").await?;
    let res = app.put(&tech, &path, &json!({"user_id": carol})).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "someone of another organisation"
    );
    let nobody = bellhop_proto::UserId::new();
    let res = app.put(&tech, &path, &json!({"user_id": nobody})).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "an unknown person"
    );
    let res = app
        .put(&tech, &path, &json!({"user_id": bob_id, "extra": 1}))
        .await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "an unknown field"
    );
    let elsewhere = format!(
        "/api/v1/devices/{}/assignee",
        bellhop_proto::DeviceId::new()
    );
    let res = app
        .put(&tech, &elsewhere, &json!({"user_id": bob_id}))
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    app.post(
        &tech,
        &format!("/api/v1/users/{bob_id}/disable"),
        &json!({}),
    )
    .await?;
    let res = app.put(&tech, &path, &json!({"user_id": bob_id})).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "a person switched off"
    );
    let devices: Vec<bellhop_proto::Device> =
        app.get(&tech, "/api/v1/devices").await?.json().await?;
    let unchanged = devices.iter().find(|d| d.id == device.device_id);
    assert_eq!(
        unchanged.and_then(|d| d.assigned_user_id),
        None,
        "nothing changed"
    );
    Ok(())
}
