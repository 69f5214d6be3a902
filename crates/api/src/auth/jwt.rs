//! Access and preview tokens (JWT).
//!
//! - Access tokens we issue are HS256, signed with the server's secret; their claims `sub`
//!   (the user id), `role`, `iat`, `exp`, `iss` and `aud` are all required and checked.
//! - Tokens from an external identity provider may be verified instead with a configured
//!   public key (RS256 or EdDSA); they carry the same claims.
//! - The algorithm is chosen by the key, never by the token: a token whose header names any
//!   other algorithm (`none`, or HS256 signed with a public key) is refused.
//! - Preview tokens are HS256 too, with an audience of their own, so that neither kind can
//!   stand in for the other.
//! - Expiry (`exp`, and `nbf` when present) is checked against the instant the caller passes
//!   (the request's, from the injected clock), not by `jsonwebtoken`, which would read the
//!   system's clock.

use std::fmt;

use broadsheet_domain::time::Timestamp;
use chrono::TimeDelta;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use secrecy::{ExposeSecret as _, SecretSlice};
use serde::{Deserialize, Serialize};

/// Clock skew tolerated between us and whoever issued a token, in seconds.
const LEEWAY_SECONDS: u64 = 30;
/// The audience of preview tokens.
const PREVIEW_AUDIENCE: &str = "broadsheet-preview";

/// The signing secret; never printed, and wiped from memory when dropped.
#[derive(Clone)]
pub struct Secret(SecretSlice<u8>);

impl Secret {
    /// At least 32 bytes: shorter secrets can be brute-forced.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, String> {
        // Wrapped first, so that a refused secret is wiped too.
        let secret = SecretSlice::from(bytes.into());
        if secret.expose_secret().len() < 32 {
            return Err("the JWT secret must be at least 32 bytes".into());
        }
        Ok(Self(secret))
    }

    fn bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A public key that verifies tokens from an external identity provider.
#[derive(Clone)]
pub struct ExternalKey {
    algorithm: Algorithm,
    key: DecodingKey,
}

impl fmt::Debug for ExternalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExternalKey({:?})", self.algorithm)
    }
}

impl ExternalKey {
    /// An RS256 key from PEM.
    pub fn rs256(pem: &[u8]) -> Result<Self, String> {
        DecodingKey::from_rsa_pem(pem)
            .map(|key| Self {
                algorithm: Algorithm::RS256,
                key,
            })
            .map_err(|e| format!("invalid RSA public key: {e}"))
    }

    /// An EdDSA (Ed25519) key from PEM.
    pub fn eddsa(pem: &[u8]) -> Result<Self, String> {
        DecodingKey::from_ed_pem(pem)
            .map(|key| Self {
                algorithm: Algorithm::EdDSA,
                key,
            })
            .map_err(|e| format!("invalid Ed25519 public key: {e}"))
    }
}

/// How tokens are made and checked.
#[derive(Clone, Debug)]
pub struct JwtConfig {
    /// Signs and verifies our own tokens.
    pub secret: Secret,
    /// `iss` of our tokens, and the issuer accepted.
    pub issuer: String,
    /// `aud` of our tokens, and the audience accepted.
    pub audience: String,
    /// How long an access token lives.
    pub access_ttl: TimeDelta,
    /// How long a refresh token lives.
    pub refresh_ttl: TimeDelta,
    /// Verifies tokens from an external identity provider, when configured.
    pub external: Option<ExternalKey>,
}

impl JwtConfig {
    /// Defaults around `secret`: issuer and audience `broadsheet`, 15-minute access tokens,
    /// 30-day refresh tokens, no external provider.
    pub fn new(secret: Secret) -> Self {
        Self {
            secret,
            issuer: "broadsheet".into(),
            audience: "broadsheet".into(),
            access_ttl: TimeDelta::minutes(15),
            refresh_ttl: TimeDelta::days(30),
            external: None,
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's role when the token was issued.
    pub role: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at.
    pub exp: i64,
    /// Not before, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The user's token version when it was issued (see `User::token_version`): a token of
    /// an older version is refused. Absent (0) in tokens from before versions existed.
    #[serde(default)]
    pub ver: i64,
    /// Verified with the external provider's key: its tokens carry no version of ours.
    #[serde(skip)]
    pub external: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct PreviewClaims {
    sub: String,
    iat: i64,
    exp: i64,
    iss: String,
    aud: String,
    /// The article's preview version when the link was made.
    #[serde(default)]
    ver: i64,
    /// Who made the link: it stops working if they are deactivated.
    #[serde(default)]
    by: Option<i64>,
}

/// What a preview token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preview {
    /// The article's public id.
    pub article: uuid::Uuid,
    /// The article's preview version when the link was made.
    pub version: i64,
    /// The staff member who made it.
    pub by: Option<i64>,
}

/// Why a token was refused. Deliberately vague towards clients: the detail is for logs.
#[derive(Debug, thiserror::Error)]
#[error("invalid token: {0}")]
pub struct InvalidToken(pub(crate) String);

impl JwtConfig {
    /// A signed access token for `user` with `role`, valid for `ttl`.
    pub fn issue_access(&self, user: i64, role: &str, now: Timestamp, ttl: TimeDelta) -> String {
        self.issue_versioned(user, role, 0, now, ttl)
    }

    /// A signed access token for `user` as the account stands now (its role and token
    /// version), valid for `ttl`.
    pub fn issue_for(
        &self,
        user: &broadsheet_domain::author::User,
        now: Timestamp,
        ttl: TimeDelta,
    ) -> String {
        self.issue_versioned(
            user.id().0,
            user.role.as_str(),
            user.token_version,
            now,
            ttl,
        )
    }

    fn issue_versioned(
        &self,
        user: i64,
        role: &str,
        version: i64,
        now: Timestamp,
        ttl: TimeDelta,
    ) -> String {
        let claims = Claims {
            sub: user.to_string(),
            role: role.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            ver: version,
            external: false,
        };
        self.sign(&claims)
    }

    fn sign<T: Serialize>(&self, claims: &T) -> String {
        // HS256 with a byte secret cannot fail to sign.
        encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(self.secret.bytes()),
        )
        .unwrap_or_default()
    }

    fn validation(&self, algorithm: Algorithm, audience: &str) -> Validation {
        let mut v = Validation::new(algorithm);
        v.algorithms = vec![algorithm];
        // Checked by `in_force` against the caller's clock instead.
        v.validate_exp = false;
        v.validate_nbf = false;
        v.set_audience(&[audience]);
        v.set_issuer(&[&self.issuer]);
        v.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        v
    }

    /// Checks an access token at `now`: signature with the key its algorithm calls for (only
    /// HS256 with our secret, or the external provider's algorithm with its key), and every
    /// claim.
    pub fn verify_access(&self, token: &str, now: Timestamp) -> Result<Claims, InvalidToken> {
        let header = decode_header(token).map_err(|e| InvalidToken(e.to_string()))?;
        let (key, algorithm) = match (&self.external, header.alg) {
            (_, Algorithm::HS256) => (
                DecodingKey::from_secret(self.secret.bytes()),
                Algorithm::HS256,
            ),
            (Some(external), alg) if alg == external.algorithm => (external.key.clone(), alg),
            (_, alg) => return Err(InvalidToken(format!("algorithm {alg:?} is not accepted"))),
        };
        let claims = decode::<Claims>(token, &key, &self.validation(algorithm, &self.audience))
            .map(|data| Claims {
                external: algorithm != Algorithm::HS256,
                ..data.claims
            })
            .map_err(|e| InvalidToken(e.to_string()))?;
        in_force(claims.exp, claims.nbf, now)?;
        Ok(claims)
    }

    /// A token that shows one article, by public id, whatever its status, until `now + ttl`,
    /// while the article's preview version stays `version` and `by` stays active.
    pub fn issue_preview(
        &self,
        article: uuid::Uuid,
        version: i64,
        by: Option<i64>,
        now: Timestamp,
        ttl: TimeDelta,
    ) -> String {
        self.sign(&PreviewClaims {
            sub: article.to_string(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            iss: self.issuer.clone(),
            aud: PREVIEW_AUDIENCE.to_owned(),
            ver: version,
            by,
        })
    }

    /// What a preview token opens at `now` (the caller checks the version and the maker).
    pub fn verify_preview(&self, token: &str, now: Timestamp) -> Result<Preview, InvalidToken> {
        let header = decode_header(token).map_err(|e| InvalidToken(e.to_string()))?;
        if header.alg != Algorithm::HS256 {
            return Err(InvalidToken("preview tokens are HS256".into()));
        }
        let data = decode::<PreviewClaims>(
            token,
            &DecodingKey::from_secret(self.secret.bytes()),
            &self.validation(Algorithm::HS256, PREVIEW_AUDIENCE),
        )
        .map_err(|e| InvalidToken(e.to_string()))?;
        in_force(data.claims.exp, None, now)?;
        Ok(Preview {
            article: uuid::Uuid::parse_str(&data.claims.sub)
                .map_err(|e| InvalidToken(e.to_string()))?,
            version: data.claims.ver,
            by: data.claims.by,
        })
    }
}

/// Whether a token expiring at `exp` and valid from `nbf` (seconds since the epoch) may be
/// used at `now`, allowing [`LEEWAY_SECONDS`] of skew either way.
fn in_force(exp: i64, nbf: Option<i64>, now: Timestamp) -> Result<(), InvalidToken> {
    let (now, leeway) = (now.timestamp(), LEEWAY_SECONDS.cast_signed());
    // Saturating: the claims are numbers the signer chose.
    if exp.saturating_add(leeway) < now {
        return Err(InvalidToken("the token has expired".into()));
    }
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(InvalidToken("the token is not valid yet".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> JwtConfig {
        JwtConfig::new(Secret::new(vec![7u8; 32]).expect("long enough"))
    }

    #[test]
    fn round_trip() {
        let c = config();
        let now = broadsheet_domain::time::now();
        let token = c.issue_access(42, "editor", now, TimeDelta::minutes(5));
        let claims = c.verify_access(&token, now).expect("valid");
        assert_eq!(
            (claims.sub.as_str(), claims.role.as_str()),
            ("42", "editor")
        );
    }

    #[test]
    fn preview_and_access_tokens_do_not_mix() {
        let c = config();
        let now = broadsheet_domain::time::now();
        let preview = c.issue_preview(uuid::Uuid::now_v7(), 0, Some(1), now, TimeDelta::hours(1));
        assert!(c.verify_access(&preview, now).is_err());
        let access = c.issue_access(1, "author", now, TimeDelta::minutes(5));
        assert!(c.verify_preview(&access, now).is_err());
        assert!(c.verify_preview(&preview, now).is_ok());
    }

    /// Expiry is the caller's clock's, not the system's: a token issued long ago (or in the
    /// future) is judged by the instant it is checked at, with the leeway either way.
    #[test]
    fn tokens_expire_by_the_clock_they_are_checked_with() {
        let c = config();
        let issued = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2031, 1, 1, 9, 0, 0)
            .single()
            .expect("valid");
        let ttl = TimeDelta::minutes(15);
        let leeway = TimeDelta::seconds(LEEWAY_SECONDS.cast_signed());
        let access = c.issue_access(7, "editor", issued, ttl);
        let preview = c.issue_preview(uuid::Uuid::now_v7(), 0, None, issued, ttl);
        for at in [issued, issued + ttl + leeway] {
            assert!(c.verify_access(&access, at).is_ok(), "{at}");
            assert!(c.verify_preview(&preview, at).is_ok(), "{at}");
        }
        let late = issued + ttl + leeway + TimeDelta::seconds(1);
        assert!(c.verify_access(&access, late).is_err());
        assert!(c.verify_preview(&preview, late).is_err());

        // Not before: honoured, with the same leeway.
        let claims = Claims {
            sub: "7".into(),
            role: "editor".into(),
            iat: issued.timestamp(),
            exp: (issued + TimeDelta::hours(1)).timestamp(),
            nbf: Some((issued + TimeDelta::minutes(10)).timestamp()),
            iss: c.issuer.clone(),
            aud: c.audience.clone(),
            ver: 0,
            external: false,
        };
        let early = c.sign(&claims);
        let opens = issued + TimeDelta::minutes(10);
        assert!(
            c.verify_access(&early, opens - leeway - TimeDelta::seconds(1))
                .is_err()
        );
        assert!(c.verify_access(&early, opens - leeway).is_ok());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(Secret::new(b"short".to_vec()).is_err());
        assert_eq!(format!("{:?}", config().secret), "Secret(..)");
    }
}
