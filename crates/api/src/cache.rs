//! The response cache: public reads (anonymous GraphQL queries, the JSON Content API, feeds)
//! kept in memory, bounded in bytes, and never stale.
//!
//! Every entry records the content version it was built at (see
//! [`broadsheet_persistence::content`]: a counter that triggers move with every change to what
//! readers can be shown) and what it depends on: the surrogate keys of what it shows, and the
//! hidden keys of what it read without showing (see [`Dependencies`]). The same triggers
//! journal, with each change, the keys it touched, before and after. An entry is served while
//! no change since the version it was last known fresh at touched one of its keys (it is then
//! known fresh at the current version), and only until the next scheduled article comes due
//! (from then on it reads as published, with no write). The version and the journal are
//! re-read after every mutation this process answers, before the mutation's response goes
//! out (so a client that writes and then reads sees its write), after each scheduler pass,
//! and every `--cache-refresh` milliseconds (so writes made by other replicas or by the CLI
//! are seen within that time). When the journal cannot say what changed (first sync, a gap
//! it has pruned, a change to everything), every entry goes.
//!
//! A response is stored under the version read *before* it was built: a write that lands
//! while it is being built, and touches what it depends on, keeps it out rather than letting
//! old content live on.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use actix_web::http::header::{
    CacheControl, CacheDirective, EntityTag, HeaderName, HeaderValue, TryIntoHeaderValue as _,
};
use actix_web::web::Bytes;
use broadsheet_domain::clock::Clock;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::content::{self, Changes, ContentState};
use broadsheet_persistence::{Store, StoreError};
use chrono::TimeDelta;

pub use self::encoding::Coding;
pub use self::flight::Flight;
use self::flight::{Flights, Joined};
use self::journal::Known;
use crate::background::Pulse;

/// A response as cached: everything needed to answer it again, byte for byte. Its headers are
/// kept as header values, made once: a hit clones them (a reference count) instead of parsing
/// and copying each string again.
#[derive(Debug)]
pub struct Cached {
    /// The body.
    pub body: Bytes,
    /// The body in each [`Coding`] (indexed by [`Coding::index`]), made once (when the
    /// response is cached, or the first time a client that takes it asks) and kept:
    /// compressing per request cut cached throughput sevenfold. `None` inside when the coding
    /// does not make it smaller.
    encoded: [OnceLock<Option<Bytes>>; 2],
    /// Its entity tag (with the quotes, and `W/` when weak).
    etag: Option<HeaderValue>,
    /// The entity tag of each encoded representation: its [`Coding::etag_suffix`] added
    /// inside the quotes.
    encoded_etags: [Option<HeaderValue>; 2],
    /// `Last-Modified`, when the representation has one.
    last_modified: Option<HeaderValue>,
    /// `Surrogate-Key`: the articles, tags and authors (and lists) it shows, for CDN purges.
    surrogate_keys: Option<HeaderValue>,
    /// The same keys as `Cache-Tag` wants them, comma-separated.
    cache_tag: Option<HeaderValue>,
    /// Every key it depends on, shown or hidden, sorted: a change to one drops it.
    deps: Box<[Box<str>]>,
}

/// `s` as a header value; `None` when empty or not a valid header value.
fn header_value(s: &str) -> Option<HeaderValue> {
    (!s.is_empty())
        .then(|| HeaderValue::from_str(s).ok())
        .flatten()
}

/// A header's text, for comparing (`""` when absent).
fn text(value: Option<&HeaderValue>) -> &str {
    value.and_then(|v| v.to_str().ok()).unwrap_or("")
}

const SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");
const CACHE_TAG: HeaderName = HeaderName::from_static("cache-tag");
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

impl Cached {
    /// A response to cache.
    pub fn new(
        body: Bytes,
        etag: EntityTag,
        last_modified: Option<String>,
        deps: Dependencies,
    ) -> Self {
        let encoded_etags = Coding::ALL.map(|coding| {
            let tag = format!("{}{}", etag.tag(), coding.etag_suffix());
            header_value(&EntityTag::new(etag.weak, tag).to_string())
        });
        let (surrogate_keys, deps) = deps.split();
        // A body written into a growing buffer holds up to twice its length, which the cache
        // would keep without counting: what is kept is what is counted.
        let body = Bytes::copy_from_slice(&body);
        Self {
            deps,
            body,
            encoded: Default::default(),
            etag: header_value(&etag.to_string()),
            encoded_etags,
            last_modified: last_modified.as_deref().and_then(header_value),
            cache_tag: header_value(&surrogate_keys.replace(' ', ",")),
            surrogate_keys: header_value(&surrogate_keys),
        }
    }

    /// The representation in `coding`, compressed on first use; `None` when the coding does
    /// not make the body smaller.
    pub fn encoded(&self, coding: Coding) -> Option<&Bytes> {
        self.encoded[coding.index()]
            .get_or_init(|| coding.encode(&self.body))
            .as_ref()
    }

    /// Makes every representation now, so that what is kept is counted in full and no hit
    /// compresses.
    fn encode_all(&self) {
        for coding in Coding::ALL {
            self.encoded(coding);
        }
    }

    fn size(&self, key: &str) -> usize {
        let header = |v: &Option<HeaderValue>| v.as_ref().map_or(0, HeaderValue::len);
        // The map's own overhead, roughly, besides what the entry holds.
        key.len()
            + self.body.len()
            + self
                .encoded
                .iter()
                .filter_map(|e| e.get().and_then(Option::as_ref))
                .map(Bytes::len)
                .sum::<usize>()
            + header(&self.etag)
            + self.encoded_etags.iter().map(header).sum::<usize>()
            + header(&self.last_modified)
            + header(&self.surrogate_keys)
            + header(&self.cache_tag)
            + self.deps.iter().map(|d| d.len() + 16).sum::<usize>()
            + 128
    }
}

#[derive(Clone)]
struct Entry {
    response: Arc<Cached>,
    /// The latest version it is known fresh at: moved forward by the lookups that find none
    /// of its keys changed since (shared by the clones the shelves hand out).
    checked: Arc<AtomicI64>,
    built_at: Timestamp,
}

/// Which part of the cache a response is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shelf {
    /// Something was found: what readers come back for.
    Found,
    /// An answer about nothing (an unknown slug, an empty list): anyone can ask for endless
    /// such things, so they are kept apart, in [`NOTHING_SHARE`] of the bytes, where a flood
    /// of them pushes out only each other.
    Nothing,
}

/// The share of the cache's bytes that answers about nothing may take.
pub const NOTHING_SHARE: usize = 16;

/// The cache; one per process, shared by every worker.
///
/// The entries live in `moka` caches weighted by bytes: admission by frequency (a key asked
/// for once does not push out one asked for all the time), eviction without a global sort.
pub struct ResponseCache {
    max_bytes: usize,
    /// Tells when an entry has outlived [`MAX_AGE`] or a scheduled article has come due.
    clock: Clock,
    known: RwLock<Known>,
    /// One refresh at a time: each learns the changes after the version the last one saw.
    refreshing: tokio::sync::Mutex<()>,
    found: moka::sync::Cache<String, Entry>,
    nothing: moka::sync::Cache<String, Entry>,
    /// The responses being built, so that each is built once however many ask at a time.
    flights: Flights,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

/// The longest an entry is kept, however fresh: a safety net, not the mechanism.
const MAX_AGE: TimeDelta = TimeDelta::minutes(10);

/// The most journal rows one refresh reads; past that, starting over is cheaper.
const MAX_JOURNAL_ROWS: usize = 50_000;

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// A fresh response.
    Hit(Arc<Cached>),
    /// Nothing fresh: build the response, then [`ResponseCache::put`] it with this ticket.
    Miss(Ticket),
    /// The cache is off.
    Off,
}

/// The content version and instant a response is being built at; from
/// [`ResponseCache::lookup`], also the lead of its build (see [`flight`]): others asking for
/// the same response wait until the ticket is dropped, after the response is kept.
#[derive(Debug)]
pub struct Ticket {
    version: i64,
    at: Timestamp,
    flight: Option<Flight>,
}

impl Ticket {
    /// Whether this ticket leads the build of its response: others asking for it meanwhile
    /// wait until it is dropped.
    pub fn leads(&self) -> bool {
        self.flight.is_some()
    }
}

fn shelf(max_bytes: usize) -> moka::sync::Cache<String, Entry> {
    moka::sync::Cache::builder()
        .max_capacity(max_bytes as u64)
        .weigher(|key: &String, entry: &Entry| {
            u32::try_from(entry.response.size(key)).unwrap_or(u32::MAX)
        })
        .build()
}

impl ResponseCache {
    /// A cache of at most `max_bytes` (0: off), telling the time by `clock`, not yet
    /// synchronised with the database.
    pub fn new(max_bytes: usize, clock: Clock) -> Self {
        let nothing = max_bytes / NOTHING_SHARE;
        Self {
            max_bytes,
            clock,
            known: RwLock::new(Known::unsynced()),
            refreshing: tokio::sync::Mutex::new(()),
            found: shelf(max_bytes - nothing),
            nothing: shelf(nothing),
            flights: Flights::default(),
        }
    }

    /// Whether anything is ever cached.
    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    fn known(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        self.known.read().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(entry: &Entry, known: &Known, now: Timestamp) -> bool {
        if now - entry.built_at >= MAX_AGE
            || known
                .next_due
                .is_some_and(|due| due <= now && entry.built_at < due)
        {
            return false;
        }
        let since = entry.checked.load(Ordering::Acquire);
        if since == known.version {
            return true;
        }
        let fresh = known.unchanged(since, &entry.response.deps);
        if fresh {
            entry.checked.fetch_max(known.version, Ordering::AcqRel);
        }
        fresh
    }

    /// The fresh response for `key`, if there is one.
    pub fn get(&self, key: &str) -> Lookup {
        if !self.enabled() {
            return Lookup::Off;
        }
        let known = self.known();
        let at = self.clock.now();
        let ticket = Ticket {
            version: known.version,
            at,
            flight: None,
        };
        if known.version == i64::MIN {
            // Not synchronised yet: nothing can be trusted, and nothing stored.
            return Lookup::Miss(ticket);
        }
        for shelf in [&self.found, &self.nothing] {
            if let Some(entry) = shelf.get(key) {
                if Self::fresh(&entry, &known, at) {
                    return Lookup::Hit(entry.response);
                }
                shelf.invalidate(key);
            }
        }
        Lookup::Miss(ticket)
    }

    /// The fresh response for `key`, as [`get`](Self::get) finds it, except that when
    /// another client is building it, this one waits for that build (see [`flight`]). On a
    /// miss, the ticket leads the build: keep the response with it, or drop it.
    pub async fn lookup(&self, key: &str) -> Lookup {
        let ticket = match self.get(key) {
            Lookup::Miss(ticket) if ticket.version != i64::MIN => ticket,
            // Hit, off, or not synchronised (nothing would be kept for anyone to wait for).
            found => return found,
        };
        match self.flights.join(key).await {
            Joined::Lead(flight) => Lookup::Miss(Ticket {
                flight: Some(flight),
                ..ticket
            }),
            // Kept by the build waited for, or built alone now under a ticket of its own.
            Joined::Waited => self.get(key),
        }
    }

    /// Keeps `response` for `key` on `shelf`, as built under `ticket`; returns it shared.
    /// Ends the ticket's build: those waiting for it look again.
    pub fn put(&self, key: String, ticket: Ticket, shelf: Shelf, response: Cached) -> Arc<Cached> {
        let response = Arc::new(response);
        self.put_shared(key, &ticket, shelf, Arc::clone(&response));
        drop(ticket);
        response
    }

    /// Keeps a response already kept under another key under `key` too (a request's raw
    /// form, say, besides its normalized one). Its bytes are counted again: the cache errs
    /// on the side of holding less.
    pub fn put_shared(&self, key: String, ticket: &Ticket, shelf: Shelf, response: Arc<Cached>) {
        // Compressed now, once, so that what is kept is counted in full.
        response.encode_all();
        let size = response.size(&key);
        let (cache, room) = match shelf {
            Shelf::Found => (&self.found, self.max_bytes - self.max_bytes / NOTHING_SHARE),
            Shelf::Nothing => (&self.nothing, self.max_bytes / NOTHING_SHARE),
        };
        // Held until it is in: a refresh learning of a change meanwhile waits, then drops it
        // if the change touches it.
        let known = self.known();
        if ticket.version == i64::MIN
            || size > room / 4
            || !known.unchanged(ticket.version, &response.deps)
        {
            return;
        }
        cache.insert(
            key,
            Entry {
                response,
                checked: Arc::new(AtomicI64::new(known.version)),
                built_at: ticket.at,
            },
        );
    }

    /// Bytes held now (after pending evictions are carried out).
    pub fn bytes(&self) -> usize {
        [&self.found, &self.nothing]
            .iter()
            .map(|shelf| {
                shelf.run_pending_tasks();
                usize::try_from(shelf.weighted_size()).unwrap_or(usize::MAX)
            })
            .sum()
    }

    /// Re-reads the content version (and next scheduled instant) from the database, and the
    /// journal of what the changes since the last refresh touched; the entries depending on
    /// any of it stop being served. When the journal cannot say, every entry goes.
    pub async fn refresh(&self, store: &Store) -> Result<(), StoreError> {
        if !self.enabled() {
            return Ok(());
        }
        let _one_at_a_time = self.refreshing.lock().await;
        let state = store.read(content::state).await?;
        let from = self.known().version;
        let changes = if from == i64::MIN || state.version < from {
            Changes::Unknown
        } else {
            let upto = state.version;
            store
                .read(move |c| content::changes(c, from, upto, MAX_JOURNAL_ROWS))
                .await?
        };
        self.learn(state, changes);
        Ok(())
    }

    /// Takes in what changed up to `state` since the version known last.
    fn learn(&self, state: ContentState, changes: Changes) {
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        let learnt = match changes {
            Changes::Keys(keys) => known.learn(state, keys),
            Changes::Unknown => false,
        };
        if !learnt {
            known.restart(state);
            self.found.invalidate_all();
            self.nothing.invalidate_all();
        }
    }

    /// Trusts nothing until the next refresh.
    fn forget(&self) {
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        *known = Known::unsynced();
        self.found.invalidate_all();
        self.nothing.invalidate_all();
    }

    /// Re-reads the version every `interval` (or when `pulse` asks), for as long as the
    /// server runs.
    pub async fn watch(self: Arc<Self>, store: Store, interval: Duration, pulse: Pulse) {
        if !self.enabled() {
            return;
        }
        loop {
            let pass = pulse.begin();
            if let Err(error) = self.refresh(&store).await {
                // Unknown state: trust nothing until the database answers again.
                self.forget();
                tracing::warn!(%error, "could not read the content version; not caching");
            }
            pulse.finish(pass);
            pulse.wait(interval).await;
        }
    }
}

/// How long a listener waits for a change before it looks again whether the cache is still
/// in use, and how many such waits pass between checks of its connection.
const LISTEN_WAIT: Duration = Duration::from_secs(1);
const LISTEN_CHECK_EVERY: u32 = 10;

/// The longest pause between attempts to connect a listener again.
const LISTEN_RETRY_MAX: Duration = Duration::from_secs(30);

impl ResponseCache {
    /// On PostgreSQL, makes the cache's refresher (woken through `pulse`, the one [`watch`]
    /// runs under) run as soon as any writer commits a change, on this replica or another, by
    /// listening for the notifications the content triggers send (see
    /// [`broadsheet_persistence::listen`]). The poll every `--cache-refresh-ms` stays, for
    /// when the listening connection is down: a lost connection is opened again (after a
    /// pause that doubles up to 30 s), and each time it is, the refresher runs, re-reading
    /// what changed while nothing was heard. Runs on a thread of its own, until the cache is
    /// dropped. Nothing on SQLite.
    ///
    /// [`watch`]: ResponseCache::watch
    pub fn listen(self: &Arc<Self>, url: &broadsheet_persistence::db::DatabaseUrl, pulse: Pulse) {
        if !self.enabled() || url.backend() != broadsheet_persistence::db::Backend::Postgres {
            return;
        }
        let (cache, url) = (Arc::downgrade(self), url.clone());
        let spawned = std::thread::Builder::new()
            .name("cache-listener".into())
            .spawn(move || listen_while_used(&cache, &url, &pulse));
        if let Err(error) = spawned {
            tracing::warn!(%error, "could not start the change listener; polling only");
        }
    }
}

fn listen_while_used(
    cache: &std::sync::Weak<ResponseCache>,
    url: &broadsheet_persistence::db::DatabaseUrl,
    pulse: &Pulse,
) {
    use broadsheet_persistence::listen::ChangeListener;
    let mut retry = Duration::from_millis(500);
    while cache.strong_count() > 0 {
        let mut listener = match ChangeListener::connect(url) {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "change listener: cannot connect; polling until it can");
                std::thread::sleep(retry);
                retry = (retry * 2).min(LISTEN_RETRY_MAX);
                continue;
            }
        };
        retry = Duration::from_millis(500);
        tracing::debug!(channel = listener.channel(), "change listener: listening");
        // Whatever changed while nothing listened.
        pulse.wake();
        let mut quiet = 0;
        let lost = loop {
            if cache.strong_count() == 0 {
                return;
            }
            match listener.wait(LISTEN_WAIT) {
                Ok(true) => {
                    quiet = 0;
                    pulse.wake();
                }
                Ok(false) => {
                    quiet += 1;
                    if quiet >= LISTEN_CHECK_EVERY {
                        quiet = 0;
                        if let Err(error) = listener.check() {
                            break error;
                        }
                    }
                }
                Err(error) => break error,
            }
        };
        tracing::warn!(error = %lost, "change listener: connection lost; connecting again");
    }
}

/// The `Cache-Control` of a public response: browsers and CDNs may keep it `max_age` seconds,
/// and CDNs may serve it `stale_while_revalidate` seconds longer while they fetch a new one.
pub fn cache_control(max_age: u32, stale_while_revalidate: u32) -> HeaderValue {
    CacheControl(vec![
        CacheDirective::Public,
        CacheDirective::MaxAge(max_age),
        CacheDirective::SMaxAge(max_age),
        CacheDirective::Extension(
            "stale-while-revalidate".into(),
            Some(stale_while_revalidate.to_string()),
        ),
    ])
    .try_into_value()
    // Digits and ASCII: always a valid header value.
    .unwrap_or_else(|_| HeaderValue::from_static("no-cache"))
}

/// How to answer a cacheable response.
pub struct Served<'a> {
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Vary`.
    pub vary: &'static str,
    /// `Cache-Control` (see [`cache_control`]).
    pub cache_control: &'a HeaderValue,
    /// Whether it came from the cache (`X-Cache: HIT` or `MISS`).
    pub hit: bool,
    /// Any other headers.
    pub extra: &'a [(HeaderName, HeaderValue)],
}

fn etag_matches(header: &str, etag: &str) -> bool {
    // Weak comparison, as `If-None-Match` asks: `W/"x"` matches `"x"`; and an encoded
    // representation's tag matches the identity one's.
    let bare = |t: &str| {
        let t = t.trim().trim_start_matches("W/");
        let inner = t
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(t);
        Coding::ALL
            .into_iter()
            .find_map(|coding| inner.strip_suffix(coding.etag_suffix()))
            .unwrap_or(inner)
            .to_owned()
    };
    header
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// Answers with `cached`: `304 Not Modified` when the client holds it (`If-None-Match`, or
/// `If-Modified-Since` when there is no entity tag to compare), else the body; with the
/// caching headers, `Surrogate-Key` and `Cache-Tag` naming what it shows, and `X-Cache`.
pub fn respond(
    req: &actix_web::HttpRequest,
    cached: &Cached,
    how: &Served<'_>,
) -> actix_web::HttpResponse {
    use actix_web::http::header;
    let headers = req.headers();
    let held = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => etag_matches(tags, text(cached.etag.as_ref())),
        None => match (
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok()),
            cached.last_modified.as_ref().and_then(|v| v.to_str().ok()),
        ) {
            (Some(since), Some(last)) => {
                match (
                    chrono::DateTime::parse_from_rfc2822(since),
                    chrono::DateTime::parse_from_rfc2822(last),
                ) {
                    (Ok(since), Ok(last)) => last.timestamp() <= since.timestamp(),
                    _ => false,
                }
            }
            _ => false,
        },
    };
    let mut res = if held {
        actix_web::HttpResponse::NotModified()
    } else {
        actix_web::HttpResponse::Ok()
    };
    let encoded = encoded_for(req, cached);
    let etag = match encoded {
        Some((coding, _)) => &cached.encoded_etags[coding.index()],
        None => &cached.etag,
    };
    res.insert_header((header::CACHE_CONTROL, how.cache_control.clone()))
        .insert_header((header::VARY, HeaderValue::from_static(how.vary)))
        .insert_header((
            X_CACHE,
            HeaderValue::from_static(if how.hit { "HIT" } else { "MISS" }),
        ));
    for (name, value) in [
        (header::ETAG, etag),
        (header::LAST_MODIFIED, &cached.last_modified),
        (SURROGATE_KEY, &cached.surrogate_keys),
        (CACHE_TAG, &cached.cache_tag),
    ] {
        if let Some(value) = value {
            res.insert_header((name, value.clone()));
        }
    }
    for (name, value) in how.extra {
        res.insert_header((name.clone(), value.clone()));
    }
    if held {
        return res.finish();
    }
    res.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static(how.content_type),
    ));
    match encoded {
        Some((coding, body)) => {
            res.insert_header((header::CONTENT_ENCODING, coding.header_value()));
            res.body(body.clone())
        }
        None => res.body(cached.body.clone()),
    }
}

/// The representation of `cached` to send for `req` (see [`encoding::choose`]), `None` for
/// the identity body. Sent with its `Content-Encoding`, which also keeps the compression
/// middleware off it.
pub fn encoded_for<'c>(
    req: &actix_web::HttpRequest,
    cached: &'c Cached,
) -> Option<(Coding, &'c Bytes)> {
    let coding = encoding::choose(encoding::accept_encoding(req), |c| {
        cached.encoded(c).is_some()
    })?;
    Some((coding, cached.encoded(coding)?))
}

/// The strong entity tag of a body: a hash of its bytes.
pub fn etag_of(body: &[u8]) -> EntityTag {
    // Not a secret nor a signature: only equal bodies must give equal tags, on every replica
    // and across restarts (XXH3-128 is fixed by its specification, not by a random seed).
    let hash = xxhash_rust::xxh3::xxh3_128(body);
    EntityTag::new_strong(crate::hex::encode(&hash.to_be_bytes()))
}

/// What a response depends on: the keys of what it shows (its public `Surrogate-Key`), and
/// the hidden keys of what it read without showing (a draft behind a curated link, an
/// internal tag, the suggestion pools of its tags, every article for a search...), which a
/// change must drop it for all the same, but which the public header does not name.
#[derive(Debug, Clone, Default)]
pub struct Dependencies {
    shown: Vec<String>,
    hidden: Vec<String>,
}

impl Dependencies {
    /// A response showing `keys`.
    pub fn shown<I: IntoIterator<Item = String>>(keys: I) -> Self {
        Self {
            shown: keys.into_iter().collect(),
            hidden: Vec::new(),
        }
    }

    /// Records that the response shows `key`.
    pub fn show(&mut self, key: String) {
        self.shown.push(key);
    }

    /// Records that the response read what `key` names without showing it.
    pub fn read(&mut self, key: String) {
        self.hidden.push(key);
    }

    /// The `Surrogate-Key` value, and every key, sorted and deduplicated.
    fn split(self) -> (String, Box<[Box<str>]>) {
        let mut all: Vec<Box<str>> = self
            .shown
            .iter()
            .chain(&self.hidden)
            .map(|k| k.as_str().into())
            .collect();
        all.sort_unstable();
        all.dedup();
        (surrogate_keys(self.shown), all.into_boxed_slice())
    }
}

/// What a GraphQL response depends on, gathered while it is built.
#[derive(Debug, Clone, Default)]
pub struct Surrogates(Arc<Mutex<Dependencies>>);

impl Surrogates {
    /// Records that the response shows `key` (`article:<uuid>`, `tag:<id>`, `articles`...).
    pub fn add(&self, key: String) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).show(key);
    }

    /// Records that the response read what `key` names without showing it.
    pub fn depend(&self, key: String) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).read(key);
    }

    /// Everything recorded.
    pub fn take(&self) -> Dependencies {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Builds a `Surrogate-Key` value: space-separated, deduplicated, at most `MAX_KEYS_BYTES`
/// long (past that, only the list keys, which purge at least as much).
pub fn surrogate_keys<I: IntoIterator<Item = String>>(keys: I) -> String {
    const MAX_KEYS_BYTES: usize = 8 * 1024;
    let mut keys: Vec<String> = keys.into_iter().collect();
    keys.sort_unstable();
    keys.dedup();
    let joined = keys.join(" ");
    if joined.len() <= MAX_KEYS_BYTES {
        return joined;
    }
    keys.retain(|k| !k.contains(':'));
    keys.join(" ")
}

/// A GraphQL document with insignificant whitespace, commas and comments removed, so that the
/// same query laid out differently is cached once.
///
/// Only what the GraphQL lexer ignores is removed: tab, space, line breaks, commas, the byte
/// order mark and comments. Any other character, a no-break space say, is kept as written,
/// so an invalid document never shares a key with a valid one. A space is dropped only where
/// a punctuator stands beside it (`{`, `(`, `:`…), which splits tokens on its own; between
/// any two other characters one space is kept. Strings and block strings are kept as they
/// are.
pub fn normalize_query(query: &str) -> String {
    // Not `.`: `. . .` is not the spread `...`, and must not be read as one.
    let punctuator = |c: char| "!$&()[]{}:=@|".contains(c);
    let ignored = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | ',' | '\u{feff}');
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
                pending_space = true;
            }
            c if ignored(c) => pending_space = true,
            '"' => {
                // `"" ""` must not run together into `""""`, a block string's start.
                if pending_space && out.ends_with('"') {
                    out.push(' ');
                }
                pending_space = false;
                out.push('"');
                let block = chars.peek() == Some(&'"') && {
                    let mut look = chars.clone();
                    look.next();
                    look.peek() == Some(&'"')
                };
                if block {
                    out.push_str("\"\"");
                    chars.next();
                    chars.next();
                    let mut quotes = 0;
                    let mut escaped = false;
                    for c in chars.by_ref() {
                        out.push(c);
                        quotes = if c == '"' && !escaped { quotes + 1 } else { 0 };
                        escaped = c == '\\';
                        if quotes == 3 {
                            break;
                        }
                    }
                } else {
                    let mut escaped = false;
                    for c in chars.by_ref() {
                        out.push(c);
                        if escaped {
                            escaped = false;
                        } else if c == '\\' {
                            escaped = true;
                        } else if c == '"' {
                            break;
                        }
                    }
                }
            }
            c => {
                if pending_space
                    && !punctuator(c)
                    && out.chars().next_back().is_some_and(|p| !punctuator(p))
                {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            }
        }
    }
    out
}

pub mod encoding;
pub mod flight;
#[cfg(test)]
mod fuzz;
mod journal;
pub mod surrogate;

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(body: &str) -> Cached {
        depending(body, &[])
    }

    fn depending(body: &str, keys: &[&str]) -> Cached {
        let mut deps = Dependencies::shown(keys.iter().map(|k| (*k).to_owned()));
        deps.read("hidden".into());
        Cached::new(
            Bytes::from(body.to_owned()),
            EntityTag::new_strong("x".into()),
            None,
            deps,
        )
    }

    /// Synchronised at `version`, not knowing what changed: everything goes.
    fn synced(cache: &ResponseCache, version: i64, next_due: Option<Timestamp>) {
        cache.learn(ContentState { version, next_due }, Changes::Unknown);
    }

    /// The changes up to `version` touched `keys`.
    fn changed(cache: &ResponseCache, version: i64, keys: &[&str]) {
        let rows = keys.iter().map(|k| (version, (*k).to_owned())).collect();
        cache.learn(
            ContentState {
                version,
                next_due: None,
            },
            Changes::Keys(rows),
        );
    }

    fn hit(cache: &ResponseCache, key: &str) -> bool {
        matches!(cache.get(key), Lookup::Hit(_))
    }

    #[test]
    fn a_change_drops_only_what_depends_on_it() {
        let cache = ResponseCache::new(1 << 20, Clock::system());
        synced(&cache, 1, None);
        for (key, deps) in [
            ("a", &["article:a", "tag:1"][..]),
            ("b", &["article:b", "tag:2"][..]),
        ] {
            let t = ticket(&cache, key);
            cache.put(key.into(), t, Shelf::Found, depending(key, deps));
        }
        changed(&cache, 2, &["article:a", "articles:any"]);
        assert!(!hit(&cache, "a"));
        assert!(hit(&cache, "b"), "untouched");
        // Known fresh at 2 now: a change at 3 to what `b` does not show leaves it.
        changed(&cache, 3, &["tag:1"]);
        assert!(hit(&cache, "b"));
        // A hidden dependency counts too, though the header does not name it.
        changed(&cache, 4, &["hidden"]);
        assert!(!hit(&cache, "b"));
        // A change to everything, or one the journal cannot tell: everything goes.
        let t = ticket(&cache, "c");
        cache.put("c".into(), t, Shelf::Found, depending("c", &["tag:9"]));
        changed(&cache, 5, &["*"]);
        assert!(!hit(&cache, "c"));
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn a_response_built_across_a_change_to_it_is_not_kept() {
        let cache = ResponseCache::new(1 << 20, Clock::system());
        synced(&cache, 1, None);
        let (ta, tb) = (ticket(&cache, "a"), ticket(&cache, "b"));
        changed(&cache, 2, &["article:a"]);
        cache.put("a".into(), ta, Shelf::Found, depending("a", &["article:a"]));
        cache.put("b".into(), tb, Shelf::Found, depending("b", &["article:b"]));
        assert!(!hit(&cache, "a"), "built while it changed");
        assert!(hit(&cache, "b"), "built while something else changed");
    }

    #[test]
    fn the_surrogate_key_header_names_only_what_is_shown() {
        let c = depending("x", &["article:a", "tag:1"]);
        assert_eq!(text(c.surrogate_keys.as_ref()), "article:a tag:1");
        assert_eq!(
            &*c.deps,
            &["article:a".into(), "hidden".into(), "tag:1".into()]
        );
    }

    fn ticket(cache: &ResponseCache, key: &str) -> Ticket {
        match cache.get(key) {
            Lookup::Miss(t) => t,
            Lookup::Hit(_) => panic!("{key}: unexpected hit"),
            Lookup::Off => panic!("off"),
        }
    }

    /// Looks `key` up from `n` tasks at once, while `lead` (a ticket leading its build) is
    /// held; then `finish` ends the build. Returns what each task found.
    async fn waiting_on(
        cache: &Arc<ResponseCache>,
        key: &'static str,
        n: usize,
        finish: impl FnOnce(),
    ) -> Vec<Lookup> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let cache = Arc::clone(cache);
                tokio::spawn(async move { cache.lookup(key).await })
            })
            .collect();
        // Every task is waiting on the build (none can finish while it runs).
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(tasks.iter().all(|t| !t.is_finished()), "none waited");
        finish();
        let mut found = Vec::new();
        for task in tasks {
            found.push(task.await.expect("the task ran"));
        }
        found
    }

    #[tokio::test]
    async fn clients_asking_for_a_response_being_built_wait_for_it() {
        let cache = Arc::new(ResponseCache::new(1 << 20, Clock::system()));
        synced(&cache, 1, None);
        let Lookup::Miss(lead) = cache.lookup("home").await else {
            panic!("a miss")
        };
        assert!(lead.leads(), "the first leads the build");
        let found = waiting_on(&cache, "home", 16, || {
            cache.put("home".into(), lead, Shelf::Found, cached("page"));
        })
        .await;
        assert!(
            found
                .iter()
                .all(|f| matches!(f, Lookup::Hit(r) if r.body == "page")),
            "all answered by the one build: {found:?}"
        );
        assert_eq!(cache.flights.in_progress(), 0);
        // Another key is not held up by it.
        assert!(matches!(cache.lookup("other").await, Lookup::Miss(t) if t.leads()));
    }

    #[tokio::test]
    async fn when_the_build_keeps_nothing_the_waiters_build_at_once_not_in_turn() {
        let cache = Arc::new(ResponseCache::new(1 << 20, Clock::system()));
        synced(&cache, 1, None);
        let Lookup::Miss(lead) = cache.lookup("private").await else {
            panic!("a miss")
        };
        // An answer that cannot be kept (an error, a private answer): the ticket is dropped.
        let found = waiting_on(&cache, "private", 8, || drop(lead)).await;
        assert!(
            found
                .iter()
                .all(|f| matches!(f, Lookup::Miss(t) if !t.leads())),
            "each builds on its own, none leads another queue: {found:?}"
        );
        assert_eq!(cache.flights.in_progress(), 0);
    }

    #[tokio::test]
    async fn before_the_first_synchronisation_nobody_waits() {
        let cache = ResponseCache::new(1 << 20, Clock::system());
        let (Lookup::Miss(a), Lookup::Miss(b)) = (cache.lookup("k").await, cache.lookup("k").await)
        else {
            panic!("misses")
        };
        assert!(!a.leads() && !b.leads());
    }

    #[test]
    fn a_new_version_empties_it() {
        let cache = ResponseCache::new(1 << 20, Clock::system());
        synced(&cache, 1, None);
        let t = ticket(&cache, "a");
        cache.put("a".into(), t, Shelf::Found, cached("one"));
        assert!(matches!(cache.get("a"), Lookup::Hit(r) if r.body == "one"));
        synced(&cache, 2, None);
        assert!(matches!(cache.get("a"), Lookup::Miss(_)));
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn a_response_built_across_a_change_is_not_kept() {
        let cache = ResponseCache::new(1 << 20, Clock::system());
        synced(&cache, 1, None);
        let t = ticket(&cache, "a");
        synced(&cache, 2, None);
        cache.put("a".into(), t, Shelf::Found, cached("built at 1"));
        assert!(matches!(cache.get("a"), Lookup::Miss(_)));
    }

    #[test]
    fn nothing_is_kept_before_the_first_sync() {
        let cache = ResponseCache::new(1 << 20, Clock::system());
        let t = ticket(&cache, "a");
        cache.put("a".into(), t, Shelf::Found, cached("x"));
        assert!(matches!(cache.get("a"), Lookup::Miss(_)));
        assert!(matches!(
            ResponseCache::new(0, Clock::system()).get("a"),
            Lookup::Off
        ));
    }

    #[test]
    fn a_scheduled_article_coming_due_expires_entries() {
        let clock = Clock::manual(broadsheet_domain::time::now());
        let cache = ResponseCache::new(1 << 20, clock.clone());
        // Sooner than MAX_AGE, which would expire the entry anyway.
        let due = clock.now() + TimeDelta::minutes(5);
        synced(&cache, 1, Some(due));
        let t = ticket(&cache, "a");
        cache.put("a".into(), t, Shelf::Found, cached("before"));
        clock.advance(TimeDelta::minutes(5) - TimeDelta::microseconds(1));
        assert!(matches!(cache.get("a"), Lookup::Hit(_)), "not before");
        clock.advance(TimeDelta::microseconds(1));
        assert!(matches!(cache.get("a"), Lookup::Miss(_)), "due");
        // Built once it was due: kept, as the version has not moved.
        let t = ticket(&cache, "a");
        cache.put("a".into(), t, Shelf::Found, cached("after"));
        assert!(matches!(cache.get("a"), Lookup::Hit(r) if r.body == "after"));
    }

    #[test]
    fn no_entry_outlives_its_maximum_age() {
        let clock = Clock::manual(broadsheet_domain::time::now());
        let cache = ResponseCache::new(1 << 20, clock.clone());
        synced(&cache, 1, None);
        let t = ticket(&cache, "a");
        cache.put("a".into(), t, Shelf::Found, cached("kept"));
        clock.advance(MAX_AGE - TimeDelta::seconds(1));
        assert!(matches!(cache.get("a"), Lookup::Hit(_)));
        clock.advance(TimeDelta::seconds(1));
        assert!(matches!(cache.get("a"), Lookup::Miss(_)));
    }

    #[test]
    fn it_stays_within_its_bytes_keeping_what_is_read_most() {
        let cache = ResponseCache::new(10_000, Clock::system());
        synced(&cache, 1, None);
        let body = "x".repeat(900);
        for i in 0..30 {
            let key = format!("k{i}");
            let t = ticket(&cache, &key);
            cache.put(key, t, Shelf::Found, cached(&body));
            // k0 is read all the time: it stays.
            assert!(i == 0 || matches!(cache.get("k0"), Lookup::Hit(_)), "{i}");
            assert!(cache.bytes() <= 10_000);
        }
        assert!(matches!(cache.get("k0"), Lookup::Hit(_)));
    }

    #[test]
    fn a_flood_of_answers_about_nothing_stays_on_its_own_shelf() {
        let cache = ResponseCache::new(64_000, Clock::system());
        synced(&cache, 1, None);
        let t = ticket(&cache, "home");
        cache.put("home".into(), t, Shelf::Found, cached(&"h".repeat(2000)));
        for i in 0..5_000 {
            let key = format!("nothing-{i}");
            let t = ticket(&cache, &key);
            cache.put(
                key,
                t,
                Shelf::Nothing,
                cached("{\"data\":{\"article\":null}}"),
            );
        }
        assert!(matches!(cache.get("home"), Lookup::Hit(_)));
        assert!(cache.bytes() <= 64_000);
    }

    fn decode(coding: Coding, bytes: &[u8]) -> Vec<u8> {
        use std::io::Read as _;
        let mut out = Vec::new();
        match coding {
            Coding::Gzip => flate2::read::GzDecoder::new(bytes).read_to_end(&mut out),
            Coding::Brotli => brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out),
        }
        .expect("decodes");
        out
    }

    #[test]
    fn a_kept_response_is_compressed_once_in_each_coding_and_counted() {
        let cache = ResponseCache::new(1 << 20, Clock::system());
        synced(&cache, 1, None);
        let body = "{\"data\":{\"title\":\"A headline\"}}".repeat(40);
        let t = ticket(&cache, "a");
        let kept = cache.put("a".into(), t, Shelf::Found, cached(&body));
        let Lookup::Hit(again) = cache.get("a") else {
            panic!("kept")
        };
        let mut encoded_bytes = 0;
        for (coding, tag) in [(Coding::Gzip, "\"x-gzip\""), (Coding::Brotli, "\"x-br\"")] {
            // Made when kept: already there, without asking for it first.
            let made = kept.encoded[coding.index()].get().cloned().flatten();
            let made = made.expect("compressed when kept");
            assert!(
                made.len() < body.len() / 4,
                "{coding:?}: {} of {}",
                made.len(),
                body.len()
            );
            assert_eq!(decode(coding, &made), body.as_bytes(), "{coding:?}");
            // The same bytes every time, not compressed again.
            assert_eq!(
                again.encoded(coding).map(|b| b.as_ptr()),
                Some(made.as_ptr())
            );
            assert_eq!(text(kept.encoded_etags[coding.index()].as_ref()), tag);
            encoded_bytes += made.len();
        }
        assert!(
            cache.bytes() >= body.len() + encoded_bytes,
            "counted in full: {} < {} + {encoded_bytes}",
            cache.bytes(),
            body.len()
        );
        // Nothing gained, nothing kept.
        for coding in Coding::ALL {
            assert!(cached("{}").encoded(coding).is_none(), "{coding:?}");
        }
    }

    #[test]
    fn the_encoding_is_chosen_by_accept_encoding_and_what_is_kept() {
        use actix_web::test::TestRequest;
        let body = "{\"data\":{\"title\":\"A headline\"}}".repeat(40);
        let big = cached(&body);
        let sent = |value: Option<&str>, c: &Cached| {
            let req = match value {
                Some(v) => TestRequest::default().insert_header(("accept-encoding", v)),
                None => TestRequest::default(),
            };
            encoded_for(&req.to_http_request(), c).map(|(coding, _)| coding)
        };
        assert_eq!(sent(Some("gzip, deflate, br"), &big), Some(Coding::Brotli));
        assert_eq!(sent(Some("br;q=0, gzip"), &big), Some(Coding::Gzip));
        assert_eq!(sent(Some("GZIP"), &big), Some(Coding::Gzip));
        assert_eq!(sent(Some("*, br;q=0.5"), &big), Some(Coding::Gzip));
        assert_eq!(sent(Some("br;q=0, gzip;q=0"), &big), None);
        assert_eq!(sent(Some("identity"), &big), None);
        assert_eq!(sent(None, &big), None);
        // Too small to gain: the identity body, whatever is asked.
        assert_eq!(sent(Some("br, gzip"), &cached("{}")), None);
    }

    #[test]
    fn either_representation_s_tag_matches() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"abc-gzip\"", "\"abc\""));
        assert!(etag_matches("W/\"abc-gzip\"", "W/\"abc\""));
        assert!(etag_matches("\"zzz\", W/\"abc\"", "\"abc-gzip\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
        assert!(!etag_matches("\"abc-gzip-gzip\"", "\"abc\""));
        assert!(etag_matches("\"abc-br\"", "\"abc\""));
        assert!(etag_matches("W/\"abc\"", "W/\"abc-br\""));
        assert!(!etag_matches("\"abc-br-gzip\"", "\"abc\""));
    }

    #[test]
    fn queries_are_normalized_but_strings_kept() {
        let a = "query Home($n: Int = 5) {\n  articles(first: $n) {\n    edges { node { title } }\n  }\n}";
        let b = "query Home($n:Int=5){articles(first:$n){edges{node{title}}}} # comment";
        assert_eq!(normalize_query(a), normalize_query(b));
        assert_eq!(
            normalize_query("{ a(x: \"  two  spaces , kept \") }"),
            "{a(x:\"  two  spaces , kept \")}"
        );
        assert_eq!(
            normalize_query("{ a(x: \"\"\" block \"quote\"  \"\"\") b }"),
            "{a(x:\"\"\" block \"quote\"  \"\"\")b}"
        );
        assert_eq!(normalize_query("{ a\n b }"), "{a b}");
        assert_ne!(normalize_query("{ ab }"), normalize_query("{ a b }"));
        assert_ne!(
            normalize_query("{ a(x: 1 2) }"),
            normalize_query("{ a(x: 12) }")
        );
        assert_eq!(
            normalize_query("{ ...F } fragment F on Q { a }"),
            "{...F}fragment F on Q{a}"
        );
    }

    #[test]
    fn only_what_the_lexer_ignores_is_normalized_away() {
        let plain = normalize_query("{ articles(first: 1) { nodes { title } } }");
        // A no-break space, an em space, a vertical tab: not GraphQL whitespace, so the
        // document is invalid and must not share the valid one's key.
        for odd in ['\u{a0}', '\u{2003}', '\u{b}', '\u{85}'] {
            let q = format!("{{{odd}articles(first: 1) {{ nodes {{ title }} }} }}");
            assert_ne!(normalize_query(&q), plain, "{odd:?}");
        }
        // What the lexer does ignore still normalizes away.
        let q = "\u{feff}{\tarticles(first: 1,)\r\n{ nodes { title } } } # c";
        assert_eq!(normalize_query(q), plain);
        // `. . .` is three bad tokens, `...` a spread.
        assert_ne!(normalize_query("{ . . . F }"), normalize_query("{ ...F }"));
        assert_ne!(
            normalize_query("{ a(x: - 1) }"),
            normalize_query("{ a(x: -1) }")
        );
    }

    #[test]
    fn surrogate_keys_are_bounded() {
        assert_eq!(
            surrogate_keys([
                "articles".into(),
                "article:b".into(),
                "article:a".into(),
                "articles".into()
            ]),
            "article:a article:b articles"
        );
        let many = (0..2000)
            .map(|i| format!("article:{i:032x}"))
            .chain(["articles".into()]);
        assert_eq!(surrogate_keys(many), "articles");
    }
}
