//! The helper's named pipe (Windows). Every signed-in user may connect and write a request, but
//! none may create an instance of the pipe (so nobody can stand in for the helper once it
//! runs), and clients from other computers are refused. Who the client is comes from its token,
//! read once its request has been read ([`crate::windows_accounts::sys::identify`]).
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::os::windows::io::AsRawHandle;
use std::sync::Arc;

use tokio::net::windows::named_pipe::{NamedPipeServer, ServerOptions};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;

use crate::serve::{Caller, Helper, answer};
use crate::windows_acl::sys::Descriptor;

/// SYSTEM and Administrators: everything. Authenticated users: read and write
/// (`FILE_GENERIC_READ | FILE_GENERIC_WRITE` without `FILE_CREATE_PIPE_INSTANCE`, 0x12019b).
/// Protected: nothing is inherited.
const PIPE_SDDL: &str = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x12019b;;;AU)";

/// Listens on the pipe `name` until the process ends. If another process holds the name
/// already, the helper does not start.
pub async fn serve(helper: Arc<Helper>, name: &str) -> anyhow::Result<()> {
    let security = Descriptor::from_sddl(PIPE_SDDL)?;
    let mut server = create(name, &security, true).map_err(|e| {
        anyhow::anyhow!("cannot create the pipe {name} (is another helper running?): {e}")
    })?;
    let facts = helper.facts();
    tracing::info!(pipe = name, machine = facts.machine, managers = ?facts.managers, "listening");
    loop {
        server.connect().await?;
        let connected = std::mem::replace(&mut server, create(name, &security, false)?);
        let helper = Arc::clone(&helper);
        tokio::spawn(async move {
            if let Err(e) = answer(&helper, connected, client).await {
                tracing::warn!(error = %e, "a request ended badly");
            }
        });
    }
}

fn client(pipe: &NamedPipeServer) -> std::io::Result<Caller> {
    let account = crate::windows_accounts::sys::identify(pipe.as_raw_handle())?;
    Ok(Caller {
        id: account.sid.clone(),
        user: Some(account.name.clone()),
        windows: Some(account),
    })
}

fn create(name: &str, security: &Descriptor, first: bool) -> std::io::Result<NamedPipeServer> {
    let mut attributes = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: security.as_ptr(),
        bInheritHandle: 0,
    };
    let mut options = ServerOptions::new();
    options
        .first_pipe_instance(first)
        .reject_remote_clients(true);
    // SAFETY: `attributes` is a SECURITY_ATTRIBUTES whose descriptor lives as long as
    // `security`, which outlives the call.
    unsafe {
        options.create_with_security_attributes_raw(name, (&raw mut attributes).cast::<c_void>())
    }
}
