//! GraphQL over HTTP, as the GraphQL-over-HTTP specification describes it.
//!
//! - `POST` with `Content-Type: application/json`; anything else is 415 (which also stops
//!   form posts from other sites). `GET` with `query`, `variables`, `operationName` and
//!   `extensions` in the URL; a mutation by `GET` is 405.
//! - The response is `application/graphql-response+json` when the client accepts it, else
//!   `application/json`; a client that accepts neither gets 406. Browsers asking for
//!   `text/html` get GraphiQL (unless switched off).
//! - Bad JSON, no query, a batch, an unknown operation: 400. A document that does not parse
//!   or validate, or breaks a limit: 400 without a `data` key under
//!   `graphql-response+json`, 200 under plain `application/json` (as older clients expect).
//! - Successful `GET` responses are cacheable (`Cache-Control`, `ETag`, `304`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Request, Variables};
use broadsheet_domain::time::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::GraphqlConfig;
use super::context::{RequestContext, SiteUrl};
use super::extension::REQUEST_ERROR_CODES;
use super::persisted::PersistedQueries;
use crate::cache::{Cached, Lookup, Served, Shelf};
use crate::keys::{self, KeyRefusal};
use crate::{AppState, auth};

/// The schema and its settings, built once and shared by every worker.
pub struct GraphqlService {
    schemas: super::Schemas,
    config: GraphqlConfig,
    site: SiteUrl,
    persisted: PersistedQueries,
    documents: super::documents::Documents,
}

impl GraphqlService {
    /// Builds the schema, for a publication at `site`.
    pub fn new(config: GraphqlConfig, site: SiteUrl) -> Self {
        Self {
            schemas: super::schemas(&config),
            persisted: PersistedQueries::new(config.persisted_queries_bytes),
            documents: super::documents::Documents::default(),
            config,
            site,
        }
    }

    /// Whether browsers get GraphiQL.
    pub fn graphiql(&self) -> bool {
        self.config.graphiql
    }
}

/// The query of a request: as sent, or looked up by its hash. With a query and its hash, the
/// hash is returned too, to register once the query has validated.
fn resolve_query(
    service: &GraphqlService,
    query: Option<String>,
    extensions: Option<&Value>,
) -> Result<(String, Option<String>), Refusal> {
    let query = query.filter(|q| !q.trim().is_empty());
    let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return query
            .map(|q| (q, None))
            .ok_or_else(|| Refusal::bad_request("the request has no query"));
    };
    if persisted.get("version").and_then(Value::as_i64) != Some(1) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "PERSISTED_QUERY_NOT_SUPPORTED",
            "Unsupported persisted query version: use version 1",
        ));
    }
    let hash = persisted
        .get("sha256Hash")
        .and_then(Value::as_str)
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| Refusal::bad_request("persistedQuery.sha256Hash must be 64 hex characters"))?
        .to_ascii_lowercase();
    match query {
        Some(query) => {
            let actual = crate::hex::encode(&Sha256::digest(query.as_bytes()));
            if actual != hash {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "PERSISTED_QUERY_HASH_MISMATCH",
                    "provided sha does not match query",
                ));
            }
            Ok((query, Some(hash)))
        }
        None => service
            .persisted
            .get(&hash)
            .map(|q| (q.to_string(), None))
            // Apollo's clients look for this message, answered with 200, to send the query.
            .ok_or_else(|| {
                Refusal::new(
                    StatusCode::OK,
                    "PERSISTED_QUERY_NOT_FOUND",
                    "PersistedQueryNotFound",
                )
            }),
    }
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    GraphqlResponse,
    Json,
    Html,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

/// A failure before execution, answered with one error and a status.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429: over a key's rate limit.
    fn limited(seconds: u64) -> Self {
        Self::too_many("this key", seconds)
    }

    /// 429: over the rate limit of `whose` requests.
    fn too_many(whose: &str, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!("too many requests from {whose}; retry in {seconds} seconds"),
            )
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    fn answer(self, format: Format) -> Answer {
        let format = if format == Format::Html {
            Format::Json
        } else {
            format
        };
        // As a field error says it (see `error.rs`): `retryAfter` beside the header, for
        // clients that read only the body.
        let extensions = match self.retry_after {
            Some(seconds) => json!({ "code": self.code, "retryAfter": seconds }),
            None => json!({ "code": self.code }),
        };
        let body = json!({ "errors": [{ "message": self.message, "extensions": extensions }] });
        Answer {
            status: self.status,
            format,
            body: body.to_string().into(),
            cacheable: false,
            retry_after: self.retry_after,
            cached: None,
        }
    }

    fn respond(self, format: Format) -> HttpResponse {
        self.answer(format).into_response()
    }
}

/// A response body and what to say about it.
struct Answer {
    status: StatusCode,
    format: Format,
    body: Bytes,
    /// A successful read with no errors: fine for shared caches.
    cacheable: bool,
    /// For 429: when to come back, in seconds.
    retry_after: Option<u64>,
    /// A public response as the response cache holds it, and whether it came from there.
    cached: Option<(Arc<Cached>, bool)>,
}

impl Answer {
    fn from_cache(format: Format, cached: Arc<Cached>, hit: bool) -> Self {
        Self {
            status: StatusCode::OK,
            format,
            body: cached.body.clone(),
            cacheable: true,
            retry_after: None,
            cached: Some((cached, hit)),
        }
    }
}

impl Answer {
    fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(self.format.content_type());
        if !self.cacheable {
            res.insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]));
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            res.insert_header((header::ALLOW, "POST"));
        }
        if let Some(seconds) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
        }
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // The rest of a dribbled body would still be on the way: drop the connection.
            res.force_close();
        }
        res.body(self.body)
    }
}

/// Picks the response format from `Accept`: the acceptable type with the highest quality,
/// `graphql-response+json` winning ties; no header means `application/json`.
fn negotiate(req: &HttpRequest, html_allowed: bool) -> Option<Format> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(Format::Json);
    };
    let mut best: Option<(f32, u8, Format)> = None;
    for (media, q) in crate::weights::items(accept) {
        if q <= 0.0 {
            continue;
        }
        // (format, preference among equal qualities)
        // Media types are case-insensitive: compared without lowering a copy of each.
        let is = |name: &str| media.eq_ignore_ascii_case(name);
        let candidates: &[(Format, u8)] = if is(GRAPHQL_RESPONSE_JSON) {
            &[(Format::GraphqlResponse, 3)]
        } else if is(JSON) {
            &[(Format::Json, 2)]
        } else if html_allowed && is("text/html") {
            &[(Format::Html, 4)]
        } else if is("application/*") || is("*/*") {
            &[(Format::Json, 1)]
        } else {
            &[]
        };
        for (format, rank) in candidates {
            if best.is_none_or(|(bq, br, _)| q > bq || (q == bq && *rank > br)) {
                best = Some((q, *rank, *format));
            }
        }
    }
    best.map(|(_, _, f)| f)
}

/// The parameters of a GraphQL request, from a URL or a JSON body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Value>,
    extensions: Option<Value>,
}

/// `GET /graphql`.
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    service: web::Data<GraphqlService>,
) -> HttpResponse {
    let Some(format) = negotiate(&req, service.config.graphiql) else {
        return not_acceptable();
    };
    if format == Format::Html {
        return super::graphiql::page();
    }
    if let Err(refusal) = admit_anonymous(&req, &state).await {
        return refusal.respond(format);
    }
    let raw_key = raw_cache_key(&req, "GET", req.query_string().as_bytes());
    if let Some(hit) = raw_hit(&state, raw_key.as_deref(), format) {
        return cached(&req, hit, &state);
    }
    let params = match url_params(req.query_string()) {
        Ok(p) => p,
        Err(refusal) => return refusal.respond(format),
    };
    let exchange = Exchange {
        req: &req,
        state: &state,
        graphql: &service,
        format,
        by_get: true,
        raw_key,
    };
    let answer = execute(exchange, params).await;
    cached(&req, answer, &state)
}

/// Holds a request with neither credentials nor a content key to the anonymous limit of its
/// address: dropping a partner's key does not lift its limit, and no one address can keep
/// the server busy. (A key's requests count against the key; staff are not limited here.)
async fn admit_anonymous(req: &HttpRequest, state: &AppState) -> Result<(), Refusal> {
    let keyed = req
        .query_string()
        .split('&')
        .any(|pair| pair.split('=').next() == Some("key"));
    if keyed || req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(());
    }
    state
        .clients()
        .admit_anonymous_everywhere(state.store(), state.clients().address(req))
        .await
        .map_err(|seconds| Refusal::too_many("this address", seconds))
}

/// The response cache's key for a request exactly as sent (`method`, then the query string or
/// the body), for anonymous requests without a content key: a hit is answered without parsing
/// anything. A miss goes the whole way, and the response is kept under this key besides the
/// normalized one.
fn raw_cache_key(req: &HttpRequest, method: &str, raw: &[u8]) -> Option<String> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    let query_string = req.query_string();
    // Named as `content_key` reads names: `k%65y` is `key` too.
    let keyed = query_string.split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or("");
        name == "key"
            || (name.contains('%')
                && percent_encoding::percent_decode_str(name).eq(b"key".iter().copied()))
    });
    if keyed || (method == "POST" && !query_string.is_empty()) {
        return None;
    }
    let raw = std::str::from_utf8(raw).ok()?;
    Some(format!("graw\0{method}\0{raw}"))
}

/// The cached answer to a request by its raw key, if there is one.
fn raw_hit(state: &AppState, raw_key: Option<&str>, format: Format) -> Option<Answer> {
    match state.cache().get(raw_key?) {
        Lookup::Hit(cached) => Some(Answer::from_cache(format, cached, true)),
        Lookup::Miss(_) | Lookup::Off => None,
    }
}

/// `POST /graphql`.
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    service: web::Data<GraphqlService>,
) -> HttpResponse {
    let Some(format) = negotiate(&req, false) else {
        return not_acceptable();
    };
    if let Err(refusal) = admit_anonymous(&req, &state).await {
        return refusal.respond(format);
    }
    let body = match read_body(&req, payload, &service.config).await {
        Ok(body) => body,
        Err(refusal) => return refusal.respond(format),
    };
    let raw_key = raw_cache_key(&req, "POST", &body);
    let mut answer = match raw_hit(&state, raw_key.as_deref(), format) {
        Some(hit) => hit,
        None => match body_params(&body) {
            Ok(params) => {
                let exchange = Exchange {
                    req: &req,
                    state: &state,
                    graphql: &service,
                    format,
                    by_get: false,
                    raw_key,
                };
                execute(exchange, params).await
            }
            Err(refusal) => return refusal.respond(format),
        },
    };
    // Shared caches do not keep POST responses; GET (or persisted queries) is for caching.
    answer.cacheable = false;
    let hit = answer.cached.as_ref().map(|(_, hit)| *hit);
    let encoded = answer.cached.as_ref().and_then(|(cached, _)| {
        crate::cache::encoded_for(&req, cached).map(|(coding, body)| (coding, body.clone()))
    });
    if let Some((_, body)) = &encoded {
        answer.body = body.clone();
    }
    let mut res = answer.into_response();
    if let Some((coding, _)) = encoded {
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_ENCODING, coding.header_value());
        // As the compression middleware says when it compresses.
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if let Some(hit) = hit {
        res.headers_mut().insert(
            header::HeaderName::from_static("x-cache"),
            HeaderValue::from_static(if hit { "HIT" } else { "MISS" }),
        );
    }
    res
}

/// Any other method on `/graphql`.
pub async fn other_method(req: HttpRequest) -> HttpResponse {
    let _ = req;
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, HEAD, POST"))
        .content_type(Format::Json.content_type())
        .body(
            json!({ "errors": [{ "message": "use GET or POST", "extensions": { "code": "METHOD_NOT_ALLOWED" } }] })
                .to_string(),
        )
}

fn not_acceptable() -> HttpResponse {
    Refusal::new(
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        format!("accept {GRAPHQL_RESPONSE_JSON} or {JSON}"),
    )
    .respond(Format::Json)
}

fn url_params(query_string: &str) -> Result<Params, Refusal> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Raw {
        query: Option<String>,
        operation_name: Option<String>,
        variables: Option<String>,
        extensions: Option<String>,
    }
    let raw: Raw = serde_urlencoded::from_str(query_string)
        .map_err(|e| Refusal::bad_request(format!("invalid query string: {e}")))?;
    let json = |name: &str, text: Option<String>| -> Result<Option<Value>, Refusal> {
        text.filter(|t| !t.is_empty())
            .map(|t| {
                serde_json::from_str(&t)
                    .map_err(|e| Refusal::bad_request(format!("{name} is not valid JSON: {e}")))
            })
            .transpose()
    };
    Ok(Params {
        variables: json("variables", raw.variables)?,
        extensions: json("extensions", raw.extensions)?,
        query: raw.query,
        operation_name: raw.operation_name,
    })
}

/// The body of a `POST`: JSON, at most `max_body_bytes`, sent within `body_timeout`.
async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    config: &GraphqlConfig,
) -> Result<Bytes, Refusal> {
    let limit = config.max_body_bytes;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut parts = content_type.split(';').map(str::trim);
    let media = parts.next().unwrap_or("");
    let utf8 = parts
        .filter_map(|p| p.strip_prefix("charset="))
        .all(|c| c.trim_matches('"').eq_ignore_ascii_case("utf-8"));
    if media != JSON || !utf8 {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as application/json",
        ));
    }
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    match tokio::time::timeout(config.body_timeout, payload.to_bytes_limited(limit)).await {
        Ok(Ok(Ok(body))) => Ok(body),
        Ok(Ok(Err(_))) => Err(Refusal::bad_request("the request body could not be read")),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            format!(
                "the request body took longer than {} to arrive",
                seconds(config.body_timeout)
            ),
        )),
    }
}

/// The parameters in a `POST` body.
fn body_params(body: &[u8]) -> Result<Params, Refusal> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::bad_request(format!("the body is not valid JSON: {e}")))?;
    match value {
        Value::Object(_) => serde_json::from_value(value)
            .map_err(|e| Refusal::bad_request(format!("invalid request: {e}"))),
        Value::Array(_) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "BATCH_NOT_SUPPORTED",
            "batched requests are not supported: send one operation per request",
        )),
        _ => Err(Refusal::bad_request("the body must be a JSON object")),
    }
}

/// One GraphQL exchange over HTTP: what every step of [`execute`] needs.
struct Exchange<'a> {
    req: &'a HttpRequest,
    state: &'a AppState,
    graphql: &'a GraphqlService,
    /// What the client accepts.
    format: Format,
    /// Sent by `GET` (queries only).
    by_get: bool,
    /// The raw request's response-cache key, if it may be cached (see [`raw_cache_key`]).
    raw_key: Option<String>,
}

/// An operation as the request gives it, not parsed yet.
struct Operation<'a> {
    /// The document (sent, or found by its persisted hash).
    query: String,
    /// The hash to keep the document under, once it has validated (automatic persisted
    /// queries).
    to_persist: Option<String>,
    variables: Variables,
    operation_name: Option<String>,
    /// The `Authorization` header.
    authorization: Option<&'a str>,
    /// A partner's `key` parameter.
    content_key: Option<String>,
    /// The response-cache key of an anonymous read.
    cache_key: Option<String>,
}

/// A parsed operation that passed the transport's checks: what answering it needs besides
/// running it.
struct Plan {
    document: Arc<ExecutableDocument>,
    kind: OperationType,
    operation_name: Option<String>,
    /// The document and the hash to keep it under once it has validated.
    to_persist: Option<(String, String)>,
    /// The response-cache key of an anonymous read.
    cache_key: Option<String>,
    /// Where the answer goes in the response cache, once it is known to be cacheable.
    ticket: Option<crate::cache::Ticket>,
}

/// What running an operation left behind, besides its response.
struct Ran {
    response: async_graphql::Response,
    anonymous: bool,
    surrogates: crate::cache::Surrogates,
    private: Arc<std::sync::atomic::AtomicBool>,
    nothing: Arc<std::sync::atomic::AtomicBool>,
}

/// Validates, executes and answers one operation. Each step may answer early (a refusal, or
/// a cached answer).
async fn execute(ex: Exchange<'_>, params: Params) -> Answer {
    let op = match read_operation(&ex, params) {
        Ok(op) => op,
        Err(refusal) => return refusal.answer(ex.format),
    };
    let ticket = match from_cache(&ex, &op).await {
        Ok(ticket) => ticket,
        Err(answer) => return answer,
    };
    let (authorization, content_key) = (op.authorization, op.content_key.clone());
    let (request, plan) = match check(&ex, op, ticket) {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    if let Some(key) = &content_key
        && let Err(refusal) = admit_content_key(ex.state, key, authorization, plan.kind).await
    {
        return refusal.answer(ex.format);
    }
    // "Now" for the whole request: tokens are checked, and what is live decided, at it.
    let now = ex.state.service().clock().now();
    let viewer = match identify(ex.state, authorization, now).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal.answer(ex.format),
    };
    let ran = match run(&ex, request, plan.kind, viewer, now).await {
        Ok(ran) => ran,
        Err(refusal) => return refusal.answer(ex.format),
    };
    respond(&ex, ran, plan).await
}

/// Reads the operation from the parameters: its document (sent or persisted), variables,
/// credentials, content key, and the cache key of an anonymous read.
fn read_operation<'a>(ex: &Exchange<'a>, params: Params) -> Result<Operation<'a>, Refusal> {
    if !matches!(
        params.extensions,
        None | Some(Value::Null) | Some(Value::Object(_))
    ) {
        return Err(Refusal::bad_request("extensions must be a JSON object"));
    }
    let (query, to_persist) = resolve_query(ex.graphql, params.query, params.extensions.as_ref())?;
    let variables = match params.variables {
        None | Some(Value::Null) => Variables::default(),
        Some(v @ Value::Object(_)) => Variables::from_json(v),
        Some(_) => return Err(Refusal::bad_request("variables must be a JSON object")),
    };
    let authorization = ex
        .req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let content_key = content_key(ex.req.query_string())?;
    // Anonymous reads are answered from the response cache when it holds them. An entry only
    // ever holds a successful query, so a hit is a query.
    let cache_key = authorization.is_none().then(|| {
        format!(
            "gql\0{}\0{}\0{}",
            crate::cache::normalize_query(&query),
            params.operation_name.as_deref().unwrap_or(""),
            serde_json::to_string(&variables).unwrap_or_default()
        )
    });
    Ok(Operation {
        query,
        to_persist,
        variables,
        operation_name: params.operation_name,
        authorization,
        content_key,
        cache_key,
    })
}

/// A cached answer to an anonymous read (`Err`, to answer at once), or the ticket to cache
/// the answer under once it is made.
async fn from_cache(
    ex: &Exchange<'_>,
    op: &Operation<'_>,
) -> Result<Option<crate::cache::Ticket>, Answer> {
    let Some(key) = &op.cache_key else {
        return Ok(None);
    };
    match ex.state.cache().lookup(key).await {
        Lookup::Hit(cached) => {
            if let Some(key) = &op.content_key
                && let Err(refusal) =
                    admit_content_key(ex.state, key, None, OperationType::Query).await
            {
                return Err(refusal.answer(ex.format));
            }
            // Only a query that validated and ran is ever cached: its hash may be kept.
            if let Some(hash) = &op.to_persist {
                ex.graphql.persisted.register(hash, &op.query);
            }
            Err(Answer::from_cache(ex.format, cached, true))
        }
        Lookup::Miss(ticket) => Ok(Some(ticket)),
        Lookup::Off => Ok(None),
    }
}

/// Parses the document, picks the operation, and holds it to the transport's rules: queries
/// only by `GET`, and the size limits.
fn check(
    ex: &Exchange<'_>,
    op: Operation<'_>,
    ticket: Option<crate::cache::Ticket>,
) -> Result<(Request, Plan), Answer> {
    let format = ex.format;
    // Kept for the persisted-query store, which takes it only once it has validated.
    let to_persist = op.to_persist.map(|hash| (hash, op.query.clone()));
    // The variables join the request once they are checked against the parsed document.
    let mut request = Request::new(op.query);
    if let Some(name) = &op.operation_name {
        request = request.operation_name(name.clone());
    }
    let document = ex
        .graphql
        .documents
        .parse(&request.query)
        .map_err(|e| document_error(format, &e.message, "GRAPHQL_PARSE_FAILED"))?;
    let operation = select_operation(&document, op.operation_name.as_deref())
        .map_err(|refusal| refusal.answer(format))?;
    let kind = operation.ty;
    if let Err(message) = required_variables(operation, &op.variables) {
        return Err(document_error(format, &message, "BAD_USER_INPUT"));
    }
    if ex.by_get && kind != OperationType::Query {
        return Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations and subscriptions must be sent by POST",
        )
        .answer(format));
    }
    if let Err(message) = check_size(&document, &ex.graphql.config) {
        return Err(document_error(format, &message, "QUERY_TOO_COMPLEX"));
    }
    request.set_parsed_query(document.as_ref().clone());
    Ok((
        request.variables(op.variables),
        Plan {
            document,
            kind,
            operation_name: op.operation_name,
            to_persist,
            cache_key: op.cache_key,
            ticket,
        },
    ))
}

/// Who is asking at `now`, from the `Authorization` header; 401 for credentials that do not
/// check out.
async fn identify(
    state: &AppState,
    authorization: Option<&str>,
    now: Timestamp,
) -> Result<auth::Viewer, Refusal> {
    match auth::viewer(
        state.service(),
        state.jwt(),
        state.limiter(),
        authorization,
        now,
    )
    .await
    {
        Ok(viewer) => Ok(viewer),
        Err(auth::Refused::Limited(seconds)) => Err(Refusal::limited(seconds)),
        Err(refused) => {
            tracing::info!(reason = %refused, "credentials refused");
            Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "the credentials are not valid; sign in again",
            ))
        }
    }
}

/// Runs the operation for `viewer` as of `now`, within the request's time limit.
async fn run(
    ex: &Exchange<'_>,
    request: Request,
    kind: OperationType,
    viewer: auth::Viewer,
    now: Timestamp,
) -> Result<Ran, Refusal> {
    let state = ex.state;
    let anonymous = viewer.user().is_none();
    // Its reads stop at the request's time limit (and SQLite's statements with them): real
    // time, not the clock's, as it bounds the work the request may cost.
    let timeout = state.request_timeout();
    let deadline = std::time::Instant::now() + timeout;
    let context = || {
        let context = RequestContext::new(
            state
                .service()
                .as_of(state.store().with_deadline(deadline), now),
            ex.graphql.site.clone(),
            viewer.clone(),
            state.jwt().clone(),
            Arc::clone(state.limiter()),
            state.clients().address(ex.req),
        );
        if kind != OperationType::Query {
            // A mutation's later fields must see its earlier writes, not what was loaded before.
            context.loader.enable_all_cache(false);
        }
        context
    };
    let first = context();
    let (mut surrogates, mut private, mut nothing) = (
        first.surrogates.clone(),
        Arc::clone(&first.private),
        Arc::clone(&first.found_nothing),
    );
    // Kept to ask again should the document be refused (see `super::Schemas`).
    let again = (
        request.query.clone(),
        request.operation_name.clone(),
        request.variables.clone(),
    );
    let timed_out = || {
        tracing::warn!(?timeout, "query timed out");
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            format!("the query took longer than {}", seconds(timeout)),
        )
    };
    let schemas = &ex.graphql.schemas;
    let mut response =
        tokio::time::timeout_at(deadline.into(), schemas.run.execute(request.data(first)))
            .await
            .map_err(|_| timed_out())?;
    if refused_before_running(&response) {
        // Nothing ran: the explaining schema refuses it again, saying why with a code.
        let (query, operation_name, variables) = again;
        let mut request = Request::new(query).variables(variables);
        if let Some(name) = operation_name {
            request = request.operation_name(name);
        }
        let second = context();
        (surrogates, private, nothing) = (
            second.surrogates.clone(),
            Arc::clone(&second.private),
            Arc::clone(&second.found_nothing),
        );
        response = tokio::time::timeout_at(
            deadline.into(),
            schemas.explain.execute(request.data(second)),
        )
        .await
        .map_err(|_| timed_out())?;
    }
    Ok(Ran {
        response,
        anonymous,
        surrogates,
        private,
        nothing,
    })
}

/// Whether async-graphql refused the document before running any of it: no data, and errors
/// that belong to no field.
fn refused_before_running(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Turns the response into the answer: request errors as such, the persisted query kept, the
/// cache told of a write before the answer goes out, and a cacheable answer cached.
async fn respond(ex: &Exchange<'_>, ran: Ran, plan: Plan) -> Answer {
    let (state, format) = (ex.state, ex.format);
    let Plan {
        document,
        kind,
        operation_name,
        to_persist,
        cache_key,
        ticket,
    } = plan;
    let Ran {
        mut response,
        anonymous,
        surrogates,
        private,
        nothing,
    } = ran;
    super::ordering::order_like_selection(&mut response.data, &document, operation_name.as_deref());
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| matches!(c, async_graphql::Value::String(s) if REQUEST_ERROR_CODES.contains(&s.as_str())))
        });
    // Only a document that parsed and validated is kept for its hash.
    if let Some((hash, query)) = to_persist
        && !request_error
    {
        ex.graphql.persisted.register(&hash, &query);
    }
    let (status, body) = if request_error {
        let status = match format {
            Format::GraphqlResponse => StatusCode::BAD_REQUEST,
            _ => StatusCode::OK,
        };
        (status, json!({ "errors": response.errors }).to_string())
    } else {
        let body = serde_json::to_string(&response).unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not serialise a response");
            json!({ "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }] })
                .to_string()
        });
        (StatusCode::OK, body)
    };
    if kind == OperationType::Mutation {
        // Before the answer goes out: a client that reads after its write sees the write.
        if let Err(error) = state.cache().refresh(state.store()).await {
            tracing::warn!(%error, "could not re-read the content version after a mutation");
        }
    }
    // What staff see is theirs alone, and what a token opened is the token holder's: never
    // for a shared cache.
    let cacheable = response.errors.is_empty()
        && anonymous
        && kind == OperationType::Query
        && !private.load(std::sync::atomic::Ordering::Relaxed);
    let mut answer = Answer {
        status,
        format,
        body: body.into(),
        cacheable,
        retry_after: None,
        cached: None,
    };
    if cacheable && status == StatusCode::OK {
        let cached = Cached::new(
            answer.body.clone(),
            crate::cache::etag_of(&answer.body),
            None,
            surrogates.take(),
        );
        let shelf = if nothing.load(std::sync::atomic::Ordering::Relaxed) {
            Shelf::Nothing
        } else {
            Shelf::Found
        };
        answer.cached = Some((
            match (cache_key, ticket) {
                (Some(key), Some(ticket)) => {
                    let cached = Arc::new(cached);
                    if let Some(raw_key) = &ex.raw_key {
                        state.cache().put_shared(
                            raw_key.clone(),
                            &ticket,
                            shelf,
                            Arc::clone(&cached),
                        );
                    }
                    // Last: it ends the build, and those waiting for it look again.
                    state
                        .cache()
                        .put_shared(key, &ticket, shelf, Arc::clone(&cached));
                    drop(ticket);
                    cached
                }
                _ => Arc::new(cached),
            },
            false,
        ));
    }
    answer
}

/// The `key` URL parameter: a partner's content key. Given twice, it is refused rather than
/// either one chosen.
fn content_key(query_string: &str) -> Result<Option<String>, Refusal> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
        .map_err(|e| Refusal::bad_request(format!("invalid query string: {e}")))?;
    let mut keys = pairs.into_iter().filter(|(name, _)| name == "key");
    match (keys.next(), keys.next()) {
        (Some(_), Some(_)) => Err(Refusal::bad_request("give one content key, not several")),
        (first, None) => Ok(first.map(|(_, key)| key)),
        (None, Some(_)) => Ok(None),
    }
}

/// A content key gives read-only access, held to the key's rate limit.
async fn admit_content_key(
    state: &AppState,
    key: &str,
    authorization: Option<&str>,
    operation: OperationType,
) -> Result<(), Refusal> {
    if authorization.is_some() {
        return Err(Refusal::bad_request(
            "send a content key or an Authorization header, not both",
        ));
    }
    if operation != OperationType::Query {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "a content key is read-only: mutations need staff credentials or an integration key",
        ));
    }
    match keys::admit(state.store(), state.limiter(), key).await {
        Ok(_) => Ok(()),
        Err(KeyRefusal::Invalid) => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "unknown or revoked content key",
        )),
        Err(KeyRefusal::Limited(seconds)) => Err(Refusal::limited(seconds)),
        Err(KeyRefusal::Unavailable) => Err(Refusal {
            retry_after: Some(super::error::UNAVAILABLE_RETRY_AFTER),
            ..Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "the key could not be checked; try again",
            )
        }),
    }
}

fn seconds(d: Duration) -> String {
    format!("{} seconds", d.as_secs_f32())
}

/// A document that does not parse, validate, or fit the limits: a request error.
fn document_error(format: Format, message: &str, code: &'static str) -> Answer {
    let status = match format {
        Format::GraphqlResponse => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    Refusal::new(status, code, message).answer(format)
}

fn select_operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Result<&'d OperationDefinition, Refusal> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Ok(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| &op.node)
            .ok_or_else(|| {
                Refusal::bad_request(format!("the document has no operation named {name:?}"))
            }),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .values()
            .next()
            .map(|op| &op.node)
            .ok_or_else(|| Refusal::bad_request("the document has no operation")),
        (DocumentOperations::Multiple(_), None) => Err(Refusal::bad_request(
            "the document has several operations: say which with operationName",
        )),
    }
}

/// Every variable of a non-null type without a default has a value that is not null (the
/// spec's variable coercion, which async-graphql leaves to the field that reads the variable,
/// answering with `data: null` and no code): a request error.
fn required_variables(op: &OperationDefinition, given: &Variables) -> Result<(), String> {
    for def in &op.variable_definitions {
        let def = &def.node;
        if def.var_type.node.nullable || def.default_value.is_some() {
            continue;
        }
        let name = &def.name.node;
        match given.get(name) {
            None => {
                return Err(format!(
                    "variable ${name} of required type {} was not provided",
                    def.var_type.node
                ));
            }
            Some(async_graphql::Value::Null) => {
                return Err(format!(
                    "variable ${name} of non-null type {} must not be null",
                    def.var_type.node
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Counts the fields and aliases written in a document (fragments once each).
fn check_size(doc: &ExecutableDocument, config: &GraphqlConfig) -> Result<(), String> {
    fn walk(set: &SelectionSet, fields: &mut usize, aliases: &mut usize) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    *fields += 1;
                    if f.node.alias.is_some() {
                        *aliases += 1;
                    }
                    walk(&f.node.selection_set.node, fields, aliases);
                }
                Selection::InlineFragment(f) => walk(&f.node.selection_set.node, fields, aliases),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let (mut fields, mut aliases) = (0, 0);
    for (_, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, &mut fields, &mut aliases);
    }
    for fragment in doc.fragments.values() {
        walk(&fragment.node.selection_set.node, &mut fields, &mut aliases);
    }
    if aliases > config.max_aliases {
        return Err(format!(
            "the document uses {aliases} aliases; at most {} are allowed",
            config.max_aliases
        ));
    }
    if fields > config.max_fields {
        return Err(format!(
            "the document selects {fields} fields; at most {} are allowed",
            config.max_fields
        ));
    }
    Ok(())
}

/// Answers a `GET`: a successful public read gets `Cache-Control`, an `ETag` of the body,
/// `Surrogate-Key`, and `304 Not Modified` when the client already holds that body.
fn cached(req: &HttpRequest, answer: Answer, state: &AppState) -> HttpResponse {
    const VARY: &str = "Accept, Accept-Encoding, Authorization";
    match (
        &answer.cached,
        answer.cacheable && answer.status == StatusCode::OK,
    ) {
        (Some((cached, hit)), true) => crate::cache::respond(
            req,
            cached,
            &Served {
                content_type: answer.format.content_type(),
                vary: VARY,
                cache_control: state.cache_control(),
                hit: *hit,
                extra: &[],
            },
        ),
        _ => {
            let mut res = answer.into_response();
            res.headers_mut()
                .insert(header::VARY, HeaderValue::from_static(VARY));
            res
        }
    }
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn accept(value: &str, html: bool) -> Option<Format> {
        negotiate(
            &TestRequest::default()
                .insert_header((header::ACCEPT, value))
                .to_http_request(),
            html,
        )
    }

    #[test]
    fn negotiation() {
        assert_eq!(
            accept(GRAPHQL_RESPONSE_JSON, true),
            Some(Format::GraphqlResponse)
        );
        assert_eq!(accept("application/json", true), Some(Format::Json));
        assert_eq!(accept("Application/JSON", true), Some(Format::Json));
        assert_eq!(
            accept("APPLICATION/GRAPHQL-RESPONSE+JSON", true),
            Some(Format::GraphqlResponse)
        );
        assert_eq!(
            accept(
                "application/graphql-response+json, application/json;q=0.9",
                true
            ),
            Some(Format::GraphqlResponse)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json", true),
            Some(Format::GraphqlResponse)
        );
        assert_eq!(
            accept(
                "application/json, application/graphql-response+json;q=0.5",
                true
            ),
            Some(Format::Json)
        );
        assert_eq!(accept("*/*", true), Some(Format::Json));
        assert_eq!(
            accept("text/html,application/xhtml+xml,*/*;q=0.8", true),
            Some(Format::Html)
        );
        assert_eq!(
            accept("text/html,application/xhtml+xml,*/*;q=0.8", false),
            Some(Format::Json)
        );
        assert_eq!(accept("text/plain", true), None);
        assert_eq!(accept("application/json;q=0", true), None);
        let none = TestRequest::default().to_http_request();
        assert_eq!(negotiate(&none, true), Some(Format::Json));
    }
}
