//! The service catalog: what a person may ask the desk for (a mailbox, a room, an account) or
//! report (something broke), each item with its own short form made of the desk's custom fields.
//! The catalog is one document the desk edits: categories in order, items in order within them.
//! Names, descriptions and help are written once and may be translated into each language.
//!
//! The checks live here, free of IO, so the server and the CLI read a catalog the same way.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    CustomFieldAccess, FieldError, FieldValue, FieldValues, Language, OrgId, TicketFields,
    valid_key,
};

/// Most categories in the catalog.
pub const MAX_CATALOG_CATEGORIES: usize = 30;
/// Most items in the whole catalog.
pub const MAX_CATALOG_ITEMS: usize = 200;
/// Most fields on one item's form.
pub const MAX_FORM_FIELDS: usize = 20;
/// Most organisations one item may be limited to.
pub const MAX_ITEM_ORGS: usize = 100;
/// Longest name of a category or item, in characters.
pub const MAX_CATALOG_NAME_CHARS: usize = 100;
/// Longest description of an item, in characters.
pub const MAX_CATALOG_DESCRIPTION_CHARS: usize = 2000;
/// Longest help text of a form field, in characters.
pub const MAX_FORM_HELP_CHARS: usize = 300;

/// Words the desk writes once, in its own language, and may translate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// What everyone reads when there is no translation into their language.
    pub text: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<Language, String>>", optional)]
    pub translations: BTreeMap<Language, String>,
}

impl Localized {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            translations: BTreeMap::new(),
        }
    }

    /// The words in `language`, or the desk's own.
    pub fn read(&self, language: Language) -> &str {
        self.translations
            .get(&language)
            .filter(|t| !t.is_empty())
            .unwrap_or(&self.text)
    }

    /// Trims every text and drops empty translations; `what` names it in the message when a
    /// text is longer than `max` characters, or empty where `required`.
    pub(crate) fn check(
        &mut self,
        what: &str,
        max: usize,
        required: bool,
    ) -> Result<(), FieldError> {
        self.text = self.text.trim().to_owned();
        for t in self.translations.values_mut() {
            *t = t.trim().to_owned();
        }
        self.translations.retain(|_, t| !t.is_empty());
        if required && self.text.is_empty() {
            return Err(FieldError(format!("{what}: write it")));
        }
        let long = std::iter::once((None, &self.text))
            .chain(self.translations.iter().map(|(l, t)| (Some(*l), t)))
            .find(|(_, t)| t.chars().count() > max);
        if let Some((language, _)) = long {
            let which = language.map_or(String::new(), |l| format!(" ({})", l.as_str()));
            return Err(FieldError(format!(
                "{what}{which}: at most {max} characters"
            )));
        }
        Ok(())
    }
}

/// Whether an item is something a person asks for or something that broke.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CatalogKind {
    #[default]
    ServiceRequest,
    Incident,
}

/// The picture of an item; each is drawn by the portal from one icon set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CatalogIcon {
    #[default]
    Box,
    Mail,
    Laptop,
    Monitor,
    Phone,
    Printer,
    Wifi,
    Key,
    Lock,
    UserPlus,
    UserMinus,
    Door,
    Calendar,
    Package,
    Shield,
    Wrench,
    Headphones,
    Server,
    Bug,
    Alert,
    Folder,
    Card,
}

/// One field of an item's form: one of the desk's custom fields, asked with this item's help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// The custom field's key.
    pub field: String,
    /// Whether the person must fill it in to send the request.
    #[serde(default)]
    pub required: bool,
    /// What to write, shown under the field.
    #[serde(default)]
    #[ts(optional)]
    pub help: Option<Localized>,
}

/// Something a person may ask for or report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogItem {
    /// Stable: what tickets of this item keep (lowercase letters, digits, `-`, `_`).
    pub key: String,
    pub name: Localized,
    #[serde(default)]
    pub description: Localized,
    #[serde(default)]
    pub icon: CatalogIcon,
    #[serde(default)]
    pub kind: CatalogKind,
    /// The form, in order.
    #[serde(default)]
    pub form: Vec<FormField>,
    /// A request waits for a primary contact of the person's organisation to approve it before
    /// the desk sees it.
    #[serde(default)]
    pub needs_approval: bool,
    /// Empty: everyone; otherwise only people of these organisations (and the desk).
    #[serde(default)]
    #[ts(as = "Option<Vec<OrgId>>", optional)]
    pub orgs: Vec<OrgId>,
}

impl CatalogItem {
    /// Whether a person of `org` may see and ask for it.
    pub fn offered_to(&self, org: Option<OrgId>) -> bool {
        self.orgs.is_empty() || org.is_some_and(|o| self.orgs.contains(&o))
    }

    /// The custom values a request of this item keeps: its form's fields, each of its kind, the
    /// required ones filled in. A value for a field the desk has since taken off the form is
    /// dropped, not refused, so that a request queued offline before the change still goes
    /// through; an unknown field or a wrong value is refused with the field named.
    pub fn accept_values(
        &self,
        fields: &TicketFields,
        values: &FieldValues,
    ) -> Result<FieldValues, FieldError> {
        let mut kept = FieldValues::new();
        for (key, value) in values {
            let field = fields
                .field(key)
                .ok_or_else(|| FieldError(format!("there is no custom field {key:?}")))?;
            if !self.form.iter().any(|f| &f.field == key) {
                continue;
            }
            if matches!(value, FieldValue::Text(s) if s.trim().is_empty()) {
                continue;
            }
            TicketFields::check_value(field, value)?;
            kept.insert(key.clone(), value.clone());
        }
        for f in self.form.iter().filter(|f| f.required) {
            if !kept.contains_key(&f.field) {
                let label = fields.field(&f.field).map_or(&f.field, |d| &d.label);
                return Err(FieldError(format!("{label} must be filled in")));
            }
        }
        Ok(kept)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogCategory {
    /// Stable (lowercase letters, digits, `-`, `_`).
    pub key: String,
    pub name: Localized,
    /// In the order the portal shows them.
    #[serde(default)]
    pub items: Vec<CatalogItem>,
}

/// `GET`/`PUT /api/v1/catalog`: the categories in order. A person reads the items offered to
/// them; the desk reads and saves all of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(default)]
    pub categories: Vec<CatalogCategory>,
}

impl Catalog {
    pub fn items(&self) -> impl Iterator<Item = &CatalogItem> {
        self.categories.iter().flat_map(|c| c.items.iter())
    }

    /// The item `key`, if the catalog has it.
    pub fn item(&self, key: &str) -> Option<&CatalogItem> {
        self.items().find(|i| i.key == key)
    }

    /// What a person of `org` sees: the items offered to them, without whom else they are for,
    /// and no empty category. The desk sees everything.
    pub fn for_user(&self, org: Option<OrgId>, staff: bool) -> Catalog {
        if staff {
            return self.clone();
        }
        let categories = self
            .categories
            .iter()
            .map(|c| CatalogCategory {
                key: c.key.clone(),
                name: c.name.clone(),
                items: c
                    .items
                    .iter()
                    .filter(|i| i.offered_to(org))
                    .map(|i| CatalogItem {
                        orgs: Vec::new(),
                        ..i.clone()
                    })
                    .collect(),
            })
            .filter(|c| !c.items.is_empty())
            .collect();
        Catalog { categories }
    }

    /// Checks what the desk saves against its custom fields; the message names what to fix.
    /// Trims every text. (Whether the organisations exist is the server's to check.)
    pub fn check(&mut self, fields: &TicketFields) -> Result<(), FieldError> {
        if self.categories.len() > MAX_CATALOG_CATEGORIES {
            return Err(FieldError(format!(
                "at most {MAX_CATALOG_CATEGORIES} categories"
            )));
        }
        if self.items().count() > MAX_CATALOG_ITEMS {
            return Err(FieldError(format!(
                "at most {MAX_CATALOG_ITEMS} items in the catalog"
            )));
        }
        let mut categories = HashSet::new();
        let mut items = HashSet::new();
        for category in &mut self.categories {
            let what = format!("category {}", category.key);
            key_once(&what, &category.key, &mut categories)?;
            category
                .name
                .check(&format!("{what}: name"), MAX_CATALOG_NAME_CHARS, true)?;
            for item in &mut category.items {
                check_item(item, fields, &mut items)?;
            }
        }
        Ok(())
    }
}

fn key_once(what: &str, key: &str, seen: &mut HashSet<String>) -> Result<(), FieldError> {
    if !valid_key(key) {
        return Err(FieldError(format!(
            "{what}: the key {key:?} must be 1 to 40 lowercase letters, digits, - or _"
        )));
    }
    if !seen.insert(key.to_owned()) {
        return Err(FieldError(format!("{what} is listed twice")));
    }
    Ok(())
}

fn check_item(
    item: &mut CatalogItem,
    fields: &TicketFields,
    seen: &mut HashSet<String>,
) -> Result<(), FieldError> {
    let what = format!("item {}", item.key);
    key_once(&what, &item.key, seen)?;
    item.name
        .check(&format!("{what}: name"), MAX_CATALOG_NAME_CHARS, true)?;
    item.description.check(
        &format!("{what}: description"),
        MAX_CATALOG_DESCRIPTION_CHARS,
        false,
    )?;
    if item.form.len() > MAX_FORM_FIELDS {
        return Err(FieldError(format!(
            "{what}: at most {MAX_FORM_FIELDS} fields on a form"
        )));
    }
    if item.orgs.len() > MAX_ITEM_ORGS {
        return Err(FieldError(format!(
            "{what}: at most {MAX_ITEM_ORGS} organisations"
        )));
    }
    let orgs: HashSet<_> = item.orgs.iter().collect();
    if orgs.len() != item.orgs.len() {
        return Err(FieldError(format!(
            "{what}: an organisation is listed twice"
        )));
    }
    let mut on_form = HashSet::new();
    for f in &mut item.form {
        let Some(field) = fields.field(&f.field) else {
            return Err(FieldError(format!(
                "{what}: there is no custom field {:?}",
                f.field
            )));
        };
        if field.access != CustomFieldAccess::Editable {
            return Err(FieldError(format!(
                "{what}: {} is hidden from users, so it cannot be on a form",
                field.label
            )));
        }
        if !on_form.insert(f.field.clone()) {
            return Err(FieldError(format!(
                "{what}: {} is on the form twice",
                field.label
            )));
        }
        if let Some(help) = &mut f.help {
            help.check(
                &format!("{what}: help for {}", field.label),
                MAX_FORM_HELP_CHARS,
                false,
            )?;
        }
        if f.help.as_ref().is_some_and(|h| h.text.is_empty()) {
            f.help = None;
        }
    }
    Ok(())
}

/// A request's wait for a primary contact of the person's organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    /// Waiting; the desk does not see it yet.
    Pending,
    Approved,
    /// Declined: closed, and never seen by the desk.
    Declined,
}

impl ApprovalState {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Approved, Self::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `POST /api/v1/tickets/{id}/approval`: a primary contact's decision on a request waiting for
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalDecision {
    pub approve: bool,
    /// Why, told to the person as a reply (at most 4,000 characters).
    #[serde(default)]
    #[ts(optional)]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustomField, CustomFieldKind};

    fn fields() -> TicketFields {
        let field = |key: &str, access| CustomField {
            key: key.into(),
            label: key.to_uppercase(),
            kind: CustomFieldKind::Text,
            options: Vec::new(),
            required: false,
            access,
            catalog_only: false,
        };
        TicketFields {
            custom: vec![
                field("room", CustomFieldAccess::Editable),
                field("cost", CustomFieldAccess::Hidden),
            ],
            ..TicketFields::default()
        }
    }

    fn item(key: &str) -> CatalogItem {
        CatalogItem {
            key: key.into(),
            name: Localized::new(format!(" {key} ")),
            description: Localized::default(),
            icon: CatalogIcon::Mail,
            kind: CatalogKind::ServiceRequest,
            form: vec![FormField {
                field: "room".into(),
                required: true,
                help: Some(Localized::new("  ")),
            }],
            needs_approval: false,
            orgs: Vec::new(),
        }
    }

    fn catalog(items: Vec<CatalogItem>) -> Catalog {
        Catalog {
            categories: vec![CatalogCategory {
                key: "it".into(),
                name: Localized::new("IT"),
                items,
            }],
        }
    }

    #[test]
    fn a_good_catalog_is_trimmed() {
        let mut c = catalog(vec![item("mailbox")]);
        c.check(&fields()).unwrap_or_else(|e| panic!("{e}"));
        let mailbox = c.item("mailbox").unwrap_or_else(|| panic!("no mailbox"));
        assert_eq!(mailbox.name.text, "mailbox");
        assert_eq!(mailbox.form[0].help, None, "empty help is dropped");
    }

    #[test]
    fn mistakes_are_named() {
        let cases: Vec<(Catalog, &str)> = vec![
            (
                catalog(vec![item("a"), item("a")]),
                "item a is listed twice",
            ),
            (catalog(vec![item("Bad Key")]), "the key \"Bad Key\""),
            (
                catalog(vec![CatalogItem {
                    form: vec![FormField {
                        field: "cost".into(),
                        required: false,
                        help: None,
                    }],
                    ..item("a")
                }]),
                "COST is hidden from users",
            ),
            (
                catalog(vec![CatalogItem {
                    form: vec![FormField {
                        field: "nope".into(),
                        required: false,
                        help: None,
                    }],
                    ..item("a")
                }]),
                "there is no custom field \"nope\"",
            ),
            (
                catalog(vec![CatalogItem {
                    name: Localized {
                        text: "Room".into(),
                        translations: [(Language::It, "s".repeat(101))].into(),
                    },
                    ..item("a")
                }]),
                "item a: name (it): at most 100 characters",
            ),
            (
                catalog(vec![CatalogItem {
                    name: Localized::new(" "),
                    ..item("a")
                }]),
                "item a: name: write it",
            ),
        ];
        for (mut c, expected) in cases {
            let err = match c.check(&fields()) {
                Err(e) => e.0,
                Ok(()) => panic!("{expected:?} was accepted"),
            };
            assert!(err.contains(expected), "{err:?} should say {expected:?}");
        }
    }

    #[test]
    fn people_see_only_what_is_offered_to_them() {
        let (acme, globex) = (OrgId::new(), OrgId::new());
        let c = catalog(vec![
            item("everyone"),
            CatalogItem {
                orgs: vec![globex],
                ..item("globex-only")
            },
        ]);
        let keys = |c: &Catalog| c.items().map(|i| i.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&c.for_user(Some(acme), false)), ["everyone"]);
        assert_eq!(keys(&c.for_user(None, false)), ["everyone"]);
        let theirs = c.for_user(Some(globex), false);
        assert_eq!(keys(&theirs), ["everyone", "globex-only"]);
        assert!(
            theirs.items().all(|i| i.orgs.is_empty()),
            "who else is not told"
        );
        assert_eq!(keys(&c.for_user(Some(acme), true)).len(), 2);
        let none = catalog(vec![CatalogItem {
            orgs: vec![globex],
            ..item("x")
        }]);
        assert!(none.for_user(Some(acme), false).categories.is_empty());
    }

    #[test]
    fn a_request_keeps_its_forms_values() {
        let mut f = fields();
        f.custom.push(CustomField {
            key: "seats".into(),
            label: "Seats".into(),
            kind: CustomFieldKind::Number,
            options: Vec::new(),
            required: true,
            access: CustomFieldAccess::Editable,
            catalog_only: true,
        });
        let mut i = item("room");
        i.form.push(FormField {
            field: "seats".into(),
            required: false,
            help: None,
        });
        let values = |v: Vec<(&str, FieldValue)>| -> FieldValues {
            v.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
        };
        let kept = i
            .accept_values(
                &f,
                &values(vec![
                    ("room", FieldValue::Text("B12".into())),
                    ("cost", FieldValue::Text("IT".into())),
                ]),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kept, values(vec![("room", FieldValue::Text("B12".into()))]));
        let err = |v| match i.accept_values(&f, &values(v)) {
            Err(e) => e.0,
            Ok(kept) => panic!("{kept:?} was accepted"),
        };
        assert_eq!(err(vec![]), "ROOM must be filled in");
        assert_eq!(
            err(vec![("room", FieldValue::Text(" ".into()))]),
            "ROOM must be filled in"
        );
        assert_eq!(
            err(vec![
                ("room", FieldValue::Text("B12".into())),
                ("seats", FieldValue::Text("ten".into()))
            ]),
            "Seats: a number"
        );
        assert_eq!(
            err(vec![("wat", FieldValue::Checkbox(true))]),
            "there is no custom field \"wat\""
        );
    }

    #[test]
    fn words_fall_back_to_the_desks_own() {
        let l = Localized {
            text: "Mailbox".into(),
            translations: [(Language::It, "Casella".into()), (Language::De, "".into())].into(),
        };
        assert_eq!(l.read(Language::It), "Casella");
        assert_eq!(l.read(Language::De), "Mailbox");
        assert_eq!(l.read(Language::Ru), "Mailbox");
    }
}
