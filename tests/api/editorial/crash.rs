//! Killed with SIGKILL in the middle of a stream of writes, the server comes back with every
//! acknowledged write and a consistent database.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use broadsheet_domain::listing::{ArticleFilter, ArticleOrder};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{TestDb, UserBuilder};
use broadsheet_persistence::{AnyConnection, articles};
use chrono::TimeDelta;
use diesel::RunQueryDsl as _;

use super::jwt;
use crate::helpers::TEST_SECRET;

/// Starts `broadsheet serve` on `url` (with `extra` arguments); returns the child and its
/// port.
pub(crate) fn serve(url: &str, extra: &[&str]) -> (std::process::Child, u16) {
    serve_with(url, extra, &[])
}

/// [`serve`], with environment variables set (`Some`) or removed (`None`).
pub(crate) fn serve_with(
    url: &str,
    extra: &[&str],
    env: &[(&str, Option<&str>)],
) -> (std::process::Child, u16) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let mut child = command
        .args([
            "serve",
            "--database",
            url,
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--jwt-secret",
            TEST_SECRET,
        ])
        .args(extra)
        .env("BROADSHEET_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut logs = BufReader::new(child.stderr.take().expect("stderr"));
    let port = loop {
        let mut line = String::new();
        assert!(
            logs.read_line(&mut line).expect("log") > 0,
            "server exited early"
        );
        if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
            && event["message"] == "serving"
        {
            break u16::try_from(event["port"].as_u64().expect("port")).expect("port");
        }
    };
    std::thread::spawn(move || std::io::copy(&mut logs, &mut std::io::sink()));
    (child, port)
}

/// One createArticle over a fresh connection; the title if the server acknowledged it.
pub(crate) fn create(port: u16, token: &str, title: &str) -> Option<String> {
    let body = serde_json::json!({
        "query": "mutation($t: String!) { createArticle(input: { title: $t, status: PUBLISHED }) { article { title } } }",
        "variables": { "t": title },
    })
    .to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let json = response.split("\r\n\r\n").nth(1)?;
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value["data"]["createArticle"]["article"]["title"]
        .as_str()
        .map(str::to_owned)
}

fn crash_and_recover(db: &TestDb) {
    let editor = {
        let mut c = db.store.conn().expect("connection");
        UserBuilder::new("Eve Editor")
            .role(broadsheet_domain::author::Role::Editor)
            .create(&mut c)
    };
    let token = jwt().issue_access(editor.id().0, "editor", now(), TimeDelta::hours(1));
    let (mut child, port) = serve(&db.url_string(), &[]);
    // Each write acknowledged is told to the test, which kills the server once the stream is
    // well under way (and still going).
    let (told, acks) = std::sync::mpsc::channel();
    let writer = {
        let token = token.clone();
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            for i in 0..10_000 {
                match create(port, &token, &format!("Story {i}")) {
                    Some(title) => acknowledged.push(title),
                    None => break,
                }
                let _ = told.send(acknowledged.len());
            }
            acknowledged
        })
    };
    loop {
        match acks.recv_timeout(Duration::from_secs(30)) {
            Ok(n) if n >= 20 => break,
            Ok(_) => {}
            Err(error) => panic!("the stream of writes stalled: {error}"),
        }
    }
    let killed = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|s| s.success()));
    let _ = child.wait();
    let acknowledged = writer.join().expect("writer");
    assert!(
        acknowledged.len() > 5,
        "the stream was under way: {}",
        acknowledged.len()
    );

    // Restart on the same database: recovery runs, and every acknowledged write is there.
    let (mut again, port) = serve(&db.url_string(), &[]);
    let mut c = db.store.conn().expect("connection");
    let stored: Vec<String> = articles::list(
        &mut c,
        &ArticleFilter::default(),
        ArticleOrder::TitleAsc,
        &broadsheet_domain::listing::PageRequest::first(100_000),
    )
    .expect("list")
    .items
    .into_iter()
    .map(|a| a.title.as_str().to_owned())
    .collect();
    for title in &acknowledged {
        assert!(
            stored.contains(title),
            "{title} was acknowledged but is missing"
        );
    }
    assert!(
        stored.len() <= acknowledged.len() + 1,
        "at most the one in flight besides"
    );
    if let AnyConnection::Sqlite(sqlite) = &mut **c {
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(sqlite)
            .expect("check");
        assert_eq!(
            check.first().map(|c| c.integrity_check.as_str()),
            Some("ok")
        );
    }
    let count =
        articles::count(&mut c, &ArticleFilter::default(), ArticleOrder::TitleAsc).expect("count");
    assert_eq!(count as usize, stored.len(), "indexes agree with the table");
    assert!(
        create(port, &token, "After the crash").is_some(),
        "the server works again"
    );
    let _ = again.kill();
    let _ = again.wait();
}

#[test]
fn sigkill_loses_no_acknowledged_write() {
    for db in [Some(TestDb::sqlite()), TestDb::postgres()]
        .into_iter()
        .flatten()
    {
        crash_and_recover(&db);
    }
}
