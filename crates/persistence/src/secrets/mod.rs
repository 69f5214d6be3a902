//! Secrets at rest: the integration keys' secrets, the webhooks' secrets and the generated
//! token-signing secret, sealed with a master key when one is configured.
//!
//! A sealed value is stored as `enc:v1:<key id>:<base64 of nonce || ciphertext>`: XChaCha20-
//! Poly1305 under the master key, with a random 24-byte nonce, and the value's place (see
//! [`place`]) as associated data, so a sealed value copied into another row does not open.
//! The key id (the first 8 hex digits of the key's SHA-256) says which key sealed it, so that
//! a rotation knows what to re-seal. A value without the `enc:` prefix is plaintext, as every
//! value was before master keys; it keeps working, and [`reseal`] seals it.
//!
//! Policy: a value that does not open (wrong key, altered, moved) is a [`SecretError`],
//! never a panic, and never taken for plaintext.

mod key;
mod keyring;
mod reseal;

pub use key::{KeyError, MasterKey};
pub use keyring::{Keyring, SecretError, is_sealed, place};
pub use reseal::{Unreadable, any_sealed, reseal};
