//! Webhooks and their outbox.
//!
//! A change that announces an event calls [`record`] in its own transaction: the event and one
//! delivery per subscribed webhook are stored with the change or not at all, so no event is
//! lost if the process dies a moment later. A worker then [`claim_due`]s deliveries (a claim
//! is a lease: if the worker dies mid-delivery, the delivery is claimed again when the lease
//! runs out), posts them, and [`settle`]s each attempt. Several processes may run workers
//! against one database; a delivery is claimed by one at a time.

use broadsheet_domain::time::Timestamp;
use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
use diesel::prelude::*;

use crate::StoreError;
use crate::db::AnyConnection;
use crate::db::sql_types::DbTime;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_events, webhooks};
use crate::secrets::{Keyring, SecretError, Unreadable, place};

/// A registered webhook, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Row id.
    pub id: i64,
    /// Where deliveries go.
    pub url: String,
    /// What it wants.
    pub events: Vec<WebhookEvent>,
    /// False once disabled (by an administrator, or by a `410 Gone` answer).
    pub active: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// When it was registered.
    pub created_at: Timestamp,
}

type WebhookRow = (i64, String, String, bool, Option<String>, DbTime);

const COLUMNS: (
    webhooks::id,
    webhooks::url,
    webhooks::events,
    webhooks::active,
    webhooks::disabled_reason,
    webhooks::created_at,
) = (
    webhooks::id,
    webhooks::url,
    webhooks::events,
    webhooks::active,
    webhooks::disabled_reason,
    webhooks::created_at,
);

fn events_text(events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn events_of(text: &str) -> Vec<WebhookEvent> {
    text.split(',').filter_map(WebhookEvent::parse).collect()
}

fn webhook((id, url, events, active, disabled_reason, created_at): WebhookRow) -> Webhook {
    Webhook {
        id,
        url,
        events: events_of(&events),
        active,
        disabled_reason,
        created_at: created_at.0,
    }
}

/// Registers a webhook, its secret sealed with the keyring's master key if it has one.
pub fn create(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    new: &NewWebhook,
    now: Timestamp,
) -> Result<Webhook, StoreError> {
    conn.transaction(|c| {
        // The sealed secret is bound to the row's id, known once the row is in: until the
        // secret is set, in the same transaction, the row holds none.
        let row: WebhookRow = diesel::insert_into(webhooks::table)
            .values((
                webhooks::url.eq(new.url.as_str()),
                webhooks::secret.eq(""),
                webhooks::events.eq(events_text(&new.events)),
                webhooks::active.eq(true),
                webhooks::created_at.eq(DbTime(now)),
            ))
            .returning(COLUMNS)
            .get_result(c)?;
        set_secret(c, keyring, row.0, &new.secret)?;
        Ok(webhook(row))
    })
}

fn set_secret(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    id: i64,
    secret: &str,
) -> Result<(), StoreError> {
    let place = place::webhook(id);
    let sealed = keyring
        .seal(&place, secret)
        .map_err(|error| StoreError::internal(Unreadable { place, error }))?;
    diesel::update(webhooks::table.find(id))
        .set(webhooks::secret.eq(sealed))
        .execute(conn)?;
    Ok(())
}

/// Changes to a webhook; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    /// A new address.
    pub url: Option<broadsheet_domain::url::WebUrl>,
    /// A new secret.
    pub secret: Option<String>,
    /// A new set of events.
    pub events: Option<Vec<WebhookEvent>>,
    /// Enable (clearing the reason it was disabled) or disable.
    pub active: Option<bool>,
}

/// Changes a webhook (a new secret is sealed as [`create`] seals it).
pub fn update(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    id: i64,
    changes: &WebhookChanges,
) -> Result<Webhook, StoreError> {
    conn.transaction(|c| {
        let target = webhooks::table.find(id);
        let exists: Option<i64> = target.select(webhooks::id).first(c).optional()?;
        if exists.is_none() {
            return Err(StoreError::not_found("webhook"));
        }
        if let Some(url) = &changes.url {
            diesel::update(target)
                .set(webhooks::url.eq(url.as_str()))
                .execute(c)?;
        }
        if let Some(secret) = &changes.secret {
            set_secret(c, keyring, id, secret)?;
        }
        if let Some(events) = &changes.events {
            diesel::update(target)
                .set(webhooks::events.eq(events_text(events)))
                .execute(c)?;
        }
        if let Some(active) = changes.active {
            let reason = (!active).then_some("disabled by an administrator");
            diesel::update(target)
                .set((
                    webhooks::active.eq(active),
                    webhooks::disabled_reason.eq(reason),
                ))
                .execute(c)?;
            if !active {
                abandon_pending(c, id)?;
            }
        }
        Ok(webhook(target.select(COLUMNS).first(c)?))
    })
}

/// Fails a disabled webhook's waiting deliveries: they will not be sent, and turning the hook
/// back on does not flood its receiver with stale events.
fn abandon_pending(c: &mut AnyConnection, webhook: i64) -> Result<usize, StoreError> {
    Ok(diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook))
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str())),
    )
    .set(webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()))
    .execute(c)?)
}

/// Deletes a webhook with its deliveries.
pub fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    if diesel::delete(webhooks::table.find(id)).execute(conn)? == 0 {
        return Err(StoreError::not_found("webhook"));
    }
    Ok(())
}

/// Every webhook, oldest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Webhook>, StoreError> {
    Ok(webhooks::table
        .order(webhooks::id.asc())
        .select(COLUMNS)
        .load::<WebhookRow>(conn)?
        .into_iter()
        .map(webhook)
        .collect())
}

/// The webhook with this id.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Webhook>, StoreError> {
    Ok(webhooks::table
        .find(id)
        .select(COLUMNS)
        .first::<WebhookRow>(conn)
        .optional()?
        .map(webhook))
}

/// Stores an event for every active webhook that wants it; returns how many deliveries were
/// queued. An event nobody wants is not stored. Call it inside the transaction that makes the
/// change. `body` is what will be posted, byte for byte, on every attempt.
pub fn record(
    conn: &mut AnyConnection,
    event: WebhookEvent,
    event_id: &str,
    body: &str,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let hooks: Vec<(i64, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::events))
        .load(conn)?;
    let wanting: Vec<i64> = hooks
        .into_iter()
        .filter(|(_, events)| events_of(events).contains(&event))
        .map(|(id, _)| id)
        .collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    let row: i64 = diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::event_id.eq(event_id),
            webhook_events::event.eq(event.as_str()),
            webhook_events::payload.eq(body),
            webhook_events::created_at.eq(DbTime(now)),
        ))
        .returning(webhook_events::id)
        .get_result(conn)?;
    for hook in &wanting {
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_id.eq(hook),
                webhook_deliveries::event_row.eq(row),
                webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(DbTime(now)),
                webhook_deliveries::created_at.eq(DbTime(now)),
            ))
            .execute(conn)?;
    }
    Ok(wanting.len())
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or in flight).
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Out of attempts, or the webhook answered 410.
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A delivery claimed for one attempt.
#[derive(Debug, Clone)]
pub struct Due {
    /// The delivery.
    pub delivery: i64,
    /// The attempt row opened for this try.
    pub attempt: i64,
    /// Which try this is, from 1.
    pub number: u32,
    /// Until when the claim holds.
    pub lease_until: Timestamp,
    /// The webhook.
    pub webhook: i64,
    /// Where to post.
    pub url: String,
    /// What signs it: the webhook's secret, or why it cannot be read (sealed with a master
    /// key this process was not given, or altered).
    pub secret: Result<String, SecretError>,
    /// The event's stable id.
    pub event_id: String,
    /// The event.
    pub event: String,
    /// The body to post.
    pub body: String,
}

type DueRow = (
    i64,
    i32,
    DbTime,
    i64,
    String,
    String,
    String,
    String,
    String,
);

/// Claims up to `limit` deliveries that are due, each until `lease_until`, and opens an
/// attempt for each. A delivery that has already used `max_attempts` (because workers died
/// while delivering it) is marked failed instead. Secrets are opened with `keyring`.
pub fn claim_due(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
    max_attempts: u32,
) -> Result<Vec<Due>, StoreError> {
    let rows: Vec<DueRow> = webhook_deliveries::table
        .inner_join(webhooks::table)
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::next_attempt_at.le(DbTime(now)))
        .filter(webhooks::active.eq(true))
        .order((
            webhook_deliveries::next_attempt_at.asc(),
            webhook_deliveries::id.asc(),
        ))
        .limit(limit)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::attempts,
            webhook_deliveries::next_attempt_at,
            webhooks::id,
            webhooks::url,
            webhooks::secret,
            webhook_events::event_id,
            webhook_events::event,
            webhook_events::payload,
        ))
        .load(conn)?;
    let mut claimed = Vec::with_capacity(rows.len());
    for (delivery, attempts, due_at, webhook, url, secret, event_id, event, body) in rows {
        let used = u32::try_from(attempts).unwrap_or(0);
        let this = webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(delivery))
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_deliveries::next_attempt_at.eq(due_at));
        if used >= max_attempts {
            diesel::update(this)
                .set(webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()))
                .execute(conn)?;
            continue;
        }
        // Taken only if nobody else took it since it was read.
        let taken = diesel::update(this)
            .set((
                webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                webhook_deliveries::next_attempt_at.eq(DbTime(lease_until)),
            ))
            .execute(conn)?;
        if taken == 0 {
            continue;
        }
        let attempt: i64 = diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::delivery_id.eq(delivery),
                webhook_attempts::attempted_at.eq(DbTime(now)),
            ))
            .returning(webhook_attempts::id)
            .get_result(conn)?;
        claimed.push(Due {
            delivery,
            attempt,
            number: used + 1,
            lease_until,
            webhook,
            url,
            secret: keyring.open(&place::webhook(webhook), &secret),
            event_id,
            event,
            body,
        });
    }
    Ok(claimed)
}

/// What became of an attempt, and so of its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered: no more attempts.
    Delivered,
    /// Try again at this instant.
    RetryAt(Timestamp),
    /// No more attempts.
    GiveUp,
    /// No more attempts, and the webhook is disabled for this reason.
    Disable(String),
}

/// Records how an attempt went (`status`: the HTTP status answered, if any; `error`: what went
/// wrong) and settles the delivery by `verdict`, if the claim still holds. A claim that ran
/// out (the answer came after the lease, and another worker may have claimed the delivery
/// again) only records the attempt; returns whether the delivery was settled.
pub fn settle(
    conn: &mut AnyConnection,
    due: &Due,
    status: Option<u16>,
    error: Option<&str>,
    verdict: &Verdict,
) -> Result<bool, StoreError> {
    diesel::update(webhook_attempts::table.find(due.attempt))
        .set((
            webhook_attempts::response_status.eq(status.map(i32::from)),
            webhook_attempts::error.eq(error),
        ))
        .execute(conn)?;
    if let Verdict::Disable(reason) = verdict {
        // The receiver said it is gone, whoever holds the delivery now.
        diesel::update(webhooks::table.find(due.webhook))
            .set((
                webhooks::active.eq(false),
                webhooks::disabled_reason.eq(reason),
            ))
            .execute(conn)?;
        abandon_pending(conn, due.webhook)?;
        return Ok(true);
    }
    let held = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(due.delivery))
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::attempts.eq(i32::try_from(due.number).unwrap_or(i32::MAX)))
        .filter(webhook_deliveries::next_attempt_at.eq(DbTime(due.lease_until)));
    let settled = match verdict {
        Verdict::Delivered => diesel::update(held)
            .set(webhook_deliveries::status.eq(DeliveryStatus::Delivered.as_str()))
            .execute(conn)?,
        Verdict::RetryAt(at) => diesel::update(held)
            .set(webhook_deliveries::next_attempt_at.eq(DbTime(*at)))
            .execute(conn)?,
        Verdict::GiveUp | Verdict::Disable(_) => diesel::update(held)
            .set(webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()))
            .execute(conn)?,
    };
    Ok(settled > 0)
}

/// One delivery of one event to one webhook, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// The event's stable id (the same on every attempt).
    pub event_id: String,
    /// The event.
    pub event: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<Timestamp>,
    /// When the event happened.
    pub created_at: Timestamp,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
}

/// One try at a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// When it was made.
    pub attempted_at: Timestamp,
    /// The HTTP status the receiver answered, if it answered.
    pub response_status: Option<u16>,
    /// What went wrong, if something did. Neither this nor a status: still in flight, or the
    /// process making it stopped.
    pub error: Option<String>,
}

/// The latest `limit` deliveries of a webhook, newest first, with their attempts.
pub fn deliveries(
    conn: &mut AnyConnection,
    webhook: i64,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    let rows: Vec<(i64, String, String, String, DbTime, DbTime)> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select((
            webhook_deliveries::id,
            webhook_events::event_id,
            webhook_events::event,
            webhook_deliveries::status,
            webhook_deliveries::next_attempt_at,
            webhook_events::created_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let attempts: Vec<(i64, DbTime, Option<i32>, Option<String>)> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id.asc())
        .select((
            webhook_attempts::delivery_id,
            webhook_attempts::attempted_at,
            webhook_attempts::response_status,
            webhook_attempts::error,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, event_id, event, status, next, created_at)| {
            let status = DeliveryStatus::parse(&status);
            Delivery {
                id,
                event_id,
                event,
                status,
                next_attempt_at: (status == DeliveryStatus::Pending).then_some(next.0),
                created_at: created_at.0,
                attempts: attempts
                    .iter()
                    .filter(|a| a.0 == id)
                    .map(|(_, at, status, error)| Attempt {
                        attempted_at: at.0,
                        response_status: status.and_then(|s| u16::try_from(s).ok()),
                        error: error.clone(),
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Deletes events that happened before `before` and that no delivery is still waiting on,
/// with their deliveries and attempts; returns how many events went. Keeps the outbox from
/// growing for ever.
pub fn prune(conn: &mut AnyConnection, before: Timestamp) -> Result<usize, StoreError> {
    let waiting = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .select(webhook_deliveries::event_row);
    Ok(diesel::delete(
        webhook_events::table
            .filter(webhook_events::created_at.lt(DbTime(before)))
            .filter(diesel::dsl::not(webhook_events::id.eq_any(waiting))),
    )
    .execute(conn)?)
}
