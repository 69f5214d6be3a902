//! The README's ten-minute tour, run as a reader runs it, so that it cannot drift from the
//! product: its `sh` blocks in order in one bash session, in a directory where
//! `target/release/broadsheet` is the binary under test, against a fresh server started with
//! the tour's own arguments; and each answer the tour shows checked against what came.
//!
//! The tour is the README's text between `<!-- tour: tests/api/tour.rs … -->` and
//! `<!-- tour: end -->`. In it:
//! - a `sh` block is run, and a `json` or `text` block right after it is what it prints
//!   (JSON compared as values, a string ending in `…` standing for any string with that
//!   start; text line by line, `…` standing for any run of characters);
//! - `<!-- tour: server -->` marks the block that starts the server (`cargo run … -- serve
//!   ARGS`): the test starts the binary with ARGS, on a free port;
//! - `<!-- tour: background -->` marks a block that runs on in another terminal, and
//!   `<!-- tour: background output -->` what it has printed by then (waited for).
//!
//! The reader's addresses become the test's: `127.0.0.1:8080` the server's port, `9000` the
//! receiver's. Needs bash, curl, jq and python3 (`.ci/run` has them).

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use broadsheet_persistence::testing::TestDb;
use broadsheet_persistence::{DatabaseUrl, backend_tests};
use serde_json::Value;

use crate::cli::broadsheet;
use crate::graphql::readme::matches;
use crate::logs::Served;

backend_tests!(the_readme_tour_runs_as_written);

/// What a block's output must be.
#[derive(Debug)]
enum Expected {
    Json(String),
    Text(String),
}

#[derive(Debug)]
enum Step {
    /// Start the server with the arguments after `--`.
    Server(String),
    /// Run in the session; check what it prints, if the tour shows it.
    Run(String, Option<Expected>),
    /// Start in the background (another terminal).
    Background(String),
    /// Wait until the background command has printed this.
    BackgroundOutput(Expected),
}

const START: &str = "<!-- tour: tests/api/tour.rs";
const END: &str = "<!-- tour: end -->";

/// The tour's steps, from the README's text.
fn steps(readme: &str) -> Vec<Step> {
    let from = readme.find(START).expect("the README has a tour");
    let to = readme[from..].find(END).expect("the tour has an end") + from;
    let mut steps = Vec::new();
    let mut marker: Option<String> = None;
    let mut lines = readme[from..to].lines().skip(1);
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("<!-- tour: ") {
            let name = rest.strip_suffix(" -->").expect("a marker on one line");
            assert!(
                ["server", "background", "background output"].contains(&name),
                "unknown tour marker {line:?}"
            );
            marker = Some(name.to_owned());
            continue;
        }
        let Some(lang) = line.strip_prefix("```") else {
            continue;
        };
        let mut block = String::new();
        for line in lines.by_ref() {
            if line == "```" {
                break;
            }
            block.push_str(line);
            block.push('\n');
        }
        let expected = match lang {
            "sh" => None,
            "json" => Some(Expected::Json(block.clone())),
            "text" => Some(Expected::Text(block.clone())),
            other => panic!("a ```{other} block in the tour: sh, json or text only"),
        };
        let step = match (marker.take().as_deref(), expected) {
            (Some("server"), None) => Step::Server(block),
            (Some("background"), None) => Step::Background(block),
            (None, None) => Step::Run(block, None),
            (Some("background output"), Some(expected)) => Step::BackgroundOutput(expected),
            (None, Some(expected)) => match steps.last_mut() {
                Some(Step::Run(_, shown)) if shown.is_none() => {
                    *shown = Some(expected);
                    continue;
                }
                _ => panic!("an answer in the tour that follows no command:\n{block}"),
            },
            (marker, _) => panic!("tour marker {marker:?} on the wrong kind of block:\n{block}"),
        };
        steps.push(step);
    }
    steps
}

/// `actual` is what `expected` shows: the same text, `…` standing for any run of characters.
fn line_matches(expected: &str, actual: &str) -> bool {
    let mut parts = expected.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn text_matches(expected: &str, actual: &str) -> bool {
    let expected: Vec<&str> = expected.trim_end().lines().collect();
    let actual: Vec<&str> = actual.trim_end().lines().collect();
    expected.len() == actual.len()
        && expected
            .iter()
            .zip(&actual)
            .all(|(e, a)| line_matches(e, a))
}

fn json_values(text: &str) -> Result<Vec<Value>, serde_json::Error> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect()
}

fn output_matches(expected: &Expected, actual: &str) -> bool {
    match expected {
        Expected::Text(text) => text_matches(text, actual),
        Expected::Json(text) => {
            let expected = json_values(text).expect("the tour's JSON parses");
            json_values(actual).is_ok_and(|actual| {
                actual.len() == expected.len()
                    && expected.iter().zip(&actual).all(|(e, a)| matches(e, a))
            })
        }
    }
}

/// Output that a thread collects as it comes.
#[derive(Clone, Default)]
struct Collected(Arc<(Mutex<String>, Condvar)>);

impl Collected {
    fn from(output: impl std::io::Read + Send + 'static) -> Self {
        let collected = Self::default();
        let sink = collected.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines() {
                let Ok(line) = line else { break };
                let (text, changed) = &*sink.0;
                let mut text = text.lock().expect("output lock");
                text.push_str(&line);
                text.push('\n');
                changed.notify_all();
            }
        });
        collected
    }

    fn text(&self) -> String {
        self.0.0.lock().expect("output lock").clone()
    }

    /// Waits up to `within` for the text so far to satisfy `done`.
    fn wait_for(&self, within: Duration, done: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + within;
        let (text, changed) = &*self.0;
        let mut text = text.lock().expect("output lock");
        loop {
            if done(&text) {
                return true;
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            text = changed.wait_timeout(text, left).expect("output lock").0;
        }
    }
}

/// One bash, fed a block at a time, as a reader pastes them into a terminal; it stops at
/// the first command that fails.
struct Session {
    bash: Child,
    stdin: ChildStdin,
    stdout: Receiver<String>,
    stderr: Collected,
}

const DONE: &str = "<<<the block is done>>>";

impl Session {
    fn start(mut cmd: Command) -> Self {
        let mut bash = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bash starts");
        let mut stdin = bash.stdin.take().expect("stdin");
        let stderr = Collected::from(bash.stderr.take().expect("stderr"));
        let (lines, stdout) = mpsc::channel();
        let out = bash.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        writeln!(stdin, "set -eo pipefail").expect("bash reads");
        Self {
            bash,
            stdin,
            stdout,
            stderr,
        }
    }

    /// Runs `block`; what it printed on stdout.
    fn run(&mut self, block: &str) -> String {
        write!(self.stdin, "{block}\nprintf '\\n%s\\n' '{DONE}'\n").expect("bash reads");
        self.stdin.flush().expect("bash reads");
        let mut printed = String::new();
        loop {
            match self.stdout.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line == DONE => break,
                Ok(line) => {
                    printed.push_str(&line);
                    printed.push('\n');
                }
                Err(_) => panic!(
                    "this step of the tour failed (or hung):\n{block}\nit printed:\n{printed}\n\
                     and on stderr:\n{}",
                    self.stderr.text()
                ),
            }
        }
        // The empty line before the marker, which keeps it on a line of its own.
        if printed.ends_with("\n\n") || printed == "\n" {
            printed.pop();
        }
        printed
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.bash.kill();
        let _ = self.bash.wait();
    }
}

/// A command running in a process group of its own, ended with the group.
struct Background {
    child: Child,
    output: Collected,
}

impl Drop for Background {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn has(tool: &str, version_flag: &str) -> bool {
    Command::new(tool)
        .arg(version_flag)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn the_readme_tour_runs_as_written(db: &TestDb) {
    use std::os::unix::process::CommandExt as _;

    if !["bash", "curl", "jq", "python3"]
        .iter()
        .all(|tool| has(tool, "--version"))
    {
        return crate::external::skipped("the README tour", "it needs bash, curl, jq and python3");
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let steps = steps(&readme);

    // The reader's repository root: the binary where a release build puts it, and the
    // default SQLite database beside it (PostgreSQL from the environment, as a deployment
    // would set it).
    let root = tempfile::tempdir().expect("tempdir");
    let bin = root.path().join("target/release");
    std::fs::create_dir_all(&bin).expect("target/release");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_broadsheet"), bin.join("broadsheet"))
        .expect("the binary in place");
    let database = match db.url() {
        DatabaseUrl::Sqlite(_) => None,
        DatabaseUrl::Postgres(_) => Some(db.url_string()),
    };
    let environment = |cmd: &mut Command| {
        cmd.current_dir(root.path());
        if let Some(url) = &database {
            cmd.env("BROADSHEET_DATABASE_URL", url);
        }
    };

    let receiver_port = free_port().to_string();
    let mut server: Option<Served> = None;
    let mut session: Option<Session> = None;
    let mut background: Option<Background> = None;
    let localize = |text: &str, server: &Option<Served>| {
        let port = server.as_ref().expect("the server is started first").port;
        text.replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"))
            .replace("9000", &receiver_port)
    };
    for step in &steps {
        match step {
            Step::Server(block) => {
                let (_, args) = block
                    .trim()
                    .split_once(" -- ")
                    .expect("the server is started with `cargo run … -- serve …`");
                let mut cmd = broadsheet();
                cmd.env("BROADSHEET_LOG", "info")
                    .args(args.split_whitespace())
                    .args(["--bind", "127.0.0.1:0"]);
                environment(&mut cmd);
                server = Some(Served::start(cmd));
                let mut bash = Command::new("bash");
                for (key, _) in std::env::vars() {
                    if key.starts_with("BROADSHEET_") {
                        bash.env_remove(key);
                    }
                }
                bash.args(["--noprofile", "--norc"]);
                environment(&mut bash);
                session = Some(Session::start(bash));
            }
            Step::Run(block, expected) => {
                let session = session.as_mut().expect("the server is started first");
                let printed = session.run(&localize(block, &server));
                if let Some(expected) = expected {
                    let expected = localize_expected(expected, |t| localize(t, &server));
                    assert!(
                        output_matches(&expected, &printed),
                        "the tour's answer is stale. The step:\n{block}\nprinted:\n{printed}\n\
                         where the tour shows:\n{expected:?}\n(stderr: {})",
                        session.stderr.text()
                    );
                }
            }
            Step::Background(block) => {
                let mut cmd = Command::new("bash");
                cmd.args(["-c", &localize(block, &server)])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .process_group(0);
                environment(&mut cmd);
                let mut child = cmd.spawn().expect("the background command starts");
                let output = Collected::from(child.stdout.take().expect("stdout"));
                // The receiver is listening before the tour goes on, as it is by the time
                // a reader has switched terminals.
                let port: u16 = receiver_port.parse().expect("port");
                let deadline = Instant::now() + Duration::from_secs(20);
                while TcpStream::connect(("127.0.0.1", port)).is_err() {
                    assert!(
                        Instant::now() < deadline,
                        "the background command does not listen on {port}:\n{block}"
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
                background = Some(Background { child, output });
            }
            Step::BackgroundOutput(expected) => {
                let running = background.as_ref().expect("a background command runs");
                let expected = localize_expected(expected, |t| localize(t, &server));
                assert!(
                    running
                        .output
                        .wait_for(Duration::from_secs(60), |text| output_matches(
                            &expected, text
                        )),
                    "the background command printed:\n{}\nwhere the tour shows:\n{expected:?}",
                    running.output.text()
                );
            }
        }
    }
    assert!(server.is_some(), "the tour starts the server");
    drop(background);
    drop(session);
    drop(server);
}

fn localize_expected(expected: &Expected, localize: impl Fn(&str) -> String) -> Expected {
    match expected {
        Expected::Json(t) => Expected::Json(localize(t)),
        Expected::Text(t) => Expected::Text(localize(t)),
    }
}

#[test]
fn tour_markers_parse() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let steps = steps(&readme);
    assert!(matches!(steps.first(), Some(Step::Server(_))), "{steps:?}");
    assert!(steps.iter().any(|s| matches!(s, Step::Background(_))));
    assert!(line_matches("created … with …", "created x with y"));
    assert!(!line_matches("created …", "made x"));
    assert!(line_matches("abc", "abc") && !line_matches("abc", "abcd"));
}
