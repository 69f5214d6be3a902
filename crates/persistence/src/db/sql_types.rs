//! SQL types that differ by backend but mean the same thing.
//!
//! - [`Instant`] is `timestamptz` on PostgreSQL and, on SQLite, text in one fixed-width UTC
//!   format (`2014-06-26T09:30:00.000000Z`) so that comparing the text compares the instants
//!   and the index orders them correctly.
//! - [`PublicUuid`] is `uuid` on PostgreSQL and hyphenated text on SQLite.
//!
//! Each has a newtype that crosses the boundary ([`DbTime`], [`DbUuid`]), with `ToSql` and
//! `FromSql` for each backend and for the `MultiBackend` that dispatches between them.

use std::io::Write as _;

use chrono::{DateTime, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, SqlType, Text, Timestamptz};
use diesel::sqlite::Sqlite;
use uuid::Uuid;

use super::connection::MultiBackend;

/// A UTC instant (see the module docs).
#[derive(Debug, Clone, Copy, Default, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Instant;

// Both representations order as the instants do (the SQLite text is fixed-width UTC), so
// `MIN`, `MAX` and comparisons are meaningful.
impl diesel::sql_types::SqlOrd for Instant {}

/// A UUID (see the module docs).
#[derive(Debug, Clone, Copy, Default, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
pub struct PublicUuid;

/// A UTC instant as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = Instant)]
pub struct DbTime(pub DateTime<Utc>);

/// A UUID as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = PublicUuid)]
pub struct DbUuid(pub Uuid);

const SQLITE_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

impl ToSql<Instant, Pg> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<Instant, Pg> for DbTime {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<Timestamptz, Pg>>::from_sql(bytes).map(Self)
    }
}

impl ToSql<Instant, Sqlite> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.format(SQLITE_TIME_FORMAT).to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<Instant, Sqlite> for DbTime {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        if let Some(at) = stored_instant(&text) {
            return Ok(Self(at));
        }
        let parsed = DateTime::parse_from_rfc3339(&text)
            .map_err(|e| format!("invalid stored instant {text:?}: {e}"))?;
        Ok(Self(parsed.with_timezone(&Utc)))
    }
}

/// An instant in the form this module writes (`SQLITE_TIME_FORMAT`:
/// `2026-12-01T19:49:17.123456Z`), read without a general RFC 3339 parser: every row of a
/// page carries two or three. `None` for anything else, which the general parser then reads.
fn stored_instant(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() != 27
        || (b[4], b[7], b[10], b[13], b[16], b[19], b[26])
            != (b'-', b'-', b'T', b':', b':', b'.', b'Z')
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
        num(20..26)?,
    )?;
    Some(date.and_time(time).and_utc())
}

impl HasSqlType<Instant> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Instant>(lookup)
    }
}

impl FromSql<Instant, MultiBackend> for DbTime {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Instant>()
    }
}

impl ToSql<Instant, MultiBackend> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Instant, self));
        Ok(IsNull::No)
    }
}

impl ToSql<PublicUuid, Pg> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<PublicUuid, Pg> for DbUuid {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Self(Uuid::from_slice(bytes.as_bytes())?))
    }
}

impl ToSql<PublicUuid, Sqlite> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<PublicUuid, Sqlite> for DbUuid {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        Ok(Self(Uuid::parse_str(&text)?))
    }
}

impl HasSqlType<PublicUuid> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<PublicUuid>(lookup)
    }
}

impl FromSql<PublicUuid, MultiBackend> for DbUuid {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, PublicUuid>()
    }
}

impl ToSql<PublicUuid, MultiBackend> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((PublicUuid, self));
        Ok(IsNull::No)
    }
}

impl From<DateTime<Utc>> for DbTime {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_read_as_the_general_parser_reads_them() {
        for text in [
            "2026-12-01T19:49:17.123456Z",
            "1970-01-01T00:00:00.000000Z",
            "2024-02-29T23:59:59.999999Z",
        ] {
            let general = DateTime::parse_from_rfc3339(text)
                .expect("valid")
                .with_timezone(&Utc);
            assert_eq!(stored_instant(text), Some(general), "{text}");
            let written = general.format(SQLITE_TIME_FORMAT).to_string();
            assert_eq!(written, text, "the form this module writes");
        }
        for text in [
            "2026-12-01T19:49:17Z",
            "2026-12-01 19:49:17.123456Z",
            "2026-13-01T19:49:17.123456Z",
            "2025-02-29T19:49:17.123456Z",
            "2026-12-01T24:00:00.000000Z",
            "2026-12-01T19:49:17.12345aZ",
            "2026-12-01T19:49:17.123456+00:00",
        ] {
            assert_eq!(stored_instant(text), None, "{text}");
        }
    }
}
