//! A client that sends its body a byte at a time is cut off, as one that sends its headers so
//! is: it cannot hold a worker and a connection for as long as it likes.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use broadsheet_persistence::testing::TestDb;

use crate::helpers::{TestApp, db_tests};

db_tests!(a_body_sent_a_byte_at_a_time_is_cut_off);

async fn a_body_sent_a_byte_at_a_time_is_cut_off(db: TestDb) {
    let app = TestApp::spawn_configured(db, |args| {
        args.request_body_timeout = Duration::from_secs(1);
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    let body = r#"{"query":"{ tags(first: 1) { totalCount } }"}"#;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("headers");
    let (mut reader, mut writer) = stream.into_split();
    // A byte every 200 ms: the whole body would take 9 seconds.
    let dribble = tokio::spawn(async move {
        for byte in body.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(6), async {
        let mut buf = [0u8; 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    dribble.abort();
    assert!(
        read.is_ok(),
        "the server waited for the whole dribbled body"
    );
    let head = String::from_utf8_lossy(&answer);
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
}
