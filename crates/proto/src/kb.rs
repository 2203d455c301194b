//! Knowledge-base articles.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Language, OrgId};

/// An article as the portal shows it: the body is Markdown rendered to sanitised HTML on the
/// server, safe to insert as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: String,
    pub title: String,
    pub category: String,
    pub body_html: String,
    /// The body's words without markup, for searching and excerpts (the desktop app's offline
    /// copy searches it).
    #[serde(default)]
    pub body_text: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// The Markdown source, for technicians (who edit it); absent for everyone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub body_md: Option<String>,
    /// The organisations that see it; empty: everyone (always empty for non-technicians).
    #[serde(default)]
    pub org_ids: Vec<OrgId>,
    /// The language it is written in; `null`: not said (searched as English).
    #[serde(default)]
    pub language: Option<Language>,
}

/// `POST /api/v1/kb/articles` and `PUT /api/v1/kb/articles/{id}` (technicians).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub title: String,
    pub category: String,
    /// Markdown; raw HTML in it is removed when the article is shown.
    pub body_md: String,
    /// Visible only to these organisations; empty: to everyone.
    #[serde(default)]
    pub org_ids: Vec<OrgId>,
    /// The language it is written in, so that it is searched in it; absent or `null`: not said
    /// (searched as English).
    #[serde(default)]
    pub language: Option<Language>,
}

/// One line of an article list (no body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleSummary {
    pub id: String,
    pub title: String,
    pub category: String,
}

/// `GET /api/v1/kb/stamps`: every article the caller may see and when it last changed, so an
/// offline copy fetches only what changed and drops what is gone (deleted, or no longer visible).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleStamp {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}
