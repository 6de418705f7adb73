//! The streaming XML layer shared by the WXR, RSS and Atom readers.
//!
//! [`Records`] pulls events from quick-xml's namespace-aware reader over the caller's `BufRead`
//! (one reused buffer) and hands back, one at a time, the *records* of the format (`<item>`,
//! `<entry>`) as small trees of [`Node`]s. Only the record being read is held in memory, so a
//! multi-gigabyte export is read in memory bounded by its largest record. Everything outside
//! records is looked at (to keep the nesting honest) and dropped, except a few *header* elements a
//! format asks for (the Atom feed's `<author>`).
//!
//! Names are matched on their local name and the namespace they are bound to, mapped to a short
//! [`Ns`] whatever prefix the file chose; a prefix that is used but never declared (hand-edited
//! or cut-down exports) falls back to the conventional prefix (`wp:`, `dc:`, `content:`, …).
//!
//! Leniency: entity references XML does not know (`&nbsp;`) are resolved as HTML entities,
//! a lone `&` is text, invalid UTF-8 is replaced (and flagged so the reader can say so). What
//! cannot be read past (a file that ends inside an element, mismatched tags, broken markup)
//! ends the stream with [`Found::Fatal`], which names the byte offset and says what happened in
//! words a person can act on.
//!
//! [`read_records`] is the reading loop the readers share: it checks the root element, hands them
//! the headers and records, and turns what ends the reading into its `Fatal` diagnostic.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::BufRead;

use chrono::{DateTime, FixedOffset};
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::record::clip;
use crate::{util, Diagnostic, ItemKind, Position, Severity};

/// A record whose text and elements exceed this many bytes is not kept (it is reported as
/// rejected), so that one absurd record cannot exhaust memory.
pub(crate) const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// Deeper nesting than this is treated as a broken file.
const MAX_DEPTH: usize = 4096;

/// What each element or text counts towards [`MAX_RECORD_BYTES`] beyond its own bytes.
const NODE_OVERHEAD: usize = 128;

/// The namespaces the readers care about, whatever prefix a file binds them to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// No namespace (plain RSS), or RSS 1.0 / 0.9's own namespace.
    None,
    /// `http://wordpress.org/export/1.x/`.
    Wp,
    /// `http://purl.org/rss/1.0/modules/content/`.
    Content,
    /// Dublin Core, `http://purl.org/dc/elements/1.1/`.
    Dc,
    /// `http://wordpress.org/export/1.x/excerpt/`.
    Excerpt,
    /// Atom threading, `http://purl.org/syndication/thread/1.0`.
    Thr,
    /// `http://www.w3.org/2005/Atom`.
    Atom,
    Other,
}

impl Ns {
    fn from_uri(uri: &[u8]) -> Option<Ns> {
        let uri = String::from_utf8_lossy(uri);
        let uri = uri.trim().trim_end_matches('/');
        let uri = uri
            .strip_prefix("http://")
            .or_else(|| uri.strip_prefix("https://"))
            .unwrap_or(uri);
        if let Some(rest) = uri.strip_prefix("wordpress.org/export/") {
            return Some(if rest.contains("excerpt") {
                Ns::Excerpt
            } else {
                Ns::Wp
            });
        }
        Some(match uri {
            "purl.org/rss/1.0/modules/content" => Ns::Content,
            "purl.org/dc/elements/1.1" | "purl.org/dc/terms" => Ns::Dc,
            "purl.org/syndication/thread/1.0" => Ns::Thr,
            "www.w3.org/2005/Atom" => Ns::Atom,
            "purl.org/rss/1.0" | "my.netscape.com/rdf/simple/0.9" | "" => Ns::None,
            _ => return None,
        })
    }

    fn from_prefix(prefix: Option<&[u8]>) -> Ns {
        match prefix {
            None => Ns::None,
            Some(b"wp") => Ns::Wp,
            Some(b"content") => Ns::Content,
            Some(b"dc") => Ns::Dc,
            Some(b"excerpt") => Ns::Excerpt,
            Some(b"thr") => Ns::Thr,
            Some(b"atom") => Ns::Atom,
            Some(_) => Ns::Other,
        }
    }
}

/// An element name: its namespace, its local name, and the name as the file wrote it (for
/// messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub ns: Ns,
    pub local: String,
    pub qname: String,
}

impl Name {
    fn new(ns: Ns, qname: &str) -> Name {
        Name {
            ns,
            local: local_of(qname).to_string(),
            qname: qname.to_string(),
        }
    }

    pub fn is(&self, ns: Ns, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
}

/// The local part of a qualified name.
fn local_of(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, local)| local)
}

/// One element of a record, with its attributes (keyed by local name), its own text (text,
/// CDATA and references concatenated, not trimmed) and its child elements.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: Name,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
    /// Byte offset of the element's `<`.
    pub at: u64,
}

impl Node {
    pub fn children<'a>(&'a self, ns: Ns, local: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name.is(ns, local))
    }

    pub fn child(&self, ns: Ns, local: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name.is(ns, local))
    }

    /// The trimmed text of the first child so named that has any.
    pub fn field(&self, ns: Ns, local: &str) -> Option<&str> {
        first_text(self.children.iter().filter(|c| c.name.is(ns, local)))
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The trimmed text of the first of `nodes` that has any.
pub(crate) fn first_text<'a>(nodes: impl Iterator<Item = &'a Node>) -> Option<&'a str> {
    nodes.map(|n| n.text.trim()).find(|t| !t.is_empty())
}

/// How the content of an element is kept when a [`Schema`] asks for markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Markup {
    /// The content is HTML source (escaped or in CDATA); child elements, where a sloppy feed has
    /// them, are written back as tags.
    Html,
    /// The content is XHTML (Atom `type="xhtml"`): child elements are tags and text is character
    /// data, escaped again so that the result is HTML source.
    Xhtml,
}

/// What a format reads as records, and what it keeps of them. Elements are named by their
/// namespace and local name.
pub(crate) trait Schema {
    /// Is an element so named a record (`<item>`, `<entry>`)?
    fn record(&self, ns: Ns, local: &str) -> bool;
    /// Outside records: is this element (at this depth, the root being 0) kept as a header?
    fn header(&self, _ns: Ns, _local: &str, _depth: usize) -> bool {
        false
    }
    /// Inside a record: is this element kept? Elements not kept are skipped with everything in
    /// them: their text never reaches memory.
    fn keep(&self, _ns: Ns, _local: &str) -> bool {
        true
    }
    /// Inside a record: is this element's content kept as markup (child elements included)?
    fn markup(&self, _name: &Name, _attrs: &[(String, String)]) -> Option<Markup> {
        None
    }
}

/// What [`Records::next`] found.
#[derive(Debug)]
pub(crate) enum Found {
    /// The document's first element.
    Root {
        name: Name,
        at: u64,
    },
    Header(Node),
    /// A complete record; `number` counts the records of the file from 1. `lossy` when invalid
    /// UTF-8 in it was replaced; `oversize` when it exceeded [`MAX_RECORD_BYTES`] and what is in
    /// `node` is incomplete.
    Record {
        node: Node,
        number: u64,
        lossy: bool,
        oversize: bool,
    },
    /// The rest of the file cannot be read.
    Fatal {
        at: u64,
        record: Option<u64>,
        reason: String,
    },
    /// The end of the file, with every element closed.
    End,
}

struct Open {
    /// Where the element's qualified name starts in `Records::names`.
    start: usize,
    /// Whether this element has a node in `Records::nodes`.
    node: bool,
    /// An empty-element tag (`<br/>`): already written as markup, no end tag to write.
    empty: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Building {
    Record,
    Header,
}

/// Pulls records out of an XML stream. See the module docs.
pub(crate) struct Records<R, S> {
    reader: NsReader<R>,
    buf: Vec<u8>,
    schema: S,
    stack: Vec<Open>,
    /// The qualified names of the open elements, end to end (one buffer, no allocation per
    /// element).
    names: String,
    nodes: Vec<Node>,
    building: Option<Building>,
    /// Depth of the element whose subtree is being skipped.
    skip_from: Option<usize>,
    /// Depth of the element whose content is being kept as markup.
    raw: Option<(usize, Markup)>,
    bytes: usize,
    lossy: bool,
    oversize: bool,
    records: u64,
    root_seen: bool,
    latin1: bool,
    queue: VecDeque<Found>,
    done: bool,
    /// Bytes skipped before quick-xml saw the input (a byte order mark), added to its offsets.
    base: u64,
    /// [`MAX_RECORD_BYTES`], smaller in tests.
    max_record_bytes: usize,
}

impl<R: BufRead, S: Schema> Records<R, S> {
    pub fn new(mut input: R, schema: S) -> Self {
        // A UTF-8 byte order mark is skipped here rather than by quick-xml, whose offsets would
        // then not count it.
        let base = match input.fill_buf() {
            Ok(head) if head.starts_with(b"\xEF\xBB\xBF") => 3,
            _ => 0,
        };
        input.consume(base);
        let mut reader = NsReader::from_reader(input);
        let config = reader.config_mut();
        config.allow_dangling_amp = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Records {
            reader,
            buf: Vec::with_capacity(8 * 1024),
            schema,
            stack: Vec::new(),
            names: String::new(),
            nodes: Vec::new(),
            building: None,
            skip_from: None,
            raw: None,
            bytes: 0,
            lossy: false,
            oversize: false,
            records: 0,
            root_seen: false,
            latin1: false,
            queue: VecDeque::new(),
            done: false,
            base: base as u64,
            max_record_bytes: MAX_RECORD_BYTES,
        }
    }

    /// The next thing found. After [`Found::Fatal`] or [`Found::End`], always [`Found::End`].
    pub fn next(&mut self) -> Found {
        loop {
            if let Some(found) = self.queue.pop_front() {
                return found;
            }
            if self.done {
                return Found::End;
            }
            self.step();
        }
    }

    /// Reads one event and queues whatever it completes.
    fn step(&mut self) {
        let at = self.base + self.reader.buffer_position();
        let capturing = self.capturing();
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let read = match self.reader.read_resolved_event_into(&mut buf) {
            Ok((res, event)) => {
                let ns = match &event {
                    Event::Start(e) | Event::Empty(e) => classify(&res, e),
                    _ => Ns::None,
                };
                Ok((ns, event))
            }
            Err(err) => Err(err),
        };
        match read {
            Err(err) => {
                let at = match err {
                    XmlError::Io(_) => self.base + self.reader.buffer_position(),
                    _ => self.base + self.reader.error_position(),
                };
                let reason = self.reason(&err);
                self.fatal(at, reason);
            }
            Ok((ns, Event::Start(e))) => self.open(ns, &e, at, false),
            Ok((ns, Event::Empty(e))) => self.open(ns, &e, at, true),
            Ok((_, Event::End(_))) => self.close(),
            Ok((_, Event::Text(t))) if capturing => {
                let text = self.decode(&t);
                self.push_text(&text, true);
            }
            Ok((_, Event::CData(t))) if capturing => {
                let text = self.decode(&t);
                self.push_text(&text, true);
            }
            Ok((_, Event::GeneralRef(r))) if capturing => {
                let name = self.decode(&r).into_owned();
                let text = resolve_reference(&name);
                self.push_text(&text, true);
            }
            Ok((_, Event::Decl(d))) => {
                if let Some(Ok(enc)) = d.encoding() {
                    let enc = String::from_utf8_lossy(&enc).to_ascii_lowercase();
                    self.latin1 = matches!(
                        enc.as_str(),
                        "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" | "us-ascii"
                    );
                }
            }
            Ok((_, Event::Eof)) => {
                if let Some(innermost) = self.top_qname() {
                    let innermost = innermost.to_string();
                    let reason = format!(
                        "XML ends inside <{innermost}>{} (truncated file?)",
                        self.context(Some(&innermost))
                    );
                    let at = self.base + self.reader.buffer_position();
                    self.fatal(at, reason);
                } else if !self.root_seen {
                    self.fatal(0, "no XML element found: nothing to read".to_string());
                } else {
                    self.done = true;
                    self.queue.push_back(Found::End);
                }
            }
            Ok(_) => {}
        }
        self.buf = buf;
    }

    /// The qualified name of the innermost open element.
    fn top_qname(&self) -> Option<&str> {
        self.stack.last().map(|open| &self.names[open.start..])
    }

    fn fatal(&mut self, at: u64, reason: String) {
        let record = (self.building == Some(Building::Record)).then_some(self.records);
        self.queue.push_back(Found::Fatal { at, record, reason });
        self.done = true;
    }

    /// `, in <item>` when a record is open and is not `innermost` itself.
    fn context(&self, innermost: Option<&str>) -> String {
        match (self.building, self.nodes.first()) {
            (Some(Building::Record), Some(root)) if innermost != Some(root.name.qname.as_str()) => {
                format!(", in <{}>", root.name.qname)
            }
            _ => String::new(),
        }
    }

    fn reason(&self, err: &XmlError) -> String {
        let inside = |what: &str| {
            let open = self.top_qname();
            let mut s = format!("XML ends inside {what}");
            if let Some(open) = open {
                s.push_str(&format!(" in <{open}>"));
                let ctx = self.context(Some(open));
                s.push_str(&ctx);
            }
            s.push_str(" (truncated file?)");
            s
        };
        match err {
            XmlError::Syntax(SyntaxError::UnclosedTag) => inside("a tag"),
            XmlError::Syntax(SyntaxError::UnclosedCData) => inside("a CDATA section"),
            XmlError::Syntax(SyntaxError::UnclosedComment) => inside("a comment"),
            XmlError::Syntax(SyntaxError::UnclosedPIOrXmlDecl) => {
                inside("a processing instruction")
            }
            XmlError::Syntax(SyntaxError::UnclosedDoctype) => inside("a DOCTYPE"),
            XmlError::Syntax(SyntaxError::InvalidBangMarkup) => {
                "malformed XML: `<!` starts neither a comment, a CDATA section nor a DOCTYPE"
                    .to_string()
            }
            XmlError::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => format!(
                "malformed XML: <{expected}> is closed by </{found}>{}",
                self.context(Some(expected))
            ),
            XmlError::IllFormed(IllFormedError::UnmatchedEndTag(tag)) => {
                format!("malformed XML: </{tag}> closes an element that was never opened")
            }
            XmlError::IllFormed(IllFormedError::UnclosedReference) => {
                "malformed XML: `&` without a closing `;`".to_string()
            }
            XmlError::Io(e) => format!("cannot read: {e}"),
            XmlError::Namespace(e) => format!("malformed XML namespace: {e}"),
            other => format!("malformed XML: {other}"),
        }
    }

    fn decode<'a>(&mut self, bytes: &'a [u8]) -> Cow<'a, str> {
        if self.latin1 {
            return Cow::Owned(bytes.iter().map(|&b| b as char).collect());
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                if self.capturing() {
                    self.lossy = true;
                }
                String::from_utf8_lossy(bytes)
            }
        }
    }

    fn capturing(&self) -> bool {
        self.building.is_some() && self.skip_from.is_none() && !self.oversize
    }

    fn charge(&mut self, bytes: usize) -> bool {
        if self.building == Some(Building::Record) {
            self.bytes = self.bytes.saturating_add(bytes);
            if self.bytes > self.max_record_bytes {
                self.oversize = true;
            }
        }
        !self.oversize
    }

    /// Appends to the innermost node; `is_text` when `text` is character data (escaped again
    /// in XHTML markup) rather than markup written back.
    fn push_text(&mut self, text: &str, is_text: bool) {
        if !self.charge(text.len()) {
            return;
        }
        let escape = is_text && matches!(self.raw, Some((_, Markup::Xhtml)));
        let controls = text.bytes().any(is_control);
        if let Some(node) = self.nodes.last_mut() {
            if escape || controls {
                for c in text.chars() {
                    match c {
                        '&' if escape => node.text.push_str("&amp;"),
                        '<' if escape => node.text.push_str("&lt;"),
                        '>' if escape => node.text.push_str("&gt;"),
                        c if c.is_ascii() && is_control(c as u8) => {}
                        c => node.text.push(c),
                    }
                }
            } else {
                node.text.push_str(text);
            }
        }
    }

    fn open(&mut self, ns: Ns, e: &BytesStart<'_>, at: u64, empty: bool) {
        let depth = self.stack.len();
        if depth >= MAX_DEPTH {
            self.fatal(
                at,
                format!("malformed XML: elements nested more than {MAX_DEPTH} deep"),
            );
            return;
        }
        let qname = self.decode(e.name().into_inner());
        let local = local_of(&qname);
        if !self.root_seen {
            self.root_seen = true;
            self.queue.push_back(Found::Root {
                name: Name::new(ns, &qname),
                at,
            });
        }
        let mut node = false;
        match self.building {
            Some(_) if self.skip_from.is_some() || self.oversize => {}
            Some(_) if self.raw.is_some() => {
                let tag = if empty {
                    format!("<{local}/>")
                } else {
                    format!("<{local}>")
                };
                self.push_text(&tag, false);
            }
            Some(_) => {
                if self.schema.keep(ns, local) && self.charge(NODE_OVERHEAD + qname.len()) {
                    self.start_node(Name::new(ns, &qname), e, at, depth);
                    node = true;
                } else if !self.oversize {
                    self.skip_from = Some(depth);
                }
            }
            None => {
                if self.schema.record(ns, local) {
                    self.records += 1;
                    self.building = Some(Building::Record);
                    self.bytes = 0;
                    self.lossy = false;
                    self.oversize = false;
                    self.start_node(Name::new(ns, &qname), e, at, depth);
                    node = true;
                } else if self.schema.header(ns, local, depth) {
                    self.building = Some(Building::Header);
                    self.start_node(Name::new(ns, &qname), e, at, depth);
                    node = true;
                }
            }
        }
        let start = self.names.len();
        self.names.push_str(&qname);
        self.stack.push(Open { start, node, empty });
        if empty {
            self.close();
        }
    }

    fn start_node(&mut self, name: Name, e: &BytesStart<'_>, at: u64, depth: usize) {
        let attrs = self.attributes(e);
        let markup = self.schema.markup(&name, &attrs);
        self.nodes.push(Node {
            name,
            attrs,
            text: String::new(),
            children: Vec::new(),
            at,
        });
        if let Some(markup) = markup {
            self.raw = Some((depth, markup));
        }
    }

    fn attributes(&mut self, e: &BytesStart<'_>) -> Vec<(String, String)> {
        let mut attrs = Vec::new();
        for attr in e.attributes().with_checks(false) {
            let Ok(attr) = attr else { break };
            let key = self.decode(attr.key.local_name().as_ref()).into_owned();
            let raw = self.decode(&attr.value).into_owned();
            let value = unescape(&raw);
            attrs.push((key, value));
        }
        attrs
    }

    fn close(&mut self) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        let end_tag = (self.raw.is_some() && !open.node && !open.empty)
            .then(|| format!("</{}>", local_of(&self.names[open.start..])));
        self.names.truncate(open.start);
        let depth = self.stack.len();
        if self.skip_from == Some(depth) {
            self.skip_from = None;
            return;
        }
        if let Some((raw_depth, _)) = self.raw {
            if depth > raw_depth {
                if let Some(tag) = end_tag {
                    self.push_text(&tag, false);
                }
                return;
            }
            if depth == raw_depth {
                self.raw = None;
            }
        }
        if !open.node {
            return;
        }
        let Some(node) = self.nodes.pop() else {
            return;
        };
        if let Some(parent) = self.nodes.last_mut() {
            parent.children.push(node);
            return;
        }
        match self.building.take() {
            Some(Building::Record) => self.queue.push_back(Found::Record {
                node,
                number: self.records,
                lossy: self.lossy,
                oversize: self.oversize,
            }),
            Some(Building::Header) => self.queue.push_back(Found::Header(node)),
            None => {}
        }
        self.oversize = false;
        self.bytes = 0;
    }
}

/// A complete record, as [`read_records`] hands it to a reader: `number` counts the records of
/// the file from 1; `lossy` when invalid UTF-8 in it was replaced; `oversize` when it exceeded
/// [`MAX_RECORD_BYTES`] and what is in `node` is incomplete.
pub(crate) struct Rec {
    pub node: Node,
    pub number: u64,
    pub lossy: bool,
    pub oversize: bool,
}

/// What [`read_records`] hands to a reader.
pub(crate) enum Part {
    Header(Node),
    Record(Rec),
}

/// Reads the records of `input`, in file order, into `each`. `refuse` looks at the root element
/// and gives the reason the file is not of the reader's format, if it is not. Returns the `Fatal`
/// diagnostic that ended the reading (a refused root, or what could not be read past), for the
/// reader to emit after whatever it still holds; `None` when the file was read to its end.
pub(crate) fn read_records<R: BufRead, S: Schema>(
    input: R,
    schema: S,
    file: &str,
    refuse: impl Fn(&Name) -> Option<String>,
    mut each: impl FnMut(Part),
) -> Option<Diagnostic> {
    let mut records = Records::new(input, schema);
    loop {
        match records.next() {
            Found::Root { name, at } => {
                if let Some(reason) = refuse(&name) {
                    return Some(fatal(file, at, None, reason));
                }
            }
            Found::Header(node) => each(Part::Header(node)),
            Found::Record {
                node,
                number,
                lossy,
                oversize,
            } => each(Part::Record(Rec {
                node,
                number,
                lossy,
                oversize,
            })),
            Found::Fatal { at, record, reason } => return Some(fatal(file, at, record, reason)),
            Found::End => return None,
        }
    }
}

/// The `Fatal` diagnostic at byte `at` (and in record `record`, if any).
fn fatal(file: &str, at: u64, record: Option<u64>, reason: String) -> Diagnostic {
    let mut pos = Position::byte(at);
    if let Some(record) = record {
        pos = pos.with_record(record);
    }
    util::diag(file, pos, Severity::Fatal, reason)
}

/// A hint for a root element that belongs to another feed format.
pub(crate) fn root_hint(root: &Name) -> &'static str {
    match (root.ns, root.local.as_str()) {
        (_, "feed") => " (an Atom feed: use --from atom)",
        (_, "rss") | (_, "RDF") => " (an RSS feed: use --from rss)",
        (_, "html") => " (an HTML page: save it as text and read that)",
        _ => "",
    }
}

/// The `Degraded` diagnostics of one item, at its position: one for each reason there is, in
/// the order given.
pub(crate) fn degraded(
    file: &str,
    pos: &Position,
    reasons: impl IntoIterator<Item = Option<String>>,
) -> Vec<Diagnostic> {
    reasons
        .into_iter()
        .flatten()
        .map(|reason| util::diag(file, pos.clone(), Severity::Degraded, reason))
        .collect()
}

/// The reason of the `Degraded` diagnostic for an item kept without text.
pub(crate) fn no_text(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Post => "post has no text (kept so that its comments keep their thread)",
        ItemKind::Comment => "comment has no text (kept so that its replies keep their place)",
    }
}

/// Control characters XML 1.0 does not allow (everything below space but tab, LF and CR).
/// WordPress exports sometimes carry them; they are invisible, so they are dropped.
fn is_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

fn classify(res: &ResolveResult<'_>, e: &BytesStart<'_>) -> Ns {
    let name = e.name();
    let prefix = name.prefix();
    let prefix = prefix.as_ref().map(|p| p.as_ref());
    match res {
        ResolveResult::Bound(ns) => {
            Ns::from_uri(ns.as_ref()).unwrap_or_else(|| Ns::from_prefix(prefix))
        }
        ResolveResult::Unknown(_) => Ns::from_prefix(prefix),
        ResolveResult::Unbound => Ns::None,
    }
}

/// The text of an entity or character reference (`name` is what stands between `&` and `;`):
/// XML's five, character references, HTML's named entities; anything else is kept as written.
fn resolve_reference(name: &str) -> Cow<'static, str> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        return Cow::Owned(
            code.and_then(char::from_u32)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{FFFD}')
                .to_string(),
        );
    }
    if let Some(s) = quick_xml::escape::resolve_xml_entity(name) {
        return Cow::Borrowed(s);
    }
    let written = format!("&{name};");
    match html_escape::decode_html_entities(&written) {
        Cow::Owned(decoded) => Cow::Owned(decoded),
        Cow::Borrowed(_) => Cow::Owned(written),
    }
}

/// Unescapes an attribute value leniently: XML's entities and character references, then HTML's
/// named entities; a lone `&` stays.
fn unescape(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';') {
            Some(semi)
                if semi > 0
                    && semi <= 32
                    && after[..semi]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '#') =>
            {
                out.push_str(&resolve_reference(&after[..semi]));
                rest = &after[semi + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A title, a name: entities that survived XML decoding (WordPress double-escapes some) are
/// decoded, and whitespace collapses to single spaces.
pub(crate) fn one_line(raw: &str) -> String {
    let decoded = html_escape::decode_html_entities(raw);
    let mut out = String::with_capacity(decoded.len());
    for word in decoded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `one_line`, or `None` when that leaves nothing.
pub(crate) fn opt_line(raw: Option<&str>) -> Option<String> {
    raw.map(one_line).filter(|s| !s.is_empty())
}

/// The first of `candidates` (element name, value) that holds a date. Values that stand for
/// "no date" (WordPress's `0000-00-00 00:00:00`, RSS's `-0001` year, the Unix epoch) count as
/// absent. When some value was present but none could be read, the second part is the reason
/// for a `Degraded` diagnostic.
pub(crate) fn first_date(
    candidates: &[(&str, Option<&str>)],
) -> (Option<DateTime<FixedOffset>>, Option<String>) {
    let mut unreadable: Option<(&str, &str)> = None;
    for &(element, value) in candidates {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        if value.starts_with("0000-00-00") || value.contains(" -0001 ") {
            continue;
        }
        match threadcare_core::time::parse_datetime(value) {
            Some(dt) if dt.timestamp() == 0 => {}
            Some(dt) => return (Some(dt), None),
            None => {
                if unreadable.is_none() {
                    unreadable = Some((element, value));
                }
            }
        }
    }
    let reason = unreadable.map(|(element, value)| {
        format!(
            "unreadable date {} in <{element}>: date left unknown",
            quoted(value)
        )
    });
    (None, reason)
}

/// A value quoted for a message, cut to a readable length.
fn quoted(value: &str) -> String {
    format!("'{}'", clip(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Items;
    impl Schema for Items {
        fn record(&self, ns: Ns, local: &str) -> bool {
            ns == Ns::None && local == "item"
        }
        fn keep(&self, _ns: Ns, local: &str) -> bool {
            local != "secret"
        }
        fn markup(&self, name: &Name, _: &[(String, String)]) -> Option<Markup> {
            (name.local == "body").then_some(Markup::Html)
        }
    }

    fn all(xml: &str) -> Vec<Found> {
        let mut records = Records::new(xml.as_bytes(), Items);
        let mut out = Vec::new();
        loop {
            match records.next() {
                Found::End => return out,
                found => out.push(found),
            }
        }
    }

    #[test]
    fn records_fields_markup_and_skips() {
        let xml = "<r><x>outside</x><item a='1 &amp; 2'><t>A &amp; B &nbsp;&#8217;</t>\
                   <secret><t>hidden</t></secret><body>x <p>y &lt;z</p><br/></body></item></r>";
        let found = all(xml);
        assert!(matches!(&found[0], Found::Root { name, at: 0 } if name.local == "r"));
        let Found::Record { node, number, .. } = &found[1] else {
            panic!("{found:?}")
        };
        assert_eq!(*number, 1);
        assert_eq!(node.at, 17);
        assert_eq!(node.attr("a"), Some("1 & 2"));
        assert_eq!(node.field(Ns::None, "t"), Some("A & B \u{a0}\u{2019}"));
        assert_eq!(node.children.len(), 2, "secret is skipped");
        assert_eq!(node.field(Ns::None, "body"), Some("x <p>y <z</p><br/>"));
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn namespaces_by_uri_or_by_conventional_prefix() {
        let xml = "<r xmlns:w='http://wordpress.org/export/1.1/'><item><w:a>1</w:a><wp:b>2</wp:b>\
                   <zz:c>3</zz:c></item></r>";
        let found = all(xml);
        let Found::Record { node, .. } = &found[1] else {
            panic!()
        };
        assert_eq!(node.field(Ns::Wp, "a"), Some("1"));
        assert_eq!(node.field(Ns::Wp, "b"), Some("2"));
        assert_eq!(node.field(Ns::Other, "c"), Some("3"));
    }

    #[test]
    fn truncation_and_mismatch_are_fatal_with_offsets() {
        let found = all("<r><item><t>a</t></item><item><t>b");
        assert!(matches!(found[1], Found::Record { number: 1, .. }));
        let Found::Fatal { at, record, reason } = &found[2] else {
            panic!("{found:?}")
        };
        assert_eq!(*at, 34);
        assert_eq!(*record, Some(2));
        assert_eq!(reason, "XML ends inside <t>, in <item> (truncated file?)");

        let found = all("<r><item><t>a</u></item></r>");
        let Found::Fatal { at, reason, .. } = &found[1] else {
            panic!("{found:?}")
        };
        assert_eq!(*at, 13);
        assert_eq!(reason, "malformed XML: <t> is closed by </u>, in <item>");

        let found = all("<r><item><t>a</t></item><ite");
        let Found::Fatal { at, reason, record } = &found[2] else {
            panic!("{found:?}")
        };
        assert_eq!(*at, 24);
        assert_eq!(*record, None);
        assert_eq!(reason, "XML ends inside a tag in <r> (truncated file?)");

        let found = all("  ");
        assert!(
            matches!(&found[0], Found::Fatal { reason, .. } if reason.contains("no XML element"))
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_and_flagged() {
        let mut bytes = b"<r><item><t>caf".to_vec();
        bytes.push(0xff);
        bytes.extend_from_slice(b"</t></item><item><t>ok</t></item></r>");
        let mut records = Records::new(&bytes[..], Items);
        let _root = records.next();
        let Found::Record { node, lossy, .. } = records.next() else {
            panic!()
        };
        assert!(lossy);
        assert_eq!(node.field(Ns::None, "t"), Some("caf\u{FFFD}"));
        let Found::Record { lossy, .. } = records.next() else {
            panic!()
        };
        assert!(!lossy);
    }

    #[test]
    fn an_oversize_record_is_flagged_and_the_next_is_whole() {
        let xml = format!(
            "<r><item><t>{}</t><t>more</t></item><item><t>ok</t></item></r>",
            "x".repeat(2000)
        );
        let mut records = Records::new(xml.as_bytes(), Items);
        records.max_record_bytes = 1000;
        let _root = records.next();
        let Found::Record {
            node,
            oversize,
            number,
            ..
        } = records.next()
        else {
            panic!()
        };
        assert!(oversize);
        assert_eq!(number, 1);
        assert!(
            node.text.len() + node.children.iter().map(|c| c.text.len()).sum::<usize>() <= 1000
        );
        let Found::Record {
            node,
            oversize,
            number,
            ..
        } = records.next()
        else {
            panic!()
        };
        assert!(!oversize);
        assert_eq!(number, 2);
        assert_eq!(node.field(Ns::None, "t"), Some("ok"));
        assert!(matches!(records.next(), Found::End));
    }

    #[test]
    fn byte_order_mark_and_control_characters() {
        let xml = "\u{feff}<r><item><t>a\u{1}b\u{0}c\u{b}</t></item><item><t>x";
        let found = all(xml);
        let Found::Record { node, .. } = &found[1] else {
            panic!("{found:?}")
        };
        assert_eq!(node.field(Ns::None, "t"), Some("abc"));
        // Offsets count the bytes of the file, the byte order mark included.
        let Found::Fatal { at, .. } = &found[2] else {
            panic!("{found:?}")
        };
        assert_eq!(*at, xml.len() as u64);
    }

    #[test]
    fn latin1_declared_is_decoded() {
        let mut bytes = b"<?xml version='1.0' encoding='ISO-8859-1'?><r><item><t>caf".to_vec();
        bytes.push(0xe9);
        bytes.extend_from_slice(b"</t></item></r>");
        let mut records = Records::new(&bytes[..], Items);
        let _root = records.next();
        let Found::Record { node, lossy, .. } = records.next() else {
            panic!()
        };
        assert!(!lossy);
        assert_eq!(node.field(Ns::None, "t"), Some("café"));
    }

    #[test]
    fn dates_fall_back_and_explain() {
        let (dt, why) = first_date(&[
            ("a", Some("0000-00-00 00:00:00")),
            ("b", Some("Mon, 30 Nov -0001 00:00:00 +0000")),
            ("c", Some("2024-05-01 21:14:00")),
        ]);
        assert_eq!(dt.unwrap().to_rfc3339(), "2024-05-01T21:14:00+00:00");
        assert_eq!(why, None);
        let (dt, why) = first_date(&[("a", Some("soon")), ("b", None)]);
        assert_eq!(dt, None);
        assert_eq!(
            why.as_deref(),
            Some("unreadable date 'soon' in <a>: date left unknown")
        );
        assert_eq!(first_date(&[("a", None)]), (None, None));
    }

    #[test]
    fn read_records_checks_the_root_and_ends_with_one_fatal() {
        let read = |xml: &str| {
            let mut parts = Vec::new();
            let refuse = |root: &Name| (root.local != "r").then(|| format!("not <{}>", root.qname));
            let fatal = read_records(xml.as_bytes(), Items, "f.xml", refuse, |part| {
                parts.push(match part {
                    Part::Header(node) => format!("header {}", node.name.local),
                    Part::Record(rec) => format!("record {} at {}", rec.number, rec.node.at),
                })
            });
            (parts, fatal)
        };
        let whole = "<r><item><t>a</t></item><item><t>b</t></item></r>";
        assert_eq!(
            read(whole),
            (
                vec!["record 1 at 3".to_string(), "record 2 at 24".to_string()],
                None
            )
        );
        let (parts, fatal) = read("<?xml version='1.0'?><feed><item/></feed>");
        assert!(parts.is_empty(), "{parts:?}");
        assert_eq!(
            fatal,
            Some(util::diag(
                "f.xml",
                Position::byte(21),
                Severity::Fatal,
                "not <feed>"
            ))
        );
        let (parts, fatal) = read("<r><item><t>a</t></item><item><t>b");
        assert_eq!(parts, ["record 1 at 3"]);
        assert_eq!(
            fatal,
            Some(util::diag(
                "f.xml",
                Position::byte(34).with_record(2),
                Severity::Fatal,
                "XML ends inside <t>, in <item> (truncated file?)"
            ))
        );
    }

    #[test]
    fn references_and_lines() {
        assert_eq!(resolve_reference("#x41"), "A");
        assert_eq!(resolve_reference("#0"), "\u{FFFD}");
        assert_eq!(resolve_reference("amp"), "&");
        assert_eq!(resolve_reference("hellip"), "…");
        assert_eq!(resolve_reference("nosuch"), "&nosuch;");
        assert_eq!(unescape("a &amp; b & c &#65;"), "a & b & c A");
        assert_eq!(one_line("  Tom &amp;\n Jerry "), "Tom & Jerry");
    }
}
