//! `threadcare analyze`: assess every post and comment, and summarise every thread.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use threadcare_core::Thread;
use threadcare_engine::{AssessedThread, Engine};
use threadcare_ingest::{expand_paths, read_file_with};

use crate::report;
use crate::threads::{CollectSink, From};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per item, then one summary object (`"kind": "thread"`) per thread.
    Jsonl,
    /// One JSON array of threads, each `{summary, items}`.
    Json,
    /// A triage table for the terminal, most urgent first.
    Table,
    /// One self-contained HTML page with the evidence highlighted.
    Html,
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
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Also read drafts, pages or comments held for moderation (WordPress exports).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub include: Vec<crate::threads::Include>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<u8> {
    let engine = Engine::embedded().context("loading the construct and context files")?;
    let mut sink = CollectSink::default();
    let files = expand_paths(&args.paths, &mut sink);
    for file in files {
        read_file_with(
            &file,
            args.from.format(),
            &crate::threads::options(&args.include),
            &mut sink,
        );
    }
    let threads = Thread::group(std::mem::take(&mut sink.items), &sink.metas);

    let show_progress = !args.quiet
        && io::stderr().is_terminal()
        && (args.output.is_some() || io::stdout().is_terminal())
        && threads.len() > 1;
    let bar = if show_progress {
        let bar = ProgressBar::new(threads.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} assessing {pos}/{len} threads {wide_bar} {eta}",
            )
            .unwrap(),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let assessed: Vec<AssessedThread> = threads
        .par_iter()
        .map(|t| {
            let a = engine.assess_thread(t);
            bar.inc(1);
            a
        })
        .collect();
    bar.finish_and_clear();

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    match args.format {
        OutputFormat::Jsonl => {
            for t in &assessed {
                for item in &t.items {
                    serde_json::to_writer(&mut out, item)?;
                    out.write_all(b"\n")?;
                }
                serde_json::to_writer(&mut out, &t.summary)?;
                out.write_all(b"\n")?;
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &assessed)?;
            writeln!(out)?;
        }
        OutputFormat::Table => report::write_table(
            &mut out,
            &assessed,
            io::stdout().is_terminal() && args.output.is_none(),
        )?,
        OutputFormat::Html => report::write_html(&mut out, &assessed)?,
    }
    out.flush()?;
    sink.tally.summary();
    Ok(sink.tally.exit_code())
}
