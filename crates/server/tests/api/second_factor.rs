//! The second factor for self-service actions: a phone confirmed by an SMS code, reset
//! when the number is removed — by the user, or by the desk in the console. Texts go to
//! `<data-dir>/sms/` by default, or to a real HTTP gateway.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bellhop_proto::{AuditEntry, Page, SecondFactor, UserDetail, VerifyCodeResult};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with};

const ME: &str = "/api/v1/me/second-factor";
const CONFIRM: &str = "/api/v1/me/second-factor/confirm";

pub(crate) async fn factor(app: &TestApp, token: &str) -> anyhow::Result<SecondFactor> {
    let res = app.get(token, ME).await?;
    anyhow::ensure!(res.status() == 200, "GET {ME}: {}", res.status());
    Ok(res.json().await?)
}

/// The texts written to the data directory, oldest first, as (to, text).
pub(crate) fn texts(app: &TestApp) -> anyhow::Result<Vec<(String, String)>> {
    let dir = app.dir.path().join("sms");
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
        .iter()
        .map(|p| {
            let body = std::fs::read_to_string(p)?;
            let (head, text) = body
                .split_once("\n\n")
                .ok_or_else(|| anyhow::anyhow!("no blank line in {body}"))?;
            let to = head.strip_prefix("To: ").unwrap_or(head).to_owned();
            Ok((to, text.trim().to_owned()))
        })
        .collect()
}

/// The six-digit code in a text.
pub(crate) fn code_in(text: &str) -> anyhow::Result<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no code in {text}"))
}

pub(crate) fn wrong(code: &str) -> String {
    if code == "000000" { "111111" } else { "000000" }.to_owned()
}

#[tokio::test]
async fn a_user_confirms_a_phone_by_sms_and_the_desk_removing_it_resets_the_factor()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let none = SecondFactor {
        phone: None,
        pending: None,
        authenticator_since: None,
    };
    assert_eq!(factor(&app, &bob).await?, none);

    // Not international: refused with a reason, and nothing is sent.
    let res = app.put(&bob, ME, &json!({"phone": "312 345 6789"})).await?;
    expect_error(res, 422).await?;
    let res = app.put(&bob, ME, &json!({"number": "+39"})).await?;
    expect_error(res, 422).await?;
    assert!(texts(&app)?.is_empty());

    let res = app
        .put(&bob, ME, &json!({"phone": "+39 312 345-6789"}))
        .await?;
    assert_eq!(res.status(), 202);
    let sent: SecondFactor = res.json().await?;
    assert_eq!(sent.phone, None, "not set up until the code comes back");
    assert_eq!(
        sent.pending.as_ref().map(|p| p.phone.as_str()),
        Some("+393123456789")
    );
    let all = texts(&app)?;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, "+393123456789");
    assert!(
        all[0].1.starts_with("Bellhop: your code is "),
        "in bob's language: {}",
        all[0].1
    );
    let code = code_in(&all[0].1)?;

    let res = app.post(&bob, CONFIRM, &json!({"code": "12ab"})).await?;
    expect_error(res, 422).await?;
    let res = app
        .post(&bob, CONFIRM, &json!({"code": wrong(&code)}))
        .await?;
    let outcome: VerifyCodeResult = res.json().await?;
    assert_eq!(
        outcome,
        VerifyCodeResult {
            verified: false,
            attempts_left: 4
        }
    );
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let res = app.post(&bob, CONFIRM, &json!({"code": spaced})).await?;
    let outcome: VerifyCodeResult = res.json().await?;
    assert!(outcome.verified);
    assert_eq!(
        factor(&app, &bob).await?,
        SecondFactor {
            phone: Some("+393123456789".into()),
            pending: None,
            authenticator_since: None,
        }
    );
    // Used once.
    let res = app.post(&bob, CONFIRM, &json!({"code": code})).await?;
    expect_error(res, 422).await?;

    // The desk sees it, and the confirmed number became bob's contact number.
    let bob_id = app.user_id("bob@acme.example").await?;
    let page = format!("/api/v1/users/{bob_id}");
    let detail: UserDetail = app.get(&tech, &page).await?.json().await?;
    assert_eq!(detail.second_factor_phone.as_deref(), Some("+393123456789"));
    assert_eq!(detail.user.phone.as_deref(), Some("+393123456789"));

    let mut input = json!({
        "name": detail.user.name,
        "email": detail.user.email,
        "phone": "+39 (312) 345 6789",
        "role": "end_user",
        "org_id": detail.user.org_id,
        "portal_access": true,
    });
    // The same number written another way keeps the factor.
    let res = app.put(&tech, &page, &input).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        factor(&app, &bob).await?.phone.as_deref(),
        Some("+393123456789")
    );
    // Removing it resets the factor.
    input["phone"] = Value::Null;
    let res = app.put(&tech, &page, &input).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(factor(&app, &bob).await?, none);
    let detail: UserDetail = app.get(&tech, &page).await?.json().await?;
    assert_eq!(detail.second_factor_phone, None);
    let audit: Page<AuditEntry> = app
        .get(&tech, "/api/v1/audit?q=second_factor")
        .await?
        .json()
        .await?;
    let actions: Vec<_> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"user.second_factor.set"), "{actions:?}");
    assert!(actions.contains(&"user.second_factor.reset"), "{actions:?}");
    assert!(actions.contains(&"user.second_factor.wrong"), "{actions:?}");
    Ok(())
}

#[tokio::test]
async fn a_user_removes_their_own_number_and_a_changed_number_resets_the_factor()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let confirm = |phone: &'static str| {
        let app = &app;
        let alice = alice.clone();
        async move {
            let res = app.put(&alice, ME, &json!({ "phone": phone })).await?;
            anyhow::ensure!(res.status() == 202, "PUT: {}", res.status());
            let last = texts(app)?
                .pop()
                .ok_or_else(|| anyhow::anyhow!("no text"))?;
            let res = app
                .post(&alice, CONFIRM, &json!({"code": code_in(&last.1)?}))
                .await?;
            let outcome: VerifyCodeResult = res.json().await?;
            anyhow::ensure!(outcome.verified, "{outcome:?}");
            Ok::<_, anyhow::Error>(())
        }
    };
    confirm("+44 20 7946 0018").await?;
    let res = app
        .http
        .delete(app.url(ME))
        .bearer_auth(&alice)
        .send()
        .await?;
    assert_eq!(res.status(), 204);
    assert_eq!(factor(&app, &alice).await?.phone, None);
    let alice_id = app.user_id("alice@acme.example").await?;
    let page = format!("/api/v1/users/{alice_id}");
    let detail: UserDetail = app.get(&tech, &page).await?.json().await?;
    assert_eq!(detail.user.phone, None, "the number went from her details");

    // The desk types another number: the factor set up with the old one is reset.
    confirm("+44 20 7946 0018").await?;
    let input = json!({
        "name": detail.user.name,
        "email": detail.user.email,
        "phone": "+44 20 7946 0999",
        "role": "primary_contact",
        "org_id": detail.user.org_id,
        "portal_access": true,
    });
    let res = app.put(&tech, &page, &input).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(factor(&app, &alice).await?.phone, None);
    Ok(())
}

#[tokio::test]
async fn wrong_codes_use_a_code_up_texts_are_rate_limited_and_strangers_are_refused()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let carol = app.login("carol@globex.example").await?;
    let res = app
        .put(&carol, ME, &json!({"phone": "+49 30 1234567"}))
        .await?;
    assert_eq!(res.status(), 202);
    let code = code_in(&texts(&app)?[0].1)?;
    for left in (0..5).rev() {
        let res = app
            .post(&carol, CONFIRM, &json!({"code": wrong(&code)}))
            .await?;
        let outcome: VerifyCodeResult = res.json().await?;
        assert_eq!(outcome.attempts_left, left);
    }
    // Five wrong: even the right code no longer works, and nothing is pending.
    let res = app.post(&carol, CONFIRM, &json!({"code": code})).await?;
    expect_error(res, 422).await?;
    assert_eq!(factor(&app, &carol).await?.pending, None);
    assert_eq!(factor(&app, &carol).await?.phone, None);

    for _ in 0..4 {
        let res = app
            .put(&carol, ME, &json!({"phone": "+49 30 1234567"}))
            .await?;
        assert_eq!(res.status(), 202);
    }
    let res = app
        .put(&carol, ME, &json!({"phone": "+49 30 1234567"}))
        .await?;
    assert_eq!(expect_error(res, 429).await?, "rate_limited");
    assert_eq!(texts(&app)?.len(), 5);

    for (method, path) in [("GET", ME), ("PUT", ME), ("DELETE", ME), ("POST", CONFIRM)] {
        let res = app
            .http
            .request(method.parse()?, app.url(path))
            .json(&json!({"phone": "+49 30 1234567", "code": "123456"}))
            .send()
            .await?;
        expect_error(res, 401).await?;
    }
    Ok(())
}

/// What the gateway received: the Authorization header and the JSON body.
type Received = Vec<(Option<String>, Value)>;

#[derive(Clone, Default)]
struct Gateway {
    got: Arc<Mutex<Received>>,
    fail: Arc<Mutex<bool>>,
}

async fn receive(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Ok(mut got) = gw.got.lock() {
        got.push((auth, body));
    }
    if gw.fail.lock().is_ok_and(|f| *f) {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::OK
    }
}

#[tokio::test]
async fn texts_go_to_the_configured_gateway_and_a_refusal_leaves_no_live_code() -> anyhow::Result<()>
{
    let gateway = Gateway::default();
    let router = axum::Router::new()
        .route("/send", axum::routing::post(receive))
        .with_state(gateway.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/send", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let app = spawn_app_with(|s| {
        s.sms_url = Some(url);
        s.sms_token = Some("gateway-secret".into());
    })
    .await?;
    let bob = app.login("bob@acme.example").await?;
    // bob reads Italian: so does his text.
    let res = app
        .put(&bob, "/api/v1/me", &json!({"language": "it"}))
        .await?;
    assert_eq!(res.status(), 200);
    let res = app
        .put(&bob, ME, &json!({"phone": "+39 312 345 6789"}))
        .await?;
    assert_eq!(res.status(), 202);
    let (auth, body) = gateway
        .got
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?[0]
        .clone();
    assert_eq!(auth.as_deref(), Some("Bearer gateway-secret"));
    assert_eq!(body["to"], "+393123456789");
    let text = body["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("Bellhop: il tuo codice è "), "{text}");
    assert!(texts(&app)?.is_empty(), "nothing written locally");
    let res = app
        .post(&bob, CONFIRM, &json!({"code": code_in(text)?}))
        .await?;
    assert!(res.json::<VerifyCodeResult>().await?.verified);

    // The gateway refuses: a clear 503, and the code that never left is not waiting.
    *gateway
        .fail
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))? = true;
    let carol = app.login("carol@globex.example").await?;
    let res = app
        .put(&carol, ME, &json!({"phone": "+49 30 1234567"}))
        .await?;
    assert_eq!(expect_error(res, 503).await?, "unavailable");
    assert_eq!(factor(&app, &carol).await?.pending, None);
    Ok(())
}

/// Sets up `phone` as the caller's second factor.
async fn set_up(app: &TestApp, token: &str, phone: &str) -> anyhow::Result<()> {
    let res = app.put(token, ME, &json!({"phone": phone})).await?;
    anyhow::ensure!(res.status() == 202, "send code: {}", res.status());
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let (_, text) = texts(app)?
        .into_iter()
        .rfind(|(to, _)| to.ends_with(&digits))
        .ok_or_else(|| anyhow::anyhow!("no text to {phone}"))?;
    let res = app
        .post(token, CONFIRM, &json!({"code": code_in(&text)?}))
        .await?;
    let outcome: VerifyCodeResult = res.json().await?;
    anyhow::ensure!(outcome.verified, "not verified");
    Ok(())
}

#[tokio::test]
async fn changing_or_removing_the_second_factor_needs_a_fresh_sign_in_and_tells_the_person()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    set_up(&app, &bob, "+39 312 555 0199").await?;
    let subjects = app.mail_subjects("bob@acme.example").await?;
    assert!(
        subjects
            .iter()
            .any(|s| s == "Your Bellhop verification phone was set"),
        "{subjects:?}"
    );

    // An hour later the same session (perhaps a stolen one) may not move or drop the factor.
    app.sql(
        "UPDATE sessions SET created_at = created_at - 3600000
         WHERE user_id = (SELECT id FROM users WHERE email = 'bob@acme.example')",
    )
    .await?;
    let res = app
        .put(&bob, ME, &json!({"phone": "+39 312 555 0666"}))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "reauthenticate");
    let res = app
        .http
        .delete(app.url(ME))
        .bearer_auth(&bob)
        .send()
        .await?;
    assert_eq!(expect_error(res, 403).await?, "reauthenticate");
    assert_eq!(
        factor(&app, &bob).await?.phone.as_deref(),
        Some("+393125550199"),
        "the factor stays"
    );
    assert!(
        !texts(&app)?
            .iter()
            .any(|(to, _)| to.ends_with("3125550666")),
        "no text went to the new number"
    );

    // Signed in afresh, bob removes it, and hears of it.
    let fresh = app.login("bob@acme.example").await?;
    let res = app
        .http
        .delete(app.url(ME))
        .bearer_auth(&fresh)
        .send()
        .await?;
    assert_eq!(res.status(), 204);
    let mails = app.mails("bob@acme.example").await?;
    let (subject, text, _) = mails.last().ok_or_else(|| anyhow::anyhow!("no mail"))?;
    assert_eq!(subject, "Your Bellhop verification phone was removed");
    assert!(text.contains("+393125550199"), "{text}");

    // Without a factor confirmed, setting one up needs no fresh sign-in.
    set_up(&app, &bob, "+39 312 555 0200").await?;

    // The desk removing the number tells the person too.
    let tech = app.login("tech@helpdesk.example").await?;
    let id = app.user_id("bob@acme.example").await?;
    let detail: UserDetail = app
        .get(&tech, &format!("/api/v1/users/{id}"))
        .await?
        .json()
        .await?;
    let body = json!({"name": detail.user.name, "email": detail.user.email, "phone": null,
                      "role": detail.user.role, "org_id": detail.user.org_id,
                      "portal_access": true});
    let res = app
        .put(&tech, &format!("/api/v1/users/{id}"), &body)
        .await?;
    assert_eq!(res.status(), 200);
    let subjects = app.mail_subjects("bob@acme.example").await?;
    assert_eq!(
        subjects.last().map(String::as_str),
        Some("Your Bellhop verification phone was removed")
    );
    Ok(())
}

#[tokio::test]
async fn guesses_at_an_sms_code_sent_in_parallel_cannot_pass_the_limit() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let res = app
        .put(&bob, ME, &json!({"phone": "+39 312 555 0123"}))
        .await?;
    assert_eq!(res.status(), 202);
    let (_, text) = texts(&app)?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no text"))?;
    let right = code_in(&text)?;
    let bodies: Vec<Value> = (0..20).map(|_| json!({"code": wrong(&right)})).collect();
    let guesses = bodies.iter().map(|body| app.post(&bob, CONFIRM, body));
    let mut wrong_answers = 0;
    for res in futures_util::future::join_all(guesses).await {
        let res = res?;
        if res.status() == 200 {
            let outcome: VerifyCodeResult = res.json().await?;
            assert!(!outcome.verified);
            wrong_answers += 1;
        } else {
            assert_eq!(expect_error(res, 422).await?, "bad_request");
        }
    }
    assert_eq!(wrong_answers, 5, "exactly five guesses were judged");
    let res = app.post(&bob, CONFIRM, &json!({"code": right})).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "the right code comes too late"
    );
    Ok(())
}
