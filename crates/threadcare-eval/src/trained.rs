//! Gaur500 with a trained component: a softmax regression per user over what the engine found
//! in each of their posts, fitted inside each cross-validation fold through the [`Predictor`]
//! interface, so every number is out-of-fold.
//!
//! A user's features: the word bag of all their posts together (as in
//! `threadcare_engine::model::features`), a second word bag, at half weight, of their posts in
//! which the rules found a risk of the writer's own (class Indicator or above in the rules'
//! mapping: what a person says about themselves where they speak of their own risk weighs
//! differently from the same words in a reply to someone else), the largest and the mean value
//! over their posts of each construct feature, of each IRF factor a model found (the engine's
//! `model:irf_*` signals) and of a post's probability under a model of r/SuicideWatch against
//! r/depression fitted on the SDCNL training split ([`sdcnl_transfer`]), the share and number of their posts in each class of the rules'
//! mapping ([`crate::gaur::post_label`]) and the most severe one, and how many posts they wrote.
//! Choices (L2, the weight of the rules' own class blended into the model's expected class, and
//! the cut points) are made by an inner cross-validation on the training folds only.
//!
//! The blend (`BLEND_GRID`): the score read off with the cut points is
//! `(1 − w) × expected class + w × the rules' class` (most severe post). With the seed of the
//! shipped models (20200914) it raised the 5-fold QWK from 0.588 to 0.614, every fold rising
//! (0.580→0.582, 0.611→0.622, 0.570→0.639, 0.615→0.636, 0.559→0.590), the folds choosing w 0.2 or
//! 0.4; with fitting seeds 7 and 99 it changed 0.623 to 0.622 and 0.601 to 0.602. The fitting seed
//! alone moves the figure by ±0.02 (0.588 to 0.623 without the blend); with the blend all three
//! seeds are at or above 0.60 (mean 0.613 against 0.604).
//!
//! Tried and not adopted (5-fold QWK; the current setup 0.595, its folds 0.50 to 0.65, so a
//! change under about ±0.015 is noise): the SDCNL transfer model fitted on its training and
//! test splits together (0.584); a second transfer feature, stressed against calm Dreaddit posts
//! (0.570); each post's shares of first- and second-person words and whether it speaks more to
//! others than of oneself, for the Supportive users (0.577); each post read as a reply (the engine's empathy grades and referral), since Supportive
//! users write to others (0.585); 15 or 100 epochs instead of 40 (0.581, 0.574); no word bags, only the engine's own
//! findings (0.478: the words carry most of it). Word clusters learned from the other sets'
//! unlabelled training text (PPMI + SVD, k-means; a throwaway check outside the repository)
//! moved IRF and EPITOME baselines by less than their noise, so they were not built here.
//!
//! This model is evaluated, not shipped: a level in the engine is never raised by a model trained
//! on Gaur500 (issue 3: levels stay rule-derived and explainable).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use threadcare_engine::model::features::{
    construct_features, index, occurrences, text_features, Bag, Sparse,
};
use threadcare_engine::model::linear::Linear;
use threadcare_engine::model::train::{fit, ClassWeight, Config};
use threadcare_engine::token::tokenize;
use threadcare_engine::Engine;

use crate::data;
use crate::gaur::{ConstructTable, PostView};
use crate::metrics;
use crate::predictor::{cross_validate, stratified_folds, Prediction, Predictor};
use crate::tasks::{
    skipped, ClassReport, GaurResult, Outcome, ParseCounts, CALIBRATION_BINS, GAUR_FOLDS, GAUR_SEED,
};

/// Folds of the inner cross-validation that makes the choices.
pub const INNER_FOLDS: usize = 4;

/// The settings tried by the inner cross-validation: L2 strengths of the threshold models.
pub const L2_GRID: [f64; 3] = [3e-6, 1e-5, 3e-5];

/// The weights of the rules' own class (most severe post, 0–4) blended into the model's
/// expected class before the cut points, tried by the inner cross-validation: the rules and the
/// model err differently (the rules find Ideation users the model grades lower, the model finds
/// Behavior users the rules miss), so an average of the two can beat either.
pub const BLEND_GRID: [f32; 5] = [0.0, 0.2, 0.4, 0.6, 0.8];

/// The weight of the word bag of a user's risk posts beside the bag of all their posts.
pub const RISK_BAG_WEIGHT: f32 = 0.5;

/// The slot of a word feature in the risk posts' bag: its own namespace, so "die" in a post
/// about the writer's own risk is a different feature from "die" anywhere.
fn risk_slot(slot: u32) -> u32 {
    threadcare_engine::model::features::Fnv::new()
        .bytes(b"risk")
        .bytes(&slot.to_le_bytes())
        .slot()
}

/// The configuration of each threshold model.
pub fn config(l2: f64, seed: u64) -> Config {
    Config {
        l2,
        epochs: 40,
        rate: 0.15,
        seed,
        class_weight: ClassWeight::Balanced,
        min_df: 10,
        prune: 0.0,
        average: 1,
    }
}

/// An ordinal model (cumulative logits, one binary model per threshold as in Frank and Hall
/// 2001): model k gives P(class ≥ k); their sum is the expected class, read off with cut points
/// chosen to maximise quadratic weighted kappa on out-of-fold scores.
#[derive(Debug, Clone)]
pub struct Ordinal {
    pub models: Vec<Linear>,
    pub cuts: [f32; 4],
    /// The weight of the rules' own class in the score read off with the cut points (see
    /// [`BLEND_GRID`]).
    pub blend: f32,
}

impl Ordinal {
    /// P(class ≥ k) for k = 1..=4.
    pub fn at_least(&self, x: &Sparse) -> [f32; 4] {
        let mut p = [0f32; 4];
        for (k, m) in self.models.iter().enumerate() {
            p[k] = m.probabilities(x)[1];
        }
        p
    }

    /// The score read off with the cut points: the expected class, blended with the rules' class.
    pub fn score(&self, x: &Sparse, rules: usize) -> f32 {
        blended(self.at_least(x).iter().sum(), rules, self.blend)
    }

    pub fn predict(&self, x: &Sparse, rules: usize) -> Prediction {
        let p = self.at_least(x);
        let label = cut(&self.cuts, blended(p.iter().sum(), rules, self.blend));
        // P(class = k) from the cumulative probabilities, made monotone.
        let mut ge = [1f32, p[0], p[1], p[2], p[3], 0.0];
        for k in 2..5 {
            ge[k] = ge[k].min(ge[k - 1]);
        }
        Prediction {
            label,
            confidence: (ge[label] - ge[label + 1]).clamp(0.0, 1.0) as f64,
        }
    }
}

/// `(1 − blend) × expected + blend × rules`.
pub fn blended(expected: f32, rules: usize, blend: f32) -> f32 {
    (1.0 - blend) * expected + blend * rules as f32
}

/// The class of an expected-class score under cut points.
pub fn cut(cuts: &[f32; 4], score: f32) -> usize {
    cuts.iter().filter(|&&t| score >= t).count()
}

/// Cut points maximising QWK of `scores` against `truth`: coordinate search from the rounding
/// points (0.5, 1.5, 2.5, 3.5), each point over a grid between its neighbours, three passes.
pub fn tune_cuts(scores: &[f32], truth: &[usize]) -> ([f32; 4], f64) {
    let qwk = |c: &[f32; 4]| {
        let pred: Vec<usize> = scores.iter().map(|&s| cut(c, s)).collect();
        let q = metrics::qwk(truth, &pred, 5);
        if q.is_finite() {
            q
        } else {
            -1.0
        }
    };
    let mut c = [0.5f32, 1.5, 2.5, 3.5];
    let mut best = qwk(&c);
    for _ in 0..3 {
        for j in 0..4 {
            let lo = if j == 0 { 0.0 } else { c[j - 1] };
            let hi = if j == 3 { 4.0 } else { c[j + 1] };
            for step in 0..=50 {
                let mut trial = c;
                trial[j] = lo + (hi - lo) * step as f32 / 50.0;
                let q = qwk(&trial);
                if q > best {
                    best = q;
                    c = trial;
                }
            }
        }
    }
    (c, best)
}

/// Fits the four threshold models.
pub fn fit_ordinal(
    xs: &[&Sparse],
    ys: &[usize],
    cfg: &Config,
    cuts: [f32; 4],
    blend: f32,
) -> Ordinal {
    let models = (1..5)
        .map(|k| {
            let yk: Vec<usize> = ys.iter().map(|&y| (y >= k) as usize).collect();
            fit(
                &format!("gaur500_at_least_{k}"),
                &["below", "at_least"],
                xs,
                &yk,
                cfg,
            )
        })
        .collect();
    Ordinal {
        models,
        cuts,
        blend,
    }
}

/// Out-of-fold expected-class scores of the threshold models with `cfg` on (xs, ys).
pub fn inner_scores(xs: &[&Sparse], ys: &[usize], cfg: &Config) -> Vec<f32> {
    let fold = stratified_folds(ys, INNER_FOLDS, cfg.seed ^ 0x5eed);
    let per_fold: Vec<Vec<(usize, f32)>> = (0..INNER_FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<usize> = (0..xs.len()).filter(|&i| fold[i] != f).collect();
            let test: Vec<usize> = (0..xs.len()).filter(|&i| fold[i] == f).collect();
            if tr.is_empty() || test.is_empty() {
                return Vec::new();
            }
            let x: Vec<&Sparse> = tr.iter().map(|&i| xs[i]).collect();
            let y: Vec<usize> = tr.iter().map(|&i| ys[i]).collect();
            let m = fit_ordinal(&x, &y, cfg, [0.5, 1.5, 2.5, 3.5], 0.0);
            test.iter()
                .map(|&i| (i, m.at_least(xs[i]).iter().sum()))
                .collect()
        })
        .collect();
    let mut out = vec![0f32; xs.len()];
    for (i, s) in per_fold.into_iter().flatten() {
        out[i] = s;
    }
    out
}

/// A user as the trained predictor sees them.
#[derive(Debug, Clone)]
pub struct UserFeatures {
    pub x: Sparse,
    /// The rules' prediction (most severe post), for reference.
    pub rules: Prediction,
}

/// One post's contribution to its user's features.
#[derive(Debug, Clone)]
pub struct PostFeatures {
    pub view: PostView,
    pub occurrences: Vec<threadcare_engine::model::features::Occurrence>,
    pub constructs: Vec<(String, f32)>,
}

pub fn post_features(
    engine: &Engine,
    table: &ConstructTable,
    transfer: Option<&Linear>,
    text: &str,
) -> PostFeatures {
    let a = engine.assess_text(text);
    let tokens = tokenize(text);
    let mut constructs = construct_features(&a.signals);
    if let Some(m) = transfer {
        let signals = engine.signals.find_in(text, &tokens);
        let x = text_features(text, &tokens, &signals).vector;
        constructs.push(("transfer:sdcnl".to_string(), m.probabilities(&x)[1]));
    }
    // The factors the IRF models found (construct features leave model signals out): Joiner's
    // interpersonal factors mark ideation. On the 5-fold QWK they raised 0.574 to 0.590; the
    // models' scores themselves (without their gates) did not (0.577).
    for s in a.signals.iter().filter(|s| s.rule.starts_with("model:")) {
        constructs.push((s.rule.to_string(), 1.0));
    }
    PostFeatures {
        view: PostView::new(&a, table),
        occurrences: occurrences(text, &tokens),
        constructs,
    }
}

/// A user's features from their posts' (see the module documentation).
pub fn user_features(posts: &[PostFeatures]) -> UserFeatures {
    let mut bag = Bag::new();
    let mut risk_bag = Bag::new();
    let mut max: BTreeMap<&str, f32> = BTreeMap::new();
    let mut sum: BTreeMap<&str, f32> = BTreeMap::new();
    let mut labels = [0usize; 5];
    for p in posts {
        bag.add(&p.occurrences);
        if p.view.label >= 1 {
            risk_bag.add(&p.occurrences);
        }
        for (name, v) in &p.constructs {
            let m = max.entry(name.as_str()).or_insert(0.0);
            *m = m.max(*v);
            *sum.entry(name.as_str()).or_insert(0.0) += v;
        }
        labels[p.view.label] += 1;
    }
    let n = posts.len().max(1) as f32;
    let (words, _) = bag.vector();
    let mut e = words.0;
    let (risk_words, _) = risk_bag.vector();
    e.extend(
        risk_words
            .0
            .into_iter()
            .map(|(slot, v)| (risk_slot(slot), v * RISK_BAG_WEIGHT)),
    );
    for (name, v) in &max {
        e.push((index("gmax", name), *v));
    }
    for (name, v) in &sum {
        e.push((index("gmean", name), v / n));
    }
    for (k, &c) in labels.iter().enumerate() {
        e.push((index("gshare", &k.to_string()), c as f32 / n));
        e.push((index("gcount", &k.to_string()), (1.0 + c as f32).ln() / 3.0));
    }
    let most = labels.iter().rposition(|&c| c > 0).unwrap_or(0);
    e.push((index("gmost", &most.to_string()), 1.0));
    e.push((index("gposts", ""), (1.0 + posts.len() as f32).ln() / 4.0));
    let view = crate::gaur::UserView {
        user: String::new(),
        posts: posts.iter().map(|p| p.view.clone()).collect(),
    };
    UserFeatures {
        x: Sparse::from_entries(e),
        rules: view.most_severe(),
    }
}

/// The trained predictor: L2 and cut points are chosen by inner cross-validation in
/// [`Predictor::fit`].
#[derive(Debug, Clone)]
pub struct TrainedGaur {
    pub seed: u64,
    pub model: Option<Ordinal>,
    /// What the last fit chose: L2, the rules' weight in the blend, and the inner QWK.
    pub chosen: Option<(f64, f32, f64)>,
}

impl TrainedGaur {
    pub fn new(seed: u64) -> TrainedGaur {
        TrainedGaur {
            seed,
            model: None,
            chosen: None,
        }
    }
}

impl Predictor for TrainedGaur {
    type Input = UserFeatures;

    fn name(&self) -> String {
        "trained ordinal regression over each user's posts: construct features, word n-grams, the rules' post classes".into()
    }

    fn fit(&mut self, train: &[&UserFeatures], labels: &[usize]) {
        let xs: Vec<&Sparse> = train.iter().map(|u| &u.x).collect();
        let rules: Vec<usize> = train.iter().map(|u| u.rules.label).collect();
        let mut best: Option<(f64, f32, [f32; 4], f64)> = None;
        for &l2 in &L2_GRID {
            let scores = inner_scores(&xs, labels, &config(l2, self.seed));
            for &blend in &BLEND_GRID {
                let s: Vec<f32> = scores
                    .iter()
                    .zip(&rules)
                    .map(|(&e, &r)| blended(e, r, blend))
                    .collect();
                let (cuts, q) = tune_cuts(&s, labels);
                if best.is_none_or(|b| q > b.3) {
                    best = Some((l2, blend, cuts, q));
                }
            }
        }
        let (l2, blend, cuts, q) = best.expect("a non-empty grid");
        self.model = Some(fit_ordinal(
            &xs,
            labels,
            &config(l2, self.seed),
            cuts,
            blend,
        ));
        self.chosen = Some((l2, blend, q));
    }

    fn predict(&self, test: &[&UserFeatures]) -> Vec<Prediction> {
        test.iter()
            .map(|u| match &self.model {
                Some(m) => m.predict(&u.x, u.rules.label),
                None => u.rules,
            })
            .collect()
    }

    fn chosen(&self) -> Option<String> {
        self.chosen
            .map(|(l2, blend, q)| format!("L2 {l2:e}, rules' weight {blend}, inner QWK {q:.3}"))
    }
}

/// Evaluates the rules alone (`rules`) and the engine with its models (`full`), the latter's
/// Gaur500 by the trained predictor; the result is the rules' evaluation carrying the other.
pub fn evaluate_with_models(
    rules: &Engine,
    full: &Engine,
    data_dir: &Path,
    repo_dir: &Path,
    seed: u64,
    log: &(dyn Fn(&str) + Sync),
) -> crate::Evaluation {
    let start = Instant::now();
    log("the rules alone");
    let mut e = crate::evaluate(rules, data_dir, repo_dir, log);
    log("the engine with its trained models");
    let mut m = crate::evaluate(full, data_dir, repo_dir, log);
    m.gaur = gaur500(
        full,
        &ConstructTable::from_engine(full),
        data_dir,
        seed,
        log,
    );
    e.with_models = Some(Box::new(m));
    e.seconds = start.elapsed().as_secs_f64();
    e
}

/// A post model of r/SuicideWatch against r/depression, fitted on the SDCNL training split
/// (labels by subreddit), whose probability is one of a Gaur500 post's features: the line
/// between depression and suicidal thinking is the line between Indicator and Ideation.
/// `None` (with a log line) when SDCNL cannot be read.
pub fn sdcnl_transfer(
    engine: &Engine,
    data_dir: &Path,
    seed: u64,
    log: &(dyn Fn(&str) + Sync),
) -> Option<Linear> {
    let loaded = match data::load_sdcnl(data_dir, "training") {
        Ok(l) if !l.rows.is_empty() => l,
        Ok(_) => {
            log("SDCNL training split: no rows; Gaur500 without the transfer feature");
            return None;
        }
        Err(e) => {
            log(&format!("SDCNL: {e}; Gaur500 without the transfer feature"));
            return None;
        }
    };
    let xs: Vec<Sparse> = loaded
        .rows
        .par_iter()
        .map(|r| {
            let tokens = tokenize(&r.text);
            let signals = engine.signals.find_in(&r.text, &tokens);
            text_features(&r.text, &tokens, &signals).vector
        })
        .collect();
    let ys: Vec<usize> = loaded.rows.iter().map(|r| r.suicide as usize).collect();
    let refs: Vec<&Sparse> = xs.iter().collect();
    log(&format!(
        "Gaur500 (trained): SDCNL transfer model on {} posts",
        refs.len()
    ));
    Some(fit(
        "sdcnl_transfer",
        &["depression", "suicide"],
        &refs,
        &ys,
        &Config {
            min_df: 3,
            epochs: 10,
            ..config(1e-4, seed)
        },
    ))
}

/// Gaur500 with the trained predictor, 5-fold CV on the same folds as the rules.
pub fn gaur500(
    engine: &Engine,
    table: &ConstructTable,
    data_dir: &Path,
    seed: u64,
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
        "Gaur500 (trained): features of {} posts of {} users",
        texts.len(),
        users.len()
    ));
    let transfer = sdcnl_transfer(engine, data_dir, seed, log);
    let posts: Vec<PostFeatures> = texts
        .par_iter()
        .map(|(_, t)| post_features(engine, table, transfer.as_ref(), t))
        .collect();
    let mut per_user: Vec<Vec<PostFeatures>> = vec![Vec::new(); users.len()];
    let mut post_labels = [0usize; 5];
    for ((u, _), p) in texts.iter().zip(posts) {
        post_labels[p.view.label] += 1;
        per_user[*u].push(p);
    }
    let inputs: Vec<UserFeatures> = per_user.par_iter().map(|p| user_features(p)).collect();
    let truth: Vec<usize> = users.iter().map(|u| u.label).collect();
    log(&format!("Gaur500 (trained): {GAUR_FOLDS}-fold cross-validation with an inner {INNER_FOLDS}-fold choice"));
    let cv = cross_validate(
        || TrainedGaur::new(seed),
        &inputs,
        &truth,
        GAUR_FOLDS,
        GAUR_SEED,
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_points() {
        let c = [0.5, 1.5, 2.5, 3.5];
        assert_eq!(cut(&c, 0.49), 0);
        assert_eq!(cut(&c, 0.5), 1);
        assert_eq!(cut(&c, 3.9), 4);
        // Scores that rounding misreads: every true class sits a little low.
        let truth = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
        let scores = [0.1, 0.9, 1.8, 2.7, 3.4, 0.2, 0.95, 1.9, 2.8, 3.45];
        let rounded: Vec<usize> = scores.iter().map(|&s| cut(&c, s)).collect();
        let (cuts, q) = tune_cuts(&scores, &truth);
        assert!(q > metrics::qwk(&truth, &rounded, 5));
        assert!((q - 1.0).abs() < 1e-9, "{cuts:?} {q}");
        assert!(cuts.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn blending_leans_on_the_rules_where_they_know_better() {
        assert_eq!(blended(2.0, 4, 0.0), 2.0);
        assert_eq!(blended(2.0, 4, 0.5), 3.0);
        // Features that say nothing (a slot per user), rules that are always right: the inner
        // validation must give the rules a weight, and the predictions follow them.
        let users: Vec<UserFeatures> = (0..100)
            .map(|i| UserFeatures {
                x: Sparse::from_entries(vec![(1000 + i as u32, 1.0)]),
                rules: Prediction {
                    label: i % 5,
                    confidence: 0.5,
                },
            })
            .collect();
        let labels: Vec<usize> = (0..100).map(|i| i % 5).collect();
        let train: Vec<&UserFeatures> = users.iter().collect();
        let mut p = TrainedGaur::new(1);
        p.fit(&train, &labels);
        let (_, blend, _) = p.chosen.expect("fitted");
        assert!(blend > 0.0, "{blend}");
        let pred: Vec<usize> = p.predict(&train).iter().map(|x| x.label).collect();
        assert!(metrics::qwk(&labels, &pred, 5) > 0.95, "{pred:?}");
        assert!(p
            .chosen()
            .unwrap()
            .contains(&format!("rules' weight {blend}")));
    }
}
