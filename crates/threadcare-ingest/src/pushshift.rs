//! Pushshift-style NDJSON: one Reddit submission or comment object per line, in any order, as the
//! Pushshift dumps (and the Reddit API's `data` objects written one per line) hold them.
//!
//! A line is a **submission** when it has `title` or `selftext` (or a `name` starting `t3_`), a
//! **comment** when it has `body` (or a `name` starting `t1_`). Lines wrapped as Reddit things
//! (`{"kind": "t3", "data": {…}}`) are unwrapped. The fields become items exactly as in the
//! Reddit reader ([`crate::reddit`]): a comment's `thread_id` is its `link_id` and its
//! `parent_id` its `parent_id`, both without the `t1_`/`t3_` prefix; `[deleted]`/`[removed]`
//! texts become `""` and such authors `None`; a link post's text is its title.
//!
//! The file is streamed one line at a time through one reused buffer, so files of many gigabytes
//! are read in bounded memory. A line longer than 64 MiB is skipped (and reported) without being
//! held. Positions are line numbers (1-based). Blank lines are skipped silently.

use std::io::{self, BufRead};

use serde_json::Value;

use crate::record::{self, Built};
use crate::reddit;
use crate::{util, Format, Position, Reader, Severity, Sink, Source};

/// The longest line the line-based JSON readers hold in memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub struct PushshiftReader;

impl Reader for PushshiftReader {
    fn format(&self) -> Format {
        Format::Pushshift
    }

    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        read_with_limit(input, file, out, MAX_LINE_BYTES);
    }
}

fn read_with_limit(input: &mut dyn BufRead, file: &str, out: &mut dyn Sink, max: usize) {
    for_each_json_line(input, file, out, max, |line, value, out| {
        let position = Position::line(line);
        let source = util::source(Format::Pushshift, file, position.clone());
        record::emit(out, file, position, item(value, source));
    });
}

/// One line's object to an item, or the reason to reject it.
fn item(value: Value, source: Source) -> Result<Built, String> {
    let Value::Object(obj) = value else {
        return Err(format!(
            "not a JSON object but {}",
            reddit::type_name(&value)
        ));
    };
    // `{"kind": "t3", "data": {…}}`, as the Reddit API wraps things.
    let (data, kind) = match (obj.get("kind").and_then(Value::as_str), obj.get("data")) {
        (Some(k @ ("t1" | "t3")), Some(Value::Object(data))) => (data, Some(k)),
        _ => (&obj, None),
    };
    let has = |key: &str| data.get(key).is_some_and(|v| !v.is_null());
    let name = data.get("name").and_then(Value::as_str).unwrap_or("");
    let is_comment = match kind {
        Some(k) => k == "t1",
        None => has("body") || name.starts_with("t1_"),
    };
    let is_submission = match kind {
        Some(k) => k == "t3",
        None => has("title") || has("selftext") || name.starts_with("t3_"),
    };
    if is_comment {
        reddit::comment(data, None, None, source)
    } else if is_submission {
        reddit::submission(data, source)
    } else {
        Err("neither a submission nor a comment (no `body`, `selftext` or `title`)".into())
    }
}

// ---------------------------------------------------------------------------------------------
// Shared with the JSON Lines reader.

/// What [`read_line_bounded`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// No more input.
    Eof,
    /// A line (without its `\n`) is in the buffer.
    Complete,
    /// The line was longer than the limit; it was read past, not kept, and the buffer is empty.
    TooLong,
}

/// Reads one line into `buf` (cleared first, the `\n` dropped), keeping at most `max` bytes: a
/// longer line is consumed up to its newline without being stored.
pub(crate) fn read_line_bounded(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut seen_any = false;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (seen_any, too_long) {
                (false, _) => Line::Eof,
                (true, true) => Line::TooLong,
                (true, false) => Line::Complete,
            });
        }
        seen_any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if buf.len() + chunk.len() > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(chunk.len());
        input.consume(used);
        if done.is_some() {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}

/// Streams a file of one JSON value per line: blank lines are skipped, a line that is not JSON
/// (or too long) is rejected with its line number, an I/O error ends the file with a fatal
/// diagnostic; every parsed value goes to `each` with its line number.
pub(crate) fn for_each_json_line(
    input: &mut dyn BufRead,
    file: &str,
    out: &mut dyn Sink,
    max: usize,
    mut each: impl FnMut(u64, Value, &mut dyn Sink),
) {
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    loop {
        line += 1;
        let read = match read_line_bounded(input, &mut buf, max) {
            Ok(read) => read,
            Err(err) => {
                out.diagnostic(util::diag(
                    file,
                    Position::line(line),
                    Severity::Fatal,
                    format!("cannot read: {err}; the rest of the file was not read"),
                ));
                return;
            }
        };
        match read {
            Line::Eof => return,
            Line::TooLong => {
                out.diagnostic(util::diag(
                    file,
                    Position::line(line),
                    Severity::Rejected,
                    format!("line too long (over {}): skipped", limit_text(max as u64)),
                ));
                continue;
            }
            Line::Complete => {}
        }
        let mut bytes = &buf[..];
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(value) => each(line, value, out),
            Err(err) => out.diagnostic(util::diag(
                file,
                Position::line(line),
                Severity::Rejected,
                format!(
                    "invalid JSON: {} at column {}",
                    reddit::json_message(&err),
                    err.column()
                ),
            )),
        }
        // Do not keep a huge allocation for the rest of a file of short lines.
        if buf.capacity() > 1024 * 1024 && buf.len() < buf.capacity() / 4 {
            buf.shrink_to(64 * 1024);
        }
    }
}

/// A size limit for messages: `64 MiB`, or `100 bytes` for the small limits of tests.
pub(crate) fn limit_text(max: u64) -> String {
    if max >= 1024 * 1024 {
        format!("{} MiB", max / (1024 * 1024))
    } else {
        format!("{max} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collect, Item, ItemKind};
    use chrono::DateTime;
    use proptest::prelude::*;

    const MIXED: &str = include_str!("../tests/data/json/pushshift_mixed.ndjson");

    fn read(bytes: &[u8]) -> Collect {
        Collect::read(Format::Pushshift, "dump.ndjson", bytes)
    }

    fn read_max(bytes: &[u8], max: usize) -> Collect {
        let mut out = Collect::default();
        read_with_limit(&mut &bytes[..], "dump.ndjson", &mut out, max);
        out
    }

    fn diag(line: u64, severity: Severity, reason: &str) -> crate::Diagnostic {
        util::diag("dump.ndjson", Position::line(line), severity, reason)
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        id: &str,
        thread: &str,
        parent: Option<&str>,
        author: Option<&str>,
        created: Option<&str>,
        title: Option<&str>,
        text: &str,
        line: u64,
    ) -> Item {
        Item {
            id: id.into(),
            thread_id: thread.into(),
            parent_id: parent.map(Into::into),
            kind: if parent.is_some() {
                ItemKind::Comment
            } else {
                ItemKind::Post
            },
            author: author.map(Into::into),
            created_at: created.map(|c| DateTime::parse_from_rfc3339(c).unwrap()),
            title: title.map(Into::into),
            text: text.into(),
            source: util::source(Format::Pushshift, "dump.ndjson", Position::line(line)),
        }
    }

    #[test]
    fn mixed_order_with_a_broken_line_in_the_middle() {
        let got = read(MIXED.as_bytes());
        assert_eq!(
            got.items,
            vec![
                item(
                    "ps_c2",
                    "ps1",
                    Some("ps_c1"),
                    Some("quietfern"),
                    Some("2024-05-03T01:36:40Z"),
                    None,
                    "It did help & I slept a little.",
                    1,
                ),
                item(
                    "ps_c1",
                    "ps1",
                    Some("ps1"),
                    Some("tidewalker"),
                    Some("2024-05-03T01:35:00Z"),
                    None,
                    "Did the breathing exercise help at all?",
                    2,
                ),
                item(
                    "ps1",
                    "ps1",
                    None,
                    Some("quietfern"),
                    Some("2024-05-03T01:33:20Z"),
                    Some("Night shift thoughts"),
                    "Another night awake. Writing it down so it is not only in my head.",
                    5,
                ),
                // Removed: keeps its id and parent, so the reply under it attaches to it.
                item(
                    "ps_c4",
                    "ps1",
                    Some("ps1"),
                    None,
                    Some("2024-05-03T01:38:20Z"),
                    None,
                    "",
                    7,
                ),
                item(
                    "ps_c5",
                    "ps1",
                    Some("ps_c4"),
                    Some("moss_and_stone"),
                    None,
                    None,
                    "Replying under the removed one: you are welcome here.",
                    9,
                ),
            ]
        );
        assert_eq!(
            got.diagnostics,
            vec![
                diag(
                    4,
                    Severity::Rejected,
                    "invalid JSON: EOF while parsing a value at column 91"
                ),
                diag(
                    6,
                    Severity::Rejected,
                    "neither a submission nor a comment (no `body`, `selftext` or `title`)"
                ),
                diag(8, Severity::Rejected, "not a JSON object but an array"),
                diag(
                    9,
                    Severity::Degraded,
                    "`created_utc` \"last tuesday\" is not a date: dropped"
                ),
            ]
        );
    }

    #[test]
    fn link_posts_missing_ids_and_wrong_types() {
        let input = concat!(
            r#"{"id":"s1","title":"A playlist for rough evenings","selftext":"","author":"ember_path"}"#,
            "\r\n",
            r#"{"id":"k1","body":"no thread","parent_id":"t3_s1"}"#,
            "\r\n",
            r#"{"id":"k2","body":"no parent","link_id":"t3_s1"}"#,
            "\r\n",
            r#"{"id":"k3","body":["not","text"],"link_id":"t3_s1","parent_id":"t3_s1"}"#,
            "\r\n",
            r#"{"name":"t1_k4","body":"named only","link_id":"t3_s1","parent_id":"t1_k2","author":7}"#,
            "\r\n",
            r#"{"body":"no id at all","link_id":"t3_s1","parent_id":"t1_k2"}"#,
            "\r\n",
        );
        let got = read(input.as_bytes());
        let ids: Vec<_> = got
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.parent_id.as_deref(), i.text.as_str()))
            .collect();
        let generated = threadcare_core::content_id(&["s1", "k2", "", "no id at all"]);
        assert_eq!(
            ids,
            [
                ("s1", None, "A playlist for rough evenings"),
                ("k2", Some("s1"), "no parent"),
                (generated.as_str(), Some("k2"), "no id at all"),
            ]
        );
        assert_eq!(
            got.diagnostics,
            vec![
                diag(
                    2,
                    Severity::Rejected,
                    "a comment without `link_id`: its thread is unknown"
                ),
                diag(
                    3,
                    Severity::Degraded,
                    "no `parent_id`: attached to the submission"
                ),
                diag(4, Severity::Rejected, "`body` is an array, not a string"),
                diag(5, Severity::Rejected, "`author` is a number, not a string"),
            ]
        );
    }

    #[test]
    fn a_line_too_long_is_skipped_without_being_held() {
        let good = r#"{"id":"a","body":"short","link_id":"t3_p","parent_id":"t3_p"}"#;
        let long = format!(r#"{{"id":"b","body":"{}"}}"#, "x".repeat(500));
        let input = format!("{good}\n{long}\n{good}\n{long}");
        let got = read_max(input.as_bytes(), 100);
        assert_eq!(got.items.len(), 2);
        assert_eq!(got.items[1].source.position, Position::line(3));
        assert_eq!(
            got.diagnostics,
            vec![
                diag(
                    2,
                    Severity::Rejected,
                    "line too long (over 100 bytes): skipped"
                ),
                diag(
                    4,
                    Severity::Rejected,
                    "line too long (over 100 bytes): skipped"
                ),
            ]
        );
    }

    #[test]
    fn bounded_lines_across_small_buffers() {
        let data = b"abc\n\nlonger line here\r\nxy";
        let mut input = std::io::BufReader::with_capacity(3, &data[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            match read_line_bounded(&mut input, &mut buf, 10).unwrap() {
                Line::Eof => break,
                Line::TooLong => got.push("<too long>".to_string()),
                Line::Complete => got.push(String::from_utf8(buf.clone()).unwrap()),
            }
            assert!(buf.capacity() < 64, "never grows past the limit much");
        }
        assert_eq!(got, ["abc", "", "<too long>", "xy"]);
        // Exactly at the limit is fine.
        let mut input = &b"0123456789\n"[..];
        assert_eq!(
            read_line_bounded(&mut input, &mut buf, 10).unwrap(),
            Line::Complete
        );
        assert_eq!(buf, b"0123456789");
    }

    /// Gives its bytes, then fails.
    struct Failing<'a>(&'a [u8]);

    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk went away"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn an_io_error_is_fatal_after_the_lines_before_it() {
        let data = b"{\"id\":\"s\",\"title\":\"t\",\"selftext\":\"words\"}\n{\"id\":";
        let mut input = std::io::BufReader::with_capacity(8, Failing(data));
        let mut got = Collect::default();
        PushshiftReader.read(&mut input, "dump.ndjson", &mut got);
        assert_eq!(got.items.len(), 1);
        assert_eq!(
            got.diagnostics,
            vec![diag(
                2,
                Severity::Fatal,
                "cannot read: disk went away; the rest of the file was not read"
            )]
        );
    }

    #[test]
    fn a_byte_order_mark_and_blank_lines() {
        let input = "\u{feff}{\"id\":\"s\",\"title\":\"t\",\"selftext\":\"w\"}\n\n   \n\t\n";
        let got = read(input.as_bytes());
        assert_eq!(got.items.len(), 1);
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read(&bytes);
            let _ = read_max(&bytes, 16);
        }

        #[test]
        fn mutated_dumps_never_panic_and_each_line_is_accounted_for(
            edits in proptest::collection::vec((0usize..MIXED.len(), any::<u8>()), 0..6),
        ) {
            let mut bytes = MIXED.as_bytes().to_vec();
            for (at, byte) in edits {
                bytes[at] = byte;
            }
            let got = read(&bytes);
            let lines = bytes
                .split(|&b| b == b'\n')
                .filter(|l| !l.iter().all(|b| b.is_ascii_whitespace()))
                .count();
            let rejected = got
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Rejected)
                .count();
            // Every non-blank line is an item or a rejection: nothing is dropped silently.
            prop_assert_eq!(got.items.len() + rejected, lines);
        }
    }
}
