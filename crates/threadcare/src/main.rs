//! The one threadcare binary. Subcommands are thin: the work is in the library crates.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod analyze;
mod eval;
mod report;
mod serve;
mod store_cmd;
mod threads;
mod train;

/// threadcare reads peer-support posts and comment threads and helps moderators see who needs a
/// person now. It runs offline; nothing leaves this machine.
#[derive(Debug, Parser)]
#[command(name = "threadcare", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read posts and comment threads and print every text item.
    Threads(threads::Args),
    /// Assess every post and comment: C-SSRS and triage level with evidence, replies, threads.
    Analyze(analyze::Args),
    /// Run the engine on the public evaluation sets and write a Markdown report.
    Eval(eval::Args),
    /// Train the engine's models on the public sets and write them into `models/`.
    Train(train::Args),
    /// Assess and store posts and comments in the database (idempotent; edits keep history).
    Ingest(store_cmd::IngestArgs),
    /// Create, list or revoke API tokens.
    #[command(subcommand)]
    Token(store_cmd::TokenCommand),
    /// Remove everything a writer wrote, with its assessments and moderators' actions.
    Forget(store_cmd::ForgetArgs),
    /// Serve the HTTP API and the moderators' dashboard.
    Serve(serve::Args),
}

/// Exit statuses shared by every command that reads input.
pub mod exit {
    /// Everything was read.
    pub const COMPLETE: u8 = 0;
    /// Some records were rejected or degraded; the rest went through.
    pub const PARTIAL: u8 = 1;
    /// Nothing usable was read (or the command line was wrong).
    pub const UNUSABLE: u8 = 2;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Threads(args) => threads::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Train(args) => train::run(args),
        Command::Ingest(args) => store_cmd::ingest(args),
        Command::Token(cmd) => store_cmd::token(cmd),
        Command::Forget(args) => store_cmd::forget(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`threadcare threads … | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(exit::COMPLETE);
            }
            eprintln!("threadcare: {err:#}");
            ExitCode::from(exit::UNUSABLE)
        }
    }
}
