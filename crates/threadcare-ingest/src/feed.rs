//! RSS 2.0 (and RSS 1.0 / 0.9x) and Atom feeds: posts, and the comment feeds blogs publish.
//!
//! Both are streamed like WXR (see [`crate::wxr`]): each `<item>` / `<entry>` is held only until
//! it closes, then emitted. What the reader remembers across the feed is small: the ids it has
//! seen and the thread each belongs to (so that a reply can find its thread), and a count per
//! thread of comments whose post is not in the feed.
//!
//! # RSS
//! Each `<item>` is a post: `title`; `author` is `dc:creator`, else `author` (RSS's `author` is
//! an e-mail address, often `jo@example.org (Jo)`: the name in brackets is kept, else the part
//! before `@`, never the address); `created_at` is `pubDate`, else `dc:date`; `text` is
//! `content:encoded` through [`crate::html::to_text`], else `description`.
//!
//! **Ids.** A post's `id` and `thread_id` are its `link` without any `#fragment`, else its `guid`,
//! else a content hash. The link comes first, even when a `guid` exists, because that is what a
//! comment feed can point at: WordPress comment feeds (`/comments/feed/`, or a post's `/feed/`)
//! carry, in each comment's `link`, the post's URL plus `#comment-N`, and nothing else that names
//! the post. Reading a blog's post feed and its comment feed together therefore gives each
//! comment the thread id of its post. (Should two posts of one feed share a link, the second
//! falls back to its `guid`.)
//!
//! **Comments.** An item whose `link` contains `#comment-`, or that has a
//! `thr:in-reply-to` element, is a comment. Its `id` is its `guid`, else its `link`, else a
//! content hash. Its `thread_id` is the link before the `#`; without such a link, the thread of
//! the item its `thr:in-reply-to ref` names when that was seen earlier, else the `ref` itself.
//! Its `parent_id` is the `ref` of `thr:in-reply-to` when there is one, else the thread (a
//! WordPress comment feed does not say which comment a reply answers). The generated title
//! (`Comment on <post> by <name>`, `By: <name>`) is not kept as the comment's title; it gives
//! the author when no other element does, and the thread's title (as [`ThreadMeta`], at the end of
//! the feed) when the post itself is not in the feed.
//!
//! # Atom
//! Each `<entry>` is a post: `id` is `<id>` (else the `alternate` link, else a content hash);
//! `title`; `author` is `author/name`, else the feed's own `author/name` (when it comes before
//! the entries, as feeds write it); `created_at` is
//! `published`, else `updated`; `text` is `content` (type `html`, `xhtml` or `text`, or a
//! `text/…` MIME type; content given only by `src` has no text here), else `summary`.
//!
//! An entry with `<thr:in-reply-to ref="…"/>` (RFC 4685) is a comment whose `parent_id` is the
//! `ref`. Its `thread_id` is the root: the `ref` itself when it is a post of the feed, the
//! thread of the `ref` when it is a comment of the feed, else the `ref` (a comment feed without
//! its posts). Feeds list newest first, so a reply often comes before what it answers: such a
//! comment is held back until the end of the feed (at most 10 000 of them; beyond that one is
//! emitted at once with the `ref` as its thread), then emitted in reading order with its thread
//! resolved.
//!
//! # Diagnostics
//! As for WXR: an unreadable date keeps the item (`Degraded`); an item with no text is kept with
//! empty text (`Degraded`) so that its comments keep their thread; invalid UTF-8 is replaced
//! (`Degraded`); an item over 64 MiB is `Rejected`; a file that ends inside an element,
//! mismatched tags or broken markup end the reading with one `Fatal` diagnostic at the byte
//! offset of the problem, after everything completed before it. Positions are the byte offset
//! of the item's `<` and its number among the items (or entries) of the file.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use chrono::{DateTime, FixedOffset};
use threadcare_core::content_id;

use crate::html;
use crate::wxr::xml::{
    degraded, first_date, first_text, no_text, one_line, opt_line, read_records, root_hint, Markup,
    Name, Node, Ns, Part, Rec, Schema, MAX_RECORD_BYTES,
};
use crate::{
    util, Diagnostic, Format, Item, ItemKind, Position, Reader, Severity, Sink, ThreadMeta,
};

/// Comments of an Atom feed held back while what they answer is unknown.
const MAX_PENDING: usize = 10_000;

#[derive(Debug, Clone, Copy)]
pub struct FeedReader {
    format: Format,
}

impl FeedReader {
    pub fn rss() -> Self {
        FeedReader {
            format: Format::Rss,
        }
    }
    pub fn atom() -> Self {
        FeedReader {
            format: Format::Atom,
        }
    }
}

impl Reader for FeedReader {
    fn format(&self) -> Format {
        self.format
    }

    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        let mut state = FeedState::new(self.format, file);
        let refuse = |root: &Name| refusal(self.format, root);
        let fatal = match self.format {
            Format::Atom => read_records(input, AtomSchema, file, refuse, |part| match part {
                Part::Header(node) => state.atom_header(&node),
                Part::Record(rec) => state.record(rec, out, FeedState::atom_entry),
            }),
            _ => read_records(input, RssSchema, file, refuse, |part| {
                if let Part::Record(rec) = part {
                    state.record(rec, out, FeedState::rss_item);
                }
            }),
        };
        // Everything completed before the end is emitted first, the held-back comments too.
        state.finish(out);
        if let Some(fatal) = fatal {
            out.diagnostic(fatal);
        }
    }
}

/// Why a file whose root element is `root` is not read as `format`, if it is not.
fn refusal(format: Format, root: &Name) -> Option<String> {
    let ok = match format {
        Format::Atom => is_atom(root.ns) && matches!(root.local.as_str(), "feed" | "entry"),
        _ => (root.ns == Ns::None && root.local == "rss") || root.local == "RDF",
    };
    if ok {
        return None;
    }
    let (what, expected) = match format {
        Format::Atom => ("an Atom feed", "<feed>"),
        _ => ("an RSS feed", "<rss>"),
    };
    let hint = match (format, root.local.as_str()) {
        (Format::Atom, "rss") => {
            " (an RSS feed or a WordPress export: use --from rss or --from wxr)"
        }
        (Format::Atom, "RDF") => " (an RSS 1.0 feed: use --from rss)",
        (Format::Atom, _) => root_hint(root),
        (_, "rss") | (_, "RDF") => "",
        _ => root_hint(root),
    };
    Some(format!(
        "not {what}: the root element is <{}>, not {expected}{hint}",
        root.qname
    ))
}

/// How an item's thread is known: it is a post, or a comment in a known thread, or a comment
/// held back whose parent was not yet seen.
#[derive(Clone)]
enum Known {
    Thread(String),
    Pending(String),
}

/// What posts and comments of both formats are made of, as read from one record.
struct Entry {
    pos: Position,
    lossy: bool,
    author: Option<String>,
    created_at: Option<DateTime<FixedOffset>>,
    /// Why a date that was given could not be read.
    date_problem: Option<String>,
    text: String,
}

impl Entry {
    /// `date` is what [`first_date`] made of the record's dates.
    fn new(
        rec: &Rec,
        author: Option<String>,
        date: (Option<DateTime<FixedOffset>>, Option<String>),
        text: String,
    ) -> Entry {
        let (created_at, date_problem) = date;
        Entry {
            pos: Position::byte(rec.node.at).with_record(rec.number),
            lossy: rec.lossy,
            author,
            created_at,
            date_problem,
            text,
        }
    }
}

/// A comment whose thread is found at the end of the feed.
struct Pending {
    item: Item,
    reply_to: String,
    diagnostics: Vec<Diagnostic>,
    post_title: Option<String>,
}

/// A thread seen only through its comments.
struct OrphanThread {
    title: Option<String>,
    comments: u64,
    source: crate::Source,
}

struct FeedState<'f> {
    format: Format,
    file: &'f str,
    /// Ids of the posts emitted (to keep them unique).
    posts: HashSet<String>,
    /// Every id, guid and link seen, and its thread.
    known: HashMap<String, Known>,
    pending: Vec<Pending>,
    orphans: HashMap<String, OrphanThread>,
    orphan_order: Vec<String>,
    feed_author: Option<String>,
}

impl<'f> FeedState<'f> {
    fn new(format: Format, file: &'f str) -> Self {
        FeedState {
            format,
            file,
            posts: HashSet::new(),
            known: HashMap::new(),
            pending: Vec::new(),
            orphans: HashMap::new(),
            orphan_order: Vec::new(),
            feed_author: None,
        }
    }

    /// Hands a record to `entry` (the RSS or the Atom code), or rejects it when it was too
    /// large to keep.
    fn record(&mut self, rec: Rec, out: &mut dyn Sink, entry: fn(&mut Self, Rec, &mut dyn Sink)) {
        if rec.oversize {
            out.diagnostic(util::diag(
                self.file,
                Position::byte(rec.node.at).with_record(rec.number),
                Severity::Rejected,
                format!(
                    "item larger than {} MiB: skipped",
                    MAX_RECORD_BYTES / (1024 * 1024)
                ),
            ));
        } else {
            entry(self, rec, out);
        }
    }

    /// Emits the held-back comments and the threads known only by their comments.
    fn finish(&mut self, out: &mut dyn Sink) {
        let pending = std::mem::take(&mut self.pending);
        for mut p in pending {
            p.item.thread_id = self.resolve(&p.reply_to);
            self.emit_comment(p.item, p.diagnostics, p.post_title, out);
        }
        for thread_id in std::mem::take(&mut self.orphan_order) {
            if self.posts.contains(&thread_id) {
                continue;
            }
            if let Some(orphan) = self.orphans.remove(&thread_id) {
                out.thread(ThreadMeta {
                    thread_id,
                    title: orphan.title,
                    declared_comments: None,
                    found_comments: orphan.comments,
                    source: orphan.source,
                });
            }
        }
    }

    /// The thread of `id`: its own when it is a post or a comment of a known thread, followed
    /// through held-back comments, else `id` itself.
    fn resolve(&self, id: &str) -> String {
        let mut current = id.to_string();
        for _ in 0..=self.known.len().min(100_000) {
            match self.known.get(&current) {
                Some(Known::Thread(thread)) => return thread.clone(),
                Some(Known::Pending(parent)) if *parent != current => current = parent.clone(),
                _ => return current,
            }
        }
        current
    }

    fn remember(&mut self, keys: &[Option<&str>], known: Known) {
        for key in keys.iter().flatten() {
            self.known
                .entry(key.to_string())
                .or_insert_with(|| known.clone());
        }
    }

    fn source(&self, pos: &Position) -> crate::Source {
        util::source(self.format, self.file, pos.clone())
    }

    /// The item made of `entry` (a comment when it has a parent), and its diagnostics.
    fn item(
        &self,
        entry: Entry,
        id: String,
        thread_id: String,
        parent_id: Option<String>,
        title: Option<String>,
    ) -> (Item, Vec<Diagnostic>) {
        let Entry {
            pos,
            lossy,
            author,
            created_at,
            date_problem,
            text,
        } = entry;
        let kind = match parent_id {
            Some(_) => ItemKind::Comment,
            None => ItemKind::Post,
        };
        let reasons = [
            lossy.then(|| "invalid UTF-8 in this item: replaced with U+FFFD".to_string()),
            date_problem,
            text.is_empty().then(|| no_text(kind).to_string()),
        ];
        let diags = degraded(self.file, &pos, reasons);
        let item = Item {
            id,
            thread_id,
            parent_id,
            kind,
            author,
            created_at,
            title,
            text,
            source: self.source(&pos),
        };
        (item, diags)
    }

    /// Emits the post made of `entry`, whose id and thread id are `id`.
    fn emit_post(&mut self, entry: Entry, id: String, title: Option<String>, out: &mut dyn Sink) {
        let (item, diags) = self.item(entry, id.clone(), id, None, title);
        self.posts.insert(item.id.clone());
        send(out, item, diags);
    }

    /// Emits a comment, counting it towards its thread's [`ThreadMeta`] (with the post title
    /// its generated title gives, if any).
    fn emit_comment(
        &mut self,
        item: Item,
        diags: Vec<Diagnostic>,
        post_title: Option<String>,
        out: &mut dyn Sink,
    ) {
        if !self.posts.contains(&item.thread_id) {
            match self.orphans.get_mut(&item.thread_id) {
                Some(orphan) => {
                    orphan.comments += 1;
                    if orphan.title.is_none() {
                        orphan.title = post_title;
                    }
                }
                None => {
                    self.orphan_order.push(item.thread_id.clone());
                    self.orphans.insert(
                        item.thread_id.clone(),
                        OrphanThread {
                            title: post_title,
                            comments: 1,
                            source: item.source.clone(),
                        },
                    );
                }
            }
        }
        send(out, item, diags);
    }

    /// A post id that no earlier post of the feed has.
    fn unique_post_id(
        &self,
        candidates: &[Option<&str>],
        fallback: impl FnOnce() -> String,
    ) -> String {
        candidates
            .iter()
            .flatten()
            .find(|c| !self.posts.contains(**c))
            .map(|c| c.to_string())
            .unwrap_or_else(fallback)
    }

    fn rss_item(&mut self, rec: Rec, out: &mut dyn Sink) {
        let node = &rec.node;
        let link = node.field(Ns::None, "link");
        let guid = node.field(Ns::None, "guid");
        let reply_to = in_reply_to(node);
        let comment_thread = link
            .filter(|l| l.contains("#comment-"))
            .map(|l| without_fragment(l).to_string());
        let is_comment = comment_thread.is_some() || reply_to.is_some();

        let raw_title = opt_line(node.field(Ns::None, "title"));
        let (post_title, title_author) = match (is_comment, &raw_title) {
            (true, Some(t)) => parse_comment_title(t),
            _ => (None, None),
        };
        let author = opt_line(node.field(Ns::Dc, "creator"))
            .or_else(|| node.field(Ns::None, "author").and_then(rss_author))
            .or(title_author);
        let date_raw = node
            .field(Ns::None, "pubDate")
            .or_else(|| node.field(Ns::Dc, "date"));
        let date = first_date(&[
            ("pubDate", node.field(Ns::None, "pubDate")),
            ("dc:date", node.field(Ns::Dc, "date")),
        ]);
        let mut text = node
            .child(Ns::Content, "encoded")
            .map(|n| html::to_text(&n.text))
            .unwrap_or_default();
        if text.is_empty() {
            text = node
                .child(Ns::None, "description")
                .map(|n| html::to_text(&n.text))
                .unwrap_or_default();
        }
        let entry = Entry::new(&rec, author, date, text);

        if is_comment {
            // A comment has a `#comment-` link or a `thr:in-reply-to`.
            let thread_id = match &comment_thread {
                Some(thread) => thread.clone(),
                None => reply_to.map(|r| self.resolve(r)).unwrap_or_default(),
            };
            let parent_id = reply_to
                .map(str::to_string)
                .unwrap_or_else(|| thread_id.clone());
            let id = guid.or(link).map(str::to_string).unwrap_or_else(|| {
                content_id(&[
                    "rss-comment",
                    &thread_id,
                    entry.author.as_deref().unwrap_or(""),
                    date_raw.unwrap_or(""),
                    &entry.text,
                ])
            });
            self.remember(
                &[Some(id.as_str()), guid, link],
                Known::Thread(thread_id.clone()),
            );
            let (item, diags) = self.item(entry, id, thread_id, Some(parent_id), None);
            self.emit_comment(item, diags, post_title, out);
        } else {
            let link_id = link.map(without_fragment).filter(|l| !l.is_empty());
            let id = self.unique_post_id(&[link_id, guid], || {
                content_id(&[
                    "rss-post",
                    raw_title.as_deref().unwrap_or(""),
                    date_raw.unwrap_or(""),
                    &entry.text,
                ])
            });
            self.remember(
                &[Some(id.as_str()), guid, link, link_id],
                Known::Thread(id.clone()),
            );
            self.emit_post(entry, id, raw_title, out);
        }
    }

    fn atom_header(&mut self, node: &Node) {
        if self.feed_author.is_none() {
            self.feed_author = opt_line(atom_field(node, "name"));
        }
    }

    fn atom_entry(&mut self, rec: Rec, out: &mut dyn Sink) {
        let node = &rec.node;
        let alternate = atom_children(node, "link")
            .find(|l| {
                matches!(
                    l.attr("rel").map(str::trim),
                    None | Some("") | Some("alternate")
                )
            })
            .and_then(|l| l.attr("href"))
            .map(str::trim)
            .filter(|h| !h.is_empty());
        let reply_to = in_reply_to(node);
        let raw_title = atom_child(node, "title").and_then(atom_title);
        let (post_title, title_author) = match (reply_to.is_some(), &raw_title) {
            (true, Some(t)) => parse_comment_title(t),
            _ => (None, None),
        };
        let author = atom_child(node, "author")
            .and_then(|a| opt_line(atom_field(a, "name")))
            .or(title_author)
            .or_else(|| self.feed_author.clone());
        let published = atom_field(node, "published");
        let updated = atom_field(node, "updated");
        let date_raw = published.or(updated).unwrap_or("");
        let date = first_date(&[("published", published), ("updated", updated)]);
        let text = atom_child(node, "content")
            .and_then(atom_text)
            .filter(|t| !t.is_empty())
            .or_else(|| atom_child(node, "summary").and_then(atom_text))
            .unwrap_or_default();
        let entry = Entry::new(&rec, author, date, text);
        let entry_id = atom_field(node, "id");

        match reply_to {
            Some(reply) => {
                let id = entry_id
                    .or(alternate)
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        content_id(&[
                            "atom-comment",
                            reply,
                            entry.author.as_deref().unwrap_or(""),
                            date_raw,
                            &entry.text,
                        ])
                    });
                // Its thread, when what it answers was seen (or when too many comments are
                // held back already to wait for it).
                let thread = match self.known.get(reply) {
                    Some(Known::Thread(thread)) => Some(thread.clone()),
                    _ if self.pending.len() >= MAX_PENDING => Some(self.resolve(reply)),
                    _ => None,
                };
                let parent = Some(reply.to_string());
                let thread_id = thread.clone().unwrap_or_default();
                let (item, diags) = self.item(entry, id, thread_id, parent, None);
                match thread {
                    Some(thread) => {
                        self.remember(&[Some(item.id.as_str()), alternate], Known::Thread(thread));
                        self.emit_comment(item, diags, post_title, out);
                    }
                    None => {
                        self.remember(
                            &[Some(item.id.as_str()), alternate],
                            Known::Pending(reply.to_string()),
                        );
                        self.pending.push(Pending {
                            item,
                            reply_to: reply.to_string(),
                            diagnostics: diags,
                            post_title,
                        });
                    }
                }
            }
            None => {
                let id = self.unique_post_id(&[entry_id, alternate], || {
                    content_id(&[
                        "atom-post",
                        raw_title.as_deref().unwrap_or(""),
                        date_raw,
                        &entry.text,
                    ])
                });
                // A post seen after comments held back for it: they now resolve to it.
                self.known.insert(id.clone(), Known::Thread(id.clone()));
                self.remember(&[alternate], Known::Thread(id.clone()));
                self.emit_post(entry, id, raw_title, out);
            }
        }
    }
}

/// An item, then its diagnostics.
fn send(out: &mut dyn Sink, item: Item, diags: Vec<Diagnostic>) {
    out.item(item);
    for d in diags {
        out.diagnostic(d);
    }
}

fn in_reply_to(node: &Node) -> Option<&str> {
    node.child(Ns::Thr, "in-reply-to")
        .and_then(|n| n.attr("ref"))
        .map(str::trim)
        .filter(|r| !r.is_empty())
}

fn without_fragment(link: &str) -> &str {
    link.split('#').next().unwrap_or(link).trim()
}

/// RSS `<author>`: `jo@example.org (Jo)` → `Jo`; `Jo <jo@example.org>` → `Jo`; a bare address
/// → the part before `@`; anything else as written.
fn rss_author(raw: &str) -> Option<String> {
    let raw = one_line(raw);
    if let (Some(open), Some(close)) = (raw.find('('), raw.rfind(')')) {
        if open < close {
            let name = raw[open + 1..close].trim();
            if !name.is_empty() {
                return Some(name.to_string());
            }
        }
    }
    if let Some(lt) = raw.find('<') {
        let name = raw[..lt].trim().trim_matches('"').trim();
        if !name.is_empty() {
            return Some(name.to_string());
        }
    }
    let raw = raw.trim_matches(['<', '>', ' ']);
    let name = match raw.split_once('@') {
        Some((local, _)) => local.trim(),
        None => raw,
    };
    (!name.is_empty()).then(|| name.to_string())
}

/// WordPress's generated comment titles: `Comment on <post> by <name>` (site-wide comment
/// feeds) and `By: <name>` (a post's comment feed). Returns (post title, author).
fn parse_comment_title(title: &str) -> (Option<String>, Option<String>) {
    if let Some(rest) = title.strip_prefix("Comment on ") {
        if let Some((post, by)) = rest.rsplit_once(" by ") {
            let post = post.trim();
            let by = by.trim();
            return (
                (!post.is_empty()).then(|| post.to_string()),
                (!by.is_empty()).then(|| by.to_string()),
            );
        }
    }
    if let Some(by) = title.strip_prefix("By: ") {
        let by = by.trim();
        return (None, (!by.is_empty()).then(|| by.to_string()));
    }
    (None, None)
}

fn atom_children<'a>(node: &'a Node, local: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
    node.children
        .iter()
        .filter(move |c| is_atom(c.name.ns) && c.name.local == local)
}

fn atom_child<'a>(node: &'a Node, local: &'a str) -> Option<&'a Node> {
    atom_children(node, local).next()
}

fn atom_field<'a>(node: &'a Node, local: &'a str) -> Option<&'a str> {
    first_text(atom_children(node, local))
}

/// The text of an Atom text construct or `content`, by its `type`; `None` for content that is
/// elsewhere (`src`) or not text.
fn atom_text(node: &Node) -> Option<String> {
    if node.attr("src").is_some() {
        return None;
    }
    let kind = node.attr("type").map(|t| t.trim().to_ascii_lowercase());
    match kind.as_deref() {
        None | Some("") | Some("text") => Some(html::normalize(&node.text)),
        Some("html") | Some("xhtml") => Some(html::to_text(&node.text)),
        Some(mime) if mime.starts_with("text/html") || mime.contains("xhtml") => {
            Some(html::to_text(&node.text))
        }
        Some(mime) if mime.starts_with("text/") => Some(html::normalize(&node.text)),
        Some(_) => None,
    }
}

fn atom_title(node: &Node) -> Option<String> {
    let text = atom_text(node)?;
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then_some(line)
}

/// What the RSS reader keeps of an item.
struct RssSchema;

impl Schema for RssSchema {
    fn record(&self, ns: Ns, local: &str) -> bool {
        ns == Ns::None && local == "item"
    }

    fn keep(&self, ns: Ns, local: &str) -> bool {
        match ns {
            Ns::None => matches!(
                local,
                "title" | "link" | "guid" | "pubDate" | "description" | "author"
            ),
            Ns::Dc => matches!(local, "creator" | "date"),
            Ns::Content => local == "encoded",
            Ns::Thr => local == "in-reply-to",
            _ => false,
        }
    }

    fn markup(&self, name: &Name, _attrs: &[(String, String)]) -> Option<Markup> {
        (name.is(Ns::None, "description") || name.is(Ns::Content, "encoded"))
            .then_some(Markup::Html)
    }
}

/// What the Atom reader keeps of an entry, and the feed's own author.
struct AtomSchema;

fn is_atom(ns: Ns) -> bool {
    matches!(ns, Ns::Atom | Ns::None)
}

impl Schema for AtomSchema {
    fn record(&self, ns: Ns, local: &str) -> bool {
        is_atom(ns) && local == "entry"
    }

    fn header(&self, ns: Ns, local: &str, depth: usize) -> bool {
        depth == 1 && is_atom(ns) && local == "author"
    }

    fn keep(&self, ns: Ns, local: &str) -> bool {
        if ns == Ns::Thr && local == "in-reply-to" {
            return true;
        }
        is_atom(ns)
            && matches!(
                local,
                "id" | "title"
                    | "author"
                    | "name"
                    | "published"
                    | "updated"
                    | "content"
                    | "summary"
                    | "link"
            )
    }

    fn markup(&self, name: &Name, attrs: &[(String, String)]) -> Option<Markup> {
        if !is_atom(name.ns) || !matches!(name.local.as_str(), "content" | "summary" | "title") {
            return None;
        }
        let xhtml = attrs
            .iter()
            .any(|(k, v)| k == "type" && v.trim().eq_ignore_ascii_case("xhtml"));
        Some(if xhtml { Markup::Xhtml } else { Markup::Html })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collect;
    use proptest::prelude::*;

    const POSTS: &[u8] = include_bytes!("../tests/data/xml/posts.rss");
    const COMMENTS: &[u8] = include_bytes!("../tests/data/xml/comments.rss");
    const ATOM: &[u8] = include_bytes!("../tests/data/xml/thread.atom");

    fn read(reader: FeedReader, name: &str, bytes: &[u8]) -> Collect {
        let mut out = Collect::default();
        reader.read(&mut &bytes[..], name, &mut out);
        out
    }

    fn nth(hay: &[u8], needle: &str, n: usize) -> u64 {
        let text = std::str::from_utf8(hay).unwrap();
        text.match_indices(needle).nth(n).expect(needle).0 as u64
    }

    fn date(item: &Item) -> String {
        item.created_at
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    type Row<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        ItemKind,
        Option<&'a str>,
        Option<&'a str>,
        String,
    );

    fn rows(out: &Collect) -> Vec<Row<'_>> {
        out.items
            .iter()
            .map(|i| {
                (
                    i.id.as_str(),
                    i.thread_id.as_str(),
                    i.parent_id.as_deref(),
                    i.kind,
                    i.author.as_deref(),
                    i.title.as_deref(),
                    date(i),
                )
            })
            .collect()
    }

    const GROUP: &str = "https://smallsteps.example.org/2024/05/group-night/";
    const WEEKS: &str = "https://smallsteps.example.org/2024/05/three-weeks/";

    #[test]
    fn rss_posts() {
        let out = read(FeedReader::rss(), "posts.rss", POSTS);
        let hashed = content_id(&[
            "rss-post",
            "Untitled thought",
            "2024-05-04T08:00:00+01:00",
            "Short one today: I went outside.",
        ]);
        let post = ItemKind::Post;
        assert_eq!(
            rows(&out),
            vec![
                (
                    GROUP,
                    GROUP,
                    None,
                    post,
                    Some("andi"),
                    Some("Notes from group night & after"),
                    "2024-05-03T20:45:00+00:00".to_string()
                ),
                // The link's `#more` fragment is not part of the id.
                (
                    WEEKS,
                    WEEKS,
                    None,
                    post,
                    Some("andi"),
                    Some("Three weeks, one day at a time"),
                    "2024-05-01T19:14:00+00:00".to_string()
                ),
                // No link: the guid; the e-mail address in <author> is not kept.
                (
                    "tag:smallsteps.example.org,2024:guest-7",
                    "tag:smallsteps.example.org,2024:guest-7",
                    None,
                    post,
                    Some("Kim"),
                    Some("A note from a guest writer"),
                    "none".to_string()
                ),
                (
                    hashed.as_str(),
                    hashed.as_str(),
                    None,
                    post,
                    Some("lee"),
                    Some("Untitled thought"),
                    "2024-05-04T08:00:00+01:00".to_string()
                ),
            ]
        );
        let texts: Vec<_> = out.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "We met at the library & talked about sleep.\n\nSomeone said \u{201c}rest is not \
                 laziness\u{201d} and I wrote it down.",
                "It\u{2019}s been three weeks.\n\nSome days are fine & some are not.",
                "I used to hide how tired I was. Writing it down helped.",
                "Short one today: I went outside.",
            ]
        );
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "posts.rss",
                Position::byte(nth(POSTS, "<item>", 2)).with_record(3),
                Severity::Degraded,
                "unreadable date 'someday soon' in <pubDate>: date left unknown"
            )]
        );
        assert_eq!(
            out.items[1].source,
            util::source(
                Format::Rss,
                "posts.rss",
                Position::byte(nth(POSTS, "<item>", 1)).with_record(2)
            )
        );
        assert!(out.threads.is_empty());
        let dump = format!("{:?}", out.items);
        assert!(!dump.contains("@mail.example.org"));
    }

    #[test]
    fn wordpress_comment_feed_threads_onto_the_posts() {
        let out = read(FeedReader::rss(), "comments.rss", COMMENTS);
        let comment = ItemKind::Comment;
        let d = |s: &str| s.to_string();
        assert_eq!(
            rows(&out),
            vec![
                (
                    "https://smallsteps.example.org/?p=102#comment-208",
                    GROUP,
                    Some(GROUP),
                    comment,
                    // No dc:creator: the name from the generated title.
                    Some("Priya"),
                    None,
                    d("2024-05-04T07:30:00+00:00")
                ),
                (
                    "https://smallsteps.example.org/?p=101#comment-202",
                    WEEKS,
                    // thr:in-reply-to names the comment it answers.
                    Some("https://smallsteps.example.org/?p=101#comment-201"),
                    comment,
                    Some("andi"),
                    None,
                    d("2024-05-01T20:30:00+00:00")
                ),
                (
                    "https://smallsteps.example.org/?p=101#comment-201",
                    WEEKS,
                    Some(WEEKS),
                    comment,
                    Some("Sam R."),
                    None,
                    d("2024-05-01T20:02:00+00:00")
                ),
            ]
        );
        let texts: Vec<_> = out.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "I wish I could have come. Next time for sure.",
                "Thank you, Sam. It helps to hear that.",
                "So proud of you & your honesty.\n\nTea is a good plan. Keep going.",
            ]
        );
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        // The posts are not in this feed: their threads are known by title and count.
        let metas: Vec<_> = out
            .threads
            .iter()
            .map(|m| {
                (
                    m.thread_id.as_str(),
                    m.title.as_deref(),
                    m.found_comments,
                    m.source.position.record,
                )
            })
            .collect();
        assert_eq!(
            metas,
            vec![
                (GROUP, Some("Notes from group night & after"), 1, Some(1)),
                (WEEKS, Some("Three weeks, one day at a time"), 2, Some(2)),
            ]
        );

        // Read with the post feed, every comment lands in its post's thread.
        let posts = read(FeedReader::rss(), "posts.rss", POSTS);
        let post_ids: HashSet<_> = posts.items.iter().map(|p| p.id.as_str()).collect();
        assert!(out
            .items
            .iter()
            .all(|c| post_ids.contains(c.thread_id.as_str())));
    }

    #[test]
    fn atom_threading() {
        let out = read(FeedReader::atom(), "thread.atom", ATOM);
        let (post, comment) = (ItemKind::Post, ItemKind::Comment);
        let d = |s: &str| s.to_string();
        assert_eq!(
            rows(&out),
            vec![
                (
                    "urn:example:p1",
                    "urn:example:p1",
                    None,
                    post,
                    Some("Mo"),
                    Some("Can\u{2019}t sleep again"),
                    d("2024-05-01T23:40:00+02:00")
                ),
                (
                    "urn:example:c2",
                    "urn:example:p1",
                    Some("urn:example:p1"),
                    comment,
                    Some("Dee"),
                    None,
                    d("2024-05-02T07:15:00+02:00")
                ),
                (
                    "urn:example:p2",
                    "urn:example:p2",
                    None,
                    post,
                    // No author of its own: the feed's.
                    Some("Board team"),
                    Some("Small wins"),
                    // No published date: updated.
                    d("2024-05-02T08:00:00+00:00")
                ),
                (
                    "urn:example:p3",
                    "urn:example:p3",
                    None,
                    post,
                    Some("Mo"),
                    Some("Voice note"),
                    d("2024-05-02T09:30:00+02:00")
                ),
                (
                    "urn:example:p4",
                    "urn:example:p4",
                    None,
                    post,
                    Some("Ari"),
                    Some("Check-in"),
                    d("none")
                ),
                // Came first in the feed, before the comment it answers: held back, then
                // given the thread of its parent's post.
                (
                    "urn:example:c3",
                    "urn:example:p1",
                    Some("urn:example:c2"),
                    comment,
                    Some("Ari"),
                    None,
                    d("2024-05-02T10:00:00+02:00")
                ),
                // Answers something not in the feed: that is its thread.
                (
                    "urn:example:c4",
                    "urn:example:elsewhere",
                    Some("urn:example:elsewhere"),
                    comment,
                    Some("Bo"),
                    None,
                    d("2024-05-02T09:00:00+00:00")
                ),
            ]
        );
        let texts: Vec<_> = out.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Third night in a row awake at 3am.\n\nEverything feels heavier at night & I \
                 don\u{2019}t know who to talk to.",
                "Same here. What helps me is getting up and reading for a bit.\n\nYou can \
                 message me any time.",
                "Share one good thing from today.\n\nMine: I ate breakfast & went for a walk. \
                 5 < 6 hours of sleep, but better.",
                "",
                "Checking in: a calmer day.",
                "Thank you both.\n\nI will try the breathing app & let you know.",
                "Hope the new week is kinder to you.",
            ]
        );
        let entry = |n| Position::byte(nth(ATOM, "<entry>", n)).with_record(n as u64 + 1);
        assert_eq!(
            out.diagnostics,
            vec![
                Diagnostic::new(
                    "thread.atom",
                    entry(5),
                    Severity::Degraded,
                    "post has no text (kept so that its comments keep their thread)"
                ),
                Diagnostic::new(
                    "thread.atom",
                    entry(6),
                    Severity::Degraded,
                    "unreadable date 'last Tuesday' in <published>: date left unknown"
                ),
            ]
        );
        assert_eq!(out.items[5].source.position, entry(0));
        assert_eq!(out.items[5].source.format, Format::Atom);
        let metas: Vec<_> = out
            .threads
            .iter()
            .map(|m| (m.thread_id.as_str(), m.title.as_deref(), m.found_comments))
            .collect();
        assert_eq!(metas, vec![("urn:example:elsewhere", None, 1)]);
        assert!(!format!("{:?}", out).contains("team@board.example.org"));
    }

    #[test]
    fn wordpress_atom_comment_feed_titles() {
        let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<entry><title type="html">Comment on Late nights by Jules</title><id>https://b.example.org/?p=5#comment-9</id>
<thr:in-reply-to ref="https://b.example.org/?p=5" href="https://b.example.org/late-nights/" type="text/html"/>
<updated>2024-02-01T10:00:00Z</updated><content type="html">&lt;p&gt;Me too.&lt;/p&gt;</content></entry>
<entry><title type="html">Comment on Late nights by Jules</title><id>https://b.example.org/?p=5#comment-10</id>
<thr:in-reply-to ref="https://b.example.org/?p=5#comment-9"/>
<updated>2024-02-01T11:00:00Z</updated><content type="html">And again.</content></entry>
</feed>"#;
        let out = read(FeedReader::atom(), "c.atom", xml.as_bytes());
        assert_eq!(out.items.len(), 2);
        assert!(out
            .items
            .iter()
            .all(|i| i.author.as_deref() == Some("Jules")));
        assert!(out
            .items
            .iter()
            .all(|i| i.thread_id == "https://b.example.org/?p=5"));
        assert_eq!(
            out.items[1].parent_id.as_deref(),
            Some("https://b.example.org/?p=5#comment-9")
        );
        assert_eq!(out.threads.len(), 1);
        assert_eq!(out.threads[0].title.as_deref(), Some("Late nights"));
        assert_eq!(out.threads[0].found_comments, 2);
        assert!(out.diagnostics.is_empty());
    }

    #[test]
    fn sloppy_feeds_still_read() {
        // Markup inside <description> instead of escaped, a lone `&`, an undeclared `dc:`
        // prefix, a duplicated link, RSS 1.0.
        let xml = "<rss version='2.0'><channel>\
            <item><title>A & B</title><link>https://x.example.org/a</link><dc:creator>Noor</dc:creator>\
            <description><p>First <b>part</b></p><p>Second&nbsp;part</p></description></item>\
            <item><title>Again</title><link>https://x.example.org/a</link><guid>g2</guid>\
            <description>Other text</description></item>\
            </channel></rss>";
        let out = read(FeedReader::rss(), "s.rss", xml.as_bytes());
        assert_eq!(out.items.len(), 2);
        assert_eq!(out.items[0].title.as_deref(), Some("A & B"));
        assert_eq!(out.items[0].author.as_deref(), Some("Noor"));
        assert_eq!(out.items[0].text, "First part\n\nSecond part");
        assert_eq!(out.items[0].id, "https://x.example.org/a");
        assert_eq!(
            out.items[1].id, "g2",
            "a repeated link falls back to the guid"
        );
        assert!(out.diagnostics.is_empty());

        let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://x.example.org/"><title>T</title></channel>
<item rdf:about="https://x.example.org/1"><title>One</title><link>https://x.example.org/1</link><description>Hello there.</description></item>
</rdf:RDF>"#;
        let out = read(FeedReader::rss(), "r.rdf", rdf.as_bytes());
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].id, "https://x.example.org/1");
        assert_eq!(out.items[0].text, "Hello there.");
    }

    #[test]
    fn rss_authors_never_keep_addresses() {
        assert_eq!(
            rss_author("jo@example.org (Jo Lee)").as_deref(),
            Some("Jo Lee")
        );
        assert_eq!(
            rss_author("Jo Lee <jo@example.org>").as_deref(),
            Some("Jo Lee")
        );
        assert_eq!(rss_author("jo@example.org").as_deref(), Some("jo"));
        assert_eq!(rss_author("Jo").as_deref(), Some("Jo"));
        assert_eq!(rss_author("  ").as_deref(), None);
    }

    #[test]
    fn wrong_root_is_refused() {
        let out = read(FeedReader::rss(), "a.xml", ATOM);
        assert!(out.items.is_empty());
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].severity, Severity::Fatal);
        assert_eq!(
            out.diagnostics[0].reason,
            "not an RSS feed: the root element is <feed>, not <rss> (an Atom feed: use --from atom)"
        );
        assert_eq!(
            out.diagnostics[0].position,
            Position::byte(nth(ATOM, "<feed", 0))
        );
        let out = read(FeedReader::atom(), "p.xml", POSTS);
        assert_eq!(
            out.diagnostics[0].reason,
            "not an Atom feed: the root element is <rss>, not <feed> (an RSS feed or a WordPress export: use --from rss or --from wxr)"
        );
    }

    #[test]
    fn truncated_feeds_keep_what_came_before() {
        let full = read(FeedReader::rss(), "comments.rss", COMMENTS);
        let cut = nth(COMMENTS, "Thank you, Sam", 0) as usize;
        let out = read(FeedReader::rss(), "comments.rss", &COMMENTS[..cut]);
        assert_eq!(out.items, full.items[..1].to_vec());
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "comments.rss",
                // Where the unclosed CDATA section starts.
                Position::byte(nth(COMMENTS, "<![CDATA[Thank you, Sam", 0)).with_record(2),
                Severity::Fatal,
                "XML ends inside a CDATA section in <description>, in <item> (truncated file?)"
            )]
        );
        // The thread known from the first comment is still reported.
        assert_eq!(out.threads.len(), 1);

        // Atom: the held-back reply is still emitted, before the fatal diagnostic.
        let cut = nth(ATOM, "<entry>", 3) as usize + 20;
        let out = read(FeedReader::atom(), "thread.atom", &ATOM[..cut]);
        let ids: Vec<_> = out.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            vec!["urn:example:p1", "urn:example:c2", "urn:example:c3"]
        );
        assert_eq!(out.items[2].thread_id, "urn:example:p1");
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "thread.atom",
                Position::byte(cut as u64).with_record(4),
                Severity::Fatal,
                "XML ends inside <id>, in <entry> (truncated file?)"
            )]
        );
    }

    #[test]
    fn mismatched_tags_in_a_feed() {
        let text = std::str::from_utf8(POSTS).unwrap();
        let broken = text.replacen(
            "<title>A note from a guest writer</title>",
            "<title>A note</titel>",
            1,
        );
        let out = read(FeedReader::rss(), "posts.rss", broken.as_bytes());
        assert_eq!(out.items.len(), 2);
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "posts.rss",
                Position::byte(nth(broken.as_bytes(), "</titel>", 0)).with_record(3),
                Severity::Fatal,
                "malformed XML: <title> is closed by </titel>, in <item>"
            )]
        );
    }

    #[test]
    fn through_the_format_registry() {
        assert_eq!(Collect::read(Format::Rss, "p", POSTS).items.len(), 4);
        assert_eq!(Collect::read(Format::Atom, "a", ATOM).items.len(), 7);
    }

    fn check(reader: FeedReader, bytes: &[u8]) -> Result<(), TestCaseError> {
        let out = read(reader, "f", bytes);
        let fatals = out
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Fatal)
            .count();
        prop_assert!(fatals <= 1);
        if fatals == 1 {
            prop_assert_eq!(
                out.diagnostics.last().map(|d| d.severity),
                Some(Severity::Fatal)
            );
        }
        for d in &out.diagnostics {
            prop_assert!(d.position.byte.unwrap_or(0) <= bytes.len() as u64);
        }
        Ok(())
    }

    /// Past the limit on held-back comments, a reply is emitted at once with the best thread
    /// known then; the held-back ones still get their post's thread at the end.
    #[test]
    fn held_back_comments_are_bounded() {
        let mut xml = String::from(
            "<feed xmlns='http://www.w3.org/2005/Atom' \
             xmlns:thr='http://purl.org/syndication/thread/1.0'>",
        );
        let reply = |xml: &mut String, id: &str, to: &str| {
            xml.push_str(&format!(
                "<entry><id>{id}</id><thr:in-reply-to ref='{to}'/><content>Thinking of you.</content></entry>"
            ));
        };
        for n in 0..MAX_PENDING {
            reply(&mut xml, &format!("urn:c{n}"), "urn:c-late");
        }
        // Over the limit: emitted at once; what it answers is not known yet.
        reply(&mut xml, "urn:c-late", "urn:p");
        // Answers a comment already emitted: emitted at once, in that comment's thread.
        reply(&mut xml, "urn:c-after", "urn:c-late");
        xml.push_str("<entry><id>urn:p</id><content>A hard week.</content></entry></feed>");
        let out = read(FeedReader::atom(), "many.atom", xml.as_bytes());
        assert!(out.diagnostics.is_empty(), "{:?}", &out.diagnostics[..1]);
        assert_eq!(out.items.len(), MAX_PENDING + 3);
        let first: Vec<_> = out.items[..4]
            .iter()
            .map(|i| (i.id.as_str(), i.thread_id.as_str(), i.kind))
            .collect();
        assert_eq!(
            first,
            [
                ("urn:c-late", "urn:p", ItemKind::Comment),
                ("urn:c-after", "urn:p", ItemKind::Comment),
                ("urn:p", "urn:p", ItemKind::Post),
                ("urn:c0", "urn:p", ItemKind::Comment),
            ]
        );
        assert!(out.items[3..]
            .iter()
            .all(|i| i.thread_id == "urn:p" && i.parent_id.as_deref() == Some("urn:c-late")));
        // The post was in the feed: no thread known only by its comments.
        assert!(out.threads.is_empty(), "{:?}", out.threads);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn truncated_rss_never_panics(cut in 0..COMMENTS.len()) {
            let full = read(FeedReader::rss(), "f", COMMENTS);
            let out = read(FeedReader::rss(), "f", &COMMENTS[..cut]);
            // RSS items are emitted as they close: a prefix of the whole.
            prop_assert_eq!(&out.items[..], &full.items[..out.items.len()]);
            check(FeedReader::rss(), &COMMENTS[..cut])?;
            check(FeedReader::rss(), &POSTS[..cut.min(POSTS.len())])?;
        }

        #[test]
        fn truncated_atom_never_panics(cut in 0..ATOM.len()) {
            check(FeedReader::atom(), &ATOM[..cut])?;
            let out = read(FeedReader::atom(), "f", &ATOM[..cut]);
            let doc_end = nth(ATOM, "</feed>", 0) as usize + "</feed>".len();
            prop_assert_eq!(cut < doc_end, out.diagnostics.iter().any(|d| d.severity == Severity::Fatal));
        }

        #[test]
        fn flipped_bytes_never_panic(
            flips in proptest::collection::vec((0..4096usize, any::<u8>()), 1..8),
            which in 0..3usize,
        ) {
            let (reader, sample) = match which {
                0 => (FeedReader::rss(), POSTS),
                1 => (FeedReader::rss(), COMMENTS),
                _ => (FeedReader::atom(), ATOM),
            };
            let mut bytes = sample.to_vec();
            for (at, byte) in flips {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            check(reader, &bytes)?;
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            check(FeedReader::rss(), &bytes)?;
            check(FeedReader::atom(), &bytes)?;
        }
    }
}
