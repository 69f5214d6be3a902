//! `schema.rs` is written by hand; this test proves it says what the migrations create, on
//! both backends. It migrates a fresh database, reads the tables and columns the database
//! has (SQLite's `pragma_table_info`, PostgreSQL's `information_schema.columns`), and
//! compares them, with their types and nullability, with what each `table!` declares (read
//! from diesel's own types, so no second list of columns is kept by hand). A column added by
//! a migration and not to `schema.rs`, one that `schema.rs` has and the database has not, a
//! wrong type or a wrong nullability each fail it, naming the column.

use std::collections::{BTreeMap, BTreeSet};

use diesel::expression::Expression;
use diesel::pg::Pg;
use diesel::sql_types::{HasSqlType, SqlType, is_nullable};
use diesel::sqlite::{Sqlite, SqliteType};
use diesel::{Column, PgConnection, RunQueryDsl as _, Table};

use crate::db::AnyConnection;
use crate::schema;
use crate::testing::TestDb;

/// Tables the migrations create that `schema.rs` leaves out on purpose.
const NOT_IN_SCHEMA: &[&str] = &[
    // diesel's record of the migrations run.
    "__diesel_schema_migrations",
];

/// Tables the migrations create on SQLite only that `schema.rs` leaves out on purpose: the
/// full-text index (an FTS5 virtual table, and the shadow tables SQLite keeps for it), read
/// by hand-written SQL only (see `search/sqlite.rs`).
const SQLITE_ONLY_PREFIX: &str = "articles_fts";

/// Columns the migrations create on PostgreSQL only that `schema.rs` leaves out on purpose.
const POSTGRES_ONLY: &[(&str, &str)] = &[
    // The generated full-text vectors (the whole article's, and its title's), read by
    // hand-written SQL only (see `search/postgres.rs`).
    ("articles", "search"),
    ("articles", "title_search"),
];

/// A column as `schema.rs` declares it.
struct Declared {
    nullable: bool,
    sqlite: SqliteType,
    postgres: fn(&mut PgConnection) -> Option<u32>,
}

/// A column as the database has it.
#[derive(Debug)]
struct Found {
    nullable: bool,
    /// SQLite: the declared type; PostgreSQL: the type's name.
    type_name: String,
    /// PostgreSQL: the type's OID.
    oid: Option<u32>,
}

trait Nullability {
    const NULLABLE: bool;
}

impl Nullability for is_nullable::IsNullable {
    const NULLABLE: bool = true;
}

impl Nullability for is_nullable::NotNull {
    const NULLABLE: bool = false;
}

fn postgres_oid<ST>(c: &mut PgConnection) -> Option<u32>
where
    Pg: HasSqlType<ST>,
{
    <Pg as HasSqlType<ST>>::metadata(c).oid().ok()
}

fn declared<C>() -> (&'static str, Declared)
where
    C: Column,
    C::SqlType: SqlType,
    <C::SqlType as SqlType>::IsNull: Nullability,
    Sqlite: HasSqlType<C::SqlType>,
    Pg: HasSqlType<C::SqlType>,
{
    (
        C::NAME,
        Declared {
            nullable: <<C::SqlType as SqlType>::IsNull as Nullability>::NULLABLE,
            sqlite: <Sqlite as HasSqlType<C::SqlType>>::metadata(&mut ()),
            postgres: postgres_oid::<C::SqlType>,
        },
    )
}

/// The columns of a `table!`'s `all_columns` tuple.
trait Columns {
    fn declared() -> Vec<(&'static str, Declared)>;
}

macro_rules! columns_for_tuples {
    ($first:ident $(, $rest:ident)*) => {
        impl<$first, $($rest),*> Columns for ($first, $($rest,)*)
        where
            $first: Column,
            $first::SqlType: SqlType,
            <$first::SqlType as SqlType>::IsNull: Nullability,
            Sqlite: HasSqlType<$first::SqlType>,
            Pg: HasSqlType<$first::SqlType>,
            $(
                $rest: Column,
                $rest::SqlType: SqlType,
                <$rest::SqlType as SqlType>::IsNull: Nullability,
                Sqlite: HasSqlType<$rest::SqlType>,
                Pg: HasSqlType<$rest::SqlType>,
            )*
        {
            fn declared() -> Vec<(&'static str, Declared)> {
                vec![declared::<$first>() $(, declared::<$rest>())*]
            }
        }
        columns_for_tuples!($($rest),*);
    };
    () => {};
}

columns_for_tuples!(
    C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17, C18, C19, C20, C21,
    C22, C23, C24, C25, C26, C27, C28, C29, C30, C31, C32
);

fn table<T>() -> BTreeMap<&'static str, Declared>
where
    T: Table,
    T::AllColumns: Columns + Expression,
{
    T::AllColumns::declared().into_iter().collect()
}

/// Every table of `schema.rs`, by name. A table added there must be added here too; one
/// added to the migrations and not here fails the test.
fn schema() -> BTreeMap<&'static str, BTreeMap<&'static str, Declared>> {
    macro_rules! tables {
        ($($t:ident),* $(,)?) => {
            BTreeMap::from([$((stringify!($t), table::<schema::$t::table>())),*])
        };
    }
    tables!(
        users,
        tags,
        articles,
        article_revisions,
        article_slug_aliases,
        refresh_tokens,
        login_throttle,
        article_preview_versions,
        settings,
        article_tags,
        article_authors,
        related_articles,
        api_keys,
        webhooks,
        webhook_events,
        webhook_deliveries,
        webhook_attempts,
        content_version,
        tag_counts,
        author_counts,
        content_changes,
        rate_windows,
    )
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    declared: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    not_null: bool,
    /// The column's position in the primary key (0: not in it).
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pk: i32,
}

#[derive(diesel::QueryableByName)]
struct PostgresColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    type_name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    oid: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    nullable: bool,
}

type Database = BTreeMap<String, BTreeMap<String, Found>>;

fn sqlite_tables(c: &mut diesel::SqliteConnection) -> Database {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .load(c)
    .expect("tables");
    let mut tables = Database::new();
    for Name { name: table } in names {
        if table.starts_with(SQLITE_ONLY_PREFIX) {
            continue;
        }
        let columns: Vec<SqliteColumn> = diesel::sql_query(
            "SELECT name, type AS declared, \"notnull\" AS not_null, pk \
             FROM pragma_table_info(?)",
        )
        .bind::<diesel::sql_types::Text, _>(&table)
        .load(c)
        .expect("columns");
        let single_key = columns.iter().filter(|col| col.pk > 0).count() == 1;
        let columns = columns
            .into_iter()
            .map(|col| {
                // `INTEGER PRIMARY KEY` is the rowid, never null, though SQLite does not
                // report it NOT NULL. (Any other primary key column may hold NULL in SQLite
                // unless declared NOT NULL, so it is taken as reported.)
                let rowid = single_key && col.pk == 1 && col.declared == "INTEGER";
                let found = Found {
                    nullable: !(col.not_null || rowid),
                    type_name: col.declared,
                    oid: None,
                };
                (col.name, found)
            })
            .collect();
        tables.insert(table, columns);
    }
    tables
}

fn postgres_tables(c: &mut PgConnection) -> Database {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .load(c)
    .expect("tables");
    let mut tables = Database::new();
    for Name { name: table } in names {
        let columns: Vec<PostgresColumn> = diesel::sql_query(
            "SELECT column_name::text AS name, udt_name::text AS type_name, \
                    udt_name::text::regtype::oid::int8 AS oid, is_nullable = 'YES' AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind::<diesel::sql_types::Text, _>(&table)
        .load(c)
        .expect("columns");
        let columns = columns
            .into_iter()
            .filter(|col| !POSTGRES_ONLY.contains(&(table.as_str(), col.name.as_str())))
            .map(|col| {
                let found = Found {
                    nullable: col.nullable,
                    type_name: col.type_name,
                    oid: u32::try_from(col.oid).ok(),
                };
                (col.name, found)
            })
            .collect();
        tables.insert(table, columns);
    }
    tables
}

/// Whether SQLite's declared type `declared` stores what diesel's `sqlite` type reads, by
/// SQLite's affinity rules (every integer is 64 bits, so `INTEGER` serves `BigInt` as
/// `BOOLEAN` serves `Bool`: diesel keeps booleans as integers).
fn sqlite_type_matches(sqlite: SqliteType, declared: &str) -> bool {
    let declared = declared.to_ascii_uppercase();
    let integer = declared.contains("INT") || declared.contains("BOOL");
    let text = declared.contains("TEXT") || declared.contains("CHAR") || declared.contains("CLOB");
    match sqlite {
        SqliteType::SmallInt | SqliteType::Integer | SqliteType::Long => integer,
        SqliteType::Text => text,
        SqliteType::Binary => declared.contains("BLOB"),
        SqliteType::Float | SqliteType::Double => {
            declared.contains("REAL") || declared.contains("FLOA") || declared.contains("DOUB")
        }
    }
}

/// Every difference between `schema.rs` and `database`, one line each.
fn differences(database: &Database, mut pg: Option<&mut PgConnection>) -> Vec<String> {
    let schema = schema();
    let mut out = Vec::new();
    let in_schema: BTreeSet<&str> = schema.keys().copied().collect();
    let in_database: BTreeSet<&str> = database
        .keys()
        .map(String::as_str)
        .filter(|t| !NOT_IN_SCHEMA.contains(t))
        .collect();
    for table in in_database.difference(&in_schema) {
        out.push(format!(
            "table {table}: created by the migrations, missing from schema.rs"
        ));
    }
    for table in in_schema.difference(&in_database) {
        out.push(format!(
            "table {table}: in schema.rs, not created by the migrations"
        ));
    }
    for (table, declared) in &schema {
        let Some(found) = database.get(*table) else {
            continue;
        };
        for name in found.keys() {
            if !declared.contains_key(name.as_str()) {
                out.push(format!(
                    "{table}.{name}: created by the migrations, missing from schema.rs"
                ));
            }
        }
        for (name, d) in declared {
            let Some(f) = found.get(*name) else {
                out.push(format!("{table}.{name}: in schema.rs, not in the database"));
                continue;
            };
            if d.nullable != f.nullable {
                out.push(format!(
                    "{table}.{name}: schema.rs says {}, the database {}",
                    if d.nullable { "nullable" } else { "not null" },
                    if f.nullable { "nullable" } else { "not null" },
                ));
            }
            let type_matches = match pg.as_deref_mut() {
                Some(pg) => (d.postgres)(pg).is_some() && (d.postgres)(pg) == f.oid,
                None => sqlite_type_matches(d.sqlite, &f.type_name),
            };
            if !type_matches {
                out.push(format!(
                    "{table}.{name}: the database's type {} is not what schema.rs reads",
                    f.type_name
                ));
            }
        }
    }
    out
}

fn check(db: &TestDb) -> Vec<String> {
    let mut conn = db.store.conn().expect("connection");
    match &mut **conn {
        AnyConnection::Sqlite(c) => differences(&sqlite_tables(c), None),
        AnyConnection::Postgres(c) => {
            let database = postgres_tables(c);
            differences(&database, Some(c))
        }
    }
}

fn assert_no_drift(db: &TestDb) {
    let found = check(db);
    assert!(
        found.is_empty(),
        "schema.rs and the migrations disagree:\n{}",
        found.join("\n")
    );
}

/// Runs `sql` on the migrated database, then returns what the check finds.
fn after(db: &TestDb, sql: &str) -> Vec<String> {
    crate::testing::raw::execute(&mut db.store.conn().expect("connection"), sql);
    check(db)
}

/// The check sees what it should: a column added by a migration and not to schema.rs, and a
/// column whose nullability changed.
fn drift_is_caught(db: &TestDb) {
    assert_eq!(
        after(db, "ALTER TABLE tags ADD COLUMN colour TEXT"),
        ["tags.colour: created by the migrations, missing from schema.rs"]
    );
    assert_eq!(
        after(db, "CREATE TABLE bookmarks (id BIGINT PRIMARY KEY)"),
        [
            "table bookmarks: created by the migrations, missing from schema.rs",
            "tags.colour: created by the migrations, missing from schema.rs"
        ]
    );
}

/// PostgreSQL can change a column's nullability and type in place (SQLite cannot).
fn nullability_and_type_drift_is_caught(db: &TestDb) {
    assert_eq!(
        after(db, "ALTER TABLE tags ALTER COLUMN description SET NOT NULL"),
        ["tags.description: schema.rs says nullable, the database not null"]
    );
    after(
        db,
        "ALTER TABLE tags ALTER COLUMN description DROP NOT NULL",
    );
    assert_eq!(
        after(
            db,
            "ALTER TABLE article_tags ALTER COLUMN position TYPE BIGINT"
        ),
        ["article_tags.position: the database's type int8 is not what schema.rs reads"]
    );
}

#[test]
fn sqlite_schema_matches_the_migrations() {
    assert_no_drift(&TestDb::sqlite());
}

#[test]
fn postgres_schema_matches_the_migrations() {
    if let Some(db) = TestDb::postgres() {
        assert_no_drift(&db);
    }
}

#[test]
fn sqlite_drift_is_caught() {
    drift_is_caught(&TestDb::sqlite());
}

#[test]
fn postgres_drift_is_caught() {
    if let Some(db) = TestDb::postgres() {
        drift_is_caught(&db);
        nullability_and_type_drift_is_caught(&TestDb::postgres().expect("still configured"));
    }
}
