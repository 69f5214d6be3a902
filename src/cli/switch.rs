//! On/off settings as switches: `--NAME` turns one on, `--no-NAME` off (the last given
//! wins), and `BROADSHEET_…` in the environment takes `true` or `false` (also `yes`/`no`,
//! `on`/`off`, `1`/`0`). `--NAME true|false`, the spelling from before switches, is still
//! accepted so that no script breaks.
//!
//! clap has no negatable flags, so each switch is a pair of arguments, resolved here into one
//! `bool` per setting: callers (and tests that change settings) see a single field.

use clap::builder::BoolishValueParser;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};

/// Adds `--long` (with `env`) and `--no-long` to `cmd`.
pub(crate) fn augment(
    cmd: Command,
    long: &'static str,
    no_long: &'static str,
    env: &'static str,
    default: bool,
    help: &'static str,
    no_help: &'static str,
) -> Command {
    cmd.arg(
        Arg::new(long)
            .long(long)
            .env(env)
            .help(help)
            .value_name("true|false")
            .value_parser(BoolishValueParser::new())
            .num_args(0..=1)
            .default_missing_value("true")
            .default_value(if default { "true" } else { "false" })
            .action(ArgAction::Set),
    )
    .arg(
        Arg::new(no_long)
            .long(no_long)
            .help(no_help)
            .action(ArgAction::SetTrue),
    )
}

/// The setting: of `--long` and `--no-long` on the command line, the last given; else the
/// environment's value, else the default.
// Not clap's `overrides_with`: it reports a conflict when the environment sets `--long`
// and the command line says `--no-long`.
pub(crate) fn resolve(matches: &ArgMatches, long: &str, no_long: &str, default: bool) -> bool {
    let value = matches.get_one::<bool>(long).copied().unwrap_or(default);
    if !matches.get_flag(no_long) {
        return value;
    }
    let from_command_line = matches.value_source(long) == Some(ValueSource::CommandLine);
    match (matches.index_of(long), matches.index_of(no_long)) {
        (Some(on), Some(off)) if from_command_line && on > off => value,
        _ => false,
    }
}

/// Declares a switch: a `bool` newtype that `#[command(flatten)]` turns into `--long` and
/// `--no-long`.
macro_rules! switch {
    ($name:ident, $long:literal, $env:literal, default $default:literal, $help:literal, $no_help:literal $(,)?) => {
        #[doc = $help]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub bool);

        impl $name {
            /// Whether it is on.
            pub fn on(self) -> bool {
                self.0
            }
        }

        impl clap::FromArgMatches for $name {
            fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
                Ok(Self($crate::cli::switch::resolve(
                    matches,
                    $long,
                    concat!("no-", $long),
                    $default,
                )))
            }

            fn update_from_arg_matches(
                &mut self,
                matches: &clap::ArgMatches,
            ) -> Result<(), clap::Error> {
                *self = Self::from_arg_matches(matches)?;
                Ok(())
            }
        }

        impl clap::Args for $name {
            fn augment_args(cmd: clap::Command) -> clap::Command {
                $crate::cli::switch::augment(
                    cmd,
                    $long,
                    concat!("no-", $long),
                    $env,
                    $default,
                    $help,
                    $no_help,
                )
            }

            fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
                Self::augment_args(cmd)
            }
        }
    };
}

pub(crate) use switch;

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use crate::cli::{Cli, Command, ServeArgs};

    fn serve(flags: &[&str]) -> Box<ServeArgs> {
        let args = ["broadsheet", "serve"].iter().chain(flags);
        match Cli::try_parse_from(args).map(|cli| cli.command) {
            Ok(Command::Serve(args)) => args,
            other => panic!("{flags:?}: {other:?}"),
        }
    }

    #[test]
    fn switches_and_their_negations() {
        assert!(serve(&[]).graphql.graphiql.on(), "on by default");
        assert!(!serve(&["--no-graphiql"]).graphql.graphiql.on());
        assert!(serve(&["--graphiql"]).graphql.graphiql.on());
        assert!(
            !serve(&[]).webhooks.webhook_allow_private.on(),
            "off by default"
        );
        assert!(
            serve(&["--webhook-allow-private"])
                .webhooks
                .webhook_allow_private
                .on()
        );
        assert!(!serve(&["--demo", "--no-demo"]).demo.on(), "the last wins");
        assert!(serve(&["--no-demo", "--demo"]).demo.on(), "the last wins");
    }

    #[test]
    fn the_old_spelling_with_a_value_still_works() {
        assert!(!serve(&["--graphiql", "false"]).graphql.graphiql.on());
        assert!(
            !serve(&["--graphql-introspection=false"])
                .graphql
                .graphql_introspection
                .on()
        );
        assert!(
            !serve(&["--webhook-delivery", "false", "--bind", "127.0.0.1:0"])
                .webhooks
                .webhook_delivery
                .on()
        );
        assert!(
            serve(&["--webhook-allow-private", "true"])
                .webhooks
                .webhook_allow_private
                .on()
        );
        assert!(
            Cli::try_parse_from(["broadsheet", "serve", "--graphiql", "maybe"]).is_err(),
            "not a boolean"
        );
    }
}
