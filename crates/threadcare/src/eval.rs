//! `threadcare eval`: run the engine on the public evaluation sets and write the report.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use threadcare_engine::Engine;
use threadcare_eval::report;
use threadcare_eval::trained::evaluate_with_models;
use threadcare_eval::training::TRAIN_SEED;

use crate::exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of public evaluation sets (its README.md lists them); read in place.
    #[arg(long, default_value = "../shared/datasets")]
    pub data: PathBuf,
    /// Where to write the Markdown report.
    #[arg(long, default_value = "docs/evaluation.md")]
    pub out: PathBuf,
    /// No progress lines on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<u8> {
    if !args.data.is_dir() {
        eprintln!(
            "threadcare eval: the data folder {} was not found: nothing was evaluated and {} was not written.",
            args.data.display(),
            args.out.display()
        );
        return Ok(exit::COMPLETE);
    }
    let rules = Engine::rules_only().context("loading the construct and context files")?;
    let engine = Engine::embedded().context("loading the construct, context and model files")?;
    let quiet = args.quiet;
    let log = move |line: &str| {
        if !quiet {
            eprintln!("threadcare eval: {line}");
        }
    };
    let repo = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let evaluation = evaluate_with_models(&rules, &engine, &args.data, &repo, TRAIN_SEED, &log);
    for reason in evaluation.skipped() {
        eprintln!("threadcare eval: {reason}");
    }
    if !evaluation.any() {
        eprintln!(
            "threadcare eval: none of the sets was found under {}: nothing was evaluated and {} was not written.",
            args.data.display(),
            args.out.display()
        );
        return Ok(exit::COMPLETE);
    }
    let markdown = report::markdown(&evaluation);
    print!("{markdown}");
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(&args.out, &markdown).with_context(|| format!("writing {}", args.out.display()))?;
    log(&format!(
        "wrote {} ({:.1} s)",
        args.out.display(),
        evaluation.seconds
    ));
    Ok(exit::COMPLETE)
}
