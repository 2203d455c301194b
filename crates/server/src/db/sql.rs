//! A query assembled at run time, numbering its parameters `$1`, `$2`, … as both SQLite and
//! PostgreSQL read them. (sqlx's `QueryBuilder<Any>` writes `?`, which PostgreSQL rejects.)
//! The values are kept as [`Param`]s, so the same query runs through sqlx ([`Sql::build`]) or,
//! for SQLite's fast reads, through rusqlite ([`Sql::into_parts`], see `read.rs`).

use std::fmt::Write;

use sqlx::Arguments;
use sqlx::any::{Any, AnyArguments};

use crate::error::{AppError, Result};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Null,
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl rusqlite::ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Text(v) => v.to_sql(),
            Self::Int(v) => v.to_sql(),
            Self::Null => rusqlite::types::Null.to_sql(),
        }
    }
}

#[derive(Default)]
pub struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            ..Self::default()
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Param>) -> &mut Self {
        self.params.push(value.into());
        let _ = write!(self.text, "${}", self.params.len());
        self
    }

    /// Appends ` LIMIT n`, written out rather than bound: SQLite plans a statement for its bound
    /// `LIMIT` and so re-prepares it at every run when the limit is a parameter (it showed as a
    /// fifth of the CPU time of a ticket list).
    pub fn limit(&mut self, n: i64) -> &mut Self {
        let _ = write!(self.text, " LIMIT {n}");
        self
    }

    /// Appends `a, b, c` placeholders for a list.
    pub fn bind_list<T: Into<Param>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self
    }

    /// Appends ` AND (lower(c1) LIKE %w% OR lower(c2) LIKE %w% …)` for each of the first eight
    /// words of `q`: every word must appear in one of the columns, case-insensitively.
    pub fn push_words(&mut self, columns: &[&str], q: &str) -> &mut Self {
        for word in q.split_whitespace().take(8) {
            // `%` and `_` are matched as themselves ("asset_tag", "john_doe@…"), not as wildcards.
            let escaped = word
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            self.push(" AND (");
            for (i, column) in columns.iter().enumerate() {
                if i > 0 {
                    self.push(" OR ");
                }
                self.push("lower(")
                    .push(column)
                    .push(") LIKE ")
                    .bind(pattern.clone())
                    .push(" ESCAPE '\\'");
            }
            self.push(")");
        }
        self
    }

    pub fn build(self) -> Result<sqlx::query::Query<'static, Any, AnyArguments>> {
        let mut args = AnyArguments::default();
        for param in self.params {
            let added = match param {
                Param::Text(v) => args.add(v),
                Param::Int(v) => args.add(v),
                Param::Null => args.add(None::<String>),
            };
            added
                .map_err(|e| AppError::Other(anyhow::anyhow!("encoding a query parameter: {e}")))?;
        }
        // Safe: only `push` adds text, always from literals in this crate; values go through
        // `bind`.
        Ok(sqlx::query_with(sqlx::AssertSqlSafe(self.text), args))
    }

    /// The text and its values, in placeholder order.
    pub fn into_parts(self) -> (String, Vec<Param>) {
        (self.text, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.bind(1_i64)
            .push(" AND b IN (")
            .bind_list(["x".to_string(), "y".into()])
            .push(")");
        assert_eq!(q.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(
            q.params,
            [
                Param::Int(1),
                Param::Text("x".into()),
                Param::Text("y".into())
            ]
        );
    }

    #[test]
    fn writes_limits_out() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.bind(1_i64).limit(51);
        assert_eq!(q.text, "SELECT 1 WHERE a = $1 LIMIT 51");
    }

    #[test]
    fn every_word_must_match_one_column() {
        let mut q = Sql::new("SELECT 1 WHERE 1 = 1");
        q.push_words(&["a", "b"], " Foo  bar% ");
        assert_eq!(
            q.text,
            "SELECT 1 WHERE 1 = 1 AND (lower(a) LIKE $1 ESCAPE '\\' OR lower(b) LIKE $2 ESCAPE '\\') \
             AND (lower(a) LIKE $3 ESCAPE '\\' OR lower(b) LIKE $4 ESCAPE '\\')"
        );
    }
}
