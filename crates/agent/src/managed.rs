//! Settings an administrator sets for a fleet, which the person at the computer cannot change.
//!
//! One order of precedence, everywhere: a managed setting (locked), then the user's own (their
//! `agent.toml`, `BELLHOP_*` variables, what they chose in the app), then the default.
//!
//! Where managed settings come from, with the same names everywhere (`server_url`,
//! `enrolment_key`, `hotkey`, `low_memory`, `language`, `update_channel`, `insecure`,
//! `action_countdown_secs`, `update_public_key`):
//! - Linux: `/etc/bellhop/agent.toml`, which the .deb and .rpm leave to the administrator;
//! - Windows: the values of `HKLM\SOFTWARE\Policies\Bellhop` (then `HKCU\…`), which the MSI
//!   writes from its properties and Group Policy can set;
//! - macOS: the managed preferences domain `app.bellhop.desktop`, as a configuration profile
//!   delivers it (`/Library/Managed Preferences/[<user>/]app.bellhop.desktop.plist`).
//!
//! `BELLHOP_MANAGED_CONFIG` names a TOML file to read instead, on any system (tests, and
//! checking a file before it is deployed).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The variable naming a managed TOML file to read instead of the system's place.
pub const MANAGED_CONFIG_VAR: &str = "BELLHOP_MANAGED_CONFIG";

/// Linux's (and other Unix systems') managed file.
pub const MANAGED_FILE: &str = "/etc/bellhop/agent.toml";

/// Every managed setting's name, as files, the registry and profiles write it.
pub const NAMES: [&str; 9] = [
    "server_url",
    "enrolment_key",
    "insecure",
    "action_countdown_secs",
    "hotkey",
    "low_memory",
    "language",
    "update_channel",
    "update_public_key",
];

/// The settings a fleet can lock. What is absent is the user's to choose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Managed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_countdown_secs: Option<u64>,
    /// The new-ticket shortcut, as the app writes it (`Ctrl+F12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotkey: Option<String>,
    /// Make the new-ticket window on each press instead of keeping it ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_memory: Option<bool>,
    /// The app's language (`en`, `it`, `ru`, `de`, `fr`, `es`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<bellhop_proto::Language>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_channel: Option<bellhop_proto::UpdateChannel>,
    /// The key updates must be signed with, in place of the one built into the app (a desk that
    /// builds and signs its own releases). Only ever managed: a user's own file cannot set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_public_key: Option<String>,
}

/// The managed settings and where they were read (`None`: nothing is managed here).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManagedSettings {
    pub values: Managed,
    pub origin: Option<String>,
}

/// The managed settings of this computer and OS user. A place that holds nothing is no
/// error; one that holds something unreadable is (the app says so rather than run unmanaged).
pub fn load() -> Result<ManagedSettings> {
    if let Some(path) = std::env::var_os(MANAGED_CONFIG_VAR).filter(|p| !p.is_empty()) {
        return from_toml_file(std::path::Path::new(&path));
    }
    platform::load()
}

fn from_toml_file(path: &std::path::Path) -> Result<ManagedSettings> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(ManagedSettings {
            values: parse_toml(&text)
                .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?,
            origin: Some(path.display().to_string()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ManagedSettings::default()),
        Err(e) => Err(Error::Config(format!("{}: {e}", path.display()))),
    }
}

/// Keys this version does not know are left alone (a newer fleet file on an older app), and
/// logged; a known key with a wrong value is an error.
fn known_only<T: serde::de::DeserializeOwned>(
    table: serde_json::Map<String, serde_json::Value>,
) -> std::result::Result<T, String> {
    let mut kept = serde_json::Map::new();
    for (key, value) in table {
        if NAMES.contains(&key.as_str()) {
            // An empty value (an MSI property left out writes one) is no value.
            if value.as_str().is_some_and(|s| s.trim().is_empty()) {
                continue;
            }
            kept.insert(key, value);
        } else {
            tracing::warn!(
                key,
                "a managed setting this version does not know is ignored"
            );
        }
    }
    serde_json::from_value(serde_json::Value::Object(kept)).map_err(|e| e.to_string())
}

/// A managed TOML file.
pub fn parse_toml(text: &str) -> std::result::Result<Managed, String> {
    let table: serde_json::Map<String, serde_json::Value> =
        toml::from_str(text).map_err(|e| e.to_string())?;
    known_only(table)
}

/// A managed preferences file (XML or binary property list), as macOS keeps a configuration
/// profile's payload for the domain.
pub fn parse_plist(bytes: &[u8]) -> std::result::Result<Managed, String> {
    let table: serde_json::Map<String, serde_json::Value> =
        plist::from_bytes(bytes).map_err(|e| e.to_string())?;
    known_only(table)
}

/// Registry values by name (strings, or numbers as text), as Windows keeps policies: `"1"`,
/// `"true"` and `"yes"` are on, `"0"`, `"false"` and `"no"` off.
pub fn from_values(value: impl Fn(&str) -> Option<String>) -> std::result::Result<Managed, String> {
    let mut table = serde_json::Map::new();
    let text = |name: &str| {
        value(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    for name in [
        "server_url",
        "enrolment_key",
        "hotkey",
        "language",
        "update_channel",
        "update_public_key",
    ] {
        if let Some(v) = text(name) {
            table.insert(name.into(), serde_json::Value::String(v));
        }
    }
    for name in ["insecure", "low_memory"] {
        if let Some(v) = text(name) {
            let on = match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => return Err(format!("{name} = {v:?}: write 1 or 0")),
            };
            table.insert(name.into(), serde_json::Value::Bool(on));
        }
    }
    if let Some(v) = text("action_countdown_secs") {
        let secs: u64 = v
            .parse()
            .map_err(|_| format!("action_countdown_secs = {v:?} is not a number of seconds"))?;
        table.insert("action_countdown_secs".into(), secs.into());
    }
    known_only(table)
}

#[cfg(windows)]
mod platform {
    //! `HKLM\SOFTWARE\Policies\Bellhop`, then the user's own policies key.
    use super::{ManagedSettings, from_values};
    use crate::error::{Error, Result};

    const KEY: &str = r"SOFTWARE\Policies\Bellhop";

    pub fn load() -> Result<ManagedSettings> {
        for (hive, name) in [
            (windows_registry::LOCAL_MACHINE, "HKLM"),
            (windows_registry::CURRENT_USER, "HKCU"),
        ] {
            let Ok(key) = hive.open(KEY) else { continue };
            let value = |n: &str| {
                key.get_string(n)
                    .ok()
                    .or_else(|| key.get_u32(n).ok().map(|v| v.to_string()))
            };
            let origin = format!(r"{name}\{KEY}");
            let values = from_values(value).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
            if values != super::Managed::default() {
                return Ok(ManagedSettings {
                    values,
                    origin: Some(origin),
                });
            }
        }
        Ok(ManagedSettings::default())
    }
}

#[cfg(target_os = "macos")]
mod platform {
    //! The managed preferences domain: the user's own payload first, then the computer's.
    use super::{ManagedSettings, parse_plist};
    use crate::error::{Error, Result};

    const DOMAIN_FILE: &str = "app.bellhop.desktop.plist";

    pub fn load() -> Result<ManagedSettings> {
        let base = std::path::Path::new("/Library/Managed Preferences");
        let user = whoami::username().unwrap_or_default();
        for path in [base.join(&user).join(DOMAIN_FILE), base.join(DOMAIN_FILE)] {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let values = parse_plist(&bytes)
                        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
                    return Ok(ManagedSettings {
                        values,
                        origin: Some(path.display().to_string()),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::Config(format!("{}: {e}", path.display()))),
            }
        }
        Ok(ManagedSettings::default())
    }
}

#[cfg(not(any(windows, target_os = "macos")))]
mod platform {
    //! `/etc/bellhop/agent.toml`.
    use super::ManagedSettings;
    use crate::error::Result;

    pub fn load() -> Result<ManagedSettings> {
        super::from_toml_file(std::path::Path::new(super::MANAGED_FILE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellhop_proto::{Language, UpdateChannel};

    fn fleet() -> Managed {
        Managed {
            server_url: Some("https://help.example.com".into()),
            enrolment_key: Some("acme-key".into()),
            insecure: None,
            action_countdown_secs: Some(120),
            hotkey: Some("Ctrl+Shift+H".into()),
            low_memory: Some(true),
            language: Some(Language::It),
            update_channel: Some(UpdateChannel::Beta),
            update_public_key: Some("dW50cnVzdGVkIGNvbW1lbnQ6IGtleQ==".into()),
        }
    }

    #[test]
    fn the_linux_file_reads_every_setting_and_ignores_unknown_ones() {
        let text = r#"
            server_url = "https://help.example.com"
            enrolment_key = "acme-key"
            action_countdown_secs = 120
            hotkey = "Ctrl+Shift+H"
            low_memory = true
            language = "it"
            update_channel = "beta"
            update_public_key = "dW50cnVzdGVkIGNvbW1lbnQ6IGtleQ=="
            from_a_newer_version = "left alone"
        "#;
        assert_eq!(parse_toml(text), Ok(fleet()));
        assert!(parse_toml("language = \"klingon\"").is_err());
        assert!(parse_toml("low_memory = \"maybe\"").is_err());
        assert_eq!(parse_toml(""), Ok(Managed::default()));
    }

    #[test]
    fn the_macos_managed_preferences_read_the_same_settings() {
        // As a configuration profile's payload lands in /Library/Managed Preferences.
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>server_url</key><string>https://help.example.com</string>
  <key>enrolment_key</key><string>acme-key</string>
  <key>action_countdown_secs</key><integer>120</integer>
  <key>hotkey</key><string>Ctrl+Shift+H</string>
  <key>low_memory</key><true/>
  <key>language</key><string>it</string>
  <key>update_channel</key><string>beta</string>
  <key>update_public_key</key><string>dW50cnVzdGVkIGNvbW1lbnQ6IGtleQ==</string>
  <key>PayloadUUID</key><string>not one of ours</string>
</dict>
</plist>"#;
        assert_eq!(parse_plist(xml), Ok(fleet()));
        assert!(parse_plist(b"not a plist").is_err());
    }

    #[test]
    fn the_example_profile_in_the_repository_is_what_the_reader_reads() -> anyhow::Result<()> {
        // src-tauri/packaging/macos/bellhop.mobileconfig: its payload's keys are ours.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../src-tauri/packaging/macos/bellhop.mobileconfig"
        );
        let profile: plist::Dictionary = plist::from_file(path)?;
        let payloads = profile
            .get("PayloadContent")
            .and_then(|p| p.as_array())
            .ok_or_else(|| anyhow::anyhow!("no PayloadContent"))?;
        let ours = payloads
            .iter()
            .filter_map(|p| p.as_dictionary())
            .find(|p| {
                p.get("PayloadType").and_then(|t| t.as_string()) == Some("app.bellhop.desktop")
            })
            .ok_or_else(|| anyhow::anyhow!("no payload for app.bellhop.desktop"))?;
        let mut bytes = Vec::new();
        plist::to_writer_xml(&mut bytes, ours)?;
        let managed = parse_plist(&bytes).map_err(anyhow::Error::msg)?;
        assert!(managed.server_url.is_some() && managed.enrolment_key.is_some());
        Ok(())
    }

    #[test]
    fn the_msi_writes_each_property_where_the_reader_reads_it() -> anyhow::Result<()> {
        let wxs = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../src-tauri/packaging/windows/managed-settings.wxs"
        ))?;
        let policies = wxs
            .split(r#"<RegistryKey Root="HKLM" Key="SOFTWARE\Policies\Bellhop""#)
            .nth(1)
            .and_then(|rest| rest.split("</RegistryKey>").next())
            .ok_or_else(|| anyhow::anyhow!("no policies key in the fragment"))?;
        let mut written = Vec::new();
        for value in policies.split("<RegistryValue ").skip(1) {
            let attribute = |name: &str| {
                value
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .map(str::to_owned)
            };
            let (Some(name), Some(formatted)) = (attribute("Name"), attribute("Value")) else {
                anyhow::bail!("a value without its name or value: {value}");
            };
            let property = formatted.trim_start_matches('[').trim_end_matches(']');
            assert!(
                NAMES.contains(&name.as_str()),
                "the app does not read {name}"
            );
            assert!(
                wxs.contains(&format!("<Property Id=\"{property}\" Secure=\"yes\"")),
                "{property} is not a secure public property (msiexec would drop it)"
            );
            written.push((property.to_owned(), name));
        }
        // The properties the issue of a silent install names, each where the reader looks.
        for (property, name) in [
            ("SERVER_URL", "server_url"),
            ("ENROLMENT_KEY", "enrolment_key"),
            ("HOTKEY", "hotkey"),
            ("LOW_MEMORY", "low_memory"),
            ("LANGUAGE", "language"),
        ] {
            assert!(
                written.contains(&(property.to_owned(), name.to_owned())),
                "{property} → {name} missing from {written:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn the_windows_registry_values_read_the_same_settings() {
        let values = |name: &str| {
            match name {
                "server_url" => Some("https://help.example.com"),
                "enrolment_key" => Some("acme-key"),
                "action_countdown_secs" => Some("120"),
                "hotkey" => Some("Ctrl+Shift+H"),
                "low_memory" => Some("1"),
                "language" => Some("it"),
                "update_channel" => Some("beta"),
                "update_public_key" => Some("dW50cnVzdGVkIGNvbW1lbnQ6IGtleQ=="),
                // An MSI property left out writes an empty value: no setting.
                "insecure" => Some(""),
                _ => None,
            }
            .map(str::to_owned)
        };
        assert_eq!(from_values(values), Ok(fleet()));
        assert!(from_values(|n| (n == "low_memory").then(|| "perhaps".to_owned())).is_err());
        assert!(
            from_values(|n| (n == "action_countdown_secs").then(|| "soon".to_owned())).is_err()
        );
    }
}
