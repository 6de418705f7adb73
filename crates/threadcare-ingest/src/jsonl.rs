//! JSON Lines with the item fields of `DESIGN.md` §2, one object per line: what
//! `threadcare threads --format jsonl` writes, read back identically.
//!
//! Fields: `id`, `thread_id`, `parent_id`, `kind`, `author`, `created_at`, `title`, `text`,
//! `source`; `body` is accepted for `text`. Other fields are ignored (other tools add their own).
//!
//! - `text` is required: a string (`""` marks an item whose text was removed). Missing or null:
//!   the record is rejected ("no text").
//! - `kind` is `post` or `comment`; without it, an item with a `parent_id` is a comment, one
//!   without a post. A `kind` that contradicts `parent_id` rejects the record.
//! - `thread_id` defaults to the `id` for a post; a comment without one is rejected.
//! - `id` defaults to [`threadcare_core::content_id`] of thread id, parent id, author and text.
//! - `id`, `thread_id` and `parent_id` may be strings or integers; an empty string counts as
//!   missing. `author` and `title` are kept exactly (an empty string stays an empty string).
//! - `created_at` is a string in any form [`threadcare_core::time::parse_datetime`] knows (or
//!   chrono's own), or a number of Unix seconds. One that is not a date is dropped with a
//!   `Degraded` diagnostic; the item is kept.
//! - `source`, when it is a source object, is kept as it is (so that items keep naming the file
//!   they first came from); otherwise the item's source is this file and line.
//! - A field of the wrong type (a number for `text`, say) rejects the record, naming the field.
//!
//! Streams one line at a time (see [`crate::pushshift`] for the line handling: blank lines
//! skipped, lines over 64 MiB skipped and reported). Positions are line numbers.

use std::io::BufRead;

use serde_json::{Map, Value};

use crate::pushshift::{for_each_json_line, MAX_LINE_BYTES};
use crate::record::{self, Built, Created, Fields};
use crate::reddit::{get_str, type_name};
use crate::{util, Format, Position, Reader, Sink, Source};

#[derive(Debug, Clone, Copy, Default)]
pub struct JsonlReader;

impl Reader for JsonlReader {
    fn format(&self) -> Format {
        Format::Jsonl
    }

    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        read_with_limit(input, file, out, MAX_LINE_BYTES);
    }
}

fn read_with_limit(input: &mut dyn BufRead, file: &str, out: &mut dyn Sink, max: usize) {
    for_each_json_line(input, file, out, max, |line, value, out| {
        let position = Position::line(line);
        let built = item(value, file, &position);
        record::emit(out, file, position, built);
    });
}

fn item(value: Value, file: &str, position: &Position) -> Result<Built, String> {
    let Value::Object(obj) = value else {
        return Err(format!("not a JSON object but {}", type_name(&value)));
    };
    let text = match obj.get("text").filter(|v| !v.is_null()) {
        Some(v) => v,
        None => match obj.get("body").filter(|v| !v.is_null()) {
            Some(v) => v,
            None => return Err("no text".into()),
        },
    };
    let text = match text {
        Value::String(s) => s.clone(),
        other => {
            let key = if obj.get("text").is_some_and(|v| !v.is_null()) {
                "text"
            } else {
                "body"
            };
            return Err(format!("`{key}` is {}, not a string", type_name(other)));
        }
    };
    let created_at = match obj.get("created_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Created::Text(s.clone())),
        Some(Value::Number(n)) => Some(Created::Unix(n.to_string(), n.as_f64())),
        Some(other) => {
            return Err(format!(
                "`created_at` is {}, not a date string or a number",
                type_name(other)
            ))
        }
    };
    let fields = Fields {
        id: id_field(&obj, "id")?,
        thread_id: id_field(&obj, "thread_id")?,
        parent_id: id_field(&obj, "parent_id")?,
        kind: str_field(&obj, "kind")?,
        author: str_field(&obj, "author")?,
        created_at,
        title: str_field(&obj, "title")?,
        text,
    };
    let mut warnings = Vec::new();
    let source = match obj.get("source") {
        None | Some(Value::Null) => own_source(file, position),
        Some(v) => match serde_json::from_value::<Source>(v.clone()) {
            Ok(source) => source,
            Err(err) => {
                warnings.push(format!(
                    "`source` is not a threadcare source ({err}): replaced by this file and line"
                ));
                own_source(file, position)
            }
        },
    };
    let mut built = fields.into_item(source)?;
    warnings.append(&mut built.warnings);
    built.warnings = warnings;
    Ok(built)
}

fn own_source(file: &str, position: &Position) -> Source {
    util::source(Format::Jsonl, file, position.clone())
}

fn str_field(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    Ok(get_str(obj, key)?.map(str::to_string))
}

/// An id: a string or an integer; an empty string is no id.
fn id_field(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        Some(other) => Err(format!(
            "`{key}` is {}, not a string",
            match other {
                Value::Number(_) => "a number with a fraction",
                other => type_name(other),
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collect, Diagnostic, Item, ItemKind, Severity};
    use chrono::DateTime;
    use proptest::prelude::*;
    use threadcare_core::content_id;

    const GOOD: &str = concat!(
        r#"{"id":"p1","thread_id":"p1","parent_id":null,"kind":"post","author":"wren","created_at":"2026-11-20T21:00:00+01:00","title":"After session","text":"Session was hard today but we talked it through."}"#,
        "\n",
        r#"{"id":"c1","thread_id":"p1","parent_id":"p1","kind":"comment","author":"moss","created_at":null,"title":null,"text":"Glad you stayed with it."}"#,
        "\n",
    );

    fn read(text: &str) -> Collect {
        Collect::read(Format::Jsonl, "items.jsonl", text.as_bytes())
    }

    fn diag(line: u64, severity: Severity, reason: &str) -> Diagnostic {
        util::diag("items.jsonl", Position::line(line), severity, reason)
    }

    fn source(line: u64) -> Source {
        util::source(Format::Jsonl, "items.jsonl", Position::line(line))
    }

    #[test]
    fn the_fields_of_the_design_are_read_exactly() {
        let got = read(GOOD);
        assert_eq!(
            got.items,
            vec![
                Item {
                    id: "p1".into(),
                    thread_id: "p1".into(),
                    parent_id: None,
                    kind: ItemKind::Post,
                    author: Some("wren".into()),
                    created_at: Some(
                        DateTime::parse_from_rfc3339("2026-11-20T21:00:00+01:00").unwrap()
                    ),
                    title: Some("After session".into()),
                    text: "Session was hard today but we talked it through.".into(),
                    source: source(1),
                },
                Item {
                    id: "c1".into(),
                    thread_id: "p1".into(),
                    parent_id: Some("p1".into()),
                    kind: ItemKind::Comment,
                    author: Some("moss".into()),
                    created_at: None,
                    title: None,
                    text: "Glad you stayed with it.".into(),
                    source: source(2),
                },
            ]
        );
        assert_eq!(
            got.items[0].created_at.unwrap().offset().local_minus_utc(),
            3600
        );
        assert!(got.diagnostics.is_empty());
    }

    #[test]
    fn what_threadcare_writes_reads_back_identically() {
        let first = read(GOOD);
        let written: String = first
            .items
            .iter()
            .map(|i| serde_json::to_string(i).unwrap() + "\n")
            .collect();
        let again = Collect::read(Format::Jsonl, "elsewhere.jsonl", written.as_bytes());
        assert_eq!(
            again.items, first.items,
            "source kept: items still name items.jsonl"
        );
        assert!(again.diagnostics.is_empty());
    }

    #[test]
    fn defaults_for_missing_fields() {
        let input = concat!(
            r#"{"text":"a post with nothing else","extra":{"score":3}}"#,
            "\n",
            r#"{"thread_id":"t9","parent_id":"t9","body":"a comment through the body alias","author":"fen"}"#,
            "\n",
            r#"{"id":12,"thread_id":7,"parent_id":"","kind":"POST","text":"integer ids","author":""}"#,
            "\n",
            r#"{"id":"x","thread_id":"t9","created_at":1714598040.5,"parent_id":"t9","text":""}"#,
            "\n",
        );
        let got = read(input);
        let post_id = content_id(&["", "", "", "a post with nothing else"]);
        let comment_id = content_id(&["t9", "t9", "fen", "a comment through the body alias"]);
        let got_ids: Vec<_> = got
            .items
            .iter()
            .map(|i| {
                (
                    i.id.as_str(),
                    i.thread_id.as_str(),
                    i.parent_id.as_deref(),
                    i.kind,
                )
            })
            .collect();
        assert_eq!(
            got_ids,
            [
                (post_id.as_str(), post_id.as_str(), None, ItemKind::Post),
                (comment_id.as_str(), "t9", Some("t9"), ItemKind::Comment),
                ("12", "7", None, ItemKind::Post),
                ("x", "t9", Some("t9"), ItemKind::Comment),
            ]
        );
        assert_eq!(got.items[2].author.as_deref(), Some(""), "kept exactly");
        assert_eq!(got.items[3].text, "", "an empty text is allowed");
        assert_eq!(
            got.items[3].created_at.unwrap().to_rfc3339(),
            "2024-05-01T21:14:00.500+00:00"
        );
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    }

    #[test]
    fn bad_records_are_rejected_by_line_and_the_rest_go_through() {
        let input = concat!(
            r#"{"id":"g1","text":"first good"}"#,
            "\n",
            r#"{"id":"b1","text":null}"#,
            "\n",
            r#"{"id":"b2","title":"only a title"}"#,
            "\n",
            r#"{"id":"b3","text":17}"#,
            "\n",
            r#"{"id":"b4","text":"t","author":["a"]}"#,
            "\n",
            r#"{"id":"b5","text":"t","created_at":true}"#,
            "\n",
            r#"{"id":1.5,"text":"t"}"#,
            "\n",
            r#"{"id":"b7","text":"t","kind":"reply","parent_id":"g1","thread_id":"g1"}"#,
            "\n",
            r#"{"id":"b8","text":"t","kind":"post","parent_id":"g1","thread_id":"g1"}"#,
            "\n",
            r#"{"id":"b9","text":"t","kind":"comment","thread_id":"g1"}"#,
            "\n",
            r#"{"id":"b10","text":"t","parent_id":"g1"}"#,
            "\n",
            r#"{"id":"b11","text":"t","title":false}"#,
            "\n",
            r#"{"id":"b12", "text": "cut"#,
            "\n",
            r#""just a string""#,
            "\n",
            r#"{"id":"g2","thread_id":"g1","parent_id":"g1","text":"last good"}"#,
            "\n",
        );
        let got = read(input);
        let ids: Vec<_> = got
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.source.position.line))
            .collect();
        assert_eq!(ids, [("g1", Some(1)), ("g2", Some(15))]);
        assert_eq!(
            got.diagnostics,
            vec![
                diag(2, Severity::Rejected, "no text"),
                diag(3, Severity::Rejected, "no text"),
                diag(4, Severity::Rejected, "`text` is a number, not a string"),
                diag(5, Severity::Rejected, "`author` is an array, not a string"),
                diag(
                    6,
                    Severity::Rejected,
                    "`created_at` is a boolean, not a date string or a number"
                ),
                diag(
                    7,
                    Severity::Rejected,
                    "`id` is a number with a fraction, not a string"
                ),
                diag(
                    8,
                    Severity::Rejected,
                    "`kind` is \"reply\", neither \"post\" nor \"comment\""
                ),
                diag(
                    9,
                    Severity::Rejected,
                    "`kind` is \"post\" but `parent_id` is \"g1\": a post answers nothing"
                ),
                diag(
                    10,
                    Severity::Rejected,
                    "`kind` is \"comment\" but there is no `parent_id`"
                ),
                diag(11, Severity::Rejected, "comment without thread_id"),
                diag(12, Severity::Rejected, "`title` is a boolean, not a string"),
                diag(
                    13,
                    Severity::Rejected,
                    "invalid JSON: EOF while parsing a string at column 25"
                ),
                diag(14, Severity::Rejected, "not a JSON object but a string"),
            ]
        );
    }

    #[test]
    fn bad_dates_are_dropped_and_the_item_kept() {
        let input = concat!(
            r#"{"id":"d1","text":"a","created_at":"last winter"}"#,
            "\n",
            r#"{"id":"d2","text":"b","created_at":1e300}"#,
            "\n",
            r#"{"id":"d3","text":"c","created_at":"Wed, 01 May 2024 21:14:00 +0200"}"#,
            "\n",
            r#"{"id":"d4","text":"d","created_at":"1714598040"}"#,
            "\n",
            r#"{"id":"d5","text":"e","created_at":""}"#,
            "\n",
        );
        let got = read(input);
        let dates: Vec<_> = got
            .items
            .iter()
            .map(|i| i.created_at.map(|d| d.to_rfc3339()))
            .collect();
        assert_eq!(
            dates,
            [
                None,
                None,
                Some("2024-05-01T21:14:00+02:00".into()),
                Some("2024-05-01T21:14:00+00:00".into()),
                None,
            ]
        );
        assert_eq!(
            got.diagnostics,
            vec![
                diag(
                    1,
                    Severity::Degraded,
                    "`created_at` \"last winter\" is not a date: dropped"
                ),
                diag(
                    2,
                    Severity::Degraded,
                    "`created_at` 1e+300 is not a date: dropped"
                ),
            ]
        );
    }

    #[test]
    fn a_source_is_kept_or_replaced() {
        let input = concat!(
            r#"{"id":"s1","text":"a","source":{"format":"wxr","file":"blog.xml","position":{"byte":1234}}}"#,
            "\n",
            r#"{"id":"s2","text":"b","source":{"format":"docx","file":"x"}}"#,
            "\n",
            r#"{"id":"s3","text":"c","source":"somewhere"}"#,
            "\n",
        );
        let got = read(input);
        assert_eq!(
            got.items[0].source,
            util::source(Format::Wxr, "blog.xml", Position::byte(1234))
        );
        assert_eq!(got.items[1].source, source(2));
        assert_eq!(got.items[2].source, source(3));
        assert_eq!(got.diagnostics.len(), 2);
        assert!(got
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Degraded
                && d.reason.starts_with("`source` is not a threadcare source")));
        assert_eq!(got.diagnostics[0].position, Position::line(2));
    }

    #[test]
    fn chrono_forms_beyond_rfc3339_are_read() {
        // What chrono writes for a year RFC 3339 cannot hold.
        let far = DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z").unwrap()
            + chrono::Duration::days(400);
        let written = serde_json::to_string(&far).unwrap();
        let line = format!(r#"{{"id":"f","text":"x","created_at":{written}}}"#);
        let got = read(&line);
        assert_eq!(got.items[0].created_at, Some(far), "{written}");
    }

    #[test]
    fn long_lines_are_skipped() {
        let input = format!(
            "{{\"text\":\"ok\"}}\n{{\"text\":\"{}\"}}\n{{\"text\":\"ok too\"}}\n",
            "y".repeat(300)
        );
        let mut got = Collect::default();
        read_with_limit(&mut input.as_bytes(), "items.jsonl", &mut got, 64);
        assert_eq!(got.items.len(), 2);
        assert_eq!(
            got.diagnostics,
            vec![diag(
                2,
                Severity::Rejected,
                "line too long (over 64 bytes): skipped"
            )]
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = Collect::read(Format::Jsonl, "x", &bytes);
        }

        #[test]
        fn mutated_records_never_panic(
            edits in proptest::collection::vec((0usize..GOOD.len(), any::<u8>()), 0..6),
        ) {
            let mut bytes = GOOD.as_bytes().to_vec();
            for (at, byte) in edits {
                bytes[at] = byte;
            }
            let got = Collect::read(Format::Jsonl, "x", &bytes);
            let lines = bytes
                .split(|&b| b == b'\n')
                .filter(|l| !l.iter().all(|b| b.is_ascii_whitespace()))
                .count();
            let rejected = got
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Rejected)
                .count();
            prop_assert_eq!(got.items.len() + rejected, lines);
        }
    }
}
