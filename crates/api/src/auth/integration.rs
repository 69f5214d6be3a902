//! Integration keys: `Authorization: Ghost <token>`, as Ghost's Admin API takes them.
//!
//! An integration key is `{id}:{secret}`, the secret in hex. Its holder signs a short-lived
//! token with the decoded secret: HS256, header `kid` = the id, claims `aud` = `/admin/` (or a
//! versioned `/v5/admin/`, as older Ghost tooling sends), `iat`, and `exp` at most five minutes
//! ahead. Tooling that signs Ghost Admin API tokens works unchanged. The token then acts as the
//! key's account, with the role the key was given, held to the key's rate limit.

use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::keys;
use broadsheet_service::Service;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

use super::jwt::InvalidToken;
use super::{Refused, Viewer};
use crate::keys::{KeyRefusal, RateLimiter, admit_key};

/// The longest a token may live: five minutes.
const MAX_LIFETIME_SECONDS: i64 = 5 * 60;
/// Clock skew tolerated between us and the signer.
const LEEWAY_SECONDS: i64 = 30;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Claims {
    exp: i64,
    iat: Option<i64>,
    aud: Audience,
}

/// `/admin/`, or a versioned `/v5.0/admin/` or `/canary/admin/`.
fn admin_audience(aud: &str) -> bool {
    match aud.strip_suffix("/admin/") {
        Some("") => true,
        Some(prefix) => prefix.strip_prefix('/').is_some_and(|version| {
            !version.is_empty()
                && version
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        }),
        None => false,
    }
}

fn invalid(reason: impl Into<String>) -> Refused {
    Refused::Token(InvalidToken(reason.into()))
}

/// The account an integration token used at `now` acts as.
pub async fn verify(
    service: &Service,
    limiter: &RateLimiter,
    token: &str,
    now: Timestamp,
) -> Result<Viewer, Refused> {
    let store = service.store();
    let header = decode_header(token).map_err(|e| invalid(e.to_string()))?;
    if header.alg != Algorithm::HS256 {
        return Err(invalid("integration tokens are HS256"));
    }
    let kid = header.kid.ok_or_else(|| invalid("the token has no kid"))?;
    if kid.is_empty() || kid.len() > 64 || !kid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("the kid is not a key id"));
    }
    let (lookup, keyring) = (kid.clone(), store.keyring());
    let keys::IntegrationKey { key, secret } = store
        .read(move |c| keys::integration_key(c, &keyring, &lookup))
        .await
        .map_err(|_| Refused::Store)?
        .ok_or(Refused::UnknownKey(kid))?;
    let secret = crate::hex::decode(&secret).ok_or(Refused::Store)?;

    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    // `exp` is checked below against `now` (the injected clock), not the system's.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "aud"]);
    validation.leeway = LEEWAY_SECONDS.unsigned_abs();
    let claims = decode::<Claims>(token, &DecodingKey::from_secret(&secret), &validation)
        .map_err(|e| invalid(e.to_string()))?
        .claims;
    let audience_ok = match &claims.aud {
        Audience::One(aud) => admin_audience(aud),
        Audience::Many(auds) => auds.iter().any(|a| admin_audience(a)),
    };
    if !audience_ok {
        return Err(invalid("the audience is not /admin/"));
    }
    let now = now.timestamp();
    let issued = claims.iat.unwrap_or(now);
    // Saturating: `iat` is any number the signer chose, and an overflow would panic (or wrap
    // past the check).
    if claims.exp.saturating_add(LEEWAY_SECONDS) < now {
        return Err(invalid("the token has expired"));
    }
    if claims.exp.saturating_sub(now) > MAX_LIFETIME_SECONDS + LEEWAY_SECONDS
        || claims.exp.saturating_sub(issued) > MAX_LIFETIME_SECONDS
        || issued.saturating_sub(now) > LEEWAY_SECONDS
    {
        return Err(invalid("integration tokens live at most five minutes"));
    }

    admit_key(store, limiter, &key)
        .await
        .map_err(|refusal| match refusal {
            KeyRefusal::Limited(seconds) => Refused::Limited(seconds),
            KeyRefusal::Invalid | KeyRefusal::Unavailable => Refused::Store,
        })?;
    let owner = key.user.ok_or(Refused::Store)?;
    Ok(service.identify_integration(owner, &key.name).await?)
}

#[cfg(test)]
mod tests {
    use super::admin_audience;

    #[test]
    fn audiences() {
        for ok in ["/admin/", "/v5/admin/", "/v5.0/admin/", "/canary/admin/"] {
            assert!(admin_audience(ok), "{ok}");
        }
        for bad in [
            "",
            "admin",
            "/admin",
            "//admin/",
            "/a/b/admin/",
            "broadsheet",
            "/content/",
        ] {
            assert!(!admin_audience(bad), "{bad}");
        }
    }
}
