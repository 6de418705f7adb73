//! Storing items and their assessments: the one path every input takes (the `ingest` command,
//! the HTTP API, the demo loader).

use std::collections::HashSet;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use threadcare_core::{Item, ThreadMeta};
use threadcare_engine::{AssessedThread, Engine, ENGINE_VERSION};

use crate::{Result, Store, Upsert};

/// Threads assessed and stored per transaction.
pub const ASSESS_CHUNK: usize = 256;

/// What one call to [`ingest_items`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReport {
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Threads (re-)assessed.
    pub threads_assessed: u64,
    /// Ids of items that reached level `imminent` in this call (for alerts).
    pub imminent: Vec<String>,
}

/// Upserts `items`, then re-assesses every thread that got a new or changed item (the whole
/// thread: a reply is judged against what it answers) and stores the assessments.
///
/// It also re-assesses every stale thread in the store (an item stored but not assessed by this
/// engine version: a crash between the two transactions, an engine upgrade, a writer forgotten
/// from a thread), so a crash heals on the next call. When it returns `Ok`, every item given is
/// stored with an assessment. Assessment runs on all cores; each chunk of [`ASSESS_CHUNK`]
/// threads is stored in one transaction.
pub fn ingest_items(
    store: &dyn Store,
    engine: &Engine,
    items: &[Item],
    metas: &[ThreadMeta],
) -> Result<IngestReport> {
    let mut report = IngestReport::default();
    let mut todo = Vec::new();
    if !items.is_empty() || !metas.is_empty() {
        let (outcomes, touched) = store.upsert_items(items, metas)?;
        for o in outcomes {
            match o {
                Upsert::New => report.new += 1,
                Upsert::Changed => report.changed += 1,
                Upsert::Unchanged => report.unchanged += 1,
            }
        }
        todo = touched;
    }
    let mut seen: HashSet<String> = todo.iter().cloned().collect();
    for thread in store.stale_threads(ENGINE_VERSION)? {
        if seen.insert(thread.clone()) {
            todo.push(thread);
        }
    }
    for chunk in todo.chunks(ASSESS_CHUNK) {
        let assessed = chunk
            .par_iter()
            .map(|id| Ok(store.load_thread(id)?.map(|t| engine.assess_thread(&t))))
            .collect::<Result<Vec<Option<AssessedThread>>>>()?;
        let assessed: Vec<AssessedThread> = assessed.into_iter().flatten().collect();
        report.threads_assessed += assessed.len() as u64;
        report
            .imminent
            .extend(store.save_assessed_threads(&assessed, ENGINE_VERSION)?);
    }
    Ok(report)
}
