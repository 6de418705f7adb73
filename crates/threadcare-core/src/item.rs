use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Whether an item opens a thread or answers something in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Post,
    Comment,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Post => "post",
            ItemKind::Comment => "comment",
        }
    }
}

/// The input formats threadcare reads. The names are the values of `--from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    BlogText,
    Wxr,
    Rss,
    Atom,
    Reddit,
    Pushshift,
    Jsonl,
    Csv,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::BlogText,
        Format::Wxr,
        Format::Rss,
        Format::Atom,
        Format::Reddit,
        Format::Pushshift,
        Format::Jsonl,
        Format::Csv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::BlogText => "blog-text",
            Format::Wxr => "wxr",
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Reddit => "reddit",
            Format::Pushshift => "pushshift",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Where in its file a record was found. Readers fill what their format knows: a line number
/// for line-based formats, a record number for CSV and JSON documents, a byte offset for XML.
/// All numbers are 1-based except `byte`, which is a 0-based offset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte: Option<u64>,
}

impl Position {
    pub fn line(line: u64) -> Self {
        Position {
            line: Some(line),
            ..Default::default()
        }
    }
    pub fn record(record: u64) -> Self {
        Position {
            record: Some(record),
            ..Default::default()
        }
    }
    pub fn byte(byte: u64) -> Self {
        Position {
            byte: Some(byte),
            ..Default::default()
        }
    }
    pub fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    pub fn with_record(mut self, record: u64) -> Self {
        self.record = Some(record);
        self
    }
    pub fn with_byte(mut self, byte: u64) -> Self {
        self.byte = Some(byte);
        self
    }
    pub fn is_empty(&self) -> bool {
        self.line.is_none() && self.record.is_none() && self.byte.is_none()
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(r) = self.record {
            parts.push(format!("record {r}"));
        }
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(b) = self.byte {
            parts.push(format!("byte {b}"));
        }
        if parts.is_empty() {
            f.write_str("whole file")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Where an item came from: the format that read it, the file (or `-` for standard input) and
/// the position of its record in that file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    pub format: Format,
    pub file: String,
    pub position: Position,
}

/// One text: a post or a comment. The fields are the stable contract of `DESIGN.md` §2; add,
/// never rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id: from the source where it has one, else a content hash ([`crate::content_id`]).
    pub id: String,
    pub thread_id: String,
    /// The item this one answers; `None` for the post.
    pub parent_id: Option<String>,
    pub kind: ItemKind,
    pub author: Option<String>,
    /// RFC 3339 when known.
    pub created_at: Option<DateTime<FixedOffset>>,
    /// Posts usually have one; comments usually not.
    pub title: Option<String>,
    /// Plain text. Empty only for items whose text the source removed (`[deleted]`).
    pub text: String,
    pub source: Source,
}

/// What a reader knows about a thread beyond its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMeta {
    pub thread_id: String,
    pub title: Option<String>,
    /// The number of comments the page claims ("7 thoughts on …"), which may exceed what the
    /// page actually shows.
    pub declared_comments: Option<u64>,
    /// The number of comments the reader found.
    pub found_comments: u64,
    pub source: Source,
}

/// A post with its comments, in reading order, as grouped from a reader's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub thread_id: String,
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_comments: Option<u64>,
    pub items: Vec<Item>,
}

impl Thread {
    /// The post, if the input contained it (a comment feed may hold comments only).
    pub fn post(&self) -> Option<&Item> {
        self.items.iter().find(|i| i.kind == ItemKind::Post)
    }

    pub fn comments(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.kind == ItemKind::Comment)
    }

    /// Groups items into threads, keeping the first-seen order of threads and of items within
    /// each. Thread metadata (title, declared count) is attached where a reader gave it.
    pub fn group(items: Vec<Item>, metas: &[ThreadMeta]) -> Vec<Thread> {
        let mut order: Vec<String> = Vec::new();
        let mut by_id: std::collections::HashMap<String, Vec<Item>> = Default::default();
        for item in items {
            if !by_id.contains_key(&item.thread_id) {
                order.push(item.thread_id.clone());
            }
            by_id.entry(item.thread_id.clone()).or_default().push(item);
        }
        order
            .into_iter()
            .map(|thread_id| {
                let items = by_id.remove(&thread_id).unwrap_or_default();
                let meta = metas.iter().find(|m| m.thread_id == thread_id);
                let title = meta.and_then(|m| m.title.clone()).or_else(|| {
                    items
                        .iter()
                        .find(|i| i.kind == ItemKind::Post)
                        .and_then(|p| p.title.clone())
                });
                Thread {
                    declared_comments: meta.and_then(|m| m.declared_comments),
                    thread_id,
                    title,
                    items,
                }
            })
            .collect()
    }
}
