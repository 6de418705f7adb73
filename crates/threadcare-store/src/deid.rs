//! De-identification for researchers: pseudonymous authors, redacted names, e-mail addresses,
//! phone numbers and URLs.
//!
//! - [`pseudonym`]: `writer-` and 8 hex digits of an HMAC-SHA-256 of the name, keyed with the
//!   database's secret ([`crate::Store::deid_key`]): stable within one database, unrelated across
//!   databases, and not reversible without the key.
//! - [`Redactor`]: replaces e-mail addresses, phone numbers, URLs, `@handles`, the given names
//!   (a thread's writers) and the names nobody wrote under (titled, introduced or signed names,
//!   and capitalised words inside a sentence that are not days, months, languages and the like:
//!   a place's name goes too, since it narrows down who wrote) with `[email]`, `[phone]`, `[url]`, `[name]`, and maps byte offsets of
//!   the original text into the redacted text ([`Redaction::map`]), so that evidence spans still
//!   point at the same words.
//! - [`Deidentifier`]: applies both to the store's views (items, threads, queue entries,
//!   timelines, versions) in place.

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use regex::Regex;
use sha2::Sha256;
use threadcare_core::Signal;

use crate::{ItemVersion, Result};
use crate::{QueueEntry, Store, StoredItem, ThreadView, Timeline};

/// The pseudonym of a writer under `key`: `writer-` and 8 hex digits.
pub fn pseudonym(author: &str, key: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(author.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("writer-{}", crate::sqlite::hex(&digest[..4]))
}

/// Replaces e-mail addresses, phone numbers, URLs, @handles and `names` in `text`.
pub fn redact(text: &str, names: &[&str]) -> String {
    Redactor::new(names).redact(text).text
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").unwrap()
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        \b(?:https?://|www\.)[^\s<>"'()\[\]{}]+
        | \b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*
          \.(?:com|org|net|edu|gov|io|co|uk|de|fr|nl|ca|au|nz|ie|info|me|ly|tv|app|blog|social)\b
          (?:/[^\s<>"'()\[\]{}]*)?"#,
    )
    .unwrap()
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\+?\(?\d[\d \t().-]{5,}\d").unwrap());
static HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w@./])(@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)").unwrap()
});
static DATE_OR_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{4}|\d{4}\s*-\s*\d{4}|\d+\.\d+)$",
    )
    .unwrap()
});

/// A title with a name: "Dr Lee", "Mrs. Okafor".
static TITLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Professor|Nurse|Sister|Father|Pastor|Rabbi|Imam)\.?\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b").unwrap()
});
/// A name said to be one: "my name is Sam", "I'm called Jo", "call me Kit".
static INTRODUCED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\bmy name is|\bi'?m called|\bi am called|\bcall me|\bnamed|\bcalled)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b").unwrap()
});
/// A signature: a line that is one capitalised word ("- Sam"), or a sign-off and a name.
static SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*(?:[-\u{2013}\u{2014}~][ \t]*)?([A-Z][a-z]+)[ \t]*(?:x+)?[ \t]*$|(?i:\b(?:love|thanks|cheers|best|regards|hugs|xo|xx)),?[ \t]*\n?[ \t]*([A-Z][a-z]+)[ \t]*$").unwrap()
});
/// A word with a capital inside a sentence: very often a person's or a place's name.
static CAPITALISED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z][a-z]+(?:['\u{2019}]s)?\b").unwrap());

/// Words written with a capital inside a sentence that are not anyone's name (a place's name is
/// redacted too: it narrows down who wrote).
const CAPITALISED_NOT_NAMES: &[&str] = &[
    "I",
    "Im",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Christmas",
    "Easter",
    "Halloween",
    "Thanksgiving",
    "Ramadan",
    "Eid",
    "Diwali",
    "Hanukkah",
    "Passover",
    "New",
    "Year",
    "Years",
    "Eve",
    "Day",
    "English",
    "British",
    "American",
    "Canadian",
    "Australian",
    "Irish",
    "Scottish",
    "Welsh",
    "French",
    "German",
    "Spanish",
    "Italian",
    "Indian",
    "Chinese",
    "Black",
    "White",
    "Asian",
    "Latino",
    "Jewish",
    "Muslim",
    "Christian",
    "Catholic",
    "God",
    "Jesus",
    "Lord",
    "Bible",
    "Internet",
    "Reddit",
    "Facebook",
    "Instagram",
    "Twitter",
    "Tiktok",
    "Youtube",
    "Google",
    "Whatsapp",
    "Discord",
    "Tumblr",
    "Wordpress",
    "Netflix",
    "Spotify",
    "Zoom",
    "Teams",
    "Samaritans",
    "Lifeline",
    "Mind",
    "Crisis",
    "Text",
    "Line",
    "Shout",
    "Ok",
    "Okay",
    "Tv",
    "Covid",
    "Prozac",
    "Zoloft",
    "Xanax",
    "Lexapro",
    "Seroquel",
    "Valium",
    "Tylenol",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Mx",
    "Mum",
    "Mom",
    "Dad",
    "Mummy",
    "Mommy",
    "Daddy",
    "Nan",
    "Gran",
    "Grandma",
    "Grandpa",
    "Therapist",
    "Therapy",
    "Edit",
    "Update",
    "Tw",
    "Cw",
    "Ps",
    "Oh",
    "Yes",
    "No",
    "Please",
    "Thank",
    "Thanks",
    "Sorry",
    "Hi",
    "Hey",
    "Hello",
    "Love",
];

/// Capitalised words inside sentences, signatures, titled and introduced names (never a
/// sentence's first word, and not in text written in title case, where every word has a capital).
fn likely_names(text: &str, found: &mut Vec<(usize, usize, &'static str)>) {
    for m in TITLED.find_iter(text) {
        found.push((m.start(), m.end(), "[name]"));
    }
    for c in INTRODUCED.captures_iter(text) {
        let m = c.get(1).expect("group 1 always takes part");
        found.push((m.start(), m.end(), "[name]"));
    }
    for c in SIGNATURE.captures_iter(text) {
        if let Some(m) = c.get(1).or_else(|| c.get(2)) {
            if !is_not_a_name(m.as_str()) {
                found.push((m.start(), m.end(), "[name]"));
            }
        }
    }
    let words = text.split_whitespace().count();
    let capitalised: Vec<_> = CAPITALISED.find_iter(text).collect();
    if words == 0 || capitalised.len() * 2 > words {
        return; // title case
    }
    for m in capitalised {
        let word = m.as_str();
        let bare = word.trim_end_matches("'s").trim_end_matches("\u{2019}s");
        if is_not_a_name(bare) || starts_sentence(text, m.start()) {
            continue;
        }
        found.push((m.start(), m.start() + bare.len(), "[name]"));
    }
}

fn is_not_a_name(word: &str) -> bool {
    CAPITALISED_NOT_NAMES
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// Whether the word at `at` opens a sentence, a line, a quotation or a list item.
fn starts_sentence(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let trimmed = before.trim_end_matches([' ', '\t']);
    trimmed.chars().next_back().is_none_or(|c| {
        matches!(
            c,
            '.' | '!'
                | '?'
                | '\n'
                | '\r'
                | ':'
                | ';'
                | '"'
                | '\''
                | '\u{201c}'
                | '\u{2018}'
                | '('
                | '['
                | '-'
                | '\u{2013}'
                | '\u{2014}'
                | '*'
                | '\u{2022}'
                | '>'
                | '\u{2026}'
        )
    })
}

/// Names that are not anyone's name.
const NOT_NAMES: &[&str] = &[
    "anonymous",
    "anon",
    "unknown",
    "guest",
    "[deleted]",
    "[removed]",
    "deleted",
    "removed",
];

/// What a redaction changed: the new text, and where each replacement sits in both texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub text: String,
    edits: Vec<Edit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edit {
    old_start: usize,
    old_end: usize,
    new_start: usize,
    new_end: usize,
}

impl Redaction {
    /// Whether anything was replaced.
    pub fn changed(&self) -> bool {
        !self.edits.is_empty()
    }

    /// Maps a half-open byte span of the original text to the redacted text. A span clear of
    /// every replacement covers the same words; a span overlapping one grows to cover the whole
    /// placeholder.
    pub fn map(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.point(start, false);
        let e = self.point(end.max(start), true).max(s);
        (s, e)
    }

    fn point(&self, p: usize, is_end: bool) -> usize {
        let mut shifted = p as isize;
        for e in &self.edits {
            if p < e.old_start || (is_end && p == e.old_start) {
                break;
            }
            if p >= e.old_end {
                shifted = p as isize + (e.new_end as isize - e.old_end as isize);
                continue;
            }
            // Inside a replacement.
            return if is_end { e.new_end } else { e.new_start };
        }
        (shifted.max(0) as usize).min(self.text.len())
    }
}

/// Finds what to redact. Build one per thread (its writers' names) or per request.
#[derive(Debug, Clone)]
pub struct Redactor {
    names: Option<Regex>,
}

impl Redactor {
    /// A redactor for `names` (whole words, any case). Names shorter than 3 characters and
    /// placeholders such as `[deleted]` are not searched for.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Redactor {
        let mut names: Vec<&str> = names
            .iter()
            .map(|n| n.as_ref().trim())
            .filter(|n| n.chars().count() >= 3)
            .filter(|n| !NOT_NAMES.iter().any(|x| x.eq_ignore_ascii_case(n)))
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        let alternatives: Vec<String> = names
            .iter()
            .map(|n| {
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                format!(
                    "{}{}{}",
                    if word(n.chars().next()) { r"\b" } else { "" },
                    regex::escape(n),
                    if word(n.chars().last()) { r"\b" } else { "" }
                )
            })
            .collect();
        let names = if alternatives.is_empty() {
            None
        } else {
            // Escaped literals always compile; a huge list could exceed the size limit, and
            // then names are matched one by one below instead of failing.
            Regex::new(&format!("(?i)(?:{})", alternatives.join("|"))).ok()
        };
        Redactor { names }
    }

    /// Redacts `text`.
    pub fn redact(&self, text: &str) -> Redaction {
        let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
        for m in EMAIL.find_iter(text) {
            found.push((m.start(), m.end(), "[email]"));
        }
        for m in URL.find_iter(text) {
            let trimmed = m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?']);
            if !trimmed.is_empty() {
                found.push((m.start(), m.start() + trimmed.len(), "[url]"));
            }
        }
        for m in PHONE.find_iter(text) {
            let s = m.as_str().trim_end_matches(['(', '.', '-', ' ', '\t']);
            let digits = s.bytes().filter(u8::is_ascii_digit).count();
            // Seven digits or more: phone numbers, and (safer to lose) account or card numbers.
            if digits >= 7 && !DATE_OR_RANGE.is_match(s.trim()) {
                found.push((m.start(), m.start() + s.len(), "[phone]"));
            }
        }
        for c in HANDLE.captures_iter(text) {
            let m = c.get(1).expect("group 1 always takes part");
            found.push((m.start(), m.end(), "[name]"));
        }
        if let Some(names) = &self.names {
            for m in names.find_iter(text) {
                found.push((m.start(), m.end(), "[name]"));
            }
        }
        likely_names(text, &mut found);
        found.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut merged: Vec<(usize, usize, &'static str)> = Vec::new();
        for f in found {
            match merged.last_mut() {
                Some(last) if f.0 < last.1 => last.1 = last.1.max(f.1),
                _ => merged.push(f),
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut edits = Vec::with_capacity(merged.len());
        let mut at = 0;
        for (s, e, label) in merged {
            out.push_str(&text[at..s]);
            let new_start = out.len();
            out.push_str(label);
            edits.push(Edit {
                old_start: s,
                old_end: e,
                new_start,
                new_end: out.len(),
            });
            at = e;
        }
        out.push_str(&text[at..]);
        Redaction { text: out, edits }
    }

    /// Redacts a string in place.
    pub fn redact_in_place(&self, text: &mut String) {
        let r = self.redact(text);
        if r.changed() {
            *text = r.text;
        }
    }
}

/// Re-points signals (and their cues) at the redacted text or title.
fn remap_signals(signals: &mut [Signal], text: &Redaction, title: Option<&Redaction>) {
    for s in signals {
        let r = if s.in_title {
            match title {
                Some(t) => t,
                None => continue,
            }
        } else {
            text
        };
        let (start, end) = r.map(s.start, s.end);
        s.start = start;
        s.end = end;
        if let Some(words) = r.text.get(start..end) {
            s.text = words.to_string();
        }
        for cue in &mut s.cues {
            let (cs, ce) = r.map(cue.start, cue.end);
            cue.start = cs;
            cue.end = ce;
            if let Some(words) = r.text.get(cs..ce) {
                cue.text = words.to_string();
            }
        }
    }
}

/// Applies pseudonyms and redaction to the store's views, in place.
#[derive(Clone)]
pub struct Deidentifier {
    key: Vec<u8>,
}

impl std::fmt::Debug for Deidentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deidentifier(…)")
    }
}

impl Deidentifier {
    pub fn new(key: impl Into<Vec<u8>>) -> Deidentifier {
        Deidentifier { key: key.into() }
    }

    /// With the store's pseudonym key.
    pub fn for_store(store: &dyn Store) -> Result<Deidentifier> {
        Ok(Deidentifier::new(store.deid_key()?))
    }

    pub fn pseudonym(&self, author: &str) -> String {
        pseudonym(author, &self.key)
    }

    /// An item: author pseudonymised; title, text, explanation and action notes redacted with
    /// `redactor` (build it with the thread's writers, or every writer from
    /// [`Store::authors`]); evidence spans re-mapped; the source keeps its format and position
    /// and only the file's name.
    pub fn stored_item(&self, item: &mut StoredItem, redactor: &Redactor) {
        let i = &mut item.assessed.item;
        if let Some(a) = &mut i.author {
            *a = self.pseudonym(a);
        }
        let text = redactor.redact(&i.text);
        let title = i.title.as_deref().map(|t| redactor.redact(t));
        remap_signals(&mut item.assessed.assessment.signals, &text, title.as_ref());
        i.text = text.text;
        if let Some(t) = title {
            i.title = Some(t.text);
        }
        let file = std::path::Path::new(&i.source.file)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        i.source.file = redactor.redact(&file).text;
        redactor.redact_in_place(&mut item.assessed.assessment.explanation);
        for a in &mut item.actions {
            if let Some(note) = &mut a.note {
                redactor.redact_in_place(note);
            }
        }
    }

    /// A thread: every item as in [`Deidentifier::stored_item`], with the names of all the
    /// thread's writers redacted; the summary's title and explanation too.
    pub fn thread(&self, view: &mut ThreadView) {
        let names: Vec<String> = view
            .items
            .iter()
            .filter_map(|i| i.assessed.item.author.clone())
            .collect();
        let redactor = Redactor::new(&names);
        for item in &mut view.items {
            self.stored_item(item, &redactor);
        }
        if let Some(t) = &mut view.summary.title {
            redactor.redact_in_place(t);
        }
        redactor.redact_in_place(&mut view.summary.explanation);
    }

    pub fn queue_entry(&self, entry: &mut QueueEntry, redactor: &Redactor) {
        if let Some(a) = &mut entry.author {
            *a = self.pseudonym(a);
        }
        if let Some(t) = &mut entry.thread_title {
            redactor.redact_in_place(t);
        }
        redactor.redact_in_place(&mut entry.explanation);
        if let Some(trend) = &mut entry.trend {
            trend.author = self.pseudonym(&trend.author);
        }
    }

    pub fn item_version(&self, version: &mut ItemVersion, redactor: &Redactor) {
        redactor.redact_in_place(&mut version.text);
        if let Some(t) = &mut version.title {
            redactor.redact_in_place(t);
        }
    }

    pub fn timeline(&self, timeline: &mut Timeline) {
        timeline.author = self.pseudonym(&timeline.author);
        if let Some(alert) = &mut timeline.alert {
            alert.author = self.pseudonym(&alert.author);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_shaped() {
        let a = pseudonym("Robin", b"key one");
        assert_eq!(a, pseudonym("Robin", b"key one"));
        assert_ne!(a, pseudonym("Robin", b"key two"));
        assert_ne!(a, pseudonym("robin", b"key one"));
        assert_eq!(a.len(), "writer-".len() + 8);
        assert!(a.starts_with("writer-") && a[7..].bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn redacts_each_kind() {
        let text = "Write to robin.k@example.org or call +1 (555) 123-4567, see \
                    https://example.net/page?x=1. Ask @sunny_day or Robin, not robinhood.";
        let out = redact(text, &["Robin"]);
        assert_eq!(
            out,
            "Write to [email] or call [phone], see [url]. Ask [name] or [name], not robinhood."
        );
    }

    #[test]
    fn leaves_dates_numbers_and_short_names_alone() {
        let text =
            "On 2024-03-05 I slept 10 hours; from 2019-2021 I took 20 mg. Al said 3.1415926.";
        assert_eq!(redact(text, &["Al", "[deleted]"]), text);
        assert_eq!(redact("call 555 0199 123", &[]), "call [phone]");
        assert_eq!(
            redact("bare link: mysite.blog/post/1, ok", &[]),
            "bare link: [url], ok"
        );
    }

    #[test]
    fn names_nobody_wrote_under_are_redacted_too() {
        let text = "Today my therapist Priya said Dr Okafor would see me on Monday in Leeds.\n\
                    My name is Tamsin and I'm scared.\n\nLove,\nJo";
        assert_eq!(
            redact(text, &[]),
            "Today my therapist [name] said [name] would see me on Monday in [name].\n\
             My name is [name] and I'm scared.\n\nLove,\n[name]"
        );
        // A sentence's first word, days, acronyms and title case stay.
        let plain = "Therapy was hard. Sunday I told the NHS line. I felt OK.";
        assert_eq!(redact(plain, &[]), plain);
        let title = "She Ended Our Sessions Today And I Can't Breathe";
        assert_eq!(redact(title, &[]), title);
    }

    #[test]
    fn names_with_punctuation_and_any_case() {
        let out = redact("i told J.D. and j.d. and MARY-ANN", &["J.D.", "Mary-Ann"]);
        assert_eq!(out, "i told [name] and [name] and [name]");
    }

    #[test]
    fn spans_are_remapped() {
        let text = "Mail me at a@b.com because I took the pills, Robin.";
        let r = Redactor::new(&["Robin"]).redact(text);
        assert_eq!(
            r.text,
            "Mail me at [email] because I took the pills, [name]."
        );
        let s = text.find("took the pills").unwrap();
        let (ns, ne) = r.map(s, s + "took the pills".len());
        assert_eq!(&r.text[ns..ne], "took the pills");
        // Overlapping the address: grows to the placeholder.
        let s = text.find("at a@b").unwrap();
        let (ns, ne) = r.map(s, s + 6);
        assert_eq!(&r.text[ns..ne], "at [email]");
        // Ending exactly where a redaction starts stays clear of it.
        let s = text.find("Mail me at ").unwrap();
        let (ns, ne) = r.map(s, s + "Mail me at ".len());
        assert_eq!(&r.text[ns..ne], "Mail me at ");
    }
}
