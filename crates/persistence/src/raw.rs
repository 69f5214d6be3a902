//! Hand-written SQL, for what the query builder cannot say on both backends (full-text
//! search, window functions). Statements are written with `?` placeholders and rewritten to
//! `$1, $2, …` for PostgreSQL; values are always bound, never spliced in.

use crate::db::AnyConnection;

/// `sql` with its `?` placeholders in the form `conn`'s backend takes. The text must hold no
/// `?` other than placeholders.
pub(crate) fn for_backend(conn: &AnyConnection, sql: &str) -> String {
    match conn {
        AnyConnection::Sqlite(_) => sql.to_owned(),
        AnyConnection::Postgres(_) => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// `?, ?, ?` for an `IN (…)` list of `n` values (at least one, so the SQL stays valid).
pub(crate) fn list(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(list(3), "?, ?, ?");
        assert_eq!(list(0), "?");
    }
}
