//! Sign-in credentials. Passwords are hashed with argon2id; the plain text never outlives
//! the request that carried it and is never stored or logged.

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

use crate::ValidationError;

/// A sign-in address, lowercased so that `Ada@Example.com` and `ada@example.com` are one
/// account.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain` with no spaces, at most 254 characters.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let value = value.trim().to_lowercase();
        let err = || {
            Err(ValidationError::new(
                "email",
                "is not a valid email address",
            ))
        };
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return err();
        }
        match value.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.') =>
            {
                Ok(Self(value))
            }
            _ => err(),
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    // Addresses are personal data: keep them out of debug logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(..)")
    }
}

/// A password as typed, checked for length. Deliberately neither `Debug`-printable nor
/// storable: the only thing to do with one is hash it or verify it.
pub struct Password(String);

impl Password {
    /// Shortest password accepted (Ghost's rule).
    pub const MIN: usize = 10;
    /// Longest accepted: hashing cost grows with length, and nobody types more.
    pub const MAX: usize = 1000;

    /// Checks the length.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let n = value.chars().count();
        if n < Self::MIN {
            return Err(ValidationError::new(
                "password",
                format!("must be at least {} characters", Self::MIN),
            ));
        }
        if n > Self::MAX {
            return Err(ValidationError::new(
                "password",
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// Hashes with argon2id and a fresh random salt.
    pub fn hash(&self) -> PasswordHash {
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            // Only possible with invalid parameters, and the defaults are valid.
            .unwrap_or_default();
        PasswordHash(phc)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A password hash in PHC string format (`$argon2id$v=19$…`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Accepts a stored PHC string.
    pub fn from_phc(value: &str) -> Result<Self, ValidationError> {
        argon2::PasswordHash::new(value)
            .map(|_| Self(value.to_owned()))
            .map_err(|_| ValidationError::new("password_hash", "is not a PHC hash string"))
    }

    /// The PHC string, for storage.
    pub fn as_phc(&self) -> &str {
        &self.0
    }

    /// Whether `password` matches, in constant time.
    pub fn verify(&self, password: &str) -> bool {
        argon2::PasswordHash::new(&self.0)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ada@Example.com ").map(|e| e.0),
            Ok("ada@example.com".into())
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a b@c.d",
            "a@b@c",
            "a@.b",
            "a@b.",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().field, "email", "{bad}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let p = Password::parse("0123456789abc").expect("long enough");
        assert_eq!(format!("{p:?}"), "Password(..)");
        assert_eq!(format!("{:?}", p.hash()), "PasswordHash(..)");
    }

    #[test]
    fn phc_round_trip() {
        let h = Password::parse("0123456789abc")
            .expect("long enough")
            .hash();
        let again = PasswordHash::from_phc(h.as_phc()).expect("valid phc");
        assert!(again.verify("0123456789abc"));
        assert!(PasswordHash::from_phc("plain").is_err());
    }
}
