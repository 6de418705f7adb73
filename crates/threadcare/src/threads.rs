//! `threadcare threads`: read inputs and show what was read.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use threadcare_core::{Diagnostic, Format, Item, ItemKind, Severity, Thread, ThreadMeta};
use threadcare_ingest::{expand_paths, read_file_with, Sink};

use crate::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum From {
    Auto,
    BlogText,
    Wxr,
    Rss,
    Atom,
    Reddit,
    Pushshift,
    Jsonl,
    Csv,
}

impl From {
    pub fn format(self) -> Option<Format> {
        Some(match self {
            From::Auto => return None,
            From::BlogText => Format::BlogText,
            From::Wxr => Format::Wxr,
            From::Rss => Format::Rss,
            From::Atom => Format::Atom,
            From::Reddit => Format::Reddit,
            From::Pushshift => Format::Pushshift,
            From::Jsonl => Format::Jsonl,
            From::Csv => Format::Csv,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per item (post or comment), streamed.
    Jsonl,
    /// One JSON array of threads, each with its items.
    Json,
    /// Each thread as an indented tree, for reading in a terminal.
    Tree,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories (read recursively); `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Input format; `auto` tells it from the content.
    #[arg(long, value_enum, default_value = "auto")]
    pub from: From,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: OutputFormat,
    /// Also read what a visitor would not see (WordPress exports): drafts, pages, comments held
    /// for moderation. Repeat or separate with commas. Spam and trash are never read.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub include: Vec<Include>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Include {
    Drafts,
    Pages,
    Unapproved,
}

/// The reading options that `--include` asks for.
pub fn options(include: &[Include]) -> threadcare_ingest::Options {
    threadcare_ingest::Options {
        include_drafts: include.contains(&Include::Drafts),
        include_pages: include.contains(&Include::Pages),
        include_unapproved: include.contains(&Include::Unapproved),
    }
}

/// Prints diagnostics to stderr as they come and counts outcomes, so that the exit status can
/// tell complete from partial from unusable input.
#[derive(Default)]
pub struct Tally {
    pub items: u64,
    pub rejected: u64,
    pub degraded: u64,
    pub fatal: u64,
}

impl Tally {
    pub fn report(&mut self, d: &Diagnostic) {
        match d.severity {
            Severity::Degraded => self.degraded += 1,
            Severity::Rejected => self.rejected += 1,
            Severity::Fatal => self.fatal += 1,
        }
        eprintln!("threadcare: {d}");
    }

    pub fn exit_code(&self) -> u8 {
        if self.items == 0 && (self.fatal > 0 || self.rejected > 0) {
            exit::UNUSABLE
        } else if self.fatal + self.rejected + self.degraded > 0 {
            exit::PARTIAL
        } else {
            exit::COMPLETE
        }
    }

    pub fn summary(&self) {
        if self.fatal + self.rejected + self.degraded > 0 {
            eprintln!(
                "threadcare: read {} items; {} records rejected, {} read with warnings, {} files not fully read",
                self.items, self.rejected, self.degraded, self.fatal
            );
        }
    }
}

/// Streams items straight to the output as JSON Lines.
struct JsonlSink<W: Write> {
    out: W,
    tally: Tally,
    error: Option<io::Error>,
}

impl<W: Write> Sink for JsonlSink<W> {
    fn item(&mut self, item: Item) {
        self.tally.items += 1;
        if self.error.is_some() {
            return;
        }
        let written = serde_json::to_writer(&mut self.out, &item)
            .map_err(io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"));
        if let Err(e) = written {
            self.error = Some(e);
        }
    }
    fn diagnostic(&mut self, d: Diagnostic) {
        self.tally.report(&d);
    }
}

/// Keeps everything, for the outputs that need whole threads.
#[derive(Default)]
pub struct CollectSink {
    pub items: Vec<Item>,
    pub metas: Vec<ThreadMeta>,
    pub tally: Tally,
}

impl Sink for CollectSink {
    fn item(&mut self, item: Item) {
        self.tally.items += 1;
        self.items.push(item);
    }
    fn thread(&mut self, meta: ThreadMeta) {
        self.metas.push(meta);
    }
    fn diagnostic(&mut self, d: Diagnostic) {
        self.tally.report(&d);
    }
}

pub fn run(args: Args) -> Result<u8> {
    let from = args.from.format();
    let opts = options(&args.include);
    let stdout = io::stdout();
    match args.format {
        OutputFormat::Jsonl => {
            let mut sink = JsonlSink {
                out: BufWriter::new(stdout.lock()),
                tally: Tally::default(),
                error: None,
            };
            let files = expand_paths(&args.paths, &mut sink);
            for file in files {
                read_file_with(&file, from, &opts, &mut sink);
                if let Some(e) = sink.error.take() {
                    return Err(e.into());
                }
            }
            sink.out.flush()?;
            sink.tally.summary();
            Ok(sink.tally.exit_code())
        }
        OutputFormat::Json | OutputFormat::Tree => {
            let mut sink = CollectSink::default();
            let files = expand_paths(&args.paths, &mut sink);
            for file in files {
                read_file_with(&file, from, &opts, &mut sink);
            }
            let threads = Thread::group(std::mem::take(&mut sink.items), &sink.metas);
            let mut out = BufWriter::new(stdout.lock());
            if args.format == OutputFormat::Json {
                serde_json::to_writer_pretty(&mut out, &threads)?;
                writeln!(out)?;
            } else {
                for thread in &threads {
                    write_tree(&mut out, thread)?;
                }
            }
            out.flush()?;
            sink.tally.summary();
            Ok(sink.tally.exit_code())
        }
    }
}

/// Renders a thread as an indented tree: the post, then each comment under the item it answers.
/// Comments whose parent is not in the input are shown at the top level, marked.
pub fn write_tree(out: &mut dyn Write, thread: &Thread) -> io::Result<()> {
    let title = thread.title.as_deref().unwrap_or("(untitled)");
    let found = thread.comments().count();
    let count = match thread.declared_comments {
        Some(declared) if declared as usize != found => {
            format!("{found} comments (the page says {declared})")
        }
        _ => format!("{found} comments"),
    };
    writeln!(out, "━━ {title}  [{}; {count}]", thread.thread_id)?;
    let ids: std::collections::HashSet<&str> = thread.items.iter().map(|i| i.id.as_str()).collect();
    let roots: Vec<&Item> = thread
        .items
        .iter()
        .filter(|i| match &i.parent_id {
            None => true,
            Some(p) => !ids.contains(p.as_str()),
        })
        .collect();
    for root in roots {
        write_node(out, thread, root, 0)?;
    }
    writeln!(out)
}

fn write_node(out: &mut dyn Write, thread: &Thread, item: &Item, depth: usize) -> io::Result<()> {
    let indent = "    ".repeat(depth);
    let who = item.author.as_deref().unwrap_or("unknown");
    let when = item
        .created_at
        .map(|d| format!(" · {}", d.format("%Y-%m-%d %H:%M")))
        .unwrap_or_default();
    let orphan = match (&item.parent_id, item.kind) {
        (Some(p), ItemKind::Comment) if !thread.items.iter().any(|i| &i.id == p) => {
            format!(" · answers {p} (not in input)")
        }
        _ => String::new(),
    };
    let marker = if item.kind == ItemKind::Post {
        "■"
    } else {
        "└─"
    };
    writeln!(out, "{indent}{marker} {who}{when} [{}]{orphan}", item.id)?;
    if item.text.is_empty() {
        writeln!(
            out,
            "{indent}   (no text: deleted or removed at the source)"
        )?;
    }
    for line in item.text.lines() {
        if line.trim().is_empty() {
            writeln!(out, "{indent}   │")?;
        } else {
            writeln!(out, "{indent}   │ {line}")?;
        }
    }
    for child in thread
        .items
        .iter()
        .filter(|c| c.parent_id.as_deref() == Some(item.id.as_str()))
    {
        write_node(out, thread, child, depth + 1)?;
    }
    Ok(())
}
