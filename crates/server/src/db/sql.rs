//! A query assembled at run time, numbering its parameters `$1`, `$2`, … as both SQLite and
//! PostgreSQL read them. (sqlx's `QueryBuilder<Any>` writes `?`, which PostgreSQL rejects.)

use std::fmt::Write;

use sqlx::any::{Any, AnyArguments};
use sqlx::{Arguments, Encode, Type};

use crate::error::{AppError, Result};

#[derive(Default)]
pub struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
    /// The first value that could not be encoded, reported by [`Self::build`].
    error: Option<String>,
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
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any> + Send + 'static,
    {
        self.count += 1;
        let _ = write!(self.text, "${}", self.count);
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e.to_string());
        }
        self
    }

    /// Appends `a, b, c` placeholders for a list.
    pub fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any> + Send + 'static,
    {
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
        if let Some(e) = self.error {
            return Err(AppError::Other(anyhow::anyhow!(
                "encoding a query parameter: {e}"
            )));
        }
        // Safe: only `push` adds text, always from literals in this crate; values go through
        // `bind`.
        Ok(sqlx::query_with(sqlx::AssertSqlSafe(self.text), self.args))
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
        assert_eq!(q.count, 3);
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
