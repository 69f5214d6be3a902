//! Spawning the app, and a switchable TCP proxy for taking the database away.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use broadsheet::cli::{Cli, Command, ServeArgs};
use broadsheet::startup::{Application, Tasks};
use broadsheet_api::background::Pulse;
use broadsheet_domain::clock::Clock;
use broadsheet_persistence::DatabaseUrl;
use broadsheet_persistence::testing::TestDb;
use clap::Parser as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The signing secret of test servers, so that tests can make (and forge) tokens.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A running server on its own database.
pub struct TestApp {
    pub address: String,
    /// The metrics listener's address, when the test turned it on (`--metrics-bind`).
    pub metrics_address: Option<String>,
    /// The database, for seeding fixtures (kept alive as long as the server uses it).
    pub db: TestDb,
    /// The server's own store, whose statement count tells how many queries a request ran.
    pub server_store: broadsheet_persistence::Store,
    /// The server's clock: the system's, unless the test gave it a manual one to move.
    pub clock: Clock,
    /// Wakes the server's background tasks.
    tasks: Tasks,
    handle: StopOnDrop,
    client: awc::Client,
}

/// Stops the server when the app goes (a field, so that [`TestApp::restart`] can take the
/// app apart).
struct StopOnDrop(ServerHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let handle = self.0.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: actix_web::web::Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// Serves `db` on a free port.
    pub async fn spawn(db: TestDb) -> Self {
        let url = db.url().clone();
        Self::spawn_with_url(db, url).await
    }

    /// Serves with `url` as the database (for a proxied URL), keeping `db` alive.
    pub async fn spawn_with_url(db: TestDb, url: DatabaseUrl) -> Self {
        Self::spawn_with(db, url, |_| {}).await
    }

    /// Serves `db` on a manual clock that stands at the present until the test moves it
    /// ([`TestApp::advance`]).
    pub async fn spawn_manual(db: TestDb) -> Self {
        Self::spawn_configured(db, |args| args.clock = manual_clock()).await
    }

    /// Serves `db` with changed settings.
    pub async fn spawn_configured(db: TestDb, configure: impl FnOnce(&mut ServeArgs)) -> Self {
        let url = db.url().clone();
        Self::spawn_with(db, url, configure).await
    }

    /// Stops the server and serves the same database again, with changed settings.
    pub async fn restart(self, configure: impl FnOnce(&mut ServeArgs)) -> Self {
        Self::spawn_configured(self.stop().await, configure).await
    }

    /// Stops the server, keeping its database.
    pub async fn stop(self) -> TestDb {
        let Self { db, handle, .. } = self;
        handle.0.stop(true).await;
        db
    }

    /// Serves `db` with changed settings, or gives the database back with the reason the
    /// server did not start.
    pub async fn try_spawn_configured(
        db: TestDb,
        configure: impl FnOnce(&mut ServeArgs),
    ) -> Result<Self, (TestDb, anyhow::Error)> {
        let url = db.url().clone();
        Self::try_spawn_with(db, url, configure).await
    }

    async fn spawn_with(
        db: TestDb,
        url: DatabaseUrl,
        configure: impl FnOnce(&mut ServeArgs),
    ) -> Self {
        match Self::try_spawn_with(db, url, configure).await {
            Ok(app) => app,
            Err((_, error)) => panic!("app builds: {error:#}"),
        }
    }

    async fn try_spawn_with(
        db: TestDb,
        url: DatabaseUrl,
        configure: impl FnOnce(&mut ServeArgs),
    ) -> Result<Self, (TestDb, anyhow::Error)> {
        let url = match &url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        };
        let cli = Cli::try_parse_from([
            "broadsheet",
            "serve",
            "--database",
            &url,
            "--db-max-connections",
            "4",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--shutdown-timeout",
            "10",
            "--site-url",
            "https://news.example.com",
            "--jwt-secret",
            TEST_SECRET,
            "--scheduler-interval",
            "0",
            "--webhook-delivery",
            "false",
            // Its deletions would count among a request's statements.
            "--maintenance-interval",
            "0",
            // Every test client is 127.0.0.1; the tests of the limit turn it on.
            "--anonymous-rate-limit",
            "0",
        ])
        .expect("test arguments parse");
        let Command::Serve(mut args) = cli.command else {
            unreachable!("serve")
        };
        configure(&mut args);
        let app = match Application::build(&args).await {
            Ok(app) => app,
            Err(error) => return Err((db, error)),
        };
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let handle = StopOnDrop(app.handle());
        let server_store = app.store().clone();
        let (clock, tasks) = (app.clock().clone(), app.tasks().clone());
        actix_web::rt::spawn(app.run_until_stopped());
        Ok(Self {
            server_store,
            clock,
            tasks,
            address,
            metrics_address,
            db,
            handle,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish(),
        })
    }

    /// The server's handle, to stop it.
    pub fn handle(&self) -> ServerHandle {
        self.handle.0.clone()
    }

    /// Moves the server's manual clock forward.
    pub fn advance(&self, by: chrono::TimeDelta) {
        assert!(
            self.clock.is_manual(),
            "spawn the app with a manual clock to move it"
        );
        self.clock.advance(by);
    }

    /// Makes the scheduler publish what is due now, and waits until it has.
    pub async fn run_scheduler(&self) {
        run_now("the scheduler", self.tasks.scheduler.as_ref()).await;
    }

    /// Makes the webhook worker deliver what is due now, and waits until it has made those
    /// attempts (and recorded them).
    pub async fn deliver_webhooks(&self) {
        run_now("webhook delivery", self.tasks.webhooks.as_ref()).await;
    }

    /// Makes the response cache re-read the content version now (as it does every
    /// `--cache-refresh-ms`), so that writes made straight to the database are seen.
    pub async fn refresh_cache(&self) {
        run_now("the cache's refresher", self.tasks.cache.as_ref()).await;
    }

    /// POSTs a GraphQL query as JSON, accepting JSON.
    pub async fn graphql(&self, query: &str, variables: serde_json::Value) -> Reply {
        self.post_json(
            "/graphql",
            &[("accept", "application/json")],
            &serde_json::json!({ "query": query, "variables": variables }).to_string(),
        )
        .await
    }

    /// POSTs a GraphQL query as JSON with `Authorization: Bearer <token>`.
    pub async fn graphql_as(
        &self,
        token: &str,
        query: &str,
        variables: serde_json::Value,
    ) -> Reply {
        let auth = format!("Bearer {token}");
        self.post_json(
            "/graphql",
            &[("accept", "application/json"), ("authorization", &auth)],
            &serde_json::json!({ "query": query, "variables": variables }).to_string(),
        )
        .await
    }

    /// An editor's `updateArticle` of the article at `slug` with `input` (GraphQL input
    /// syntax), as `token`, at the version it has now; fails the test on any error. Returns
    /// the article's id.
    pub async fn edit_article(&self, token: &str, slug: &str, input: &str) -> serde_json::Value {
        let found = self
            .graphql_as(
                token,
                "query($s: String!) { article(slug: $s) { id version } }",
                serde_json::json!({ "s": slug }),
            )
            .await
            .json()["data"]["article"]
            .clone();
        let saved = self
            .graphql_as(
                token,
                &format!(
                    "mutation($id: ID!, $v: Int!) {{ updateArticle(id: $id, expectedVersion: $v, input: {input}) {{ article {{ title }} }} }}"
                ),
                serde_json::json!({ "id": found["id"], "v": found["version"] }),
            )
            .await
            .json();
        assert!(saved["errors"].is_null(), "{saved}");
        found["id"].clone()
    }

    /// POSTs `body` with content type `application/json` and the given headers.
    pub async fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut req = self
            .client
            .post(format!("{}{path}", self.address))
            .insert_header(("content-type", "application/json"));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        Self::read(req.send_body(body.to_owned()).await.expect("request sent")).await
    }

    /// Sends any request.
    pub async fn request(
        &self,
        method: actix_web::http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.address));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        Self::read(req.send_body(body).await.expect("request sent")).await
    }

    /// GETs with headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(actix_web::http::Method::GET, path, headers, Vec::new())
            .await
    }

    async fn read(mut res: awc::ClientResponse) -> Reply {
        let body = res.body().limit(16 * 1024 * 1024).await.expect("body read");
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }
}

/// A manual clock standing at the present.
pub fn manual_clock() -> Clock {
    Clock::manual(broadsheet_domain::time::now())
}

/// Runs a pass of a background task now and waits for it; a task that is off, or a pass
/// that never ends, fails the test instead of hanging it.
async fn run_now(task: &str, pulse: Option<&Pulse>) {
    let pulse = pulse.unwrap_or_else(|| panic!("{task} is not running in this test server"));
    if tokio::time::timeout(Duration::from_secs(60), pulse.run_now())
        .await
        .is_err()
    {
        panic!("{task}: a pass did not finish within a minute");
    }
}

/// Declares async test functions that take a [`TestApp`] and runs each on both backends.
macro_rules! e2e_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    let db = broadsheet_persistence::testing::TestDb::sqlite();
                    super::$name($crate::helpers::TestApp::spawn(db).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(db) = broadsheet_persistence::testing::TestDb::postgres() {
                        super::$name($crate::helpers::TestApp::spawn(db).await).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use e2e_tests;

/// Declares async test functions that take a fresh `TestDb` (to serve with settings of their
/// own) and runs each on both backends.
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name(broadsheet_persistence::testing::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(db) = broadsheet_persistence::testing::TestDb::postgres() {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use db_tests;

/// A TCP proxy to `target` that can be cut (every connection dropped, new ones refused) and
/// restored on the same port: a database server going down and coming back.
pub struct Proxy {
    pub address: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let proxy = Self {
            address,
            target,
            tasks: Arc::new(Mutex::new(Vec::new())),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target;
        let tasks = Arc::clone(&self.tasks);
        let acceptor = actix_web::rt::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let pipe = actix_web::rt::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().expect("lock").push(pipe);
            }
        });
        self.tasks.lock().expect("lock").push(acceptor);
    }

    /// Drops every connection and stops listening.
    pub fn cut(&self) {
        for task in self.tasks.lock().expect("lock").drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.address).await.expect("rebind proxy");
        self.serve(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Polls `path` until it answers `status`, for up to `within`.
pub async fn eventually(app: &TestApp, path: &str, status: StatusCode, within: Duration) -> Reply {
    let deadline = std::time::Instant::now() + within;
    loop {
        let reply = app.get(path).await;
        if reply.status == status || std::time::Instant::now() > deadline {
            return reply;
        }
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}
