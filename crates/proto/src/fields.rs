//! Ticket fields: which default fields users may edit, read or not
//! see at all, the ticket types the desk offers, and the desk's own custom fields. The checks live
//! here, free of IO, so the server and the CLI read a value the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Longest custom text value, in characters.
pub const MAX_FIELD_TEXT_CHARS: usize = 1000;
/// Most custom fields, ticket types, or dropdown options the desk may define.
pub const MAX_FIELD_DEFS: usize = 50;

/// Why a field definition or value is refused, in words for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FieldError(pub String);

/// How users meet a default ticket field in the portal and the desktop app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldAccess {
    /// Shown, and set by the user when opening a ticket.
    #[default]
    Editable,
    /// Shown; only the desk sets it.
    ReadOnly,
    /// Not shown to users at all.
    Hidden,
}

impl FieldAccess {
    pub fn shown(self) -> bool {
        self != Self::Hidden
    }
}

/// A custom field is for users to fill in, or the desk's alone (no read-only choice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldAccess {
    #[default]
    Editable,
    /// Technicians see and set it; users never receive its value.
    Hidden,
}

/// The access users have to each default field. The title is always editable; the status is
/// always shown (which statuses, the portal settings say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DefaultFields {
    pub description: FieldAccess,
    pub ticket_type: FieldAccess,
    pub priority: FieldAccess,
    /// Who handles the ticket; users can never choose, so `editable` is refused.
    pub assignee: FieldAccess,
}

impl Default for DefaultFields {
    fn default() -> Self {
        Self {
            description: FieldAccess::Editable,
            ticket_type: FieldAccess::Editable,
            priority: FieldAccess::Hidden,
            assignee: FieldAccess::ReadOnly,
        }
    }
}

/// A kind of request the desk tells apart ("Incident", "Service request").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketType {
    /// Stable: what tickets store (lowercase letters, digits, `-`, `_`).
    pub key: String,
    /// What people read.
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldKind {
    Text,
    Number,
    /// One of `options`.
    Dropdown,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    Checkbox,
}

/// A field the desk added to every ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomField {
    /// Stable: the key of its value on tickets (lowercase letters, digits, `-`, `_`).
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    /// The choices of a dropdown.
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub options: Vec<String>,
    /// A user opening a ticket must fill it in (only meaningful when editable).
    #[serde(default)]
    pub required: bool,
    pub access: CustomFieldAccess,
    /// Asked only on the forms of the catalog items that list it, never on every ticket.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub catalog_only: bool,
}

/// `GET`/`PUT /api/v1/ticket-fields` (technicians); in [`crate::MyPortal`], the part a user sees.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketFields {
    #[serde(default)]
    pub defaults: DefaultFields,
    /// Empty: tickets have no type.
    #[serde(default)]
    pub types: Vec<TicketType>,
    #[serde(default)]
    pub custom: Vec<CustomField>,
}

/// A custom field's value: text (also dropdowns and dates), a number or a checkbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum FieldValue {
    Checkbox(bool),
    Number(f64),
    Text(String),
}

/// Custom field values by the field's key.
pub type FieldValues = BTreeMap<String, FieldValue>;

/// A key as types and custom fields use them.
pub fn valid_key(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// One type's or field's key and name: a valid key, not seen before; a name of 1 to 100
/// characters (trimmed in place).
fn check_entry(
    what: &str,
    key: &str,
    name: &mut String,
    name_is: &str,
    seen: &mut std::collections::HashSet<String>,
) -> Result<(), FieldError> {
    *name = name.trim().to_owned();
    if !valid_key(key) {
        return Err(FieldError(format!(
            "{what} key {key:?}: use 1 to 40 lowercase letters, digits, - or _"
        )));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError(format!(
            "{what} {key}: the {name_is} must have 1 to 100 characters"
        )));
    }
    if !seen.insert(key.to_owned()) {
        return Err(FieldError(format!("{what} {key} is listed twice")));
    }
    Ok(())
}

impl TicketFields {
    /// What a user sees: everything for staff; for users, hidden custom fields are left out.
    pub fn for_user(&self, staff: bool) -> TicketFields {
        if staff {
            return TicketFields {
                defaults: DefaultFields {
                    description: FieldAccess::Editable,
                    ticket_type: FieldAccess::Editable,
                    priority: FieldAccess::Editable,
                    assignee: FieldAccess::Editable,
                },
                ..self.clone()
            };
        }
        TicketFields {
            defaults: self.defaults,
            types: if self.defaults.ticket_type.shown() {
                self.types.clone()
            } else {
                Vec::new()
            },
            custom: self
                .custom
                .iter()
                .filter(|f| f.access == CustomFieldAccess::Editable)
                .cloned()
                .collect(),
        }
    }

    pub fn field(&self, key: &str) -> Option<&CustomField> {
        self.custom.iter().find(|f| f.key == key)
    }

    /// Checks the definitions a technician saves; the message says what to fix. Trims labels
    /// and options.
    pub fn check_definitions(&mut self) -> Result<(), FieldError> {
        if self.defaults.assignee == FieldAccess::Editable {
            return Err(FieldError(
                "users cannot choose the assignee: make it read-only or hidden".into(),
            ));
        }
        if self.types.len() > MAX_FIELD_DEFS || self.custom.len() > MAX_FIELD_DEFS {
            return Err(FieldError(format!(
                "at most {MAX_FIELD_DEFS} ticket types and {MAX_FIELD_DEFS} custom fields"
            )));
        }
        let mut keys = std::collections::HashSet::new();
        for t in &mut self.types {
            check_entry("ticket type", &t.key, &mut t.name, "name", &mut keys)?;
        }
        keys.clear();
        for f in &mut self.custom {
            check_entry("custom field", &f.key, &mut f.label, "label", &mut keys)?;
            for o in &mut f.options {
                *o = o.trim().to_owned();
            }
            if f.kind == CustomFieldKind::Dropdown {
                let distinct: std::collections::HashSet<_> = f.options.iter().collect();
                if f.options.is_empty()
                    || f.options.len() > MAX_FIELD_DEFS
                    || distinct.len() != f.options.len()
                    || f.options
                        .iter()
                        .any(|o| o.is_empty() || o.chars().count() > 100)
                {
                    return Err(FieldError(format!(
                        "custom field {}: a dropdown needs 1 to {MAX_FIELD_DEFS} different options of 1 to 100 characters",
                        f.key
                    )));
                }
            } else {
                f.options.clear();
            }
        }
        Ok(())
    }

    /// Checks one value against its field's kind; the message names the field.
    pub fn check_value(field: &CustomField, value: &FieldValue) -> Result<(), FieldError> {
        let ok = match (field.kind, value) {
            (CustomFieldKind::Text, FieldValue::Text(s)) => {
                s.chars().count() <= MAX_FIELD_TEXT_CHARS
            }
            (CustomFieldKind::Number, FieldValue::Number(n)) => n.is_finite(),
            (CustomFieldKind::Dropdown, FieldValue::Text(s)) => field.options.contains(s),
            (CustomFieldKind::Date, FieldValue::Text(s)) => {
                s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok()
            }
            (CustomFieldKind::Checkbox, FieldValue::Checkbox(_)) => true,
            _ => false,
        };
        if ok {
            return Ok(());
        }
        Err(FieldError(match field.kind {
            CustomFieldKind::Text => format!(
                "{}: text of at most {MAX_FIELD_TEXT_CHARS} characters",
                field.label
            ),
            CustomFieldKind::Number => format!("{}: a number", field.label),
            CustomFieldKind::Dropdown => {
                format!("{}: one of {}", field.label, field.options.join(", "))
            }
            CustomFieldKind::Date => format!("{}: a date as YYYY-MM-DD", field.label),
            CustomFieldKind::Checkbox => format!("{}: true or false", field.label),
        }))
    }

    /// Reads what a person typed (`--field key=value`) as the field's kind.
    pub fn parse_value(field: &CustomField, typed: &str) -> Result<FieldValue, FieldError> {
        let value = match field.kind {
            CustomFieldKind::Number => typed
                .trim()
                .parse::<f64>()
                .map(FieldValue::Number)
                .map_err(|_| FieldError(format!("{}: {typed:?} is not a number", field.label)))?,
            CustomFieldKind::Checkbox => match typed.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => FieldValue::Checkbox(true),
                "false" | "no" | "off" | "0" => FieldValue::Checkbox(false),
                _ => return Err(FieldError(format!("{}: say yes or no", field.label))),
            },
            _ => FieldValue::Text(typed.trim().to_owned()),
        };
        Self::check_value(field, &value)?;
        Ok(value)
    }

    /// The type and custom values a ticket keeps when `staff` or a user opens it. Users' values
    /// for what the desk has locked (a read-only or hidden type, a hidden custom field) are
    /// dropped, not refused: a ticket queued offline before the desk changed its mind still goes
    /// through. Unknown types and fields, wrong kinds and missing required fields are refused.
    pub fn accept_new(
        &self,
        staff: bool,
        ticket_type: Option<&str>,
        values: &FieldValues,
    ) -> Result<(Option<String>, FieldValues), FieldError> {
        let ticket_type = ticket_type.filter(|t| !t.is_empty());
        let ticket_type = match ticket_type {
            Some(_) if !staff && self.defaults.ticket_type != FieldAccess::Editable => None,
            Some(key) if self.types.iter().any(|t| t.key == key) => Some(key.to_owned()),
            Some(key) => return Err(FieldError(format!("there is no ticket type {key:?}"))),
            None => None,
        };
        let mut kept = FieldValues::new();
        for (key, value) in values {
            let field = self
                .field(key)
                .ok_or_else(|| FieldError(format!("there is no custom field {key:?}")))?;
            if !staff && (field.access == CustomFieldAccess::Hidden || field.catalog_only) {
                continue;
            }
            if matches!(value, FieldValue::Text(s) if s.trim().is_empty()) {
                continue;
            }
            Self::check_value(field, value)?;
            kept.insert(key.clone(), value.clone());
        }
        let missing = self.custom.iter().find(|f| {
            f.required
                && f.access == CustomFieldAccess::Editable
                && !f.catalog_only
                && !kept.contains_key(&f.key)
        });
        if let (false, Some(missing)) = (staff, missing) {
            return Err(FieldError(format!("{} must be filled in", missing.label)));
        }
        Ok((ticket_type, kept))
    }

    /// The priority a new ticket keeps: the desk's choice, and a user's only where the desk lets
    /// users set it (otherwise it is dropped, as a locked type is).
    pub fn accept_priority(
        &self,
        staff: bool,
        priority: Option<crate::Priority>,
    ) -> Option<crate::Priority> {
        priority.filter(|_| staff || self.defaults.priority == FieldAccess::Editable)
    }

    /// Whether a new ticket's description is kept as its description: the desk's always, a
    /// user's where the desk lets users write it.
    pub fn takes_description(&self, staff: bool) -> bool {
        staff || self.defaults.description == FieldAccess::Editable
    }

    /// Leaves out of a ticket's values what `staff` or a user may not see.
    pub fn redact(&self, values: &mut FieldValues) {
        values.retain(|key, _| {
            self.field(key)
                .is_some_and(|f| f.access == CustomFieldAccess::Editable)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk() -> TicketFields {
        TicketFields {
            defaults: DefaultFields::default(),
            types: vec![TicketType {
                key: "incident".into(),
                name: "Incident".into(),
            }],
            custom: vec![
                CustomField {
                    key: "asset".into(),
                    label: "Asset tag".into(),
                    kind: CustomFieldKind::Text,
                    options: Vec::new(),
                    required: true,
                    access: CustomFieldAccess::Editable,
                    catalog_only: false,
                },
                CustomField {
                    key: "cost".into(),
                    label: "Cost centre".into(),
                    kind: CustomFieldKind::Dropdown,
                    options: vec!["IT".into(), "Sales".into()],
                    required: false,
                    access: CustomFieldAccess::Hidden,
                    catalog_only: false,
                },
                CustomField {
                    key: "since".into(),
                    label: "Since".into(),
                    kind: CustomFieldKind::Date,
                    options: Vec::new(),
                    required: false,
                    access: CustomFieldAccess::Editable,
                    catalog_only: false,
                },
            ],
        }
    }

    fn values(pairs: &[(&str, FieldValue)]) -> FieldValues {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn users_values_are_checked_and_what_the_desk_locked_is_dropped() {
        let desk = desk();
        let text = |s: &str| FieldValue::Text(s.into());
        let (kind, kept) = desk
            .accept_new(
                false,
                Some("incident"),
                &values(&[("asset", text("A-1")), ("cost", text("IT"))]),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kind.as_deref(), Some("incident"));
        assert_eq!(
            kept,
            values(&[("asset", text("A-1"))]),
            "hidden field dropped"
        );
        let staff = desk.accept_new(true, None, &values(&[("cost", text("Sales"))]));
        assert!(
            staff.is_ok(),
            "staff set hidden fields and skip required ones"
        );

        for (bad, why) in [
            (values(&[]), "required"),
            (
                values(&[("asset", text("A")), ("nope", text("x"))]),
                "unknown",
            ),
            (values(&[("asset", FieldValue::Number(3.0))]), "kind"),
            (
                values(&[("asset", text("A")), ("since", text("31/12/2026"))]),
                "date",
            ),
        ] {
            assert!(desk.accept_new(false, None, &bad).is_err(), "{why}");
        }
        assert!(
            desk.accept_new(false, Some("other"), &values(&[("asset", text("A"))]))
                .is_err()
        );
        assert!(
            desk.accept_new(true, None, &values(&[("cost", text("HR"))]))
                .is_err(),
            "not one of the options"
        );
    }

    #[test]
    fn a_locked_type_is_dropped_and_redaction_keeps_only_editable_fields() {
        let mut desk = desk();
        desk.defaults.ticket_type = FieldAccess::ReadOnly;
        let text = |s: &str| FieldValue::Text(s.into());
        let (kind, _) = desk
            .accept_new(false, Some("incident"), &values(&[("asset", text("A"))]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kind, None);
        let mut stored = values(&[
            ("asset", text("A")),
            ("cost", text("IT")),
            ("gone", text("x")),
        ]);
        desk.redact(&mut stored);
        assert_eq!(stored, values(&[("asset", text("A"))]));
        assert!(desk.for_user(false).field("cost").is_none());
        assert!(desk.for_user(true).field("cost").is_some());
    }

    #[test]
    fn a_users_priority_and_description_count_only_where_the_desk_lets_users_set_them() {
        let mut desk = desk();
        let urgent = Some(crate::Priority::Urgent);
        assert_eq!(
            desk.accept_priority(false, urgent),
            None,
            "hidden by default"
        );
        assert_eq!(
            desk.accept_priority(true, urgent),
            urgent,
            "the desk sets it"
        );
        desk.defaults.priority = FieldAccess::ReadOnly;
        assert_eq!(desk.accept_priority(false, urgent), None, "read-only");
        desk.defaults.priority = FieldAccess::Editable;
        assert_eq!(desk.accept_priority(false, urgent), urgent);
        assert!(desk.takes_description(false));
        for locked in [FieldAccess::ReadOnly, FieldAccess::Hidden] {
            desk.defaults.description = locked;
            assert!(!desk.takes_description(false), "{locked:?}");
            assert!(desk.takes_description(true));
        }
    }

    #[test]
    fn definitions_are_checked() {
        let mut ok = desk();
        assert_eq!(ok.check_definitions(), Ok(()));
        let mut twice = desk();
        twice.custom.push(twice.custom[0].clone());
        assert!(twice.check_definitions().is_err());
        let mut bad_key = desk();
        bad_key.types[0].key = "Not OK".into();
        assert!(bad_key.check_definitions().is_err());
        let mut empty_dropdown = desk();
        empty_dropdown.custom[1].options.clear();
        assert!(empty_dropdown.check_definitions().is_err());
        let mut assignee = desk();
        assignee.defaults.assignee = FieldAccess::Editable;
        assert!(assignee.check_definitions().is_err());
    }

    #[test]
    fn typed_values_are_read_by_kind() {
        let desk = desk();
        let field = |k: &str| desk.field(k).cloned().unwrap_or_else(|| panic!("{k}"));
        let mut number = field("asset");
        number.kind = CustomFieldKind::Number;
        assert_eq!(
            TicketFields::parse_value(&number, " 42 "),
            Ok(FieldValue::Number(42.0))
        );
        assert!(TicketFields::parse_value(&number, "forty").is_err());
        assert!(TicketFields::parse_value(&field("since"), "2026-02-30").is_err());
        let wire: FieldValues =
            serde_json::from_str(r#"{"a":true,"b":2.5,"c":"x"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wire["a"], FieldValue::Checkbox(true));
        assert_eq!(wire["b"], FieldValue::Number(2.5));
        assert_eq!(wire["c"], FieldValue::Text("x".into()));
    }
}
