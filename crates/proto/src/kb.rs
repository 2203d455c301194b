//! Knowledge-base articles.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An article as the portal shows it: the body is Markdown rendered to sanitised HTML on the
/// server, safe to insert as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: String,
    pub title: String,
    pub category: String,
    pub body_html: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// One line of an article list (no body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleSummary {
    pub id: String,
    pub title: String,
    pub category: String,
}
