//! `threadcare train`: train the engine's models on the public sets and write them, with how
//! they were made, into `models/` (embedded in the binary at the next build).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use threadcare_engine::Engine;
use threadcare_eval::tasks::git_state;
use threadcare_eval::training::{train_all, TRAIN_SEED};

use crate::exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of public evaluation sets (its README.md lists them); read in place.
    #[arg(long, default_value = "../shared/datasets")]
    pub data: PathBuf,
    /// Where to write the model files and their README.md.
    #[arg(long, default_value = "models")]
    pub out: PathBuf,
    /// Seed of the training order (the default is the one the committed models were made with).
    #[arg(long, default_value_t = TRAIN_SEED)]
    pub seed: u64,
    /// No progress lines on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<u8> {
    if !args.data.is_dir() {
        eprintln!(
            "threadcare train: the data folder {} was not found: nothing was trained and {} was not written.",
            args.data.display(),
            args.out.display()
        );
        return Ok(exit::UNUSABLE);
    }
    // The features are the rules' signals: train on the engine without models.
    let rules = Engine::rules_only().context("loading the construct and context files")?;
    let quiet = args.quiet;
    let log = move |line: &str| {
        if !quiet {
            eprintln!("threadcare train: {line}");
        }
    };
    let repo = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let (commit, uncommitted) = git_state(&repo);
    let commit = if uncommitted {
        format!("{commit} (with uncommitted changes to the constructs, context rules or engine)")
    } else {
        commit
    };
    let command = format!(
        "threadcare train --data {} --out {} --seed {}",
        args.data.display(),
        args.out.display(),
        args.seed
    );
    let trained =
        train_all(rules, &args.data, args.seed, &command, &commit, &log).context("training")?;
    trained
        .write(&args.out)
        .with_context(|| format!("writing the models into {}", args.out.display()))?;
    for m in &trained.models {
        println!("{}: {}", m.name, m.made["figures"]);
    }
    log(&format!(
        "wrote {} models and README.md into {} ({:.1} s); rebuild to embed them",
        trained.models.len(),
        args.out.display(),
        trained.seconds
    ));
    Ok(exit::COMPLETE)
}
