//! The schema, as an ordered list of migrations. The database's `PRAGMA user_version` says how
//! many have been applied; each runs in its own transaction with the version bump, so a crash
//! leaves the database at the version before or after it, never between.
//!
//! Never edit a migration that has shipped: add a new one.

/// `PRAGMA application_id` of a threadcare database ("thcd"), so that another program's SQLite
/// file is refused rather than migrated.
pub const APPLICATION_ID: i64 = 0x7468_6364;

pub const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE threads (
    id                TEXT PRIMARY KEY,
    title             TEXT,
    declared_comments INTEGER,
    first_stored_at   TEXT NOT NULL
) STRICT;

-- The engine's summary of a thread, replaced at every assessment of the thread.
CREATE TABLE thread_summaries (
    thread_id          TEXT PRIMARY KEY REFERENCES threads(id) ON DELETE CASCADE,
    engine_version     TEXT NOT NULL,
    level              INTEGER NOT NULL,
    highest_level      INTEGER NOT NULL,
    unanswered_at_risk INTEGER NOT NULL,
    summary_json       TEXT NOT NULL,
    assessed_at        TEXT NOT NULL
) STRICT;

-- One row per item: its current text, and (denormalised for the queue) its current assessment
-- and moderation state. The history of its texts is in item_versions, of its assessments in
-- assessments, of its moderation in actions.
CREATE TABLE items (
    id                TEXT PRIMARY KEY,
    thread_id         TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,          -- reading order in the thread
    parent_id         TEXT,                      -- no foreign key: the parent may not be stored
    kind              TEXT NOT NULL CHECK (kind IN ('post', 'comment')),
    author            TEXT,
    created_at        TEXT,                      -- RFC 3339 as the source gave it
    at_ms             INTEGER NOT NULL,          -- created_at, else first stored (Unix ms)
    title             TEXT,
    text              TEXT NOT NULL,
    source_json       TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    version           INTEGER NOT NULL,
    first_stored_at   TEXT NOT NULL,
    stored_at         TEXT NOT NULL,             -- when the current version was stored
    assessment_id     INTEGER,                   -- the latest assessment (maybe of an older version)
    engine_version    TEXT,                      -- NULL: the current text needs (re-)assessment
    level             INTEGER,
    cssrs             INTEGER,
    confidence        REAL,
    concern_for_other INTEGER,
    explanation       TEXT,
    supportive        INTEGER NOT NULL DEFAULT 0, -- a reply judged supportive
    state             TEXT NOT NULL DEFAULT 'open'
                      CHECK (state IN ('open', 'claimed', 'responded', 'resolved')),
    claimed_by        TEXT,
    responded         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX items_thread ON items(thread_id, seq);
CREATE INDEX items_author ON items(author, at_ms);
CREATE INDEX items_parent ON items(parent_id);
CREATE INDEX items_engine ON items(engine_version);
CREATE INDEX items_level ON items(level, state);

CREATE TABLE item_versions (
    item_id      TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    title        TEXT,
    text         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    stored_at    TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
) STRICT;

CREATE TABLE assessments (
    id              INTEGER PRIMARY KEY,
    item_id         TEXT NOT NULL,
    version         INTEGER NOT NULL,
    engine_version  TEXT NOT NULL,
    level           INTEGER NOT NULL,
    cssrs           INTEGER NOT NULL,
    confidence      REAL NOT NULL,
    assessment_json TEXT NOT NULL,
    assessed_at     TEXT NOT NULL,
    FOREIGN KEY (item_id, version) REFERENCES item_versions(item_id, version) ON DELETE CASCADE
) STRICT;
CREATE INDEX assessments_item ON assessments(item_id, version);

CREATE TABLE actions (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL
            CHECK (kind IN ('claim', 'unclaim', 'note', 'responded', 'resolve', 'reopen')),
    actor   TEXT NOT NULL,
    note    TEXT,
    at      TEXT NOT NULL
) STRICT;
CREATE INDEX actions_item ON actions(item_id, id);

-- Append-only. Item ids are not foreign keys: the log outlives what it names.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    event   TEXT NOT NULL,
    item_id TEXT,
    level   INTEGER,
    detail  TEXT
) STRICT;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
WHEN NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor
  OR NEW.event IS NOT OLD.event OR NEW.level IS NOT OLD.level OR NEW.detail IS NOT OLD.detail
  OR NEW.item_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only (only a forgotten item''s id may be blanked)');
END;

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    label      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('moderator', 'admin', 'researcher')),
    hash       TEXT NOT NULL,                    -- argon2id PHC string of the secret part
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
"#,
];
