//! The app's windows.

use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN: &str = "main";

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
    let built = WebviewWindowBuilder::new(app, MAIN, url)
        .title("Bellhop")
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
