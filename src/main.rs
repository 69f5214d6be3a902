//! `broadsheet`: parse the command line, set up logging, run the command, and report any
//! failure as one line on stderr with a nonzero exit status.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use broadsheet::cli::{Cli, Command, KeyCommand, UserCommand};
use broadsheet::startup::Application;
use broadsheet::{commands, telemetry};
use clap::Parser as _;
use clap::error::ErrorKind;

/// mimalloc rather than glibc's malloc: a request allocates and frees thousands of small
/// objects across the runtime's and the database pool's threads, where glibc spent a quarter
/// of the CPU and kept a growing arena per blocking thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return bad_arguments(&e),
    };
    if let Err(e) = telemetry::init(cli.log_format, &cli.log) {
        return report(&e);
    }
    install_panic_hook();
    let result = match cli.command {
        Command::Serve(args) => actix_web::rt::System::new().block_on(async move {
            let app = Application::build(&args).await?;
            app.run_until_stopped().await?;
            tracing::info!("stopped");
            Ok(())
        }),
        Command::Migrate(args) => commands::migrate(&args),
        Command::Demo(args) => commands::demo(&args),
        Command::Token(args) => commands::token(&args),
        Command::Key(KeyCommand::Create(args)) => commands::create_key(&args),
        Command::Key(KeyCommand::List(args)) => commands::list_keys(&args),
        Command::Key(KeyCommand::Revoke(args)) => commands::revoke_key(&args),
        Command::Schema => {
            print!("{}", broadsheet_api::graphql::sdl());
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => {
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            commands::create_user(&args, &mut stdin.lock(), interactive)
        }
        Command::User(UserCommand::List(args)) => commands::list_users(&args),
        Command::User(UserCommand::SetPassword(args)) => {
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            commands::set_password(&args, &mut stdin.lock(), interactive)
        }
        Command::User(UserCommand::Reactivate(args)) => commands::reactivate_user(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

/// Prints the error and its causes on one line.
fn report(e: &anyhow::Error) -> ExitCode {
    eprintln!("error: {}", one_line(&format!("{e:#}")));
    ExitCode::FAILURE
}

/// Help and version go to stdout as clap prints them; any other argument error is one line.
fn bad_arguments(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!(
                "error: a command is required (serve, migrate, demo, user, key, token or schema); see --help"
            );
            ExitCode::from(2)
        }
        ErrorKind::ValueValidation => {
            // clap's own message repeats the value, which may hold a password.
            let arg = match e.get(clap::error::ContextKind::InvalidArg) {
                Some(clap::error::ContextValue::String(arg)) => arg.clone(),
                _ => "an argument".to_owned(),
            };
            let reason = std::error::Error::source(e)
                .map_or_else(|| "not accepted".to_owned(), ToString::to_string);
            eprintln!(
                "error: invalid value for {arg}: {}; see --help",
                one_line(&reason)
            );
            ExitCode::from(2)
        }
        kind => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            let message = first.strip_prefix("error: ").unwrap_or(first);
            // clap lists the values on a line of their own, which one line would lose.
            let valid = match e.get(clap::error::ContextKind::ValidValue) {
                Some(clap::error::ContextValue::Strings(values))
                    if kind == ErrorKind::InvalidValue =>
                {
                    format!(" (one of {})", values.join(", "))
                }
                _ => String::new(),
            };
            eprintln!("error: {}{valid}; see --help", one_line(message));
            ExitCode::from(2)
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A panic is a bug: log it, and say so in one line rather than a backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        tracing::error!(%payload, %location, "panic");
        eprintln!(
            "error: internal error (a bug): {}{location}",
            one_line(&payload)
        );
    }));
}
