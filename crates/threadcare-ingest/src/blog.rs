//! Blog page text: what a person gets by selecting a blog page in a browser and copying it
//! (`DESIGN.md` §3; the pages in `../shared/seeds/` are the reference). One file is one page,
//! and one page is one thread: a post and the comments under it.
//!
//! # Layout
//!
//! ```text
//! Title line (optional)
//!
//! Post paragraph, possibly over
//! several lines.
//!
//! 7 thoughts on “Title”                 <- comment header (optional)
//!
//!   1. Sam says:                         <- numbered comment, `Name says:` gives the author
//!
//!     First paragraph of the comment.
//!
//!     Liked by 2 people                  <- metadata, dropped
//!
//!     • Reply to Sam                     <- deeper marker: a reply to the comment above
//!       its second line
//!
//!   2. Another top-level comment.
//! ```
//!
//! # Rules
//!
//! **Lines.** Lines end at `\n`, `\r\n` or a lone `\r`; line numbers are 1-based. A line's
//! indentation is its leading whitespace (spaces, no-break spaces, other Unicode spaces and
//! zero-width characters count one column each; a tab moves to the next multiple of 4). Trailing
//! whitespace, no-break spaces included, is dropped. A line holding nothing but whitespace is
//! blank. A whole line `Liked by N person` / `Liked by N people` is metadata and is dropped
//! wherever it appears.
//!
//! **Comment header.** A line of the form `<count> <noun> <on|to> <title>` where `<count>` is
//! digits or an English number word (`One` … `Ninety-nine`), `<noun>` is `thought(s)`,
//! `comment(s)`, `response(s)` or `reply`/`replies`, and `<title>` is quoted at least at one end
//! (curly or straight quotes; a quote missing at one end is accepted, as in
//! `One thought on "Title`). To keep a post sentence such as `Two thoughts on “hope” and why`
//! from being taken for a header, a title that opens with `“` or `"` must not close it before
//! its end, the header must be preceded by a blank line (or start the page) and followed by a
//! blank line, a comment marker or the end of the page. The first such line is the header: the
//! post is what comes before it, the comment section what comes after. The count becomes
//! [`ThreadMeta::declared_comments`]; pages often show fewer comments than they declare, and
//! both numbers are kept.
//!
//! **No header.** Some copies lose the header (seed 004). Then the comment section starts at the
//! first comment marker (`1.` or a bullet) whose line is a `Name says:` line. Without a header
//! and without such a line, the whole page is the post: a numbered list in a post cannot be told
//! from unlabelled comments, and keeping the text with the post loses nothing.
//!
//! **Title.** The first non-blank line of the post region is the title when
//! - the page has a header with a title and this line is that title (compared with whitespace
//!   collapsed, case and quote styles ignored); with a header whose title differs from the first
//!   line, the page starts without a title line and the header's title is the post's title
//!   (seed 001); or
//! - there is no header title, and the line looks like one: it is followed by a blank line and
//!   more post text, is at most 100 characters and 15 words long, does not end with `,`, `:`,
//!   `;` or a dash, and holds no sentence boundary (`.`, `!` or `?` followed by a space and more
//!   words). A short phrase such as seed 000's first line is a title, even with a final period;
//!   "I haven’t posted in weeks. Here is why." is not (like seed 004's first line).
//!
//! A one-sentence opener such as "I can’t do this anymore." followed by a blank line is still
//! read as a title by the second rule, so consumers that assess risk must read
//! [`Item::title`] as well as [`Item::text`]. Titles are given with whitespace runs
//! (no-break spaces included) collapsed to one space.
//!
//! **Comments.** In the comment section a comment starts at a *marker*: a bullet (`•`, `◦`, `▪`,
//! `‣`, `●`, `○`, `■`) or a number of one to three digits followed by `.` or `)` and a space.
//! Nesting is read from indentation *relative* to the open comments, never from fixed widths:
//! a marker indented deeper than the marker of the comment above is a reply to it; otherwise
//! comments whose markers are indented as deep or deeper are closed first. Printed numbers are
//! ignored (seed 003 restarts them at each level). A marker line that is `Name says:` gives the
//! author and no text; so does a `Name says:` line right after a marker with no text. On a page
//! whose comments have no markers at all, a `Name says:` line after a comment that already has
//! text starts a new comment at its indentation; once markers have been seen, such a line is
//! text ("My sister says:"). Any other line is text of the deepest open comment whose marker is
//! indented less than the line (for a comment without a marker: whose first line is not
//! indented more than it), or, when there is none, of the comment read last. Text before the
//! first marker after a header is read as an unmarked comment, and text indented less than the
//! first comment's marker after the comments is kept with the last comment with a `Degraded`
//! diagnostic (it may be a page footer). A comment whose text turns out empty is skipped with a
//! `Rejected` diagnostic; its replies are attached to its nearest kept ancestor.
//! A list inside a comment written with `1.` or bullets is read as replies: the copy does not
//! say which it is.
//!
//! **Text.** Consecutive lines form a paragraph; a blank line or a dropped metadata line ends
//! it. Each line loses its indentation; lines of a paragraph are joined with `\n`, paragraphs
//! with `\n\n`. Markers and `Name says:` lines are not text.
//!
//! # Items
//!
//! - The post: `thread_id` = `id` = [`content_id`]`(title or "", text)`, author unknown,
//!   positioned at its first line (the title line when there is one). A page with comments but
//!   no post text emits no post item (a `Degraded` diagnostic says so); its comments still name
//!   the thread.
//! - Each comment: `id` = [`content_id`]`(thread_id, parent id, ordinal path, text)`, where the
//!   ordinal path is the comment's place in the tree as read (`"2"`, `"2.1"`, …), `parent_id`
//!   the comment it answers or the post, author from `Name says:`, positioned at its marker
//!   line.
//! - Pages carry no dates: `created_at` is always `None`.
//! - After the items, one [`ThreadMeta`] with the title, the declared and the found number of
//!   comments, positioned at the header (or the post's first line).
//!
//! # Errors
//!
//! A page is read whole into memory (pages are small); a file over [`MAX_PAGE_BYTES`] is refused
//! with a `Fatal` diagnostic naming its size. Bytes that are not UTF-8 are replaced with U+FFFD
//! and reported once (`Degraded`, at the first such byte). A page with no text gives a `Rejected`
//! diagnostic "no text". A read error keeps what was read before it and ends with `Fatal`.

use std::io::{self, BufRead, Read};

use threadcare_core::content_id;

use crate::{util, Format, Item, ItemKind, Position, Reader, Severity, Sink, ThreadMeta};

/// The largest page read, in bytes (16 MiB). Real pages are a few kilobytes.
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub struct BlogTextReader;

impl Reader for BlogTextReader {
    fn format(&self) -> Format {
        Format::BlogText
    }

    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        read_page(input, file, out, MAX_PAGE_BYTES);
    }
}

fn read_page(input: &mut dyn BufRead, file: &str, out: &mut dyn Sink, max: usize) {
    let mut bytes = Vec::new();
    let read_error = (&mut *input)
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .err();
    if bytes.len() > max {
        // Count the rest without keeping it, to name the size.
        let size = io::copy(&mut *input, &mut io::sink())
            .ok()
            .map(|rest| bytes.len() as u64 + rest);
        let what = match size {
            Some(size) => format!("{size} bytes ({})", human_size(size)),
            None => format!("more than {}", human_size(max as u64)),
        };
        out.diagnostic(util::diag(
            file,
            Position::default(),
            Severity::Fatal,
            format!(
                "the page is {what}, over the {} limit for blog page text: not read",
                human_size(max as u64)
            ),
        ));
        return;
    }

    let text = decode(&bytes, file, out);
    let page = parse_page(&text);
    emit(&page, file, out);

    if let Some(err) = read_error {
        out.diagnostic(util::diag(
            file,
            Position::byte(bytes.len() as u64),
            Severity::Fatal,
            format!("cannot read further: {err}"),
        ));
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes / MIB * MIB == bytes {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    }
}

/// UTF-8 text of the page, with a byte-order mark removed and invalid bytes replaced (and
/// reported once).
fn decode(bytes: &[u8], file: &str, out: &mut dyn Sink) -> String {
    let (bytes, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, 3u64),
        None => (bytes, 0u64),
    };
    let mut first_bad = None;
    let mut bad_count = 0u64;
    let mut rest = bytes;
    let mut offset = 0usize;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(err) => {
                let at = offset + err.valid_up_to();
                first_bad.get_or_insert(at);
                bad_count += 1;
                let skip = err.valid_up_to() + err.error_len().unwrap_or(rest.len());
                let skip = skip.min(rest.len()).max(err.valid_up_to() + 1);
                rest = &rest[skip..];
                offset += skip;
            }
        }
    }
    if let Some(at) = first_bad {
        let line = 1 + line_breaks(&bytes[..at]);
        let places = if bad_count == 1 {
            "1 place".to_string()
        } else {
            format!("{bad_count} places")
        };
        out.diagnostic(util::diag(
            file,
            Position::line(line).with_byte(at as u64 + bom),
            Severity::Degraded,
            format!("not valid UTF-8 in {places} (first at this byte): replaced with U+FFFD"),
        ));
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// The number of line breaks in `bytes`, counted as [`lines`] counts them.
fn line_breaks(bytes: &[u8]) -> u64 {
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => count += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => count += 1,
            _ => {}
        }
        i += 1;
    }
    count
}

// ---------------------------------------------------------------------------------------------
// Lines

#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// 1-based.
    no: u64,
    /// Width of the leading whitespace, in columns.
    indent: usize,
    /// The line without its indentation and trailing whitespace; empty for a blank line.
    content: &'a str,
}

impl Line<'_> {
    fn is_blank(&self) -> bool {
        self.content.is_empty()
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{2060}')
}

const TAB_WIDTH: usize = 4;

fn line(raw: &str, no: u64) -> Line<'_> {
    let mut indent = 0;
    let mut body = "";
    for (at, c) in raw.char_indices() {
        if !is_space(c) {
            body = &raw[at..];
            break;
        }
        indent = if c == '\t' {
            (indent / TAB_WIDTH + 1) * TAB_WIDTH
        } else {
            indent + 1
        };
    }
    let content = body.trim_end_matches(is_space);
    let indent = if content.is_empty() { 0 } else { indent };
    Line {
        no,
        indent,
        content,
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut no = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(line(&text[start..i], no));
                no += 1;
                start = i + 1;
            }
            b'\r' => {
                out.push(line(&text[start..i], no));
                no += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push(line(&text[start..], no));
    }
    out
}

/// `Liked by 3 people`, `Liked by 1 person`, `Liked by one person`.
fn is_liked_by(content: &str) -> bool {
    let Some(rest) = content.strip_prefix("Liked by") else {
        return false;
    };
    let mut words = rest.split(is_space).filter(|w| !w.is_empty());
    let (Some(count), Some(noun), None) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    let count_ok = (count.bytes().all(|b| b.is_ascii_digit() || b == b',')
        && count.bytes().any(|b| b.is_ascii_digit()))
        || number_word(count).is_some();
    count_ok && matches!(noun, "person" | "people")
}

// ---------------------------------------------------------------------------------------------
// Markers, names, headers

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Number(u32),
    Bullet,
}

const BULLETS: [char; 7] = ['•', '◦', '▪', '‣', '●', '○', '■'];

/// A comment marker at the start of `content`, and the rest of the line after it.
fn marker(content: &str) -> Option<(Marker, &str)> {
    let first = content.chars().next()?;
    if BULLETS.contains(&first) {
        let rest = &content[first.len_utf8()..];
        return Some((Marker::Bullet, rest.trim_start_matches(is_space)));
    }
    let digits = content.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=3).contains(&digits) {
        return None;
    }
    let after = &content[digits..];
    let rest = after
        .strip_prefix('.')
        .or_else(|| after.strip_prefix(')'))?;
    if !rest.is_empty() && !rest.starts_with(is_space) {
        return None;
    }
    let number = content[..digits].parse().ok()?;
    Some((Marker::Number(number), rest.trim_start_matches(is_space)))
}

/// The name in a `Name says:` line.
fn says_name(content: &str) -> Option<String> {
    let name = content.strip_suffix("says:")?;
    if !name.ends_with(is_space) {
        return None;
    }
    let name = collapse(name);
    if name.is_empty() || name.chars().count() > 80 {
        return None;
    }
    Some(name)
}

/// Whitespace runs (no-break spaces included) collapsed to one space, ends trimmed.
fn collapse(s: &str) -> String {
    s.split(is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn number_word(word: &str) -> Option<u64> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let lower = word.to_lowercase();
    let unit = |w: &str| UNITS.iter().position(|u| *u == w).map(|n| n as u64);
    let tens = |w: &str| {
        TENS.iter()
            .position(|t| *t == w)
            .map(|n| (n as u64 + 2) * 10)
    };
    if let Some(n) = unit(&lower).or_else(|| tens(&lower)) {
        return Some(n);
    }
    let (t, u) = lower.split_once(['-', '\u{2010}', '\u{2011}'])?;
    match (tens(t), unit(u)) {
        (Some(t), Some(u)) if (1..=9).contains(&u) => Some(t + u),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    line: u64,
    count: u64,
    title: Option<String>,
}

const OPEN_QUOTES: [char; 8] = ['“', '"', '‘', '\'', '«', '„', '‚', '‹'];
const CLOSE_QUOTES: [char; 7] = ['”', '"', '’', '\'', '»', '“', '›'];

/// `7 thoughts on “Title”` and its variants, as the words of one line.
fn parse_header(content: &str) -> Option<(u64, Option<String>)> {
    let mut rest = content;
    let next_word = |rest: &mut &str| -> Option<String> {
        let s = rest.trim_start_matches(is_space);
        let end = s.find(is_space).unwrap_or(s.len());
        let word = &s[..end];
        *rest = &s[end..];
        (!word.is_empty()).then(|| word.to_string())
    };
    let count_word = next_word(&mut rest)?;
    let count = if count_word.bytes().all(|b| b.is_ascii_digit()) {
        count_word.parse().ok()?
    } else {
        number_word(&count_word)?
    };
    let noun = next_word(&mut rest)?.to_lowercase();
    if !matches!(
        noun.as_str(),
        "thought"
            | "thoughts"
            | "comment"
            | "comments"
            | "response"
            | "responses"
            | "reply"
            | "replies"
    ) {
        return None;
    }
    let on = next_word(&mut rest)?.to_lowercase();
    if on != "on" && on != "to" {
        return None;
    }
    let quoted = rest.trim_matches(is_space);
    if quoted.is_empty() || quoted.chars().count() > 300 {
        return None;
    }
    let mut title = quoted;
    let opened = title.starts_with(OPEN_QUOTES);
    if opened {
        let open = title.chars().next()?;
        title = &title[open.len_utf8()..];
    }
    let closed = title.ends_with(CLOSE_QUOTES);
    if closed {
        let close = title.chars().next_back()?;
        title = &title[..title.len() - close.len_utf8()];
    }
    if !opened && !closed {
        return None;
    }
    // An opening double quote closed before the end is a sentence that quotes something.
    if quoted.starts_with('“') && title.contains('”') {
        return None;
    }
    if quoted.starts_with('"') && title.contains('"') {
        return None;
    }
    let title = collapse(title);
    Some((count, (!title.is_empty()).then_some(title)))
}

/// Compares titles with whitespace collapsed, case and quote styles ignored.
fn same_title(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        collapse(s)
            .chars()
            .map(|c| match c {
                '’' | '‘' | '‚' | '′' => '\'',
                '“' | '”' | '„' | '«' | '»' | '″' => '"',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect::<String>()
            .trim_matches(|c| c == '"' || c == '\'')
            .to_string()
    }
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

/// Whether a first line looks like a title when no header names one (see the module docs).
fn looks_like_title(content: &str) -> bool {
    if content.chars().count() > 100
        || content.split(is_space).filter(|w| !w.is_empty()).count() > 15
    {
        return false;
    }
    if content.ends_with([',', ':', ';', '-', '–', '—']) {
        return false;
    }
    if marker(content).is_some() {
        return false;
    }
    // A sentence boundary: . ! ? (and any closing quotes or brackets) then a space and more.
    let chars: Vec<char> = content.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '.' | '!' | '?') {
            let mut j = i + 1;
            while j < chars.len()
                && matches!(chars[j], '.' | '!' | '?' | '”' | '’' | '"' | '\'' | ')')
            {
                j += 1;
            }
            if j < chars.len()
                && is_space(chars[j])
                && chars[j..].iter().any(|c| c.is_alphanumeric())
            {
                return false;
            }
        }
    }
    true
}

// ---------------------------------------------------------------------------------------------
// The page

/// Text gathered from lines: paragraphs of lines.
#[derive(Debug, Default, Clone)]
struct Text {
    paragraphs: Vec<Vec<String>>,
    last_line: u64,
}

impl Text {
    fn push(&mut self, line: &Line<'_>) {
        self.push_str(line.no, line.content);
    }

    fn push_str(&mut self, no: u64, content: &str) {
        match self.paragraphs.last_mut() {
            Some(paragraph) if no == self.last_line + 1 => paragraph.push(content.to_string()),
            _ => self.paragraphs.push(vec![content.to_string()]),
        }
        self.last_line = no;
    }

    fn is_empty(&self) -> bool {
        self.paragraphs.is_empty()
    }

    fn render(&self) -> String {
        self.paragraphs
            .iter()
            .map(|p| p.join("\n"))
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

#[derive(Debug, Clone)]
struct RawComment {
    line: u64,
    marker_indent: usize,
    /// Lines indented at least this much may be its text: deeper than its marker, or as deep as
    /// its first line when it has no marker.
    text_indent: usize,
    parent: Option<usize>,
    path: String,
    author: Option<String>,
    text: Text,
    children: usize,
}

#[derive(Debug, Default)]
struct Page {
    title: Option<String>,
    /// The post's first line (the title line when there is one).
    post_line: Option<u64>,
    post: Text,
    header: Option<Header>,
    comments: Vec<RawComment>,
    /// Diagnostics found while reading the structure: line, severity, reason.
    notes: Vec<(u64, Severity, String)>,
}

fn parse_page(text: &str) -> Page {
    let lines = lines(text);
    let mut page = Page::default();

    let header_at = find_header(&lines);
    let section_at = match header_at {
        Some(at) => {
            let (count, title) = parse_header(lines[at].content).unwrap_or((0, None));
            page.header = Some(Header {
                line: lines[at].no,
                count,
                title,
            });
            Some(at + 1)
        }
        None => lines.iter().position(|l| {
            matches!(marker(l.content), Some((Marker::Number(1) | Marker::Bullet, rest)) if says_name(rest).is_some())
        }),
    };
    let post_end = header_at.or(section_at).unwrap_or(lines.len());
    read_post(&lines[..post_end], &mut page);
    if let Some(at) = section_at {
        read_comments(&lines[at..], &mut page);
    }
    page
}

/// The first line that is a comment header in its context (see the module docs).
fn find_header(lines: &[Line<'_>]) -> Option<usize> {
    (0..lines.len()).find(|&i| {
        let line = &lines[i];
        if line.is_blank() || parse_header(line.content).is_none() {
            return false;
        }
        let before_ok = i == 0 || lines[i - 1].is_blank();
        let after_ok = match lines.get(i + 1) {
            None => true,
            Some(next) => next.is_blank() || marker(next.content).is_some(),
        };
        before_ok && after_ok
    })
}

fn read_post(lines: &[Line<'_>], page: &mut Page) {
    let body: Vec<&Line<'_>> = lines
        .iter()
        .filter(|l| !l.is_blank() && !is_liked_by(l.content))
        .collect();
    let Some(first) = body.first() else {
        page.title = page.header.as_ref().and_then(|h| h.title.clone());
        return;
    };
    page.post_line = Some(first.no);
    let header_title = page.header.as_ref().and_then(|h| h.title.clone());
    let first_is_title = match &header_title {
        Some(title) => same_title(first.content, title),
        None => {
            let next_blank = lines
                .iter()
                .find(|l| l.no == first.no + 1)
                .is_some_and(|l| l.is_blank());
            next_blank && body.len() > 1 && looks_like_title(first.content)
        }
    };
    let rest = if first_is_title {
        page.title = Some(collapse(first.content));
        &body[1..]
    } else {
        page.title = header_title;
        &body[..]
    };
    for line in rest {
        page.post.push(line);
    }
}

/// Opens a comment at `line` (a marker line when `marked`, else a name line or the first line
/// of an unmarked comment): comments indented as deep or deeper are closed first, and the new
/// one answers the innermost comment left open.
fn open(
    comments: &mut Vec<RawComment>,
    stack: &mut Vec<usize>,
    top_level: &mut usize,
    line: &Line<'_>,
    marked: bool,
) -> usize {
    let indent = line.indent;
    while stack
        .last()
        .is_some_and(|&top| comments[top].marker_indent >= indent)
    {
        stack.pop();
    }
    let parent = stack.last().copied();
    let path = match parent {
        Some(p) => {
            comments[p].children += 1;
            format!("{}.{}", comments[p].path, comments[p].children)
        }
        None => {
            *top_level += 1;
            top_level.to_string()
        }
    };
    comments.push(RawComment {
        line: line.no,
        marker_indent: indent,
        text_indent: if marked { indent + 1 } else { indent },
        parent,
        path,
        author: None,
        text: Text::default(),
        children: 0,
    });
    stack.push(comments.len() - 1);
    comments.len() - 1
}

fn read_comments(lines: &[Line<'_>], page: &mut Page) {
    let comments = &mut page.comments;
    // Open comments, outermost first.
    let mut stack: Vec<usize> = Vec::new();
    let mut top_level = 0usize;
    // The comment that footer-like text was last reported against.
    let mut outside_reported: Option<usize> = None;
    let mut markers_seen = false;

    for line in lines {
        if line.is_blank() || is_liked_by(line.content) {
            continue;
        }
        if let Some((_, rest)) = marker(line.content) {
            markers_seen = true;
            let at = open(comments, &mut stack, &mut top_level, line, true);
            if let Some(name) = says_name(rest) {
                comments[at].author = Some(name);
            } else if !rest.is_empty() && !is_liked_by(rest) {
                comments[at].text.push_str(line.no, rest);
            }
            continue;
        }
        if let Some(name) = says_name(line.content) {
            match stack.last() {
                Some(&top) if comments[top].text.is_empty() && comments[top].author.is_none() => {
                    comments[top].author = Some(name);
                    continue;
                }
                // On a page whose comments have markers, "My sister says:" is text.
                _ if !markers_seen => {
                    let at = open(comments, &mut stack, &mut top_level, line, false);
                    comments[at].author = Some(name);
                    continue;
                }
                _ => {}
            }
        }
        // Text: the deepest open comment whose marker is indented less than the line.
        let target = match stack
            .iter()
            .rposition(|&c| comments[c].text_indent <= line.indent)
        {
            Some(k) => {
                stack.truncate(k + 1);
                stack[k]
            }
            None => match stack.last() {
                Some(&top) => {
                    let outermost = comments[stack[0]].marker_indent;
                    if line.indent < outermost && outside_reported != Some(top) {
                        page.notes.push((
                            line.no,
                            Severity::Degraded,
                            format!(
                                "text after the comments is indented less than any comment \
                                 (a page footer?): kept with the comment on line {}",
                                comments[top].line
                            ),
                        ));
                        outside_reported = Some(top);
                    }
                    top
                }
                None => open(comments, &mut stack, &mut top_level, line, false),
            },
        };
        comments[target].text.push(line);
    }
}

// ---------------------------------------------------------------------------------------------
// Items

fn emit(page: &Page, file: &str, out: &mut dyn Sink) {
    for (line, severity, reason) in &page.notes {
        out.diagnostic(util::diag(
            file,
            Position::line(*line),
            *severity,
            reason.clone(),
        ));
    }
    let post_text = page.post.render();
    if post_text.is_empty() && page.comments.iter().all(|c| c.text.is_empty()) {
        let (position, reason) = match (&page.header, page.comments.is_empty()) {
            (None, _) => (Position::default(), "no text: the page is empty"),
            (Some(h), true) => (
                Position::line(h.line),
                "no text: the page has only a comment header",
            ),
            (Some(h), false) => (
                Position::line(h.line),
                "no text: neither the post nor any comment has text",
            ),
        };
        out.diagnostic(util::diag(file, position, Severity::Rejected, reason));
        return;
    }

    let title = page.title.clone();
    let thread_id = content_id(&[title.as_deref().unwrap_or(""), &post_text]);
    let source = |line: u64| util::source(Format::BlogText, file, Position::line(line));

    if post_text.is_empty() {
        let line = page.header.as_ref().map(|h| h.line).unwrap_or(1);
        out.diagnostic(util::diag(
            file,
            Position::line(line),
            Severity::Degraded,
            "the page has no post text before its comments: comments kept without their post",
        ));
    } else {
        out.item(Item {
            id: thread_id.clone(),
            thread_id: thread_id.clone(),
            parent_id: None,
            kind: ItemKind::Post,
            author: None,
            created_at: None,
            title: title.clone(),
            text: post_text,
            source: source(page.post_line.unwrap_or(1)),
        });
    }

    // The id each comment's replies answer: its own when kept, else its nearest kept ancestor's.
    let mut answer_id: Vec<String> = Vec::with_capacity(page.comments.len());
    let mut found = 0u64;
    for comment in &page.comments {
        let parent_id = match comment.parent {
            Some(p) => answer_id[p].clone(),
            None => thread_id.clone(),
        };
        let text = comment.text.render();
        if text.is_empty() {
            let by = comment
                .author
                .as_ref()
                .map(|a| format!(" (by {a})"))
                .unwrap_or_default();
            let replies = if comment.children > 0 {
                "; its replies are attached to what it answers"
            } else {
                ""
            };
            out.diagnostic(util::diag(
                file,
                Position::line(comment.line),
                Severity::Rejected,
                format!("comment {}{by} has no text: skipped{replies}", comment.path),
            ));
            answer_id.push(parent_id);
            continue;
        }
        let id = content_id(&[&thread_id, &parent_id, &comment.path, &text]);
        out.item(Item {
            id: id.clone(),
            thread_id: thread_id.clone(),
            parent_id: Some(parent_id),
            kind: ItemKind::Comment,
            author: comment.author.clone(),
            created_at: None,
            title: None,
            text,
            source: source(comment.line),
        });
        answer_id.push(id);
        found += 1;
    }

    out.thread(ThreadMeta {
        thread_id,
        title,
        declared_comments: page.header.as_ref().map(|h| h.count),
        found_comments: found,
        source: source(
            page.header
                .as_ref()
                .map(|h| h.line)
                .or(page.post_line)
                .unwrap_or(1),
        ),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collect, Source};
    use proptest::prelude::*;

    fn read(text: &str) -> Collect {
        read_bytes(text.as_bytes())
    }

    fn read_bytes(bytes: &[u8]) -> Collect {
        let mut out = Collect::default();
        BlogTextReader.read(&mut &bytes[..], "page.txt", &mut out);
        out
    }

    fn at(line: u64) -> Source {
        Source {
            format: Format::BlogText,
            file: "page.txt".into(),
            position: Position::line(line),
        }
    }

    fn diag(position: Position, severity: Severity, reason: &str) -> crate::Diagnostic {
        util::diag("page.txt", position, severity, reason)
    }

    // --- lines -------------------------------------------------------------------------------

    #[test]
    fn lines_split_on_lf_crlf_and_lone_cr() {
        let got: Vec<(u64, usize, &str)> = lines("a\r\n  b\rc\n\n\td \u{a0}\n \u{a0}x")
            .iter()
            .map(|l| (l.no, l.indent, l.content))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 0, "a"),
                (2, 2, "b"),
                (3, 0, "c"),
                (4, 0, ""),
                (5, 4, "d"),
                (6, 2, "x"),
            ]
        );
        // Tabs move to the next multiple of four.
        assert_eq!(lines("  \tx")[0].indent, 4);
        assert_eq!(lines("\t\t x")[0].indent, 9);
        // A whitespace-only line is blank, whatever its width.
        assert!(lines(" \t\u{a0} ")[0].is_blank());
        assert_eq!(line_breaks(b"a\r\nb\rc\nd"), 3);
    }

    #[test]
    fn liked_by_lines() {
        for yes in [
            "Liked by 1 person",
            "Liked by 12 people",
            "Liked by 1,204 people",
            "Liked by one person",
            "Liked by\u{a0}2 people",
        ] {
            assert!(is_liked_by(yes), "{yes:?}");
        }
        for no in [
            "Liked by my mother",
            "Liked by 2 people at work, but not by me",
            "Liked by",
            "liked by 2 people and",
            "Liked by some people",
        ] {
            assert!(!is_liked_by(no), "{no:?}");
        }
    }

    #[test]
    fn markers() {
        assert_eq!(marker("1. Text"), Some((Marker::Number(1), "Text")));
        assert_eq!(marker("12) Text"), Some((Marker::Number(12), "Text")));
        assert_eq!(marker("3."), Some((Marker::Number(3), "")));
        assert_eq!(marker("• Text"), Some((Marker::Bullet, "Text")));
        assert_eq!(marker("◦Text"), Some((Marker::Bullet, "Text")));
        assert_eq!(marker("2019. The year"), None);
        assert_eq!(marker("1.5 hours"), None);
        assert_eq!(marker("10am"), None);
        assert_eq!(marker("- dash"), None);
        assert_eq!(marker(""), None);
    }

    #[test]
    fn says_lines() {
        assert_eq!(says_name("Tina says:").as_deref(), Some("Tina"));
        assert_eq!(
            says_name("Karen  Beth\u{a0}C says:").as_deref(),
            Some("Karen Beth C")
        );
        assert_eq!(says_name("says:"), None);
        assert_eq!(says_name("Tina says: hello"), None);
        assert_eq!(says_name("Tinasays:"), None);
        assert_eq!(says_name(&format!("{} says:", "x".repeat(81))), None);
    }

    #[test]
    fn number_words() {
        assert_eq!(number_word("One"), Some(1));
        assert_eq!(number_word("twelve"), Some(12));
        assert_eq!(number_word("Forty"), Some(40));
        assert_eq!(number_word("Twenty-one"), Some(21));
        assert_eq!(number_word("twenty-zero"), None);
        assert_eq!(number_word("several"), None);
    }

    #[test]
    fn headers() {
        let h = |s: &str| parse_header(s);
        let t = |s: &str| Some(s.to_string());
        assert_eq!(h("7 thoughts on “A title”"), Some((7, t("A title"))));
        assert_eq!(h("One thought on \"A title"), Some((1, t("A title"))));
        assert_eq!(h("One thought on A title\""), Some((1, t("A title"))));
        assert_eq!(
            h("Twenty-two comments on ‘It’s fine’"),
            Some((22, t("It’s fine")))
        );
        assert_eq!(h("3 Responses to “Rest”"), Some((3, t("Rest"))));
        assert_eq!(
            h("1 reply on “Rest  days\u{a0}”"),
            Some((1, t("Rest days")))
        );
        assert_eq!(h("2 thoughts on “”"), Some((2, None)));
        // Sentences that only start like a header.
        assert_eq!(h("Two thoughts on that: first, rest"), None);
        assert_eq!(h("Two thoughts on “hope” and why it matters"), None);
        assert_eq!(h("Some thoughts on “hope”"), None);
        assert_eq!(h("7 thoughts about “hope”"), None);
        assert_eq!(h("7 feelings on “hope”"), None);
        assert_eq!(h("7 thoughts on"), None);
    }

    #[test]
    fn titles_compare_loosely() {
        assert!(same_title("When It’s  Okay", "when it's okay"));
        assert!(same_title("“Quoted”", "Quoted"));
        assert!(!same_title("A", "B"));
        assert!(!same_title("", ""));
    }

    #[test]
    fn title_heuristic() {
        for yes in [
            "Better…tomorrow maybe.",
            "Lost a battle.",
            "Why now?",
            "Notes: week two",
            "Day 3 (of many)",
        ] {
            assert!(looks_like_title(yes), "{yes:?}");
        }
        for no in [
            "I haven’t posted in a while. Here is why.",
            "Tired! So tired.",
            "She said “no.” Then she left.",
            "Here is what happened:",
            "So, anyway,",
            "1. A list item",
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen",
        ] {
            assert!(!looks_like_title(no), "{no:?}");
        }
    }

    // --- whole pages -------------------------------------------------------------------------

    #[test]
    fn a_page_gives_exact_items_and_meta() {
        let page = "Quiet day\n\nFirst line.\nSecond line.\u{a0}\n\nLast paragraph.\n\n\
                    3 thoughts on “Quiet day”\n\n  1. Ada says:\n\n    Thanks.\n\n    Liked by 1 person\n\n\
                    \u{20}   • Glad you liked it.\n  2. Me too.\n";
        let c = read(page);
        assert_eq!(c.diagnostics, vec![]);
        let post_text = "First line.\nSecond line.\n\nLast paragraph.";
        let thread = content_id(&["Quiet day", post_text]);
        let c1 = content_id(&[&thread, &thread, "1", "Thanks."]);
        let c11 = content_id(&[&thread, &c1, "1.1", "Glad you liked it."]);
        let c2 = content_id(&[&thread, &thread, "2", "Me too."]);
        let item = |id: &str, parent: Option<&str>, author: Option<&str>, text: &str, line| Item {
            id: id.to_string(),
            thread_id: thread.clone(),
            parent_id: parent.map(str::to_string),
            kind: if parent.is_some() {
                ItemKind::Comment
            } else {
                ItemKind::Post
            },
            author: author.map(str::to_string),
            created_at: None,
            title: if parent.is_some() {
                None
            } else {
                Some("Quiet day".into())
            },
            text: text.to_string(),
            source: at(line),
        };
        assert_eq!(
            c.items,
            vec![
                item(&thread, None, None, post_text, 1),
                item(&c1, Some(&thread), Some("Ada"), "Thanks.", 10),
                item(&c11, Some(&c1), None, "Glad you liked it.", 16),
                item(&c2, Some(&thread), None, "Me too.", 17),
            ]
        );
        assert_eq!(
            c.threads,
            vec![ThreadMeta {
                thread_id: thread.clone(),
                title: Some("Quiet day".into()),
                declared_comments: Some(3),
                found_comments: 3,
                source: at(8),
            }]
        );
    }

    #[test]
    fn first_line_is_text_when_the_header_names_another_title() {
        let c = read("Short line\n\nMore text.\n\n1 thought on “Other”\n\n  1. Hi.\n");
        assert_eq!(c.items[0].title.as_deref(), Some("Other"));
        assert_eq!(c.items[0].text, "Short line\n\nMore text.");
    }

    #[test]
    fn title_needs_a_blank_line_and_more_text() {
        let c = read("A line\nright after it.\n\nMore.\n");
        assert_eq!(c.items[0].title, None);
        assert_eq!(c.items[0].text, "A line\nright after it.\n\nMore.");
        let c = read("Only a short line\n");
        assert_eq!(c.items[0].title, None);
        assert_eq!(c.items[0].text, "Only a short line");
        let c = read("\n\n  A title\n\nBody.\n");
        assert_eq!(c.items[0].title.as_deref(), Some("A title"));
        assert_eq!(c.items[0].source.position, Position::line(3));
    }

    #[test]
    fn numbered_list_in_a_post_without_header_stays_in_the_post() {
        let c = read("What helps me:\n\n  1. Walking.\n  2. Calling a friend.\n");
        assert_eq!(c.items.len(), 1);
        assert_eq!(
            c.items[0].text,
            "What helps me:\n\n1. Walking.\n2. Calling a friend."
        );
        assert_eq!(c.threads[0].found_comments, 0);
    }

    #[test]
    fn header_needs_blank_lines_around_it() {
        let c = read("Body text here.\n2 thoughts on “X”\nmore body.\n");
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.threads[0].declared_comments, None);
    }

    #[test]
    fn name_line_after_an_empty_marker() {
        let page = "Post text.\n\n1 thought on “T”\n\n  1.\n    Bo says:\n    Hello.\n";
        let c = read(page);
        assert_eq!(c.diagnostics, vec![]);
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[1].author.as_deref(), Some("Bo"));
        assert_eq!(c.items[1].text, "Hello.");
        assert_eq!(c.items[1].source.position, Position::line(5));
    }

    #[test]
    fn comments_without_markers_split_at_name_lines() {
        let page = "Post text.\n\n3 thoughts on “T”\n\nCy says:\n\nHi there.\n\n\
                    Di says:\nHello.\n\n    Ed says:\n\n    A reply.\n";
        let c = read(page);
        assert_eq!(c.diagnostics, vec![]);
        let got: Vec<_> = c.items[1..]
            .iter()
            .map(|i| (i.author.as_deref(), i.text.as_str(), i.source.position.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("Cy"), "Hi there.", Some(5)),
                (Some("Di"), "Hello.", Some(9)),
                (Some("Ed"), "A reply.", Some(12)),
            ]
        );
        let post = c.items[0].id.as_str();
        let parents: Vec<_> = c.items[1..]
            .iter()
            .map(|i| i.parent_id.as_deref())
            .collect();
        assert_eq!(
            parents,
            vec![Some(post), Some(post), Some(c.items[2].id.as_str())]
        );
    }

    #[test]
    fn name_line_inside_a_marked_comment_is_text() {
        let page =
            "Post.\n\n1 thought on “P”\n\n  1. Eli says:\n\n    My sister says:\n    go slowly.\n";
        let c = read(page);
        assert_eq!(c.diagnostics, vec![]);
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[1].author.as_deref(), Some("Eli"));
        assert_eq!(c.items[1].text, "My sister says:\ngo slowly.");
    }

    #[test]
    fn text_before_the_first_marker_is_an_unmarked_comment() {
        let c = read("Post.\n\n1 thought on “P”\n\nA reply without a number.\n");
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[1].text, "A reply without a number.");
        assert_eq!(c.items[1].source.position, Position::line(5));
    }

    #[test]
    fn continuation_after_a_reply_goes_back_to_its_comment() {
        let page = "Post.\n\n2 thoughts on “P”\n\n  1. Parent.\n    • Reply.\n      More reply.\n   Parent again.\n";
        let c = read(page);
        assert_eq!(c.items[1].text, "Parent.\n\nParent again.");
        assert_eq!(c.items[2].text, "Reply.\nMore reply.");
        assert_eq!(
            c.items[2].parent_id.as_deref(),
            Some(c.items[1].id.as_str())
        );
    }

    #[test]
    fn unindented_markers_are_siblings() {
        let c = read("Post.\n\n2 thoughts on “P”\n\n1. Ann says:\nOne.\n\n2. Bea says:\nTwo.\n");
        assert_eq!(c.diagnostics, vec![]);
        let post = &c.items[0].id;
        assert_eq!(c.items.len(), 3);
        assert!(c.items[1..]
            .iter()
            .all(|i| i.parent_id.as_ref() == Some(post)));
        assert_eq!(c.items[2].text, "Two.");
    }

    #[test]
    fn footer_text_below_the_comments_is_kept_and_reported() {
        let c = read("Post.\n\n1 thought on “P”\n\n  1. Kind words.\n\nLeave a Reply\nCancel\n");
        assert_eq!(c.items[1].text, "Kind words.\n\nLeave a Reply\nCancel");
        assert_eq!(
            c.diagnostics,
            vec![diag(
                Position::line(7),
                Severity::Degraded,
                "text after the comments is indented less than any comment (a page footer?): \
                 kept with the comment on line 5"
            )]
        );
    }

    #[test]
    fn empty_comment_is_skipped_and_its_replies_move_up() {
        let page =
            "Post.\n\n2 thoughts on “P”\n\n  1. Dee says:\n    Liked by 1 person\n    • A reply.\n";
        let c = read(page);
        assert_eq!(
            c.diagnostics,
            vec![diag(
                Position::line(5),
                Severity::Rejected,
                "comment 1 (by Dee) has no text: skipped; its replies are attached to what it answers"
            )]
        );
        assert_eq!(c.items.len(), 2);
        let thread = &c.items[0].id;
        assert_eq!(c.items[1].parent_id.as_ref(), Some(thread));
        assert_eq!(
            c.items[1].id,
            content_id(&[thread, thread, "1.1", "A reply."])
        );
        assert_eq!(c.threads[0].found_comments, 1);
    }

    #[test]
    fn comments_without_a_post() {
        let c = read("2 thoughts on “Lost title”\n\n  1. First.\n  2. Second.\n");
        assert_eq!(
            c.diagnostics,
            vec![diag(
                Position::line(1),
                Severity::Degraded,
                "the page has no post text before its comments: comments kept without their post"
            )]
        );
        let thread = content_id(&["Lost title", ""]);
        assert_eq!(c.items.len(), 2);
        assert!(c
            .items
            .iter()
            .all(|i| i.kind == ItemKind::Comment && i.parent_id.as_ref() == Some(&thread)));
        assert_eq!(c.threads[0].title.as_deref(), Some("Lost title"));
        assert_eq!(c.threads[0].declared_comments, Some(2));
    }

    #[test]
    fn empty_pages_are_rejected() {
        for page in [
            "",
            "\n\n",
            " \t\u{a0}\r\n",
            "\u{feff}",
            "Liked by 3 people\n",
        ] {
            let c = read(page);
            assert!(c.items.is_empty() && c.threads.is_empty(), "{page:?}");
            assert_eq!(
                c.diagnostics,
                vec![diag(
                    Position::default(),
                    Severity::Rejected,
                    "no text: the page is empty"
                )],
                "{page:?}"
            );
        }
        let c = read("4 thoughts on “Gone”\n");
        assert_eq!(
            c.diagnostics,
            vec![diag(
                Position::line(1),
                Severity::Rejected,
                "no text: the page has only a comment header"
            )]
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported_once() {
        let c = read_bytes(b"\xEF\xBB\xBFTitle\n\nGood \xFF text \xC3 end.\n");
        assert_eq!(
            c.diagnostics,
            vec![diag(
                Position::line(3).with_byte(15),
                Severity::Degraded,
                "not valid UTF-8 in 2 places (first at this byte): replaced with U+FFFD"
            )]
        );
        assert_eq!(c.items[0].title.as_deref(), Some("Title"));
        assert_eq!(c.items[0].text, "Good \u{fffd} text \u{fffd} end.");
    }

    #[test]
    fn oversized_page_is_refused_naming_its_size() {
        let mut out = Collect::default();
        let bytes = [b'a'; 150];
        read_page(&mut &bytes[..], "big.txt", &mut out, 100);
        assert!(out.items.is_empty());
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].severity, Severity::Fatal);
        assert!(
            out.diagnostics[0]
                .reason
                .starts_with("the page is 150 bytes"),
            "{}",
            out.diagnostics[0].reason
        );

        // The real limit, without holding more than the limit in memory.
        let mut out = Collect::default();
        let mut input = io::BufReader::new(io::repeat(b'x').take(MAX_PAGE_BYTES as u64 + 10));
        BlogTextReader.read(&mut input, "huge.txt", &mut out);
        assert_eq!(
            out.diagnostics,
            vec![util::diag(
                "huge.txt",
                Position::default(),
                Severity::Fatal,
                format!(
                    "the page is {} bytes (16.0 MiB), over the 16 MiB limit for blog page text: not read",
                    MAX_PAGE_BYTES + 10
                )
            )]
        );
        // Exactly at the limit is read.
        let mut out = Collect::default();
        read_page(&mut &bytes[..100], "edge.txt", &mut out, 100);
        assert_eq!(out.items.len(), 1);
    }

    #[test]
    fn read_error_keeps_what_was_read() {
        struct Failing(&'static [u8]);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("disk went away"));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Collect::default();
        let mut input = io::BufReader::new(Failing(b"Some post text.\n"));
        BlogTextReader.read(&mut input, "page.txt", &mut out);
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].text, "Some post text.");
        assert_eq!(
            out.diagnostics,
            vec![diag(
                Position::byte(16),
                Severity::Fatal,
                "cannot read further: disk went away"
            )]
        );
    }

    // --- never panics ------------------------------------------------------------------------

    const SAMPLE: &str = "A title\n\nPost line.\u{a0}\n\n3 thoughts on “A title\n\n  1. Ann says:\n\n    Hi.\n\n    Liked by 2 people\n\n     • Reply\n       more.\n\t\t1) Deep\r\n  2. Last.\n";

    fn check_invariants(c: &Collect) {
        let mut ids = std::collections::HashSet::new();
        let thread = c.threads.first().map(|t| t.thread_id.clone());
        for item in &c.items {
            assert!(!item.text.is_empty(), "empty text: {item:?}");
            assert_eq!(item.text, item.text.trim_matches(is_space));
            assert!(item.text.lines().all(|l| !is_liked_by(l)));
            assert_eq!(Some(&item.thread_id), thread.as_ref());
            if let Some(parent) = &item.parent_id {
                assert!(
                    parent == &item.thread_id || ids.contains(parent),
                    "dangling parent"
                );
            }
            assert!(item.source.position.line.is_some());
            ids.insert(item.id.clone());
        }
        if let Some(meta) = c.threads.first() {
            let found = c
                .items
                .iter()
                .filter(|i| i.kind == ItemKind::Comment)
                .count();
            assert_eq!(meta.found_comments as usize, found);
        } else {
            assert!(c.items.is_empty());
            assert!(!c.diagnostics.is_empty(), "nothing read and nothing said");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "(?s).{0,400}") {
            check_invariants(&read(&s));
        }

        #[test]
        fn page_like_text_never_panics(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("\n".to_string()),
                    Just("\r\n".to_string()),
                    Just("  1. ".to_string()),
                    Just("    • ".to_string()),
                    Just("\t".to_string()),
                    Just("\u{a0}".to_string()),
                    Just("Liked by 1 person".to_string()),
                    Just("Ann says:".to_string()),
                    Just("7 thoughts on “".to_string()),
                    Just("One thought on \"".to_string()),
                    Just("”".to_string()),
                    "[a-z .!?]{0,12}",
                ],
                0..60,
            )
        ) {
            check_invariants(&read(&parts.concat()));
        }

        #[test]
        fn mutated_pages_never_panic(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 0..12)
        ) {
            let mut bytes = SAMPLE.as_bytes().to_vec();
            for (at, byte, kind) in edits {
                let at = if bytes.is_empty() { 0 } else { at % (bytes.len() + 1) };
                match kind {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => { bytes.remove(at); }
                    _ if at < bytes.len() => bytes[at] = byte,
                    _ => {}
                }
            }
            check_invariants(&read_bytes(&bytes));
        }
    }

    #[test]
    fn sample_reads_as_intended() {
        let c = read(SAMPLE);
        assert_eq!(c.diagnostics, vec![]);
        let shape: Vec<_> = c
            .items
            .iter()
            .map(|i| (i.author.as_deref(), i.text.as_str()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (None, "Post line."),
                (Some("Ann"), "Hi."),
                (None, "Reply\nmore."),
                (None, "Deep"),
                (None, "Last."),
            ]
        );
        let ids: Vec<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
        let parents: Vec<Option<&str>> = c.items.iter().map(|i| i.parent_id.as_deref()).collect();
        assert_eq!(
            parents,
            vec![None, Some(ids[0]), Some(ids[1]), Some(ids[2]), Some(ids[0])]
        );
        assert_eq!(c.threads[0].title.as_deref(), Some("A title"));
    }
}
