//! `threadcare serve --demo`: the repository's `examples/` (our own synthetic threads, embedded
//! at build time) loaded into a fresh store, so that the dashboard has something to show.

use std::io::{BufReader, Cursor};

use threadcare_engine::Engine;
use threadcare_ingest::{read_stream_with, Collect, Options};
use threadcare_store::{IngestReport, Store, StoreError};

use crate::embedded::EXAMPLES;

/// What the demo loaded.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub files: usize,
    pub items: usize,
    /// Diagnostics from the readers (the examples are meant to read cleanly, but some show
    /// how a bad record is reported).
    pub diagnostics: usize,
    pub ingest: IngestReport,
}

/// Reads every embedded example file and stores its items.
pub fn load_examples(store: &dyn Store, engine: &Engine) -> Result<DemoReport, StoreError> {
    let mut sink = Collect::default();
    for (name, bytes) in EXAMPLES {
        read_stream_with(
            BufReader::new(Cursor::new(*bytes)),
            &format!("examples/{name}"),
            None,
            &Options::default(),
            &mut sink,
        );
    }
    let ingest = threadcare_store::ingest_items(store, engine, &sink.items, &sink.threads)?;
    Ok(DemoReport {
        files: EXAMPLES.len(),
        items: sink.items.len(),
        diagnostics: sink.diagnostics.len(),
        ingest,
    })
}
