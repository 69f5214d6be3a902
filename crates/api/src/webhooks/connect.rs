//! The connector deliveries go through.
//!
//! It resolves the receiver's host itself, drops every address that is not public, and
//! hands only the addresses left to the TCP connector: the address connected to is an
//! address that was checked, so a name cannot resolve to a public address for the check and
//! to a private one for the connection (DNS rebinding). awc would connect to a literal
//! address without asking a resolver at all; here literal addresses are checked alike.

use actix_service::Service;
use actix_tls::connect::tcp::TcpConnectorService;
use actix_tls::connect::{ConnectError, ConnectInfo, Connection};
use awc::http::Uri;
use broadsheet_domain::net::Host;
use futures_util::future::LocalBoxFuture;
use tokio::net::TcpStream;

use super::address::{Receivers, addresses};

/// Connects to a receiver's checked addresses only.
#[derive(Debug, Clone, Copy)]
pub struct CheckedConnector {
    receivers: Receivers,
}

impl CheckedConnector {
    /// A connector letting through what `receivers` allows.
    pub fn new(receivers: Receivers) -> Self {
        Self { receivers }
    }
}

/// The host of a request as the connector is given it (`[::1]` for an IPv6 address).
fn host(hostname: &str) -> Host<'_> {
    let bare = hostname
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(hostname);
    match bare.parse() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(hostname),
    }
}

impl Service<ConnectInfo<Uri>> for CheckedConnector {
    type Response = Connection<Uri, TcpStream>;
    type Error = ConnectError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_service::always_ready!();

    fn call(&self, request: ConnectInfo<Uri>) -> Self::Future {
        let receivers = self.receivers;
        Box::pin(async move {
            let found = addresses(host(request.hostname()), request.port(), receivers)
                .await
                .map_err(|unreachable| ConnectError::Resolver(Box::new(unreachable)))?;
            TcpConnectorService::default()
                .call(request.set_addrs(found))
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_as_the_connector_gets_them() {
        let ip = |s: &str| Host::Ip(s.parse().expect("ip"));
        assert_eq!(host("127.0.0.1"), ip("127.0.0.1"));
        assert_eq!(host("[::1]"), ip("::1"));
        assert_eq!(host("[::ffff:10.0.0.1]"), ip("::ffff:10.0.0.1"));
        assert_eq!(host("partner.example"), Host::Name("partner.example"));
        // Left to the resolver, which reads it as 127.0.0.1 and so refuses it.
        assert_eq!(host("2130706433"), Host::Name("2130706433"));
    }
}
