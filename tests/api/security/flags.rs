//! Flags mean what their help says.

use broadsheet::cli::{Cli, Command, KeyCommand};
use clap::Parser as _;

#[test]
fn a_statement_timeout_of_zero_means_never() {
    let cli = Cli::try_parse_from(["broadsheet", "serve", "--db-statement-timeout", "0"])
        .expect("0 is documented as never");
    let Command::Serve(args) = cli.command else {
        panic!("serve")
    };
    assert!(args.database.db_statement_timeout.is_zero());
}

#[test]
fn a_key_that_could_never_be_used_is_refused() {
    let parse = |limit: &str| {
        Cli::try_parse_from([
            "broadsheet",
            "key",
            "create",
            "--name",
            "Partner",
            "--rate-limit",
            limit,
        ])
    };
    assert!(parse("0").is_err(), "a limit of 0 requests a minute");
    let Ok(Cli {
        command: Command::Key(KeyCommand::Create(args)),
        ..
    }) = parse("1")
    else {
        panic!("1 is a limit")
    };
    assert_eq!(args.rate_limit, 1);
}
