//! Reddit thread JSON: the document Reddit serves at `<permalink>.json`.
//!
//! That document is an array of two Listings: the first holds the submission (`kind: "t3"`), the
//! second the comment tree (`kind: "t1"`, each with its `replies`, which is either `""` or a
//! nested Listing). Also accepted: a single Listing, a single thing, an array of several such
//! thread documents, and several documents one after another (one per line, say).
//!
//! What becomes of the fields:
//! - The post's `id` is the submission's `id` (without the `t3_` prefix; `name` is used when `id`
//!   is missing), and so is its `thread_id`. A comment's `thread_id` is its `link_id` without the
//!   prefix, its `parent_id` its `parent_id` without the `t1_`/`t3_` prefix. Where a comment lacks
//!   these, the place it has in the tree (the comment whose `replies` hold it, or the post the
//!   document is about) stands in.
//! - `created_at` comes from `created_utc` (Unix seconds, as a number or a string).
//! - `text` is `selftext` or `body` as Reddit stores it (markdown), with the three entities Reddit
//!   escapes (`&amp;`, `&lt;`, `&gt;`) decoded and nothing else changed; `title` likewise.
//! - A link post (empty `selftext`) gets its title as its text, without a diagnostic: a link
//!   post's words are its title, and an empty text would mark it as removed.
//! - A `[deleted]` or `[removed]` body gives the text `""`, and such an author `None` (each on its
//!   own: a comment removed by moderators keeps its author); the item keeps its id and parent, so
//!   the replies under it still attach to it. A removed post keeps its title.
//! - A `more` stub (comments Reddit did not load) is a `Degraded` diagnostic, not an error.
//!
//! Positions are record numbers: the n-th thing (submission, comment, `more` stub or anything
//! else found in a Listing), 1-based, in document order (depth first). Byte offsets are given
//! only for JSON that does not parse.
//!
//! The format is one JSON document, so it is read into memory; a file over 256 MiB is refused.
//! The top-level arrays are walked element by element, so a file cut short still yields the
//! threads (and the Listings) before the cut.
//!
//! JSON nesting is limited to serde_json's 128 levels, about 25 levels of replies; Reddit's own
//! thread pages stop well before that (with "continue this thread" stubs).

use std::io::{BufRead, Read};

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};
use threadcare_core::{content_id, time};

use crate::record::{self, clip, Built};
use crate::{util, Format, Item, ItemKind, Position, Reader, Severity, Sink, Source};

/// The largest document this reader reads into memory.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub struct RedditReader;

impl Reader for RedditReader {
    fn format(&self) -> Format {
        Format::Reddit
    }

    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        read_limited(input, file, out, MAX_DOCUMENT_BYTES);
    }
}

fn read_limited(input: &mut dyn BufRead, file: &str, out: &mut dyn Sink, max: u64) {
    let mut bytes = Vec::new();
    if let Err(err) = input.take(max.saturating_add(1)).read_to_end(&mut bytes) {
        out.diagnostic(util::diag(
            file,
            Position::byte(bytes.len() as u64),
            Severity::Fatal,
            format!("cannot read: {err}"),
        ));
        return;
    }
    if bytes.len() as u64 > max {
        out.diagnostic(util::diag(
            file,
            Position::byte(max),
            Severity::Fatal,
            format!(
                "larger than {} MiB: a Reddit JSON document is read whole, so one this large is \
                 not read; write it as one JSON object per line and read it with --from pushshift",
                max / (1024 * 1024)
            ),
        ));
        return;
    }
    let doc = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut walker = Walker {
        file,
        out,
        record: 0,
        thread: None,
    };
    walker.document(doc);
}

/// Why the walk over the document stopped.
enum Stop {
    Json { at: usize, err: serde_json::Error },
    Syntax { at: usize, reason: &'static str },
}

struct Walker<'a> {
    file: &'a str,
    out: &'a mut dyn Sink,
    /// Things seen so far (the number of the last record).
    record: u64,
    /// The submission read last: the thread of comments that do not name theirs.
    thread: Option<String>,
}

impl Walker<'_> {
    fn document(&mut self, doc: &[u8]) {
        let mut pos = skip_ws(doc, 0);
        if pos == doc.len() {
            self.out.diagnostic(util::diag(
                self.file,
                Position::byte(0),
                Severity::Fatal,
                "empty file: no JSON document",
            ));
            return;
        }
        while pos < doc.len() {
            match self.value_at(doc, pos, 0) {
                Ok(end) => pos = skip_ws(doc, end),
                Err(stop) => {
                    self.stop(doc, stop);
                    return;
                }
            }
        }
    }

    /// Reads the JSON value starting at `pos`. The outer two levels of arrays (an array of thread
    /// documents, each an array of Listings) are walked one element at a time; anything else is
    /// parsed whole. Returns the offset just past the value.
    fn value_at(&mut self, doc: &[u8], pos: usize, depth: u8) -> Result<usize, Stop> {
        if doc.get(pos) == Some(&b'[') && depth < 2 {
            let mut p = skip_ws(doc, pos + 1);
            if doc.get(p) == Some(&b']') {
                return Ok(p + 1);
            }
            loop {
                let end = self.value_at(doc, p, depth + 1)?;
                p = skip_ws(doc, end);
                match doc.get(p) {
                    Some(b',') => p = skip_ws(doc, p + 1),
                    Some(b']') => return Ok(p + 1),
                    Some(_) => {
                        return Err(Stop::Syntax {
                            at: p,
                            reason: "expected `,` or `]` after an array element",
                        })
                    }
                    None => {
                        return Err(Stop::Syntax {
                            at: p,
                            reason: "the file ends inside an array",
                        })
                    }
                }
            }
        }
        let mut stream = serde_json::Deserializer::from_slice(&doc[pos..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                let end = pos + stream.byte_offset();
                self.value(&value, None);
                Ok(end)
            }
            Some(Err(err)) => Err(Stop::Json { at: pos, err }),
            None => Err(Stop::Syntax {
                at: pos,
                reason: "the file ends where a value was expected",
            }),
        }
    }

    fn stop(&mut self, doc: &[u8], stop: Stop) {
        let (at, reason) = match stop {
            Stop::Syntax { at, reason } => (at, reason.to_string()),
            Stop::Json { at, err } => {
                // serde_json counts lines and columns from `at`; make them absolute.
                let mut b = at;
                for _ in 1..err.line() {
                    b = match doc[b.min(doc.len())..].iter().position(|&c| c == b'\n') {
                        Some(i) => b + i + 1,
                        None => doc.len(),
                    };
                }
                let b = (b + err.column().saturating_sub(1)).min(doc.len());
                (b, json_message(&err))
            }
        };
        let at = at.min(doc.len());
        let line = 1 + doc[..at].iter().filter(|&&c| c == b'\n').count() as u64;
        let line_start = doc[..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        self.out.diagnostic(util::diag(
            self.file,
            Position::line(line).with_byte(at as u64),
            Severity::Fatal,
            format!(
                "invalid JSON: {reason} (column {}); the rest of the file was not read",
                at - line_start + 1
            ),
        ));
    }

    fn position(&self) -> Position {
        Position::record(self.record)
    }

    fn reject(&mut self, reason: impl Into<String>) {
        let d = util::diag(self.file, self.position(), Severity::Rejected, reason);
        self.out.diagnostic(d);
    }

    fn source(&self) -> Source {
        util::source(Format::Reddit, self.file, self.position())
    }

    /// Any value inside the document: arrays are walked, objects are things, the rest rejected.
    /// `parent` is the comment whose `replies` hold this value, if any.
    fn value(&mut self, value: &Value, parent: Option<&str>) {
        match value {
            Value::Array(values) => {
                for v in values {
                    self.value(v, parent);
                }
            }
            Value::Object(obj) => self.thing(obj, parent),
            other => {
                self.record += 1;
                self.reject(format!(
                    "expected a Listing or a Reddit thing, found {}: skipped",
                    type_name(other)
                ));
            }
        }
    }

    fn thing(&mut self, obj: &Map<String, Value>, parent: Option<&str>) {
        let kind = obj.get("kind").and_then(Value::as_str);
        if kind == Some("Listing") {
            return self.listing(obj, parent);
        }
        self.record += 1;
        let data = match obj.get("data") {
            Some(Value::Object(data)) => data,
            _ => {
                return self.reject(match kind {
                    Some(k) => format!("a Reddit `{k}` thing without a `data` object: skipped"),
                    None => "an object without `kind` and `data`: not a Reddit thing".into(),
                })
            }
        };
        match kind {
            Some("t3") => self.post(data),
            Some("t1") => self.comment(data, parent),
            Some("more") => self.more(data),
            Some(other) => self.reject(format!(
                "a Reddit `{other}` thing, neither a submission (t3) nor a comment (t1): skipped"
            )),
            None => self.reject("an object without `kind`: not a Reddit thing"),
        }
    }

    fn listing(&mut self, obj: &Map<String, Value>, parent: Option<&str>) {
        match obj
            .get("data")
            .and_then(|d| d.get("children"))
            .and_then(Value::as_array)
        {
            Some(children) => {
                for child in children {
                    self.value(child, parent);
                }
            }
            None => {
                let d = util::diag(
                    self.file,
                    Position::record(self.record + 1),
                    Severity::Rejected,
                    "a Listing without a `data.children` array: nothing in it was read",
                );
                self.out.diagnostic(d);
            }
        }
    }

    /// Emits what became of the current thing; returns the id of the item, if it was kept.
    fn emit(&mut self, built: Result<Built, String>) -> Option<String> {
        let id = built.as_ref().ok().map(|b| b.item.id.clone());
        let position = self.position();
        record::emit(self.out, self.file, position, built);
        id
    }

    fn post(&mut self, data: &Map<String, Value>) {
        let built = submission(data, self.source());
        if let Some(id) = self.emit(built) {
            self.thread = Some(id);
        } else if let Ok(Some(id)) = thing_id(data) {
            // Rejected, but its comments still belong to it.
            self.thread = Some(id);
        }
    }

    fn comment(&mut self, data: &Map<String, Value>, parent: Option<&str>) {
        let fallback_parent = parent.map(str::to_string).or_else(|| self.thread.clone());
        let thread = self.thread.clone();
        let built = comment(
            data,
            fallback_parent.as_deref(),
            thread.as_deref(),
            self.source(),
        );
        let id = self.emit(built).or_else(|| thing_id(data).ok().flatten());
        match data.get("replies") {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(replies @ (Value::Object(_) | Value::Array(_))) => {
                self.value(replies, id.as_deref());
            }
            Some(other) => {
                let d = util::diag(
                    self.file,
                    self.position(),
                    Severity::Degraded,
                    format!(
                        "`replies` is {}, neither \"\" nor a Listing: replies not read",
                        type_name(other)
                    ),
                );
                self.out.diagnostic(d);
            }
        }
    }

    fn more(&mut self, data: &Map<String, Value>) {
        let count = data.get("count").and_then(Value::as_u64).unwrap_or(0);
        let listed = data
            .get("children")
            .and_then(Value::as_array)
            .map_or(0, |c| c.len() as u64);
        let n = count.max(listed);
        let reason = match n {
            0 => "further replies not loaded (Reddit 'continue this thread' stub)".to_string(),
            1 => "1 comment not loaded (Reddit 'more' stub)".to_string(),
            n => format!("{n} comments not loaded (Reddit 'more' stub)"),
        };
        let d = util::diag(self.file, self.position(), Severity::Degraded, reason);
        self.out.diagnostic(d);
    }
}

fn skip_ws(doc: &[u8], mut pos: usize) -> usize {
    while pos < doc.len() && matches!(doc[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

/// serde_json's message without its " at line L column C" tail (callers give their own place).
pub(crate) fn json_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let tail = format!(" at line {} column {}", err.line(), err.column());
    full.strip_suffix(&tail).unwrap_or(&full).to_string()
}

// ---------------------------------------------------------------------------------------------
// Shared with the Pushshift reader: Reddit's submission and comment objects to items.

/// `null`, `true`, `a number` …: for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string field: `None` when missing or null, an error naming the field when of another type.
pub(crate) fn get_str<'v>(
    data: &'v Map<String, Value>,
    key: &str,
) -> Result<Option<&'v str>, String> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("`{key}` is {}, not a string", type_name(other))),
    }
}

/// `t3_abc` → `abc`, `t1_xyz` → `xyz`; anything else unchanged.
pub(crate) fn strip_prefix(fullname: &str) -> &str {
    let b = fullname.as_bytes();
    if b.len() > 3 && b[0] == b't' && b[1].is_ascii_digit() && b[2] == b'_' {
        &fullname[3..]
    } else {
        fullname
    }
}

/// Whether Reddit replaced the text or author with its marker for a deleted or removed item.
pub(crate) fn is_removed(s: &str) -> bool {
    matches!(s.trim(), "[deleted]" | "[removed]")
}

/// Decodes the three entities Reddit escapes in markdown (`&amp;`, `&lt;`, `&gt;`), in one pass
/// so that `&amp;lt;` becomes `&lt;`. Everything else is kept as it is.
pub(crate) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (decoded, len) = if rest.starts_with("&amp;") {
            ('&', 5)
        } else if rest.starts_with("&lt;") {
            ('<', 4)
        } else if rest.starts_with("&gt;") {
            ('>', 4)
        } else {
            ('&', 1)
        };
        out.push(decoded);
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

/// The id of a thing: `id`, else `name` without its prefix. Integers are taken as their digits.
pub(crate) fn thing_id(data: &Map<String, Value>) -> Result<Option<String>, String> {
    let id = match data.get("id") {
        Some(Value::String(s)) if !s.is_empty() => Some(strip_prefix(s).to_string()),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        None | Some(Value::Null) | Some(Value::String(_)) => None,
        Some(other) => return Err(format!("`id` is {}, not a string", type_name(other))),
    };
    match id {
        Some(id) => Ok(Some(id)),
        None => Ok(get_str(data, "name")?
            .filter(|n| !n.is_empty())
            .map(|n| strip_prefix(n).to_string())),
    }
}

/// `created_utc` (or another date field): Unix seconds as a number or a string. A value that is
/// not a date is a warning, and the item goes on without a date.
pub(crate) fn created(
    data: &Map<String, Value>,
    key: &str,
    warnings: &mut Vec<String>,
) -> Option<DateTime<FixedOffset>> {
    let parsed = match data.get(key) {
        None | Some(Value::Null) => return None,
        Some(Value::Number(n)) => n.as_f64().and_then(time::from_unix),
        Some(Value::String(s)) => time::parse_datetime(s),
        Some(other) => {
            warnings.push(format!(
                "`{key}` is {}, not a date: dropped",
                type_name(other)
            ));
            return None;
        }
    };
    if parsed.is_none() {
        let raw = data.get(key).map(|v| v.to_string()).unwrap_or_default();
        warnings.push(format!("`{key}` {} is not a date: dropped", clip(&raw)));
    }
    parsed
}

fn author(data: &Map<String, Value>) -> Result<Option<String>, String> {
    Ok(get_str(data, "author")?
        .filter(|a| !a.trim().is_empty() && !is_removed(a))
        .map(str::to_string))
}

/// A submission (`t3`) object to the thread's post.
pub(crate) fn submission(data: &Map<String, Value>, source: Source) -> Result<Built, String> {
    let mut warnings = Vec::new();
    let id = thing_id(data)?;
    let title = get_str(data, "title")?.map(decode_entities);
    let selftext = get_str(data, "selftext")?;
    let author = author(data)?;
    let text = match selftext {
        Some(s) if is_removed(s) => String::new(),
        Some(s) if !s.trim().is_empty() => decode_entities(s),
        // A link post: its words are its title.
        _ => match &title {
            Some(t) => t.clone(),
            None => return Err("a submission with neither `title` nor `selftext`".into()),
        },
    };
    let created_at = created(data, "created_utc", &mut warnings);
    let id = id.unwrap_or_else(|| content_id(&["", "", author.as_deref().unwrap_or(""), &text]));
    Ok(Built {
        item: Item {
            thread_id: id.clone(),
            id,
            parent_id: None,
            kind: ItemKind::Post,
            author,
            created_at,
            title,
            text,
            source,
        },
        warnings,
    })
}

/// A comment (`t1`) object. `parent` and `thread` stand in for a missing `parent_id` and
/// `link_id` (the Reddit reader knows them from the tree); without them a missing `link_id`
/// rejects the comment and a missing `parent_id` attaches it to the post, with a warning.
pub(crate) fn comment(
    data: &Map<String, Value>,
    parent: Option<&str>,
    thread: Option<&str>,
    source: Source,
) -> Result<Built, String> {
    let mut warnings = Vec::new();
    let body = match get_str(data, "body")? {
        Some(b) => b,
        None => return Err("a comment without `body`".into()),
    };
    let text = if is_removed(body) {
        String::new()
    } else {
        decode_entities(body)
    };
    let thread_id = match get_str(data, "link_id")?.filter(|l| !l.is_empty()) {
        Some(link) => strip_prefix(link).to_string(),
        None => match thread {
            Some(t) => t.to_string(),
            None => return Err("a comment without `link_id`: its thread is unknown".into()),
        },
    };
    let parent_id = match get_str(data, "parent_id")?.filter(|p| !p.is_empty()) {
        Some(p) => strip_prefix(p).to_string(),
        None => match parent {
            Some(p) => p.to_string(),
            None => {
                warnings.push("no `parent_id`: attached to the submission".into());
                thread_id.clone()
            }
        },
    };
    let author = author(data)?;
    let created_at = created(data, "created_utc", &mut warnings);
    let id = match thing_id(data)? {
        Some(id) => id,
        None => content_id(&[
            &thread_id,
            &parent_id,
            author.as_deref().unwrap_or(""),
            &text,
        ]),
    };
    Ok(Built {
        item: Item {
            id,
            thread_id,
            parent_id: Some(parent_id),
            kind: ItemKind::Comment,
            author,
            created_at,
            title: None,
            text,
            source,
        },
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collect;
    use proptest::prelude::*;

    const THREAD: &str = include_str!("../tests/data/json/reddit_thread.json");
    const SEVERAL: &str = include_str!("../tests/data/json/reddit_several.json");

    fn read(bytes: &[u8]) -> Collect {
        Collect::read(Format::Reddit, "thread.json", bytes)
    }

    fn date(s: &str) -> Option<DateTime<FixedOffset>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap())
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
        record: u64,
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
            created_at: created.and_then(date),
            title: title.map(Into::into),
            text: text.into(),
            source: util::source(Format::Reddit, "thread.json", Position::record(record)),
        }
    }

    fn diag(record: u64, severity: Severity, reason: &str) -> crate::Diagnostic {
        util::diag("thread.json", Position::record(record), severity, reason)
    }

    #[test]
    fn a_thread_with_nested_replies_a_deleted_comment_and_more_stubs() {
        let got = read(THREAD.as_bytes());
        assert_eq!(
            got.items,
            vec![
                item(
                    "p1abc",
                    "p1abc",
                    None,
                    Some("quietfern"),
                    Some("2024-05-01T21:14:00Z"),
                    Some("Rough week & still here"),
                    "Slept badly all week.\n\nTherapy is on Thursday <3 but it feels far away. \
                     I keep thinking &quot;just get through today&quot;.",
                    1,
                ),
                item(
                    "c1",
                    "p1abc",
                    Some("p1abc"),
                    Some("tidewalker"),
                    Some("2024-05-01T21:15:00Z"),
                    None,
                    "Thursday will come. Is there someone you can call tonight?",
                    2,
                ),
                item(
                    "c2",
                    "p1abc",
                    Some("c1"),
                    Some("quietfern"),
                    Some("2024-05-01T21:16:00Z"),
                    None,
                    "My sister, maybe. Thank you for asking.",
                    3,
                ),
                // Deleted: keeps its place, so the reply under it still attaches to it.
                item(
                    "c3",
                    "p1abc",
                    Some("p1abc"),
                    None,
                    Some("2024-05-01T21:16:40Z"),
                    None,
                    "",
                    4,
                ),
                item(
                    "c4",
                    "p1abc",
                    Some("c3"),
                    Some("moss_and_stone"),
                    Some("2024-05-01T21:18:20Z"),
                    None,
                    "Whatever was said above, you deserve support.\n\n> you are not a burden\n\n\
                     That is worth reading twice.",
                    5,
                ),
            ]
        );
        assert_eq!(
            got.diagnostics,
            vec![
                diag(
                    6,
                    Severity::Degraded,
                    "3 comments not loaded (Reddit 'more' stub)"
                ),
                diag(
                    7,
                    Severity::Degraded,
                    "12 comments not loaded (Reddit 'more' stub)"
                ),
            ]
        );
    }

    #[test]
    fn several_thread_documents_a_link_post_and_a_removed_post() {
        let got = read(SEVERAL.as_bytes());
        assert_eq!(
            got.items,
            vec![
                // A link post: its words are its title.
                item(
                    "lk1",
                    "lk1",
                    None,
                    Some("ember_path"),
                    Some("2024-05-01T21:46:40Z"),
                    Some("A grounding exercise that helped me"),
                    "A grounding exercise that helped me",
                    1,
                ),
                item(
                    "lc1",
                    "lk1",
                    Some("lk1"),
                    Some("harbour_light"),
                    Some("2024-05-01T21:48:20Z"),
                    None,
                    "Saving this for the next bad night.",
                    2,
                ),
                // Removed: empty text, no author, the title stays.
                item(
                    "rm1",
                    "rm1",
                    None,
                    None,
                    Some("2024-05-01T22:03:20Z"),
                    Some("Not sure where else to say this"),
                    "",
                    3,
                ),
                item(
                    "rc1",
                    "rm1",
                    Some("rm1"),
                    Some("tidewalker"),
                    Some("2024-05-01T22:05:00Z"),
                    None,
                    "I hope you are safe. The crisis line is there any hour.",
                    4,
                ),
            ]
        );
        assert_eq!(got.diagnostics, vec![]);
    }

    #[test]
    fn a_single_listing_and_documents_one_after_another() {
        let comments = r#"{"kind":"Listing","data":{"children":[
            {"kind":"t1","data":{"id":"k1","parent_id":"t3_zz","link_id":"t3_zz","author":"a","body":"first","created_utc":0}},
            {"kind":"t1","data":{"id":"k2","parent_id":"t1_k1","link_id":"t3_zz","author":"b","body":"second"}}
        ]}}"#;
        let got = read(comments.as_bytes());
        let ids: Vec<_> = got
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.thread_id.as_str(), i.parent_id.as_deref()))
            .collect();
        assert_eq!(ids, [("k1", "zz", Some("zz")), ("k2", "zz", Some("k1"))]);
        assert_eq!(got.items[0].created_at, date("1970-01-01T00:00:00Z"));
        assert_eq!(got.items[1].created_at, None);
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);

        // One document per line: records keep counting across documents.
        let twice = format!(
            "{}\n{}\n",
            comments.replace('\n', " "),
            comments.replace('\n', " ")
        );
        let got = read(twice.as_bytes());
        assert_eq!(got.items.len(), 4);
        assert_eq!(got.items[3].source.position, Position::record(4));
    }

    #[test]
    fn the_tree_stands_in_for_missing_link_and_parent_ids() {
        let doc = r#"[{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"name":"t3_q9","title":"T","selftext":"S"}}]}},
            {"kind":"Listing","data":{"children":[{"kind":"t1","data":{"id":"a1","body":"top","replies":
                {"kind":"Listing","data":{"children":[{"kind":"t1","data":{"id":"a2","body":"under"}}]}}}}]}}]"#;
        let got = read(doc.as_bytes());
        let ids: Vec<_> = got
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.thread_id.as_str(), i.parent_id.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                ("q9", "q9", None),
                ("a1", "q9", Some("q9")),
                ("a2", "q9", Some("a1"))
            ]
        );
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    }

    #[test]
    fn bad_things_are_rejected_and_their_neighbours_kept() {
        let doc = r#"[{"kind":"Listing","data":{"children":[
            {"kind":"t1","data":{"id":"g1","parent_id":"t3_x","link_id":"t3_x","body":"good one","created_utc":"soon"}},
            {"kind":"t1","data":{"id":"b1","parent_id":"t3_x","link_id":"t3_x","body":42,"replies":
                {"kind":"Listing","data":{"children":[
                    {"kind":"t1","data":{"id":"g2","link_id":"t3_x","body":"reply to the bad one"}}]}}}},
            {"kind":"t2","data":{"name":"someone"}},
            {"kind":"t1"},
            "a string",
            {"kind":"t1","data":{"id":"b2","parent_id":"t3_x","body":"no thread known"}},
            {"kind":"t1","data":{"id":"g3","parent_id":"t3_x","link_id":"t3_x","body":"last good","replies":7}}
        ]}}]"#;
        let got = read(doc.as_bytes());
        let ids: Vec<_> = got
            .items
            .iter()
            .map(|i| {
                (
                    i.id.as_str(),
                    i.parent_id.as_deref(),
                    i.source.position.clone(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            [
                ("g1", Some("x"), Position::record(1)),
                // Its parent was rejected, but it still names it.
                ("g2", Some("b1"), Position::record(3)),
                ("g3", Some("x"), Position::record(8)),
            ]
        );
        assert_eq!(got.items[0].created_at, None);
        assert_eq!(
            got.diagnostics,
            vec![
                diag(
                    1,
                    Severity::Degraded,
                    "`created_utc` \"soon\" is not a date: dropped"
                ),
                diag(2, Severity::Rejected, "`body` is a number, not a string"),
                diag(
                    4,
                    Severity::Rejected,
                    "a Reddit `t2` thing, neither a submission (t3) nor a comment (t1): skipped"
                ),
                diag(
                    5,
                    Severity::Rejected,
                    "a Reddit `t1` thing without a `data` object: skipped"
                ),
                diag(
                    6,
                    Severity::Rejected,
                    "expected a Listing or a Reddit thing, found a string: skipped"
                ),
                diag(
                    7,
                    Severity::Rejected,
                    "a comment without `link_id`: its thread is unknown"
                ),
                diag(
                    8,
                    Severity::Degraded,
                    "`replies` is a number, neither \"\" nor a Listing: replies not read"
                ),
            ]
        );
    }

    #[test]
    fn a_cut_file_keeps_what_came_before_the_cut() {
        // Cut inside the second Listing (the comments): the post is still read.
        let cut = THREAD.find("\"tidewalker\"").unwrap();
        let doc = &THREAD[..cut];
        let got = read(doc.as_bytes());
        assert_eq!(got.items.len(), 1);
        assert_eq!(got.items[0].id, "p1abc");
        assert_eq!(got.diagnostics.len(), 1, "{:?}", got.diagnostics);
        let d = &got.diagnostics[0];
        assert_eq!(d.severity, Severity::Fatal);
        let lines = doc.matches('\n').count() as u64 + 1;
        // serde_json places an early end at the last byte it read.
        assert_eq!(
            d.position,
            Position::line(lines).with_byte(doc.len() as u64 - 1)
        );
        assert!(
            d.reason.starts_with("invalid JSON: EOF while parsing"),
            "{d}"
        );
        assert!(
            d.reason.contains("the rest of the file was not read"),
            "{d}"
        );
    }

    #[test]
    fn broken_json_is_placed_by_line_and_column() {
        let doc = "[\n  {\"kind\": \"Listing\",\n   \"data\": {\"children\": [}\n]";
        let got = read(doc.as_bytes());
        assert!(got.items.is_empty());
        let d = &got.diagnostics[0];
        assert_eq!(d.severity, Severity::Fatal);
        assert_eq!(d.position.line, Some(3));
        assert!(d.reason.contains("column 26"), "{d}");

        let junk = format!("{} trailing", THREAD.trim_end());
        let got = read(junk.as_bytes());
        assert_eq!(got.items.len(), 5, "everything before the junk is read");
        assert_eq!(got.diagnostics.last().unwrap().severity, Severity::Fatal);

        let got = read(b"[1, 2");
        assert_eq!(got.diagnostics.len(), 3, "{:?}", got.diagnostics);
        assert_eq!(got.diagnostics[2].severity, Severity::Fatal);
        assert!(got.diagnostics[2]
            .reason
            .contains("the file ends inside an array"));
    }

    #[test]
    fn empty_and_oversized_files_are_fatal() {
        let got = read(b"  \n");
        assert_eq!(
            got.diagnostics,
            vec![util::diag(
                "thread.json",
                Position::byte(0),
                Severity::Fatal,
                "empty file: no JSON document"
            )]
        );
        let mut got = Collect::default();
        read_limited(&mut THREAD.as_bytes(), "big.json", &mut got, 100);
        assert!(got.items.is_empty());
        assert_eq!(got.diagnostics.len(), 1);
        assert_eq!(got.diagnostics[0].severity, Severity::Fatal);
        assert!(got.diagnostics[0].reason.contains("--from pushshift"));
        // At the limit exactly, it is read.
        let mut got = Collect::default();
        read_limited(
            &mut THREAD.as_bytes(),
            "big.json",
            &mut got,
            THREAD.len() as u64,
        );
        assert_eq!(got.items.len(), 5);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let doc = format!("\u{feff}{THREAD}");
        assert_eq!(read(doc.as_bytes()).items.len(), 5);
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(decode_entities("a &amp; b"), "a & b");
        assert_eq!(
            decode_entities("&amp;lt; is how &lt; is written"),
            "&lt; is how < is written"
        );
        assert_eq!(
            decode_entities("&gt;&gt; quoted & plain &nbsp;"),
            ">> quoted & plain &nbsp;"
        );
        assert_eq!(decode_entities("&"), "&");
        assert_eq!(decode_entities("ünïcode &amp"), "ünïcode &amp");
        assert_eq!(strip_prefix("t3_abc"), "abc");
        assert_eq!(strip_prefix("t1_"), "t1_");
        assert_eq!(strip_prefix("abc"), "abc");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read(&bytes);
        }

        #[test]
        fn mutated_threads_never_panic(
            cut in 0usize..THREAD.len(),
            edits in proptest::collection::vec((0usize..THREAD.len(), any::<u8>()), 0..8),
        ) {
            let mut bytes = THREAD.as_bytes().to_vec();
            for (at, byte) in edits {
                bytes[at] = byte;
            }
            bytes.truncate(cut.max(1));
            let got = read(&bytes);
            // Whatever happens, something is said about a damaged file, or it is read whole.
            prop_assert!(!got.items.is_empty() || !got.diagnostics.is_empty());
        }

        #[test]
        fn deep_nesting_never_panics(depth in 0usize..400, open in "[\\[{]") {
            let doc = open.repeat(depth);
            let _ = read(doc.as_bytes());
        }
    }
}
