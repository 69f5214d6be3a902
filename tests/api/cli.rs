//! The binary itself: arguments, errors, the database commands, and graceful shutdown.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use broadsheet_domain::author::{Email, Role};
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder};
use broadsheet_persistence::testing::{TestDb, UserBuilder};
use broadsheet_persistence::{articles, backend_tests, users};
use diesel::Connection as _;
use diesel::connection::SimpleConnection as _;

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
    assert!(assert_one_line_error(&out).contains("role"));
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
    key_create_seals_with_the_master_key
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
    let mut child = broadsheet()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a very good password\n")
        .expect("write password");
    let out = child.wait_with_output().expect("wait");
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

/// SIGTERM stops the server cleanly: it logs the graceful shutdown and exits 0. (That
/// requests in flight are answered is shown in-process, by `health::graceful_stop_*`: the
/// signal handler and the handle take the same path.)
#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let mut child = broadsheet()
        .args([
            "serve",
            "--database",
            &url,
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .env("BROADSHEET_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut logs = BufReader::new(child.stderr.take().expect("stderr"));
    let mut next_event = move || loop {
        let mut line = String::new();
        if logs.read_line(&mut line).expect("read log") == 0 {
            return None;
        }
        if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
            return Some(event);
        }
    };
    let port = loop {
        let event = next_event().expect("server exited early");
        if event["message"] == "serving" {
            break event["port"].as_u64().expect("port logged");
        }
    };
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", u16::try_from(port).expect("port")))
            .expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|s| s.success()));
    let mut messages = Vec::new();
    while let Some(event) = next_event() {
        messages.push(event["message"].as_str().unwrap_or_default().to_owned());
    }
    assert!(
        messages.iter().any(|m| m.contains("graceful shutdown")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m == "stopped"), "{messages:?}");
    // Its exit, told by a thread that waits for it: no polling.
    let (exited, exit) = std::sync::mpsc::channel();
    std::thread::spawn(move || exited.send(child.wait()));
    let status = exit
        .recv_timeout(Duration::from_secs(10))
        .expect("the server stops")
        .expect("exit status");
    assert!(status.success(), "{status:?}");
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
