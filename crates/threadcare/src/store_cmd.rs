//! `threadcare ingest`, `threadcare token` and `threadcare forget`: the local commands on the store.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::ValueEnum;
use threadcare_core::Thread;
use threadcare_engine::Engine;
use threadcare_ingest::{expand_paths, read_file_with};
use threadcare_server::store::{ingest_items, Key, Role, SqliteStore, Store};

use crate::threads::{CollectSink, From, Include};

/// The environment variable naming the database file.
const DB_ENV: &str = "THREADCARE_DB";
/// The database file when neither `--db` nor [`DB_ENV`] names one.
const DEFAULT_DB: &str = "threadcare.db";

/// Where the database is and how to open it.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The database file [default: $THREADCARE_DB, else threadcare.db in the current directory].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// A file holding the key of an encrypted database [default: $THREADCARE_DB_KEY]; needs a
    /// build with encryption (`cargo build --release --features sqlcipher`).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

impl DbArgs {
    fn path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| {
            std::env::var_os(DB_ENV)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
        })
    }

    /// Opens (creating if `create`) the database.
    fn open(&self, create: bool) -> Result<SqliteStore> {
        let path = self.path();
        if !create && !path.exists() {
            bail!(
                "no database at {} (name one with --db or {DB_ENV}; `threadcare ingest` makes one)",
                path.display()
            );
        }
        let key = Key::resolve(self.key_file.as_deref())?;
        SqliteStore::open(&path, key).with_context(|| format!("opening {}", path.display()))
    }
}

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Files or directories (read recursively); `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Input format; `auto` tells it from the content.
    #[arg(long, value_enum, default_value = "auto")]
    pub from: From,
    /// Also read drafts, pages or comments held for moderation (WordPress exports).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub include: Vec<Include>,
    #[command(flatten)]
    pub db: DbArgs,
    /// Threads stored per transaction; each batch is reported once it is safely stored.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Reads everything and records actions.
    Moderator,
    /// A moderator who may also read the audit log.
    Admin,
    /// Reads de-identified data only.
    Researcher,
}

impl RoleArg {
    fn role(self) -> Role {
        match self {
            RoleArg::Moderator => Role::Moderator,
            RoleArg::Admin => Role::Admin,
            RoleArg::Researcher => Role::Researcher,
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once, on standard output, and never stored.
    Create {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Who holds it (a moderator's name or handle): shown in actions and the audit log.
        #[arg(long)]
        label: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token; it stops working at once, also for a running server.
    Revoke {
        /// The token's id (see `token list`).
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct ForgetArgs {
    /// The writer's name exactly as stored (see the dashboard's writers, or the input).
    #[arg(long)]
    pub author: String,
    #[command(flatten)]
    pub db: DbArgs,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Prints a line to standard output at once (the kill test and people read it as it comes).
fn say(line: std::fmt::Arguments<'_>) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_fmt(line)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

pub fn ingest(args: IngestArgs) -> Result<u8> {
    let engine = Engine::embedded().context("loading the construct and context files")?;
    let store = args.db.open(true)?;

    // What an earlier run stored but could not assess (it was killed between the two
    // transactions), or what an older engine assessed.
    let healed = ingest_items(&store, &engine, &[], &[])?;
    if healed.threads_assessed > 0 {
        say(format_args!(
            "assessed {} threads left unassessed by an earlier run or engine",
            healed.threads_assessed
        ))?;
    }

    let mut sink = CollectSink::default();
    let files = expand_paths(&args.paths, &mut sink);
    let opts = crate::threads::options(&args.include);
    let (mut new, mut changed, mut unchanged, mut assessed) = (0u64, 0u64, 0u64, 0u64);
    let mut imminent = healed.imminent;
    // One file at a time: a thread spread over several files (a post feed and a comment
    // feed) still comes together in the store, which re-assesses the whole stored thread.
    for file in files {
        read_file_with(&file, args.from.format(), &opts, &mut sink);
        let items = std::mem::take(&mut sink.items);
        let metas = std::mem::take(&mut sink.metas);
        let threads = Thread::group(items, &metas);
        for batch in threads.chunks(args.batch as usize) {
            let items: Vec<_> = batch.iter().flat_map(|t| t.items.iter().cloned()).collect();
            let batch_metas: Vec<_> = metas
                .iter()
                .filter(|m| batch.iter().any(|t| t.thread_id == m.thread_id))
                .cloned()
                .collect();
            let report = ingest_items(&store, &engine, &items, &batch_metas)
                .with_context(|| format!("storing items read from {}", file.display()))?;
            // Both transactions are committed: these items are stored with their assessments.
            say(format_args!(
                "stored {} ({} new, {} changed, {} unchanged) in {}",
                plural(items.len(), "item"),
                report.new,
                report.changed,
                report.unchanged,
                plural(batch.len(), "thread")
            ))?;
            new += report.new;
            changed += report.changed;
            unchanged += report.unchanged;
            assessed += report.threads_assessed;
            imminent.extend(report.imminent);
        }
    }
    say(format_args!(
        "done: {new} new, {changed} changed, {unchanged} unchanged items; {assessed} threads \
         assessed; database {}",
        store.path().display()
    ))?;
    if !imminent.is_empty() {
        const SHOWN: usize = 20;
        let more = imminent.len().saturating_sub(SHOWN);
        let mut ids = imminent[..imminent.len().min(SHOWN)].join(", ");
        if more > 0 {
            ids.push_str(&format!(" and {more} more"));
        }
        say(format_args!(
            "{} items reached imminent: {ids} (see the queue in `threadcare serve`)",
            imminent.len()
        ))?;
    }
    sink.tally.summary();
    Ok(sink.tally.exit_code())
}

pub fn token(cmd: TokenCommand) -> Result<u8> {
    match cmd {
        TokenCommand::Create { role, label, db } => {
            // The first token is usually made before anything is ingested: create the file.
            let store = db.open(true)?;
            let (info, secret) = store.create_token(&label, role.role())?;
            say(format_args!("{secret}"))?;
            eprintln!(
                "threadcare: created token {} ({}) for {}; the secret above is shown only now: \
                 keep it like a password",
                info.id,
                info.role.as_str(),
                info.label
            );
        }
        TokenCommand::List { db } => {
            let store = db.open(false)?;
            let tokens = store.tokens()?;
            if tokens.is_empty() {
                eprintln!("threadcare: no tokens yet (`threadcare token create`)");
            }
            let mut out = io::stdout().lock();
            if !tokens.is_empty() {
                writeln!(
                    out,
                    "{:>4}  {:<10}  {:<24}  {:<24}  revoked",
                    "id", "role", "label", "created"
                )?;
            }
            for t in tokens {
                writeln!(
                    out,
                    "{:>4}  {:<10}  {:<24}  {:<24}  {}",
                    t.id,
                    t.role.as_str(),
                    t.label,
                    t.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    t.revoked_at
                        .map(|r| r.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                        .unwrap_or_else(|| "-".into())
                )?;
            }
            out.flush()?;
        }
        TokenCommand::Revoke { id, db } => {
            let store = db.open(false)?;
            if !store.revoke_token(id)? {
                bail!("no active token {id} (unknown or already revoked; see `threadcare token list`)");
            }
            say(format_args!("revoked token {id}"))?;
        }
    }
    Ok(crate::exit::COMPLETE)
}

pub fn forget(args: ForgetArgs) -> Result<u8> {
    if args.author.trim().is_empty() {
        bail!("--author needs the writer's name");
    }
    let store = args.db.open(false)?;
    let report = store.forget_author(&args.author, "cli")?;
    if report.items == 0 {
        say(format_args!(
            "nothing stored by that writer (names must match exactly); nothing removed"
        ))?;
        return Ok(crate::exit::COMPLETE);
    }
    say(format_args!(
        "removed {} rows: {}",
        report.total(),
        report.describe()
    ))?;
    // The threads the writer took part in are re-assessed without them.
    let engine = Engine::embedded().context("loading the construct and context files")?;
    let healed = ingest_items(&store, &engine, &[], &[])?;
    if healed.threads_assessed > 0 {
        say(format_args!(
            "re-assessed {} threads the writer had written in",
            healed.threads_assessed
        ))?;
    }
    Ok(crate::exit::COMPLETE)
}
