//! The mail (and the SMS codes) the server writes, in the recipient's language.
//!
//! Each letter's words live in `locales/<language>.json` (a subject, the paragraphs, a link's
//! label), English the reference; a test fails when a language lacks a letter, a paragraph or a
//! placeholder English has. Values are filled in twice: as they are for the plain-text part,
//! escaped (codes emphasised, links as anchors) for the HTML part.

use std::collections::HashMap;
use std::sync::LazyLock;

use bellhop_proto::{Brand, DEFAULT_BRAND_NAME, Language};
use serde::Deserialize;

/// A message to send: plain text and HTML alternatives. The store queues it with the change
/// that caused it; the mail worker (`mail.rs`) sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The letters there are (keys of the catalogs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letter {
    IdentityToken,
    PasswordReset,
    VerificationCode,
    Welcome,
    PortalAccess,
    /// To the old address, when the desk changes a person's email.
    EmailChanged,
    /// A verification phone was confirmed (set up, or put in the place of another).
    SecondFactorSet,
    /// The verification phone was removed (by the person or the desk).
    SecondFactorRemoved,
    /// An authenticator app was confirmed (set up, or put in the place of another).
    AuthenticatorSet,
    /// The person removed their authenticator app.
    AuthenticatorRemoved,
    /// The desk reset the person's second factor: phone and app.
    SecondFactorReset,
    /// To a primary contact: a request of their organisation waits for their approval.
    ApprovalWanted,
    /// To the requester: a primary contact approved their request; the desk has it now.
    RequestApproved,
    /// To the requester: a primary contact declined their request (with the reason, if given).
    RequestDeclined,
    /// Someone asked to sign up with an address that has an account.
    AccountExists,
}

impl Letter {
    pub const ALL: [Self; 15] = [
        Self::IdentityToken,
        Self::PasswordReset,
        Self::VerificationCode,
        Self::Welcome,
        Self::PortalAccess,
        Self::EmailChanged,
        Self::SecondFactorSet,
        Self::SecondFactorRemoved,
        Self::AuthenticatorSet,
        Self::AuthenticatorRemoved,
        Self::SecondFactorReset,
        Self::ApprovalWanted,
        Self::RequestApproved,
        Self::RequestDeclined,
        Self::AccountExists,
    ];

    fn key(self) -> &'static str {
        match self {
            Self::IdentityToken => "identity_token",
            Self::PasswordReset => "password_reset",
            Self::VerificationCode => "verification_code",
            Self::Welcome => "welcome",
            Self::PortalAccess => "portal_access",
            Self::EmailChanged => "email_changed",
            Self::SecondFactorSet => "second_factor_set",
            Self::SecondFactorRemoved => "second_factor_removed",
            Self::AuthenticatorSet => "authenticator_set",
            Self::AuthenticatorRemoved => "authenticator_removed",
            Self::SecondFactorReset => "second_factor_reset",
            Self::ApprovalWanted => "approval_wanted",
            Self::RequestApproved => "request_approved",
            Self::RequestDeclined => "request_declined",
            Self::AccountExists => "account_exists",
        }
    }
}

/// A value put into a letter.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Text(&'a str),
    /// A code to read or type: emphasised in HTML.
    Code(&'a str),
    /// A URL shown as itself.
    Url(&'a str),
    /// A URL behind the letter's link label in HTML (the bare URL in plain text).
    Link(&'a str),
}

#[derive(Debug, Deserialize)]
struct Words {
    subject: String,
    body: Vec<String>,
    #[serde(default)]
    link: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Catalog {
    greeting: String,
    /// The one text message: a code confirming a phone number (`{{code}}`).
    sms_code: String,
    /// The text carrying the code for one self-service action (`{{code}}`, `{{action}}`,
    /// `{{device}}`).
    sms_action_code: String,
    /// The text carrying a temporary password for the person's account on one computer
    /// (`{{password}}`, `{{device}}`).
    sms_temporary_password: String,
    /// Each action as `sms_action_code` says it, by its wire name.
    action_names: HashMap<String, String>,
    #[serde(flatten)]
    letters: HashMap<String, Words>,
}

fn source(language: Language) -> &'static str {
    match language {
        Language::En => include_str!("../locales/en.json"),
        Language::Fr => include_str!("../locales/fr.json"),
        Language::De => include_str!("../locales/de.json"),
        Language::Es => include_str!("../locales/es.json"),
        Language::It => include_str!("../locales/it.json"),
        Language::Ru => include_str!("../locales/ru.json"),
    }
}

/// The catalogs that parse; one that does not is logged and its language falls back to English
/// (the test below keeps that from shipping).
static CATALOGS: LazyLock<HashMap<Language, Catalog>> = LazyLock::new(|| {
    Language::ALL
        .into_iter()
        .filter_map(|l| match serde_json::from_str(source(l)) {
            Ok(c) => Some((l, c)),
            Err(e) => {
                tracing::error!(language = l.as_str(), error = %e, "mail catalog does not parse");
                None
            }
        })
        .collect()
});

fn words(language: Language, letter: Letter) -> Option<(&'static Catalog, &'static Words)> {
    [language, Language::En].into_iter().find_map(|l| {
        let catalog = CATALOGS.get(&l)?;
        Some((catalog, catalog.letters.get(letter.key())?))
    })
}

/// Longest text value (a name, an address) put into a letter, in characters.
pub const MAX_VALUE_CHARS: usize = 100;

/// A text value as a letter may carry it: on one line, without control characters, at most
/// [`MAX_VALUE_CHARS`] long. A name typed as "Bob\n\nPlease open http://…" cannot write
/// paragraphs of its own into the desk's letter.
fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX_VALUE_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(MAX_VALUE_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A value as it stands in plain text (and in a text message).
fn plain_text(value: Value<'_>) -> String {
    match value {
        Value::Text(s) | Value::Code(s) => one_line(s),
        Value::Url(s) | Value::Link(s) => s.to_owned(),
    }
}

/// `{{name}}` replaced by `render(value)` for each value, in one pass: what a value brings in
/// is never read as a placeholder (a name of `{{link}}` stays those letters).
fn fill(
    template: &str,
    values: &[(&str, Value<'_>)],
    render: impl Fn(Value<'_>) -> String,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (render(*v), end))
        });
        match value {
            Some((text, end)) => {
                out.push_str(&text);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The letter for `to` in `language` (English when a text is missing), with `name` greeted.
pub fn compose(
    language: Language,
    letter: Letter,
    to: &str,
    name: &str,
    values: &[(&str, Value<'_>)],
) -> Email {
    let Some((catalog, words)) = words(language, letter) else {
        // Only reachable with a broken English catalog, which the tests refuse.
        return Email {
            to: to.to_owned(),
            subject: "Bellhop".into(),
            text: String::new(),
            html: String::new(),
        };
    };
    let mut all = vec![("name", Value::Text(name))];
    all.extend_from_slice(values);
    let label = words.link.as_deref().unwrap_or_default();
    let html = |v: Value<'_>| match v {
        Value::Text(s) => html_escape::encode_text(&one_line(s)).into_owned(),
        Value::Code(s) => format!(
            "<strong style=\"font-size:1.4em\">{}</strong>",
            html_escape::encode_text(&one_line(s))
        ),
        Value::Url(s) => format!(
            "<a href=\"{}\">{}</a>",
            html_escape::encode_double_quoted_attribute(s),
            html_escape::encode_text(s)
        ),
        Value::Link(s) => format!(
            "<a href=\"{}\">{}</a>",
            html_escape::encode_double_quoted_attribute(s),
            html_escape::encode_text(label)
        ),
    };
    // A paragraph naming a value that is not given is left out: a declined request's reason,
    // when there is none, is no paragraph rather than an empty one.
    let given = |p: &&String| {
        p.split("{{")
            .skip(1)
            .filter_map(|rest| rest.split_once("}}").map(|(name, _)| name))
            .all(|name| all.iter().any(|(n, _)| *n == name))
    };
    let paragraphs = std::iter::once(&catalog.greeting).chain(words.body.iter().filter(given));
    let text = paragraphs
        .clone()
        .map(|p| fill(p, &all, plain_text))
        .collect::<Vec<_>>()
        .join("\n\n");
    let html = paragraphs
        .map(|p| format!("<p>{}</p>", fill(&html_escape::encode_text(p), &all, html)))
        .collect::<String>();
    Email {
        to: to.to_owned(),
        subject: fill(&words.subject, &all, plain_text),
        text: text + "\n",
        html,
    }
}

/// Whether the desk gave itself anything a letter can carry: a name of its own, or a way to be
/// reached.
fn branded(brand: &Brand) -> bool {
    brand.name != DEFAULT_BRAND_NAME
        || brand.phone.is_some()
        || brand.email.is_some()
        || !brand.links.is_empty()
}

/// The Content-ID of the desk's logo carried inside a letter (`mail.rs`), as the letter's HTML
/// names it (`cid:`).
pub const LOGO_CID: &str = "desk-logo";

/// The letter signed with the desk's brand: its name, phone, email and links under the words
/// (a `-- ` signature in plain text; in HTML under a rule in the desk's colour, with the desk's
/// logo above the name where the letter carries it: `with_logo`). Unchanged where the desk set
/// no brand.
pub fn signed(mail: &Email, brand: &Brand, with_logo: bool) -> Email {
    if !branded(brand) {
        return mail.clone();
    }
    let mut text = vec![brand.name.clone()];
    text.extend(brand.phone.clone());
    text.extend(brand.email.clone());
    text.extend(
        brand
            .links
            .iter()
            .map(|l| format!("{}: {}", l.label, l.url)),
    );
    let attr = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
    let body = |s: &str| html_escape::encode_text(s).into_owned();
    let mut html = vec![format!("<strong>{}</strong>", body(&brand.name))];
    if with_logo {
        html.insert(
            0,
            format!(
                "<img src=\"cid:{LOGO_CID}\" alt=\"{}\" height=\"40\" style=\"height:40px;width:auto\">",
                attr(&brand.name)
            ),
        );
    }
    if let (Some(phone), Some(tel)) = (&brand.phone, brand.tel_url()) {
        html.push(format!("<a href=\"{}\">{}</a>", attr(&tel), body(phone)));
    }
    if let Some(email) = &brand.email {
        html.push(format!(
            "<a href=\"mailto:{}\">{}</a>",
            attr(email),
            body(email)
        ));
    }
    html.extend(
        brand
            .links
            .iter()
            .map(|l| format!("<a href=\"{}\">{}</a>", attr(&l.url), body(&l.label))),
    );
    let rule = brand
        .accent
        .as_ref()
        .map_or("#0b57d0".to_owned(), |a| a.light.clone());
    Email {
        to: mail.to.clone(),
        subject: mail.subject.clone(),
        text: format!("{}\n\n-- \n{}\n", mail.text.trim_end(), text.join("\n")),
        html: format!(
            "{}<hr style=\"border:none;border-top:3px solid {}\"><p style=\"font-size:0.9em\">{}</p>",
            mail.html,
            attr(&rule),
            html.join("<br>")
        ),
    }
}

/// The text message carrying `code`, in `language` (English when missing).
pub fn sms_code(language: Language, code: &str) -> String {
    [language, Language::En]
        .into_iter()
        .find_map(|l| CATALOGS.get(&l))
        .map(|c| fill(&c.sms_code, &[("code", Value::Code(code))], plain_text))
        .unwrap_or_else(|| format!("Bellhop: {code}"))
}

/// The text message carrying the code for `action` on `device`, in `language` (English when
/// missing).
pub fn sms_action_code(
    language: Language,
    code: &str,
    action: bellhop_proto::ActionKind,
    device: &str,
) -> String {
    [language, Language::En]
        .into_iter()
        .find_map(|l| CATALOGS.get(&l))
        .map(|c| {
            let name = c
                .action_names
                .get(action.as_str())
                .map_or(action.as_str(), String::as_str);
            fill(
                &c.sms_action_code,
                &[
                    ("code", Value::Code(code)),
                    ("action", Value::Text(name)),
                    ("device", Value::Text(device)),
                ],
                plain_text,
            )
        })
        .unwrap_or_else(|| format!("Bellhop: {code}"))
}

/// The text message with a temporary password for the person's own account on `device`: the
/// only place the password ever goes.
pub fn sms_temporary_password(language: Language, password: &str, device: &str) -> String {
    [language, Language::En]
        .into_iter()
        .find_map(|l| CATALOGS.get(&l))
        .map(|c| {
            fill(
                &c.sms_temporary_password,
                &[
                    ("password", Value::Code(password)),
                    ("device", Value::Text(device)),
                ],
                plain_text,
            )
        })
        .unwrap_or_else(|| format!("Bellhop: {password}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<String> {
        let mut found: Vec<String> = text
            .split("{{")
            .skip(1)
            .filter_map(|rest| rest.split_once("}}").map(|(name, _)| name.to_owned()))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_language_has_every_letter_english_has_with_the_same_placeholders() {
        let english = &CATALOGS[&Language::En];
        for language in Language::ALL {
            let catalog = CATALOGS
                .get(&language)
                .unwrap_or_else(|| panic!("{} does not parse", language.as_str()));
            assert_eq!(
                placeholders(&catalog.greeting),
                placeholders(&english.greeting)
            );
            assert_eq!(placeholders(&catalog.sms_code), ["code"]);
            assert_eq!(
                placeholders(&catalog.sms_action_code),
                ["action", "code", "device"]
            );
            assert_eq!(
                placeholders(&catalog.sms_temporary_password),
                ["device", "password"]
            );
            for kind in bellhop_proto::ActionKind::ALL {
                assert!(
                    catalog.action_names.contains_key(kind.as_str()),
                    "{} {kind:?}",
                    language.as_str()
                );
            }
            let text = sms_action_code(
                language,
                "123456",
                bellhop_proto::ActionKind::LogOut,
                "PC-1",
            );
            assert!(text.contains("123456") && text.contains("PC-1"), "{text}");
            // One SMS segment at most in the language's alphabet (70 UCS-2 characters would
            // split; GSM-7 allows 160): keep it short enough for two.
            assert!(
                catalog.sms_code.chars().count() <= 140,
                "{}",
                language.as_str()
            );
            let mut keys: Vec<_> = catalog.letters.keys().collect();
            keys.sort();
            let mut reference: Vec<_> = english.letters.keys().collect();
            reference.sort();
            assert_eq!(keys, reference, "{}", language.as_str());
            for letter in Letter::ALL {
                let (ours, theirs) = (
                    &catalog.letters[letter.key()],
                    &english.letters[letter.key()],
                );
                let lang = language.as_str();
                assert_eq!(ours.body.len(), theirs.body.len(), "{lang} {letter:?}");
                assert_eq!(
                    ours.link.is_some(),
                    theirs.link.is_some(),
                    "{lang} {letter:?}"
                );
                assert_eq!(placeholders(&ours.subject), placeholders(&theirs.subject));
                for (a, b) in ours.body.iter().zip(&theirs.body) {
                    assert_eq!(placeholders(a), placeholders(b), "{lang} {letter:?}: {a}");
                    assert!(!a.trim().is_empty(), "{lang} {letter:?}");
                }
            }
        }
    }

    #[test]
    fn a_letter_is_written_in_the_recipients_language_with_its_values_escaped_in_html() {
        let mail = compose(
            Language::It,
            Letter::PasswordReset,
            "bob@acme.example",
            "Bob <b>",
            &[(
                "link",
                Value::Link("https://desk.example/#/reset?token=a&b"),
            )],
        );
        assert_eq!(mail.subject, "Reimposta la tua password Bellhop");
        assert!(mail.text.starts_with("Ciao Bob <b>,\n\n"), "{}", mail.text);
        assert!(mail.text.contains("https://desk.example/#/reset?token=a&b"));
        assert!(mail.html.contains("Ciao Bob &lt;b&gt;,"), "{}", mail.html);
        assert!(
            mail.html
                .contains("<a href=\"https://desk.example/#/reset?token=a&amp;b\">Scegli una nuova password</a>"),
            "{}",
            mail.html
        );
        let code = compose(
            Language::Ru,
            Letter::IdentityToken,
            "ivan@acme.example",
            "Иван",
            &[("code", Value::Code("ABCD-EFGH"))],
        );
        assert!(code.text.contains("Ваш код подтверждения: ABCD-EFGH"));
        assert!(
            code.html
                .contains("<strong style=\"font-size:1.4em\">ABCD-EFGH</strong>")
        );
        assert!(!code.subject.contains("ABCD"), "codes stay out of subjects");
    }

    #[test]
    fn a_paragraph_whose_value_is_not_given_is_left_out() {
        let values = |reason: Option<&'static str>| {
            let mut v = vec![
                ("approver", Value::Text("Alice Archer")),
                ("item", Value::Text("A new laptop")),
                ("number", Value::Text("#1014")),
                ("title", Value::Text("Laptop")),
                ("link", Value::Link("https://desk.example/#/tickets/1")),
            ];
            v.extend(reason.map(|r| ("reason", Value::Text(r))));
            v
        };
        let given = |reason: Option<&'static str>| {
            compose(
                Language::De,
                Letter::RequestDeclined,
                "bob@acme.example",
                "Bob",
                &values(reason),
            )
        };
        let with = given(Some("Zu früh"));
        assert!(
            with.text.contains("\n\nBegründung: Zu früh\n\n"),
            "{}",
            with.text
        );
        let without = given(None);
        assert!(!without.text.contains("Begründung"), "{}", without.text);
        assert!(!without.text.contains("{{"), "{}", without.text);
        assert!(!without.html.contains("<p></p>"), "{}", without.html);
        assert!(
            without
                .text
                .contains("Alice Archer hat Ihre Anfrage „A new laptop“ abgelehnt")
        );
    }

    #[test]
    fn a_name_cannot_write_paragraphs_links_or_placeholders_into_a_letter() {
        let forged = format!(
            "Bob\r\n\r\nYour account is locked: open http://evil.example {{{{link}}}} {}",
            "x".repeat(300)
        );
        let mail = compose(
            Language::En,
            Letter::PasswordReset,
            "bob@acme.example",
            &forged,
            &[("link", Value::Link("https://desk.example/#/reset?token=t"))],
        );
        let greeting = mail.text.lines().next().unwrap_or_default();
        assert!(
            greeting.starts_with("Hello Bob Your account is locked"),
            "{greeting}"
        );
        assert!(
            greeting.contains("{{link}}"),
            "the name's braces stay text: {greeting}"
        );
        assert!(
            greeting.chars().count() < MAX_VALUE_CHARS + 20,
            "{greeting}"
        );
        assert_eq!(
            mail.text
                .matches("https://desk.example/#/reset?token=t")
                .count(),
            1,
            "only the letter's own link: {}",
            mail.text
        );
        assert!(
            !mail.html.contains("<a href=\"http://evil"),
            "{}",
            mail.html
        );
    }
}
