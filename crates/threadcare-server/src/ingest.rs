//! The body of `POST /api/v1/items`: one item object, an array of them, JSON Lines,
//! Reddit/Pushshift JSON, or anything else `threadcare threads` reads (WXR, RSS, Atom, CSV,
//! blog page text), read by the same readers with the same diagnostics.
//!
//! The readers read streams of lines or documents; two shapes a client naturally sends are
//! neither, so they are rewritten first: a single (possibly pretty-printed) item object becomes
//! one line, and a JSON array of item objects becomes one line per element (so that record *n*
//! of the array is line *n* in the diagnostics). A Reddit thread (an array of listings) is left
//! as it is for the Reddit reader.

use std::io::{BufReader, Cursor};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use threadcare_core::{Diagnostic, Format, Item, Severity, ThreadMeta};
use threadcare_ingest::{read_stream_with, Collect, Options};

/// How the body is named in diagnostics.
pub const BODY_NAME: &str = "request body";

/// A record that was not read (or read with a warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The record's number (1-based): the line of JSON Lines, the element of an array, the
    /// record of a CSV or JSON document. `null` when the format knows only a byte offset.
    pub record: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte: Option<u64>,
    /// `rejected` (the record was skipped), `fatal` (the rest of the body could not be read) or
    /// `degraded` (read, something in it dropped).
    pub severity: Severity,
    pub reason: String,
}

impl From<&Diagnostic> for Problem {
    fn from(d: &Diagnostic) -> Problem {
        Problem {
            record: d.position.record.or(d.position.line),
            line: d.position.line,
            byte: d.position.byte,
            severity: d.severity,
            reason: d.reason.clone(),
        }
    }
}

/// What the body held.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<Item>,
    pub metas: Vec<ThreadMeta>,
    /// The format read, `None` when the body is in no format threadcare reads (or contradicts a
    /// forced `from`).
    pub format: Option<Format>,
    /// Rejected records and fatal problems.
    pub rejected: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Why nothing could be read, when `format` is `None`.
    pub refusal: Option<String>,
}

/// Parses `?from=`: `auto` (or nothing) sniffs; otherwise a format name (`jsonl`, `reddit`,
/// `blog-text`, …).
pub fn parse_from(from: Option<&str>) -> Result<Option<Format>, String> {
    match from {
        None | Some("auto") | Some("") => Ok(None),
        Some(name) => name.parse::<Format>().map(Some).map_err(|e| e.to_string()),
    }
}

/// Reads a body.
pub fn parse_body(body: &[u8], from: Option<Format>) -> Parsed {
    let rewritten = rewrite_json(body, from);
    let bytes: &[u8] = rewritten.as_deref().unwrap_or(body);
    let mut sink = Collect::default();
    let format = read_stream_with(
        BufReader::new(Cursor::new(bytes)),
        BODY_NAME,
        from,
        &Options::default(),
        &mut sink,
    );
    let mut parsed = Parsed {
        items: sink.items,
        metas: sink.threads,
        format,
        ..Parsed::default()
    };
    for d in &sink.diagnostics {
        match d.severity {
            Severity::Degraded => parsed.warnings.push(Problem::from(d)),
            Severity::Rejected | Severity::Fatal => parsed.rejected.push(Problem::from(d)),
        }
    }
    if format.is_none() {
        parsed.refusal = Some(
            sink.diagnostics
                .iter()
                .find(|d| d.severity == Severity::Fatal)
                .map(|d| d.reason.clone())
                .unwrap_or_else(|| "the body is in no format threadcare reads".into()),
        );
    }
    parsed
}

/// A single JSON object, or an array of non-listing objects, rewritten as JSON Lines; `None`
/// when the body should go to the readers as it is.
fn rewrite_json(body: &[u8], from: Option<Format>) -> Option<Vec<u8>> {
    if !matches!(from, None | Some(Format::Jsonl) | Some(Format::Pushshift)) {
        return None;
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' && *first != b'[' {
        return None;
    }
    // Several values (JSON Lines) do not parse as one document: they go as they are.
    let value: Value = serde_json::from_slice(body).ok()?;
    let is_listing = |v: &Value| v.get("kind").and_then(Value::as_str) == Some("Listing");
    match value {
        Value::Object(_) if is_listing(&value) => None,
        Value::Object(_) => serde_json::to_vec(&value).ok(),
        Value::Array(elements) => {
            if elements.iter().any(is_listing) {
                return None;
            }
            let mut out = Vec::with_capacity(body.len());
            for (i, element) in elements.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                // A blank line would be skipped and shift the numbering: `null` keeps it.
                serde_json::to_writer(&mut out, element).ok()?;
            }
            out.push(b'\n');
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pretty_object_is_one_item() {
        let body = b"{\n  \"id\": \"a1\",\n  \"text\": \"Long day, but I made it.\"\n}\n";
        let p = parse_body(body, None);
        assert_eq!(p.items.len(), 1, "{:?}", p.rejected);
        assert_eq!(p.items[0].id, "a1");
        assert_eq!(p.format, Some(Format::Jsonl));
    }

    #[test]
    fn an_array_is_read_element_by_element_with_numbers() {
        let body = br#"[{"id":"a1","text":"one"}, 7, {"id":"a2"}, {"id":"a3","text":"three"}]"#;
        let p = parse_body(body, None);
        let ids: Vec<&str> = p.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a1", "a3"]);
        let recs: Vec<Option<u64>> = p.rejected.iter().map(|r| r.record).collect();
        assert_eq!(recs, [Some(2), Some(3)], "{:?}", p.rejected);
        assert!(p.rejected[1].reason.contains("no text"));
    }

    #[test]
    fn json_lines_go_through_as_they_are() {
        let body =
            b"{\"id\":\"a1\",\"text\":\"one\"}\nnot json\n{\"id\":\"a2\",\"text\":\"two\"}\n";
        let p = parse_body(body, None);
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(p.rejected[0].record, Some(2));
    }

    #[test]
    fn binary_and_html_are_refused() {
        let p = parse_body(b"\x00\x01\x02garbage", None);
        assert!(p.format.is_none());
        assert!(p.refusal.unwrap().contains("binary"));
        let p = parse_body(b"<!doctype html><html><body>hi</body></html>", None);
        assert!(p.format.is_none());
    }

    #[test]
    fn from_names() {
        assert_eq!(parse_from(None), Ok(None));
        assert_eq!(parse_from(Some("auto")), Ok(None));
        assert_eq!(parse_from(Some("jsonl")), Ok(Some(Format::Jsonl)));
        assert!(parse_from(Some("yaml")).is_err());
    }
}
