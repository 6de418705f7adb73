//! WordPress eXtended RSS (WXR): the XML file a blog owner downloads from *Tools → Export*.
//!
//! The file is streamed (quick-xml over the given `BufRead`, one reused buffer): each `<item>` is
//! held in memory only until its `</item>`, when the post and its comments are emitted, so a
//! multi-gigabyte export reads in memory bounded by its largest item. Namespaces are matched by
//! their URI (WXR 1.0, 1.1 and 1.2 alike) or, where a file uses a prefix it never declares, by
//! the conventional prefix (`wp:`, `content:`, `dc:`, `excerpt:`).
//!
//! **What is read.** By default, items whose `wp:post_type` is `post` and whose `wp:status` is
//! `publish`; pages, attachments, menu items, revisions and the rest, and drafts, pending,
//! scheduled, private and trashed posts are skipped without a diagnostic (skipping by policy is
//! not an error). [`WxrReader::include_pages`] adds pages; [`WxrReader::include_drafts`] adds
//! `draft`, `pending`, `future` and `private` posts (never `trash` or `auto-draft`). A missing
//! `wp:post_type` or `wp:status` counts as `post` / `publish`.
//!
//! **Posts.** `id` and `thread_id` are `wp:post_id` (else `guid`, else `link`, else a content
//! hash); `title`; `author` is `dc:creator` (the author's login, as WordPress writes it);
//! `created_at` is `wp:post_date_gmt`, else `pubDate`, else `wp:post_date` (WordPress's "no date"
//! values are skipped over); `text` is `content:encoded` through [`crate::html::to_text`]. A post
//! with no text is still emitted, with empty text and a `Degraded` diagnostic, so that its
//! comments keep their thread.
//!
//! **Comments** (`wp:comment` inside the item): `id` is `"{post_id}-c{comment_id}"`, so that it
//! can never collide with a post id; `parent_id` is the post for `wp:comment_parent` 0, else the
//! parent comment's id built the same way — kept even when that comment is not in the file or
//! was skipped, so the tree shows the gap rather than hiding it; `author` is
//! `wp:comment_author`; `created_at` is `wp:comment_date_gmt`, else `wp:comment_date`; `text` is
//! `wp:comment_content` through `to_text`. Comments held for moderation (`wp:comment_approved`
//! `0`) are skipped unless [`WxrReader::include_unapproved`]; spam and trash always are, and so
//! are pingbacks, trackbacks and webmentions (`wp:comment_type`): they are not anyone's words.
//! A comment without `wp:comment_approved` counts as approved; one with no `wp:comment_id` gets
//! a content hash after the `-c`.
//!
//! **Privacy.** Commenters' e-mail addresses, IP addresses and URLs, and all post and comment
//! metadata, are never read into memory: the reader skips those elements unseen.
//!
//! **Diagnostics.** An unreadable date keeps the item (`Degraded`); invalid UTF-8 is replaced
//! with U+FFFD (`Degraded`: one bad byte in a large export should not cost the rest of it); an
//! item larger than 64 MiB is `Rejected`. Control characters XML forbids (WordPress lets some
//! through) are dropped from the text, and a lone `&` or an HTML entity XML does not define
//! (`&nbsp;`) is read as a browser would: neither is worth losing an export over. A comment
//! that names itself as its parent is attached to the post (`Degraded`). A file that ends
//! inside an element, mismatched tags or broken markup end the reading with one `Fatal`
//! diagnostic at the byte offset of the problem (quick-xml's error position: the start of the
//! unclosed construct or of the offending tag), after every item completed before it has been
//! emitted. Positions are the byte offset of the element's `<` and the item's number in the
//! file (counting every `<item>`, skipped ones included).

pub(crate) mod xml;

use std::io::BufRead;

use threadcare_core::content_id;

use crate::html;
use crate::{util, Format, Item, ItemKind, Position, Reader, Severity, Sink};
use xml::{
    degraded, first_date, no_text, opt_line, read_records, root_hint, Markup, Name, Node, Ns, Part,
    Rec, Schema,
};

/// Reads WordPress exports. `Default` reads what a visitor of the blog could see: published
/// posts and approved comments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WxrReader {
    /// Also read drafts, pending, scheduled and private posts.
    pub include_drafts: bool,
    /// Also read pages.
    pub include_pages: bool,
    /// Also read comments held for moderation.
    pub include_unapproved: bool,
}

impl WxrReader {
    fn post_wanted(&self, post_type: &str, status: &str) -> bool {
        let type_ok = post_type == "post" || (self.include_pages && post_type == "page");
        let status_ok = status == "publish"
            || (self.include_drafts
                && matches!(status, "draft" | "pending" | "future" | "private"));
        type_ok && status_ok
    }

    fn comment_wanted(&self, approved: &str, kind: &str) -> bool {
        if matches!(kind, "pingback" | "trackback" | "webmention") {
            return false;
        }
        match approved {
            "1" | "approve" | "approved" => true,
            "0" | "hold" | "unapproved" => self.include_unapproved,
            _ => false,
        }
    }

    fn item(&self, rec: Rec, file: &str, out: &mut dyn Sink) {
        let Rec {
            node,
            number,
            lossy,
            oversize,
        } = rec;
        let pos = Position::byte(node.at).with_record(number);
        let post_type = node.field(Ns::Wp, "post_type").unwrap_or("post");
        let status = node.field(Ns::Wp, "status").unwrap_or("publish");
        if !self.post_wanted(post_type, status) {
            return;
        }
        if oversize {
            out.diagnostic(util::diag(
                file,
                pos,
                Severity::Rejected,
                format!(
                    "post with its comments is larger than {} MiB: skipped",
                    xml::MAX_RECORD_BYTES / (1024 * 1024)
                ),
            ));
            return;
        }

        let title = opt_line(node.field(Ns::None, "title"));
        let content = node
            .child(Ns::Content, "encoded")
            .map(|n| n.text.as_str())
            .unwrap_or("");
        let text = html::to_text(content);
        let date_gmt = node.field(Ns::Wp, "post_date_gmt");
        let (created_at, date_problem) = first_date(&[
            ("wp:post_date_gmt", date_gmt),
            ("pubDate", node.field(Ns::None, "pubDate")),
            ("wp:post_date", node.field(Ns::Wp, "post_date")),
        ]);
        let id = node
            .field(Ns::Wp, "post_id")
            .or_else(|| node.field(Ns::None, "guid"))
            .or_else(|| node.field(Ns::None, "link"))
            .map(str::to_string)
            .unwrap_or_else(|| {
                content_id(&[
                    "wxr-post",
                    title.as_deref().unwrap_or(""),
                    date_gmt.unwrap_or(""),
                    &text,
                ])
            });
        let empty = text.is_empty();
        out.item(Item {
            id: id.clone(),
            thread_id: id.clone(),
            parent_id: None,
            kind: ItemKind::Post,
            author: opt_line(node.field(Ns::Dc, "creator")),
            created_at,
            title,
            text,
            source: util::source(Format::Wxr, file, pos.clone()),
        });
        let reasons = [
            lossy.then(|| {
                "invalid UTF-8 in this post or its comments: replaced with U+FFFD".to_string()
            }),
            date_problem,
            empty.then(|| no_text(ItemKind::Post).to_string()),
        ];
        for d in degraded(file, &pos, reasons) {
            out.diagnostic(d);
        }

        for comment in node.children(Ns::Wp, "comment") {
            self.comment(comment, &id, number, file, out);
        }
    }

    fn comment(&self, c: &Node, post_id: &str, number: u64, file: &str, out: &mut dyn Sink) {
        let approved = c.field(Ns::Wp, "comment_approved").unwrap_or("1");
        let kind = c.field(Ns::Wp, "comment_type").unwrap_or("");
        if !self.comment_wanted(approved, kind) {
            return;
        }
        let pos = Position::byte(c.at).with_record(number);
        let content = c
            .child(Ns::Wp, "comment_content")
            .map(|n| n.text.as_str())
            .unwrap_or("");
        let text = html::to_text(content);
        let author = opt_line(c.field(Ns::Wp, "comment_author"));
        let date_gmt = c.field(Ns::Wp, "comment_date_gmt");
        let (created_at, date_problem) = first_date(&[
            ("wp:comment_date_gmt", date_gmt),
            ("wp:comment_date", c.field(Ns::Wp, "comment_date")),
        ]);
        let id = match c.field(Ns::Wp, "comment_id") {
            Some(cid) => format!("{post_id}-c{cid}"),
            None => format!(
                "{post_id}-c{}",
                content_id(&[
                    "wxr-comment",
                    post_id,
                    author.as_deref().unwrap_or(""),
                    date_gmt.unwrap_or(""),
                    &text,
                ])
            ),
        };
        let mut self_parent = false;
        let parent_id = match c.field(Ns::Wp, "comment_parent") {
            None | Some("0") => post_id.to_string(),
            Some(parent) => {
                let parent = format!("{post_id}-c{parent}");
                if parent == id {
                    self_parent = true;
                    post_id.to_string()
                } else {
                    parent
                }
            }
        };
        let empty = text.is_empty();
        out.item(Item {
            id,
            thread_id: post_id.to_string(),
            parent_id: Some(parent_id),
            kind: ItemKind::Comment,
            author,
            created_at,
            title: None,
            text,
            source: util::source(Format::Wxr, file, pos.clone()),
        });
        let reasons = [
            date_problem,
            self_parent.then(|| "comment names itself as its parent: attached to the post".into()),
            empty.then(|| no_text(ItemKind::Comment).to_string()),
        ];
        for d in degraded(file, &pos, reasons) {
            out.diagnostic(d);
        }
    }
}

/// What the WXR reader keeps of an item: the fields it reads, nothing else (no e-mail, IP or
/// metadata ever reaches memory).
struct WxrSchema;

impl Schema for WxrSchema {
    fn record(&self, ns: Ns, local: &str) -> bool {
        ns == Ns::None && local == "item"
    }

    fn keep(&self, ns: Ns, local: &str) -> bool {
        match ns {
            Ns::None => matches!(local, "title" | "link" | "guid" | "pubDate"),
            Ns::Dc => local == "creator",
            Ns::Content => local == "encoded",
            Ns::Wp => matches!(
                local,
                "post_id"
                    | "post_date"
                    | "post_date_gmt"
                    | "status"
                    | "post_type"
                    | "comment"
                    | "comment_id"
                    | "comment_author"
                    | "comment_date"
                    | "comment_date_gmt"
                    | "comment_content"
                    | "comment_approved"
                    | "comment_type"
                    | "comment_parent"
            ),
            _ => false,
        }
    }

    fn markup(&self, name: &Name, _attrs: &[(String, String)]) -> Option<Markup> {
        (name.is(Ns::Content, "encoded") || name.is(Ns::Wp, "comment_content"))
            .then_some(Markup::Html)
    }
}

impl Reader for WxrReader {
    fn format(&self) -> Format {
        Format::Wxr
    }

    fn read(&self, input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        let refuse = |root: &Name| {
            (!root.is(Ns::None, "rss")).then(|| {
                format!(
                    "not a WordPress export: the root element is <{}>, not <rss>{}",
                    root.qname,
                    root_hint(root)
                )
            })
        };
        let fatal = read_records(input, WxrSchema, file, refuse, |part| {
            if let Part::Record(rec) = part {
                self.item(rec, file, out);
            }
        });
        if let Some(fatal) = fatal {
            out.diagnostic(fatal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collect, Diagnostic};
    use proptest::prelude::*;

    const BLOG: &[u8] = include_bytes!("../tests/data/xml/blog.wxr");

    fn read_with(reader: WxrReader, bytes: &[u8]) -> Collect {
        let mut out = Collect::default();
        reader.read(&mut &bytes[..], "blog.wxr", &mut out);
        out
    }

    fn read(bytes: &[u8]) -> Collect {
        read_with(WxrReader::default(), bytes)
    }

    /// Byte offset of the `n`th (0-based) occurrence of `needle` in the sample.
    fn nth(hay: &[u8], needle: &str, n: usize) -> u64 {
        let text = std::str::from_utf8(hay).unwrap();
        text.match_indices(needle).nth(n).expect(needle).0 as u64
    }

    fn summary(item: &Item) -> (String, String, Option<String>, ItemKind, Option<String>) {
        (
            item.id.clone(),
            item.thread_id.clone(),
            item.parent_id.clone(),
            item.kind,
            item.author.clone(),
        )
    }

    fn date(item: &Item) -> String {
        item.created_at
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    fn s(x: &str) -> String {
        x.to_string()
    }

    #[test]
    fn published_posts_and_approved_comments() {
        let out = read(BLOG);
        assert_eq!(out.diagnostics, Vec::<Diagnostic>::new());
        let got: Vec<_> = out.items.iter().map(summary).collect();
        let c = ItemKind::Comment;
        assert_eq!(
            got,
            vec![
                (s("101"), s("101"), None, ItemKind::Post, Some(s("andi"))),
                (
                    s("101-c201"),
                    s("101"),
                    Some(s("101")),
                    c,
                    Some(s("Sam R."))
                ),
                (
                    s("101-c202"),
                    s("101"),
                    Some(s("101-c201")),
                    c,
                    Some(s("andi"))
                ),
                (
                    s("101-c203"),
                    s("101"),
                    Some(s("101-c202")),
                    c,
                    Some(s("Jo"))
                ),
                // Its parent (205) waits for moderation and is not read: the id is kept.
                (
                    s("101-c207"),
                    s("101"),
                    Some(s("101-c205")),
                    c,
                    Some(s("Kim"))
                ),
                (s("102"), s("102"), None, ItemKind::Post, Some(s("andi"))),
                (s("102-c208"), s("102"), Some(s("102")), c, Some(s("Priya"))),
            ]
        );
        let texts: Vec<_> = out.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "It\u{2019}s been three weeks since I last hurt myself. Some days are fine & \
                 some days are not.\n\nTonight the urge came back after the phone call with my \
                 dad.\nI made tea and wrote this instead.",
                "So proud of you & your honesty.\n\nTea is a good plan. Keep going.",
                "Thank you, Sam. It helps to hear that.",
                "Same here, both of you.\nPhone calls with family are hard for me too.",
                "Riley, sending you a hug. Did you sleep at all?",
                "We met at the library & talked about sleep.\n\nSomeone said \u{201c}rest is not \
                 laziness\u{201d} and I wrote it down.",
                "I wish I could have come. Next time for sure.",
            ]
        );
        let dates: Vec<_> = out.items.iter().map(date).collect();
        assert_eq!(
            dates,
            vec![
                "2024-05-01T19:14:00+00:00",
                "2024-05-01T20:02:00+00:00",
                "2024-05-01T20:30:00+00:00",
                "2024-05-02T06:05:00+00:00",
                "2024-05-02T09:40:00+00:00",
                "2024-05-03T20:45:00+00:00",
                // The GMT date is WordPress's zero: the local date is used.
                "2024-05-04T07:30:00+00:00",
            ]
        );
        let titles: Vec<_> = out.items.iter().map(|i| i.title.as_deref()).collect();
        assert_eq!(
            titles,
            vec![
                Some("Three weeks, one day at a time"),
                None,
                None,
                None,
                None,
                Some("Notes from group night & after"),
                None
            ]
        );
    }

    #[test]
    fn positions_name_the_item_and_the_comment() {
        let out = read(BLOG);
        let pos = |i: usize| out.items[i].source.position.clone();
        assert_eq!(
            pos(0),
            Position::byte(nth(BLOG, "<item>", 0)).with_record(1)
        );
        assert_eq!(
            pos(1),
            Position::byte(nth(BLOG, "<wp:comment>", 0)).with_record(1)
        );
        // 207 is the seventh comment of the first item.
        assert_eq!(
            pos(4),
            Position::byte(nth(BLOG, "<wp:comment>", 6)).with_record(1)
        );
        // The second post is the fifth item (a page, a draft and an attachment come between).
        assert_eq!(
            pos(5),
            Position::byte(nth(BLOG, "<item>", 4)).with_record(5)
        );
        assert!(out
            .items
            .iter()
            .all(|i| i.source.format == Format::Wxr && i.source.file == "blog.wxr"));
    }

    #[test]
    fn options_add_pages_drafts_and_held_comments_but_never_spam_or_pingbacks() {
        let out = read_with(
            WxrReader {
                include_drafts: true,
                include_pages: true,
                include_unapproved: true,
            },
            BLOG,
        );
        let ids: Vec<_> = out.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "101", "101-c201", "101-c202", "101-c203", "101-c205", "101-c207", "103",
                "103-c209", "104", "102", "102-c208"
            ]
        );
        let draft = out.items.iter().find(|i| i.id == "104").unwrap();
        // No GMT date, WordPress's "-0001" pubDate: the local post date is used.
        assert_eq!(date(draft), "2024-05-03T23:10:00+00:00");
        assert_eq!(draft.text, "Not ready to share this one yet.");
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    }

    #[test]
    fn no_email_ip_url_or_metadata_anywhere() {
        let out = read_with(
            WxrReader {
                include_drafts: true,
                include_pages: true,
                include_unapproved: true,
            },
            BLOG,
        );
        let dump = format!("{:?}{:?}", out.items, out.diagnostics);
        for secret in [
            "@mail.example.org",
            "192.0.2.",
            "198.51.100.",
            "203.0.113.",
            "sam.example.net",
            "akismet",
            "_edit_last",
            "spam.example.com",
        ] {
            assert!(!dump.contains(secret), "{secret} leaked");
        }
    }

    #[test]
    fn post_without_text_is_kept_for_its_comments() {
        let xml = r#"<rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><item><title>Only a title</title><content:encoded><![CDATA[ <p> </p> ]]></content:encoded>
<wp:post_id>7</wp:post_id><wp:post_date_gmt>yesterday-ish</wp:post_date_gmt>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<wp:comment><wp:comment_id>9</wp:comment_id><wp:comment_parent>9</wp:comment_parent>
<wp:comment_date_gmt>2024-01-02 03:04:05</wp:comment_date_gmt><wp:comment_approved>1</wp:comment_approved>
<wp:comment_content>Thinking of you.</wp:comment_content></wp:comment>
<wp:comment><wp:comment_approved>1</wp:comment_approved><wp:comment_content>No id here</wp:comment_content></wp:comment>
</item></channel></rss>"#;
        let out = read(xml.as_bytes());
        let item_at = nth(xml.as_bytes(), "<item>", 0);
        let post_pos = Position::byte(item_at).with_record(1);
        let c_pos = Position::byte(nth(xml.as_bytes(), "<wp:comment>", 0)).with_record(1);
        assert_eq!(out.items.len(), 3);
        assert_eq!(out.items[0].text, "");
        assert_eq!(out.items[0].title.as_deref(), Some("Only a title"));
        assert_eq!(out.items[0].created_at, None);
        assert_eq!(out.items[1].id, "7-c9");
        assert_eq!(out.items[1].parent_id.as_deref(), Some("7"));
        assert_eq!(out.items[1].text, "Thinking of you.");
        let anon = &out.items[2];
        assert!(
            anon.id.starts_with("7-c") && anon.id.len() == 3 + 16,
            "{}",
            anon.id
        );
        assert_eq!(anon.parent_id.as_deref(), Some("7"));
        assert_eq!(
            out.diagnostics,
            vec![
                Diagnostic::new(
                    "blog.wxr",
                    post_pos.clone(),
                    Severity::Degraded,
                    "unreadable date 'yesterday-ish' in <wp:post_date_gmt>: date left unknown"
                ),
                Diagnostic::new(
                    "blog.wxr",
                    post_pos,
                    Severity::Degraded,
                    "post has no text (kept so that its comments keep their thread)"
                ),
                Diagnostic::new(
                    "blog.wxr",
                    c_pos,
                    Severity::Degraded,
                    "comment names itself as its parent: attached to the post"
                ),
            ]
        );
        // The same input gives the same content-hash id.
        assert_eq!(read(xml.as_bytes()).items[2].id, anon.id);
    }

    #[test]
    fn truncated_file_keeps_what_came_before() {
        let full = read(BLOG);
        // Cut inside the last comment's text.
        let cut = nth(BLOG, "I wish I could", 0) as usize + 6;
        let out = read(&BLOG[..cut]);
        assert_eq!(out.items, full.items[..5].to_vec());
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "blog.wxr",
                Position::byte(cut as u64).with_record(5),
                Severity::Fatal,
                "XML ends inside <wp:comment_content>, in <item> (truncated file?)"
            )]
        );

        // Cut inside a tag between items.
        let cut = nth(BLOG, "<item>", 1) as usize + 3;
        let out = read(&BLOG[..cut]);
        assert_eq!(out.items, full.items[..5].to_vec());
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "blog.wxr",
                Position::byte(nth(BLOG, "<item>", 1)),
                Severity::Fatal,
                "XML ends inside a tag in <channel> (truncated file?)"
            )]
        );

        // Cut inside a CDATA section.
        let cut = nth(BLOG, "Waiting for moderation", 0) as usize;
        let out = read(&BLOG[..cut]);
        assert_eq!(out.items.len(), 0);
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(
            out.diagnostics[0].reason,
            "XML ends inside a CDATA section in <wp:comment_content>, in <item> (truncated file?)"
        );
        assert_eq!(out.diagnostics[0].position.record, Some(1));
    }

    #[test]
    fn mismatched_tags_are_fatal_at_the_closing_tag() {
        let text = std::str::from_utf8(BLOG).unwrap();
        let broken = text.replacen(
            "<wp:comment_author>Priya</wp:comment_author>",
            "<wp:comment_author>Priya</wp:comment_autor>",
            1,
        );
        let at = nth(broken.as_bytes(), "</wp:comment_autor>", 0);
        let out = read(broken.as_bytes());
        assert_eq!(out.items, read(BLOG).items[..5].to_vec());
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "blog.wxr",
                Position::byte(at).with_record(5),
                Severity::Fatal,
                "malformed XML: <wp:comment_author> is closed by </wp:comment_autor>, in <item>"
            )]
        );
    }

    #[test]
    fn stray_markup_characters_are_fatal() {
        let text = std::str::from_utf8(BLOG).unwrap();
        let broken = text.replacen(
            "<wp:comment_author>Priya</wp:comment_author>",
            "<wp:comment_author>Priya <3</wp:comment_author>",
            1,
        );
        let out = read(broken.as_bytes());
        assert_eq!(out.items.len(), 5);
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        let d = &out.diagnostics[0];
        assert_eq!(d.severity, Severity::Fatal);
        assert_eq!(d.position.record, Some(5));
        assert!(d.reason.starts_with("malformed XML"), "{}", d.reason);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_said() {
        let mut bytes =
            b"<rss><channel><item><wp:post_id>1</wp:post_id><content:encoded>caf".to_vec();
        bytes.push(0xe9);
        bytes.extend_from_slice(b" au lait</content:encoded></item></channel></rss>");
        let out = read(&bytes);
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].text, "caf\u{FFFD} au lait");
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "blog.wxr",
                Position::byte(14).with_record(1),
                Severity::Degraded,
                "invalid UTF-8 in this post or its comments: replaced with U+FFFD"
            )]
        );
    }

    #[test]
    fn not_a_wordpress_export() {
        let out = read(b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'></feed>");
        assert!(out.items.is_empty());
        assert_eq!(
            out.diagnostics,
            vec![Diagnostic::new(
                "blog.wxr",
                Position::byte(21),
                Severity::Fatal,
                "not a WordPress export: the root element is <feed>, not <rss> (an Atom feed: use --from atom)"
            )]
        );
    }

    #[test]
    fn through_the_format_registry() {
        let out = Collect::read(Format::Wxr, "blog.wxr", BLOG);
        assert_eq!(out.items.len(), 7);
        assert!(out.diagnostics.is_empty());
    }

    /// Writes a WXR of `items` posts with three comments each, generated as it is read, so that
    /// neither the input nor (with a counting sink) the output is ever held whole in memory.
    struct Generated {
        items: usize,
        next: usize,
        chunk: Vec<u8>,
        at: usize,
        footer_done: bool,
    }

    impl Generated {
        fn new(items: usize) -> Self {
            let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<rss version=\"2.0\" \
                xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
                xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
                xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n";
            Generated {
                items,
                next: 0,
                chunk: header.as_bytes().to_vec(),
                at: 0,
                footer_done: false,
            }
        }

        /// A post as page builders leave them: short text, a large metadata blob (which the
        /// reader skips unread), three comments.
        fn item(n: usize) -> String {
            let mut s = format!(
                "<item><title><![CDATA[Day {n}]]></title><dc:creator>writer{n}</dc:creator>\
                 <content:encoded><![CDATA[<p>Day {n} of keeping a journal.</p><p>A calmer day.</p>]]></content:encoded>\
                 <wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2024-05-01 12:00:00</wp:post_date_gmt>\
                 <wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\
                 <wp:postmeta><wp:meta_key>_builder_data</wp:meta_key><wp:meta_value><![CDATA[{}]]></wp:meta_value></wp:postmeta>",
                "{\"widget\":\"text\",\"settings\":{\"align\":\"left\"}},".repeat(50)
            );
            for c in 0..3 {
                s.push_str(&format!(
                    "<wp:comment><wp:comment_id>{}</wp:comment_id><wp:comment_author>friend{c}</wp:comment_author>\
                     <wp:comment_author_email>f{c}@mail.example.org</wp:comment_author_email>\
                     <wp:comment_author_IP>192.0.2.{c}</wp:comment_author_IP>\
                     <wp:comment_date_gmt>2024-05-01 13:00:00</wp:comment_date_gmt>\
                     <wp:comment_content><![CDATA[Reply {c}: glad you wrote today.]]></wp:comment_content>\
                     <wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{}</wp:comment_parent>\
                     <wp:commentmeta><wp:meta_key>akismet_history</wp:meta_key><wp:meta_value><![CDATA[{}]]></wp:meta_value></wp:commentmeta></wp:comment>",
                    n * 10 + c,
                    if c == 0 { 0 } else { n * 10 + c - 1 },
                    "a:1:{s:4:\"time\";d:1714594920.1;}".repeat(10)
                ));
            }
            s.push_str("</item>\n");
            s
        }
    }

    impl std::io::Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            while self.at == self.chunk.len() {
                self.at = 0;
                if self.next < self.items {
                    self.chunk = Self::item(self.next).into_bytes();
                    self.next += 1;
                } else if !self.footer_done {
                    self.chunk = b"</channel>\n</rss>\n".to_vec();
                    self.footer_done = true;
                } else {
                    return Ok(0);
                }
            }
            let n = buf.len().min(self.chunk.len() - self.at);
            buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[derive(Default)]
    struct Count {
        posts: usize,
        comments: usize,
        last_parent: Option<String>,
        diagnostics: Vec<Diagnostic>,
    }

    impl Sink for Count {
        fn item(&mut self, item: Item) {
            match item.kind {
                ItemKind::Post => self.posts += 1,
                ItemKind::Comment => self.comments += 1,
            }
            self.last_parent = item.parent_id;
        }
        fn diagnostic(&mut self, diagnostic: Diagnostic) {
            self.diagnostics.push(diagnostic);
        }
    }

    #[test]
    fn a_large_export_streams() {
        let items = 4_000;
        let per_item = Generated::item(0).len();
        assert!(items * per_item > 20_000_000, "{}", items * per_item);
        let mut input = std::io::BufReader::new(Generated::new(items));
        let mut out = Count::default();
        let started = std::time::Instant::now();
        WxrReader::default().read(&mut input, "big.wxr", &mut out);
        assert_eq!(out.diagnostics, Vec::<Diagnostic>::new());
        assert_eq!(out.posts, items);
        assert_eq!(out.comments, 3 * items);
        assert_eq!(out.last_parent.as_deref(), Some("3999-c39991"));
        eprintln!(
            "{} MB read in {:?}",
            items * per_item / 1_000_000,
            started.elapsed()
        );
    }

    /// Items read from a truncated file are the first items of the whole file, and a cut
    /// before the end of the document always says so, once, last.
    fn check_truncated(cut: usize, full: &Collect) {
        let out = read(&BLOG[..cut]);
        assert!(out.items.len() <= full.items.len());
        assert_eq!(out.items[..], full.items[..out.items.len()]);
        let fatals: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Fatal)
            .collect();
        let doc_end = nth(BLOG, "</rss>", 0) as usize + "</rss>".len();
        if cut < doc_end {
            assert_eq!(fatals.len(), 1, "cut at {cut}: {:?}", out.diagnostics);
            assert_eq!(
                out.diagnostics.last().map(|d| d.severity),
                Some(Severity::Fatal)
            );
            assert!(fatals[0].position.byte.unwrap() <= cut as u64);
        } else {
            assert_eq!(out.items, full.items);
            assert!(out.diagnostics.is_empty());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn truncation_anywhere_never_panics(cut in 0..BLOG.len()) {
            let full = read(BLOG);
            check_truncated(cut, &full);
        }

        #[test]
        fn flipped_bytes_never_panic(flips in proptest::collection::vec((0..BLOG.len(), any::<u8>()), 1..8)) {
            let mut bytes = BLOG.to_vec();
            for (at, byte) in flips {
                bytes[at] = byte;
            }
            let out = read(&bytes);
            let fatals = out.diagnostics.iter().filter(|d| d.severity == Severity::Fatal).count();
            prop_assert!(fatals <= 1);
            for d in &out.diagnostics {
                prop_assert!(d.position.byte.unwrap_or(0) <= bytes.len() as u64);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let out = read(&bytes);
            prop_assert!(out.diagnostics.iter().filter(|d| d.severity == Severity::Fatal).count() <= 1);
        }
    }

    #[test]
    fn every_truncation_of_the_sample() {
        let full = read(BLOG);
        for cut in (0..BLOG.len()).step_by(7) {
            check_truncated(cut, &full);
        }
    }
}
