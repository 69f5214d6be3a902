//! Enums stored as text: a status or kind column holds the enum's own spelling, and rows read
//! it back as the enum, never as a `String` for someone else to interpret.
//!
//! Policy: a stored value the enum does not know (a row edited by hand, a downgrade past a
//! new variant) fails the read with a deserialization error naming the column's kind and the
//! value; the store reports it as an internal error. It is never a panic, and never silently
//! taken for some default variant.

use std::fmt;

use broadsheet_domain::article::ArticleStatus;
use broadsheet_domain::author::Role;
use broadsheet_domain::tag::Visibility;
use broadsheet_domain::webhook::WebhookEvent;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::keys::KeyKind;
use crate::webhooks::DeliveryStatus;

/// An enum with one stored spelling per variant.
pub(crate) trait TextEnum: Copy + fmt::Debug + 'static {
    /// What the column holds, for errors: `article status`.
    const KIND: &'static str;

    /// Every variant.
    fn variants() -> &'static [Self];

    /// The stored spelling.
    fn as_text(self) -> &'static str;

    /// The variant stored as `text`, if any.
    fn from_text(text: &str) -> Option<Self> {
        Self::variants()
            .iter()
            .copied()
            .find(|v| v.as_text() == text)
    }
}

/// A value that is not the stored spelling of any variant.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} {value:?} stored")]
pub(crate) struct UnknownValue {
    kind: &'static str,
    value: String,
}

impl UnknownValue {
    pub(crate) fn new(kind: &'static str, value: &str) -> Self {
        Self {
            kind,
            value: value.to_owned(),
        }
    }
}

/// A [`TextEnum`] as a `Text` column: what row structs hold and what filters compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub(crate) struct Stored<T>(pub T);

impl<T: TextEnum, DB> FromSql<Text, DB> for Stored<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        T::from_text(&text)
            .map(Self)
            .ok_or_else(|| UnknownValue::new(T::KIND, &text).into())
    }
}

impl<T: TextEnum + fmt::Debug, DB> ToSql<Text, DB> for Stored<T>
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(self.0.as_text(), out)
    }
}

/// A comma-separated list of webhook events, as the `webhooks.events` column holds it.
#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow)]
pub(crate) struct StoredEvents(pub Vec<WebhookEvent>);

impl StoredEvents {
    /// The column's text for `events`.
    pub(crate) fn text(events: &[WebhookEvent]) -> String {
        events
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl<DB> FromSql<Text, DB> for StoredEvents
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        if text.is_empty() {
            return Ok(Self(Vec::new()));
        }
        text.split(',')
            .map(|name| {
                WebhookEvent::from_text(name)
                    .ok_or_else(|| UnknownValue::new(WebhookEvent::KIND, name).into())
            })
            .collect::<deserialize::Result<_>>()
            .map(Self)
    }
}

impl TextEnum for ArticleStatus {
    const KIND: &'static str = "article status";

    fn variants() -> &'static [Self] {
        &Self::ALL
    }

    fn as_text(self) -> &'static str {
        self.as_str()
    }
}

impl TextEnum for Role {
    const KIND: &'static str = "role";

    fn variants() -> &'static [Self] {
        &Self::ALL
    }

    fn as_text(self) -> &'static str {
        self.as_str()
    }
}

impl TextEnum for Visibility {
    const KIND: &'static str = "tag visibility";

    fn variants() -> &'static [Self] {
        &[Self::Public, Self::Internal]
    }

    fn as_text(self) -> &'static str {
        self.as_str()
    }
}

impl TextEnum for WebhookEvent {
    const KIND: &'static str = "webhook event";

    fn variants() -> &'static [Self] {
        &Self::ALL
    }

    fn as_text(self) -> &'static str {
        self.as_str()
    }
}

impl TextEnum for KeyKind {
    const KIND: &'static str = "key kind";

    fn variants() -> &'static [Self] {
        &[Self::Content, Self::Integration]
    }

    fn as_text(self) -> &'static str {
        match self {
            Self::Content => "content",
            Self::Integration => "integration",
        }
    }
}

impl TextEnum for DeliveryStatus {
    const KIND: &'static str = "delivery status";

    fn variants() -> &'static [Self] {
        &[Self::Pending, Self::Delivered, Self::Failed]
    }

    fn as_text(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: TextEnum + PartialEq>() {
        for v in T::variants() {
            assert_eq!(T::from_text(v.as_text()), Some(*v), "{v:?}");
        }
        assert_eq!(T::from_text("no-such-value"), None);
    }

    #[test]
    fn every_stored_spelling_reads_back() {
        round_trips::<ArticleStatus>();
        round_trips::<Role>();
        round_trips::<Visibility>();
        round_trips::<WebhookEvent>();
        round_trips::<KeyKind>();
        round_trips::<DeliveryStatus>();
    }

    #[test]
    fn an_unknown_value_is_named_in_the_error() {
        let e = UnknownValue::new(ArticleStatus::KIND, "deleted");
        assert_eq!(e.to_string(), "unknown article status \"deleted\" stored");
    }
}

/// Against a database: a stored value that no variant spells fails the read, naming it.
#[cfg(all(test, feature = "testing"))]
mod at_rest {
    use broadsheet_domain::time::now;
    use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};

    use crate::secrets::Keyring;
    use crate::testing::{TestDb, raw};
    use crate::{StoreError, webhooks};

    crate::backend_tests!(unknown_stored_values_are_errors);

    fn refused_naming(result: Result<impl std::fmt::Debug, StoreError>, field: &str, value: &str) {
        let error = result.expect_err("an unknown stored value");
        let StoreError::Internal(cause) = &error else {
            panic!("{error:?} is not an internal error");
        };
        // What the log shows: the field, and what was wrong with its value.
        assert_eq!(
            cause.to_string(),
            format!(
                "Error deserializing field '{field}': unknown webhook event \"{value}\" stored"
            )
        );
    }

    fn unknown_stored_values_are_errors(db: &TestDb) {
        let mut c = db.store.conn().expect("connection");
        let new = NewWebhook::parse(
            "https://partner.example/hook",
            "0123456789abcdef",
            &[WebhookEvent::TagCreated],
        )
        .expect("valid");
        let hook = webhooks::create(&mut c, &Keyring::default(), &new, now()).expect("hook");
        webhooks::record(&mut c, WebhookEvent::TagCreated, "e1", "{}", now()).expect("record");
        // An event this version does not know, in the list a webhook wants and in the outbox:
        // it used to be dropped from the list without a word.
        raw::execute(
            &mut c,
            "UPDATE webhooks SET events = 'tag.created,tag.renamed'",
        );
        refused_naming(webhooks::list(&mut c), "events", "tag.renamed");
        raw::execute(&mut c, "UPDATE webhooks SET events = 'tag.created'");
        raw::execute(&mut c, "UPDATE webhook_events SET event = 'tag.renamed'");
        refused_naming(
            webhooks::deliveries(&mut c, hook.id, 10),
            "event",
            "tag.renamed",
        );
    }
}
