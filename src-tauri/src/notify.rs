//! Desktop notifications for what a pull brought (a technician's reply, a status change).
//!
//! Notices are collected for a moment before anything shows, so a burst (several replies, a bulk
//! status change) becomes one notification per ticket, or one summary when many tickets changed.
//! Clicking a notification opens that ticket (where the platform reports clicks: freedesktop
//! notification servers on Linux and the BSDs).

use std::sync::Arc;

use bellhop_agent::Agent;
use bellhop_agent::notices::{self, Burst, COALESCE};
use bellhop_proto::{Language, Notice, NoticeKind, TicketStatus};
use tauri::{AppHandle, Manager};

use crate::i18n::tr;
use tokio::sync::mpsc;

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub summary: String,
    pub body: String,
    /// The route clicking it opens.
    pub route: String,
}

/// Sends notices to the notifier task.
#[derive(Clone)]
pub struct Notifier(mpsc::UnboundedSender<Vec<Notice>>);

impl Notifier {
    pub fn spawn(app: AppHandle) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Notice>>();
        tauri::async_runtime::spawn(async move {
            while let Some(mut batch) = rx.recv().await {
                tokio::time::sleep(COALESCE).await;
                while let Ok(more) = rx.try_recv() {
                    batch.extend(more);
                }
                // In the language the user reads now (the tray's Language menu may have changed it).
                let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
                for shown in coalesce(&batch, language) {
                    show(&app, shown, language);
                }
            }
        });
        Self(tx)
    }

    pub fn push(&self, notices: &[Notice]) {
        if !notices.is_empty() {
            let _ = self.0.send(notices.to_vec());
        }
    }
}

fn status_text(status: TicketStatus, language: Language) -> String {
    let key = match status {
        TicketStatus::Open => "status.open",
        TicketStatus::AwaitingReply => "status.awaiting_reply",
        TicketStatus::Resolved => "status.resolved",
        TicketStatus::Closed => "status.closed",
    };
    tr(language, key, &[])
}

fn line(notice: &Notice, language: Language) -> String {
    match &notice.kind {
        NoticeKind::Reply {
            author_name,
            excerpt,
        } => format!("{author_name}: {excerpt}"),
        NoticeKind::Status { status } => tr(
            language,
            "notify.status_line",
            &[("status", &status_text(*status, language))],
        ),
    }
}

/// What to show for a burst of notices (grouped by the agent: one per ticket with its latest
/// reply and status, or a single summary when more than a few tickets changed), in `language`.
pub fn coalesce(notices: &[Notice], language: Language) -> Vec<Shown> {
    let title = |n: &Notice| format!("#{} {}", n.number, n.title);
    notices::coalesce(notices)
        .into_iter()
        .map(|burst| {
            let route = burst.route();
            match burst {
                Burst::Summary { count, shown, more } => {
                    let mut lines: Vec<String> = shown.into_iter().map(title).collect();
                    lines.push(tr(language, "notify.more", &[("count", &more.to_string())]));
                    Shown {
                        summary: tr(language, "notify.summary", &[("count", &count.to_string())]),
                        body: lines.join("\n"),
                        route,
                    }
                }
                Burst::Ticket {
                    first,
                    reply,
                    status,
                } => Shown {
                    summary: title(first),
                    body: [reply, status]
                        .into_iter()
                        .flatten()
                        .map(|n| line(n, language))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    route,
                },
            }
        })
        .collect()
}

/// Tells the user their new-ticket shortcut is taken; clicking opens the settings to pick another.
pub fn hotkey_taken(app: &AppHandle, accelerator: &str) {
    let language = app.state::<Arc<Agent>>().language().unwrap_or_default();
    show(
        app,
        Shown {
            summary: tr(
                language,
                "app_settings.hotkey_taken",
                &[("keys", accelerator)],
            ),
            body: tr(language, "app_settings.hotkey_pick", &[]),
            route: "#/preferences".into(),
        },
        language,
    );
}

/// Shows one notification now, not gathered with others (a warning that cannot wait).
pub fn show_now(app: &AppHandle, shown: Shown, language: Language) {
    show(app, shown, language);
}

/// Shows one notification, off the async threads (the platform calls may block, some until the
/// notification is clicked or goes away). A click opens the main window at `shown.route`.
fn show(app: &AppHandle, shown: Shown, language: Language) {
    let app = app.clone();
    std::thread::spawn(move || {
        platform::show(&app, &shown, &tr(language, "notify.open", &[]));
    });
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use tauri::AppHandle;

    /// freedesktop: the default action is a click on the notification.
    pub fn show(app: &AppHandle, shown: &super::Shown, open: &str) {
        let mut n = notify_rust::Notification::new();
        n.appname("Bellhop")
            .summary(&shown.summary)
            .body(&shown.body)
            .action("default", open);
        match n.show() {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    crate::windows::show_main_at(app, &shown.route);
                }
            }),
            // No notification server (a bare session): the tray icon still shows the news.
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    }
}

#[cfg(windows)]
mod platform {
    use tauri::AppHandle;
    use tauri_winrt_notification::Toast;

    /// A toast under the app's identifier (the AppUserModelID its installer gives the Start
    /// menu shortcut); activating it (a click) opens the ticket while the app runs.
    pub fn show(app: &AppHandle, shown: &super::Shown, _open: &str) {
        let (clicked, route) = (app.clone(), shown.route.clone());
        let result = Toast::new(&app.config().identifier)
            .title(&shown.summary)
            .text1(&shown.body)
            .on_activated(move |_| {
                crate::windows::show_main_at(&clicked, &route);
                Ok(())
            })
            .show();
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot show a notification");
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use mac_notification_sys::{Notification, NotificationResponse};
    use tauri::AppHandle;

    /// Notification Center, as the app's bundle; `send` waits on this thread for the user, and
    /// a click on the notification opens the ticket.
    pub fn show(app: &AppHandle, shown: &super::Shown, _open: &str) {
        // Once per process; a second call only says it was done.
        let _ = mac_notification_sys::set_application(&app.config().identifier);
        let response = Notification::new()
            .title(&shown.summary)
            .message(&shown.body)
            .wait_for_click(true)
            .send();
        match response {
            Ok(NotificationResponse::Click) => crate::windows::show_main_at(app, &shown.route),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod platform {
    use tauri::AppHandle;

    pub fn show(_app: &AppHandle, _shown: &super::Shown, _open: &str) {}
}

#[cfg(test)]
mod tests {
    use bellhop_proto::TicketId;

    use super::*;

    fn notice(ticket: TicketId, number: i64, kind: NoticeKind) -> Notice {
        Notice {
            ticket_id: ticket,
            number,
            title: format!("Ticket {number}"),
            kind,
        }
    }

    fn reply(text: &str) -> NoticeKind {
        NoticeKind::Reply {
            author_name: "Tess".into(),
            excerpt: text.into(),
        }
    }

    #[test]
    fn a_burst_on_one_ticket_is_one_notification_with_the_latest_reply_and_status() {
        let t = TicketId::new();
        let burst = [
            notice(t, 1042, reply("first")),
            notice(t, 1042, reply("second")),
            notice(
                t,
                1042,
                NoticeKind::Status {
                    status: TicketStatus::Resolved,
                },
            ),
        ];
        let shown = coalesce(&burst, Language::En);
        assert_eq!(
            shown,
            vec![Shown {
                summary: "#1042 Ticket 1042".into(),
                body: "Tess: second\nStatus: Resolved".into(),
                route: format!("#/tickets/{t}"),
            }]
        );
        // In the user's language.
        assert_eq!(
            coalesce(&burst, Language::Fr)[0].body,
            "Tess: second\nStatut : Résolu"
        );
    }

    #[test]
    fn many_tickets_at_once_become_one_summary() {
        let few: Vec<_> = (0..3)
            .map(|i| notice(TicketId::new(), i, reply("x")))
            .collect();
        assert_eq!(coalesce(&few, Language::En).len(), 3);
        let many: Vec<_> = (0..7)
            .map(|i| notice(TicketId::new(), i, reply("x")))
            .collect();
        let shown = coalesce(&many, Language::En);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].summary, "Tickets updated: 7");
        assert!(shown[0].body.ends_with("… and 4 more"));
        assert_eq!(
            coalesce(&many, Language::Ru)[0].summary,
            "Обновлено заявок: 7"
        );
        assert_eq!(shown[0].route, "#/tickets");
    }
}
