//! Who a request comes from: the client's address, read through trusted proxies only, and
//! grouped as limits count it; and the rate limit of anonymous clients per address.
//!
//! Behind a load balancer or CDN every request comes from the proxy's address. The client's
//! own is in `Forwarded` or `X-Forwarded-For`, which anyone can write: so those headers are
//! read only when the peer is a configured trusted proxy (`--trusted-proxies`), and then from
//! the right, skipping the trusted hops, so that what a client wrote itself at the left is
//! never believed. An IPv6 client controls a whole /64, so limits count per /64.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::HttpRequest;
use broadsheet_domain::clock::Clock;
use governor::Quota;
pub use ipnet::IpNet;

use broadsheet_persistence::Store;

use crate::limits::{self, ByClock, KeyedLimiter, Refused, Shared};

/// How addresses are read and anonymous clients limited; one per process.
pub struct Clients {
    trusted: Vec<IpNet>,
    anonymous: Option<(KeyedLimiter<IpAddr>, ByClock)>,
    /// Requests a minute each anonymous address may make (0: no limit).
    per_minute: u32,
    /// The same limit as the replicas share it on PostgreSQL (see [`Shared`]).
    shared: Shared<IpAddr>,
    checks: AtomicU64,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clients")
            .field("trusted", &self.trusted)
            .field("anonymous_limit", &self.anonymous.is_some())
            .finish()
    }
}

impl Default for Clients {
    fn default() -> Self {
        Self::new(Vec::new(), 0, Clock::system())
    }
}

/// How often the limiter forgets addresses that are back to a full allowance.
const PRUNE_EVERY: u64 = 4096;

impl Clients {
    /// Reads addresses through `trusted` proxies and lets each anonymous address make
    /// `per_minute` requests a minute by `clock`, in bursts of up to a sixth of that (0: no
    /// limit).
    pub fn new(trusted: Vec<IpNet>, per_minute: u32, clock: Clock) -> Self {
        let anonymous = NonZeroU32::new(per_minute).map(|n| {
            let burst = NonZeroU32::new((per_minute / 6).max(1)).unwrap_or(NonZeroU32::MIN);
            let clock = ByClock(clock.clone());
            let quota = Quota::per_minute(n).allow_burst(burst);
            (limits::keyed(quota, &clock), clock)
        });
        Self {
            trusted,
            anonymous,
            per_minute,
            // Each replica admits an address's first twentieth of a minute without asking
            // the database: readers never cost a write, only a client past that does.
            shared: Shared::new(clock, true),
            checks: AtomicU64::new(0),
        }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
    /// untrusted address the proxies recorded.
    pub fn address(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = canonical(req.peer_addr()?.ip());
        if !self.trusts(peer) {
            return Some(peer);
        }
        let headers = req.headers();
        let chain: Vec<IpAddr> = match headers.get("forwarded").and_then(|v| v.to_str().ok()) {
            Some(forwarded) => forwarded_for(forwarded),
            None => headers
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| parse_address(a.trim()))
                .collect(),
        };
        // From the right: the last hop was added by our own proxy.
        let client = chain
            .iter()
            .rev()
            .map(|ip| canonical(*ip))
            .find(|ip| !self.trusts(*ip))
            // Every hop trusted (an internal client): the first one is it.
            .or_else(|| chain.first().copied().map(canonical));
        Some(client.unwrap_or(peer))
    }

    /// Counts an anonymous request from `address` against its limit in this process and, on
    /// PostgreSQL, against the limit the replicas share (at most `--anonymous-rate-limit` a
    /// clock minute across them, give or take R/20 of it behind R replicas; see [`Shared`]);
    /// `Err(seconds)` when it is over either. If the database cannot say, the request is let
    /// through: this limit guards the servers, and a reader should not be refused for it.
    pub async fn admit_anonymous_everywhere(
        &self,
        store: &Store,
        address: Option<IpAddr>,
    ) -> Result<(), u64> {
        self.admit_anonymous(address)?;
        let Some(address) = address.filter(|_| self.anonymous.is_some()) else {
            return Ok(());
        };
        let group = group(address);
        match self
            .shared
            .admit(store, group, || format!("address:{group}"), self.per_minute)
            .await
        {
            Err(Refused::Limited(seconds)) => Err(seconds),
            Ok(()) | Err(Refused::Unavailable) => Ok(()),
        }
    }

    /// Counts an anonymous request from `address` in this process; `Err(seconds)` when it is
    /// over its limit.
    pub fn admit_anonymous(&self, address: Option<IpAddr>) -> Result<(), u64> {
        let (Some((limiter, clock)), Some(address)) = (&self.anonymous, address) else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter
            .check_key(&group(address))
            .map_err(|not_until| limits::retry_after(&not_until, clock))
    }
}

pub use broadsheet_domain::net::{canonical, group};

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`,
/// `[2001:db8::1]:443`, possibly quoted.
fn parse_address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, _port) = text.rsplit_once(':')?;
    host.parse().ok()
}

/// The `for=` addresses of a `Forwarded` header (RFC 7239), in order; obfuscated and
/// `unknown` nodes are left out.
fn forwarded_for(value: &str) -> Vec<IpAddr> {
    value
        .split(',')
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_address(value))
                    .flatten()
            })
        })
        .collect()
}

/// Parses `--trusted-proxies`: addresses or networks, comma-separated.
pub fn parse_networks(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not an address or a network like 10.0.0.0/8"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn clients(trusted: &str) -> Clients {
        Clients::new(
            parse_networks(trusted).expect("networks"),
            0,
            Clock::system(),
        )
    }

    fn from(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(peer.parse().expect("peer"));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        req.to_http_request()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let none = clients("");
        let spoofed = from("203.0.113.9:5000", &[("x-forwarded-for", "1.1.1.1")]);
        assert_eq!(none.address(&spoofed), ip("203.0.113.9"));
        let lb = clients("10.0.0.0/8, 127.0.0.1");
        assert_eq!(lb.address(&spoofed), ip("203.0.113.9"), "peer not trusted");
        // A client writing its own X-Forwarded-For: our proxy appends the real address.
        let via = from(
            "10.1.2.3:80",
            &[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.9.9.9")],
        );
        assert_eq!(lb.address(&via), ip("198.51.100.7"));
        let forwarded = from(
            "127.0.0.1:80",
            &[
                (
                    "forwarded",
                    "for=1.1.1.1, for=\"[2001:db8::7]:4711\";proto=https",
                ),
                ("x-forwarded-for", "5.5.5.5"),
            ],
        );
        assert_eq!(lb.address(&forwarded), ip("2001:db8::7"));
        // Nothing forwarded: the proxy itself.
        assert_eq!(lb.address(&from("10.0.0.1:80", &[])), ip("10.0.0.1"));
        // Garbage: the proxy itself.
        let junk = from("10.0.0.1:80", &[("x-forwarded-for", "not an address")]);
        assert_eq!(lb.address(&junk), ip("10.0.0.1"));
        // Mapped IPv4 is IPv4.
        assert_eq!(
            none.address(&from("[::ffff:198.51.100.1]:1", &[])),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(
            group("2001:db8:1:2:aaaa::1".parse().expect("ip")),
            "2001:db8:1:2::".parse::<IpAddr>().expect("ip")
        );
        assert_eq!(
            group("192.0.2.1".parse().expect("ip")),
            "192.0.2.1".parse::<IpAddr>().expect("ip")
        );
        let clock = Clock::manual(broadsheet_domain::time::now());
        let limited = Clients::new(Vec::new(), 6, clock.clone());
        // A burst of one (a sixth of six), then one every ten seconds: a neighbour in the
        // same /64 shares it, another /64 does not.
        assert_eq!(limited.admit_anonymous(ip("2001:db8:1:2::1")), Ok(()));
        assert!(limited.admit_anonymous(ip("2001:db8:1:2::ffff")).is_err());
        assert_eq!(limited.admit_anonymous(ip("2001:db8:1:3::1")), Ok(()));
        clock.advance(chrono::TimeDelta::seconds(4));
        assert_eq!(limited.admit_anonymous(ip("2001:db8:1:2::1")), Err(6));
        clock.advance(chrono::TimeDelta::seconds(6));
        assert_eq!(
            limited.admit_anonymous(ip("2001:db8:1:2::1")),
            Ok(()),
            "ten seconds on"
        );
        assert_eq!(Clients::default().admit_anonymous(ip("192.0.2.1")), Ok(()));
    }

    #[test]
    fn trusted_proxies_parse() {
        assert_eq!(parse_networks("").expect("none"), Vec::<IpNet>::new());
        assert_eq!(parse_networks("10.0.0.0/8, ::1").expect("two").len(), 2);
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.local").is_err());
    }
}
