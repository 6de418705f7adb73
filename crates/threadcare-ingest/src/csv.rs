//! CSV with a header row naming the item fields of `DESIGN.md` §2: `id`, `thread_id`,
//! `parent_id`, `kind`, `author`, `created_at`, `title`, `text` (or `body`).
//!
//! Columns may come in any order; names are matched case-insensitively (surrounding spaces and a
//! byte-order mark ignored); other columns are ignored. A `text` column is required: without one
//! the file is refused with one fatal diagnostic naming the columns found. CSV cannot tell an
//! empty field from a missing one, so an empty optional field is `None`; an empty `text` is the
//! empty text of a removed item. Defaults and rejections are those of the JSON Lines reader
//! ([`crate::jsonl`]): kind from `parent_id`, thread from the post's id, a content id where `id`
//! is empty.
//!
//! Rows are streamed with the `csv` crate. A row with a different number of fields than the
//! header, or with invalid UTF-8 in a column that is read, is rejected. The `csv` crate accepts a
//! quote that is never closed by running the field to the end of the file; this reader follows the
//! quoting itself, and reports that last record as an unclosed quote instead of reading the rest
//! of the file as one text. A record longer than 64 MiB (almost always an unclosed quote in a
//! large file) ends the file with a fatal diagnostic rather than being held in memory.
//!
//! Positions are `record n, line l`: n counts the data rows (the header is record 0), l is the
//! line on which the record starts.

use std::io::{self, BufRead, Read};

use ::csv::{ByteRecord, ErrorKind, ReaderBuilder};

use crate::jsonl::{Created, Fields};
use crate::{util, Format, Position, Reader, Severity, Sink};

/// The longest record held in memory.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub struct CsvReader;

impl Reader for CsvReader {
    fn format(&self) -> Format {
        Format::Csv
    }

    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        read_with_limit(input, file, out, MAX_RECORD_BYTES);
    }
}

/// The columns of the header that this reader uses.
#[derive(Debug, Default)]
struct Columns {
    id: Option<usize>,
    thread_id: Option<usize>,
    parent_id: Option<usize>,
    kind: Option<usize>,
    author: Option<usize>,
    created_at: Option<usize>,
    title: Option<usize>,
    text: usize,
}

fn read_with_limit(input: &mut dyn BufRead, file: &str, out: &mut dyn Sink, max: u64) {
    // A byte-order mark would become part of the first column's name.
    if let Ok(head) = input.fill_buf() {
        if head.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
        }
    }
    let tracker = QuoteTracker::new(input, max);
    let mut rdr = ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(tracker);

    let header = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(err) => {
            let line = rdr.get_ref().record_line;
            let reason = fatal_reason(rdr.get_ref(), &err);
            out.diagnostic(util::diag(
                file,
                Position::line(line),
                Severity::Fatal,
                reason,
            ));
            return;
        }
    };
    let header_line = header.position().map_or(1, |p| p.line());
    let columns = match columns(&header) {
        Ok((columns, warnings)) => {
            for w in warnings {
                out.diagnostic(util::diag(
                    file,
                    Position::line(header_line),
                    Severity::Degraded,
                    w,
                ));
            }
            columns
        }
        Err(reason) => {
            let reason = if rdr.get_ref().state == Quote::InQuoted && header.len() <= 1 {
                format!("{reason} (the header opens a quote that is never closed)")
            } else {
                reason
            };
            out.diagnostic(util::diag(
                file,
                Position::line(header_line),
                Severity::Fatal,
                reason,
            ));
            return;
        }
    };

    // Each record is held back until the next one is read: only at the end of the input is it
    // known whether the last one ran into an unclosed quote.
    let mut pending: Option<Result<ByteRecord, ::csv::Error>> = None;
    let mut fatal: Option<::csv::Error> = None;
    {
        let mut records = rdr.byte_records();
        loop {
            let next = records.next();
            if let Some(prev) = pending.take() {
                handle(prev, &columns, file, out);
            }
            match next {
                None => break,
                Some(Err(err)) if matches!(err.kind(), ErrorKind::Io(_)) => {
                    fatal = Some(err);
                    break;
                }
                Some(result) => pending = Some(result),
            }
        }
    }
    if let Some(err) = fatal {
        let line = rdr.get_ref().record_line;
        let reason = fatal_reason(rdr.get_ref(), &err);
        out.diagnostic(util::diag(
            file,
            Position::line(line),
            Severity::Fatal,
            reason,
        ));
        return;
    }
    if let Some(last) = pending {
        if rdr.get_ref().state == Quote::InQuoted {
            let position = match &last {
                Ok(rec) => rec.position(),
                Err(err) => err.position(),
            };
            let position = position.map_or_else(
                || Position::line(rdr.get_ref().record_line),
                |p| Position::record(p.record()).with_line(p.line()),
            );
            out.diagnostic(util::diag(
                file,
                position,
                Severity::Rejected,
                "unclosed quote: the record starting here runs to the end of the file",
            ));
        } else {
            handle(last, &columns, file, out);
        }
    }
}

/// The reason for a fatal read error: the tracker's, when it stopped an over-long record.
fn fatal_reason(tracker: &QuoteTracker<'_>, err: &::csv::Error) -> String {
    if tracker.overflow {
        format!(
            "a record longer than {} MiB starts on this line (an unclosed quote?): the rest of \
             the file was not read",
            tracker.max / (1024 * 1024)
        )
    } else {
        format!("cannot read: {err}; the rest of the file was not read")
    }
}

/// Finds the columns in the header. `Err` when there is no `text` column.
fn columns(header: &ByteRecord) -> Result<(Columns, Vec<String>), String> {
    let names: Vec<String> = header
        .iter()
        .map(|raw| {
            String::from_utf8_lossy(raw)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    let mut warnings = Vec::new();
    let find = |name: &str, warnings: &mut Vec<String>| {
        let mut found = names.iter().enumerate().filter(|(_, n)| *n == name);
        let first = found.next().map(|(i, _)| i);
        if first.is_some() && found.next().is_some() {
            warnings.push(format!(
                "column `{name}` appears more than once: the first one is read"
            ));
        }
        first
    };
    let text = match find("text", &mut warnings).or_else(|| find("body", &mut warnings)) {
        Some(i) => i,
        None => {
            let found = if names.iter().all(|n| n.is_empty()) {
                "nothing".to_string()
            } else {
                names
                    .iter()
                    .map(|n| crate::reddit::clip(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(format!("no `text` column in header: found {found}"));
        }
    };
    let columns = Columns {
        id: find("id", &mut warnings),
        thread_id: find("thread_id", &mut warnings),
        parent_id: find("parent_id", &mut warnings),
        kind: find("kind", &mut warnings),
        author: find("author", &mut warnings),
        created_at: find("created_at", &mut warnings),
        title: find("title", &mut warnings),
        text,
    };
    Ok((columns, warnings))
}

fn handle(
    result: Result<ByteRecord, ::csv::Error>,
    columns: &Columns,
    file: &str,
    out: &mut dyn Sink,
) {
    let record = match result {
        Ok(record) => record,
        Err(err) => {
            let (position, reason) = match err.kind() {
                ErrorKind::UnequalLengths {
                    pos,
                    expected_len,
                    len,
                } => (
                    pos.as_ref(),
                    format!(
                        "{len} field{} where the header has {expected_len}",
                        if *len == 1 { "" } else { "s" }
                    ),
                ),
                _ => (err.position(), format!("{err}")),
            };
            let position = position.map_or_else(Position::default, |p| {
                Position::record(p.record()).with_line(p.line())
            });
            out.diagnostic(util::diag(file, position, Severity::Rejected, reason));
            return;
        }
    };
    let position = record.position().map_or_else(Position::default, |p| {
        Position::record(p.record()).with_line(p.line())
    });
    match fields(&record, columns)
        .and_then(|fields| fields.build(util::source(Format::Csv, file, position.clone())))
    {
        Ok((item, warnings)) => {
            for warning in warnings {
                out.diagnostic(util::diag(
                    file,
                    position.clone(),
                    Severity::Degraded,
                    warning,
                ));
            }
            out.item(item);
        }
        Err(reason) => out.diagnostic(util::diag(file, position, Severity::Rejected, reason)),
    }
}

fn fields(record: &ByteRecord, columns: &Columns) -> Result<Fields, String> {
    let get = |column: Option<usize>, name: &str| -> Result<Option<String>, String> {
        let Some(raw) = column.and_then(|i| record.get(i)) else {
            return Ok(None);
        };
        match std::str::from_utf8(raw) {
            Ok("") => Ok(None),
            Ok(s) => Ok(Some(s.to_string())),
            Err(e) => Err(format!(
                "invalid UTF-8 in column `{name}` (at byte {} of the field)",
                e.valid_up_to()
            )),
        }
    };
    Ok(Fields {
        id: get(columns.id, "id")?,
        thread_id: get(columns.thread_id, "thread_id")?,
        parent_id: get(columns.parent_id, "parent_id")?,
        kind: get(columns.kind, "kind")?,
        author: get(columns.author, "author")?,
        created_at: get(columns.created_at, "created_at")?.map(Created::Text),
        title: get(columns.title, "title")?,
        text: get(Some(columns.text), "text")?.unwrap_or_default(),
    })
}

/// Where the quoting of the bytes read so far stands, following `csv_core` with the default
/// settings (`"` quotes, doubled `""` escapes, `,` between fields, `\r` or `\n` ends a record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// Between records (empty lines are skipped here).
    StartRecord,
    StartField,
    /// In a field that did not start with a quote: quotes in it are plain characters.
    Unquoted,
    InQuoted,
    /// A quote inside a quoted field: the end of the quoting, or the first of `""`.
    QuoteInQuoted,
}

/// Passes the bytes through to the `csv` reader, following the quoting: at the end of the input
/// it knows whether a quote was left open, and it stops a record that grows past the limit.
struct QuoteTracker<'a> {
    inner: &'a mut dyn BufRead,
    state: Quote,
    /// The line the current (or last) record started on.
    record_line: u64,
    /// The line the next byte is on.
    line: u64,
    /// Bytes of the current record so far.
    record_bytes: u64,
    max: u64,
    /// Set when a record passed `max`.
    overflow: bool,
}

impl<'a> QuoteTracker<'a> {
    fn new(inner: &'a mut dyn BufRead, max: u64) -> Self {
        QuoteTracker {
            inner,
            state: Quote::StartRecord,
            record_line: 1,
            line: 1,
            record_bytes: 0,
            max,
            overflow: false,
        }
    }

    fn step(&mut self, b: u8) {
        let term = b == b'\n' || b == b'\r';
        if self.state == Quote::StartRecord {
            if term {
                if b == b'\n' {
                    self.line += 1;
                }
                return;
            }
            self.record_line = self.line;
            self.record_bytes = 0;
            self.state = Quote::StartField;
        }
        self.record_bytes += 1;
        self.state = match (self.state, b) {
            (Quote::StartField, b'"') => Quote::InQuoted,
            (Quote::StartField | Quote::Unquoted | Quote::QuoteInQuoted, b',') => Quote::StartField,
            (Quote::StartField | Quote::Unquoted | Quote::QuoteInQuoted, _) if term => {
                Quote::StartRecord
            }
            (Quote::StartField | Quote::Unquoted, _) => Quote::Unquoted,
            (Quote::InQuoted, b'"') => Quote::QuoteInQuoted,
            (Quote::InQuoted, _) => Quote::InQuoted,
            (Quote::QuoteInQuoted, b'"') => Quote::InQuoted,
            (Quote::QuoteInQuoted, _) => Quote::Unquoted,
            (Quote::StartRecord, _) => Quote::StartField,
        };
        if b == b'\n' {
            self.line += 1;
        }
    }
}

impl Read for QuoteTracker<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.overflow {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "record too long",
            ));
        }
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            self.step(b);
        }
        // These bytes still go to the parser (they may end records before the long one); the
        // next read fails.
        if self.record_bytes > self.max && self.state != Quote::StartRecord {
            self.overflow = true;
        }
        Ok(n)
    }
}
