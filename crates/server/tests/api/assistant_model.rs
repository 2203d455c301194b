//! The assistant's model path against a real inference server: llama-cpp-python's
//! OpenAI-compatible server running Gemma 3 270M (installed from PyPI by `tests/model/run.sh`,
//! which runs this test). Ignored in the ordinary runs: it needs that server's Python and model,
//! named by `BELLHOP_LLAMA_PYTHON` and `BELLHOP_LLAMA_MODEL`.

use std::process::Stdio;
use std::time::{Duration, Instant};

use bellhop_proto::{Action, ActionKind, Proposal};
use serde_json::json;

use crate::actions::bob_on_his_computer;
use crate::assistant::{admin, ask};
use crate::helpers::spawn_app;

/// llama-cpp-python's server on a free loopback port; killed when dropped.
struct Llama {
    child: tokio::process::Child,
    base: String,
}

impl Drop for Llama {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn llama() -> anyhow::Result<Llama> {
    let python = std::env::var("BELLHOP_LLAMA_PYTHON")
        .map_err(|_| anyhow::anyhow!("BELLHOP_LLAMA_PYTHON is not set: run tests/model/run.sh"))?;
    let model = std::env::var("BELLHOP_LLAMA_MODEL")
        .map_err(|_| anyhow::anyhow!("BELLHOP_LLAMA_MODEL is not set: run tests/model/run.sh"))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = tokio::process::Command::new(python)
        .args([
            "-m",
            "llama_cpp.server",
            "--model",
            &model,
            "--model_alias",
            "gemma",
        ])
        .args([
            "--chat_format",
            "chatml-function-calling",
            "--host",
            "127.0.0.1",
        ])
        .args([
            "--port",
            &port.to_string(),
            "--n_ctx",
            "4096",
            "--n_threads",
            "2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let server = Llama {
        child,
        base: format!("http://127.0.0.1:{port}/v1"),
    };
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(res) = http.get(format!("{}/models", server.base)).send().await
            && res.status().is_success()
        {
            return Ok(server);
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "the llama server did not start in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs llama-cpp-python and its model: tests/model/run.sh runs it"]
async fn a_real_model_searches_the_knowledge_base_answers_and_only_offers_an_action()
-> anyhow::Result<()> {
    let model = llama().await?;
    let app = spawn_app().await?;
    let ada = admin(&app).await?;
    let res = app
        .put(
            &ada,
            "/api/v1/assistant/model",
            &json!({"base_url": model.base, "model": "gemma"}),
        )
        .await?;
    anyhow::ensure!(res.status() == 200, "set the model: {}", res.status());

    let bob = bob_on_his_computer(&app, "BOB-MODEL").await?;
    // The model searched the knowledge base (citations come from its tool alone) and wrote an
    // answer, streamed.
    let answer = ask(
        &app,
        &bob.portal,
        uuid::Uuid::now_v7(),
        &[],
        "How do I connect to the VPN?",
    )
    .await?;
    let turn = answer.turn;
    eprintln!(
        "the model answered in {} pieces: {:?}",
        answer.words.len(),
        turn.text
    );
    assert!(!answer.words.is_empty() && !turn.text.trim().is_empty());
    assert_eq!(answer.words.concat().trim(), turn.text);
    assert!(
        turn.citations
            .iter()
            .any(|c| c.title == "Connect to the VPN"),
        "{:?}",
        turn.citations
    );
    assert!(turn.seal.is_some());

    // A restart is offered, and waits for bob: nothing is asked for until he confirms it.
    let turn = ask(
        &app,
        &bob.portal,
        uuid::Uuid::now_v7(),
        &[],
        "Please restart my computer",
    )
    .await?
    .turn;
    assert!(
        turn.proposals.iter().any(|p| matches!(p,
            Proposal::Action { action: ActionKind::Restart, devices } if devices[0].name == "BOB-MODEL")),
        "{:?}",
        turn.proposals
    );
    let actions: Vec<Action> = app
        .get(&bob.portal, "/api/v1/actions")
        .await?
        .json()
        .await?;
    assert!(actions.is_empty(), "{actions:?}");
    Ok(())
}
