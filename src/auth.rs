//! Token settings from the command line: the signing secret (configured, or generated once
//! and kept in the database so that restarts and replicas keep sessions), lifetimes, and an
//! external identity provider's key.

use anyhow::Context as _;
use broadsheet_api::auth::{ExternalKey, JwtConfig, Secret};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{Store, settings};
use chrono::TimeDelta;
use rand::RngCore as _;
use secrecy::ExposeSecret as _;

use crate::cli::{AuthArgs, KeyAlgorithm};

/// The token configuration for `args`, reading or creating (at `now`) the stored secret if
/// none is configured (sealed with the store's master key, if it has one). Blocking.
///
/// It logs nothing: one-shot commands (`token`) print their answer and, on failure, one
/// line; the server says at startup that it signs with the stored secret
/// ([`warn_if_generated`]).
pub fn jwt_config(args: &AuthArgs, store: &Store, now: Timestamp) -> anyhow::Result<JwtConfig> {
    let secret = match &args.jwt_secret {
        Some(secret) => {
            Secret::new(secret.expose_secret().as_bytes()).map_err(anyhow::Error::msg)?
        }
        None => {
            let keyring = store.keyring();
            let stored = store
                .write_blocking(|c| {
                    settings::get_or_insert_secret(c, &keyring, settings::JWT_SECRET, now, || {
                        let mut bytes = [0u8; 32];
                        rand::rng().fill_bytes(&mut bytes);
                        broadsheet_api::hex::encode(&bytes)
                    })
                })
                .with_context(|| match keyring.current_id() {
                    Some(_) => "reading the stored signing secret",
                    None => {
                        "reading the stored signing secret (a sealed one needs its master key: \
                         --master-key-file or BROADSHEET_MASTER_KEY)"
                    }
                })?;
            Secret::new(stored.into_bytes()).map_err(anyhow::Error::msg)?
        }
    };
    let mut config = JwtConfig::new(secret);
    config.issuer.clone_from(&args.jwt_issuer);
    config.audience.clone_from(&args.jwt_audience);
    config.access_ttl = delta(args.access_token_ttl)?;
    config.refresh_ttl = delta(args.refresh_token_ttl)?;
    if let Some(path) = &args.jwt_public_key_file {
        let pem = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let key = match args.jwt_public_key_algorithm {
            KeyAlgorithm::Rs256 => ExternalKey::rs256(&pem),
            KeyAlgorithm::EdDsa => ExternalKey::eddsa(&pem),
        };
        config.external = Some(key.map_err(anyhow::Error::msg)?);
    }
    Ok(config)
}

/// Warns, once at server startup, that tokens are signed with the secret kept in the
/// database, when no secret is configured.
pub fn warn_if_generated(args: &AuthArgs) {
    if args.jwt_secret.is_none() {
        tracing::warn!(
            "BROADSHEET_JWT_SECRET is not set: signing tokens with a generated secret kept in \
             the database; set one to manage it yourself"
        );
    }
}

/// A `TimeDelta` for a configured duration.
pub fn delta(d: std::time::Duration) -> anyhow::Result<TimeDelta> {
    TimeDelta::from_std(d).context("duration out of range")
}
