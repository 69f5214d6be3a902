//! Which network addresses are public: the only ones a webhook may reach.
//!
//! A webhook is a request the server makes on an administrator's behalf to an address they
//! chose. Left open, that address could be the server's own loopback, a database on the
//! private network, or the cloud's metadata service (169.254.169.254, which hands out
//! credentials). So every address that is not ordinary public unicast is refused: private and
//! shared ranges, loopback, link-local, documentation and benchmarking ranges, multicast and
//! reserved space. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4)
//! are judged by the IPv4 address they carry, since that is where a connection ends up.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A URL's host: an address, or a name to resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// A literal IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A domain name.
    Name(&'a str),
}

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(ip) => ip.fmt(f),
            Self::Name(name) => f.write_str(name),
        }
    }
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 ranges that are not public (IANA's special-purpose registry, RFC 6890 and after):
/// `(network, prefix length)`.
const NOT_PUBLIC_V4: [([u8; 4], u8); 15] = [
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (carrier-grade NAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, where cloud metadata services answer
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 88, 99, 0], 24),  // former 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and the broadcast address 255.255.255.255
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !NOT_PUBLIC_V4.iter().any(|&(network, len)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
        bits & mask == u32::from_be_bytes(network)
    })
}

/// The IPv4 address in the last 32 bits of `ip`.
fn low_v4(ip: Ipv6Addr) -> Ipv4Addr {
    let o = ip.octets();
    Ipv4Addr::new(o[12], o[13], o[14], o[15])
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    match s {
        // IPv4-mapped (::ffff:a.b.c.d): a dual-stack socket connects to the IPv4 address.
        [0, 0, 0, 0, 0, 0xffff, _, _] => is_public_v4(low_v4(ip)),
        // IPv4-compatible (::a.b.c.d, deprecated), which holds :: and ::1 too.
        [0, 0, 0, 0, 0, 0, _, _] => is_public_v4(low_v4(ip)),
        // NAT64 (64:ff9b::/96): a translator connects to the IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => is_public_v4(low_v4(ip)),
        // 6to4 (2002::/16): the IPv4 address is in the second and third groups.
        [0x2002, hi, lo, ..] => {
            let [a, b] = hi.to_be_bytes();
            let [c, d] = lo.to_be_bytes();
            is_public_v4(Ipv4Addr::new(a, b, c, d))
        }
        // IETF protocol assignments (Teredo, benchmarking, ORCHID): no receiver lives there.
        [0x2001, b, ..] if b < 0x200 => false,
        // Documentation (2001:db8::/32 and 3fff::/20).
        [0x2001, 0xdb8, ..] => false,
        [0x3fff, b, ..] if b < 0x1000 => false,
        // Everything else public is global unicast (2000::/3). What lies outside it is not:
        // unique local (fc00::/7, AWS's metadata service at fd00:ec2::254), link-local
        // (fe80::/10), multicast (ff00::/8), discard (100::/64), local-use NAT64
        // (64:ff9b:1::/48), and unassigned space.
        [x, ..] => x & 0xe000 == 0x2000,
    }
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The address limits count under: an IPv4 address, or an IPv6 address's /64 (one client
/// holds a whole /64).
pub fn group(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(address: &str) -> bool {
        is_public(address.parse().expect("an address"))
    }

    #[test]
    fn public_addresses_are_public() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "203.0.112.255",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "3fff:1000::1",
        ] {
            assert!(public(address), "{address}");
        }
    }

    #[test]
    fn ipv4_special_ranges_are_not_public() {
        for address in [
            "0.0.0.0",
            "0.255.255.255",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.1",
            "192.168.255.255",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.254",
            "255.255.255.255",
        ] {
            assert!(!public(address), "{address}");
        }
    }

    #[test]
    fn ipv6_special_ranges_are_not_public() {
        for address in [
            "::",
            "::1",
            "fe80::1",
            "febf:ffff::1",
            "fec0::1",
            "fc00::1",
            "fd00::1",
            "fd00:ec2::254",
            "ff02::1",
            "ff05::1:3",
            "2001:db8::1",
            "2001:db8:ffff::1",
            "3fff::1",
            "3fff:fff::1",
            "100::1",
            "100::ffff:ffff:ffff:ffff",
            "2001::1",
            "2001:2::1",
            "2001:20::1",
            "64:ff9b:1::a00:1",
            "5f00::1",
            "4000::1",
            "1::1",
        ] {
            assert!(!public(address), "{address}");
        }
    }

    #[test]
    fn ipv6_carrying_ipv4_is_judged_by_the_ipv4_address() {
        for address in [
            // IPv4-mapped.
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            // IPv4-compatible.
            "::127.0.0.1",
            "::10.1.2.3",
            "::169.254.169.254",
            // NAT64.
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::c0a8:1",
            // 6to4.
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2002:a9fe:a9fe::1",
            "2002:c0a8:101::1",
        ] {
            assert!(!public(address), "{address}");
        }
        for address in ["::ffff:1.1.1.1", "::1.1.1.1", "64:ff9b::1.1.1.1"] {
            assert!(public(address), "{address}");
        }
    }
}
