//! The content codings a cached response is kept in besides its identity body (Brotli and
//! gzip, each compressed once, when the response is stored), and the one choice among them
//! that every cached answer makes from the request's `Accept-Encoding`.
//!
//! Responses sent here carry their `Content-Encoding`, which keeps actix's `Compress`
//! middleware (wrapped around every route, for what is not cached) off them: nothing is
//! compressed twice.

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;

/// A content coding a cached response is also kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// Brotli (`br`): smaller than gzip on our JSON and feeds, and what phones' browsers ask
    /// for first.
    Brotli,
    /// gzip (`gzip`, or `x-gzip` as old clients write it).
    Gzip,
}

/// Brotli's quality (0–11) for a body compressed once and served many times: 5 gives most of
/// 11's gain over gzip at a small share of its time (a miss pays it).
const BROTLI_QUALITY: i32 = 5;

impl Coding {
    /// Every coding, the one preferred when a client weighs them equally first.
    pub const ALL: [Self; 2] = [Self::Brotli, Self::Gzip];

    /// Its place in arrays indexed by coding.
    pub(super) const fn index(self) -> usize {
        match self {
            Self::Brotli => 0,
            Self::Gzip => 1,
        }
    }

    /// Its `Content-Encoding` token.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }

    /// Its `Content-Encoding` header value.
    pub fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(self.name())
    }

    /// Added inside the quotes of the identity representation's entity tag to make this
    /// representation's (as Apache does): it differs, as RFC 9110 wants of a different
    /// representation, and `If-None-Match` compares them as one.
    pub(super) const fn etag_suffix(self) -> &'static str {
        match self {
            Self::Brotli => "-br",
            Self::Gzip => "-gzip",
        }
    }

    /// Whether an `Accept-Encoding` item's coding names this one.
    fn named_by(self, token: &str) -> bool {
        match self {
            Self::Brotli => token.eq_ignore_ascii_case("br"),
            Self::Gzip => {
                token.eq_ignore_ascii_case("gzip") || token.eq_ignore_ascii_case("x-gzip")
            }
        }
    }

    /// `body` in this coding, when that makes it smaller.
    pub fn encode(self, body: &[u8]) -> Option<Bytes> {
        let out = match self {
            Self::Brotli => brotli(body)?,
            Self::Gzip => gzip(body)?,
        };
        // Compressed into a buffer sized by guess: what is kept is what is counted.
        (out.len() < body.len()).then(|| Bytes::from(out.into_boxed_slice()))
    }
}

/// `body` gzip-compressed, at the level actix's own compression uses.
fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3 + 32),
        flate2::Compression::fast(),
    );
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// The Brotli window (log2 of its bytes) for a body of `len` bytes: no larger than the body
/// needs (the encoder's memory grows with it, and the default 4 MB window is wasted on a 20
/// KB answer), and never below 2^17. At quality 5, a window of 2^16 or less makes the `brotli`
/// crate choose its forgetful-chain hasher, which zeroes about 36 MB for every body it
/// compresses (peak memory of the server grew by that much per worker, and a 5 KB answer took
/// 2 ms to compress); from 2^17 it takes the hash chains of about 2 MB (0.2 ms), and the
/// output is no larger.
fn brotli_window(len: usize) -> u32 {
    len.max(1)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(17, 24)
}

/// `body` Brotli-compressed (see [`brotli_window`]).
fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let lgwin = brotli_window(body.len());
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: i32::try_from(lgwin).ok()?,
        size_hint: body.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(body.len() / 4 + 32);
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

/// What an `Accept-Encoding` value says of each coding: the weight of the first item naming
/// it (`None` when none does).
#[derive(Debug, Default)]
struct Weights {
    named: [Option<f32>; 2],
    identity: Option<f32>,
    any: Option<f32>,
}

impl Weights {
    fn read(header: &str) -> Self {
        let mut w = Self::default();
        for (token, q) in crate::weights::items(header) {
            if token == "*" {
                w.any.get_or_insert(q);
            } else if token.eq_ignore_ascii_case("identity") {
                w.identity.get_or_insert(q);
            } else if let Some(coding) = Coding::ALL.into_iter().find(|c| c.named_by(token)) {
                w.named[coding.index()].get_or_insert(q);
            }
        }
        w
    }

    /// How much the client wants `coding`: its own item's weight, else `*`'s, else 0 (a
    /// coding the header does not name is not acceptable).
    fn of(&self, coding: Coding) -> f32 {
        self.named[coding.index()].or(self.any).unwrap_or(0.0)
    }
}

/// How much the client wants `coding` by its `Accept-Encoding` (0: refused).
pub fn quality(accept_encoding: &str, coding: Coding) -> f32 {
    Weights::read(accept_encoding).of(coding)
}

/// The coding to answer in, `None` for the identity body: of the codings the client accepts
/// (a weight above 0; `br;q=0` refuses Brotli whatever `*` says) and `available` has, the one
/// it weighs highest, Brotli when they are weighed alike. No header, nothing acceptable
/// available, or `identity` named with a higher weight than the best coding: the identity
/// body. `available` is asked in that order and no further than needed (it may compress).
pub fn choose(accept_encoding: Option<&str>, available: impl Fn(Coding) -> bool) -> Option<Coding> {
    let weights = Weights::read(accept_encoding?);
    let mut ranked = Coding::ALL;
    // Stable: equal weights keep Brotli first.
    ranked.sort_by(|a, b| weights.of(*b).total_cmp(&weights.of(*a)));
    ranked.into_iter().find(|&coding| {
        let q = weights.of(coding);
        q > 0.0 && weights.identity.is_none_or(|identity| identity <= q) && available(coding)
    })
}

/// The request's `Accept-Encoding`, when it has a readable one.
pub fn accept_encoding(req: &actix_web::HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(header: Option<&str>) -> Option<&'static str> {
        choose(header, |_| true).map(Coding::name)
    }

    #[test]
    fn brotli_is_preferred_when_weighed_alike() {
        assert_eq!(chosen(Some("gzip, deflate, br")), Some("br"));
        assert_eq!(chosen(Some("br;q=0.8, gzip;q=0.8")), Some("br"));
        assert_eq!(chosen(Some("*")), Some("br"));
        assert_eq!(chosen(Some("BR")), Some("br"));
    }

    #[test]
    fn weights_are_respected() {
        assert_eq!(chosen(Some("br;q=0.5, gzip")), Some("gzip"));
        assert_eq!(chosen(Some("br;q=0, gzip")), Some("gzip"));
        assert_eq!(chosen(Some("br;q=0, *")), Some("gzip"));
        assert_eq!(chosen(Some("*, br;q=0")), Some("gzip"));
        assert_eq!(chosen(Some("br;q=0")), None);
        assert_eq!(chosen(Some("br;q=0, gzip;q=0")), None);
        assert_eq!(
            chosen(Some("gzip;q=0, x-gzip")),
            None,
            "the first naming wins"
        );
        assert_eq!(chosen(Some("br, gzip;q=0.5, deflate")), Some("br"));
        assert_eq!(chosen(Some("x-gzip")), Some("gzip"));
        assert_eq!(chosen(Some("identity;q=1, br;q=0.5")), None);
        assert_eq!(chosen(Some("identity;q=0.5, br")), Some("br"));
        assert_eq!(chosen(Some("deflate, identity")), None);
        assert_eq!(chosen(Some("")), None);
        assert_eq!(chosen(None), None);
    }

    #[test]
    fn what_is_not_kept_falls_back_to_the_next_choice() {
        let gzip_only = |c: Coding| c == Coding::Gzip;
        assert_eq!(choose(Some("br, gzip"), gzip_only), Some(Coding::Gzip));
        assert_eq!(choose(Some("br"), gzip_only), None);
        assert_eq!(choose(Some("br, gzip"), |_| false), None);
        // Only as far as needed: a client that takes Brotli first never makes gzip.
        let asked = std::cell::Cell::new(0);
        let _ = choose(Some("gzip, br"), |_| {
            asked.set(asked.get() + 1);
            true
        });
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn each_coding_decodes_to_the_body() {
        use std::io::Read as _;
        let body = "{\"data\":{\"title\":\"A headline\"}}".repeat(40);
        let br = Coding::Brotli.encode(body.as_bytes()).expect("smaller");
        let gz = Coding::Gzip.encode(body.as_bytes()).expect("smaller");
        let mut out = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut out)
            .expect("brotli");
        assert_eq!(out, body.as_bytes());
        out.clear();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .expect("gzip");
        assert_eq!(out, body.as_bytes());
        // Nothing gained, nothing kept.
        assert!(Coding::Brotli.encode(b"{}").is_none());
        assert!(Coding::Gzip.encode(b"{}").is_none());
        assert!(Coding::Brotli.encode(b"").is_none());
    }
}
