//! The helper's Unix socket. Anyone on the machine may connect (mode 0666); who they are is the
//! OS's word (`SO_PEERCRED` on Linux, `getpeereid` on macOS).

use std::path::Path;
use std::sync::Arc;

use tokio::net::{UnixListener, UnixStream};

use crate::serve::{Caller, Helper, answer};

/// Listens on `socket` until the process ends. A file left there by an earlier run is
/// replaced.
pub async fn serve(helper: Arc<Helper>, socket: &Path) -> anyhow::Result<()> {
    let listener = bind(socket)?;
    let facts = helper.facts();
    tracing::info!(socket = %socket.display(), machine = facts.machine, managers = ?facts.managers, "listening");
    loop {
        let (stream, _) = listener.accept().await?;
        let helper = Arc::clone(&helper);
        tokio::spawn(async move {
            if let Err(e) = answer(&helper, stream, peer).await {
                tracing::warn!(error = %e, "a request ended badly");
            }
        });
    }
}

/// The user at the other end of `stream`.
fn peer(stream: &UnixStream) -> std::io::Result<Caller> {
    let uid = stream.peer_cred()?.uid();
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name);
    Ok(Caller {
        id: format!("uid {uid}"),
        user,
        windows: None,
    })
}

/// Binds the socket, readable and writable by every user: the peer's credentials, not the
/// file's mode, decide what runs.
pub fn bind(socket: &Path) -> anyhow::Result<UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    if let Ok(meta) = std::fs::symlink_metadata(socket) {
        anyhow::ensure!(
            meta.file_type().is_socket(),
            "{} exists and is not a socket: not replacing it",
            socket.display()
        );
        std::fs::remove_file(socket)?;
    }
    if let Some(parent) = socket.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let listener = UnixListener::bind(socket)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666))?;
    Ok(listener)
}
