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

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use ::csv::{ByteRecord, ErrorKind, ReaderBuilder};

use crate::pushshift::limit_text;
use crate::record::{self, clip, Created, Fields};
use crate::{util, Diagnostic, Format, Position, Reader, Severity, Sink};

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
            out.diagnostic(fatal_diagnostic(rdr.get_ref(), &err, file));
            return;
        }
    };
    let header_line = locate(rdr.get_mut(), header.position()).line.unwrap_or(1);
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
            let reason = if rdr.get_ref().state == QuoteState::InQuoted && header.len() <= 1 {
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
    let mut pending: Option<(Result<ByteRecord, ::csv::Error>, Position)> = None;
    let mut fatal: Option<::csv::Error> = None;
    let mut record = ByteRecord::new();
    loop {
        let current = match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let position = locate(rdr.get_mut(), record.position());
                (Ok(std::mem::take(&mut record)), position)
            }
            Err(err) if matches!(err.kind(), ErrorKind::Io(_)) => {
                fatal = Some(err);
                break;
            }
            Err(err) => {
                let position = locate(rdr.get_mut(), err.position());
                (Err(err), position)
            }
        };
        if let Some((prev, position)) = pending.replace(current) {
            handle(prev, position, &columns, file, out);
        }
    }
    if let Some(err) = fatal {
        // The record before the failure was complete.
        if let Some((prev, position)) = pending {
            handle(prev, position, &columns, file, out);
        }
        out.diagnostic(fatal_diagnostic(rdr.get_ref(), &err, file));
        return;
    }
    if let Some((last, position)) = pending {
        if rdr.get_ref().state == QuoteState::InQuoted {
            out.diagnostic(util::diag(
                file,
                position,
                Severity::Rejected,
                "unclosed quote: the record starting here runs to the end of the file",
            ));
        } else {
            handle(last, position, &columns, file, out);
        }
    }
}

/// A record's position: its number from the `csv` crate, and the line it starts on from the
/// tracker (the `csv` crate's line is where it began looking, which can be a line early after a
/// `\r\n` or blank lines).
fn locate(tracker: &mut QuoteTracker<'_>, csv_position: Option<&::csv::Position>) -> Position {
    match csv_position {
        Some(p) => {
            let line = tracker.start_line(p.byte()).unwrap_or(p.line());
            Position::record(p.record()).with_line(line)
        }
        None => Position::default(),
    }
}

/// The fatal diagnostic for a read error, on the line where the record being read starts: the
/// tracker's reason when it stopped an over-long record, else the error's.
fn fatal_diagnostic(tracker: &QuoteTracker<'_>, err: &::csv::Error, file: &str) -> Diagnostic {
    let reason = if tracker.overflow {
        format!(
            "a record longer than {} starts on this line (an unclosed quote?): the rest of the \
             file was not read",
            limit_text(tracker.max)
        )
    } else {
        format!("cannot read: {err}; the rest of the file was not read")
    };
    util::diag(
        file,
        Position::line(tracker.record_line),
        Severity::Fatal,
        reason,
    )
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
                names.iter().map(|n| clip(n)).collect::<Vec<_>>().join(", ")
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
    position: Position,
    columns: &Columns,
    file: &str,
    out: &mut dyn Sink,
) {
    let row = match result {
        Ok(row) => row,
        Err(err) => {
            let reason = match err.kind() {
                ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!(
                    "{len} field{} where the header has {expected_len}",
                    if *len == 1 { "" } else { "s" }
                ),
                _ => format!("{err}"),
            };
            out.diagnostic(util::diag(file, position, Severity::Rejected, reason));
            return;
        }
    };
    let built = fields(&row, columns)
        .and_then(|fields| fields.into_item(util::source(Format::Csv, file, position.clone())));
    record::emit(out, file, position, built);
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
enum QuoteState {
    /// Between records (empty lines are skipped here).
    StartRecord,
    StartField,
    /// In a field that did not start with a quote: quotes in it are plain characters.
    Unquoted,
    InQuoted,
    /// A quote inside a quoted field: the end of the quoting, or the first of `""`.
    AfterQuote,
}

/// Passes the bytes through to the `csv` reader, following the quoting: at the end of the input
/// it knows whether a quote was left open, and it stops a record that grows past the limit.
struct QuoteTracker<'a> {
    inner: &'a mut dyn BufRead,
    state: QuoteState,
    /// The line the current (or last) record started on.
    record_line: u64,
    /// The line the next byte is on.
    line: u64,
    /// Bytes of the current record so far.
    record_bytes: u64,
    max: u64,
    /// Set when a record passed `max`.
    overflow: bool,
    /// Bytes read so far.
    byte: u64,
    /// Where the records read ahead of the `csv` parser start: (byte offset, line).
    starts: VecDeque<(u64, u64)>,
}

impl<'a> QuoteTracker<'a> {
    fn new(inner: &'a mut dyn BufRead, max: u64) -> Self {
        QuoteTracker {
            inner,
            state: QuoteState::StartRecord,
            record_line: 1,
            line: 1,
            record_bytes: 0,
            max,
            overflow: false,
            byte: 0,
            starts: VecDeque::new(),
        }
    }

    /// The line of the first record that starts at or after `byte` (where the `csv` parser
    /// began reading it), forgetting the records before it.
    fn start_line(&mut self, byte: u64) -> Option<u64> {
        while self.starts.front().is_some_and(|&(b, _)| b < byte) {
            self.starts.pop_front();
        }
        self.starts.pop_front().map(|(_, line)| line)
    }

    fn step(&mut self, b: u8) {
        let term = b == b'\n' || b == b'\r';
        let at = self.byte;
        self.byte += 1;
        if self.state == QuoteState::StartRecord {
            if term {
                if b == b'\n' {
                    self.line += 1;
                }
                return;
            }
            self.record_line = self.line;
            self.record_bytes = 0;
            self.starts.push_back((at, self.line));
            self.state = QuoteState::StartField;
        }
        self.record_bytes += 1;
        self.state = match (self.state, b) {
            (QuoteState::StartField, b'"') => QuoteState::InQuoted,
            (QuoteState::StartField | QuoteState::Unquoted | QuoteState::AfterQuote, b',') => {
                QuoteState::StartField
            }
            (QuoteState::StartField | QuoteState::Unquoted | QuoteState::AfterQuote, _) if term => {
                QuoteState::StartRecord
            }
            (QuoteState::StartField | QuoteState::Unquoted, _) => QuoteState::Unquoted,
            (QuoteState::InQuoted, b'"') => QuoteState::AfterQuote,
            (QuoteState::InQuoted, _) => QuoteState::InQuoted,
            (QuoteState::AfterQuote, b'"') => QuoteState::InQuoted,
            (QuoteState::AfterQuote, _) => QuoteState::Unquoted,
            (QuoteState::StartRecord, _) => QuoteState::StartField,
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
        if self.record_bytes > self.max && self.state != QuoteState::StartRecord {
            self.overflow = true;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collect, Diagnostic, Item, ItemKind};
    use chrono::DateTime;
    use proptest::prelude::*;
    use threadcare_core::content_id;

    const ITEMS: &str = include_str!("../tests/data/csv/items.csv");

    fn read(bytes: &[u8]) -> Collect {
        Collect::read(Format::Csv, "items.csv", bytes)
    }

    fn read_max(bytes: &[u8], max: u64) -> Collect {
        let mut out = Collect::default();
        read_with_limit(&mut &bytes[..], "items.csv", &mut out, max);
        out
    }

    fn at(record: u64, line: u64) -> Position {
        Position::record(record).with_line(line)
    }

    fn diag(position: Position, severity: Severity, reason: &str) -> Diagnostic {
        util::diag("items.csv", position, severity, reason)
    }

    /// (id, line) of each item read.
    fn ids(got: &Collect) -> Vec<(String, Option<u64>)> {
        got.items
            .iter()
            .map(|i| (i.id.clone(), i.source.position.line))
            .collect()
    }

    fn owned(v: &[(&str, u64)]) -> Vec<(String, Option<u64>)> {
        v.iter().map(|(i, l)| (i.to_string(), Some(*l))).collect()
    }

    #[test]
    fn reordered_columns_extra_columns_and_quoted_multiline_text() {
        let got = read(ITEMS.as_bytes());
        assert_eq!(
            got.items,
            vec![
                Item {
                    id: "p7".into(),
                    thread_id: "p7".into(),
                    parent_id: None,
                    kind: ItemKind::Post,
                    author: Some("river_stone".into()),
                    created_at: Some(
                        DateTime::parse_from_rfc3339("2024-05-01T21:14:00+02:00").unwrap()
                    ),
                    title: Some("Three weeks".into()),
                    text: "Three weeks without hurting myself.\nSome nights are still \"loud\", \
                           but I text my friend, and it passes."
                        .into(),
                    source: util::source(Format::Csv, "items.csv", at(1, 2)),
                },
                Item {
                    id: "c71".into(),
                    thread_id: "p7".into(),
                    parent_id: Some("p7".into()),
                    kind: ItemKind::Comment,
                    author: Some("harbour_light".into()),
                    created_at: Some(DateTime::parse_from_rfc3339("2024-05-01T21:14:00Z").unwrap()),
                    title: None,
                    text: "That is real progress. Proud of you.".into(),
                    source: util::source(Format::Csv, "items.csv", at(2, 4)),
                },
                Item {
                    id: "c72".into(),
                    thread_id: "p7".into(),
                    parent_id: Some("c71".into()),
                    kind: ItemKind::Comment,
                    author: None,
                    created_at: None,
                    title: None,
                    text: "Same here, one day at a time".into(),
                    source: util::source(Format::Csv, "items.csv", at(3, 5)),
                },
            ]
        );
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    }

    #[test]
    fn a_ragged_row_is_rejected_by_record_and_line() {
        let input = "id,thread_id,text\n\
                     a1,t,first\n\
                     a2,t,two,fields too many\n\
                     a3,t\n\
                     a4,t,\"last,\nover two lines\"\n";
        let got = read(input.as_bytes());
        assert_eq!(ids(&got), owned(&[("a1", 2), ("a4", 5)]));
        assert_eq!(got.items[1].text, "last,\nover two lines");
        assert_eq!(
            got.diagnostics,
            vec![
                diag(
                    at(2, 3),
                    Severity::Rejected,
                    "4 fields where the header has 3"
                ),
                diag(
                    at(3, 4),
                    Severity::Rejected,
                    "2 fields where the header has 3"
                ),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_is_named_where_the_record_starts() {
        let input = "id,thread_id,text\n\
                     a1,t,first\n\
                     a2,t,\"this quote never closes,\n\
                     a3,t,which swallows this row\n\
                     a4,t,and this one\n";
        let got = read(input.as_bytes());
        assert_eq!(ids(&got), owned(&[("a1", 2)]));
        assert_eq!(
            got.diagnostics,
            vec![diag(
                at(2, 3),
                Severity::Rejected,
                "unclosed quote: the record starting here runs to the end of the file"
            )]
        );
        // The field count happens to fit: still an unclosed quote, not a text.
        let input = "id,text\nb1,\"ok\"\nb2,\"open\nb3,more";
        let got = read(input.as_bytes());
        assert_eq!(ids(&got), owned(&[("b1", 2)]));
        assert_eq!(
            got.diagnostics,
            vec![diag(
                at(2, 3),
                Severity::Rejected,
                "unclosed quote: the record starting here runs to the end of the file"
            )]
        );
        // The swallowed rest gives the record the wrong number of fields: still named as the
        // unclosed quote it is.
        let input = "id,thread_id,text\nd1,t,fine\nd2,\"open\nd3,t,x\n";
        let got = read(input.as_bytes());
        assert_eq!(ids(&got), owned(&[("d1", 2)]));
        assert_eq!(
            got.diagnostics,
            vec![diag(
                at(2, 3),
                Severity::Rejected,
                "unclosed quote: the record starting here runs to the end of the file"
            )]
        );
        // Quotes inside an unquoted field are plain characters, and a closed quote is fine.
        let input = "id,text\nc1,5\" tall\nc2,\"said \"\"hi\"\"\"\n";
        let got = read(input.as_bytes());
        assert_eq!(ids(&got), owned(&[("c1", 2), ("c2", 3)]));
        assert_eq!(got.items[0].text, "5\" tall");
        assert_eq!(got.items[1].text, "said \"hi\"");
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    }

    #[test]
    fn no_text_column_is_one_fatal_diagnostic() {
        let got = read(b"id,Author,Body2\n1,a,hello\n2,b,again\n");
        assert!(got.items.is_empty());
        assert_eq!(
            got.diagnostics,
            vec![diag(
                Position::line(1),
                Severity::Fatal,
                "no `text` column in header: found id, author, body2"
            )]
        );
        let got = read(b"");
        assert_eq!(
            got.diagnostics,
            vec![diag(
                Position::line(1),
                Severity::Fatal,
                "no `text` column in header: found nothing"
            )]
        );
    }

    #[test]
    fn body_is_accepted_for_text_and_a_bom_is_skipped() {
        let got = read("\u{feff}ID,BODY\r\nx1,hello there\r\n".as_bytes());
        assert_eq!(ids(&got), owned(&[("x1", 2)]));
        assert_eq!(got.items[0].text, "hello there");
        assert!(got.diagnostics.is_empty());
    }

    #[test]
    fn empty_optional_fields_are_none_and_defaults_apply() {
        let input = "id,thread_id,parent_id,kind,author,created_at,title,text\n\
                     ,,,,,,,a post with only text\n\
                     ,t1,t1,,,,,\n\
                     k,,p,comment,,,,no thread\n\
                     k2,t1,,comment,,,,no parent\n\
                     k3,t1,t1,reply,,,,odd kind\n\
                     k4,t1,t1,,,someday,,kept without a date\n";
        let got = read(input.as_bytes());
        let post = content_id(&["", "", "", "a post with only text"]);
        let removed = content_id(&["t1", "t1", "", ""]);
        assert_eq!(ids(&got), owned(&[(&post, 2), (&removed, 3), ("k4", 7)]));
        assert_eq!(got.items[0].thread_id, post);
        assert_eq!(got.items[0].author, None);
        assert_eq!(got.items[0].title, None);
        assert_eq!(got.items[1].text, "");
        assert_eq!(got.items[1].kind, ItemKind::Comment);
        assert_eq!(got.items[2].created_at, None);
        assert_eq!(
            got.diagnostics,
            vec![
                diag(at(3, 4), Severity::Rejected, "comment without thread_id"),
                diag(
                    at(4, 5),
                    Severity::Rejected,
                    "`kind` is \"comment\" but there is no `parent_id`"
                ),
                diag(
                    at(5, 6),
                    Severity::Rejected,
                    "`kind` is \"reply\", neither \"post\" nor \"comment\""
                ),
                diag(
                    at(6, 7),
                    Severity::Degraded,
                    "`created_at` \"someday\" is not a date: dropped"
                ),
            ]
        );
    }

    #[test]
    fn invalid_utf8_rejects_the_row_only() {
        let input = b"id,text,notes\nu1,fine,\xff\nu2,bad \xff\xfe here,x\nu3,fine too,x\n";
        let got = read(input);
        // Invalid bytes in a column that is not read do not matter.
        assert_eq!(ids(&got), owned(&[("u1", 2), ("u3", 4)]));
        assert_eq!(
            got.diagnostics,
            vec![diag(
                at(2, 3),
                Severity::Rejected,
                "invalid UTF-8 in column `text` (at byte 4 of the field)"
            )]
        );
    }

    #[test]
    fn duplicate_columns_use_the_first() {
        let got = read(b"text,id,text\nfirst,d1,second\n");
        assert_eq!(got.items[0].text, "first");
        assert_eq!(
            got.diagnostics,
            vec![diag(
                Position::line(1),
                Severity::Degraded,
                "column `text` appears more than once: the first one is read"
            )]
        );
    }

    #[test]
    fn an_overlong_record_ends_the_file_after_the_good_ones() {
        let input = format!(
            "id,text\nr1,short\nr2,\"{}\nr3,never read\n",
            "z".repeat(5000)
        );
        let got = read_max(input.as_bytes(), 1000);
        assert_eq!(ids(&got), owned(&[("r1", 2)]));
        assert_eq!(
            got.diagnostics,
            vec![diag(
                Position::line(3),
                Severity::Fatal,
                "a record longer than 1000 bytes starts on this line (an unclosed quote?): the \
                 rest of the file was not read"
            )]
        );
    }

    #[test]
    fn an_io_error_is_fatal_after_the_records_before_it() {
        struct Failing<'a>(&'a [u8]);
        impl std::io::Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("disk went away"));
                }
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut input = io::BufReader::with_capacity(4, Failing(b"id,text\nq1,one\nq2,tw"));
        let mut got = Collect::default();
        CsvReader.read(&mut input, "items.csv", &mut got);
        assert_eq!(ids(&got), owned(&[("q1", 2)]));
        assert_eq!(got.diagnostics.len(), 1);
        assert_eq!(got.diagnostics[0].severity, Severity::Fatal);
        assert!(got.diagnostics[0].reason.contains("disk went away"));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read(&bytes);
            let _ = read_max(&bytes, 64);
        }

        #[test]
        fn arbitrary_csvish_text_never_panics(text in "(text|id|kind|parent_id|thread_id|[,\"\r\n a-z])*") {
            let _ = read(text.as_bytes());
            let _ = read_max(text.as_bytes(), 16);
        }

        #[test]
        fn mutated_files_never_panic(
            edits in proptest::collection::vec((0usize..ITEMS.len(), any::<u8>()), 0..6),
        ) {
            let mut bytes = ITEMS.as_bytes().to_vec();
            for (at, byte) in edits {
                bytes[at] = byte;
            }
            let _ = read(&bytes);
        }

        /// Whatever the texts (quotes, commas, line breaks), properly quoted rows are read
        /// back, and a quote left open in a last row is reported at the line where it starts.
        #[test]
        fn quoting_is_followed_exactly(
            texts in proptest::collection::vec("[a\",\r\n ]{0,12}", 0..6),
            open in proptest::option::of("[a,\r\n ]{0,12}"),
        ) {
            let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
            w.write_record(["id", "text"]).unwrap();
            for (i, t) in texts.iter().enumerate() {
                w.write_record([format!("r{i}").as_str(), t.as_str()]).unwrap();
            }
            let mut bytes = w.into_inner().unwrap();
            let lines_before = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            if let Some(rest) = &open {
                bytes.extend_from_slice(b"open,\"");
                bytes.extend_from_slice(rest.as_bytes());
            }
            let got = read(&bytes);
            let read_texts: Vec<&str> = got.items.iter().map(|i| i.text.as_str()).collect();
            let want: Vec<&str> = texts.iter().map(String::as_str).collect();
            prop_assert_eq!(read_texts, want);
            match open {
                None => prop_assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics),
                Some(_) => prop_assert_eq!(
                    got.diagnostics,
                    vec![diag(
                        at(texts.len() as u64 + 1, lines_before + 1),
                        Severity::Rejected,
                        "unclosed quote: the record starting here runs to the end of the file"
                    )]
                ),
            }
        }
    }
}
