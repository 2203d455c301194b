//! Self-service actions: asked for on one's own computer, proved with a code texted for that
//! action alone, signed for the computer, picked up by its agent and reported; and every
//! refusal on the way.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bellhop_proto::{
    Action, ActionState, AuditEntry, DeviceCredential, EnrolResponse, GRANT_CONTEXT, GrantClaims,
    GrantedAction, Page, VerifyCodeResult,
};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Value, json};

use crate::changes::open_events;
use crate::devices::confirm_identity;
use crate::helpers::{TestApp, enroll, expect_error, spawn_app};
use crate::second_factor::{code_in, texts, wrong};

/// Bob on his own Acme computer: the device, its agent's credential (bob's), and bob's portal
/// session with a confirmed phone.
pub(crate) struct Bob {
    pub(crate) device: EnrolResponse,
    pub(crate) agent: DeviceCredential,
    pub(crate) portal: String,
}

async fn confirm_phone(app: &TestApp, token: &str, phone: &str) -> anyhow::Result<()> {
    let res = app
        .put(
            token,
            "/api/v1/me/second-factor",
            &json!({ "phone": phone }),
        )
        .await?;
    anyhow::ensure!(res.status() == 202, "PUT phone: {}", res.status());
    let code = code_in(&last_text(app)?)?;
    let res = app
        .post(
            token,
            "/api/v1/me/second-factor/confirm",
            &json!({ "code": code }),
        )
        .await?;
    let outcome: VerifyCodeResult = res.json().await?;
    anyhow::ensure!(outcome.verified, "{outcome:?}");
    Ok(())
}

pub(crate) fn last_text(app: &TestApp) -> anyhow::Result<String> {
    Ok(texts(app)?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no text was sent"))?
        .1)
}

pub(crate) async fn bob_on_his_computer(app: &TestApp, host: &str) -> anyhow::Result<Bob> {
    let device = enroll(app, "acme-demo-key", host).await?;
    let agent = confirm_identity(app, &device, "bob@acme.example").await?;
    let portal = app.login("bob@acme.example").await?;
    confirm_phone(app, &portal, "+39 312 345 6789").await?;
    Ok(Bob {
        device,
        agent,
        portal,
    })
}

pub(crate) async fn ask(
    app: &TestApp,
    token: &str,
    device: &Value,
    kind: &str,
) -> anyhow::Result<Action> {
    let res = app
        .post(
            token,
            "/api/v1/actions",
            &json!({"id": uuid::Uuid::now_v7(), "device_id": device, "kind": kind}),
        )
        .await?;
    anyhow::ensure!(res.status() == 201, "ask: {}", res.status());
    Ok(res.json().await?)
}

pub(crate) async fn verify(
    app: &TestApp,
    token: &str,
    action: &Action,
    code: &str,
) -> reqwest::Response {
    let path = format!("/api/v1/actions/{}/verify", action.id);
    match app.post(token, &path, &json!({ "code": code })).await {
        Ok(res) => res,
        Err(e) => panic!("POST {path}: {e}"),
    }
}

pub(crate) async fn report(
    app: &TestApp,
    token: &str,
    action: &Action,
    state: &str,
) -> anyhow::Result<reqwest::Response> {
    let path = format!("/api/v1/device/actions/{}/report", action.id);
    app.post(
        token,
        &path,
        &json!({ "state": state, "detail": "as asked" }),
    )
    .await
}

pub(crate) async fn waiting(app: &TestApp, agent: &str) -> anyhow::Result<Vec<GrantedAction>> {
    let res = app.get(agent, "/api/v1/device/actions").await?;
    anyhow::ensure!(res.status() == 200, "waiting: {}", res.status());
    Ok(res.json().await?)
}

pub(crate) async fn action(app: &TestApp, token: &str, action: &Action) -> anyhow::Result<Action> {
    let res = app
        .get(token, &format!("/api/v1/actions/{}", action.id))
        .await?;
    anyhow::ensure!(res.status() == 200, "GET action: {}", res.status());
    Ok(res.json().await?)
}

/// Checks the grant as an agent would, with the key pinned at enrolment.
pub(crate) fn check_grant(key: &str, granted: &GrantedAction) -> anyhow::Result<GrantClaims> {
    let key: [u8; 32] = STANDARD
        .decode(key)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("not a 32-byte key"))?;
    let key = VerifyingKey::from_bytes(&key)?;
    let signature: [u8; 64] = STANDARD
        .decode(&granted.grant.signature)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("not a 64-byte signature"))?;
    let mut message = GRANT_CONTEXT.to_vec();
    message.extend_from_slice(granted.grant.claims.as_bytes());
    key.verify(&message, &Signature::from_bytes(&signature))?;
    Ok(serde_json::from_str(&granted.grant.claims)?)
}

#[tokio::test]
async fn bob_locks_his_computer_with_the_code_texted_for_it_and_the_agent_reports_it()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;
    let device = json!(bob.device.device_id);
    let (mut stream, mut buf) = open_events(&app, &bob.agent.token).await?;

    let asked = ask(&app, &bob.portal, &device, "lock").await?;
    assert_eq!(asked.state, ActionState::Requested);
    assert_eq!(
        (asked.device_name.as_str(), asked.attempts_left),
        ("BOB-PC", 5)
    );
    let text = last_text(&app)?;
    assert!(
        text.contains("your code to lock BOB-PC is"),
        "the text names the action and the computer: {text}"
    );
    // Nothing is signed before the code.
    assert!(waiting(&app, &bob.agent.token).await?.is_empty());

    let res = verify(&app, &bob.portal, &asked, &code_in(&text)?).await;
    assert_eq!(res.status(), 200);
    let verified: Action = res.json().await?;
    assert_eq!(verified.state, ActionState::Verified);

    // The computer hears of it live.
    let heard = next_action_event(&mut stream, &mut buf).await?;
    assert_eq!(heard["action_id"], json!(asked.id));

    let granted = waiting(&app, &bob.agent.token).await?;
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].action.state, ActionState::Delivered);
    let claims = check_grant(&bob.device.grant_key, &granted[0])?;
    assert_eq!(claims.action_id, asked.id);
    assert_eq!(claims.device_id, bob.device.device_id);
    assert_eq!(claims.os_user, "bob");
    assert_eq!(claims.kind, bellhop_proto::ActionKind::Lock);
    assert!(claims.expires_at > claims.issued_at);
    // The grant key the device can ask for later is the one it pinned.
    let state: Value = app
        .get(&bob.device.device_secret, "/api/v1/device")
        .await?
        .json()
        .await?;
    assert_eq!(state["grant_key"], json!(bob.device.grant_key));

    let res = report(&app, &bob.agent.token, &asked, "running").await?;
    assert_eq!(res.status(), 200);
    // Started once: a second start is refused.
    let res = report(&app, &bob.agent.token, &asked, "running").await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    assert!(waiting(&app, &bob.agent.token).await?.is_empty());
    let res = report(&app, &bob.agent.token, &asked, "succeeded").await?;
    let done: Action = res.json().await?;
    assert_eq!(done.state, ActionState::Succeeded);
    assert_eq!(done.detail.as_deref(), Some("as asked"));

    // Bob sees it in his history; the desk sees it in the device's.
    let mine: Vec<Action> = app
        .get(&bob.portal, "/api/v1/actions")
        .await?
        .json()
        .await?;
    assert_eq!(mine.len(), 1);
    let tech = app.login("tech@helpdesk.example").await?;
    let theirs: Vec<Action> = app
        .get(
            &tech,
            &format!("/api/v1/actions?device_id={}", bob.device.device_id),
        )
        .await?
        .json()
        .await?;
    assert_eq!(theirs[0].state, ActionState::Succeeded);
    let audit: Page<AuditEntry> = app
        .get(&tech, &format!("/api/v1/audit?q={}", asked.id))
        .await?
        .json()
        .await?;
    let mut steps: Vec<_> = audit.items.iter().map(|e| e.action.as_str()).collect();
    steps.reverse();
    assert_eq!(
        steps,
        [
            "action.request",
            "action.verify",
            "action.run",
            "action.succeed"
        ]
    );
    Ok(())
}

/// Reads the event stream until an `action` event arrives, and returns its data.
async fn next_action_event(res: &mut reqwest::Response, buf: &mut String) -> anyhow::Result<Value> {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: action") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .ok_or_else(|| anyhow::anyhow!("an event without data: {block}"))?;
                return Ok(serde_json::from_str(data)?);
            }
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), res.chunk())
            .await
            .map_err(|_| anyhow::anyhow!("no event within 5 s"))??
            .ok_or_else(|| anyhow::anyhow!("the stream ended"))?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn an_action_is_refused_on_a_computer_not_yours_without_a_factor_or_when_not_offered()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;
    let device = json!(bob.device.device_id);
    let body = |kind: &str| json!({"id": uuid::Uuid::now_v7(), "device_id": device, "kind": kind});

    // Alice is in bob's organisation, but it is not her computer.
    let alice = app.login("alice@acme.example").await?;
    let res = app.post(&alice, "/api/v1/actions", &body("lock")).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    // Nor the desk's.
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app.post(&tech, "/api/v1/actions", &body("lock")).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let sent = texts(&app)?.len();

    // Malformed: an unknown action, a missing device, an unknown device.
    let res = app
        .post(&bob.portal, "/api/v1/actions", &body("reboot"))
        .await?;
    expect_error(res, 422).await?;
    let res = app
        .post(
            &bob.portal,
            "/api/v1/actions",
            &json!({"id": uuid::Uuid::now_v7(), "kind": "lock"}),
        )
        .await?;
    expect_error(res, 422).await?;
    let res = app
        .post(
            &bob.portal,
            "/api/v1/actions",
            &json!({"id": uuid::Uuid::now_v7(), "device_id": uuid::Uuid::now_v7(), "kind": "lock"}),
        )
        .await?;
    expect_error(res, 404).await?;

    // The desk offers restarts to nobody.
    let mut settings: Value = app
        .get(&tech, "/api/v1/portal-settings")
        .await?
        .json()
        .await?;
    settings["actions"]["restart"] = json!({"audience": "nobody"});
    let res = app.put(&tech, "/api/v1/portal-settings", &settings).await?;
    assert_eq!(res.status(), 200);
    let res = app
        .post(&bob.portal, "/api/v1/actions", &body("restart"))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let portal: Value = app
        .get(&bob.portal, "/api/v1/me/portal")
        .await?
        .json()
        .await?;
    assert_eq!(
        portal["actions"],
        json!([
            "lock",
            "shut_down",
            "log_out",
            "install",
            "remove",
            "reset_password"
        ])
    );

    // Without a second factor, nothing: bob removes his phone.
    let res = app
        .http
        .delete(app.url("/api/v1/me/second-factor"))
        .bearer_auth(&bob.portal)
        .send()
        .await?;
    assert_eq!(res.status(), 204);
    let res = app
        .post(&bob.portal, "/api/v1/actions", &body("lock"))
        .await?;
    let message = expect_error(res, 403).await?;
    assert_eq!(message, "forbidden");
    assert_eq!(texts(&app)?.len(), sent, "no refusal sent a text");

    // A deactivated computer takes nothing.
    confirm_phone(&app, &bob.portal, "+39 312 345 6789").await?;
    let res = app
        .post(
            &tech,
            "/api/v1/devices/deactivate",
            &json!({"device_ids": [bob.device.device_id]}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let res = app
        .post(&bob.portal, "/api/v1/actions", &body("lock"))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    Ok(())
}

#[tokio::test]
async fn a_code_is_good_once_for_its_action_only_and_wrong_ones_run_out() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;
    let device = json!(bob.device.device_id);

    let first = ask(&app, &bob.portal, &device, "lock").await?;
    let first_code = code_in(&last_text(&app)?)?;
    let second = ask(&app, &bob.portal, &device, "log_out").await?;
    let second_code = code_in(&last_text(&app)?)?;

    // No code, a malformed one: refused, nothing counted.
    let res = app
        .post(
            &bob.portal,
            &format!("/api/v1/actions/{}/verify", first.id),
            &json!({}),
        )
        .await?;
    expect_error(res, 422).await?;
    let res = verify(&app, &bob.portal, &first, "12ab").await;
    expect_error(res, 422).await?;
    assert_eq!(action(&app, &bob.portal, &first).await?.attempts_left, 5);
    // The other action's code is a wrong code here.
    if first_code != second_code {
        let res = verify(&app, &bob.portal, &first, &second_code).await;
        expect_error(res, 422).await?;
        assert_eq!(action(&app, &bob.portal, &first).await?.attempts_left, 4);
    }
    // Someone else cannot type bob's code.
    let alice = app.login("alice@acme.example").await?;
    let res = verify(&app, &alice, &first, &first_code).await;
    expect_error(res, 404).await?;

    let res = verify(&app, &bob.portal, &first, &first_code).await;
    assert_eq!(res.status(), 200);
    // Used: typed again, refused.
    let res = verify(&app, &bob.portal, &first, &first_code).await;
    assert_eq!(expect_error(res, 409).await?, "conflict");

    // Five wrong codes end the second action.
    for left in (0..5).rev() {
        let res = verify(&app, &bob.portal, &second, &wrong(&second_code)).await;
        let message = expect_error(res, 422).await?;
        assert_eq!(message, "bad_request", "{left} left");
    }
    let ended = action(&app, &bob.portal, &second).await?;
    assert_eq!(ended.state, ActionState::Failed);
    let res = verify(&app, &bob.portal, &second, &second_code).await;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    assert_eq!(waiting(&app, &bob.agent.token).await?.len(), 1);

    // Guesses sent together cannot pass the limit: a third action, ten wrong codes at once.
    let third = ask(&app, &bob.portal, &device, "shut_down").await?;
    let third_code = code_in(&last_text(&app)?)?;
    let guess = wrong(&third_code);
    let guesses = (0..10).map(|_| verify(&app, &bob.portal, &third, &guess));
    let answers = futures_util::future::join_all(guesses).await;
    let refused = answers.iter().filter(|r| r.status() == 422).count();
    let conflicts = answers.iter().filter(|r| r.status() == 409).count();
    assert_eq!((refused, conflicts), (5, 5));
    Ok(())
}

#[tokio::test]
async fn an_expired_code_or_an_unclaimed_grant_ends_as_expired_and_cannot_start()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;
    let device = json!(bob.device.device_id);

    let late = ask(&app, &bob.portal, &device, "lock").await?;
    let code = code_in(&last_text(&app)?)?;
    app.sql(&format!(
        "UPDATE actions SET deadline_at = 1 WHERE id = '{}'",
        late.id
    ))
    .await?;
    let res = verify(&app, &bob.portal, &late, &code).await;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    // Within seconds it says so.
    let expired = wait_for_state(&app, &bob.portal, &late, ActionState::Expired).await?;
    assert_eq!(expired.detail.as_deref(), Some("no code was typed in time"));

    // Verified, but the computer is off: the grant is never handed out past its deadline, and
    // a start after it is refused.
    let offline = ask(&app, &bob.portal, &device, "lock").await?;
    let code = code_in(&last_text(&app)?)?;
    assert_eq!(
        verify(&app, &bob.portal, &offline, &code).await.status(),
        200
    );
    app.sql(&format!(
        "UPDATE actions SET deadline_at = 1 WHERE id = '{}'",
        offline.id
    ))
    .await?;
    assert!(waiting(&app, &bob.agent.token).await?.is_empty());
    let res = report(&app, &bob.agent.token, &offline, "running").await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    let expired = wait_for_state(&app, &bob.portal, &offline, ActionState::Expired).await?;
    assert_eq!(
        expired.detail.as_deref(),
        Some("the computer did not start it in time")
    );
    Ok(())
}

pub(crate) async fn wait_for_state(
    app: &TestApp,
    token: &str,
    of: &Action,
    state: ActionState,
) -> anyhow::Result<Action> {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = action(app, token, of).await?;
        if now.state == state {
            return Ok(now);
        }
        anyhow::ensure!(
            std::time::Instant::now() < give_up,
            "still {:?} after 10 s",
            now.state
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_cancelled_action_never_starts_and_only_its_computer_reports_on_it() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;
    let device = json!(bob.device.device_id);
    let asked = ask(&app, &bob.portal, &device, "restart").await?;
    let code = code_in(&last_text(&app)?)?;
    assert_eq!(verify(&app, &bob.portal, &asked, &code).await.status(), 200);
    assert_eq!(waiting(&app, &bob.agent.token).await?.len(), 1);

    // Another computer's agent, and a portal session, cannot report on it.
    let other = enroll(&app, "acme-demo-key", "OTHER-PC").await?;
    let others = confirm_identity(&app, &other, "alice@acme.example").await?;
    let res = report(&app, &others.token, &asked, "running").await?;
    expect_error(res, 404).await?;
    let res = report(&app, &bob.portal, &asked, "running").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    // An agent reports only running, succeeded or failed; succeeded only after running.
    let res = report(&app, &bob.agent.token, &asked, "verified").await?;
    expect_error(res, 422).await?;
    let res = report(&app, &bob.agent.token, &asked, "succeeded").await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");

    // Someone else cannot cancel it; the desk can, and bob could.
    let alice = app.login("alice@acme.example").await?;
    let cancel = format!("/api/v1/actions/{}/cancel", asked.id);
    expect_error(app.post(&alice, &cancel, &json!({})).await?, 404).await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app.post(&tech, &cancel, &json!({})).await?;
    assert_eq!(res.status(), 200);
    let cancelled: Action = res.json().await?;
    assert_eq!(cancelled.state, ActionState::Cancelled);
    assert!(waiting(&app, &bob.agent.token).await?.is_empty());
    // The agent had the grant already: its start is refused, so it does not run.
    let res = report(&app, &bob.agent.token, &asked, "running").await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    // Cancelled once.
    expect_error(app.post(&tech, &cancel, &json!({})).await?, 409).await?;

    // A repeated request is the same action, and sends no second text.
    let id = uuid::Uuid::now_v7();
    let body = json!({"id": id, "device_id": device, "kind": "lock"});
    assert_eq!(
        app.post(&bob.portal, "/api/v1/actions", &body)
            .await?
            .status(),
        201
    );
    let sent = texts(&app)?.len();
    let again = app.post(&bob.portal, "/api/v1/actions", &body).await?;
    assert_eq!(again.status(), 200);
    assert_eq!(texts(&app)?.len(), sent);
    // The same id for something else is refused.
    let other_kind = json!({"id": id, "device_id": device, "kind": "log_out"});
    let res = app
        .post(&bob.portal, "/api/v1/actions", &other_kind)
        .await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    Ok(())
}

#[tokio::test]
async fn the_desk_lists_one_persons_actions_and_anyone_else_sees_only_their_own()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-LIST").await?;
    let device = json!(bob.device.device_id);
    let asked = ask(&app, &bob.portal, &device, "lock").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob_id = app.user_id("bob@acme.example").await?;
    let alice_id = app.user_id("alice@acme.example").await?;

    let list = |token: String, path: String| {
        let app = &app;
        async move {
            let res = app.get(&token, &path).await?;
            anyhow::ensure!(res.status() == 200, "{path}: {}", res.status());
            anyhow::Ok(res.json::<Vec<Action>>().await?)
        }
    };
    let bobs = list(tech.clone(), format!("/api/v1/actions?user_id={bob_id}")).await?;
    assert_eq!(
        bobs.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![asked.id]
    );
    let alices = list(tech.clone(), format!("/api/v1/actions?user_id={alice_id}")).await?;
    assert!(alices.is_empty(), "{alices:?}");
    // Alice asking for bob's list gets her own: none.
    let alice = app.login("alice@acme.example").await?;
    let peeked = list(alice, format!("/api/v1/actions?user_id={bob_id}")).await?;
    assert!(peeked.is_empty(), "{peeked:?}");
    let res = app.get(&tech, "/api/v1/actions?user_id=not-an-id").await?;
    expect_error(res, 400).await?;
    Ok(())
}
