//! Sealing and opening values with the master key (and, during a rotation, the old one).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead as _, Payload};
use rand::RngCore as _;

use super::MasterKey;

const PREFIX: &str = "enc:";
const V1: &str = "enc:v1:";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Where a secret lives: the associated data that binds a sealed value to its row.
pub mod place {
    /// An integration key's secret, by the key's public id.
    pub fn api_key(key_id: &str) -> String {
        format!("api_keys.secret:{key_id}")
    }

    /// A webhook's secret, by the webhook's id.
    pub fn webhook(id: broadsheet_domain::ids::WebhookId) -> String {
        format!("webhooks.secret:{id}")
    }

    /// A secret kept in the settings table, by its name.
    pub fn setting(key: &str) -> String {
        format!("settings:{key}")
    }
}

/// Why a stored secret cannot be read. Names key ids, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Sealed, and no master key is configured.
    #[error("sealed with master key {0}, and no master key is configured")]
    NoKey(String),
    /// Sealed with a key that is neither the master key nor the old one.
    #[error("sealed with master key {0}, which is neither the master key nor the old one")]
    UnknownKey(String),
    /// The key is right but the value does not open: altered, or copied from another row.
    #[error("does not open with master key {0}: altered, or copied from another row")]
    Undecryptable(String),
    /// Starts like a sealed value but is not one this version reads.
    #[error("not a sealed value this version reads")]
    Malformed,
    /// The cipher refused to seal (only for values far larger than any secret).
    #[error("could not be sealed")]
    Seal,
}

/// The master keys in use: the one that seals, and an old one that only opens (while a
/// rotation re-seals what it sealed). Without a master key, values are stored as they are.
#[derive(Clone, Default)]
pub struct Keyring {
    current: Option<MasterKey>,
    old: Option<MasterKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.as_ref().map(MasterKey::id))
            .field("old", &self.old.as_ref().map(MasterKey::id))
            .finish()
    }
}

/// Whether a stored value is sealed (rather than plaintext).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

impl Keyring {
    /// Sealing with `current`; opening with it or with `old`.
    pub fn new(current: MasterKey, old: Option<MasterKey>) -> Self {
        Self {
            current: Some(current),
            old,
        }
    }

    /// The id of the key that seals, if there is one.
    pub fn current_id(&self) -> Option<&str> {
        self.current.as_ref().map(MasterKey::id)
    }

    /// `secret` as it is to be stored at `place`: sealed with the master key, or as it is
    /// without one.
    pub fn seal(&self, place: &str, secret: &str) -> Result<String, SecretError> {
        let Some(key) = &self.current else {
            return Ok(secret.to_owned());
        };
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = key
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{V1}{}:{}", key.id(), STANDARD.encode(out)))
    }

    /// The secret stored at `place` as `stored`: opened if sealed, as it is if plaintext.
    pub fn open(&self, place: &str, stored: &str) -> Result<String, SecretError> {
        if !is_sealed(stored) {
            return Ok(stored.to_owned());
        }
        let (id, data) = stored
            .strip_prefix(V1)
            .and_then(|rest| rest.split_once(':'))
            .ok_or(SecretError::Malformed)?;
        let key = [&self.current, &self.old]
            .into_iter()
            .flatten()
            .find(|k| k.id() == id)
            .ok_or_else(|| match self.current {
                Some(_) => SecretError::UnknownKey(id.to_owned()),
                None => SecretError::NoKey(id.to_owned()),
            })?;
        let data = STANDARD.decode(data).map_err(|_| SecretError::Malformed)?;
        if data.len() < NONCE_LEN + TAG_LEN {
            return Err(SecretError::Malformed);
        }
        let (nonce, sealed) = data.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| SecretError::Malformed)?;
        let plain = key
            .cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Undecryptable(id.to_owned()))?;
        String::from_utf8(plain).map_err(|_| SecretError::Malformed)
    }

    /// Whether `stored` is as this keyring would store it now: sealed with the master key,
    /// or (without one) anything, since nothing can be re-sealed.
    pub fn is_current(&self, stored: &str) -> bool {
        match self.current_id() {
            Some(id) => stored
                .strip_prefix(V1)
                .and_then(|rest| rest.split_once(':'))
                .is_some_and(|(sealed_with, _)| sealed_with == id),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes(Zeroizing::new([byte; 32]))
    }

    const PLACE: &str = "webhooks.secret:1";
    const SECRET: &str = "whsec-0123456789-abcdef";

    #[test]
    fn round_trip() {
        let ring = Keyring::new(key(1), None);
        let sealed = ring.seal(PLACE, SECRET).expect("sealed");
        assert!(
            sealed.starts_with(&format!("enc:v1:{}:", key(1).id())),
            "{sealed}"
        );
        assert!(!sealed.contains(SECRET));
        assert_eq!(ring.open(PLACE, &sealed).as_deref(), Ok(SECRET));
        assert!(ring.is_current(&sealed));
        // A fresh nonce each time.
        assert_ne!(ring.seal(PLACE, SECRET).expect("sealed"), sealed);
    }

    #[test]
    fn the_wrong_key_does_not_open() {
        let sealed = Keyring::new(key(1), None)
            .seal(PLACE, SECRET)
            .expect("sealed");
        let other = Keyring::new(key(2), None);
        assert_eq!(
            other.open(PLACE, &sealed),
            Err(SecretError::UnknownKey(key(1).id().to_owned()))
        );
        assert!(!other.is_current(&sealed));
        assert_eq!(
            Keyring::default().open(PLACE, &sealed),
            Err(SecretError::NoKey(key(1).id().to_owned()))
        );
        // A key that claims the right id still fails authentication.
        let forged = sealed.replace(key(1).id(), key(2).id());
        assert_eq!(
            other.open(PLACE, &forged),
            Err(SecretError::Undecryptable(key(2).id().to_owned()))
        );
    }

    #[test]
    fn the_old_key_opens_during_a_rotation() {
        let sealed = Keyring::new(key(1), None)
            .seal(PLACE, SECRET)
            .expect("sealed");
        let rotating = Keyring::new(key(2), Some(key(1)));
        assert_eq!(rotating.open(PLACE, &sealed).as_deref(), Ok(SECRET));
        assert!(!rotating.is_current(&sealed));
    }

    #[test]
    fn tampering_is_detected() {
        let ring = Keyring::new(key(1), None);
        let sealed = ring.seal(PLACE, SECRET).expect("sealed");
        let (head, data) = sealed.rsplit_once(':').expect("data");
        let mut bytes = STANDARD.decode(data).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = format!("{head}:{}", STANDARD.encode(&bytes));
        assert_eq!(
            ring.open(PLACE, &altered),
            Err(SecretError::Undecryptable(key(1).id().to_owned()))
        );
        for broken in [
            "enc:v2:abcd:AAAA",
            "enc:v1:nocolon",
            &format!("{head}:not base64!"),
            &format!("{head}:AAAA"),
        ] {
            assert_eq!(
                ring.open(PLACE, broken),
                Err(SecretError::Malformed),
                "{broken}"
            );
        }
    }

    #[test]
    fn a_value_moved_to_another_row_does_not_open() {
        let ring = Keyring::new(key(1), None);
        let sealed = ring.seal(PLACE, SECRET).expect("sealed");
        assert_eq!(
            ring.open("webhooks.secret:2", &sealed),
            Err(SecretError::Undecryptable(key(1).id().to_owned()))
        );
    }

    #[test]
    fn plaintext_passes_through() {
        let ring = Keyring::new(key(1), None);
        assert_eq!(ring.open(PLACE, SECRET).as_deref(), Ok(SECRET));
        assert!(!ring.is_current(SECRET));
        let none = Keyring::default();
        assert_eq!(none.seal(PLACE, SECRET).as_deref(), Ok(SECRET));
        assert_eq!(none.open(PLACE, SECRET).as_deref(), Ok(SECRET));
        assert!(none.is_current(SECRET));
    }

    #[test]
    fn prints_key_ids_only() {
        let ring = Keyring::new(key(1), Some(key(2)));
        let shown = format!("{ring:?}");
        assert!(
            shown.contains(key(1).id()) && shown.contains(key(2).id()),
            "{shown}"
        );
    }
}
