//! Where the database is: `sqlite://path` or `postgres://…`.

use std::fmt;
use std::path::PathBuf;

/// A parsed database location. Its `Display` and `Debug` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file, created if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string, passed to libpq as given (so `sslmode`,
    /// `sslrootcert` and the other libpq parameters work).
    Postgres(String),
}

/// Which backend a URL or connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

/// A URL we cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid database URL: {0}")]
pub struct InvalidDatabaseUrl(String);

impl DatabaseUrl {
    /// Parses `sqlite://relative/path.db`, `sqlite:///absolute/path.db`, `sqlite:path.db`,
    /// `postgres://…` or `postgresql://…`.
    pub fn parse(value: &str) -> Result<Self, InvalidDatabaseUrl> {
        let value = value.trim();
        if let Some(rest) = value
            .strip_prefix("postgres://")
            .or_else(|| value.strip_prefix("postgresql://"))
        {
            if rest.is_empty() {
                return Err(InvalidDatabaseUrl("postgres:// needs a host".into()));
            }
            if let Some(mode) = demanded_tls(rest)
                && !cfg!(feature = "postgres-tls")
            {
                return Err(InvalidDatabaseUrl(format!(
                    "sslmode={mode} needs TLS to PostgreSQL, which this build leaves out: \
                     build with `--features postgres-tls` (or leave sslmode out)"
                )));
            }
            return Ok(Self::Postgres(value.to_owned()));
        }
        if let Some(rest) = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
        {
            if rest.is_empty() || rest.contains('\0') {
                return Err(InvalidDatabaseUrl("sqlite:// needs a file path".into()));
            }
            if rest.starts_with("file:") || rest.contains(":memory:") {
                return Err(InvalidDatabaseUrl(
                    "use a file path, e.g. sqlite://broadsheet.db".into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(rest)));
        }
        Err(InvalidDatabaseUrl(format!(
            "{:?} is neither sqlite://PATH nor postgres://…",
            redact(value)
        )))
    }

    /// The backend this URL is for.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The `sslmode` of a PostgreSQL URL's query when it insists on TLS (`require`, `verify-ca`,
/// `verify-full`); `disable`, `allow` and `prefer` go on without it.
fn demanded_tls(rest: &str) -> Option<&str> {
    let (_, query) = rest.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, _)| *name == "sslmode")
        .map(|(_, mode)| mode)
        .find(|mode| matches!(*mode, "require" | "verify-ca" | "verify-full"))
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            // libpq also takes `password=` in the query string.
            Self::Postgres(url) => match url.split_once('?') {
                Some((base, _)) => write!(f, "{}?…", redact(base)),
                None => f.write_str(&redact(url)),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_backends() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://broadsheet.db"),
            Ok(DatabaseUrl::Sqlite("broadsheet.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/b.db"),
            Ok(DatabaseUrl::Sqlite("/var/lib/b.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        for bad in [
            "",
            "mysql://x",
            "broadsheet.db",
            "sqlite://",
            "postgres://",
            "sqlite::memory:",
        ] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tls_modes_need_a_build_with_tls() {
        for url in [
            "postgres://u@h/db?sslmode=require",
            "postgres://u@h/db?application_name=x&sslmode=verify-full&sslrootcert=/c.pem",
            "postgresql://u@h/db?sslmode=verify-ca",
        ] {
            let parsed = DatabaseUrl::parse(url);
            if cfg!(feature = "postgres-tls") {
                assert!(parsed.is_ok(), "{url}");
            } else {
                let error = parsed.expect_err(url).to_string();
                assert!(error.contains("--features postgres-tls"), "{error}");
            }
        }
        for url in [
            "postgres://u@h/db?sslmode=prefer",
            "postgres://u@h/db?sslmode=disable",
        ] {
            assert!(DatabaseUrl::parse(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn passwords_never_print() {
        let url = DatabaseUrl::parse("postgres://u:hunter2@h:5432/db").expect("valid");
        assert_eq!(url.to_string(), "postgres://u:***@h:5432/db");
        assert!(!format!("{url:?}").contains("hunter2"));
        let q = DatabaseUrl::parse("postgres://h/db?password=hunter2").expect("valid");
        assert!(!q.to_string().contains("hunter2"));
        let err = DatabaseUrl::parse("mysql://u:hunter2@h").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
