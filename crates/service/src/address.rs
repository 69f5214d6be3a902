//! Where webhooks may go: public addresses only, unless the server is told otherwise
//! (`--webhook-allow-private`, for receivers on an intranet).
//!
//! A receiver is checked twice. When it is registered, its host must be a public address or
//! a name whose every address is public. When a delivery is made, the host is resolved again
//! and only its public addresses are connected to (the transport's delivery connector): a name can
//! resolve to something else by then, and a row can reach the database without registration.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use broadsheet_domain::ValidationError;
use broadsheet_domain::net::{Host, is_public};
use broadsheet_domain::url::WebUrl;

/// Which receivers webhooks may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Receivers {
    /// Public addresses only.
    #[default]
    PublicOnly,
    /// Any address, private ones included: for receivers on an intranet.
    AnyAddress,
}

/// What an attempt at a receiver with no public address records.
pub const NOT_PUBLIC: &str = "the receiver's address is not public";

/// How long a registration waits for the receiver's name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

const WHICH: &str = "(loopback, private, link-local, cloud metadata and reserved addresses \
                     are refused; an intranet server may allow them with \
                     --webhook-allow-private)";

/// Why a delivery cannot be made to a host.
#[derive(Debug, thiserror::Error)]
pub enum Unreachable {
    /// Every address of the host is refused.
    #[error("{NOT_PUBLIC}")]
    NotPublic,
    /// The name does not resolve.
    #[error("the host name does not resolve: {0}")]
    Unresolved(#[from] io::Error),
}

/// Every address of `host`.
async fn lookup(host: Host<'_>, port: u16) -> io::Result<Vec<SocketAddr>> {
    match host {
        Host::Ip(ip) => Ok(vec![SocketAddr::new(ip, port)]),
        Host::Name(name) => Ok(tokio::net::lookup_host((name, port)).await?.collect()),
    }
}

/// The addresses of `host` a delivery may connect to: every one with
/// [`Receivers::AnyAddress`], otherwise the public ones, and [`Unreachable::NotPublic`] when
/// none is.
pub async fn addresses(
    host: Host<'_>,
    port: u16,
    receivers: Receivers,
) -> Result<Vec<SocketAddr>, Unreachable> {
    let mut found = lookup(host, port).await?;
    if receivers == Receivers::PublicOnly {
        found.retain(|a| is_public(a.ip()));
        if found.is_empty() {
            return Err(Unreachable::NotPublic);
        }
    }
    Ok(found)
}

/// Checks the URL of a webhook being registered (or changed): its host must be a public
/// address, or a name that resolves and whose every address is public.
pub async fn admit(url: &WebUrl, receivers: Receivers) -> Result<(), ValidationError> {
    if receivers == Receivers::AnyAddress {
        return Ok(());
    }
    let refuse = |message: String| Err(ValidationError::new("url", message));
    let name = match url.host() {
        Host::Ip(ip) if is_public(ip) => return Ok(()),
        Host::Ip(ip) => return refuse(format!("the address {ip} is not public {WHICH}")),
        Host::Name(name) => name,
    };
    match tokio::time::timeout(RESOLVE_TIMEOUT, lookup(url.host(), url.port())).await {
        Err(_) => refuse(format!(
            "{name} does not resolve (no answer within {} seconds)",
            RESOLVE_TIMEOUT.as_secs()
        )),
        Ok(Err(error)) => {
            tracing::debug!(%name, %error, "webhook receiver does not resolve");
            refuse(format!("{name} does not resolve"))
        }
        Ok(Ok(found)) if found.is_empty() => refuse(format!("{name} does not resolve")),
        Ok(Ok(found)) if found.iter().all(|a| is_public(a.ip())) => Ok(()),
        Ok(Ok(_)) => refuse(format!(
            "{name} resolves to an address that is not public {WHICH}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> WebUrl {
        WebUrl::parse("url", u).expect("valid")
    }

    #[tokio::test]
    async fn literal_addresses_are_checked_without_a_lookup() {
        assert!(
            admit(&url("http://1.1.1.1/x"), Receivers::PublicOnly)
                .await
                .is_ok()
        );
        for u in [
            "http://127.0.0.1:9/x",
            "http://[::1]/x",
            "http://10.0.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:169.254.169.254]/",
            "http://[fd00:ec2::254]/",
            "http://2130706433/",
        ] {
            let refused = admit(&url(u), Receivers::PublicOnly).await.expect_err(u);
            assert_eq!(refused.field, "url");
            assert!(refused.message.contains("is not public"), "{refused}");
            assert!(admit(&url(u), Receivers::AnyAddress).await.is_ok(), "{u}");
        }
    }

    #[tokio::test]
    async fn names_are_resolved() {
        let refused = admit(&url("http://localhost:1234/x"), Receivers::PublicOnly)
            .await
            .expect_err("loopback");
        assert!(
            refused
                .message
                .starts_with("localhost resolves to an address that is not public")
        );
        let refused = admit(&url("https://nowhere.invalid/"), Receivers::PublicOnly)
            .await
            .expect_err("no such name");
        assert!(
            refused
                .message
                .starts_with("nowhere.invalid does not resolve")
        );
        assert!(
            admit(&url("http://localhost/"), Receivers::AnyAddress)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn deliveries_keep_only_public_addresses() {
        let port = 8080;
        let public = Host::Ip("1.1.1.1".parse().expect("ip"));
        assert_eq!(
            addresses(public, port, Receivers::PublicOnly)
                .await
                .expect("public")
                .len(),
            1
        );
        for host in [
            Host::Ip("10.0.0.1".parse().expect("ip")),
            Host::Name("localhost"),
        ] {
            assert!(matches!(
                addresses(host, port, Receivers::PublicOnly).await,
                Err(Unreachable::NotPublic)
            ));
            let any = addresses(host, port, Receivers::AnyAddress)
                .await
                .expect("any");
            assert!(any.iter().all(|a| a.port() == port && !is_public(a.ip())));
        }
        assert!(matches!(
            addresses(Host::Name("nowhere.invalid"), port, Receivers::PublicOnly).await,
            Err(Unreachable::Unresolved(_))
        ));
    }
}
