//! The embedded store: one SQLite file (WAL, foreign keys on, versioned migrations).

/// The key of an encrypted database.
pub enum Key {}

/// The embedded SQLite store.
pub struct SqliteStore {}
