//! What every reader must hold to on any input, checked after each fuzz run.
//!
//! The fuzzer finds panics by itself; these checks turn quieter failures into crashes too: an
//! item a moderator could not place in a thread (no id, no thread, a post with a parent, a
//! comment without one), a diagnostic that does not say which file it is about or why, a reader
//! that goes on after saying the rest of the file is unreadable, or ids that change between two
//! reads of the same bytes (DESIGN §2: ids are stable).

use std::io::BufReader;

use threadcare_ingest::{
    read_stream, reader_for, Collect, Diagnostic, Format, Item, ItemKind, Severity, Sink,
    ThreadMeta,
};

/// The display name every target reads its input under.
pub const FILE: &str = "fuzz";

/// What a reader sent, in the order it sent it.
#[derive(Debug, Default, PartialEq)]
pub struct Events {
    pub items: Vec<Item>,
    pub threads: Vec<ThreadMeta>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when something other than thread facts came after a fatal diagnostic.
    pub after_fatal: Option<String>,
    fatal_seen: bool,
}

impl Sink for Events {
    fn item(&mut self, item: Item) {
        if self.fatal_seen && self.after_fatal.is_none() {
            self.after_fatal = Some(format!("item {} after a fatal diagnostic", item.id));
        }
        self.items.push(item);
    }
    fn thread(&mut self, meta: ThreadMeta) {
        self.threads.push(meta);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        if self.fatal_seen && self.after_fatal.is_none() {
            self.after_fatal = Some(format!("diagnostic after a fatal one: {diagnostic}"));
        }
        if diagnostic.severity == Severity::Fatal {
            self.fatal_seen = true;
        }
        self.diagnostics.push(diagnostic);
    }
}

/// Reads `data` as `format` twice (as `--from <format>` would, without the sniffing guard):
/// once into a sink that also checks the order of events, once through `Collect::read`; checks
/// the first and that the second gives the same.
pub fn read_as(format: Format, data: &[u8]) {
    let mut first = Events::default();
    reader_for(format).read(&mut &data[..], FILE, &mut first);
    check(&first, Some(format));
    let second = Collect::read(format, FILE, data);
    assert_eq!(first.items, second.items, "a second read gives other items");
    assert_eq!(
        first.diagnostics, second.diagnostics,
        "a second read gives other diagnostics"
    );
    assert_eq!(
        first.threads, second.threads,
        "a second read gives other thread facts"
    );
}

/// Reads `data` as `--from auto` does (sniffing the head) and checks the result.
pub fn sniff_and_read(data: &[u8]) {
    let mut out = Events::default();
    let format = read_stream(BufReader::new(data), FILE, None, &mut out);
    if format.is_none() {
        assert!(out.items.is_empty(), "items without a format");
        assert!(
            out.diagnostics
                .iter()
                .any(|d| d.severity == Severity::Fatal),
            "an input no reader took must say why"
        );
    }
    check(&out, format);
}

/// The invariants of one read.
pub fn check(got: &Events, format: Option<Format>) {
    for item in &got.items {
        assert!(!item.id.is_empty(), "an item without id: {item:?}");
        assert!(
            !item.thread_id.is_empty(),
            "an item without thread: {item:?}"
        );
        match item.kind {
            ItemKind::Post => assert!(item.parent_id.is_none(), "a post with a parent: {item:?}"),
            ItemKind::Comment => assert!(
                item.parent_id.as_deref().is_some_and(|p| !p.is_empty()),
                "a comment without a parent: {item:?}"
            ),
        }
        assert_eq!(
            item.source.file, FILE,
            "the item's source names another file"
        );
        if let Some(format) = format {
            assert_eq!(
                item.source.format, format,
                "the item's source names another format"
            );
        }
    }
    for d in &got.diagnostics {
        assert_eq!(d.file, FILE, "a diagnostic that names another file: {d:?}");
        assert!(
            !d.reason.trim().is_empty(),
            "a diagnostic without a reason: {d:?}"
        );
    }
    for meta in &got.threads {
        assert!(
            !meta.thread_id.is_empty(),
            "thread facts without a thread: {meta:?}"
        );
        assert_eq!(
            meta.source.file, FILE,
            "thread facts that name another file"
        );
    }
    if let Some(what) = &got.after_fatal {
        panic!("the reader went on after a fatal diagnostic: {what}");
    }
}
