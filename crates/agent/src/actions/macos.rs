//! macOS: restart, shut down and log out are the Apple events loginwindow takes for them
//! (`rest`, `shut`, `rlgo`: without its own confirmation dialog, since the agent warned
//! first), sent with `osascript`; the screen locks by sleeping the display, which asks for the
//! password when the Mac requires it on wake (the default on current macOS). Programs are run
//! by full path with their arguments as a list, never through a shell. The table of calls is
//! data, so it is tested on every platform.

/// A program and its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub program: &'static str,
    pub args: &'static [&'static str],
}

const OSASCRIPT: &str = "/usr/bin/osascript";

/// The call for a power action; `None` for what the privileged helper runs.
pub fn call_for(kind: bellhop_proto::ActionKind) -> Option<Call> {
    use bellhop_proto::ActionKind;
    let loginwindow = |script| Call {
        program: OSASCRIPT,
        args: script,
    };
    Some(match kind {
        ActionKind::Restart => {
            loginwindow(&["-e", "tell application \"loginwindow\" to «event aevtrest»"])
        }
        ActionKind::ShutDown => {
            loginwindow(&["-e", "tell application \"loginwindow\" to «event aevtshut»"])
        }
        ActionKind::LogOut => {
            loginwindow(&["-e", "tell application \"loginwindow\" to «event aevtrlgo»"])
        }
        ActionKind::Lock => Call {
            program: "/usr/bin/pmset",
            args: &["displaysleepnow"],
        },
        ActionKind::Install | ActionKind::Remove | ActionKind::ResetPassword => return None,
    })
}

#[cfg(target_os = "macos")]
pub struct MacOs;

#[cfg(target_os = "macos")]
impl super::Executor for MacOs {
    fn run(&self, kind: bellhop_proto::ActionKind) -> super::Asking<'_> {
        let call = call_for(kind);
        Box::pin(async move {
            let call = call.ok_or(super::RunFailure::Unsupported)?;
            tokio::task::spawn_blocking(move || {
                let status = std::process::Command::new(call.program)
                    .args(call.args)
                    .status()
                    .map_err(|e| super::RunFailure::Os(format!("{}: {e}", call.program)))?;
                if status.success() {
                    Ok(format!(
                        "asked macOS: {} {}",
                        call.program,
                        call.args.join(" ")
                    ))
                } else {
                    Err(super::RunFailure::Os(format!(
                        "{} failed: {status}",
                        call.program
                    )))
                }
            })
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
    fn each_action_is_loginwindows_own_event_or_the_display_sleeping() {
        let script = |kind| call_for(kind).map(|c| c.args.join(" ")).unwrap_or_default();
        assert!(script(ActionKind::Restart).ends_with("«event aevtrest»"));
        assert!(script(ActionKind::ShutDown).ends_with("«event aevtshut»"));
        assert!(script(ActionKind::LogOut).ends_with("«event aevtrlgo»"));
        for kind in [
            ActionKind::Restart,
            ActionKind::ShutDown,
            ActionKind::LogOut,
        ] {
            assert_eq!(
                call_for(kind).map(|c| c.program),
                Some("/usr/bin/osascript")
            );
        }
        assert_eq!(
            call_for(ActionKind::Lock),
            Some(Call {
                program: "/usr/bin/pmset",
                args: &["displaysleepnow"]
            })
        );
        assert_eq!(call_for(ActionKind::Install), None);
    }
}
