//! Readers: one file per input format, all behind the one small [`Reader`] trait.
//!
//! A reader turns the bytes of one file into [`Item`]s (and, where the format knows it,
//! [`ThreadMeta`]) and hands them to a [`Sink`] *as it finds them*, so that a multi-gigabyte
//! NDJSON, CSV or WXR file is read in bounded memory. A reader never panics and never stops at
//! the first bad record: each problem becomes a [`Diagnostic`] that names the file, the position
//! and the reason, and the good records around it still go through. Only when the rest of a file
//! cannot be read (truncated XML, binary junk) does it give up, with a `Fatal` diagnostic, after
//! emitting everything it had read up to that point.
//!
//! Readers know nothing about risk. The engine attaches an assessment beside each item later.
//!
//! `--from auto` is [`sniff()`]: it looks at the content (the first 64 KiB), not only the name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub use threadcare_core::{
    Diagnostic, Format, Item, ItemKind, Position, Severity, Source, ThreadMeta,
};

pub mod blog;
pub mod csv;
pub mod feed;
pub mod html;
pub mod jsonl;
pub mod pushshift;
mod record;
pub mod reddit;
mod sniff;
pub mod wxr;

pub use sniff::{family, sniff};

/// How many bytes [`sniff()`] looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Where a reader sends what it finds.
pub trait Sink {
    fn item(&mut self, item: Item);
    /// Thread-level facts only some formats know (the blog page's declared comment count).
    fn thread(&mut self, _meta: ThreadMeta) {}
    fn diagnostic(&mut self, diagnostic: Diagnostic);
}

/// One input format.
pub trait Reader {
    fn format(&self) -> Format;

    /// Reads one file (`file` is its display name, `-` for standard input). Everything found goes
    /// to `out` in reading order; problems go to `out` as diagnostics. Returns when the file is
    /// done or cannot be read further.
    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink);
}

/// What to read beyond what a visitor of the source could see. By default threadcare reads
/// published posts and approved comments only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Drafts, pending, scheduled and private posts (WordPress exports).
    pub include_drafts: bool,
    /// Pages as well as posts (WordPress exports).
    pub include_pages: bool,
    /// Comments held for moderation (WordPress exports). Spam and trash are never read.
    pub include_unapproved: bool,
}

/// The reader for a format, with default options.
pub fn reader_for(format: Format) -> Box<dyn Reader> {
    reader_with(format, &Options::default())
}

/// The reader for a format, with options.
pub fn reader_with(format: Format, options: &Options) -> Box<dyn Reader> {
    match format {
        Format::BlogText => Box::new(blog::BlogTextReader),
        Format::Wxr => Box::new(wxr::WxrReader {
            include_drafts: options.include_drafts,
            include_pages: options.include_pages,
            include_unapproved: options.include_unapproved,
        }),
        Format::Rss => Box::new(feed::FeedReader::rss()),
        Format::Atom => Box::new(feed::FeedReader::atom()),
        Format::Reddit => Box::new(reddit::RedditReader),
        Format::Pushshift => Box::new(pushshift::PushshiftReader),
        Format::Jsonl => Box::new(jsonl::JsonlReader),
        Format::Csv => Box::new(csv::CsvReader),
    }
}

/// A sink that keeps everything; for tests and for small inputs.
#[derive(Debug, Default)]
pub struct Collect {
    pub items: Vec<Item>,
    pub threads: Vec<ThreadMeta>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink for Collect {
    fn item(&mut self, item: Item) {
        self.items.push(item);
    }
    fn thread(&mut self, meta: ThreadMeta) {
        self.threads.push(meta);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

impl Collect {
    /// Reads `bytes` as `format`, under the display name `file`.
    pub fn read(format: Format, file: &str, bytes: &[u8]) -> Collect {
        let mut out = Collect::default();
        reader_for(format).read(&mut &bytes[..], file, &mut out);
        out
    }
}

/// Lists the files under `paths`: files as given, directories walked recursively in name order
/// (hidden files and directories, READMEs and licences skipped), `-` kept as standard input. A path that does not exist
/// or cannot be listed becomes a fatal diagnostic.
pub fn expand_paths(paths: &[PathBuf], out: &mut dyn Sink) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(path.clone());
            continue;
        }
        if path.is_dir() {
            let walker = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !skipped_in_walk(&e.file_name().to_string_lossy())
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                    Ok(_) => {}
                    Err(err) => out.diagnostic(Diagnostic::new(
                        err.path()
                            .map(|p| p.display().to_string())
                            .unwrap_or_else(|| path.display().to_string()),
                        Position::default(),
                        Severity::Fatal,
                        format!("cannot list directory: {err}"),
                    )),
                }
            }
        } else if path.exists() {
            files.push(path.clone());
        } else {
            out.diagnostic(Diagnostic::new(
                path.display().to_string(),
                Position::default(),
                Severity::Fatal,
                "no such file or directory",
            ));
        }
    }
    files
}

/// Files a directory walk leaves out: hidden ones, and the README and LICENSE files that sit
/// beside data (a data directory's README describes the data; it is not a post). Named
/// explicitly on the command line, such a file is still read.
fn skipped_in_walk(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    name.starts_with('.')
        || upper.starts_with("README")
        || upper.starts_with("LICENSE")
        || upper.starts_with("COPYING")
}

/// Reads one file (or `-`) with the given format, or sniffs it when `from` is `None`. When a
/// format is forced but the content clearly belongs to another family (JSON given to the XML
/// reader, say), the file is refused with a fatal diagnostic instead of being misread.
/// Returns the format used, if any.
pub fn read_file(path: &Path, from: Option<Format>, out: &mut dyn Sink) -> Option<Format> {
    read_file_with(path, from, &Options::default(), out)
}

/// [`read_file`] with [`Options`].
pub fn read_file_with(
    path: &Path,
    from: Option<Format>,
    options: &Options,
    out: &mut dyn Sink,
) -> Option<Format> {
    let name = path.display().to_string();
    if path.as_os_str() == "-" {
        let stdin = io::stdin();
        let lock = stdin.lock();
        return read_stream_with(
            BufReader::with_capacity(SNIFF_BYTES, lock),
            &name,
            from,
            options,
            out,
        );
    }
    match File::open(path) {
        Ok(file) => read_stream_with(
            BufReader::with_capacity(SNIFF_BYTES, file),
            &name,
            from,
            options,
            out,
        ),
        Err(err) => {
            out.diagnostic(Diagnostic::new(
                name,
                Position::default(),
                Severity::Fatal,
                format!("cannot open: {err}"),
            ));
            None
        }
    }
}

/// Like [`read_file`], over any buffered stream.
pub fn read_stream<R: Read>(
    input: BufReader<R>,
    name: &str,
    from: Option<Format>,
    out: &mut dyn Sink,
) -> Option<Format> {
    read_stream_with(input, name, from, &Options::default(), out)
}

/// [`read_stream`] with [`Options`].
pub fn read_stream_with<R: Read>(
    mut input: BufReader<R>,
    name: &str,
    from: Option<Format>,
    options: &Options,
    out: &mut dyn Sink,
) -> Option<Format> {
    let head = match fill_head(&mut input) {
        Ok(head) => head,
        Err(err) => {
            out.diagnostic(Diagnostic::new(
                name,
                Position::default(),
                Severity::Fatal,
                format!("cannot read: {err}"),
            ));
            return None;
        }
    };
    let sniffed = sniff(&head, name);
    let format = match (from, sniffed) {
        (_, Err(reason)) => {
            out.diagnostic(Diagnostic::new(
                name,
                Position::byte(0),
                Severity::Fatal,
                reason,
            ));
            return None;
        }
        (None, Ok(found)) => found,
        (Some(asked), Ok(found)) => {
            if family(asked) != family(found) && found != Format::BlogText {
                out.diagnostic(Diagnostic::new(
                    name,
                    Position::byte(0),
                    Severity::Fatal,
                    format!("read as --from {asked}, but the content looks like {found}: not read (use --from auto or --from {found})"),
                ));
                return None;
            }
            asked
        }
    };
    let mut chained = BufReader::with_capacity(SNIFF_BYTES, io::Cursor::new(head).chain(input));
    reader_with(format, options).read(&mut chained, name, out);
    Some(format)
}

/// Reads up to [`SNIFF_BYTES`] from the start of the stream, consuming them.
fn fill_head<R: Read>(input: &mut BufReader<R>) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    input
        .by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Helpers shared by readers.
pub(crate) mod util {
    use super::*;

    pub fn source(format: Format, file: &str, position: Position) -> Source {
        Source {
            format,
            file: file.to_string(),
            position,
        }
    }

    pub fn diag(
        file: &str,
        position: Position,
        severity: Severity,
        reason: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(file, position, severity, reason)
    }
}
