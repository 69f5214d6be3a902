//! What the binary writes to stderr at the default level: a line for each request answered,
//! with the request id its client sees, and nothing from a one-shot command that succeeds
//! but its own output (stderr is where its one-line error would go).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::broadsheet;

/// A `broadsheet serve` process logging JSON to a pipe the test reads; killed when dropped.
pub(crate) struct Served {
    pub port: u16,
    child: Child,
    events: Arc<(Mutex<Vec<Value>>, Condvar)>,
}

impl Served {
    /// Starts `serve` with `args` (which should bind port 0) and waits for it to listen.
    pub(crate) fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .env("BROADSHEET_LOG_FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let events = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let sink = Arc::clone(&events);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let event = serde_json::from_str(&line).unwrap_or(Value::String(line));
                let (list, changed) = &*sink;
                list.lock().expect("log lock").push(event);
                changed.notify_all();
            }
        });
        let mut served = Self {
            port: 0,
            child,
            events,
        };
        let serving = served
            .wait_for(Duration::from_secs(60), |e| e["message"] == "serving")
            .unwrap_or_else(|| panic!("the server did not start: {:?}", served.events()));
        served.port = serving["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .expect("port logged");
        served
    }

    /// Every line so far (as JSON where it is).
    pub(crate) fn events(&self) -> Vec<Value> {
        self.events.0.lock().expect("log lock").clone()
    }

    /// The first line that `matches`, waiting up to `within` for it.
    pub(crate) fn wait_for(
        &self,
        within: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = Instant::now() + within;
        let (list, changed) = &*self.events;
        let mut events = list.lock().expect("log lock");
        loop {
            if let Some(found) = events.iter().find(|e| matches(e)) {
                return Some(found.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            events = changed.wait_timeout(events, left).expect("log lock").0;
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET over HTTP/1.1; the response's head.
fn get_head(port: u16, target: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
        .split_once("\r\n\r\n")
        .map_or(response.clone(), |(head, _)| head.to_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn each_request_answered_is_a_line_with_its_id_at_info() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let mut cmd = broadsheet();
    cmd.env_remove("BROADSHEET_LOG")
        .args(["serve", "--database", &url, "--bind", "127.0.0.1:0"]);
    let server = Served::start(cmd);

    let head = get_head(server.port, "/graphql?query=%7B__typename%7D");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let id = header(&head, "x-request-id")
        .expect("a request id")
        .to_owned();
    let line = server
        .wait_for(Duration::from_secs(10), |e| {
            e["message"] == "answered" && e["span"]["request_id"] == id.as_str()
        })
        .unwrap_or_else(|| panic!("no line for request {id}: {:#?}", server.events()));
    assert_eq!(line["level"], "INFO");
    let span = &line["span"];
    assert_eq!(span["http.status_code"], 200, "{line}");
    assert_eq!(span["http.route"], "/graphql", "{line}");
    assert_eq!(span["http.target"], "/graphql?query=…", "{line}");
    assert!(line["elapsed_ms"].as_f64().is_some(), "{line}");

    // Health checks, asked every few seconds by load balancers, are not logged at info.
    let health = get_head(server.port, "/healthz");
    let health_id = header(&health, "x-request-id")
        .expect("a request id")
        .to_owned();
    let unknown = get_head(server.port, "/no-such-page");
    let unknown_id = header(&unknown, "x-request-id")
        .expect("a request id")
        .to_owned();
    server
        .wait_for(Duration::from_secs(10), |e| {
            e["span"]["request_id"] == unknown_id.as_str()
        })
        .expect("a line for the 404");
    assert!(
        !server
            .events()
            .iter()
            .any(|e| e["span"]["request_id"] == health_id.as_str()),
        "the health check is logged at info"
    );
}

#[test]
fn token_writes_only_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let created = broadsheet()
        .args([
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
        ])
        .stdin(Stdio::null())
        .output()
        .expect("user create runs");
    assert!(created.status.success(), "{created:?}");
    // At the default log level, and without a configured secret: the stored one is used.
    for _ in 0..2 {
        let out = broadsheet()
            .env_remove("BROADSHEET_LOG")
            .args(["token", "--database", &url, "--email", "ed@example.com"])
            .stdin(Stdio::null())
            .output()
            .expect("token runs");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "stderr is for a failure's one line"
        );
        let token = String::from_utf8_lossy(&out.stdout);
        assert_eq!(token.trim_end().split('.').count(), 3, "a JWT: {token}");
    }
}
