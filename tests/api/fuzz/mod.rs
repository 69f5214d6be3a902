//! The public HTTP surface under generated requests (the `fuzz_` tests): a running server with
//! the sample publication gets GraphQL by GET and POST, the JSON Content API and feeds, with
//! random parameters and headers, some requests twice. No answer may be a server error (a
//! 503 saying TIMEOUT or UNAVAILABLE excepted), carry an INTERNAL error, or differ from the
//! same anonymous read answered a moment before (the response cache must not change what a
//! request gets); the server must still be healthy at the end. `PROPTEST_CASES` sets the
//! cases on SQLite (150 by default, each one or two requests); PostgreSQL runs a third.

mod operations;
mod requests;

use std::io::Read as _;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::rt::System;
use broadsheet_domain::author::Role;
use broadsheet_persistence::Backend;
use broadsheet_persistence::testing::TestDb;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

use crate::helpers::TestApp;
use requests::{Known, Request, request};

mod sqlite {
    #[test]
    fn fuzz_public_http_surface() {
        super::run(broadsheet_persistence::testing::TestDb::sqlite());
    }
}

mod postgres {
    #[test]
    fn fuzz_public_http_surface() {
        if let Some(db) = broadsheet_persistence::testing::TestDb::postgres() {
            super::run(db);
        }
    }
}

/// `req` for a failure message, cut short.
fn describe(req: &Request) -> String {
    let text = format!(
        "{} {} {:?} body {:?}{}",
        req.method,
        req.path,
        req.headers,
        String::from_utf8_lossy(&req.body),
        if req.twice { " (sent twice)" } else { "" }
    );
    match text.char_indices().nth(1500) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// An answer, its body decoded.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn run(db: TestDb) {
    let system = System::new();
    let backend = db.store.backend();
    let app = system.block_on(TestApp::spawn(db));
    broadsheet::demo::load(&app.db.store).expect("the sample publication");
    let known = {
        let mut c = app.db.store.conn().expect("connection");
        let key = broadsheet_service::keys::create_content(
            &mut c,
            "Fuzz",
            1_000_000,
            broadsheet_domain::time::now(),
        )
        .expect("content key")
        .credential;
        drop(c);
        let token = crate::editorial::staff(&app, "Eve Editor", Role::Editor).token;
        let slugs = [
            "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief",
            "birmingham",
            "ofsted",
            "homepage",
            "tom-ashby",
        ];
        let ids = {
            use base64::Engine as _;
            let mut c = app.db.store.conn().expect("connection");
            let filter = broadsheet_domain::listing::ArticleFilter::default();
            let order = broadsheet_domain::listing::ArticleOrder::RecentlyUpdated;
            let page = broadsheet_domain::listing::PageRequest::first(10);
            broadsheet_persistence::articles::list(&mut c, &filter, order, &page)
                .expect("articles")
                .items
                .iter()
                .map(|a| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(format!("Article:{}", a.uuid))
                })
                .collect()
        };
        Known {
            key,
            token,
            slugs: slugs.iter().map(|s| (*s).to_owned()).collect(),
            ids,
        }
    };
    let client = system.block_on(async {
        awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish()
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let cases = match backend {
        Backend::Sqlite => cases,
        Backend::Postgres => (cases / 3).max(10),
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        // A failing request is shrunk by sending smaller ones: a few hundred at most.
        max_shrink_iters: 300,
        ..Config::default()
    });
    let result = runner.run(&request(&known), |req| {
        let first = system.block_on(send(&client, &app.address, &req))?;
        eprintln!(
            "STAT {} {} {} {}",
            req.method,
            req.path.split('?').next().unwrap_or(""),
            first.status.as_u16(),
            first
                .text()
                .chars()
                .take(100)
                .collect::<String>()
                .replace('\n', " ")
        );
        check(&req, &first)?;
        if req.twice {
            let second = system.block_on(send(&client, &app.address, &req))?;
            check(&req, &second)?;
            if req.repeatable() {
                proptest::prop_assert_eq!(first.status, second.status, "{}", describe(&req));
                if first.status == StatusCode::OK {
                    proptest::prop_assert_eq!(first.text(), second.text(), "{}", describe(&req));
                }
            }
        }
        Ok(())
    });
    let health = system.block_on(async {
        let health = send(
            &client,
            &app.address,
            &Request {
                method: "GET",
                path: "/healthz".into(),
                headers: Vec::new(),
                body: Vec::new(),
                twice: false,
            },
        )
        .await;
        // Stopped here, on the system that runs it, rather than left to a task spawned on drop.
        drop(app.stop().await);
        health
    });
    if let Err(e) = result {
        panic!("{backend:?}: {e}");
    }
    let health = health.unwrap_or_else(|e| panic!("{backend:?}: /healthz: {e}"));
    assert_eq!(
        health.status,
        StatusCode::OK,
        "{backend:?}: {}",
        health.text()
    );
}

async fn send(client: &awc::Client, address: &str, req: &Request) -> Result<Answer, TestCaseError> {
    let method = actix_web::http::Method::from_bytes(req.method.as_bytes())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut builder = client.request(method, format!("{address}{}", req.path));
    for (name, value) in &req.headers {
        builder = builder.insert_header((*name, value.as_str()));
    }
    // No answer at all is what a panicking handler or a dropped connection gives.
    let mut res = builder
        .send_body(req.body.clone())
        .await
        .map_err(|e| TestCaseError::fail(format!("no answer to {}: {e}", describe(req))))?;
    let raw = res
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .map_err(|e| TestCaseError::fail(format!("no body for {}: {e}", describe(req))))?;
    let encoding = res
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut body = Vec::new();
    let decoded = match encoding.as_str() {
        "gzip" => flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut body),
        "br" => brotli::Decompressor::new(&raw[..], 4096).read_to_end(&mut body),
        "deflate" => flate2::read::ZlibDecoder::new(&raw[..]).read_to_end(&mut body),
        _ => {
            body = raw.to_vec();
            Ok(0)
        }
    };
    decoded
        .map_err(|e| TestCaseError::fail(format!("{encoding} body of {}: {e}", describe(req))))?;
    Ok(Answer {
        status: res.status(),
        body,
    })
}

/// The `extensions.code`s of a GraphQL answer, and the `type`s of a Content API one.
fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e["extensions"]["code"]
                .as_str()
                .or_else(|| e["type"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

fn check(req: &Request, answer: &Answer) -> Result<(), TestCaseError> {
    let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let codes = json.as_ref().map(error_codes).unwrap_or_default();
    let text = answer.text();
    let context = || format!("{} {}\n-> {text:.2000}", answer.status, describe(req));
    // Busy or slow: a 503 the client is told to retry. (The Content API says it in Ghost's
    // words, with Ghost's error type.)
    let retry = answer.status == StatusCode::SERVICE_UNAVAILABLE
        && (codes.iter().any(|c| c == "TIMEOUT" || c == "UNAVAILABLE")
            || text.contains("The service is unavailable"));
    if retry {
        return Ok(());
    }
    if answer.status.is_server_error() {
        return Err(TestCaseError::fail(format!("server error: {}", context())));
    }
    if codes
        .iter()
        .any(|c| c == "INTERNAL" || c == "InternalServerError")
        || text.contains("\"INTERNAL\"")
    {
        return Err(TestCaseError::fail(format!(
            "internal error: {}",
            context()
        )));
    }
    Ok(())
}
