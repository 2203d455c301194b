//! The desk's approved software: only admins set it, every package id is one its manager could
//! name, each person reads the entries offered to their organisation (never the sources), and
//! only where Self-service is on for them.

use bellhop_proto::SoftwareCatalog;
use serde_json::{Value, json};

use crate::assistant::admin;
use crate::helpers::{expect_error, spawn_app};

const APT_KEY: &str =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZxample\n-----END PGP PUBLIC KEY BLOCK-----";

fn list(globex: &str) -> Value {
    json!({
        "items": [
            {"key": "hello", "name": {"text": "GNU Hello"},
             "description": {"text": "Says hello.", "translations": {"it": "Dice ciao."}},
             "packages": [{"manager": "apt", "id": "hello"}, {"manager": "winget", "id": "GNU.Hello"},
                          {"manager": "brew_formula", "id": "hello"}]},
            {"key": "sap-gui", "name": {"text": "SAP GUI"}, "icon": "laptop",
             "packages": [{"manager": "chocolatey", "id": "sapgui"}], "orgs": [globex]}
        ],
        "sources": {"apt": {"url": "https://apt.example.com/debian", "suite": "stable",
                            "components": ["main"], "key": APT_KEY}}
    })
}

#[tokio::test]
async fn only_an_admin_approves_software_and_each_person_reads_what_is_offered_to_them()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = admin(&app).await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let orgs: Vec<Value> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let globex = orgs
        .iter()
        .find(|o| o["name"] == "Globex")
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned();

    // Nothing is approved until an admin says so.
    let none: SoftwareCatalog = app.get(&bob, "/api/v1/software").await?.json().await?;
    assert!(none.items.is_empty());

    for token in [&tech, &bob] {
        let res = app.put(token, "/api/v1/software", &list(&globex)).await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden");
    }
    let res = app.put(&ada, "/api/v1/software", &list(&globex)).await?;
    assert_eq!(res.status(), 200);
    let audit = app
        .get(&ada, "/api/v1/audit?q=settings.software")
        .await?
        .text()
        .await?;
    assert!(audit.contains("settings.software"), "{audit}");

    // The desk reads all of it with the sources; bob what Acme is offered, never the sources;
    // carol Globex's entry too.
    let desk: SoftwareCatalog = app.get(&tech, "/api/v1/software").await?.json().await?;
    assert_eq!(desk.items.len(), 2);
    assert!(desk.sources.apt.is_some());
    let bobs: SoftwareCatalog = app.get(&bob, "/api/v1/software").await?.json().await?;
    let keys = |c: &SoftwareCatalog| c.items.iter().map(|i| i.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&bobs), ["hello"]);
    assert!(bobs.sources.apt.is_none(), "the sources are the desk's");
    let carols: SoftwareCatalog = app.get(&carol, "/api/v1/software").await?.json().await?;
    assert_eq!(keys(&carols), ["hello", "sap-gui"]);

    // Self-service switched off for bob: he reads none of it.
    let mut settings: Value = app
        .get(&tech, "/api/v1/portal-settings")
        .await?
        .json()
        .await?;
    settings["self_service"] = json!({"audience": "nobody"});
    assert_eq!(
        app.put(&tech, "/api/v1/portal-settings", &settings)
            .await?
            .status(),
        200
    );
    let res = app.get(&bob, "/api/v1/software").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    Ok(())
}

#[tokio::test]
async fn a_package_id_with_a_shells_words_or_a_bad_source_is_refused() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = admin(&app).await?;
    let with = |package: Value| json!({"items": [{"key": "x", "name": {"text": "X"}, "packages": [package]}]});
    for bad in [
        with(json!({"manager": "apt", "id": "hello; rm -rf /"})),
        with(json!({"manager": "apt", "id": "$(reboot)"})),
        with(json!({"manager": "apt", "id": "-oDebug::pkgProblemResolver=1"})),
        with(json!({"manager": "dnf", "id": "hello`id`"})),
        with(json!({"manager": "winget", "id": "Mozilla.Firefox && calc"})),
        with(json!({"manager": "brew_cask", "id": "../../evil"})),
        with(json!({"manager": "flatpak", "id": "firefox"})),
        with(json!({"manager": "pip", "id": "requests"})),
        json!({"items": [{"key": "x", "name": {"text": "X"}, "packages": []}]}),
        json!({"items": [{"key": "X Y", "name": {"text": "X"}, "packages": [{"manager": "apt", "id": "hello"}]}]}),
        json!({"items": [{"key": "x", "name": {"text": "X"}, "packages": [{"manager": "apt", "id": "hello"}],
                          "orgs": [uuid::Uuid::now_v7()]}]}),
        json!({"items": [], "sources": {"apt": {"url": "file:///etc", "suite": "stable",
                                                 "components": ["main"], "key": APT_KEY}}}),
        json!({"items": [], "sources": {"apt": {"url": "https://apt.example.com", "suite": "stable",
                                                 "components": ["main"], "key": "not a key"}}}),
        json!({"items": [], "sources": {"homebrew_tap": {"name": "acme"}}}),
    ] {
        let res = app.put(&ada, "/api/v1/software", &bad).await?;
        assert_eq!(res.status(), 422, "{bad}");
    }
    let res = app
        .put(
            &ada,
            "/api/v1/software",
            &with(json!({"manager": "apt", "id": "hello; rm -rf /"})),
        )
        .await?;
    let body: Value = res.json().await?;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("apt") && m.contains("not a package id")),
        "{body}"
    );
    let kept: SoftwareCatalog = app.get(&ada, "/api/v1/software").await?.json().await?;
    assert!(kept.items.is_empty(), "nothing refused was kept");
    Ok(())
}
