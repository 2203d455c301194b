//! Linux: WebKitGTK settings that exist only as environment variables.
//!
//! Our pages are small local forms and lists. What WebKit prepares for heavy web applications
//! (a JIT, GPU buffers shared between processes, OpenGL in every process) buys them nothing
//! measurable and costs memory: with the quick-ticket window kept ready, idle memory measured
//! 223 MB with it and 196 MB without (BENCHMARKS.md). So the app adds:
//!
//! - `JSC_useJIT=0`: JavaScriptCore runs our scripts in its interpreter and never generates
//!   machine code (the same trade as Safari's Lockdown Mode, and less to attack).
//! - `GDK_GL=disable`: GTK draws our windows without OpenGL.
//! - `WEBKIT_DISABLE_DMABUF_RENDERER=1`: the web process hands finished frames to the app in
//!   shared memory instead of GPU buffers (the path WebKit itself falls back to).
//! - `WEBKIT_WEB_RENDER_DEVICE_FILE`: names the GPU the web process renders with, the first render
//!   node under `/dev/dri` (or `/dev/null` where there is none, which matches no device: software
//!   rendering, as WebKit would pick). Without it the app process loads the whole OpenGL driver
//!   (Mesa with LLVM: about 20 MB of touched pages) only to ask EGL that question.
//!
//! Together with the first two, the app process never loads an OpenGL driver; only the web
//! process does. A value the user has set wins (`JSC_useJIT=1` brings the JIT back). The variables
//! must be in the environment before GTK and WebKit start, and Rust 2024 makes changing this
//! process's environment `unsafe` (the workspace forbids it), so the app executes itself again
//! once with them added. Programs the app opens for the user (a link in the browser) get the
//! user's environment back: [`open_link`].

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The variables this module may add.
const NAMES: [&str; 4] = [
    "JSC_useJIT",
    "GDK_GL",
    "WEBKIT_DISABLE_DMABUF_RENDERER",
    "WEBKIT_WEB_RENDER_DEVICE_FILE",
];

/// Names the variables this app added (comma-separated), so that children it opens for the
/// user can be given the environment without them.
const ADDED: &str = "BELLHOP_ADDED_ENV";

/// Where the kernel puts GPU device nodes.
const DRI: &str = "/dev/dri";

/// The settings with their values; `dri` is the directory holding the GPU device nodes.
fn settings(dri: &Path) -> [(&'static str, OsString); 4] {
    [
        (NAMES[0], "0".into()),
        (NAMES[1], "disable".into()),
        (NAMES[2], "1".into()),
        (NAMES[3], render_node(dri).into_os_string()),
    ]
}

/// The first GPU render node (`renderD128`, `renderD129`, …) in `dri`, or `/dev/null` when there
/// is none: a path that names no device, so the web process renders in software.
fn render_node(dri: &Path) -> PathBuf {
    let number = |name: &OsStr| name.to_str()?.strip_prefix("renderD")?.parse::<u32>().ok();
    std::fs::read_dir(dri)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let name = entry.ok()?.file_name();
            Some((number(&name)?, name))
        })
        .min()
        .map_or_else(|| PathBuf::from("/dev/null"), |(_, name)| dri.join(name))
}

/// The settings missing from an environment (`lookup` reads one variable).
fn missing(
    lookup: impl Fn(&str) -> Option<OsString>,
    settings: [(&'static str, OsString); 4],
) -> Vec<(&'static str, OsString)> {
    settings
        .into_iter()
        .filter(|(name, _)| lookup(name).is_none())
        .collect()
}

/// Executes the app again with the missing settings added; returns only when nothing is
/// missing (or, with a warning, when the app cannot execute itself: it then runs without them).
pub fn apply() {
    if std::env::var_os(ADDED).is_some() {
        return;
    }
    let add = missing(|name| std::env::var_os(name), settings(Path::new(DRI)));
    if add.is_empty() {
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("bellhop: cannot find this program to apply the WebKit settings: {e}");
            return;
        }
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
    let names: Vec<&str> = add.iter().map(|(name, _)| *name).collect();
    let e = Command::new(&exe)
        .arg0(arg0)
        .args(args)
        .envs(add.iter().map(|(name, value)| (name, value)))
        .env(ADDED, names.join(","))
        .exec();
    eprintln!("bellhop: cannot apply the WebKit settings, running without them: {e}");
}

/// The variables [`apply`] added, read from `value` (the `BELLHOP_ADDED_ENV` variable).
fn added(value: Option<&OsStr>) -> Vec<String> {
    let Some(value) = value.and_then(OsStr::to_str) else {
        return Vec::new();
    };
    value
        .split(',')
        .filter(|name| NAMES.contains(name))
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
    fn only_the_settings_the_user_has_not_set_are_added() -> std::io::Result<()> {
        let dri = tempfile::tempdir()?;
        let all = missing(|_| None, settings(dri.path()));
        let names: Vec<&str> = all.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, NAMES);
        assert_eq!(all[0].1, "0");
        let some = missing(
            |name| (name == "JSC_useJIT" || name == "GDK_GL").then(|| "1".into()),
            settings(dri.path()),
        );
        let names: Vec<&str> = some.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, NAMES[2..]);
        Ok(())
    }

    #[test]
    fn the_first_render_node_is_named_or_none() -> std::io::Result<()> {
        let dri = tempfile::tempdir()?;
        assert_eq!(render_node(dri.path()), Path::new("/dev/null"));
        assert_eq!(
            render_node(&dri.path().join("absent")),
            Path::new("/dev/null")
        );
        for name in [
            "card0",
            "card1",
            "renderD129",
            "renderD128",
            "renderDx",
            "by-path",
        ] {
            std::fs::write(dri.path().join(name), "")?;
        }
        assert_eq!(render_node(dri.path()), dri.path().join("renderD128"));
        Ok(())
    }

    #[test]
    fn only_known_settings_are_taken_back_from_a_link_s_environment() {
        assert_eq!(
            added(Some(OsStr::new("JSC_useJIT,GDK_GL,PATH,WEBKIT_DEBUG"))),
            vec!["JSC_useJIT".to_owned(), "GDK_GL".to_owned()]
        );
        assert!(added(None).is_empty());
    }
}
