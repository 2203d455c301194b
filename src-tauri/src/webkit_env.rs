//! Linux: a WebKitGTK setting that exists only as an environment variable.
//!
//! `JSC_useJIT=0`: JavaScriptCore runs our scripts in its interpreter and never generates machine
//! code. WebKit's web processes inherit it from the app. Our pages are small local forms and
//! lists; the JIT's memory (about 9 MB of idle memory with the quick-ticket window kept ready,
//! BENCHMARKS.md) and its writable-executable pages buy them nothing measurable (the same trade
//! as Safari's Lockdown Mode). GPU compositing, the DMA-BUF renderer and GTK's OpenGL were also
//! switched off in a trial (about 10 MB more), but then WebKitWebDriver's screenshots never
//! returned, so they are left on.
//!
//! A value the user has set wins (`JSC_useJIT=1` brings the JIT back). The variable must be in
//! the environment before WebKit starts, and Rust 2024 makes changing this process's environment
//! `unsafe` (the workspace forbids it), so the app executes itself again once with it added.
//! Programs the app opens for the user (a link in the browser) get the user's environment back:
//! [`open_link`].

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// The settings, with the values added.
const SETTINGS: &[(&str, &str)] = &[("JSC_useJIT", "0")];

/// Names the variables this app added (comma-separated), so that children it opens for the
/// user can be given the environment without them.
const ADDED: &str = "BELLHOP_ADDED_ENV";

/// The settings missing from an environment (`lookup` reads one variable).
fn missing(
    lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<(&'static str, &'static str)> {
    SETTINGS
        .iter()
        .copied()
        .filter(|(name, _)| lookup(name).is_none())
        .collect()
}

/// Executes the app again with the missing settings added; returns only when nothing is
/// missing (or, with a warning, when the app cannot execute itself: it then runs without them).
pub fn apply() {
    let add = missing(|name| std::env::var_os(name));
    if add.is_empty() || std::env::var_os(ADDED).is_some() {
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("bellhop: cannot find this program to apply the WebKit setting: {e}");
            return;
        }
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
    let names: Vec<&str> = add.iter().map(|(name, _)| *name).collect();
    let e = Command::new(&exe)
        .arg0(arg0)
        .args(args)
        .envs(add.iter().copied())
        .env(ADDED, names.join(","))
        .exec();
    eprintln!("bellhop: cannot apply the WebKit setting, running without it: {e}");
}

/// The variables [`apply`] added, read from `value` (the `BELLHOP_ADDED_ENV` variable).
fn added(value: Option<&OsStr>) -> Vec<String> {
    let Some(value) = value.and_then(OsStr::to_str) else {
        return Vec::new();
    };
    value
        .split(',')
        .filter(|name| SETTINGS.iter().any(|(known, _)| known == name))
        .map(str::to_owned)
        .collect()
}

/// Opens `url` with the user's default application, in the environment the user started the
/// app with (without the settings [`apply`] added: a browser started here must keep its JIT).
pub fn open_link(url: &str) -> std::io::Result<()> {
    let mut removed = added(std::env::var_os(ADDED).as_deref());
    removed.push(ADDED.to_owned());
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no program to open links");
    for mut command in open::commands(url) {
        for name in &removed {
            command.env_remove(name);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match command.spawn() {
            Ok(mut child) => {
                // The launcher (xdg-open) hands the link on and exits; reap it.
                std::thread::spawn(move || child.wait());
                return Ok(());
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_settings_the_user_has_not_set_are_added() {
        assert_eq!(missing(|_| None), vec![("JSC_useJIT", "0")]);
        assert!(missing(|name| (name == "JSC_useJIT").then(|| "1".into())).is_empty());
    }

    #[test]
    fn only_known_settings_are_taken_back_from_a_link_s_environment() {
        assert_eq!(
            added(Some(OsStr::new("JSC_useJIT,GDK_GL,PATH"))),
            vec!["JSC_useJIT".to_owned()]
        );
        assert!(added(None).is_empty());
    }
}
