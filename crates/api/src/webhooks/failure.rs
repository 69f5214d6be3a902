//! What administrators are told about an attempt that got no answer.
//!
//! A fixed text, never the connection error: the raw error says whether a port is closed,
//! filtered or open and what answers there, which would let anyone who can register a
//! webhook map the network the server sits on. The detail goes to the server's log, at debug
//! level.

use awc::error::{ConnectError, SendRequestError};

use super::address::{NOT_PUBLIC, Unreachable};

/// The receiver could not be reached (or its name does not resolve).
pub const COULD_NOT_CONNECT: &str = "could not connect";
/// The receiver took longer than `--webhook-timeout`.
pub const TIMED_OUT: &str = "timed out";
/// The receiver's TLS could not be agreed or its certificate is not trusted.
pub const TLS_FAILED: &str = "TLS handshake failed";
/// The receiver answered something that is not HTTP, or broke off.
pub const INVALID_RESPONSE: &str = "invalid response";

/// The fixed text for `error`.
pub fn describe(error: &SendRequestError) -> &'static str {
    match error {
        SendRequestError::Connect(connect) => match connect {
            ConnectError::Resolver(cause) => match cause.downcast_ref::<Unreachable>() {
                Some(Unreachable::NotPublic) => NOT_PUBLIC,
                _ => COULD_NOT_CONNECT,
            },
            ConnectError::SslIsNotSupported => TLS_FAILED,
            // awc reports a failed TLS handshake as an I/O error wrapping rustls's own; a
            // failed TCP connection is the operating system's own error.
            ConnectError::Io(io) if io.raw_os_error().is_none() => TLS_FAILED,
            ConnectError::Timeout => TIMED_OUT,
            ConnectError::H2(_) => INVALID_RESPONSE,
            _ => COULD_NOT_CONNECT,
        },
        SendRequestError::Timeout => TIMED_OUT,
        // No request could be made of the URL: nothing was connected to.
        SendRequestError::Url(_) | SendRequestError::Http(_) => COULD_NOT_CONNECT,
        _ => INVALID_RESPONSE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_become_fixed_texts() {
        let io = |e: std::io::Error| SendRequestError::Connect(ConnectError::Io(e));
        let refused = std::io::Error::from_raw_os_error(111);
        assert_eq!(describe(&io(refused)), COULD_NOT_CONNECT);
        let untrusted = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(describe(&io(untrusted)), TLS_FAILED);
        let not_public =
            SendRequestError::Connect(ConnectError::Resolver(Box::new(Unreachable::NotPublic)));
        assert_eq!(describe(&not_public), NOT_PUBLIC);
        let unresolved = SendRequestError::Connect(ConnectError::Resolver(Box::new(
            Unreachable::Unresolved(std::io::Error::other("no such host")),
        )));
        assert_eq!(describe(&unresolved), COULD_NOT_CONNECT);
        assert_eq!(
            describe(&SendRequestError::Connect(ConnectError::NoRecords)),
            COULD_NOT_CONNECT
        );
        assert_eq!(
            describe(&SendRequestError::Connect(ConnectError::Timeout)),
            TIMED_OUT
        );
        assert_eq!(describe(&SendRequestError::Timeout), TIMED_OUT);
        assert_eq!(
            describe(&SendRequestError::Send(std::io::Error::other("reset"))),
            INVALID_RESPONSE
        );
    }
}
