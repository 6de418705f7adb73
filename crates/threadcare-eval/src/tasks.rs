//! Running the engine on each set and scoring it. Every set is independent: a missing or
//! unreadable one is skipped with its reason and the others still run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use threadcare_core::{
    Assessment, Format, Item, ItemKind, Level, Position, ReplyAssessment, Signal, Source, Thread,
};
use threadcare_engine::construct::Kind;
use threadcare_engine::Engine;

use crate::data::{self, LoadError, PostsParse, Skip};
use crate::gaur::{ConstructTable, PostView, UserView};
use crate::metrics::{self, Binary, Calibration, ClassScores};
use crate::predictor::{cross_validate, CrossValidation, RulesOnly};

/// Seed of the Gaur500 folds.
pub const GAUR_SEED: u64 = 20190513;
/// Folds of the Gaur500 cross-validation.
pub const GAUR_FOLDS: usize = 5;
/// Bins of the calibration tables.
pub const CALIBRATION_BINS: usize = 5;

/// A set's result, or why it was not evaluated.
#[derive(Debug, Clone)]
pub enum Outcome<T> {
    Done(T),
    Skipped(String),
}

impl<T> Outcome<T> {
    pub fn done(&self) -> Option<&T> {
        match self {
            Outcome::Done(t) => Some(t),
            Outcome::Skipped(_) => None,
        }
    }
}

pub(crate) fn skipped<T>(set: &str, e: LoadError) -> Outcome<T> {
    if e.is_missing() {
        Outcome::Skipped(format!("{set}: skipped, {e}"))
    } else {
        Outcome::Skipped(format!("{set}: skipped, could not be read: {e}"))
    }
}

/// Scores of a multi-class prediction.
#[derive(Debug, Clone)]
pub struct ClassReport {
    pub n: usize,
    pub k: usize,
    pub confusion: Vec<Vec<u64>>,
    pub per_class: Vec<ClassScores>,
    pub macro_f1: f64,
    pub accuracy: f64,
    pub qwk: f64,
    pub mae: f64,
}

impl ClassReport {
    pub fn new(truth: &[usize], pred: &[usize], k: usize) -> ClassReport {
        ClassReport {
            n: truth.len(),
            k,
            confusion: metrics::confusion(truth, pred, k),
            per_class: metrics::per_class(truth, pred, k),
            macro_f1: metrics::macro_f1(truth, pred, k),
            accuracy: metrics::accuracy(truth, pred),
            qwk: metrics::qwk(truth, pred, k),
            mae: metrics::mae(truth, pred),
        }
    }
}

/// How the Gaur500 `Post` cells were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseCounts {
    pub complete: usize,
    pub truncated_partial_kept: usize,
    pub truncated_nothing_after: usize,
    pub recovered: usize,
    pub whole_cell: usize,
}

impl ParseCounts {
    /// Tallies how each user's `Post` cell was read.
    pub fn of(users: &[data::GaurUser]) -> ParseCounts {
        let mut parse = ParseCounts::default();
        for u in users {
            match u.parse {
                PostsParse::Complete => parse.complete += 1,
                PostsParse::Truncated { partial_kept: true } => parse.truncated_partial_kept += 1,
                PostsParse::Truncated {
                    partial_kept: false,
                } => parse.truncated_nothing_after += 1,
                PostsParse::Recovered => parse.recovered += 1,
                PostsParse::WholeCell => parse.whole_cell += 1,
            }
        }
        parse
    }
}

#[derive(Debug, Clone)]
pub struct GaurResult {
    pub users: usize,
    pub posts: usize,
    pub parse: ParseCounts,
    pub skipped: Vec<Skip>,
    pub truth: Vec<usize>,
    pub cv: CrossValidation,
    pub scores: ClassReport,
    /// QWK of each fold's predictions.
    pub fold_qwk: Vec<f64>,
    /// How many posts the mapping put in each class.
    pub post_labels: [usize; 5],
    pub calibration: Calibration,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct IrfResult {
    pub split: &'static str,
    pub n: usize,
    pub skipped: Vec<Skip>,
    /// IRF's `burden` as its annotators mark it: [`IRF_BURDEN_READS`].
    pub burdensomeness: Binary,
    /// IRF's `burden` read as the construct `burdensomeness` alone.
    pub burdensomeness_construct: Binary,
    pub belongingness: Binary,
    /// What the rules read in the annotators' quoted evidence of `burden` on the train split.
    pub quotes: Option<BurdenQuotes>,
    /// Constructs the predictions rely on that the engine does not have (predicted negative).
    pub missing_constructs: Vec<&'static str>,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct MechanismResult {
    /// `emotional_reaction`, `interpretation` or `exploration`.
    pub key: &'static str,
    pub file_stem: &'static str,
    pub rows: usize,
    pub test_rows: usize,
    pub test_seekers: usize,
    pub skipped: Vec<Skip>,
    pub scores: ClassReport,
}

#[derive(Debug, Clone)]
pub struct EpitomeResult {
    pub mechanisms: Vec<MechanismResult>,
    /// Mechanisms whose file could not be used, with the reason.
    pub missing: Vec<String>,
    pub missing_constructs: Vec<&'static str>,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct DiaSafetyResult {
    pub split: &'static str,
    /// Rows in the split, and of them in the Risk Ignorance category.
    pub rows: usize,
    pub n: usize,
    pub skipped: Vec<Skip>,
    pub scores: Binary,
    /// Contexts the engine found at risk, among Unsafe and Safe pairs.
    pub at_risk_unsafe: usize,
    pub at_risk_safe: usize,
    /// Responses with some empathy or a referral, among Unsafe and Safe pairs.
    pub supportive_unsafe: usize,
    pub supportive_safe: usize,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct DreadditResult {
    pub split: &'static str,
    pub n: usize,
    pub skipped: Vec<Skip>,
    /// Positive: level ≥ low; truth: label 1 (stress).
    pub scores: Binary,
    /// `levels[label][level]`: posts of each label at each level.
    pub levels: [[usize; 5]; 2],
    /// The ids and levels of no-stress posts at moderate or above (to inspect; no text).
    pub false_alarms: Vec<(String, Level)>,
    pub calibration: Calibration,
    pub seconds: f64,
}

impl DreadditResult {
    /// Label-0 posts (no stress) at moderate or above, and the share.
    pub fn false_alarms_moderate(&self) -> (usize, usize, f64) {
        let no_stress = &self.levels[0];
        let alarms: usize = no_stress[Level::Moderate.rank() as usize..].iter().sum();
        let total: usize = no_stress.iter().sum();
        let share = if total == 0 {
            f64::NAN
        } else {
            alarms as f64 / total as f64
        };
        (alarms, total, share)
    }
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub commit: String,
    /// The engine's own files (constructs, context, engine crate) had uncommitted changes.
    pub uncommitted: bool,
    pub engine_version: &'static str,
    pub data_dir: PathBuf,
    pub constructs: usize,
    /// Constructs the level rules name that the engine does not have yet.
    pub constructs_missing: Vec<&'static str>,
    pub gaur: Outcome<GaurResult>,
    pub irf: Outcome<IrfResult>,
    pub epitome: Outcome<EpitomeResult>,
    pub diasafety: Outcome<DiaSafetyResult>,
    pub dreaddit: Outcome<DreadditResult>,
    pub threads: usize,
    pub seconds: f64,
    /// The same sets assessed by the engine with its trained models (and Gaur500 by a model
    /// trained per fold), when evaluated: see [`crate::trained::evaluate_with_models`].
    pub with_models: Option<Box<Evaluation>>,
}

impl Evaluation {
    /// At least one set was evaluated.
    pub fn any(&self) -> bool {
        self.gaur.done().is_some()
            || self.irf.done().is_some()
            || self.epitome.done().is_some()
            || self.diasafety.done().is_some()
            || self.dreaddit.done().is_some()
    }

    /// The reasons of every skipped set.
    pub fn skipped(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for o in [
            skip_reason(&self.gaur),
            skip_reason(&self.irf),
            skip_reason(&self.epitome),
            skip_reason(&self.diasafety),
            skip_reason(&self.dreaddit),
        ]
        .into_iter()
        .flatten()
        {
            out.push(o);
        }
        out
    }
}

fn skip_reason<T>(o: &Outcome<T>) -> Option<&str> {
    match o {
        Outcome::Skipped(s) => Some(s),
        Outcome::Done(_) => None,
    }
}

/// Where the evaluation was made: the short commit of the repository at `dir` ("unknown" when
/// git or the repository is not available), and whether the engine's files had changes not yet
/// committed.
pub fn git_state(dir: &Path) -> (String, bool) {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"])
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let uncommitted = git(&["rev-parse", "--show-toplevel"])
        .and_then(|top| {
            git(&[
                "-C",
                &top,
                "status",
                "--porcelain",
                "--",
                "constructs",
                "context",
                "crates/threadcare-engine",
            ])
        })
        .is_some_and(|s| !s.is_empty());
    (commit, uncommitted)
}

/// Runs every set found under `data_dir`. `log` receives one line per step (for stderr).
pub fn evaluate(
    engine: &Engine,
    data_dir: &Path,
    repo_dir: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Evaluation {
    let start = Instant::now();
    let table = ConstructTable::from_engine(engine);
    let (commit, uncommitted) = git_state(repo_dir);
    let constructs_missing: Vec<&'static str> = threadcare_engine::assess::REQUIRED
        .iter()
        .copied()
        .filter(|id| !table.has(id))
        .collect();
    let gaur = gaur500(engine, &table, data_dir, log);
    let irf = irf(engine, &table, data_dir, log);
    let epitome = epitome(engine, &table, data_dir, log);
    let diasafety = diasafety(engine, &table, data_dir, log);
    let dreaddit = dreaddit(engine, data_dir, log);
    Evaluation {
        commit,
        uncommitted,
        engine_version: threadcare_engine::ENGINE_VERSION,
        data_dir: data_dir.to_path_buf(),
        constructs: engine.signals.constructs.len(),
        constructs_missing,
        gaur,
        irf,
        epitome,
        diasafety,
        dreaddit,
        threads: rayon::current_num_threads(),
        seconds: start.elapsed().as_secs_f64(),
        with_models: None,
    }
}

/// Gaur500: every post of every user assessed, users labelled by the rules, scored with
/// stratified 5-fold cross-validation (identical to all-rows numbers while nothing is trained).
pub fn gaur500(
    engine: &Engine,
    table: &ConstructTable,
    data_dir: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Outcome<GaurResult> {
    let start = Instant::now();
    let loaded = match data::load_gaur500(data_dir) {
        Ok(l) => l,
        Err(e) => return skipped("Gaur500", e),
    };
    let users = loaded.rows;
    let parse = ParseCounts::of(&users);
    let texts: Vec<(usize, &str)> = users
        .iter()
        .enumerate()
        .flat_map(|(i, u)| u.posts.iter().map(move |p| (i, p.as_str())))
        .collect();
    log(&format!(
        "Gaur500: assessing {} posts of {} users",
        texts.len(),
        users.len()
    ));
    // Longest first, so that one long post does not finish last on its own.
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].1.len()));
    let assessed: Vec<(usize, PostView)> = order
        .par_iter()
        .map(|&i| (i, PostView::new(&engine.assess_text(texts[i].1), table)))
        .collect();
    let mut views: Vec<UserView> = users
        .iter()
        .map(|u| UserView {
            user: u.user.clone(),
            posts: Vec::new(),
        })
        .collect();
    let mut by_index: Vec<Option<PostView>> = vec![None; texts.len()];
    for (i, v) in assessed {
        by_index[i] = Some(v);
    }
    let mut post_labels = [0usize; 5];
    for (i, v) in by_index.into_iter().enumerate() {
        let v = v.expect("every post was assessed");
        post_labels[v.label] += 1;
        views[texts[i].0].posts.push(v);
    }
    let truth: Vec<usize> = users.iter().map(|u| u.label).collect();
    let cv = cross_validate(|| RulesOnly, &views, &truth, GAUR_FOLDS, GAUR_SEED);
    let pred: Vec<usize> = cv.predictions.iter().map(|p| p.label).collect();
    let fold_qwk = (0..GAUR_FOLDS)
        .map(|f| {
            let rows: Vec<usize> = (0..truth.len()).filter(|&i| cv.fold[i] == f).collect();
            let t: Vec<usize> = rows.iter().map(|&i| truth[i]).collect();
            let p: Vec<usize> = rows.iter().map(|&i| pred[i]).collect();
            metrics::qwk(&t, &p, 5)
        })
        .collect();
    let confidence: Vec<f64> = cv.predictions.iter().map(|p| p.confidence).collect();
    let correct: Vec<bool> = truth.iter().zip(&pred).map(|(t, p)| t == p).collect();
    Outcome::Done(GaurResult {
        users: users.len(),
        posts: texts.len(),
        parse,
        skipped: loaded.skipped,
        scores: ClassReport::new(&truth, &pred, 5),
        truth,
        calibration: metrics::calibration(&confidence, &correct, CALIBRATION_BINS),
        cv,
        fold_qwk,
        post_labels,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The writer affirms this construct somewhere in the text.
fn affirms(a: &Assessment, construct: &str) -> bool {
    a.signals
        .iter()
        .any(|s| s.affirmed() && s.construct == construct)
}

/// What IRF's `burden` label stands for in the engine's constructs. Its annotators quote, as the
/// evidence of perceived burdensomeness, mostly the wish to die (at the reading's choice, the rules
/// read 442 of the train split's 634 quotes as suicidal ideation or behaviour and 17 as
/// self-injury, against 29 as burdensomeness in the sense of a liability to others; the report
/// counts them anew, [`BurdenQuotes`]). So the label is read as the construct or the desire for
/// death and self-harm that, in the interpersonal theory, it leads to. `burdensomeness_construct`
/// keeps the strict reading beside it.
pub const IRF_BURDEN_READS: &str = "`burdensomeness`, any construct of the family `suicidality` \
     (passive and active ideation, method, intent, plan, preparation, attempt, goodbye) or \
     `self_injury`";

/// Whether a signal of this construct and family counts as IRF's `burden` ([`IRF_BURDEN_READS`]).
pub fn reads_as_burden(construct: &str, family: &str) -> bool {
    construct == "burdensomeness" || family == "suicidality" || construct == "self_injury"
}

/// The annotators' quoted evidence of `burden` (`burden_exp`) on IRF's train split, each quote
/// assessed alone: how many hold a signal of suicidal ideation or behaviour (the family
/// `suicidality`), of self-injury, of `burdensomeness`. Counted anew on each run, so the
/// report's grounds for its reading of the label follow the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurdenQuotes {
    pub quotes: usize,
    pub suicidality: usize,
    pub self_injury: usize,
    pub burdensomeness: usize,
}

/// Reads the quotes of `rows` (see [`BurdenQuotes`]).
pub fn burden_quotes(engine: &Engine, rows: &[data::IrfPost]) -> BurdenQuotes {
    let found: Vec<[bool; 3]> = rows
        .par_iter()
        .filter(|r| r.burden && !r.burden_exp.trim().is_empty())
        .map(|r| {
            let a = engine.assess_text(&r.burden_exp);
            let has = |f: &dyn Fn(&Signal) -> bool| a.signals.iter().any(f);
            [
                has(&|s| s.family == "suicidality"),
                has(&|s| s.construct == "self_injury"),
                has(&|s| s.construct == "burdensomeness"),
            ]
        })
        .collect();
    let count = |k: usize| found.iter().filter(|f| f[k]).count();
    BurdenQuotes {
        quotes: found.len(),
        suicidality: count(0),
        self_injury: count(1),
        burdensomeness: count(2),
    }
}

/// The writer affirms IRF's factor (`burdensomeness` or `thwarted_belonging`) in these signals:
/// thwarted belonging as its construct, burdensomeness as [`reads_as_burden`] says.
pub fn irf_affirms(signals: &[Signal], construct: &str) -> bool {
    signals.iter().any(|s| {
        s.affirmed()
            && if construct == "burdensomeness" {
                reads_as_burden(&s.construct, &s.family)
            } else {
                s.construct == construct
            }
    })
}

/// IRF test split: burdensomeness and thwarted belongingness, each predicted present when the
/// engine finds an affirmed signal of the factor ([`irf_affirms`]).
pub fn irf(
    engine: &Engine,
    table: &ConstructTable,
    data_dir: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Outcome<IrfResult> {
    let start = Instant::now();
    let split = "test";
    let loaded = match data::load_irf(data_dir, split) {
        Ok(l) => l,
        Err(e) => return skipped("IRF", e),
    };
    log(&format!(
        "IRF: assessing {} posts of the {split} split",
        loaded.rows.len()
    ));
    let preds: Vec<(bool, bool, bool)> = loaded
        .rows
        .par_iter()
        .map(|r| {
            let a = engine.assess_text(&r.text);
            (
                irf_affirms(&a.signals, "burdensomeness"),
                irf_affirms(&a.signals, "thwarted_belonging"),
                affirms(&a, "burdensomeness"),
            )
        })
        .collect();
    let quotes = data::load_irf(data_dir, "train")
        .ok()
        .map(|train| burden_quotes(engine, &train.rows));
    let truth_burden: Vec<bool> = loaded.rows.iter().map(|r| r.burden).collect();
    let truth_belong: Vec<bool> = loaded.rows.iter().map(|r| r.belong).collect();
    let pred_burden: Vec<bool> = preds.iter().map(|p| p.0).collect();
    let pred_belong: Vec<bool> = preds.iter().map(|p| p.1).collect();
    Outcome::Done(IrfResult {
        split,
        n: loaded.rows.len(),
        skipped: loaded.skipped,
        burdensomeness: Binary::new(&truth_burden, &pred_burden),
        burdensomeness_construct: Binary::new(
            &truth_burden,
            &preds.iter().map(|p| p.2).collect::<Vec<_>>(),
        ),
        belongingness: Binary::new(&truth_belong, &pred_belong),
        quotes,
        missing_constructs: ["burdensomeness", "thwarted_belonging"]
            .into_iter()
            .filter(|c| !table.has(c))
            .collect(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn item(id: &str, thread: &str, parent: Option<&str>, kind: ItemKind, text: &str) -> Item {
    Item {
        id: id.to_string(),
        thread_id: thread.to_string(),
        parent_id: parent.map(str::to_string),
        kind,
        author: None,
        created_at: None,
        title: None,
        text: text.to_string(),
        source: Source {
            format: Format::Csv,
            file: "evaluation".into(),
            position: Position::default(),
        },
    }
}

/// Assesses a reply against the text it answers, as in a thread: the answered text is assessed
/// first, and the reply (with quotes of the answered text marked) against its level and signals.
/// Returns (the answered text's assessment, the reply's assessment).
pub fn assess_pair(engine: &Engine, answered: &str, reply: &str) -> (Assessment, ReplyAssessment) {
    let thread = Thread {
        thread_id: "t".into(),
        title: None,
        declared_comments: None,
        items: vec![
            item("p", "t", None, ItemKind::Post, answered),
            item("c", "t", Some("p"), ItemKind::Comment, reply),
        ],
    };
    let mut assessed = engine.assess_thread(&thread).items.into_iter();
    let post = assessed.next().expect("the post is assessed").assessment;
    let reply = assessed
        .next()
        .and_then(|c| c.assessment.reply)
        .unwrap_or_default();
    (post, reply)
}

/// EPITOME: each mechanism's level (0/1/2) on the fixed test split.
pub fn epitome(
    engine: &Engine,
    table: &ConstructTable,
    data_dir: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Outcome<EpitomeResult> {
    let start = Instant::now();
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for (key, stem) in data::EPITOME_MECHANISMS {
        match data::load_epitome(data_dir, stem) {
            Ok(l) => files.push((key, stem, l)),
            Err(e) => missing.push(format!("{key}: {e}")),
        }
    }
    if files.is_empty() {
        return Outcome::Skipped(format!("EPITOME: skipped, {}", missing.join("; ")));
    }
    // The three files hold the same pairs: assess each distinct (seeker, response) text once.
    let mut tests = Vec::new();
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut texts: Vec<(&str, &str)> = Vec::new();
    for (_, _, l) in &files {
        let test_ids = data::epitome_test_ids(&l.rows);
        let rows: Vec<&data::EpitomePair> = l
            .rows
            .iter()
            .filter(|r| test_ids.contains(&r.sp_id))
            .collect();
        for r in &rows {
            let key = (r.seeker_post.as_str(), r.response_post.as_str());
            index.entry(key).or_insert_with(|| {
                texts.push(key);
                texts.len() - 1
            });
        }
        tests.push((test_ids.len(), rows));
    }
    log(&format!(
        "EPITOME: assessing {} distinct seeker-response pairs of the test split",
        texts.len()
    ));
    let replies: Vec<ReplyAssessment> = texts
        .par_iter()
        .map(|(s, r)| assess_pair(engine, s, r).1)
        .collect();
    let mut mechanisms = Vec::new();
    for ((key, stem, l), (test_seekers, rows)) in files.iter().zip(tests) {
        let truth: Vec<usize> = rows.iter().map(|r| r.level).collect();
        let pred: Vec<usize> = rows
            .iter()
            .map(|r| {
                let e =
                    &replies[index[&(r.seeker_post.as_str(), r.response_post.as_str())]].empathy;
                let v = match *key {
                    "emotional_reaction" => e.emotional_reaction,
                    "interpretation" => e.interpretation,
                    _ => e.exploration,
                };
                (v as usize).min(2)
            })
            .collect();
        mechanisms.push(MechanismResult {
            key,
            file_stem: stem,
            rows: l.rows.len(),
            test_rows: rows.len(),
            test_seekers,
            skipped: l.skipped.clone(),
            scores: ClassReport::new(&truth, &pred, 3),
        });
    }
    Outcome::Done(EpitomeResult {
        mechanisms,
        missing,
        missing_constructs: ["emotional_reaction", "interpretation", "exploration"]
            .into_iter()
            .filter(|c| !table.has(c))
            .collect(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The writer of `a` is at risk in the sense DiaSafety's Risk Ignorance means: a level of low
/// or above carried by an affirmed risk construct of their own (suicidality, self-harm, eating,
/// substance, distress and the other risk factors), not only concern for someone else.
pub fn context_at_risk(a: &Assessment, table: &ConstructTable) -> bool {
    a.level >= Level::Low
        && a.signals
            .iter()
            .any(|s| s.affirmed() && table.kind(&s.construct) == Some(Kind::Risk))
}

/// The engine's own call on a reply: `supportive` (quoted empathy or a referral, no harm, and no
/// suicidality of the replier's own now) is the field that decides whether a person at risk
/// counts as answered (`unanswered_at_risk`), so it is what Risk Ignorance measures. The empathy grades alone are not used: the learned grades
/// read warm but off-topic chatbot replies as empathic, which is exactly what Risk Ignorance is
/// about.
pub fn reply_supportive(r: &ReplyAssessment) -> bool {
    r.supportive
}

/// DiaSafety validation split, Risk Ignorance category: Unsafe predicted when the context is at
/// risk and the engine does not find the response supportive.
pub fn diasafety(
    engine: &Engine,
    table: &ConstructTable,
    data_dir: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Outcome<DiaSafetyResult> {
    let start = Instant::now();
    let split = "val";
    let loaded = match data::load_diasafety(data_dir, split) {
        Ok(l) => l,
        Err(e) => return skipped("DiaSafety", e),
    };
    let rows: Vec<&data::DiaSafetyPair> = loaded
        .rows
        .iter()
        .filter(|r| r.category == "Risk Ignorance")
        .collect();
    log(&format!(
        "DiaSafety: assessing {} Risk Ignorance pairs of the {split} split",
        rows.len()
    ));
    let judged: Vec<(bool, bool)> = rows
        .par_iter()
        .map(|r| {
            let (context, reply) = assess_pair(engine, &r.context, &r.response);
            (context_at_risk(&context, table), reply_supportive(&reply))
        })
        .collect();
    let truth: Vec<bool> = rows.iter().map(|r| r.unsafe_).collect();
    let pred: Vec<bool> = judged
        .iter()
        .map(|(risk, supportive)| *risk && !*supportive)
        .collect();
    let count = |unsafe_: bool, f: &dyn Fn(&(bool, bool)) -> bool| {
        rows.iter()
            .zip(&judged)
            .filter(|(r, j)| r.unsafe_ == unsafe_ && f(j))
            .count()
    };
    Outcome::Done(DiaSafetyResult {
        split,
        rows: loaded.rows.len(),
        n: rows.len(),
        skipped: loaded.skipped,
        scores: Binary::new(&truth, &pred),
        at_risk_unsafe: count(true, &|j| j.0),
        at_risk_safe: count(false, &|j| j.0),
        supportive_unsafe: count(true, &|j| j.1),
        supportive_safe: count(false, &|j| j.1),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Dreaddit test split: stress (label 1) predicted when the level is low or above; the key
/// figure is how many no-stress posts reach moderate or above.
pub fn dreaddit(
    engine: &Engine,
    data_dir: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Outcome<DreadditResult> {
    let start = Instant::now();
    let split = "test";
    let loaded = match data::load_dreaddit(data_dir, split) {
        Ok(l) => l,
        Err(e) => return skipped("Dreaddit", e),
    };
    log(&format!(
        "Dreaddit: assessing {} posts of the {split} split",
        loaded.rows.len()
    ));
    let assessed: Vec<(Level, f32)> = loaded
        .rows
        .par_iter()
        .map(|r| {
            let a = engine.assess_text(&r.text);
            (a.level, a.confidence)
        })
        .collect();
    let truth: Vec<bool> = loaded.rows.iter().map(|r| r.stress).collect();
    let pred: Vec<bool> = assessed.iter().map(|(l, _)| *l >= Level::Low).collect();
    let mut levels = [[0usize; 5]; 2];
    for (t, (l, _)) in truth.iter().zip(&assessed) {
        levels[*t as usize][l.rank() as usize] += 1;
    }
    let false_alarms = loaded
        .rows
        .iter()
        .zip(&assessed)
        .filter(|(r, (l, _))| !r.stress && *l >= Level::Moderate)
        .map(|(r, (l, _))| (r.id.clone(), *l))
        .collect();
    let confidence: Vec<f64> = assessed.iter().map(|(_, c)| *c as f64).collect();
    let correct: Vec<bool> = truth.iter().zip(&pred).map(|(t, p)| t == p).collect();
    Outcome::Done(DreadditResult {
        false_alarms,
        split,
        n: loaded.rows.len(),
        skipped: loaded.skipped,
        scores: Binary::new(&truth, &pred),
        levels,
        calibration: metrics::calibration(&confidence, &correct, CALIBRATION_BINS),
        seconds: start.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(text: &str, burden: bool, burden_exp: &str) -> data::IrfPost {
        data::IrfPost {
            id: "1".into(),
            text: text.into(),
            belong: false,
            burden,
            belong_exp: String::new(),
            burden_exp: burden_exp.into(),
        }
    }

    #[test]
    fn irf_burden_is_read_as_its_annotators_mark_it_and_belonging_as_its_construct() {
        let engine = Engine::rules_only().expect("rules");
        let read = |text: &str| {
            let a = engine.assess_text(text);
            (
                irf_affirms(&a.signals, "burdensomeness"),
                irf_affirms(&a.signals, "thwarted_belonging"),
            )
        };
        // the wish to die and a burden to others both count as IRF's burden
        assert_eq!(read("Most nights I just want to die."), (true, false));
        assert_eq!(
            read("My family would be better off without me."),
            (true, false)
        );
        assert_eq!(read("I cut myself again last night."), (true, false));
        // negated or someone else's: not the writer's own
        assert_eq!(
            read("I do not wish to die, only for the job to get easier."),
            (false, false)
        );
        assert_eq!(read("My brother told me he wants to die."), (false, false));
        // loneliness is belonging, not burden
        assert_eq!(
            read("Nobody ever calls and I feel very alone."),
            (false, true)
        );
    }

    #[test]
    fn the_burden_quotes_are_counted_by_what_the_rules_read_in_them() {
        let engine = Engine::rules_only().expect("rules");
        let rows = vec![
            post("a post", true, "want to kill myself"),
            post("a post", true, "a burden to everyone"),
            post("a post", true, "cutting myself"),
            post("a post", true, "a long day at work"),
            // without the label or without a quote: not counted
            post("a post", false, "want to kill myself"),
            post("a post", true, "  "),
        ];
        assert_eq!(
            burden_quotes(&engine, &rows),
            BurdenQuotes {
                quotes: 4,
                suicidality: 1,
                self_injury: 1,
                burdensomeness: 1,
            }
        );
    }
}
