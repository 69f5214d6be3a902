//! Lowercase hexadecimal, for keys, secrets, signatures and entity tags (the `hex` crate,
//! with the shapes our call sites want).

/// `bytes` as lowercase hex.
pub fn encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// The bytes of a hex string (either case); `None` if it is not one.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let bytes = [0u8, 1, 0x7f, 0x80, 0xff];
        assert_eq!(super::encode(&bytes), "00017f80ff");
        assert_eq!(super::decode("00017F80ff").as_deref(), Some(&bytes[..]));
        assert_eq!(super::decode("0"), None);
        assert_eq!(super::decode("zz"), None);
    }
}
