//! The worker that posts events to webhooks.
//!
//! Each pass claims the deliveries that are due (a lease of the request timeout plus a
//! margin: if this process dies mid-delivery, another pass, here or in another replica,
//! claims the delivery again once the lease runs out), posts them concurrently, and records
//! every attempt. A `2xx` answer delivers; `410 Gone` disables the webhook; anything else
//! (another status, a refused connection, a timeout) is retried with exponential backoff
//! until the attempts run out. Retries send the same body, so the same event id: receivers
//! deduplicate by it. Delivery is at least once. An attempt that fails records a fixed text
//! ([`super::failure`]), never the connection error.
//!
//! Connections go only to public addresses, checked on every attempt once the receiver's
//! name is resolved ([`super::connect`]), unless [`DeliveryOptions::receivers`] allows any.

use std::time::Duration;

use actix_web::http::header;
use broadsheet_domain::clock::Clock;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::webhooks::{self, Due, Verdict};
use broadsheet_persistence::{Store, StoreError};
use chrono::TimeDelta;
use hmac::{Hmac, Mac as _};
use rustls::ClientConfig;
use sha2::Sha256;

use super::address::Receivers;
use super::connect::CheckedConnector;
use crate::background::Pulse;

/// Header carrying `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`.
pub const SIGNATURE_HEADER: &str = "X-Broadsheet-Signature";
/// Header carrying the Unix time (seconds) the signature was made at.
pub const TIMESTAMP_HEADER: &str = "X-Broadsheet-Timestamp";
/// Header carrying the event's stable id (also `id` in the body).
pub const EVENT_ID_HEADER: &str = "X-Broadsheet-Event-Id";
/// Header carrying the event name.
pub const EVENT_HEADER: &str = "X-Broadsheet-Event";

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// Attempts per delivery, the first included.
    pub max_attempts: u32,
    /// The wait before the first retry; each further retry waits twice as long (at most
    /// [`MAX_BACKOFF`]).
    pub retry_base: Duration,
    /// How often to look for due deliveries when there were none.
    pub poll: Duration,
    /// Which addresses deliveries may connect to.
    pub receivers: Receivers,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            receivers: Receivers::PublicOnly,
        }
    }
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// Deliveries claimed per pass.
const BATCH: i64 = 32;

/// How long settled events (and their delivery history) are kept.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often old events are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The signature of `body` sent at `timestamp`: `sha256=` and the hex HMAC-SHA256, keyed by
/// the webhook's secret, of `"{timestamp}.{body}"`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "sha256={}",
        crate::hex::encode(&mac.finalize().into_bytes())
    )
}

/// The wait after failed attempt number `attempt` (from 1): `base`, `2 × base`, `4 × base`...
/// at most [`MAX_BACKOFF`], stretched by up to a quarter at random so that receivers coming
/// back from an outage are not hit by every retry at once.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let doubled = base.saturating_mul(1 << attempt.saturating_sub(1).min(20));
    let wait = doubled.min(MAX_BACKOFF);
    let jitter = rand::random_range(0.0..0.25);
    wait.mul_f64(1.0 + jitter)
}

/// TLS for `https` receivers, verifying them against the system's trusted certificates
/// (`SSL_CERT_FILE` and `SSL_CERT_DIR` win, as with OpenSSL programs). Certificates that
/// cannot be read are logged and skipped; with none at all, every `https` delivery fails
/// with [`super::failure::TLS_FAILED`].
pub fn tls() -> Result<ClientConfig, rustls::Error> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!(%error, "could not read trusted certificates");
    }
    let mut roots = rustls::RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    if ignored > 0 {
        tracing::debug!(ignored, "skipped trusted certificates rustls cannot use");
    }
    if added == 0 {
        tracing::warn!(
            "no trusted certificates found: https webhooks will fail; set SSL_CERT_FILE"
        );
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

/// Delivers for as long as the server runs, telling the time (what is due, when to retry) by
/// `clock`; `pulse` can make it look for due deliveries at once.
pub async fn run(store: Store, options: DeliveryOptions, clock: Clock, pulse: Pulse) {
    let mut connector = awc::Connector::new().connector(CheckedConnector::new(options.receivers));
    match tls() {
        Ok(tls) => connector = connector.rustls_0_23(std::sync::Arc::new(tls)),
        Err(error) => tracing::error!(%error, "TLS setup failed: https webhooks will fail"),
    }
    let client = awc::Client::builder()
        .connector(connector)
        .timeout(options.timeout)
        .disable_redirects()
        .add_default_header((header::USER_AGENT, "Broadsheet-Webhooks/1"))
        .finish();
    let mut pruned: Option<Timestamp> = None;
    let prune_every = TimeDelta::from_std(PRUNE_EVERY).unwrap_or(TimeDelta::MAX);
    loop {
        let pass_of = pulse.begin();
        let now = clock.now();
        if pruned.is_none_or(|at| now - at >= prune_every) {
            pruned = Some(now);
            let before = now - TimeDelta::from_std(RETENTION).unwrap_or(TimeDelta::MAX);
            match store.write(move |c| webhooks::prune(c, before)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "pruned old webhook events"),
                Err(error) => tracing::warn!(%error, "could not prune webhook events"),
            }
        }
        let result = pass(&store, &client, &options, &clock).await;
        pulse.finish(pass_of);
        match result {
            Ok(0) => pulse.wait(options.poll).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "webhook delivery failed; will retry");
                pulse.wait(options.poll).await;
            }
        }
    }
}

/// The recorded reason of an attempt whose webhook's secret does not open.
const UNREADABLE_SECRET: &str = "the webhook's secret cannot be read (master key?)";

/// Claims what is due by `clock` and delivers it; returns how many attempts were made.
pub async fn pass(
    store: &Store,
    client: &awc::Client,
    options: &DeliveryOptions,
    clock: &Clock,
) -> Result<usize, StoreError> {
    let started = clock.now();
    // Long enough for the request and for settling it afterwards; if the process dies, the
    // delivery waits this long before another worker tries again.
    let lease = options.timeout * 2 + Duration::from_secs(10);
    let lease_until = started + TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
    let (max_attempts, keyring) = (options.max_attempts, store.keyring());
    let due = store
        .write(move |c| webhooks::claim_due(c, &keyring, started, lease_until, BATCH, max_attempts))
        .await?;
    let count = due.len();
    let attempts = due.into_iter().map(|due| async move {
        let (status, error) = attempt(client, &due, clock.now()).await;
        let verdict = verdict(&due, status, options, clock.now());
        tracing::info!(
            webhook = due.webhook.0,
            event = %due.event,
            event_id = %due.event_id,
            attempt = due.number,
            status,
            error = error.as_deref(),
            ?verdict,
            "webhook attempt"
        );
        let settled = store
            .write(move |c| webhooks::settle(c, &due, status, error.as_deref(), &verdict))
            .await?;
        if !settled {
            tracing::warn!("a webhook attempt outlived its claim; another worker has it");
        }
        Ok::<_, StoreError>(())
    });
    for settled in futures_util::future::join_all(attempts).await {
        settled?;
    }
    Ok(count)
}

/// Posts one delivery, signed at `now`: the status answered, or what went wrong.
async fn attempt(client: &awc::Client, due: &Due, now: Timestamp) -> (Option<u16>, Option<String>) {
    let secret = match &due.secret {
        Ok(secret) => secret,
        Err(error) => {
            // Nothing is sent unsigned: the attempt fails, and is retried on the usual
            // schedule (the right master key may come with a restart).
            tracing::error!(webhook = due.webhook.0, %error, "the webhook's secret cannot be read");
            return (None, Some(UNREADABLE_SECRET.to_owned()));
        }
    };
    let timestamp = now.timestamp();
    let request = client
        .post(due.url.as_str())
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((EVENT_HEADER, due.event.as_str()))
        .insert_header((EVENT_ID_HEADER, due.event_id.as_str()))
        .insert_header((TIMESTAMP_HEADER, timestamp.to_string()))
        .insert_header((SIGNATURE_HEADER, sign(secret, timestamp, &due.body)));
    match request.send_body(due.body.clone()).await {
        Ok(mut response) => {
            // Read (a little of) the answer so the connection can be reused; its content
            // does not matter.
            let _ = response.body().limit(64 * 1024).await;
            (Some(response.status().as_u16()), None)
        }
        Err(error) => {
            tracing::debug!(webhook = due.webhook.0, %error, "webhook attempt failed");
            (None, Some(super::failure::describe(&error).to_owned()))
        }
    }
}

fn verdict(due: &Due, status: Option<u16>, options: &DeliveryOptions, now: Timestamp) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        Some(410) => Verdict::Disable(format!(
            "the receiver answered 410 Gone on {}",
            now.format("%Y-%m-%d %H:%M:%S UTC")
        )),
        _ if due.number >= options.max_attempts => Verdict::GiveUp,
        _ => {
            let wait = backoff(options.retry_base, due.number);
            Verdict::RetryAt(now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_value() {
        // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-secret-secret'
        assert_eq!(
            sign("secret-secret-secret", 1_700_000_000, r#"{"a":1}"#),
            "sha256=fa345d5b654e6667128855e14a4938c54b5b813699e6b72c5c4f501aa493ba92"
        );
    }

    #[test]
    fn tls_finds_the_systems_certificates() {
        assert!(tls().is_ok());
        let bundle = std::path::Path::new("/etc/ssl/certs/ca-certificates.crt");
        if bundle.exists() && std::env::var_os("SSL_CERT_FILE").is_none() {
            assert!(!rustls_native_certs::load_native_certs().certs.is_empty());
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(10);
        for (attempt, expected) in [(1, 10), (2, 20), (3, 40), (4, 80)] {
            let wait = backoff(base, attempt).as_secs_f64();
            let expected = f64::from(expected);
            assert!(
                (expected..expected * 1.25).contains(&wait),
                "{attempt}: {wait}"
            );
        }
        assert!(backoff(base, 40) <= MAX_BACKOFF.mul_f64(1.25));
    }
}
