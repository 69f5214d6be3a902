//! Secrets given as flags or environment variables never print.

use clap::Parser as _;

use super::{Cli, Command, TokenArgs};

const JWT_SECRET: &str = "jwt-secret-jwt-secret-jwt-secret-0123456";
const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const DB_PASSWORD: &str = "db-password-9876";

fn parse(command: &str, extra: &[&str]) -> Cli {
    let database = format!("postgres://app:{DB_PASSWORD}@db.internal/news");
    let mut args = vec![
        "broadsheet",
        command,
        "--database",
        &database,
        "--jwt-secret",
        JWT_SECRET,
        "--master-key",
        MASTER_KEY,
    ];
    args.extend_from_slice(extra);
    Cli::try_parse_from(args).expect("valid flags")
}

#[test]
fn server_flags_never_print_a_secret() {
    let cli = parse("serve", &[]);
    let Command::Serve(args) = &cli.command else {
        panic!("serve")
    };
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(args.auth.jwt_secret.as_ref().expect("given")),
        JWT_SECRET
    );
    for shown in [
        format!("{cli:?}"),
        format!("{args:?}"),
        format!("{args:#?}"),
    ] {
        for secret in [JWT_SECRET, MASTER_KEY, DB_PASSWORD] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}

#[test]
fn token_flags_never_print_a_secret() {
    let cli = parse("token", &["--email", "ada@example.com"]);
    let Command::Token(args) = &cli.command else {
        panic!("token")
    };
    let args: &TokenArgs = args;
    let shown = format!("{args:?}");
    for secret in [JWT_SECRET, MASTER_KEY, DB_PASSWORD] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
