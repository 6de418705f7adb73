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

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};
use threadcare_core::{content_id, time};

use crate::pushshift::{for_each_json_line, MAX_LINE_BYTES};
use crate::reddit::{clip, type_name};
use crate::{util, Format, Item, ItemKind, Position, Reader, Severity, Sink, Source};

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
        match record(value, file, &position) {
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
    });
}

fn record(value: Value, file: &str, position: &Position) -> Result<(Item, Vec<String>), String> {
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
    let (item, more) = fields.build(source)?;
    warnings.extend(more);
    Ok((item, warnings))
}

fn own_source(file: &str, position: &Position) -> Source {
    util::source(Format::Jsonl, file, position.clone())
}

fn str_field(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` is {}, not a string", type_name(other))),
    }
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

// ---------------------------------------------------------------------------------------------
// Shared with the CSV reader: the §2 fields of one record to an item.

/// A date as a record gives it.
pub(crate) enum Created {
    /// A string, in any form `parse_datetime` knows.
    Text(String),
    /// A JSON number of Unix seconds: its digits (for messages) and its value.
    Unix(String, Option<f64>),
}

/// The §2 fields of one record, as read, before defaults and checks.
pub(crate) struct Fields {
    pub id: Option<String>,
    pub thread_id: Option<String>,
    pub parent_id: Option<String>,
    pub kind: Option<String>,
    pub author: Option<String>,
    pub created_at: Option<Created>,
    pub title: Option<String>,
    pub text: String,
}

impl Fields {
    /// Applies the defaults and checks of the module docs. `Err` is the reason to reject the
    /// record; the warnings name what was dropped from a record that is kept.
    pub(crate) fn build(self, source: Source) -> Result<(Item, Vec<String>), String> {
        let mut warnings = Vec::new();
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) if k.eq_ignore_ascii_case("post") => Some(ItemKind::Post),
            Some(k) if k.eq_ignore_ascii_case("comment") => Some(ItemKind::Comment),
            Some(k) => {
                return Err(format!(
                    "`kind` is \"{}\", neither \"post\" nor \"comment\"",
                    clip(k)
                ))
            }
        };
        let kind = match (kind, &self.parent_id) {
            (None, None) => ItemKind::Post,
            (None, Some(_)) => ItemKind::Comment,
            (Some(ItemKind::Post), Some(parent)) => {
                return Err(format!(
                    "`kind` is \"post\" but `parent_id` is \"{}\": a post answers nothing",
                    clip(parent)
                ))
            }
            (Some(ItemKind::Comment), None) => {
                return Err("`kind` is \"comment\" but there is no `parent_id`".into())
            }
            (Some(kind), _) => kind,
        };
        if kind == ItemKind::Comment && self.thread_id.is_none() {
            return Err("comment without thread_id".into());
        }
        let id = match self.id {
            Some(id) => id,
            None => content_id(&[
                self.thread_id.as_deref().unwrap_or(""),
                self.parent_id.as_deref().unwrap_or(""),
                self.author.as_deref().unwrap_or(""),
                &self.text,
            ]),
        };
        let thread_id = self.thread_id.unwrap_or_else(|| id.clone());
        let created_at = match self.created_at {
            None => None,
            Some(created) => {
                let (raw, parsed) = match created {
                    Created::Text(s) if s.trim().is_empty() => (s, None),
                    Created::Text(s) => {
                        let parsed = parse_date(&s);
                        (format!("\"{}\"", clip(&s)), parsed)
                    }
                    Created::Unix(digits, secs) => (digits, secs.and_then(time::from_unix)),
                };
                if parsed.is_none() && !raw.trim().is_empty() {
                    warnings.push(format!("`created_at` {raw} is not a date: dropped"));
                }
                parsed
            }
        };
        let item = Item {
            id,
            thread_id,
            parent_id: self.parent_id,
            kind,
            author: self.author,
            created_at,
            title: self.title,
            text: self.text,
            source,
        };
        Ok((item, warnings))
    }
}

/// The forms `parse_datetime` knows, then chrono's own (what chrono writes for years it cannot
/// put in RFC 3339, say).
pub(crate) fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    time::parse_datetime(s).or_else(|| s.trim().parse::<DateTime<FixedOffset>>().ok())
}
