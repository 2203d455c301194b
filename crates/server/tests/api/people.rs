//! The console manages organisations and people: create, edit, rotate an enrolment key, give or
//! take portal access (a welcome link to choose a password), all audited; staff roles are for
//! admins to give.

use bellhop_proto::{
    AuditEntry, DeviceStatus, EnrolResponse, Org, OrgCreated, Page, User, UserDetail,
};
use serde_json::json;

use crate::helpers::{expect_error, facts, spawn_app};

#[tokio::test]
async fn a_new_organisation_gets_its_own_enrolment_key_and_domains() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let body = json!({"name": " Initech ", "domains": ["@Initech.example", "initech.example"],
                      "auto_activate": false});
    let res = app.post(&bob, "/api/v1/orgs", &body).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app.post(&tech, "/api/v1/orgs", &body).await?;
    assert_eq!(res.status(), 201);
    let created: OrgCreated = res.json().await?;
    assert_eq!(created.org.name, "Initech");
    assert_eq!(created.org.domains, ["initech.example"]);
    assert!(created.enrolment_key.starts_with("bhe_"));

    // The key enrols a device into it; a rotated key replaces it.
    let enrol = |key: String| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/api/v1/devices/enroll"))
                .json(&json!({"enrolment_key": key, "device": facts("INITECH-1")}))
                .send()
                .await
        }
    };
    let res = enrol(created.enrolment_key.clone()).await?;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.json::<EnrolResponse>().await?.status,
        DeviceStatus::Pending
    );
    let path = format!("/api/v1/orgs/{}/enrolment-key", created.org.id);
    let rotated: serde_json::Value = app.post(&tech, &path, &json!({})).await?.json().await?;
    let new_key = rotated["enrolment_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(new_key, created.enrolment_key);
    assert_eq!(enrol(created.enrolment_key.clone()).await?.status(), 401);
    assert_eq!(enrol(new_key).await?.status(), 201);

    // A domain belongs to one organisation.
    let res = app
        .post(
            &tech,
            "/api/v1/orgs",
            &json!({"name": "Copycat", "domains": ["acme.example"]}),
        )
        .await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    let res = app
        .post(
            &tech,
            "/api/v1/orgs",
            &json!({"name": "Bad", "domains": ["not a domain"]}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    // Renamed, with another domain; new people of that domain join it on first contact.
    let res = app
        .put(
            &tech,
            &format!("/api/v1/orgs/{}", created.org.id),
            &json!({"name": "Initech Ltd", "domains": ["initech.example", "initrode.example"],
                    "auto_activate": true}),
        )
        .await?;
    let updated: Org = res.json().await?;
    assert_eq!(updated.domains, ["initech.example", "initrode.example"]);
    assert!(updated.auto_activate);

    let log: Page<AuditEntry> = app.get(&tech, "/api/v1/audit?q=org").await?.json().await?;
    // (The demo's saved settings mention organisations too.)
    let actions: Vec<&str> = log
        .items
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| a.starts_with("org."))
        .collect();
    assert_eq!(actions, ["org.update", "org.enrolment_key", "org.create"]);
    Ok(())
}

#[tokio::test]
async fn a_new_user_with_portal_access_chooses_a_password_from_the_welcome_email()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let orgs: Vec<Org> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let acme = orgs.iter().find(|o| o.name == "Acme").map(|o| o.id);
    let body = json!({"name": "Dana Dyer", "email": "Dana@Acme.example", "phone": "+1 555 0100 77",
                      "role": "end_user", "org_id": acme, "portal_access": true});
    let res = app.post(&tech, "/api/v1/users", &body).await?;
    assert_eq!(res.status(), 201);
    let dana: User = res.json().await?;
    assert_eq!(dana.email, "dana@acme.example");
    assert_eq!(dana.phone.as_deref(), Some("+1 555 0100 77"));

    let mails = app.mail_subjects("dana@acme.example").await?;
    assert_eq!(mails, ["Welcome to the Bellhop service desk"]);
    let token = app
        .reset_token("dana@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no link"))?;
    let res = app
        .http
        .post(app.url("/api/v1/auth/reset-password"))
        .json(&json!({"token": token, "password": "dana-chose-this"}))
        .send()
        .await?;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.login_status("dana@acme.example", "dana-chose-this")
            .await?,
        200
    );

    // The same address twice is a conflict; a staff role needs an admin.
    let res = app.post(&tech, "/api/v1/users", &body).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    let res = app
        .post(
            &tech,
            "/api/v1/users",
            &json!({"name": "Eve", "email": "eve@helpdesk.example", "role": "admin"}),
        )
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    for bad in [
        json!({"name": "", "email": "x@acme.example", "role": "end_user"}),
        json!({"name": "X", "email": "not-an-address", "role": "end_user"}),
        json!({"name": "X", "email": "x@acme.example", "role": "end_user", "phone": "call me"}),
    ] {
        let res = app.post(&tech, "/api/v1/users", &bad).await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{bad}");
    }
    let bob = app.login("bob@acme.example").await?;
    let res = app.post(&bob, "/api/v1/users", &body).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    Ok(())
}

#[tokio::test]
async fn taking_portal_access_away_signs_the_user_out_and_giving_it_back_sends_a_link()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob_token = app.login("bob@acme.example").await?;
    let bob: User = app.get(&bob_token, "/api/v1/me").await?.json().await?;
    let path = format!("/api/v1/users/{}", bob.id);
    let mut body = json!({"name": "Bob Baker", "email": "bob@acme.example", "phone": null,
                          "role": "primary_contact", "org_id": bob.org_id, "portal_access": false});
    let res = app.put(&tech, &path, &body).await?;
    assert_eq!(res.status(), 200);
    let updated: User = res.json().await?;
    assert_eq!(updated.phone, None, "the phone number was removed");

    // Signed out, and the password no longer works.
    let res = app.get(&bob_token, "/api/v1/me").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        401
    );
    let detail: UserDetail = app.get(&tech, &path).await?.json().await?;
    assert!(!detail.has_password);
    assert_eq!(detail.user.role, bellhop_proto::Role::PrimaryContact);
    let search: serde_json::Value = app
        .get(&tech, "/api/v1/search?q=0142")
        .await?
        .json()
        .await?;
    assert_eq!(search["users"], json!([]), "the old number finds nobody");

    // Access back: a link to choose a new password.
    body["portal_access"] = json!(true);
    let res = app.put(&tech, &path, &body).await?;
    assert_eq!(res.status(), 200);
    let subjects = app.mail_subjects("bob@acme.example").await?;
    assert!(subjects.contains(&"You can now use the Bellhop portal".to_owned()));
    let token = app
        .reset_token("bob@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no link"))?;
    let res = app
        .http
        .post(app.url("/api/v1/auth/reset-password"))
        .json(&json!({"token": token, "password": "bob-is-back-again"}))
        .send()
        .await?;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.login_status("bob@acme.example", "bob-is-back-again")
            .await?,
        200
    );

    // Technicians cannot change each other's (or admins') accounts.
    let staff: Vec<User> = app
        .get(&tech, "/api/v1/users?staff=true")
        .await?
        .json()
        .await?;
    let tess = &staff[0];
    let res = app
        .put(
            &tech,
            &format!("/api/v1/users/{}", tess.id),
            &json!({"name": "Tess T.", "email": "tech@helpdesk.example", "role": "technician",
                    "portal_access": true}),
        )
        .await?;
    assert_eq!(res.status(), 200, "one's own name is fine");
    let res = app
        .put(
            &tech,
            &format!("/api/v1/users/{}", uuid::Uuid::now_v7()),
            &json!({"name": "Nobody", "email": "nobody@acme.example", "role": "end_user"}),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    Ok(())
}

#[tokio::test]
async fn a_person_in_an_organisation_that_does_not_exist_is_refused_and_nothing_changes()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob_token = app.login("bob@acme.example").await?;
    let bob: User = app.get(&bob_token, "/api/v1/me").await?.json().await?;
    let nowhere = uuid::Uuid::now_v7();

    let res = app
        .put(
            &tech,
            &format!("/api/v1/users/{}", bob.id),
            &json!({"name": "Bob Baker", "email": "bob@acme.example", "role": "end_user",
                    "org_id": nowhere}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let detail: UserDetail = app
        .get(&tech, &format!("/api/v1/users/{}", bob.id))
        .await?
        .json()
        .await?;
    assert_eq!(detail.user.org_id, bob.org_id, "bob stays in Acme");

    let res = app
        .post(
            &tech,
            "/api/v1/users",
            &json!({"name": "Nora Nowhere", "email": "nora@acme.example", "role": "end_user",
                    "org_id": nowhere}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let search: serde_json::Value = app
        .get(&tech, "/api/v1/search?q=nora")
        .await?
        .json()
        .await?;
    assert_eq!(search["users"], json!([]), "nobody was created");
    Ok(())
}
