//! The embedded store: one SQLite file (WAL, foreign keys on, versioned migrations), optionally
//! encrypted with SQLCipher.
//!
//! Concurrency: one writer connection behind a mutex (SQLite has one writer at a time anyway;
//! every write is an `IMMEDIATE` transaction, so two processes on one file queue on the busy
//! timeout instead of failing half-way), and a small pool of reader connections, each read in its
//! own snapshot (WAL lets readers run beside the writer).
//!
//! Durability: `synchronous=FULL`. In WAL mode `NORMAL` already survives a killed process, but
//! may lose the last transactions on a power cut; `ingest` promises that what it reported as
//! stored stays stored, so every commit is synced (the cost is one fsync per transaction, and
//! `ingest` commits whole batches).

mod items;
mod moderation;
mod schema;
mod tokens;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};
use threadcare_core::{AssessedItem, Item, Level, Thread, ThreadMeta};
use threadcare_engine::{AssessedThread, ThreadSummary};

use crate::{
    Action, AuditEntry, ForgetReport, ItemVersion, NewAction, NewAudit, QueueEntry, QueueFilter,
    Result, Role, Stats, Store, StoreError, StoredItem, ThreadView, Timeline, TokenInfo, Upsert,
};

pub use schema::MIGRATIONS;

/// The schema version this build writes (and the newest it can open).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The environment variable holding the key of an encrypted database.
pub const KEY_ENV: &str = "THREADCARE_DB_KEY";

/// How long a write waits for another process's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes of the file mapped into memory per connection (address space, not memory use).
const MMAP_SIZE: i64 = 1 << 30;
/// Reader connections kept open between reads.
const MAX_IDLE_READERS: usize = 8;

/// The key of an encrypted database: a passphrase (SQLCipher derives the key from it).
/// Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(String);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// A key from a passphrase; empty is refused.
    pub fn new(passphrase: impl Into<String>) -> Result<Key> {
        let passphrase = passphrase.into();
        if passphrase.is_empty() {
            return Err(StoreError::Invalid("the database key is empty".into()));
        }
        Ok(Key(passphrase))
    }

    /// The key in a file: its content without the final line break.
    pub fn from_file(path: &Path) -> Result<Key> {
        let raw = std::fs::read_to_string(path).map_err(|e| {
            StoreError::Invalid(format!("cannot read the key file {}: {e}", path.display()))
        })?;
        let key = raw.strip_suffix('\n').unwrap_or(&raw);
        let key = key.strip_suffix('\r').unwrap_or(key);
        Key::new(key)
            .map_err(|_| StoreError::Invalid(format!("the key file {} is empty", path.display())))
    }

    /// The key from [`KEY_ENV`], if set and not empty.
    pub fn from_env() -> Option<Key> {
        std::env::var(KEY_ENV)
            .ok()
            .filter(|k| !k.is_empty())
            .map(Key)
    }

    /// The key a command was given: the key file if named, else the environment, else none.
    pub fn resolve(key_file: Option<&Path>) -> Result<Option<Key>> {
        match key_file {
            Some(path) => Key::from_file(path).map(Some),
            None => Ok(Key::from_env()),
        }
    }
}

/// Whether this build can open encrypted databases (feature `sqlcipher`).
pub const ENCRYPTION_AVAILABLE: bool = cfg!(feature = "sqlcipher");

/// The embedded SQLite store. Share it between threads by reference or in an `Arc`.
pub struct SqliteStore {
    path: PathBuf,
    key: Option<Key>,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Token id -> SHA-256 of the last secret that passed argon2 for it.
    verified: Mutex<HashMap<i64, [u8; 32]>>,
    /// Holds the temporary directory of [`SqliteStore::open_in_memory`] until the store drops.
    _temp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("encrypted", &self.key.is_some())
            .finish()
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Database(format!("a stored JSON value cannot be read: {e}"))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a transaction rolls it back when the transaction drops, so the connection
    // behind a poisoned lock is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, migrating it to [`SCHEMA_VERSION`].
    /// A key needs a build with the `sqlcipher` feature; a database newer than this build, an
    /// encrypted one opened without (or with a wrong) key, or another program's SQLite file are
    /// refused with a clear error.
    pub fn open(path: impl AsRef<Path>, key: Option<Key>) -> Result<SqliteStore> {
        Self::open_inner(path.as_ref().to_path_buf(), key, None)
    }

    /// A fresh store in a temporary file deleted when the store drops (tests, `serve --demo`).
    /// It is a real file so that it behaves exactly like [`SqliteStore::open`] (WAL, readers).
    pub fn open_in_memory() -> Result<SqliteStore> {
        let dir = tempfile::Builder::new()
            .prefix("threadcare-")
            .tempdir()
            .map_err(|e| StoreError::Database(format!("cannot make a temporary directory: {e}")))?;
        let path = dir.path().join("threadcare.db");
        Self::open_inner(path, None, Some(dir))
    }

    fn open_inner(
        path: PathBuf,
        key: Option<Key>,
        temp: Option<tempfile::TempDir>,
    ) -> Result<SqliteStore> {
        if key.is_some() && !ENCRYPTION_AVAILABLE {
            return Err(StoreError::Invalid(format!(
                "a database key was given ({KEY_ENV} or --key-file), but this threadcare was \
                 built without encryption; build it with `cargo build --release --features \
                 sqlcipher` (needs libssl-dev), or unset the key for an unencrypted database"
            )));
        }
        let mut writer = connect(&path, key.as_ref(), true)?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Database(format!(
                "{}: cannot switch to write-ahead logging (journal mode stays {mode})",
                path.display()
            )));
        }
        migrate(&mut writer, &path)?;
        Ok(SqliteStore {
            path,
            key,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            verified: Mutex::new(HashMap::new()),
            _temp: temp,
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file is opened with a key.
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// `PRAGMA integrity_check`: `Ok(())` or the problems SQLite found.
    pub fn integrity_check(&self) -> Result<()> {
        self.read(|c| {
            let mut stmt = c.prepare("PRAGMA integrity_check")?;
            let rows: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            if rows.len() == 1 && rows[0] == "ok" {
                Ok(())
            } else {
                Err(StoreError::Database(format!(
                    "integrity check failed: {}",
                    rows.join("; ")
                )))
            }
        })
    }

    /// Runs `f` in one `IMMEDIATE` transaction on the writer; commits if it returns `Ok`.
    fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a reader connection inside one read transaction (one consistent snapshot).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = lock(&self.readers).pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = connect(&self.path, self.key.as_ref(), false)?;
                c.pragma_update(None, "query_only", "ON")?;
                c
            }
        };
        let out = {
            let tx = conn.unchecked_transaction()?;
            let out = f(&tx);
            // Ending a read transaction cannot lose anything; a failure here is reported.
            tx.finish()?;
            out
        };
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }
}

/// Opens one connection with the key applied and the per-connection settings.
fn connect(path: &Path, key: Option<&Key>, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
    if let Some(key) = key {
        apply_key(&conn, key)?;
    }
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first read of the file: where a wrong key, a missing key or a file that is not a
    // database shows.
    let probe: rusqlite::Result<i64> =
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0));
    if let Err(e) = probe {
        let not_a_db = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::NotADatabase)
        );
        return Err(if not_a_db {
            StoreError::Locked(if key.is_some() {
                format!("{} (is the key right?)", path.display())
            } else {
                format!(
                    "{} (if it is encrypted, give its key with {KEY_ENV} or --key-file)",
                    path.display()
                )
            })
        } else {
            StoreError::Database(format!("cannot read {}: {e}", path.display()))
        });
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Read the file through the operating system's page cache instead of copying pages into
    // each connection's own (which a write by another connection invalidates). No effect on an
    // encrypted file, whose pages must be decrypted anyway.
    conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
    if create {
        // The writer overwrites what it deletes, so that a forgotten writer's text does not
        // linger in free pages of the file.
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    Ok(conn)
}

#[cfg(feature = "sqlcipher")]
fn apply_key(conn: &Connection, key: &Key) -> Result<()> {
    // SQLCipher logs a wrong key to stderr on its own; the error we return says it better.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE");
    conn.pragma_update(None, "key", &key.0)?;
    Ok(())
}

#[cfg(not(feature = "sqlcipher"))]
fn apply_key(_conn: &Connection, _key: &Key) -> Result<()> {
    Err(StoreError::Invalid(
        "this threadcare was built without encryption (feature sqlcipher)".into(),
    ))
}

/// Brings the database to [`SCHEMA_VERSION`], one transaction per migration.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read inside the write transaction: another process may have migrated meanwhile.
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let app_id: i64 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app_id != 0 && app_id != schema::APPLICATION_ID {
            return Err(StoreError::Invalid(format!(
                "{} is a database of another program (application id {app_id:#x}), not threadcare's",
                path.display()
            )));
        }
        if version == 0 {
            let tables: i64 = tx.query_row(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(StoreError::Invalid(format!(
                    "{} is not a threadcare database (it holds {tables} tables of something else)",
                    path.display()
                )));
            }
        }
        let version = u32::try_from(version).unwrap_or(u32::MAX);
        if version > SCHEMA_VERSION {
            return Err(StoreError::Invalid(format!(
                "{} has schema version {version}, newer than this threadcare knows \
                 ({SCHEMA_VERSION}): it was written by a newer threadcare; use that one",
                path.display()
            )));
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[version as usize])?;
        if version == 0 {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret)
                .map_err(|e| StoreError::Database(format!("no randomness for the key: {e}")))?;
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('deid_key', ?1)",
                [&secret[..]],
            )?;
            tx.pragma_update(None, "application_id", schema::APPLICATION_ID)?;
        }
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

/// The hash that tells an edit from a re-read: over what makes an item's content (thread,
/// parent, kind, author, title, text), each part tagged and length-prefixed.
pub fn content_hash(item: &Item) -> String {
    let mut h = Sha256::new();
    let mut part = |p: Option<&str>| match p {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    };
    part(Some(&item.thread_id));
    part(item.parent_id.as_deref());
    part(Some(item.kind.as_str()));
    part(item.author.as_deref());
    part(item.title.as_deref());
    part(Some(&item.text));
    hex(&h.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

pub(crate) fn level_of(rank: i64) -> Level {
    Level::ALL
        .get(rank.clamp(0, 4) as usize)
        .copied()
        .unwrap_or_default()
}

impl Store for SqliteStore {
    fn upsert_items(
        &self,
        items: &[Item],
        metas: &[ThreadMeta],
    ) -> Result<(Vec<Upsert>, Vec<String>)> {
        items::validate(items)?;
        self.write(|tx| items::upsert(tx, items, metas, Utc::now()))
    }

    fn stale_threads(&self, engine_version: &str) -> Result<Vec<String>> {
        self.read(|c| items::stale_threads(c, engine_version))
    }

    fn load_thread(&self, thread_id: &str) -> Result<Option<Thread>> {
        self.read(|c| items::load_thread(c, thread_id))
    }

    fn save_assessments(
        &self,
        summary: &ThreadSummary,
        items: &[AssessedItem],
        engine_version: &str,
    ) -> Result<()> {
        let thread = AssessedThread {
            summary: summary.clone(),
            items: items.to_vec(),
        };
        self.save_assessed_threads(std::slice::from_ref(&thread), engine_version)
            .map(|_| ())
    }

    fn save_assessed_threads(
        &self,
        threads: &[AssessedThread],
        engine_version: &str,
    ) -> Result<Vec<String>> {
        self.write(|tx| items::save_assessed(tx, threads, engine_version, Utc::now()))
    }

    fn queue(&self, filter: &QueueFilter, now: DateTime<Utc>) -> Result<Vec<QueueEntry>> {
        self.read(|c| moderation::queue(c, filter, now))
    }

    fn thread(&self, thread_id: &str) -> Result<Option<ThreadView>> {
        self.read(|c| items::thread_view(c, thread_id))
    }

    fn item(&self, item_id: &str) -> Result<Option<StoredItem>> {
        self.read(|c| items::stored_item(c, item_id))
    }

    fn item_history(&self, item_id: &str) -> Result<Vec<ItemVersion>> {
        self.read(|c| items::history(c, item_id))
    }

    fn timeline(&self, author: &str) -> Result<Option<Timeline>> {
        self.read(|c| moderation::timeline(c, author))
    }

    fn authors(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT DISTINCT author FROM items WHERE author IS NOT NULL ORDER BY author",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
    }

    fn record_action(&self, action: &NewAction) -> Result<Action> {
        self.write(|tx| moderation::record_action(tx, action, Utc::now()))
    }

    fn audit(&self, entry: &NewAudit) -> Result<()> {
        self.write(|tx| moderation::audit(tx, entry, Utc::now()))
    }

    fn audit_log(&self, limit: usize, offset: usize) -> Result<Vec<AuditEntry>> {
        self.read(|c| moderation::audit_log(c, limit, offset))
    }

    fn forget_author(&self, author: &str, actor: &str) -> Result<ForgetReport> {
        let report = self.write(|tx| moderation::forget_author(tx, author, actor, Utc::now()))?;
        // Copy the (zeroed) pages back into the file and empty the write-ahead log, which
        // still holds the removed rows. A reader in another process can keep the log from
        // being emptied; then it is emptied by a later checkpoint.
        let conn = lock(&self.writer);
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(report)
    }

    fn create_token(&self, label: &str, role: Role) -> Result<(TokenInfo, String)> {
        let (secret_part, hash) = tokens::new_secret()?;
        let label = tokens::check_label(label)?;
        let info = self.write(|tx| tokens::insert(tx, &label, role, &hash, Utc::now()))?;
        let secret = tokens::secret(info.id, &secret_part);
        Ok((info, secret))
    }

    fn verify_token(&self, secret: &str) -> Result<Option<TokenInfo>> {
        let Some((id, secret_part)) = tokens::parse(secret) else {
            return Ok(None);
        };
        let Some((info, hash)) = self.read(|c| tokens::get(c, id))? else {
            lock(&self.verified).remove(&id);
            return Ok(None);
        };
        if info.revoked_at.is_some() {
            lock(&self.verified).remove(&id);
            return Ok(None);
        }
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if lock(&self.verified).get(&id) == Some(&digest) {
            return Ok(Some(info));
        }
        if tokens::verify(secret_part, &hash) {
            lock(&self.verified).insert(id, digest);
            Ok(Some(info))
        } else {
            Ok(None)
        }
    }

    fn revoke_token(&self, id: i64) -> Result<bool> {
        let done = self.write(|tx| tokens::revoke(tx, id, Utc::now()))?;
        lock(&self.verified).remove(&id);
        Ok(done)
    }

    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(tokens::list)
    }

    fn stats(&self) -> Result<Stats> {
        self.read(moderation::stats)
    }

    fn schema_version(&self) -> Result<u32> {
        self.read(|c| {
            let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            Ok(v as u32)
        })
    }

    fn deid_key(&self) -> Result<Vec<u8>> {
        self.read(|c| {
            c.query_row("SELECT value FROM meta WHERE key = 'deid_key'", [], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::Database("the pseudonym key is missing".into()))
        })
    }
}
