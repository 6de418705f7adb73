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

use crate::reddit::{self, Built};
use crate::{util, Format, Position, Reader, Severity, Sink};

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
        record(value, file, line, out)
    });
}

/// One line's object to an item or a diagnostic.
fn record(value: Value, file: &str, line: u64, out: &mut dyn Sink) {
    let position = Position::line(line);
    let reject = |out: &mut dyn Sink, reason: String| {
        out.diagnostic(util::diag(
            file,
            position.clone(),
            Severity::Rejected,
            reason,
        ))
    };
    let Value::Object(obj) = value else {
        return reject(
            out,
            format!("not a JSON object but {}", reddit::type_name(&value)),
        );
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
    let source = util::source(Format::Pushshift, file, position.clone());
    let built: Result<Built, String> = if is_comment {
        reddit::comment(data, None, None, source)
    } else if is_submission {
        reddit::submission(data, source)
    } else {
        return reject(
            out,
            "neither a submission nor a comment (no `body`, `selftext` or `title`)".into(),
        );
    };
    match built {
        Ok(built) => {
            for warning in built.warnings {
                out.diagnostic(util::diag(
                    file,
                    position.clone(),
                    Severity::Degraded,
                    warning,
                ));
            }
            out.item(built.item);
        }
        Err(reason) => reject(out, reason),
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
                    format!("line too long (over {} MiB): skipped", max_mib(max)),
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

fn max_mib(max: usize) -> String {
    if max >= 1024 * 1024 {
        format!("{}", max / (1024 * 1024))
    } else {
        format!("{:.3}", max as f64 / (1024.0 * 1024.0))
    }
}
