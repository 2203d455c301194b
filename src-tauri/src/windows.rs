//! The app's windows: the portal window, made when opened and destroyed when closed, and the
//! quick-ticket window the hotkey shows. The quick-ticket window is kept loaded and hidden by
//! default, so that it appears in well under the latency target; with the low-memory choice it is
//! made on each press and destroyed when closed, so no web view lives at idle (BENCHMARKS.md).

use std::sync::Arc;

use bellhop_agent::Agent;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder, WindowEvent};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_opener::OpenerExt;

pub const MAIN: &str = "main";
pub const QUICK: &str = "quick";

/// Told to the quick-ticket window each time it is shown: take the new screenshot, start afresh.
const QUICK_SHOWN: &str = "bellhop://quick-shown";

/// Whether `url` is the app's own bundle (or Vite's dev server in a development build).
fn own_page(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => true,
        // Windows and Android serve the bundle from http(s)://tauri.localhost.
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost")
                || (tauri::is_dev() && url.host_str() == Some("localhost"))
        }
        _ => false,
    }
}

/// Our web views show our pages only: a link elsewhere (in a knowledge-base article, say) opens
/// in the user's browser, and anything else is refused, so remote content never runs in a
/// window that can call the agent.
fn keep_to_own_pages<'a>(
    app: &AppHandle,
    builder: WebviewWindowBuilder<'a, tauri::Wry, AppHandle>,
) -> WebviewWindowBuilder<'a, tauri::Wry, AppHandle> {
    let app = app.clone();
    builder.on_navigation(move |url| {
        if own_page(url) {
            return true;
        }
        if matches!(url.scheme(), "http" | "https" | "mailto") {
            if let Err(e) = open_link(&app, url.as_str()) {
                tracing::warn!(error = %e, %url, "cannot open the link in the browser");
            }
        } else {
            tracing::warn!(%url, "refused to navigate a window away from the app");
        }
        false
    })
}

/// Opens a link in the user's browser (on Linux without the WebKit settings the app adds for
/// its own web views: webkit_env.rs).
pub(crate) fn open_link(app: &AppHandle, url: &str) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = app;
        Ok(crate::webkit_env::open_link(url)?)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(app.opener().open_url(url, None::<&str>)?)
    }
}

/// Shows (creating if needed) and focuses the portal window, optionally at a route.
pub fn show_main_at(app: &AppHandle, route: &str) {
    if let Some(window) = app.get_webview_window(MAIN) {
        if !route.is_empty() {
            let script = format!("location.hash = {}", serde_json::json!(route));
            if let Err(e) = window.eval(&script) {
                tracing::warn!(error = %e, "cannot navigate the portal window");
            }
        }
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let url = WebviewUrl::App(format!("index.html{route}").into());
    let built = keep_to_own_pages(app, WebviewWindowBuilder::new(app, MAIN, url))
        .title(crate::tray::brand(app).name)
        .inner_size(900.0, 680.0)
        .min_inner_size(360.0, 480.0)
        .build();
    if let Err(e) = built {
        tracing::error!(error = %e, "cannot open the portal window");
    }
}

pub fn show_main(app: &AppHandle) {
    show_main_at(app, "");
}

fn ready(app: &AppHandle) -> bool {
    app.state::<Arc<Agent>>()
        .quick_window_ready()
        .unwrap_or(true)
}

/// The quick-ticket window's title, in the app's language.
fn quick_title(app: &AppHandle) -> String {
    let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
    crate::i18n::tr(language, "new_ticket.title", &[])
}

/// Makes the quick-ticket window. Kept ready, closing it only hides it.
fn build_quick(app: &AppHandle, visible: bool) -> tauri::Result<tauri::WebviewWindow> {
    let url = WebviewUrl::App("quick.html".into());
    let window = keep_to_own_pages(app, WebviewWindowBuilder::new(app, QUICK, url))
        .title(quick_title(app))
        .inner_size(560.0, 720.0)
        .min_inner_size(360.0, 420.0)
        .visible(visible)
        .build()?;
    let handle = app.clone();
    let hidden = window.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event
            && ready(&handle)
        {
            api.prevent_close();
            let _ = hidden.hide();
        }
    });
    Ok(window)
}

/// Shows the quick-ticket window for the screenshot just taken.
pub fn show_quick(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(QUICK) {
        if let Err(e) = app.emit_to(QUICK, QUICK_SHOWN, ()) {
            tracing::warn!(error = %e, "cannot tell the new-ticket window it is shown");
        }
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    if let Err(e) = build_quick(app, true) {
        tracing::error!(error = %e, "cannot open the new-ticket window");
    }
}

/// At start and when the user changes the memory choice: a hidden quick-ticket window while kept
/// ready, none otherwise (one on screen is left alone; it is destroyed when closed).
pub fn prepare_quick(app: &AppHandle) {
    let existing = app.get_webview_window(QUICK);
    match (ready(app), existing) {
        (true, None) => {
            if let Err(e) = build_quick(app, false) {
                tracing::warn!(error = %e, "cannot prepare the new-ticket window");
            }
        }
        (false, Some(window)) if !window.is_visible().unwrap_or(true) => {
            if let Err(e) = window.destroy() {
                tracing::warn!(error = %e, "cannot let the new-ticket window go");
            }
        }
        _ => {}
    }
}

/// Renames the quick-ticket window after a language change.
/// Names the portal window after the desk (its brand's name), if it is open.
pub fn rename_main(app: &AppHandle, name: &str) {
    if let Some(window) = app.get_webview_window(MAIN)
        && let Err(e) = window.set_title(name)
    {
        tracing::warn!(error = %e, "cannot rename the portal window");
    }
}

pub fn retitle(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(QUICK)
        && let Err(e) = window.set_title(&quick_title(app))
    {
        tracing::warn!(error = %e, "cannot rename the new-ticket window");
    }
}

#[cfg(test)]
mod tests {
    use super::own_page;

    #[test]
    fn only_the_bundle_is_our_page() {
        let page = |u: &str| u.parse::<tauri::Url>().is_ok_and(|url| own_page(&url));
        assert!(page("tauri://localhost/index.html#/kb"));
        assert!(page("http://tauri.localhost/index.html"));
        assert!(!page("https://example.com/"));
        assert!(!page("http://tauri.localhost.example.com/"));
        assert!(!page("file:///etc/passwd"));
        assert!(!page("mailto:desk@example.com"));
    }
}
