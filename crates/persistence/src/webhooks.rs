//! Webhooks and their outbox.
//!
//! A change that announces an event calls [`record`] in its own transaction: the event and one
//! delivery per subscribed webhook are stored with the change or not at all, so no event is
//! lost if the process dies a moment later. A worker then [`claim_due`]s deliveries (a claim
//! is a lease: if the worker dies mid-delivery, the delivery is claimed again when the lease
//! runs out), posts them, and [`settle`]s each attempt. Several processes may run workers
//! against one database; a delivery is claimed by one at a time.

use broadsheet_domain::ids::{AttemptId, DeliveryId, WebhookId};
use broadsheet_domain::time::Timestamp;
use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
use diesel::prelude::*;

use crate::StoreError;
use crate::db::sql_types::DbTime;
use crate::db::stored::{Stored, StoredEvents};
use crate::db::{AnyConnection, MultiBackend};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_events, webhooks};
use crate::secrets::{Keyring, SecretError, Unreadable, place};

/// A registered webhook, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Row id.
    pub id: WebhookId,
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

/// A `webhooks` row, without its secret.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(MultiBackend))]
struct WebhookRow {
    id: i64,
    url: String,
    events: StoredEvents,
    active: bool,
    disabled_reason: Option<String>,
    created_at: DbTime,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Webhook {
            id: WebhookId(r.id),
            url: r.url,
            events: r.events.0,
            active: r.active,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at.0,
        }
    }
}

fn select() -> diesel::dsl::AsSelect<WebhookRow, MultiBackend> {
    WebhookRow::as_select()
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
                webhooks::events.eq(StoredEvents::text(&new.events)),
                webhooks::active.eq(true),
                webhooks::created_at.eq(DbTime(now)),
            ))
            .returning(<WebhookRow as Selectable<MultiBackend>>::construct_selection())
            .get_result(c)?;
        let hook = Webhook::from(row);
        set_secret(c, keyring, hook.id, &new.secret)?;
        Ok(hook)
    })
}

fn set_secret(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    id: WebhookId,
    secret: &str,
) -> Result<(), StoreError> {
    let place = place::webhook(id);
    let sealed = keyring
        .seal(&place, secret)
        .map_err(|error| StoreError::internal(Unreadable { place, error }))?;
    diesel::update(webhooks::table.find(id.0))
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
    id: WebhookId,
    changes: &WebhookChanges,
) -> Result<Webhook, StoreError> {
    conn.transaction(|c| {
        let target = webhooks::table.find(id.0);
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
                .set(webhooks::events.eq(StoredEvents::text(events)))
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
        Ok(Webhook::from(target.select(select()).first(c)?))
    })
}

/// Fails a disabled webhook's waiting deliveries: they will not be sent, and turning the hook
/// back on does not flood its receiver with stale events.
fn abandon_pending(c: &mut AnyConnection, webhook: WebhookId) -> Result<usize, StoreError> {
    Ok(diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook.0))
            .filter(webhook_deliveries::status.eq(PENDING)),
    )
    .set(webhook_deliveries::status.eq(FAILED))
    .execute(c)?)
}

/// Deletes a webhook with its deliveries.
pub fn delete(conn: &mut AnyConnection, id: WebhookId) -> Result<(), StoreError> {
    if diesel::delete(webhooks::table.find(id.0)).execute(conn)? == 0 {
        return Err(StoreError::not_found("webhook"));
    }
    Ok(())
}

/// Every webhook, oldest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Webhook>, StoreError> {
    Ok(webhooks::table
        .order(webhooks::id.asc())
        .select(select())
        .load::<WebhookRow>(conn)?
        .into_iter()
        .map(Webhook::from)
        .collect())
}

/// The webhook with this id.
pub fn get(conn: &mut AnyConnection, id: WebhookId) -> Result<Option<Webhook>, StoreError> {
    Ok(webhooks::table
        .find(id.0)
        .select(select())
        .first::<WebhookRow>(conn)
        .optional()?
        .map(Webhook::from))
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
    let hooks: Vec<Subscription> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(Subscription::as_select())
        .load(conn)?;
    let wanting: Vec<i64> = hooks
        .into_iter()
        .filter(|hook| hook.events.0.contains(&event))
        .map(|hook| hook.id)
        .collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    let row: i64 = diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::event_id.eq(event_id),
            webhook_events::event.eq(Stored(event)),
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
                webhook_deliveries::status.eq(PENDING),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(DbTime(now)),
                webhook_deliveries::created_at.eq(DbTime(now)),
            ))
            .execute(conn)?;
    }
    Ok(wanting.len())
}

/// What a webhook wants.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(MultiBackend))]
struct Subscription {
    id: i64,
    events: StoredEvents,
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

const PENDING: Stored<DeliveryStatus> = Stored(DeliveryStatus::Pending);
const FAILED: Stored<DeliveryStatus> = Stored(DeliveryStatus::Failed);
const DELIVERED: Stored<DeliveryStatus> = Stored(DeliveryStatus::Delivered);

/// A delivery claimed for one attempt.
#[derive(Debug, Clone)]
pub struct Due {
    /// The delivery.
    pub delivery: DeliveryId,
    /// The attempt row opened for this try.
    pub attempt: AttemptId,
    /// Which try this is, from 1.
    pub number: u32,
    /// Until when the claim holds.
    pub lease_until: Timestamp,
    /// The webhook.
    pub webhook: WebhookId,
    /// Where to post.
    pub url: String,
    /// What signs it: the webhook's secret, or why it cannot be read (sealed with a master
    /// key this process was not given, or altered).
    pub secret: Result<String, SecretError>,
    /// The event's stable id.
    pub event_id: String,
    /// The event.
    pub event: WebhookEvent,
    /// The body to post.
    pub body: String,
}

/// A due delivery, where it goes, and what it carries.
#[derive(Debug, Queryable, Selectable)]
#[diesel(check_for_backend(MultiBackend))]
struct DueRow {
    #[diesel(embed)]
    delivery: DueDelivery,
    #[diesel(embed)]
    hook: DueHook,
    #[diesel(embed)]
    event: EventRow,
}

/// The `webhook_deliveries` part of a [`DueRow`].
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(MultiBackend))]
struct DueDelivery {
    id: i64,
    attempts: i32,
    next_attempt_at: DbTime,
}

/// The `webhooks` part of a [`DueRow`]: where to post, and the stored (maybe sealed) secret.
#[derive(Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(MultiBackend))]
struct DueHook {
    id: i64,
    url: String,
    secret: String,
}

/// Never the secret.
impl std::fmt::Debug for DueHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueHook")
            .field("id", &self.id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A `webhook_events` row, as deliveries show it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_events, check_for_backend(MultiBackend))]
struct EventRow {
    event_id: String,
    event: Stored<WebhookEvent>,
    payload: String,
    created_at: DbTime,
}

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
        .filter(webhook_deliveries::status.eq(PENDING))
        .filter(webhook_deliveries::next_attempt_at.le(DbTime(now)))
        .filter(webhooks::active.eq(true))
        .order((
            webhook_deliveries::next_attempt_at.asc(),
            webhook_deliveries::id.asc(),
        ))
        .limit(limit)
        .select(DueRow::as_select())
        .load(conn)?;
    let mut claimed = Vec::with_capacity(rows.len());
    for DueRow {
        delivery,
        hook,
        event,
    } in rows
    {
        let used = u32::try_from(delivery.attempts).unwrap_or(0);
        let this = webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(delivery.id))
            .filter(webhook_deliveries::status.eq(PENDING))
            .filter(webhook_deliveries::next_attempt_at.eq(delivery.next_attempt_at));
        if used >= max_attempts {
            diesel::update(this)
                .set(webhook_deliveries::status.eq(FAILED))
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
                webhook_attempts::delivery_id.eq(delivery.id),
                webhook_attempts::attempted_at.eq(DbTime(now)),
            ))
            .returning(webhook_attempts::id)
            .get_result(conn)?;
        claimed.push(Due {
            delivery: DeliveryId(delivery.id),
            attempt: AttemptId(attempt),
            number: used + 1,
            lease_until,
            webhook: WebhookId(hook.id),
            url: hook.url,
            secret: keyring.open(&place::webhook(WebhookId(hook.id)), &hook.secret),
            event_id: event.event_id,
            event: event.event.0,
            body: event.payload,
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
    diesel::update(webhook_attempts::table.find(due.attempt.0))
        .set((
            webhook_attempts::response_status.eq(status.map(i32::from)),
            webhook_attempts::error.eq(error),
        ))
        .execute(conn)?;
    if let Verdict::Disable(reason) = verdict {
        // The receiver said it is gone, whoever holds the delivery now.
        diesel::update(webhooks::table.find(due.webhook.0))
            .set((
                webhooks::active.eq(false),
                webhooks::disabled_reason.eq(reason),
            ))
            .execute(conn)?;
        abandon_pending(conn, due.webhook)?;
        return Ok(true);
    }
    let held = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(due.delivery.0))
        .filter(webhook_deliveries::status.eq(PENDING))
        .filter(webhook_deliveries::attempts.eq(i32::try_from(due.number).unwrap_or(i32::MAX)))
        .filter(webhook_deliveries::next_attempt_at.eq(DbTime(due.lease_until)));
    let settled = match verdict {
        Verdict::Delivered => diesel::update(held)
            .set(webhook_deliveries::status.eq(DELIVERED))
            .execute(conn)?,
        Verdict::RetryAt(at) => diesel::update(held)
            .set(webhook_deliveries::next_attempt_at.eq(DbTime(*at)))
            .execute(conn)?,
        Verdict::GiveUp | Verdict::Disable(_) => diesel::update(held)
            .set(webhook_deliveries::status.eq(FAILED))
            .execute(conn)?,
    };
    Ok(settled > 0)
}

/// One delivery of one event to one webhook, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Row id.
    pub id: DeliveryId,
    /// The event's stable id (the same on every attempt).
    pub event_id: String,
    /// The event.
    pub event: WebhookEvent,
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

/// A delivery as listed, with its event.
#[derive(Debug, Queryable, Selectable)]
#[diesel(check_for_backend(MultiBackend))]
struct DeliveryRow {
    #[diesel(embed)]
    delivery: DeliveryPart,
    #[diesel(embed)]
    event: EventRow,
}

/// The `webhook_deliveries` part of a [`DeliveryRow`].
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(MultiBackend))]
struct DeliveryPart {
    id: i64,
    status: Stored<DeliveryStatus>,
    next_attempt_at: DbTime,
}

/// A `webhook_attempts` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(MultiBackend))]
struct AttemptRow {
    delivery_id: i64,
    attempted_at: DbTime,
    response_status: Option<i32>,
    error: Option<String>,
}

impl From<&AttemptRow> for Attempt {
    fn from(a: &AttemptRow) -> Self {
        Attempt {
            attempted_at: a.attempted_at.0,
            response_status: a.response_status.and_then(|s| u16::try_from(s).ok()),
            error: a.error.clone(),
        }
    }
}

/// The latest `limit` deliveries of a webhook, newest first, with their attempts.
pub fn deliveries(
    conn: &mut AnyConnection,
    webhook: WebhookId,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    let rows: Vec<DeliveryRow> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook.0))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.delivery.id).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|DeliveryRow { delivery, event }| {
            let status = delivery.status.0;
            Delivery {
                id: DeliveryId(delivery.id),
                event_id: event.event_id,
                event: event.event.0,
                status,
                next_attempt_at: (status == DeliveryStatus::Pending)
                    .then_some(delivery.next_attempt_at.0),
                created_at: event.created_at.0,
                attempts: attempts
                    .iter()
                    .filter(|a| a.delivery_id == delivery.id)
                    .map(Attempt::from)
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
        .filter(webhook_deliveries::status.eq(PENDING))
        .select(webhook_deliveries::event_row);
    Ok(diesel::delete(
        webhook_events::table
            .filter(webhook_events::created_at.lt(DbTime(before)))
            .filter(diesel::dsl::not(webhook_events::id.eq_any(waiting))),
    )
    .execute(conn)?)
}

/// How many deliveries wait to be made or retried (the outbox's depth).
pub fn pending_deliveries(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .count()
        .get_result(conn)?)
}
