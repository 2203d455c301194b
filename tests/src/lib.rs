//! Helpers for cross-part tests: a real `bellhop-server` on a random loopback port.

use bellhop_server::app::Server;
use bellhop_server::config::Settings;

/// A running demo server; stops when dropped.
pub struct RunningServer {
    pub url: String,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl RunningServer {
    pub async fn start_demo() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut settings = Settings::ephemeral(dir.path());
        settings.demo = true;
        let server = Server::start(settings).await?;
        let url = format!("http://{}", server.addr());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async move {
            let _ = stopped.await;
        }));
        Ok(Self {
            url,
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Stops serving and waits until the port is closed.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await??;
        }
        Ok(())
    }
}
