//! `/metrics`: on its own listener only (`--metrics-bind`), in the Prometheus text format as
//! a real parser reads it (Python's `prometheus_client`), with counters that move as the
//! requests made predict.

use std::process::Command;

use actix_web::http::StatusCode;
use broadsheet_persistence::testing::TestDb;

use crate::helpers::{TestApp, db_tests};

db_tests!(metrics_count_what_happens_and_parse);

const PARSE: &str = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
samples = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        key = s.name + json.dumps(s.labels, sort_keys=True)
        samples[key] = s.value
print(json.dumps(samples))
"#;

async fn scrape(app: &TestApp) -> String {
    let address = app.metrics_address.clone().expect("metrics are on");
    let mut response = awc::Client::default()
        .get(format!("{address}/metrics"))
        .send()
        .await
        .expect("metrics answer");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let body = response.body().await.expect("a body");
    String::from_utf8(body.to_vec()).expect("UTF-8")
}

async fn metrics_count_what_happens_and_parse(db: TestDb) {
    let app = TestApp::spawn_configured(db, |args| {
        args.metrics_bind = Some("127.0.0.1:0".parse().expect("an address"));
    })
    .await;
    // Never on the public listener.
    assert_ne!(app.get("/metrics").await.status, StatusCode::OK);
    app.refresh_cache().await;
    let path = "/graphql?query=%7Barticles(first%3A1)%7BtotalCount%7D%7D";
    assert_eq!(app.get(path).await.header("x-cache"), Some("MISS"));
    assert_eq!(app.get(path).await.header("x-cache"), Some("HIT"));
    let text = scrape(&app).await;
    for line in [
        r#"broadsheet_http_requests_total{route="/graphql",method="GET",status="200"} 2"#,
        r#"broadsheet_response_cache_lookups_total{result="hit"} 1"#,
        r#"broadsheet_response_cache_lookups_total{result="miss"} 1"#,
        r#"broadsheet_http_request_duration_seconds_count{route="/graphql"} 2"#,
        "broadsheet_webhook_deliveries_pending 0",
        "broadsheet_scheduler_lag_seconds 0.0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in:\n{text}");
    }
    assert!(text.ends_with("# EOF\n"), "{text}");

    let python = std::env::var("BROADSHEET_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_parser = Command::new(&python)
        .args(["-c", "import prometheus_client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_parser {
        return crate::external::skipped(
            "prometheus_client",
            "no Python with prometheus_client (set BROADSHEET_TEST_PYTHON)",
        );
    }
    // One more request, and the parser reads what it should.
    app.get(path).await;
    let text = scrape(&app).await;
    let mut child = Command::new(&python)
        .args(["-c", PARSE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(text.as_bytes()).expect("written");
    }
    let out = child.wait_with_output().expect("python ends");
    assert!(
        out.status.success(),
        "the parser refused the metrics: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let samples: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let value = |key: &str| samples.get(key).and_then(serde_json::Value::as_f64);
    assert_eq!(
        value(
            r#"broadsheet_http_requests_total{"method": "GET", "route": "/graphql", "status": "200"}"#
        ),
        Some(3.0),
        "{samples}"
    );
    assert_eq!(
        value(r#"broadsheet_response_cache_lookups_total{"result": "hit"}"#),
        Some(2.0),
        "{samples}"
    );
    assert!(
        value(r#"broadsheet_db_pool_connections{"state": "idle"}"#).is_some(),
        "{samples}"
    );
    assert!(
        value("broadsheet_response_cache_bytes{}").is_some_and(|b| b > 0.0),
        "{samples}"
    );

    // An article due a minute ago that no scheduler has published (it is off in tests).
    {
        let mut c = app.db.store.conn().expect("connection");
        let ann = broadsheet_persistence::testing::UserBuilder::new("Ann")
            .create(&mut c)
            .id();
        broadsheet_persistence::testing::ArticleBuilder::new("Overdue", ann)
            .scheduled_for(broadsheet_domain::time::now() - chrono::TimeDelta::seconds(60))
            .create(&mut c);
    }
    let text = scrape(&app).await;
    let lag: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("broadsheet_scheduler_lag_seconds "))
        .and_then(|v| v.parse().ok())
        .expect("the lag");
    assert!((60.0..3600.0).contains(&lag), "lag {lag}");
}
