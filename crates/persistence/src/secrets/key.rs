//! The master key: 32 random bytes, given in base64 or hex.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// Bytes in a master key.
pub const KEY_LEN: usize = 32;

/// A master key, wiped from memory when dropped (the cipher keeps the only copy, and zeroes
/// it); it never prints.
#[derive(Clone)]
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
    id: String,
}

/// A master key that is not 32 bytes in base64 or hex. Says nothing of the value given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a master key must be 32 random bytes in base64 or hex (make one with `openssl rand -base64 32`)"
)]
pub struct KeyError;

impl MasterKey {
    /// Reads a key from its text: 64 hex digits, or base64 (standard or URL-safe, padded or
    /// not) of 32 bytes; surrounding whitespace (a file's last newline) is ignored.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let decoded = if text.len() == 2 * KEY_LEN {
            hex(text)
        } else {
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())
                .map(Zeroizing::new)
        };
        let decoded = decoded.filter(|d| d.len() == KEY_LEN).ok_or(KeyError)?;
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&decoded);
        Ok(Self::from_bytes(bytes))
    }

    /// A key from its bytes.
    pub fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let digest = Sha256::digest(&bytes[..]);
        let id = hex::encode(&digest[..4]);
        let cipher = XChaCha20Poly1305::new((&*bytes).into());
        Self { cipher, id }
    }

    /// The key's id: the first 8 hex digits of its SHA-256 (`base64 -d key | sha256sum`).
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(super) fn cipher(&self) -> &XChaCha20Poly1305 {
        &self.cipher
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

fn hex(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    hex::decode(text).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    // printf '%s' "$HEX" | xxd -r -p | base64
    const BASE64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn reads_hex_and_base64_of_32_bytes() {
        let a = MasterKey::parse(HEX).expect("hex");
        let b = MasterKey::parse(&format!("{BASE64}\n")).expect("base64 with a newline");
        let c = MasterKey::parse(BASE64.trim_end_matches('=')).expect("unpadded");
        assert_eq!(a.id(), b.id());
        assert_eq!(a.id(), c.id());
        // printf '%s' "$HEX" | xxd -r -p | sha256sum | cut -c1-8
        assert_eq!(a.id(), "630dcd29");
    }

    #[test]
    fn refuses_anything_else_without_repeating_it() {
        for bad in [
            "",
            "correct horse battery staple",
            &HEX[..62],
            &format!("{HEX}00"),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
            &"g".repeat(64),
        ] {
            let error = MasterKey::parse(bad).expect_err(bad);
            assert!(bad.is_empty() || !error.to_string().contains(bad));
        }
    }

    #[test]
    fn never_prints() {
        let key = MasterKey::parse(HEX).expect("hex");
        assert_eq!(format!("{key:?}"), "***");
    }
}
