//! The binary itself: arguments, errors, the database commands, and graceful shutdown.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use broadsheet_domain::author::{Email, Role, User};
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder};
use broadsheet_domain::time::now;
use broadsheet_persistence::secrets::Keyring;
use broadsheet_persistence::testing::{TestDb, UserBuilder};
use broadsheet_persistence::{articles, backend_tests, keys, users};
use diesel::Connection as _;
use diesel::connection::SimpleConnection as _;
use serde_json::Value;

/// The binary, without any `BROADSHEET_*` setting of the environment, and silent.
pub(crate) fn broadsheet() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    for (key, _) in std::env::vars() {
        if key.starts_with("BROADSHEET_") {
            cmd.env_remove(key);
        }
    }
    // Logs would share stderr with the error line under test.
    cmd.env("BROADSHEET_LOG", "off");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("broadsheet runs")
}

/// Runs with `input` on standard input.
fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write standard input");
    child.wait_with_output().expect("wait")
}

/// Exit status not 0, and stderr exactly one line starting `error: `, with no panic.
fn assert_one_line_error(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "expected failure; stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr:?}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr:?}"
    );
    stderr
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{:?}; stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn no_command_is_a_one_line_error() {
    let out = run(&mut broadsheet());
    assert_one_line_error(&out);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_flag_is_a_one_line_error() {
    let out = run(broadsheet().args(["serve", "--no-such-flag"]));
    let err = assert_one_line_error(&out);
    assert!(err.contains("--no-such-flag"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_works() {
    let out = run(broadsheet().arg("--help"));
    assert!(stdout(&out).contains("serve"));
}

#[test]
fn bad_database_url_is_a_one_line_error_without_the_password() {
    let out = run(broadsheet().args(["migrate", "--database", "mysql://root:hunter2@db/x"]));
    let err = assert_one_line_error(&out);
    assert!(err.contains("sqlite://"), "says what would work: {err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn unreachable_postgres_is_a_quick_one_line_error() {
    let started = Instant::now();
    let out = run(broadsheet().args([
        "migrate",
        "--database",
        "postgres://someone:hunter2@127.0.0.1:1/db",
    ]));
    let err = assert_one_line_error(&out);
    assert!(err.contains("refused"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "fails at once, not after a timeout"
    );
}

#[test]
fn missing_directory_is_a_one_line_error() {
    let out = run(broadsheet().args(["serve", "--database", "sqlite:///no/such/dir/b.db"]));
    let err = assert_one_line_error(&out);
    assert!(err.contains("/no/such/dir"), "{err}");
}

#[test]
fn bad_role_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let out = run(broadsheet().args([
        "user",
        "create",
        "--database",
        &url,
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--role",
        "owner",
    ]));
    let err = assert_one_line_error(&out);
    assert!(
        err.contains("role") && err.contains("contributor, author, editor, administrator"),
        "says what would work: {err}"
    );
}

#[test]
fn help_lists_the_roles_and_the_switches() {
    let create = stdout(&run(broadsheet().args(["user", "create", "--help"])));
    for role in Role::ALL {
        assert!(create.contains(role.as_str()), "{create}");
    }
    let serve = stdout(&run(broadsheet().args(["serve", "--help"])));
    for switch in [
        "--demo",
        "--no-demo",
        "--graphiql",
        "--no-graphiql",
        "--graphql-introspection",
        "--no-graphql-introspection",
        "--graphql-suggestions",
        "--no-graphql-suggestions",
        "--webhook-delivery",
        "--no-webhook-delivery",
        "--webhook-allow-private",
        "--no-webhook-allow-private",
    ] {
        let listed = serve.lines().map(str::trim_start).any(|line| {
            line.strip_prefix(switch)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        });
        assert!(listed, "{switch}: {serve}");
    }
}

#[test]
fn locked_sqlite_file_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("b.db");
    let url = format!("sqlite://{}", path.display());
    stdout(&run(broadsheet().args(["migrate", "--database", &url])));
    let mut holder =
        diesel::SqliteConnection::establish(path.to_str().expect("utf-8")).expect("open");
    holder
        .batch_execute("BEGIN EXCLUSIVE")
        .expect("lock the file");
    let out = run(broadsheet().args([
        "user",
        "create",
        "--database",
        &url,
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--role",
        "author",
    ]));
    let err = assert_one_line_error(&out);
    assert!(err.contains("locked") || err.contains("busy"), "{err}");
    holder.batch_execute("ROLLBACK").expect("unlock");
}

#[test]
fn read_only_sqlite_file_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("b.db");
    let url = format!("sqlite://{}", path.display());
    stdout(&run(broadsheet().args(["migrate", "--database", &url])));
    let create = [
        "user",
        "create",
        "--database",
        &url,
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--role",
        "author",
    ];
    let out = if is_root() {
        // Root writes anything; run as `nobody`, who may read the file but not write it.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let bin = dir.path().join("broadsheet");
        std::fs::copy(env!("CARGO_BIN_EXE_broadsheet"), &bin).expect("copy binary");
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .args(create);
        cmd.env("BROADSHEET_LOG", "off");
        run(&mut cmd)
    } else {
        make_read_only(&path);
        run(broadsheet().args(create))
    };
    let err = assert_one_line_error(&out);
    assert!(
        err.contains("readonly") || err.contains("read-only") || err.contains("unable to open"),
        "{err}"
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

fn make_read_only(path: &Path) {
    let mut perms = std::fs::metadata(path).expect("metadata").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(path, perms).expect("chmod");
}

backend_tests!(
    migrate_twice,
    demo_is_idempotent,
    user_create_reads_password_from_stdin,
    key_create_seals_with_the_master_key,
    user_list_shows_accounts_without_secrets,
    user_set_password_gives_an_account_a_password,
    user_reactivate_lets_an_account_sign_in_again,
    key_list_shows_keys_without_secrets,
    key_revoke_stops_a_key_once
);

fn migrate_twice(db: &TestDb) {
    let url = db.url_string();
    let out = stdout(&run(broadsheet().args(["migrate", "--database", &url])));
    assert!(
        out.contains("up to date"),
        "the test database is already migrated: {out}"
    );
}

fn demo_is_idempotent(db: &TestDb) {
    let url = db.url_string();
    let first = stdout(&run(broadsheet().args(["demo", "--database", &url])));
    assert!(first.contains("loaded"), "{first}");
    let count = || {
        let mut c = db.store.conn().expect("connection");
        articles::count(
            &mut c,
            &ArticleFilter::default(),
            ArticleOrder::RecentlyUpdated,
        )
        .expect("count")
    };
    let loaded = count();
    assert!(loaded > 20, "enough articles to paginate: {loaded}");
    let second = stdout(&run(broadsheet().args(["demo", "--database", &url])));
    assert!(second.contains("nothing to do"), "{second}");
    assert_eq!(count(), loaded);
}

fn user_create_reads_password_from_stdin(db: &TestDb) {
    let url = db.url_string();
    let args = [
        "user",
        "create",
        "--database",
        &url,
        "--email",
        "Ed@Example.com",
        "--name",
        "Ed Itor",
        "--role",
        "editor",
        "--password-stdin",
    ];
    let out = run_with_stdin(broadsheet().args(args), b"a very good password\n");
    assert!(stdout(&out).contains("ed-itor"));
    let mut c = db.store.conn().expect("connection");
    let user = users::by_email(&mut c, &Email::parse("ed@example.com").expect("valid"))
        .expect("read")
        .expect("created");
    assert_eq!(user.role, Role::Editor);
    assert!(
        user.password_hash
            .is_some_and(|h| h.verify("a very good password"))
    );

    let again = run(broadsheet().args(&args[..args.len() - 1]));
    assert!(assert_one_line_error(&again).contains("email"));
}

/// The real binary serving a fresh SQLite file on a free port, its JSON log events read as
/// they come.
struct Served {
    child: std::process::Child,
    logs: BufReader<std::process::ChildStderr>,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(flags: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let mut child = broadsheet()
            .args(["serve", "--database", &url, "--bind", "127.0.0.1:0"])
            .args(["--log-format", "json"])
            .args(flags)
            .envs(env.iter().copied())
            .env("BROADSHEET_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn");
        let logs = BufReader::new(child.stderr.take().expect("stderr"));
        let mut served = Self {
            child,
            logs,
            port: 0,
            _dir: dir,
        };
        served.port = loop {
            let event = served.next_event().expect("server exited early");
            if event["message"] == "serving" {
                let port = event["port"].as_u64().expect("port logged");
                break u16::try_from(port).expect("a port");
            }
        };
        served
    }

    /// The next JSON log event; `None` once the server has exited.
    fn next_event(&mut self) -> Option<Value> {
        loop {
            let mut line = String::new();
            if self.logs.read_line(&mut line).expect("read log") == 0 {
                return None;
            }
            if let Ok(event) = serde_json::from_str::<Value>(&line) {
                return Some(event);
            }
        }
    }

    /// The status line of a GET, over a connection of its own.
    fn status(&self, path: &str) -> String {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).expect("request");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("response");
        let response = String::from_utf8_lossy(&response);
        response.lines().next().unwrap_or_default().to_owned()
    }

    fn terminate(&self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        assert!(killed.is_ok_and(|s| s.success()));
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // A test that failed half-way leaves no server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM stops the server cleanly: it logs the graceful shutdown and exits 0. (That
/// requests in flight are answered is shown in-process, by `health::graceful_stop_*`: the
/// signal handler and the handle take the same path.)
#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut served = Served::start(&[], &[]);
    let response = served.status("/healthz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    served.terminate();
    let mut messages = Vec::new();
    while let Some(event) = served.next_event() {
        messages.push(event["message"].as_str().unwrap_or_default().to_owned());
    }
    assert!(
        messages.iter().any(|m| m.contains("graceful shutdown")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m == "stopped"), "{messages:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = served.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

/// A switch on the command line beats the environment either way, and the spelling from
/// before switches (`--graphiql false`) still works.
#[test]
fn switches_beat_the_environment() {
    for (flags, env, graphiql) in [
        (&["--no-graphiql"][..], "true", false),
        (&["--graphiql"][..], "false", true),
        (&["--graphiql", "false"][..], "true", false),
        (&[][..], "false", false),
        (&[][..], "true", true),
    ] {
        let served = Served::start(flags, &[("BROADSHEET_GRAPHIQL", env)]);
        let status = served.status("/graphql/assets/graphiql.min.js");
        assert_eq!(
            status.starts_with("HTTP/1.1 200"),
            graphiql,
            "{flags:?} with BROADSHEET_GRAPHIQL={env}: {status}"
        );
    }
}

#[test]
fn token_prints_a_working_access_token() {
    use broadsheet_api::auth::{JwtConfig, Secret};
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    stdout(&run(broadsheet().args([
        "user",
        "create",
        "--database",
        &url,
        "--email",
        "ed@example.com",
        "--name",
        "Ed",
        "--role",
        "editor",
    ])));
    let secret = crate::helpers::TEST_SECRET;
    let token = stdout(&run(broadsheet().args([
        "token",
        "--database",
        &url,
        "--email",
        "ed@example.com",
        "--ttl",
        "2h",
        "--jwt-secret",
        secret,
    ])));
    let jwt = JwtConfig::new(Secret::new(secret.as_bytes()).expect("long enough"));
    let claims = jwt
        .verify_access(token.trim(), broadsheet_domain::time::now())
        .expect("a valid token");
    assert_eq!(claims.role, "editor");
    assert!(claims.exp - claims.iat == 7200);
    let unknown =
        run(broadsheet().args(["token", "--database", &url, "--email", "no@example.com"]));
    assert!(assert_one_line_error(&unknown).contains("email"));
    // Without a configured secret, one is generated and kept: two calls agree.
    let a = stdout(&run(broadsheet().args([
        "token",
        "--database",
        &url,
        "--email",
        "ed@example.com",
    ])));
    let b = stdout(&run(broadsheet().args([
        "token",
        "--database",
        &url,
        "--email",
        "ed@example.com",
    ])));
    assert!(
        jwt.verify_access(a.trim(), broadsheet_domain::time::now())
            .is_err(),
        "not signed with the other secret"
    );
    let store = broadsheet_persistence::Store::open(
        &broadsheet_persistence::DatabaseUrl::parse(&url).expect("url"),
        &broadsheet_persistence::PoolOptions::default(),
    )
    .expect("open");
    let stored =
        broadsheet_persistence::settings::get(&mut store.conn().expect("conn"), "jwt_secret")
            .expect("read")
            .expect("a secret was generated and kept");
    let kept = JwtConfig::new(Secret::new(stored.into_bytes()).expect("long enough"));
    assert!(
        kept.verify_access(a.trim(), broadsheet_domain::time::now())
            .is_ok()
            && kept
                .verify_access(b.trim(), broadsheet_domain::time::now())
                .is_ok()
    );
}

/// `key create` seals an integration key's secret with the master key from the environment,
/// refuses a bad key without showing it, and refuses to add a plaintext secret beside sealed
/// ones; `token` cannot read a sealed signing secret without the key.
fn key_create_seals_with_the_master_key(db: &TestDb) {
    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let url = db.url_string();
    let create = [
        "key",
        "create",
        "--database",
        &url,
        "--name",
        "Wire",
        "--integration-role",
        "editor",
    ];
    let bad = run(broadsheet()
        .args(create)
        .env("BROADSHEET_MASTER_KEY", "hunter2-hunter2-hunter2"));
    let error = assert_one_line_error(&bad);
    assert!(
        error.contains("32 random bytes") && !error.contains("hunter2"),
        "{error}"
    );

    let made = stdout(&run(broadsheet()
        .args(create)
        .env("BROADSHEET_MASTER_KEY", KEY)));
    let (_, secret) = made.trim().split_once(':').expect("{id}:{secret}");
    let mut c = db.store.conn().expect("connection");
    let stored =
        broadsheet_persistence::testing::raw::texts(&mut c, "SELECT secret AS value FROM api_keys");
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].starts_with("enc:v1:630dcd29:") && !stored[0].contains(secret),
        "{stored:?}"
    );

    let plain = run(broadsheet().args(create));
    assert!(assert_one_line_error(&plain).contains("--master-key-file"));

    // The signing secret, generated and sealed by `token` with the key, needs it to be read.
    UserBuilder::new("Ed Editor")
        .role(Role::Editor)
        .create(&mut c);
    let token = [
        "token",
        "--database",
        &url,
        "--email",
        "ededitor@example.com",
    ];
    stdout(&run(broadsheet()
        .args(token)
        .env("BROADSHEET_MASTER_KEY", KEY)));
    let without = run(broadsheet().args(token));
    let error = assert_one_line_error(&without);
    assert!(
        error.contains("no master key") && error.contains("--master-key-file"),
        "{error}"
    );
}

fn user(db: &TestDb, email: &str) -> User {
    let mut c = db.store.conn().expect("connection");
    users::by_email(&mut c, &Email::parse(email).expect("valid"))
        .expect("read")
        .expect("exists")
}

/// The field names of each object of a JSON array, sorted.
fn fields(list: &Value) -> Vec<Vec<String>> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|o| {
            let mut names: Vec<String> = o.as_object().expect("objects").keys().cloned().collect();
            names.sort();
            names
        })
        .collect()
}

/// `user list`: a table, or JSON for scripts; integrations' accounts marked; never a hash.
fn user_list_shows_accounts_without_secrets(db: &TestDb) {
    let url = db.url_string();
    let mut c = db.store.conn().expect("connection");
    UserBuilder::new("Ada Admin")
        .role(Role::Administrator)
        .password("correct horse battery")
        .create(&mut c);
    UserBuilder::new("Carl Contributor")
        .role(Role::Contributor)
        .create(&mut c);
    broadsheet_service::keys::create_integration(
        &mut c,
        &Keyring::default(),
        "Wire",
        Role::Editor,
        60,
        now(),
    )
    .expect("integration key");
    drop(c);

    let json = stdout(&run(broadsheet().args([
        "user",
        "list",
        "--database",
        &url,
        "--json",
    ])));
    let table = stdout(&run(broadsheet().args([
        "user",
        "list",
        "--database",
        &url,
    ])));
    for out in [&json, &table] {
        assert!(!out.contains("argon2"), "no password hash: {out}");
    }
    let list: Value = serde_json::from_str(&json).expect("JSON");
    let expected: Vec<String> = [
        "active",
        "created_at",
        "email",
        "has_password",
        "id",
        "integration",
        "name",
        "role",
        "slug",
        "updated_at",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(fields(&list), vec![expected; 3]);
    let show = |i: usize, field: &str| list[i][field].clone();
    assert_eq!(show(0, "email"), "adaadmin@example.com");
    assert_eq!(show(0, "role"), "administrator");
    assert_eq!(show(0, "has_password"), true);
    assert_eq!(show(1, "has_password"), false, "{list}");
    assert_eq!(show(1, "integration"), false);
    assert_eq!(show(2, "integration"), true);
    assert_eq!(show(2, "role"), "editor");
    assert_eq!(show(2, "name"), "Wire (integration)");

    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three accounts: {table}");
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("EMAIL") && lines[0].contains("PASSWORD"),
        "{table}"
    );
    assert!(
        lines[1].contains("adaadmin@example.com") && lines[1].contains("administrator"),
        "{table}"
    );
}

/// `user set-password`: an account created without a password gets one from standard input,
/// and its tokens end; bad input and unknown or integration accounts are one-line errors.
fn user_set_password_gives_an_account_a_password(db: &TestDb) {
    let url = db.url_string();
    let mut c = db.store.conn().expect("connection");
    let carl = UserBuilder::new("Carl Contributor").create(&mut c);
    assert!(carl.password_hash.is_none());
    let issued = broadsheet_service::keys::create_integration(
        &mut c,
        &Keyring::default(),
        "Wire",
        Role::Editor,
        60,
        now(),
    )
    .expect("integration key");
    let wire = users::get(&mut c, issued.key.user.expect("acts as an account"))
        .expect("read")
        .expect("exists");
    drop(c);
    let set = |email: &str| {
        let mut cmd = broadsheet();
        cmd.args(["user", "set-password", "--database", &url, "--email", email]);
        cmd
    };

    let out = run_with_stdin(
        &mut set("CarlContributor@Example.com"),
        b"a brand new password\n",
    );
    assert!(stdout(&out).contains("new password"));
    let now_set = user(db, "carlcontributor@example.com");
    assert!(
        now_set
            .password_hash
            .as_ref()
            .is_some_and(|h| h.verify("a brand new password"))
    );
    assert!(now_set.token_version > carl.token_version, "old tokens end");

    let short = run_with_stdin(&mut set("carlcontributor@example.com"), b"short\n");
    assert!(assert_one_line_error(&short).contains("password"));
    let empty = run(&mut set("carlcontributor@example.com"));
    assert!(assert_one_line_error(&empty).contains("password"));
    let unknown = run_with_stdin(&mut set("nobody@example.com"), b"a brand new password\n");
    assert!(assert_one_line_error(&unknown).contains("email"));
    let integration = run_with_stdin(&mut set(wire.email.as_str()), b"a brand new password\n");
    assert!(assert_one_line_error(&integration).contains("integration"));
    assert!(
        user(db, "carlcontributor@example.com")
            .password_hash
            .is_some_and(|h| h.verify("a brand new password")),
        "failed attempts change nothing"
    );
}

/// `user reactivate`: a deactivated account can sign in again; an active one is left alone,
/// its tokens included.
fn user_reactivate_lets_an_account_sign_in_again(db: &TestDb) {
    let url = db.url_string();
    let mut c = db.store.conn().expect("connection");
    let eve = UserBuilder::new("Eve Editor")
        .role(Role::Editor)
        .password("correct horse battery")
        .create(&mut c);
    users::set_active(&mut c, eve.id(), false, now()).expect("deactivate");
    drop(c);
    let reactivate = [
        "user",
        "reactivate",
        "--database",
        &url,
        "--email",
        "eveeditor@example.com",
    ];

    let out = stdout(&run(broadsheet().args(reactivate)));
    assert!(out.contains("reactivated"), "{out}");
    let active = user(db, "eveeditor@example.com");
    assert!(active.active);

    let again = stdout(&run(broadsheet().args(reactivate)));
    assert!(again.contains("already active"), "{again}");
    assert_eq!(
        user(db, "eveeditor@example.com").token_version,
        active.token_version,
        "an active account's tokens keep working"
    );

    let unknown = run(broadsheet().args([
        "user",
        "reactivate",
        "--database",
        &url,
        "--email",
        "nobody@example.com",
    ]));
    assert!(assert_one_line_error(&unknown).contains("email"));
}

fn create_key(url: &str, extra: &[&str]) -> String {
    let out = stdout(&run(broadsheet()
        .args(["key", "create", "--database", url])
        .args(extra)));
    out.trim().to_owned()
}

fn list_keys(url: &str) -> Value {
    let json = stdout(&run(broadsheet().args([
        "key",
        "list",
        "--database",
        url,
        "--json",
    ])));
    serde_json::from_str(&json).expect("JSON")
}

/// `key list`: content and integration keys, newest first, with what an operator needs and
/// never a secret or a hash.
fn key_list_shows_keys_without_secrets(db: &TestDb) {
    let url = db.url_string();
    let content = create_key(&url, &["--name", "Partner Times"]);
    // `Editor`: roles were matched without regard to case before they were a list.
    let integration = create_key(&url, &["--name", "Wire", "--integration-role", "Editor"]);
    let (kid, secret) = integration.split_once(':').expect("{id}:{secret}");

    let json = stdout(&run(broadsheet().args([
        "key",
        "list",
        "--database",
        &url,
        "--json",
    ])));
    let table = stdout(&run(broadsheet().args(["key", "list", "--database", &url])));
    for out in [&json, &table] {
        for hidden in [
            content.as_str(),
            secret,
            &broadsheet_service::keys::hash(&content),
        ] {
            assert!(!out.contains(hidden), "{hidden} shown: {out}");
        }
    }
    let list: Value = serde_json::from_str(&json).expect("JSON");
    let expected: Vec<String> = [
        "created_at",
        "id",
        "key_id",
        "kind",
        "last_used_at",
        "name",
        "rate_limit",
        "revoked_at",
        "role",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(fields(&list), vec![expected; 2]);
    assert_eq!(list[0]["name"], "Wire", "newest first");
    assert_eq!(list[0]["kind"], "integration");
    assert_eq!(list[0]["key_id"], kid);
    assert_eq!(list[0]["role"], "editor");
    assert_eq!(list[1]["name"], "Partner Times");
    assert_eq!(list[1]["kind"], "content");
    assert_eq!(list[1]["role"], Value::Null);
    assert_eq!(list[1]["rate_limit"], 600);
    assert_eq!(list[1]["last_used_at"], Value::Null);
    assert_eq!(list[1]["revoked_at"], Value::Null);

    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].contains("KIND") && lines[0].contains("LAST USED"),
        "{table}"
    );
    assert!(
        lines[1].contains("integration") && lines[1].contains(kid),
        "{table}"
    );
    assert!(
        lines[2].contains("Partner Times") && lines[2].contains("content"),
        "{table}"
    );
}

/// `key revoke`: the key stops working; revoking it again keeps the time it was first
/// revoked; an unknown id is a one-line error.
fn key_revoke_stops_a_key_once(db: &TestDb) {
    let url = db.url_string();
    let content = create_key(&url, &["--name", "Partner Times"]);
    let id = list_keys(&url)[0]["id"].as_i64().expect("id").to_string();
    let revoke = ["key", "revoke", "--database", &url, "--id", &id];

    let out = stdout(&run(broadsheet().args(revoke)));
    assert!(out.contains("content key \"Partner Times\""), "{out}");
    assert!(out.contains("revoked at"), "{out}");
    let mut c = db.store.conn().expect("connection");
    assert!(
        keys::content_key(&mut c, &broadsheet_service::keys::hash(&content))
            .expect("read")
            .is_none(),
        "no longer accepted"
    );
    drop(c);
    let revoked_at = list_keys(&url)[0]["revoked_at"].clone();
    assert!(revoked_at.is_string(), "{revoked_at}");

    stdout(&run(broadsheet().args(revoke)));
    assert_eq!(
        list_keys(&url)[0]["revoked_at"],
        revoked_at,
        "the first time kept"
    );

    let unknown = run(broadsheet().args(["key", "revoke", "--database", &url, "--id", "999999"]));
    assert!(assert_one_line_error(&unknown).contains("id"));
}
