//! `threadcare serve`: the HTTP API and the dashboard (the work is in `threadcare-server`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use threadcare_engine::Engine;
use threadcare_server::launch::Launch;
use threadcare_server::store::{Key, Role, SqliteStore, Store};
use threadcare_server::Settings;

use crate::exit;

/// The environment variable that names the alert webhook (below `--webhook-url`, above the
/// config file).
const WEBHOOK_ENV: &str = "THREADCARE_WEBHOOK_URL";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database file, created if missing [default: $THREADCARE_DB, else threadcare.db in
    /// the current directory].
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub db: Option<PathBuf>,
    /// A file holding the key of an encrypted database [default: $THREADCARE_DB_KEY].
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Address to listen on. Loopback by default; another address needs --allow-public.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Allow a non-loopback --listen address (put a TLS proxy in front of it).
    #[arg(long)]
    pub allow_public: bool,
    /// A TOML config file: `[limits]`, `[alerts]` webhook_url, `[[crisis_resources]]`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where to POST a notice (no post text) when an item at `imminent` is stored
    /// (http:// only; else $THREADCARE_WEBHOOK_URL, else the config file).
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Load the bundled examples into a temporary database, create a demo moderator token and
    /// print the dashboard's address with it.
    #[arg(long)]
    pub demo: bool,
}

/// What to print once the server listens, given its address.
type ReadyLines = Box<dyn Fn(SocketAddr) -> String + Send>;

pub fn run(args: Args) -> Result<u8> {
    threadcare_server::init_logging();
    if !args.listen.ip().is_loopback() && !args.allow_public {
        anyhow::bail!(
            "{} is not a loopback address: the API serves health data, so listening beyond this \
             machine needs --allow-public (and a TLS proxy in front)",
            args.listen
        );
    }
    let settings = match &args.config {
        Some(path) => Settings::from_file(path)?,
        None => Settings::default(),
    };
    let webhook_url = args
        .webhook_url
        .clone()
        .or_else(|| std::env::var(WEBHOOK_ENV).ok().filter(|u| !u.is_empty()));
    let engine = Arc::new(Engine::embedded().context("loading the construct and context files")?);

    let (store, ready_lines): (Arc<dyn Store>, ReadyLines) = if args.demo {
        let store = SqliteStore::open_in_memory().context("creating the demo database")?;
        let loaded = threadcare_server::demo::load_examples(&store, &engine)
            .context("loading the bundled examples")?;
        let (_, token) = store
            .create_token("demo", Role::Moderator)
            .context("creating the demo token")?;
        let (_, researcher) = store
            .create_token("demo-researcher", Role::Researcher)
            .context("creating the demo researcher token")?;
        eprintln!(
            "threadcare: demo: {} items from {} example files in a temporary database \
                 (deleted on exit); {} at imminent",
            loaded.items,
            loaded.files,
            loaded.ingest.imminent.len()
        );
        let store: Arc<dyn Store> = Arc::new(store);
        (
            store,
            Box::new(move |addr: SocketAddr| {
                format!(
                    "Dashboard: http://{addr}/#token={token}\nToken: {token}\n\
                         Researcher token: {researcher} (de-identified view: \
                         http://{addr}/#token={researcher})\n\
                         (tokens for this demo only; press Ctrl-C to stop)"
                )
            }),
        )
    } else {
        let path = args.db.clone().unwrap_or_else(|| {
            std::env::var_os("THREADCARE_DB")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("threadcare.db"))
        });
        let key = Key::resolve(args.key_file.as_deref())?;
        let store =
            SqliteStore::open(&path, key).with_context(|| format!("opening {}", path.display()))?;
        let store: Arc<dyn Store> = Arc::new(store);
        (
            store,
            Box::new(|addr: SocketAddr| {
                format!(
                    "Dashboard: http://{addr}/ (sign in with a token from \
                         `threadcare token create`)\nAPI: http://{addr}/api/v1/openapi.json"
                )
            }),
        )
    };

    if !args.listen.ip().is_loopback() && args.allow_public {
        eprintln!(
            "threadcare: warning: listening on {} makes health data reachable from other \
             machines; use TLS in front and give tokens only to people who need them",
            args.listen
        );
    }
    threadcare_server::launch::run(Launch {
        store,
        engine,
        settings,
        webhook_url,
        listen: args.listen,
        allow_public: args.allow_public,
        on_ready: Box::new(move |addr| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", ready_lines(addr));
            let _ = out.flush();
        }),
    })
    .map_err(anyhow::Error::msg)?;
    Ok(exit::COMPLETE)
}
