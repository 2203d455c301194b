//! Windows: the workstation is locked with `LockWorkStation` (user32); restart, shut down and
//! log out go through `shutdown.exe` from the system directory, which holds the privileges
//! they need and records a planned reason. Arguments are passed as a list, never through a
//! shell. The table of calls is data, so it is tested on every platform.

/// What Windows is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `LockWorkStation()`.
    LockWorkStation,
    /// `%SystemRoot%\System32\shutdown.exe` with these arguments.
    Shutdown(&'static [&'static str]),
}

/// The call for a power action; `None` for what the privileged helper runs.
pub fn call_for(kind: bellhop_proto::ActionKind) -> Option<Call> {
    use bellhop_proto::ActionKind;
    Some(match kind {
        ActionKind::Lock => Call::LockWorkStation,
        // /d p:0:0: planned, "other" — the event log says it was meant.
        ActionKind::Restart => Call::Shutdown(&["/r", "/t", "0", "/d", "p:0:0"]),
        ActionKind::ShutDown => Call::Shutdown(&["/s", "/t", "0", "/d", "p:0:0"]),
        ActionKind::LogOut => Call::Shutdown(&["/l"]),
        ActionKind::Install | ActionKind::Remove | ActionKind::ResetPassword => return None,
    })
}

#[cfg(windows)]
pub struct Windows;

#[cfg(windows)]
impl Windows {
    fn perform(call: &Call) -> Result<String, super::RunFailure> {
        match call {
            Call::LockWorkStation => {
                if lock_workstation() {
                    Ok("asked Windows: LockWorkStation".to_owned())
                } else {
                    Err(super::RunFailure::Os(format!(
                        "LockWorkStation failed: {}",
                        std::io::Error::last_os_error()
                    )))
                }
            }
            Call::Shutdown(args) => {
                let root = std::env::var_os("SystemRoot").unwrap_or_else(|| "C:\\Windows".into());
                let program = std::path::Path::new(&root)
                    .join("System32")
                    .join("shutdown.exe");
                let status = std::process::Command::new(&program)
                    .args(*args)
                    .status()
                    .map_err(|e| super::RunFailure::Os(format!("{}: {e}", program.display())))?;
                if status.success() {
                    Ok(format!("asked Windows: shutdown.exe {}", args.join(" ")))
                } else {
                    Err(super::RunFailure::Os(format!(
                        "shutdown.exe {} failed: {status}",
                        args.join(" ")
                    )))
                }
            }
        }
    }
}

/// The one call without a safe wrapper: no arguments, no pointers, a BOOL back.
#[cfg(windows)]
#[allow(unsafe_code)]
fn lock_workstation() -> bool {
    // SAFETY: LockWorkStation takes nothing and only asks the session to lock.
    unsafe { windows_sys::Win32::System::Shutdown::LockWorkStation() != 0 }
}

#[cfg(windows)]
impl super::Executor for Windows {
    fn run(&self, kind: bellhop_proto::ActionKind) -> super::Asking<'_> {
        let call = call_for(kind);
        Box::pin(async move {
            let call = call.ok_or(super::RunFailure::Unsupported)?;
            tokio::task::spawn_blocking(move || Self::perform(&call))
                .await
                .map_err(|e| super::RunFailure::Os(e.to_string()))?
        })
    }
}

#[cfg(test)]
mod tests {
    use bellhop_proto::ActionKind;

    use super::*;

    #[test]
    fn each_action_is_the_documented_call_and_restart_and_shut_down_happen_now() {
        assert_eq!(call_for(ActionKind::Lock), Some(Call::LockWorkStation));
        assert_eq!(
            call_for(ActionKind::Restart),
            Some(Call::Shutdown(&["/r", "/t", "0", "/d", "p:0:0"]))
        );
        assert_eq!(
            call_for(ActionKind::ShutDown),
            Some(Call::Shutdown(&["/s", "/t", "0", "/d", "p:0:0"]))
        );
        assert_eq!(call_for(ActionKind::LogOut), Some(Call::Shutdown(&["/l"])));
        assert_eq!(call_for(ActionKind::Remove), None);
    }
}
