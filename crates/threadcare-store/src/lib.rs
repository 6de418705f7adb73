//! Where assessments live: threads, items with their edit history, assessments (with the engine
//! version that made them), moderator actions, the audit log and API tokens.
//!
//! Everything above this crate (the `ingest`/`token`/`forget` commands, the HTTP server, the
//! dashboard) talks to a [`Store`]: one interface, so that the embedded SQLite store of a single
//! machine ([`SqliteStore`]) and a PostgreSQL store for teams can stand behind the same code.
//!
//! The store is synchronous (SQLite is); async callers use `spawn_blocking`.
//!
//! Inferred risk is health data: the SQLite file can be encrypted at rest (feature `sqlcipher`,
//! key from [`Key`]), researchers only ever see [`deid`]entified data, every read of an item at
//! `severe` or above is written to the audit log by the caller that serves it, and
//! [`Store::forget_author`] removes a writer entirely.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use threadcare_core::{AssessedItem, Item, Level, ThreadMeta};
use threadcare_engine::{AssessedThread, ThreadSummary};

pub mod deid;
mod ingest;
mod sqlite;
mod timeline;

/// The time types of this interface (`queue` takes a `DateTime<Utc>`).
pub use chrono;
pub use ingest::{ingest_items, IngestReport, ASSESS_CHUNK};
pub use sqlite::{content_hash, Key, SqliteStore, KEY_ENV, SCHEMA_VERSION};
pub use timeline::{trend_alert, TREND_WINDOW_DAYS};

/// Errors of the store. `NotFound` and `Conflict` are the caller's fault (the HTTP layer maps them
/// to 404/409); the others are the machine's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("database: {0}")]
    Database(String),
    #[error("the database is encrypted or not a threadcare database: {0}")]
    Locked(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What an item's moderation looks like now, derived from its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Nobody has done anything yet (or it was reopened).
    #[default]
    Open,
    /// A moderator holds it (see `claimed_by`).
    Claimed,
    /// Someone answered the writer (what was done is in the action's note).
    Responded,
    /// Nothing more to do. Resolved items leave the queue; a new version of the item reopens it.
    Resolved,
}

/// What a moderator can do to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Claim,
    Unclaim,
    Note,
    /// Needs a note saying what was done.
    Responded,
    Resolve,
    Reopen,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Claim => "claim",
            ActionKind::Unclaim => "unclaim",
            ActionKind::Note => "note",
            ActionKind::Responded => "responded",
            ActionKind::Resolve => "resolve",
            ActionKind::Reopen => "reopen",
        }
    }
}

/// An action to record. `actor` is the token's label (a moderator's name or handle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAction {
    pub item_id: String,
    pub kind: ActionKind,
    pub actor: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: i64,
    pub item_id: String,
    pub kind: ActionKind,
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// An explained alert that a writer's level is rising (for example low → moderate → severe
/// within two weeks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendAlert {
    pub author: String,
    pub from: Level,
    pub to: Level,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The items of the rise, oldest first.
    pub item_ids: Vec<String>,
    /// One sentence a moderator can read ("Rose from low to severe in 9 days over 3 posts").
    pub explanation: String,
}

/// One point of a writer's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelinePoint {
    pub item_id: String,
    pub thread_id: String,
    pub kind: threadcare_core::ItemKind,
    /// When it was written, or when it was first stored if the source gave no time.
    pub at: DateTime<Utc>,
    pub level: Level,
    pub cssrs: u8,
}

/// A writer's items over time, oldest first, with the alert if their level is rising.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub author: String,
    pub points: Vec<TimelinePoint>,
    pub alert: Option<TrendAlert>,
}

/// One entry of the triage queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub item_id: String,
    pub thread_id: String,
    pub thread_title: Option<String>,
    pub kind: threadcare_core::ItemKind,
    pub author: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub level: Level,
    pub cssrs: u8,
    pub confidence: f32,
    pub concern_for_other: bool,
    pub explanation: String,
    /// Since when the item has waited without a supportive reply (its time, else when stored);
    /// `None` once a supportive reply or a `responded` action exists.
    pub waiting_since: Option<DateTime<Utc>>,
    pub waiting_seconds: Option<i64>,
    pub unanswered_at_risk: bool,
    pub state: ItemState,
    pub claimed_by: Option<String>,
    /// The writer's rising-level alert, shown next to the item.
    pub trend: Option<TrendAlert>,
}

/// Which items the queue shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    /// Lowest level shown (default `low`).
    pub min_level: Level,
    /// Also show resolved items.
    pub include_resolved: bool,
    pub limit: usize,
    pub offset: usize,
}

impl Default for QueueFilter {
    fn default() -> Self {
        QueueFilter {
            min_level: Level::Low,
            include_resolved: false,
            limit: 100,
            offset: 0,
        }
    }
}

/// An item as stored: the item with its current assessment, moderation state and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredItem {
    #[serde(flatten)]
    pub assessed: AssessedItem,
    /// 1 for the first text seen; +1 for every edit.
    pub version: u32,
    pub engine_version: String,
    pub stored_at: DateTime<Utc>,
    pub state: ItemState,
    pub claimed_by: Option<String>,
    pub actions: Vec<Action>,
}

/// One text an item has had (see [`Store::item_history`]), with the level it was given then
/// (`none` and an empty `engine_version` if that text was never assessed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemVersion {
    pub version: u32,
    pub title: Option<String>,
    pub text: String,
    pub level: Level,
    pub cssrs: u8,
    pub engine_version: String,
    pub stored_at: DateTime<Utc>,
}

/// A thread with every item (post first, then comments in reading order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadView {
    pub summary: ThreadSummary,
    pub items: Vec<StoredItem>,
}

/// What `upsert_items` did with each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Upsert {
    New,
    /// Same id, different text or title: a new version, the old one kept in history.
    Changed,
    /// Same id and the same content (thread, parent, author, title, text): nothing changed.
    Unchanged,
}

/// Who a token belongs to and what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, records actions.
    Moderator,
    /// A moderator who may also manage tokens and forget writers.
    Admin,
    /// Reads de-identified data only; records nothing.
    Researcher,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Admin => "admin",
            Role::Researcher => "researcher",
        }
    }
}

/// A token as listed (never the secret, which is stored only as an argon2 hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub label: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One audit-log line. No post text, ever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Token label, or `cli` for local commands.
    pub actor: String,
    /// What happened: `read_item`, `read_thread`, `action`, `forget`, `token_create`, …
    pub event: String,
    pub item_id: Option<String>,
    pub level: Option<Level>,
    pub detail: Option<String>,
}

/// An audit line to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAudit {
    pub actor: String,
    pub event: String,
    pub item_id: Option<String>,
    pub level: Option<Level>,
    pub detail: Option<String>,
}

/// How many rows `forget_author` removed, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgetReport {
    pub items: u64,
    pub item_versions: u64,
    pub assessments: u64,
    pub actions: u64,
    /// Threads left with no item at all, removed too.
    pub threads: u64,
    /// Audit lines that named the removed items: kept (the audit log is append-only), with the
    /// item id blanked.
    pub audit_scrubbed: u64,
}

impl ForgetReport {
    /// The counts per table in words (no names: this line goes to the audit log too).
    pub fn describe(&self) -> String {
        format!(
            "{} items, {} item versions, {} assessments, {} actions, {} threads; \
             {} audit lines kept with the item id blanked",
            self.items,
            self.item_versions,
            self.assessments,
            self.actions,
            self.threads,
            self.audit_scrubbed
        )
    }

    pub fn total(&self) -> u64 {
        self.items + self.item_versions + self.assessments + self.actions + self.threads
    }
}

/// Counts for `/metrics` and the dashboard header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub threads: u64,
    pub items: u64,
    /// Unresolved items per level, indexed by `Level::rank()`.
    pub open_by_level: [u64; 5],
    pub actions: u64,
}

/// The one interface to storage. Implementations must be safe to share between threads; every
/// method that writes is atomic (all of it or nothing, even if the process is killed).
pub trait Store: Send + Sync {
    /// Adds or updates items (one transaction). Returns, per input item in order, what happened
    /// and the ids of the threads whose assessment must be redone (new or changed items).
    /// Thread metadata from the reader (title, declared comment count) is kept beside the thread.
    fn upsert_items(
        &self,
        items: &[Item],
        metas: &[ThreadMeta],
    ) -> Result<(Vec<Upsert>, Vec<String>)>;

    /// Threads with an item whose current text has no assessment by `engine_version` (after a
    /// crash between storing items and storing their assessments, or after an engine upgrade).
    fn stale_threads(&self, engine_version: &str) -> Result<Vec<String>>;

    /// Every stored item of a thread, in reading order, as a `Thread` ready for the engine.
    fn load_thread(&self, thread_id: &str) -> Result<Option<threadcare_core::Thread>>;

    /// Stores a thread's assessments (one transaction): an assessment row per item whose text or
    /// assessment changed, tagged with `engine_version`, and the thread summary.
    fn save_assessments(
        &self,
        summary: &ThreadSummary,
        items: &[AssessedItem],
        engine_version: &str,
    ) -> Result<()>;

    /// Stores the assessments of several threads in one transaction (as `save_assessments` does
    /// for one). An assessment whose item's text changed since it was loaded is skipped (the item
    /// stays stale for whoever stored the new text). Returns the ids of items that reached
    /// `imminent` with this call (they were not `imminent` for their current text before).
    fn save_assessed_threads(
        &self,
        threads: &[AssessedThread],
        engine_version: &str,
    ) -> Result<Vec<String>>;

    fn queue(&self, filter: &QueueFilter, now: DateTime<Utc>) -> Result<Vec<QueueEntry>>;
    fn thread(&self, thread_id: &str) -> Result<Option<ThreadView>>;
    fn item(&self, item_id: &str) -> Result<Option<StoredItem>>;
    /// Every text the item has had, oldest first, the current one last (so an item never edited
    /// has one version). Empty for an unknown item.
    fn item_history(&self, item_id: &str) -> Result<Vec<ItemVersion>>;
    /// The writer's items over time (`None` for an unknown writer).
    fn timeline(&self, author: &str) -> Result<Option<Timeline>>;
    /// Every writer's name, sorted.
    fn authors(&self) -> Result<Vec<String>>;

    /// Records an action after checking it makes sense (`Conflict` for claiming an item someone
    /// else holds, `Invalid` for `responded` without a note, `NotFound` for an unknown item).
    fn record_action(&self, action: &NewAction) -> Result<Action>;

    /// Appends a line to the audit log (append-only: nothing ever updates or deletes a line,
    /// except [`Store::forget_author`] blanking the item id of a removed item).
    fn audit(&self, entry: &NewAudit) -> Result<()>;
    /// The audit log, newest first.
    fn audit_log(&self, limit: usize, offset: usize) -> Result<Vec<AuditEntry>>;

    /// Removes every item written by `author`, with their versions, assessments and actions, and
    /// threads left empty; recomputes nothing else. One transaction.
    fn forget_author(&self, author: &str, actor: &str) -> Result<ForgetReport>;

    /// Creates a token; returns its info and the secret, shown once.
    fn create_token(&self, label: &str, role: Role) -> Result<(TokenInfo, String)>;
    /// The token for a secret, if it exists and is not revoked.
    fn verify_token(&self, secret: &str) -> Result<Option<TokenInfo>>;
    fn revoke_token(&self, id: i64) -> Result<bool>;
    fn tokens(&self) -> Result<Vec<TokenInfo>>;

    fn stats(&self) -> Result<Stats>;
    /// The schema version the database is at.
    fn schema_version(&self) -> Result<u32>;

    /// The secret key of this database's pseudonyms ([`deid::pseudonym`]): random, made when the
    /// database was created, never shown. The same writer gets the same pseudonym in one
    /// database and an unrelated one in another.
    fn deid_key(&self) -> Result<Vec<u8>>;
}
