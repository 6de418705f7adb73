//! One record to one item: what the readers that build one item per record share.
//!
//! - [`Fields`] holds the item fields of `DESIGN.md` §2 as a JSON Lines object or a CSV row
//!   carries them, and [`Fields::into_item`] is the one place where their defaults and checks
//!   are applied (the rules are listed in [`crate::jsonl`]), so that the two formats cannot drift
//!   apart.
//! - [`Built`] is an item with what was dropped from it, and [`emit`] sends a record's outcome
//!   to the sink the same way for every such reader (JSON Lines, CSV, Pushshift, Reddit).

use chrono::{DateTime, FixedOffset};
use threadcare_core::{content_id, time};

use crate::{util, Item, ItemKind, Position, Severity, Sink, Source};

/// An item built from one record, with the reasons for what was dropped from it.
pub(crate) struct Built {
    pub item: Item,
    /// Each the reason of a `Degraded` diagnostic at the record's position.
    pub warnings: Vec<String>,
}

/// Sends what became of one record to `out`, at `position`: the warnings as `Degraded`
/// diagnostics and then the item, or the reason it was rejected as a `Rejected` diagnostic.
pub(crate) fn emit(
    out: &mut dyn Sink,
    file: &str,
    position: Position,
    built: Result<Built, String>,
) {
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
        Err(reason) => out.diagnostic(util::diag(file, position, Severity::Rejected, reason)),
    }
}

/// A value quoted in a message, cut to a readable length.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

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
    /// Applies the defaults and checks of `DESIGN.md` §2 (as [`crate::jsonl`] lists them): kind
    /// from `parent_id`, thread from the post's id, a content id where `id` is missing, a date
    /// that is not one dropped with a warning. `Err` is the reason to reject the record.
    pub(crate) fn into_item(self, source: Source) -> Result<Built, String> {
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
        Ok(Built { item, warnings })
    }
}

/// The forms `parse_datetime` knows, then chrono's own (what chrono writes for years it cannot
/// put in RFC 3339, say).
fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    time::parse_datetime(s).or_else(|| s.trim().parse::<DateTime<FixedOffset>>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Diagnostic, Format};

    /// What reached the sink, in order.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn item(&mut self, item: Item) {
            self.0.push(format!("item {}", item.id));
        }
        fn diagnostic(&mut self, d: Diagnostic) {
            self.0.push(format!(
                "{:?} at {:?}: {}",
                d.severity, d.position.line, d.reason
            ));
        }
    }

    fn fields(id: &str, created_at: Option<&str>) -> Fields {
        Fields {
            id: Some(id.into()),
            thread_id: None,
            parent_id: None,
            kind: None,
            author: None,
            created_at: created_at.map(|c| Created::Text(c.into())),
            title: None,
            text: "words".into(),
        }
    }

    fn source() -> Source {
        util::source(Format::Jsonl, "x.jsonl", Position::line(3))
    }

    #[test]
    fn emit_gives_the_warnings_then_the_item_or_one_rejection() {
        let mut log = Log::default();
        let kept = fields("a1", Some("whenever")).into_item(source());
        record_emit(&mut log, kept);
        record_emit(&mut log, Err("no text".into()));
        let built = fields("a2", None).into_item(source()).unwrap();
        assert!(built.warnings.is_empty());
        record_emit(&mut log, Ok(built));
        assert_eq!(
            log.0,
            [
                "Degraded at Some(3): `created_at` \"whenever\" is not a date: dropped",
                "item a1",
                "Rejected at Some(3): no text",
                "item a2",
            ]
        );
    }

    fn record_emit(out: &mut dyn Sink, built: Result<Built, String>) {
        emit(out, "x.jsonl", Position::line(3), built);
    }

    #[test]
    fn clip_cuts_long_values_at_sixty_characters() {
        assert_eq!(clip("short"), "short");
        let exact = "é".repeat(60);
        assert_eq!(clip(&exact), exact);
        assert_eq!(clip(&"é".repeat(61)), format!("{exact}…"));
    }
}
