//! Logs never hold a secret, at any level: not a content key, a password, an access,
//! refresh or preview token, an `Authorization` header, nor a value bound to SQL.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::cli::broadsheet;

fn run(cmd: &mut Command, stdin: &str) -> String {
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
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    let out = child.wait_with_output().expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// One HTTP/1.1 request; the response body.
fn http(port: u16, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(body.as_bytes()).expect("body");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

fn graphql(port: u16, token: Option<&str>, query: &str, variables: Value) -> Value {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let text = http(port, "POST", "/graphql", &headers, &body);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn no_secret_reaches_a_log_line_even_at_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    run(broadsheet().args(["demo", "--database", &url]), "");
    let key = run(
        broadsheet().args(["key", "create", "--database", &url, "--name", "Partner"]),
        "",
    );
    let password = "a very secret passphrase 7";
    run(
        broadsheet().args([
            "user",
            "create",
            "--database",
            &url,
            "--email",
            "ada@example.com",
            "--name",
            "Ada Admin",
            "--role",
            "administrator",
            "--password-stdin",
        ]),
        &format!("{password}\n"),
    );
    let mut server = broadsheet()
        .args([
            "serve",
            "--database",
            &url,
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--log",
            "trace",
            "--jwt-secret",
            "a-test-secret-a-test-secret-a-test-secret",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut stderr = server.stderr.take().expect("stderr");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    let _ = lines_tx.send(buf[..n].to_vec());
                }
            }
        }
        all
    });
    // The port, from the "serving" line.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        assert!(Instant::now() < deadline, "the server did not start");
        if let Ok(chunk) = lines_rx.recv_timeout(Duration::from_millis(200)) {
            seen.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&seen);
        if let Some(port) = text.lines().find_map(|l| {
            let event: Value = serde_json::from_str(l).ok()?;
            (event["message"] == "serving").then(|| event["port"].as_u64())?
        }) {
            break u16::try_from(port).expect("port");
        }
    };

    // A partner's key in the URL.
    http(
        port,
        "GET",
        &format!("/ghost/api/content/posts/?key={key}&limit=2"),
        &[],
        "",
    );
    // A sign-in, with its password, and the tokens it gives.
    let login = graphql(
        port,
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }",
        json!({ "e": "ada@example.com", "p": password }),
    );
    let access = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned();
    let refresh = login["data"]["login"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();
    // A bearer token, and a preview token made with it.
    let page = graphql(
        port,
        Some(&access),
        "{ articles(first: 1) { nodes { previewToken } } }",
        json!({}),
    );
    let preview = page["data"]["articles"]["nodes"][0]["previewToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{page}"))
        .to_owned();
    // The preview token in a GET's variables, and inline in a document.
    let variables = encode(&json!({ "t": preview }).to_string());
    http(
        port,
        "GET",
        &format!(
            "/graphql?query={}&variables={variables}",
            encode("query($t: String!) { preview(token: $t) { title } }")
        ),
        &[("accept", "application/json")],
        "",
    );
    http(
        port,
        "GET",
        &format!(
            "/graphql?query={}",
            encode(&format!("{{ preview(token: \"{preview}\") {{ title }} }}"))
        ),
        &[("accept", "application/json")],
        "",
    );
    // The refresh token traded in; a bad bearer token refused.
    graphql(
        port,
        None,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({ "t": refresh }),
    );
    graphql(
        port,
        Some("not.a.valid-token-zzz"),
        "{ me { email } }",
        json!({}),
    );

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let logs = String::from_utf8_lossy(&reader.join().expect("logs")).into_owned();
    assert!(
        logs.contains("\"query\""),
        "trace logging was on: SQL text is logged"
    );
    for (what, secret) in [
        ("the content key", key.clone()),
        ("the content key's hash (bound to SQL)", sha256_hex(&key)),
        ("the password", password.to_owned()),
        ("the access token", access.clone()),
        ("the refresh token", refresh.clone()),
        (
            "the refresh token's hash (bound to SQL)",
            sha256_hex(&refresh),
        ),
        ("the preview token", preview.clone()),
        ("a bad bearer token", "not.a.valid-token-zzz".to_owned()),
    ] {
        assert!(!logs.contains(&secret), "{what} is in the log");
        // Nor its start, as a truncated value would show it.
        assert!(
            !logs.contains(&secret[..secret.len().min(20)]),
            "the start of {what} is in the log"
        );
    }
}
