fn main() {
    // Declaring the app's commands makes each one need an explicit grant in capabilities/,
    // so a window can call only what its capability file lists.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "get_status",
            "queue_ticket",
            "list_outbox",
            "send_identity_token",
            "confirm_identity",
            "sync_now",
            "get_screenshot",
            "drop_screenshot",
            "list_tickets",
            "get_portal",
            "get_ticket",
            "queue_reply",
            "queue_reopen",
            "save_draft",
            "list_drafts",
            "discard_draft",
            "submit_draft",
            "get_language",
            "set_language",
            "get_hotkey",
            "set_hotkey",
            "get_autostart",
            "set_autostart",
            "get_quick_ready",
            "set_quick_ready",
            "stage_file",
            "get_attachment",
            "search_articles",
            "get_article",
        ]),
    ))
    .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}
