//! The values people type, each with one parse function: the server runs it on what arrives, the
//! agent before it queues anything (online or offline), and the UI before it sends, from the
//! same limits and patterns (generated into the bindings; `ui/src/lib/values.ts` applies them).
//! `values.cases.json` lists inputs and what each rule makes of them; the Rust tests and the
//! UI's unit tests both run it, so the two copies cannot drift apart.
//!
//! A parsed value can only be made by its `parse`: holding a [`Title`] means holding a title the
//! server will accept.

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Largest accepted ticket title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Largest accepted ticket description or comment body, in characters.
pub const MAX_BODY_CHARS: usize = 64 * 1024;
/// Largest accepted name of a person or an organisation, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Largest accepted email address, in characters (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Largest kept file name, in characters (longer names are cut).
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// An email address as browsers check `<input type="email">` (WHATWG HTML's "valid email
/// address"), lower-cased. The same pattern runs in the UI.
pub const EMAIL_PATTERN: &str = r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$";
/// A phone number in international form once [`PHONE_SEPARATORS`] are dropped and a leading
/// `00` is read as `+`: `+`, a country code that does not start with 0, 8 to 15 digits in all.
pub const PHONE_PATTERN: &str = r"^\+[1-9][0-9]{7,14}$";
/// Characters people put between a phone number's digits.
pub const PHONE_SEPARATORS: &str = " -.()\u{a0}";

/// Which value a [`ValueError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Title,
    Description,
    Reply,
    Name,
    Email,
    Phone,
    ContactPhone,
    Domain,
}

/// What is wrong with a typed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Nothing but white space where something is needed.
    Empty,
    /// Longer than its limit.
    TooLong,
    /// Not of the value's form (an email address, a phone number).
    Malformed,
}

/// A typed value that cannot be sent: which one and why. The UI shows it in the person's
/// language from `kind` and `problem`; [`fmt::Display`] is the English the server and the CLI say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValueError {
    pub kind: ValueKind,
    pub problem: Problem,
}

impl ValueError {
    const fn new(kind: ValueKind, problem: Problem) -> Self {
        Self { kind, problem }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use {Problem::*, ValueKind::*};
        match (self.kind, self.problem) {
            (Title, Empty) => f.write_str("a title is needed"),
            (Title, _) => write!(f, "a title has at most {MAX_TITLE_CHARS} characters"),
            (Description, _) => {
                write!(f, "a description has at most {MAX_BODY_CHARS} characters")
            }
            (Reply, Empty) => f.write_str("a reply needs some text"),
            (Reply, _) => write!(f, "a reply has at most {MAX_BODY_CHARS} characters"),
            (Name, Empty) => f.write_str("a name is needed"),
            (Name, _) => write!(f, "a name has at most {MAX_NAME_CHARS} characters"),
            (Email, Empty) => f.write_str("an email address is needed"),
            (Email, _) => f.write_str("this is not an email address"),
            (ContactPhone, _) => f.write_str("this is not a phone number"),
            (Domain, _) => f.write_str("this is not an email domain (acme.example)"),
            (Phone, _) => f.write_str(
                "type the number in international form: + and the country code, e.g. +39 312 345 6789",
            ),
        }
    }
}

/// Trims `typed` and checks it has 1 to `max` characters.
fn bounded(kind: ValueKind, typed: &str, max: usize) -> Result<String, ValueError> {
    let text = typed.trim();
    if text.is_empty() {
        return Err(ValueError::new(kind, Problem::Empty));
    }
    if text.chars().count() > max {
        return Err(ValueError::new(kind, Problem::TooLong));
    }
    Ok(text.to_owned())
}

macro_rules! value_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
    };
}

value_type!(
    /// A ticket's title: trimmed, 1 to [`MAX_TITLE_CHARS`] characters.
    Title
);
value_type!(
    /// A ticket's description: up to [`MAX_BODY_CHARS`] characters, possibly none, kept as typed.
    Description
);
value_type!(
    /// A reply or note on a ticket: trimmed, 1 to [`MAX_BODY_CHARS`] characters.
    Reply
);
value_type!(
    /// A person's or an organisation's name: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
    Name
);
value_type!(
    /// An email address: trimmed, lower-cased, at most [`MAX_EMAIL_CHARS`] characters, of the
    /// form [`EMAIL_PATTERN`].
    Email
);
value_type!(
    /// A phone number in international form (`+393123456789`), see [`PHONE_PATTERN`].
    Phone
);
value_type!(
    /// A number to call a person on, as the desk types it (local forms too): digits and
    /// `+ - ( ) .` and spaces, at least 4 digits, at most 40 characters.
    ContactPhone
);
value_type!(
    /// An organisation's email domain (`acme.example`): lower-cased, a leading `@` dropped,
    /// letters, digits, `-` and `.`, with a dot inside, at most 253 characters.
    Domain
);
value_type!(
    /// A file's name as it is kept: no path, no characters a file system refuses, at most
    /// [`MAX_FILE_NAME_CHARS`] characters, `attachment` when nothing is left.
    FileName
);

impl Title {
    pub fn parse(typed: &str) -> Result<Self, ValueError> {
        bounded(ValueKind::Title, typed, MAX_TITLE_CHARS).map(Self)
    }
}

impl Description {
    pub fn parse(typed: &str) -> Result<Self, ValueError> {
        if typed.chars().count() > MAX_BODY_CHARS {
            return Err(ValueError::new(ValueKind::Description, Problem::TooLong));
        }
        Ok(Self(typed.to_owned()))
    }
}

impl Reply {
    pub fn parse(typed: &str) -> Result<Self, ValueError> {
        // The limit counts what was typed, white space included, as the description's does.
        if typed.chars().count() > MAX_BODY_CHARS {
            return Err(ValueError::new(ValueKind::Reply, Problem::TooLong));
        }
        bounded(ValueKind::Reply, typed, MAX_BODY_CHARS).map(Self)
    }
}

impl Name {
    pub fn parse(typed: &str) -> Result<Self, ValueError> {
        bounded(ValueKind::Name, typed, MAX_NAME_CHARS).map(Self)
    }
}

static EMAIL: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(EMAIL_PATTERN).unwrap_or_else(|e| unreachable!("EMAIL_PATTERN: {e}"))
});
static PHONE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(PHONE_PATTERN).unwrap_or_else(|e| unreachable!("PHONE_PATTERN: {e}"))
});

impl Email {
    pub fn parse(typed: &str) -> Result<Self, ValueError> {
        let email = bounded(ValueKind::Email, typed, MAX_EMAIL_CHARS)
            .map_err(|e| match e.problem {
                Problem::TooLong => ValueError::new(ValueKind::Email, Problem::Malformed),
                _ => e,
            })?
            .to_lowercase();
        if !EMAIL.is_match(&email) {
            return Err(ValueError::new(ValueKind::Email, Problem::Malformed));
        }
        Ok(Self(email))
    }
}

impl Phone {
    pub fn parse(typed: &str) -> Result<Self, ValueError> {
        let kept: String = typed
            .trim()
            .chars()
            .filter(|c| !PHONE_SEPARATORS.contains(*c))
            .collect();
        let number = match kept.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => kept,
        };
        if number.is_empty() {
            return Err(ValueError::new(ValueKind::Phone, Problem::Empty));
        }
        if !PHONE.is_match(&number) {
            return Err(ValueError::new(ValueKind::Phone, Problem::Malformed));
        }
        Ok(Self(number))
    }
}

impl ContactPhone {
    /// `None` for nothing typed: a contact number is optional.
    pub fn parse(typed: &str) -> Result<Option<Self>, ValueError> {
        let phone = typed.trim();
        if phone.is_empty() {
            return Ok(None);
        }
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let shaped = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !shaped || digits < 4 || phone.chars().count() > 40 {
            return Err(ValueError::new(ValueKind::ContactPhone, Problem::Malformed));
        }
        Ok(Some(Self(phone.to_owned())))
    }
}

impl Domain {
    pub fn parse(typed: &str) -> Result<Self, ValueError> {
        let d = typed.trim().trim_start_matches('@').to_ascii_lowercase();
        if d.is_empty() {
            return Err(ValueError::new(ValueKind::Domain, Problem::Empty));
        }
        let valid = d.len() <= 253
            && d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && d.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return Err(ValueError::new(ValueKind::Domain, Problem::Malformed));
        }
        Ok(Self(d))
    }
}

impl FileName {
    /// Never fails: a name is made safe rather than refused, so that a file is never lost to
    /// its name.
    pub fn parse(typed: &str) -> Self {
        let clean = sanitize_filename::sanitize(typed);
        let clean: String = clean.chars().take(MAX_FILE_NAME_CHARS).collect();
        if clean.trim().is_empty() {
            Self("attachment".into())
        } else {
            Self(clean)
        }
    }
}

/// The rules as the UI applies them, written into the bindings by [`crate::typescript`].
pub(crate) fn typescript_rules() -> String {
    let js = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "export const MAX_TITLE_CHARS = {MAX_TITLE_CHARS};\n\n\
         export const MAX_BODY_CHARS = {MAX_BODY_CHARS};\n\n\
         export const MAX_NAME_CHARS = {MAX_NAME_CHARS};\n\n\
         export const MAX_EMAIL_CHARS = {MAX_EMAIL_CHARS};\n\n\
         export const EMAIL_PATTERN = {};\n\n\
         export const PHONE_PATTERN = {};\n\n\
         export const PHONE_SEPARATORS = {};",
        js(EMAIL_PATTERN),
        js(PHONE_PATTERN),
        js(PHONE_SEPARATORS),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Case {
        kind: ValueKind,
        typed: String,
        /// What the value becomes, or the problem with it.
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        problem: Option<Problem>,
    }

    fn parse(kind: ValueKind, typed: &str) -> Result<String, ValueError> {
        match kind {
            ValueKind::Title => Title::parse(typed).map(Title::into_string),
            ValueKind::Description => Description::parse(typed).map(Description::into_string),
            ValueKind::Reply => Reply::parse(typed).map(Reply::into_string),
            ValueKind::Name => Name::parse(typed).map(Name::into_string),
            ValueKind::Email => Email::parse(typed).map(Email::into_string),
            ValueKind::Phone => Phone::parse(typed).map(Phone::into_string),
            ValueKind::ContactPhone => ContactPhone::parse(typed)
                .map(|p| p.map(ContactPhone::into_string).unwrap_or_default()),
            ValueKind::Domain => Domain::parse(typed).map(Domain::into_string),
        }
    }

    /// Expands the cases' `"x×300"` shorthand into 300 x's.
    fn expand(typed: &str) -> String {
        match typed.split_once('×') {
            Some((s, n)) if n.parse::<usize>().is_ok() => s.repeat(n.parse().unwrap_or(0)),
            _ => typed.to_owned(),
        }
    }

    #[test]
    fn every_shared_case_parses_as_listed() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("values.cases.json"))
            .unwrap_or_else(|e| panic!("values.cases.json: {e}"));
        assert!(cases.len() > 20);
        for case in cases {
            let typed = expand(&case.typed);
            let got = parse(case.kind, &typed);
            match (&case.value, case.problem) {
                (Some(v), None) => {
                    assert_eq!(got.ok(), Some(expand(v)), "{:?}", case.typed);
                }
                (None, Some(p)) => assert_eq!(
                    got.map_err(|e| (e.kind, e.problem)),
                    Err((case.kind, p)),
                    "{:?}",
                    case.typed
                ),
                _ => panic!("{:?}: a case has a value or a problem", case.typed),
            }
        }
    }

    #[test]
    fn file_names_lose_paths_and_never_come_out_empty() {
        assert_eq!(
            FileName::parse("../../etc/passwd").as_str(),
            "....etcpasswd"
        );
        assert_eq!(FileName::parse("report.pdf").as_str(), "report.pdf");
        assert_eq!(FileName::parse("  ").as_str(), "attachment");
        assert_eq!(FileName::parse(&"a".repeat(300)).len(), MAX_FILE_NAME_CHARS);
    }

    #[test]
    fn messages_name_the_limit() {
        let e = Title::parse(&"x".repeat(MAX_TITLE_CHARS + 1)).err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("a title has at most 200 characters")
        );
    }
}
