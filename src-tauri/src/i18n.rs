//! The tray menu's and notifications' words, from the UI's own message catalogs
//! (`ui/src/i18n/locales/*.json`), so the window, the tray and the notifications always speak the
//! same language with the same words. The UI's catalog test keeps every language complete.

use std::collections::HashMap;
use std::sync::LazyLock;

use bellhop_proto::Language;
use serde_json::Value;

fn source(language: Language) -> &'static str {
    match language {
        Language::En => include_str!("../../ui/src/i18n/locales/en.json"),
        Language::Fr => include_str!("../../ui/src/i18n/locales/fr.json"),
        Language::De => include_str!("../../ui/src/i18n/locales/de.json"),
        Language::Es => include_str!("../../ui/src/i18n/locales/es.json"),
        Language::It => include_str!("../../ui/src/i18n/locales/it.json"),
        Language::Ru => include_str!("../../ui/src/i18n/locales/ru.json"),
    }
}

/// "group.key" → text, for every string of a nested catalog.
fn flatten(prefix: &str, value: &Value, out: &mut HashMap<String, String>) {
    match value {
        Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
        }
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, out);
            }
        }
        _ => {}
    }
}

static CATALOGS: LazyLock<HashMap<Language, HashMap<String, String>>> = LazyLock::new(|| {
    Language::ALL
        .into_iter()
        .map(|language| {
            let mut messages = HashMap::new();
            match serde_json::from_str::<Value>(source(language)) {
                Ok(tree) => flatten("", &tree, &mut messages),
                Err(e) => {
                    tracing::error!(language = language.as_str(), error = %e, "catalog does not parse");
                }
            }
            (language, messages)
        })
        .collect()
});

/// The message `key` in `language` (English when it lacks one), with `{{name}}` placeholders
/// filled from `values`.
pub fn tr(language: Language, key: &str, values: &[(&str, &str)]) -> String {
    let text = [language, Language::En]
        .into_iter()
        .find_map(|l| CATALOGS.get(&l)?.get(key))
        .map_or(key, String::as_str);
    values.iter().fold(text.to_owned(), |out, (name, value)| {
        out.replace(&format!("{{{{{name}}}}}"), value)
    })
}

/// The language's name in itself, for the Language menu (its catalog's `app.language_name`, as
/// the UI's language pickers show it).
pub fn native_name(language: Language) -> String {
    tr(language, "app.language_name", &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key the shell uses, in every language, with its own words (not English's).
    #[test]
    fn every_language_has_the_shells_words() {
        let keys = [
            "tray.new_ticket",
            "tray.my_tickets",
            "tray.personal_settings",
            "tray.language",
            "tray.sync_now",
            "tray.quit",
            "tray.call",
            "tray.write",
            "tray.tip_inactive",
            "tray.tip_offline",
            "tray.tip_offline_waiting",
            "tray.tip_unread",
            "notify.status_line",
            "notify.summary",
            "notify.more",
            "notify.open",
            "countdown.title_restart",
            "countdown.title_shut_down",
            "countdown.body_restart",
            "countdown.body_shut_down",
            "chat.notify_from",
            "chat.notify_file",
            "chat.notify_incident",
            "status.open",
            "status.awaiting_reply",
            "status.resolved",
            "status.closed",
            "app.language_name",
        ];
        for language in Language::ALL {
            for key in keys {
                let text = CATALOGS[&language].get(key);
                assert!(
                    text.is_some_and(|t| !t.trim().is_empty()),
                    "{} lacks {key}",
                    language.as_str()
                );
            }
        }
        assert_eq!(
            tr(Language::It, "tray.new_ticket", &[]),
            "Crea nuovo ticket"
        );
        assert_eq!(
            tr(Language::De, "notify.more", &[("count", "4")]),
            "… und 4 weitere"
        );
        assert_eq!(tr(Language::Ru, "no.such.key", &[]), "no.such.key");
        assert_eq!(native_name(Language::Ru), "Русский");
        assert_eq!(native_name(Language::Fr), "Français");
    }
}
