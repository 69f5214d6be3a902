//! Reading columns as stored, past the store's functions: for tests of what is at rest.

use diesel::RunQueryDsl as _;
use diesel::sql_types::{Nullable, Text};

use crate::db::AnyConnection;

#[derive(diesel::QueryableByName)]
struct Value {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

/// The non-null values of the column `sql` selects `AS value`, as the database holds them.
pub fn texts(conn: &mut AnyConnection, sql: &str) -> Vec<String> {
    let rows: Vec<Value> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
        AnyConnection::Postgres(c) => diesel::sql_query(sql).load(c),
    }
    .expect("raw query");
    rows.into_iter().filter_map(|r| r.value).collect()
}

/// Runs a statement as it is (to alter stored values behind the store's back).
pub fn execute(conn: &mut AnyConnection, sql: &str) -> usize {
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(sql).execute(c),
        AnyConnection::Postgres(c) => diesel::sql_query(sql).execute(c),
    }
    .expect("raw statement")
}
