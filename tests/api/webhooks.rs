//! Webhooks against a local receiver: what is announced, signatures, retries with the same
//! event id, `410 Gone`, every attempt visible to administrators, and a server killed in the
//! middle of a delivery delivering it after restart.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use broadsheet_domain::author::Role;
use broadsheet_domain::time::{Timestamp, now};
use chrono::TimeDelta;
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::editorial::{code, jwt, staff};
use crate::helpers::{TestApp, db_tests};

const SECRET: &str = "whsec-0123456789-abcdef";

/// How the receiver answers a request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Never answers (holds the connection until the client closes it).
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn event(&self) -> String {
        self.json()["event"].as_str().unwrap_or_default().to_owned()
    }
}

/// An HTTP receiver on a free port that records every request and answers from a script
/// (200 when the script is empty).
#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) url: String,
    received: Arc<Mutex<Vec<Received>>>,
    /// Told of every request received.
    arrived: Arc<Condvar>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl Receiver {
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/hooks/broadsheet",
            listener.local_addr().expect("addr")
        );
        let receiver = Self {
            url,
            received: Arc::default(),
            arrived: Arc::default(),
            script: Arc::default(),
        };
        let shared = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || shared.serve(stream));
            }
        });
        receiver
    }

    /// The same, over HTTPS with the test CA's certificate for 127.0.0.1.
    fn start_tls() -> Self {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let chain = CertificateDer::pem_file_iter(fixtures.join("webhook-receiver.pem"))
            .expect("certificate")
            .collect::<Result<Vec<_>, _>>()
            .expect("certificate");
        let key =
            PrivateKeyDer::from_pem_file(fixtures.join("webhook-receiver-key.pem")).expect("key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("certificate and key");
        let tls = Arc::new(tls);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "https://{}/hooks/broadsheet",
            listener.local_addr().expect("addr")
        );
        let receiver = Self {
            url,
            received: Arc::default(),
            arrived: Arc::default(),
            script: Arc::default(),
        };
        let shared = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (shared, tls) = (shared.clone(), tls.clone());
                std::thread::spawn(move || {
                    // The handshake happens on the first read: a client that does not trust
                    // us hangs up there, and `serve` returns.
                    if let Ok(connection) = rustls::ServerConnection::new(tls) {
                        shared.serve(rustls::StreamOwned::new(connection, stream));
                    }
                });
            }
        });
        receiver
    }

    fn serve(&self, stream: impl Read + Write) {
        let mut reader = BufReader::new(stream);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let mut headers = HashMap::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 {
                    return;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
            }
            let length: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let answer = self
                .script
                .lock()
                .expect("lock")
                .pop_front()
                .unwrap_or(Answer::Status(200));
            self.received.lock().expect("lock").push(Received {
                headers,
                body: String::from_utf8(body).expect("UTF-8 body"),
            });
            self.arrived.notify_all();
            match answer {
                Answer::Status(status) => {
                    let reply =
                        format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 2\r\n\r\nok");
                    let writer = reader.get_mut();
                    if writer.write_all(reply.as_bytes()).is_err() || writer.flush().is_err() {
                        return;
                    }
                }
                Answer::Hang => {
                    // Unanswered until the client goes away.
                    let _ = reader.read_to_end(&mut Vec::new());
                    return;
                }
            }
        }
    }

    fn then_answer(&self, answers: &[Answer]) {
        self.script.lock().expect("lock").extend(answers);
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Blocks until `n` requests have come (from a server in another process), for up to
    /// `within`; returns them all.
    fn await_requests(&self, n: usize, within: Duration) -> Vec<Received> {
        let received = self.received.lock().expect("lock");
        let (received, _) = self
            .arrived
            .wait_timeout_while(received, within, |got| got.len() < n)
            .expect("lock");
        assert!(
            received.len() >= n,
            "{} of {n} requests came",
            received.len()
        );
        received.clone()
    }

    /// Every request so far, which must be `n` (a request is recorded before it is answered,
    /// so once the server has its answer, the request is here).
    pub(crate) fn got(&self, n: usize) -> Vec<Received> {
        let got = self.received();
        assert_eq!(
            got.len(),
            n,
            "deliveries: {:?}",
            got.iter().map(Received::event).collect::<Vec<_>>()
        );
        got
    }
}

/// Checks a delivery's signature the way a receiver would, on a clock that says `now`.
pub(crate) fn assert_signed(r: &Received, secret: &str, now: Timestamp) {
    let timestamp = r.header("x-broadsheet-timestamp");
    let sent: i64 = timestamp.parse().expect("a Unix timestamp");
    assert!((now.timestamp() - sent).abs() < 120, "a fresh timestamp");
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{}", r.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        r.header("x-broadsheet-signature"),
        format!("sha256={expected}"),
        "signature of {}",
        r.body
    );
    let body = r.json();
    assert_eq!(body["id"], r.header("x-broadsheet-event-id"));
    assert_eq!(body["event"], r.header("x-broadsheet-event"));
    assert_eq!(r.header("content-type"), "application/json");
}

const CREATE_WEBHOOK: &str = "mutation($url: String!, $secret: String!, $events: [WebhookEvent!]!) {
    createWebhook(input: { url: $url, secret: $secret, events: $events }) { webhook { id active events } } }";
const DELIVERIES: &str = "{ webhooks { id url active disabledReason
    deliveries(last: 50) { eventId event status attempts { responseStatus error } } } }";

async fn register(app: &TestApp, admin: &str, url: &str, events: Value) -> String {
    let body = app
        .graphql_as(
            admin,
            CREATE_WEBHOOK,
            json!({ "url": url, "secret": SECRET, "events": events }),
        )
        .await
        .json();
    body["data"]["createWebhook"]["webhook"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("registered: {body}"))
        .to_owned()
}

/// A server on a manual clock that delivers webhooks to the local receivers of these tests
/// (private addresses allowed), retrying 1 s, then 2 s... after a failure: as the test moves
/// the clock.
async fn spawn(db: broadsheet_persistence::testing::TestDb, max_attempts: u32) -> TestApp {
    TestApp::spawn_configured(db, |args| {
        args.clock = crate::helpers::manual_clock();
        args.webhooks.webhook_delivery = broadsheet::cli::WebhookDelivery(true);
        args.webhooks.webhook_allow_private = broadsheet::cli::WebhookAllowPrivate(true);
        args.webhooks.webhook_timeout = Duration::from_secs(3);
        args.webhooks.webhook_retry_base = Duration::from_secs(1);
        args.webhooks.webhook_max_attempts = max_attempts;
        args.scheduler_interval = 1;
    })
    .await
}

/// Delivers what is due, then twice moves the clock past the next retry's backoff (1 to
/// 1.25 s after the first failure, 2 to 2.5 s after the second) and delivers again: three
/// attempts of whatever keeps failing.
async fn deliver_with_retries(app: &TestApp) {
    app.deliver_webhooks().await;
    for wait in [2, 3] {
        app.advance(TimeDelta::seconds(wait));
        app.deliver_webhooks().await;
    }
}

mod private_addresses;
mod site_url;

db_tests!(
    changes_to_public_content_are_announced_signed,
    failed_deliveries_are_retried_with_the_same_event_id,
);

async fn changes_to_public_content_are_announced_signed(
    db: broadsheet_persistence::testing::TestDb,
) {
    let app = spawn(db, 8).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let receiver = Receiver::start();
    let every = json!([
        "ARTICLE_PUBLISHED",
        "ARTICLE_UPDATED",
        "ARTICLE_UNPUBLISHED",
        "ARTICLE_DELETED",
        "TAG_CREATED",
        "TAG_UPDATED",
        "TAG_DELETED"
    ]);

    // Registration is for administrators, and checked.
    let body = app
        .graphql_as(
            &editor.token,
            CREATE_WEBHOOK,
            json!({ "url": receiver.url, "secret": SECRET, "events": every }),
        )
        .await
        .json();
    assert_eq!(code(&body), Some("FORBIDDEN"), "{body}");
    for (url, secret, events, field) in [
        ("javascript:alert(1)", SECRET, every.clone(), "url"),
        ("ftp://example.com/x", SECRET, every.clone(), "url"),
        (receiver.url.as_str(), "short", every.clone(), "secret"),
        (receiver.url.as_str(), SECRET, json!([]), "events"),
    ] {
        let body = app
            .graphql_as(
                &admin.token,
                CREATE_WEBHOOK,
                json!({ "url": url, "secret": secret, "events": events }),
            )
            .await
            .json();
        assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    register(&app, &admin.token, &receiver.url, every).await;
    // A second hook that wants tags only.
    let tags_only = Receiver::start();
    register(&app, &admin.token, &tags_only.url, json!(["TAG_CREATED"])).await;

    let gql = |query: &'static str, variables: Value| {
        let (app, token) = (&app, editor.token.clone());
        async move {
            let body = app.graphql_as(&token, query, variables).await.json();
            assert!(body["errors"].is_null(), "{body}");
            body["data"].clone()
        }
    };
    // A draft and its edits are not announced.
    let draft = gql(
        "mutation { createArticle(input: { title: \"Council budget\", markdown: \"Draft words.\" }) { article { id version } } }",
        json!({}),
    )
    .await;
    let id = draft["createArticle"]["article"]["id"].clone();
    gql(
        "mutation($id: ID!) { updateArticle(id: $id, expectedVersion: 1, input: { markdown: \"Still a draft.\" }) { article { version } } }",
        json!({ "id": id }),
    )
    .await;
    // Published, changed, taken down, published again, deleted.
    gql(
        "mutation($id: ID!) { publishArticle(id: $id, expectedVersion: 2) { article { version } } }",
        json!({ "id": id }),
    )
    .await;
    gql(
        "mutation($id: ID!) { updateArticle(id: $id, expectedVersion: 3, input: { title: \"Council budget agreed\" }) { article { version } } }",
        json!({ "id": id }),
    )
    .await;
    gql(
        "mutation($id: ID!) { unpublishArticle(id: $id, expectedVersion: 4) { article { version } } }",
        json!({ "id": id }),
    )
    .await;
    gql(
        "mutation($id: ID!) { publishArticle(id: $id, expectedVersion: 5) { article { version } } }",
        json!({ "id": id }),
    )
    .await;
    gql(
        "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }",
        json!({ "id": id }),
    )
    .await;
    // Tags: public ones are announced, internal ones not.
    let tag = gql(
        "mutation { createTag(input: { name: \"Housing\" }) { tag { id } } }",
        json!({}),
    )
    .await["createTag"]["tag"]["id"]
        .clone();
    gql(
        "mutation { createTag(input: { name: \"#desk-notes\" }) { tag { id } } }",
        json!({}),
    )
    .await;
    gql(
        "mutation($id: ID!) { updateTag(id: $id, input: { name: \"Housing & homes\" }) { tag { id } } }",
        json!({ "id": tag }),
    )
    .await;
    gql(
        "mutation($id: ID!) { deleteTag(id: $id) }",
        json!({ "id": tag }),
    )
    .await;
    // The scheduler publishing an article announces it too (within the tokens' lifetime).
    let at = (app.clock.now() + TimeDelta::minutes(10)).to_rfc3339();
    gql(
        "mutation($at: DateTime) { createArticle(input: { title: \"Scheduled story\", status: SCHEDULED, publishedAt: $at }) { article { id } } }",
        json!({ "at": at }),
    )
    .await;
    app.deliver_webhooks().await;
    for r in receiver.got(8) {
        assert_signed(&r, SECRET, app.clock.now());
    }
    app.deliver_webhooks().await;
    assert_eq!(receiver.received().len(), 8, "not the scheduled one yet");
    app.advance(TimeDelta::minutes(10));
    app.run_scheduler().await;
    app.deliver_webhooks().await;

    let got = receiver.got(9);
    assert_signed(&got[8], SECRET, app.clock.now());
    let mut events: Vec<String> = got.iter().map(Received::event).collect();
    events.sort();
    assert_eq!(
        events,
        [
            "article.deleted",
            "article.published",
            "article.published",
            "article.published",
            "article.unpublished",
            "article.updated",
            "tag.created",
            "tag.deleted",
            "tag.updated",
        ]
    );
    let mut ids = std::collections::HashSet::new();
    for r in &got {
        assert!(
            ids.insert(r.header("x-broadsheet-event-id").to_owned()),
            "one id per event"
        );
    }
    // The payload: the article as the Content API shows it, with absolute links.
    let updated = got
        .iter()
        .find(|r| r.event() == "article.updated")
        .expect("updated")
        .json();
    let article = &updated["data"]["article"];
    assert_eq!(article["title"], "Council budget agreed");
    assert_eq!(article["slug"], "council-budget");
    assert_eq!(article["url"], "https://news.example.com/council-budget/");
    assert_eq!(article["primary_author"]["name"], "Eve Editor");
    assert!(
        article["html"]
            .as_str()
            .expect("html")
            .contains("Still a draft.")
    );
    let deleted = got
        .iter()
        .find(|r| r.event() == "article.deleted")
        .expect("deleted");
    assert_eq!(
        deleted.json()["data"]["article"]["title"],
        "Council budget agreed"
    );
    let renamed = got
        .iter()
        .find(|r| r.event() == "tag.updated")
        .expect("tag");
    assert_eq!(renamed.json()["data"]["tag"]["name"], "Housing & homes");

    // The tags-only hook got only what it asked for.
    let tag_events: Vec<String> = tags_only.got(1).iter().map(Received::event).collect();
    assert_eq!(tag_events, ["tag.created"]);

    // Administrators see every delivery and attempt.
    let body = app
        .graphql_as(&admin.token, DELIVERIES, json!({}))
        .await
        .json();
    let hook = &body["data"]["webhooks"][0];
    let deliveries = hook["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 9, "{body}");
    for d in deliveries {
        assert_eq!(d["status"], "DELIVERED", "{d}");
        assert_eq!(
            d["attempts"],
            json!([{ "responseStatus": 200, "error": null }])
        );
    }
    let body = app
        .graphql_as(&editor.token, DELIVERIES, json!({}))
        .await
        .json();
    assert_eq!(code(&body), Some("FORBIDDEN"));
}

async fn failed_deliveries_are_retried_with_the_same_event_id(
    db: broadsheet_persistence::testing::TestDb,
) {
    let app = spawn(db, 3).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let receiver = Receiver::start();
    let hook = register(&app, &admin.token, &receiver.url, json!(["TAG_CREATED"])).await;
    // Nobody listens here: the connection is refused.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/", l.local_addr().expect("addr"))
    };
    register(&app, &admin.token, &closed, json!(["TAG_CREATED"])).await;
    let create_tag = |name: &'static str| {
        let (app, token) = (&app, admin.token.clone());
        async move {
            let body = app
                .graphql_as(
                    &token,
                    "mutation($n: String!) { createTag(input: { name: $n }) { tag { id } } }",
                    json!({ "n": name }),
                )
                .await
                .json();
            assert!(body["errors"].is_null(), "{body}");
        }
    };

    // Two failures, then success: three tries of one event, one id, each signed afresh.
    receiver.then_answer(&[Answer::Status(500), Answer::Status(503)]);
    create_tag("Transport").await;
    app.deliver_webhooks().await;
    assert_eq!(receiver.received().len(), 1);
    // Not retried before its time: the first wait is at least a second.
    app.advance(TimeDelta::milliseconds(999));
    app.deliver_webhooks().await;
    assert_eq!(receiver.received().len(), 1, "retried too soon");
    app.advance(TimeDelta::seconds(2) - TimeDelta::milliseconds(999));
    app.deliver_webhooks().await;
    assert_eq!(receiver.received().len(), 2);
    app.advance(TimeDelta::seconds(3));
    app.deliver_webhooks().await;
    let got = receiver.got(3);
    let ids: Vec<&str> = got
        .iter()
        .map(|r| r.header("x-broadsheet-event-id"))
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[2]);
    assert_eq!(got[0].body, got[2].body, "the same body every time");
    for r in &got {
        assert_signed(r, SECRET, app.clock.now());
    }

    // Out of attempts: failed after three.
    receiver.then_answer(&[
        Answer::Status(500),
        Answer::Status(500),
        Answer::Status(500),
    ]);
    create_tag("Schools").await;
    deliver_with_retries(&app).await;
    receiver.got(6);

    // 410 Gone disables the webhook (the unreachable one goes on failing).
    receiver.then_answer(&[Answer::Status(410)]);
    create_tag("Health").await;
    deliver_with_retries(&app).await;
    receiver.got(7);
    let body = app
        .graphql_as(&admin.token, DELIVERIES, json!({}))
        .await
        .json();
    let hooks = &body["data"]["webhooks"];
    let ours = &hooks[0];
    assert_eq!(ours["active"], false, "{body}");
    assert!(
        ours["disabledReason"]
            .as_str()
            .is_some_and(|r| r.contains("410")),
        "{body}"
    );
    let statuses = |d: &Value| -> Vec<Value> {
        d["attempts"]
            .as_array()
            .expect("attempts")
            .iter()
            .map(|a| a["responseStatus"].clone())
            .collect()
    };
    let deliveries = ours["deliveries"].as_array().expect("deliveries");
    // Newest first: Health, Schools, Transport.
    assert_eq!(deliveries[0]["status"], "FAILED");
    assert_eq!(statuses(&deliveries[0]), [json!(410)]);
    assert_eq!(deliveries[1]["status"], "FAILED");
    assert_eq!(
        statuses(&deliveries[1]),
        [json!(500), json!(500), json!(500)]
    );
    assert_eq!(deliveries[2]["status"], "DELIVERED");
    assert_eq!(
        statuses(&deliveries[2]),
        [json!(500), json!(503), json!(200)]
    );
    assert_eq!(deliveries[2]["eventId"], ids[0]);
    // The unreachable hook: every attempt has an error and no status. The error is a fixed
    // text, not the connection error: administrators must not learn from it which ports of
    // an internal address are open.
    for d in hooks[1]["deliveries"].as_array().expect("deliveries") {
        assert_eq!(d["status"], "FAILED", "{d}");
        let attempts = d["attempts"].as_array().expect("attempts");
        assert_eq!(attempts.len(), 3);
        for a in attempts {
            assert_eq!(
                a,
                &json!({ "responseStatus": null, "error": "could not connect" })
            );
        }
    }

    // Disabled: nothing more is sent, until an administrator turns it back on.
    create_tag("Policing").await;
    deliver_with_retries(&app).await;
    assert_eq!(receiver.received().len(), 7, "a disabled hook gets nothing");
    let body = app
        .graphql_as(
            &admin.token,
            "mutation($id: ID!) { updateWebhook(id: $id, input: { active: true }) { webhook { active disabledReason } } }",
            json!({ "id": hook }),
        )
        .await
        .json();
    assert_eq!(
        body["data"]["updateWebhook"]["webhook"],
        json!({ "active": true, "disabledReason": null })
    );
    create_tag("Planning").await;
    app.deliver_webhooks().await;
    let got = receiver.got(8);
    assert_eq!(got[7].json()["data"]["tag"]["name"], "Planning");
}

/// The server is killed while a receiver holds a delivery unanswered; restarted, it delivers
/// the same event again.
#[test]
fn a_delivery_cut_short_by_a_crash_is_made_after_restart() {
    use crate::editorial::crash::{create, serve};
    for db in [
        Some(broadsheet_persistence::testing::TestDb::sqlite()),
        broadsheet_persistence::testing::TestDb::postgres(),
    ]
    .into_iter()
    .flatten()
    {
        let receiver = Receiver::start();
        receiver.then_answer(&[Answer::Hang]);
        let editor = {
            let mut c = db.store.conn().expect("connection");
            let editor = broadsheet_persistence::testing::UserBuilder::new("Eve Editor")
                .role(Role::Editor)
                .create(&mut c);
            let hook = broadsheet_domain::webhook::NewWebhook::parse(
                &receiver.url,
                SECRET,
                &[broadsheet_domain::webhook::WebhookEvent::ArticlePublished],
            )
            .expect("valid");
            broadsheet_persistence::webhooks::create(
                &mut c,
                &broadsheet_persistence::secrets::Keyring::default(),
                &hook,
                now(),
            )
            .expect("hook");
            editor
        };
        let token = jwt().issue_access(editor.id().0, "editor", now(), TimeDelta::hours(1));
        let args = [
            "--webhook-timeout",
            "2s",
            "--webhook-retry-base",
            "1s",
            "--webhook-allow-private",
            "true",
        ];
        let (mut child, port) = serve(&db.url_string(), &args);
        assert!(create(port, &token, "Breaking story").is_some());

        // Wait for the delivery to reach the receiver, then kill the server mid-delivery.
        receiver.await_requests(1, Duration::from_secs(20));
        let killed = std::process::Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        assert!(killed.is_ok_and(|s| s.success()));
        let _ = child.wait();
        // The dead server's claim lasts 14 s (twice the timeout, and 10 s): end it now, as
        // that time passing would, rather than wait for it.
        let ended = broadsheet_persistence::testing::raw::execute(
            &mut db.store.conn().expect("connection"),
            "UPDATE webhook_deliveries SET next_attempt_at = created_at WHERE status = 'pending'",
        );
        assert_eq!(ended, 1, "the delivery was claimed, not settled");

        let (mut again, _) = serve(&db.url_string(), &args);
        let got = receiver.await_requests(2, Duration::from_secs(30));
        assert_eq!(
            got[0].header("x-broadsheet-event-id"),
            got[1].header("x-broadsheet-event-id")
        );
        assert_eq!(got[0].json()["data"]["article"]["title"], "Breaking story");
        assert_signed(&got[1], SECRET, now());

        // The interrupted attempt is on record, with neither a status nor an error.
        let mut c = db.store.conn().expect("connection");
        let hooks = broadsheet_persistence::webhooks::list(&mut c).expect("hooks");
        let start = Instant::now();
        let deliveries = loop {
            let deliveries = broadsheet_persistence::webhooks::deliveries(&mut c, hooks[0].id, 10)
                .expect("list");
            let settled = deliveries
                .iter()
                .all(|d| d.status != broadsheet_persistence::webhooks::DeliveryStatus::Pending);
            if settled || start.elapsed() > Duration::from_secs(10) {
                break deliveries;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let _ = again.kill();
        let _ = again.wait();
        assert_eq!(deliveries.len(), 1);
        let attempts = &deliveries[0].attempts;
        assert_eq!(attempts.len(), 2, "{attempts:?}");
        assert_eq!(
            (attempts[0].response_status, attempts[0].error.as_deref()),
            (None, None)
        );
        assert_eq!(attempts[1].response_status, Some(200));
        assert_eq!(
            deliveries[0].status,
            broadsheet_persistence::webhooks::DeliveryStatus::Delivered
        );
    }
}

/// An `https` receiver is verified against the trusted certificates: one signed by a CA the
/// server trusts (`SSL_CERT_FILE`) gets its deliveries; without that, every attempt fails with a
/// certificate error.
#[test]
fn https_receivers_are_verified() {
    use crate::editorial::crash::{create, serve_with};
    let db = broadsheet_persistence::testing::TestDb::sqlite();
    let receiver = Receiver::start_tls();
    let editor = {
        let mut c = db.store.conn().expect("connection");
        let editor = broadsheet_persistence::testing::UserBuilder::new("Eve Editor")
            .role(Role::Editor)
            .create(&mut c);
        let hook = broadsheet_domain::webhook::NewWebhook::parse(
            &receiver.url,
            SECRET,
            &[broadsheet_domain::webhook::WebhookEvent::ArticlePublished],
        )
        .expect("valid");
        broadsheet_persistence::webhooks::create(
            &mut c,
            &broadsheet_persistence::secrets::Keyring::default(),
            &hook,
            now(),
        )
        .expect("hook");
        editor
    };
    let token = jwt().issue_access(editor.id().0, "editor", now(), TimeDelta::hours(1));
    let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhook-ca.pem");
    let ca = ca.to_str().expect("UTF-8 path");
    let args = [
        "--webhook-timeout",
        "2s",
        "--webhook-retry-base",
        "30s",
        "--webhook-allow-private",
        "true",
    ];

    // Trusted: delivered, signed.
    let (mut child, port) = serve_with(
        &db.url_string(),
        &args,
        &[("SSL_CERT_FILE", Some(ca)), ("SSL_CERT_DIR", None)],
    );
    assert!(create(port, &token, "Over TLS").is_some());
    let got = receiver.await_requests(1, Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got[0].json()["data"]["article"]["title"], "Over TLS");
    assert_signed(&got[0], SECRET, now());

    // Not trusted (only the system's certificates): refused, and the attempt says why.
    let (mut child, port) = serve_with(
        &db.url_string(),
        &args,
        &[("SSL_CERT_FILE", None), ("SSL_CERT_DIR", None)],
    );
    assert!(create(port, &token, "Untrusted").is_some());
    let mut c = db.store.conn().expect("connection");
    let hook = broadsheet_persistence::webhooks::list(&mut c).expect("hooks")[0].id;
    let start = Instant::now();
    let error = loop {
        let deliveries =
            broadsheet_persistence::webhooks::deliveries(&mut c, hook, 10).expect("list");
        if let Some(error) = deliveries
            .iter()
            .flat_map(|d| &d.attempts)
            .find_map(|a| a.error.clone())
        {
            break error;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no failed attempt"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        receiver.received().len(),
        1,
        "nothing sent to an untrusted receiver"
    );
    assert_eq!(error, "TLS handshake failed");
}
