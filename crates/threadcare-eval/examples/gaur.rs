//! A quick loop for work on the Gaur500 trained model: only that part of `threadcare eval`
//! (5-fold cross-validation with the inner choice), printing its figures.
//!
//!     cargo run --release -p threadcare-eval --example gaur [-- DATA_DIR]
//!
//! `DATA_DIR` defaults to `../shared/datasets`. The report's figures come from `threadcare eval`.

use std::path::PathBuf;

use threadcare_engine::Engine;
use threadcare_eval::gaur::ConstructTable;
use threadcare_eval::tasks::Outcome;
use threadcare_eval::trained::gaur500;
use threadcare_eval::training::TRAIN_SEED as SEED;

fn main() {
    let data = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/datasets"));
    let engine = Engine::embedded().expect("the embedded engine");
    let table = ConstructTable::from_engine(&engine);
    let log = |line: &str| eprintln!("{line}");
    match gaur500(&engine, &table, &data, SEED, &log) {
        Outcome::Done(r) => {
            println!(
                "Gaur500 trained: QWK {:.3}, macro-F1 {:.3}, accuracy {:.3}, MAE {:.3}; folds {:?}; {:.0} s",
                r.scores.qwk,
                r.scores.macro_f1,
                r.scores.accuracy,
                r.scores.mae,
                r.fold_qwk
                    .iter()
                    .map(|q| (q * 1000.0).round() / 1000.0)
                    .collect::<Vec<_>>(),
                r.seconds
            );
            let recall: Vec<String> = r
                .scores
                .per_class
                .iter()
                .map(|c| format!("{:.2}", c.recall))
                .collect();
            println!("recall per level: {}", recall.join(" "));
        }
        other => println!("Gaur500 not evaluated: {other:?}"),
    }
}
