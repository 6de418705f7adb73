//! The report's section on the engine with its trained models, beside the rules' figures.

use std::fmt::Write as _;

use crate::data::GAUR_LABELS;
use crate::report::{binary_table, calibration_table, class_table, confusion_table, num, pct};
use crate::tasks::{Evaluation, CALIBRATION_BINS, GAUR_FOLDS, GAUR_SEED};
use crate::trained::{BLEND_GRID, INNER_FOLDS, L2_GRID};

/// The section heading.
pub const HEADING: &str = "## With trained models";

/// Writes the section when `e` carries an evaluation with models.
pub fn section(w: &mut String, e: &Evaluation) {
    let Some(m) = e.with_models.as_deref() else {
        return;
    };
    let _ = writeln!(w, "{HEADING}\n");
    let _ = writeln!(
        w,
        "The same sets, assessed by the engine with its trained models (`models/`, made by `threadcare \
         train`; `models/README.md` says how each was made, on which training data and split). The models \
         never saw these test splits. What they may do: grade a reply's empathy (EPITOME models); add \
         perceived burdensomeness or thwarted belongingness to a post of at least {} words the rules did \
         not find it in, as a signal quoting the sentence that reads most like the annotators' evidence of the \
         factor (IRF post and sentence models), which \
         can raise a level to low but never higher; and calibrate `confidence`. Gaur500 is the exception: no model is shipped \
         for it, and its figures here are a model trained inside each cross-validation fold.\n",
        threadcare_engine::model::FACTOR_MIN_WORDS
    );
    gaur(w, m);
    irf(w, e, m);
    epitome(w, e, m);
    diasafety(w, e, m);
    dreaddit(w, e, m);
    calibration(w, e, m);
}

fn gaur(w: &mut String, m: &Evaluation) {
    let _ = writeln!(w, "### Gaur500: a trained ordinal model\n");
    let Some(g) = m.gaur.done() else {
        let _ = writeln!(w, "Not evaluated.\n");
        return;
    };
    let _ = writeln!(
        w,
        "Per user, the features are the engine's findings on each of their posts: the word n-grams of \
         all their posts together and, as separate features at half weight, those of their posts in which \
         the rules found a risk of the writer's own (Indicator or above in the mapping above), the largest and mean value over their posts of each construct feature, of each IRF factor a model found and of the probability of a model of r/SuicideWatch against r/depression posts fitted on the SDCNL training split (labels by subreddit; a transfer feature), \
         the share and number of their posts in each class of the rules' mapping above and the most severe \
         one, and how many posts they wrote. An ordinal model (four logistic models, P(class ≥ k), Frank and \
         Hall 2001; class-balanced) gives an expected class; the score read off with cut points is that \
         expected class blended with the rules' own class (the most severe post, 0–4, as in the section \
         above): (1 − w) × expected + w × rules. Inside each of the \
         {GAUR_FOLDS} folds (the same folds as above, seed {GAUR_SEED}), an inner {INNER_FOLDS}-fold \
         cross-validation on the training folds alone chooses the L2 strength (of {}), the rules' weight w \
         (of {}) and the cut points \
         (maximising QWK on its out-of-fold scores); then the model is fitted on the training folds and \
         predicts the held-out fold. Confidence: the model's probability of the predicted class.\n",
        L2_GRID.iter().map(|x| format!("{x:e}")).collect::<Vec<_>>().join(", "),
        BLEND_GRID.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
    );
    if !g.cv.chosen.is_empty() {
        let _ = writeln!(w, "Chosen per fold:\n");
        for (f, c) in g.cv.chosen.iter().enumerate() {
            let _ = writeln!(w, "- fold {}: {c}", f + 1);
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(
        w,
        "- quadratic weighted kappa **{}** (per fold: {})\n- macro-F1 **{}**\n- mean absolute error {} levels\n- accuracy {}\n",
        num(g.scores.qwk),
        g.fold_qwk.iter().map(|q| num(*q)).collect::<Vec<_>>().join(", "),
        num(g.scores.macro_f1),
        num(g.scores.mae),
        num(g.scores.accuracy)
    );
    let _ = writeln!(w, "Recall per level (and precision, F1):\n");
    class_table(w, &g.scores, &GAUR_LABELS);
    confusion_table(w, &g.scores, &GAUR_LABELS);
}

fn irf(w: &mut String, e: &Evaluation, m: &Evaluation) {
    let _ = writeln!(w, "### IRF\n");
    let (Some(r), Some(i)) = (e.irf.done(), m.irf.done()) else {
        let _ = writeln!(w, "Not evaluated.\n");
        return;
    };
    let _ = writeln!(
        w,
        "Predicted 1 when the assessment has an affirmed signal of the factor (for burdensomeness, as IRF's \
         annotators mark it: see the section IRF above): the rules' own, or one a model added (rule `model:irf_burden` / `model:irf_belong`, quoting its evidence). Rules alone beside \
         the engine with models, {} split:\n",
        i.split
    );
    binary_table(
        w,
        &[
            ("burdensomeness, rules alone", &r.burdensomeness),
            ("burdensomeness, with models", &i.burdensomeness),
            (
                "burdensomeness (the construct alone), rules alone",
                &r.burdensomeness_construct,
            ),
            (
                "burdensomeness (the construct alone), with models",
                &i.burdensomeness_construct,
            ),
            ("thwarted belongingness, rules alone", &r.belongingness),
            ("thwarted belongingness, with models", &i.belongingness),
        ],
    );
}

fn epitome(w: &mut String, e: &Evaluation, m: &Evaluation) {
    let _ = writeln!(w, "### EPITOME\n");
    let (Some(r), Some(ep)) = (e.epitome.done(), m.epitome.done()) else {
        let _ = writeln!(w, "Not evaluated.\n");
        return;
    };
    let _ = writeln!(
        w,
        "Each mechanism's grade from its model over the reply's words and signals (and, for emotional \
         reactions, groups of its cues such as sympathy, hugs or a feeling inferred after `must`; for \
         interpretations, a generic statement of understanding, an inferred feeling and the responder's own \
         story in first-person sentences; for exploration, the words of the reply's questions and its shape: \
         sizes as bucket indicators), with the grade offsets and the combination with the rules' grade \
         that the model file records (chosen by cross-validation on the training rows), on the same fixed \
         test split.\n"
    );
    let _ = writeln!(w, "| mechanism | test pairs | macro-F1 rules | macro-F1 with models | accuracy with models | recall 0 / 1 / 2 with models |");
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    for mm in &ep.mechanisms {
        let rules = r
            .mechanisms
            .iter()
            .find(|x| x.key == mm.key)
            .map_or(f64::NAN, |x| x.scores.macro_f1);
        let rec: Vec<String> = mm.scores.per_class.iter().map(|c| num(c.recall)).collect();
        let _ = writeln!(
            w,
            "| {} | {} | {} | **{}** | {} | {} |",
            mm.key.replace('_', " "),
            mm.test_rows,
            num(rules),
            num(mm.scores.macro_f1),
            num(mm.scores.accuracy),
            rec.join(" / ")
        );
    }
    let _ = writeln!(w);
    for mm in &ep.mechanisms {
        let _ = writeln!(w, "#### {} with models\n", mm.key.replace('_', " "));
        class_table(w, &mm.scores, &["0 none", "1 weak", "2 strong"]);
        confusion_table(w, &mm.scores, &["0 none", "1 weak", "2 strong"]);
    }
}

fn diasafety(w: &mut String, e: &Evaluation, m: &Evaluation) {
    let _ = writeln!(w, "### DiaSafety\n");
    let (Some(r), Some(d)) = (e.diasafety.done(), m.diasafety.done()) else {
        let _ = writeln!(w, "Not evaluated.\n");
        return;
    };
    binary_table(
        w,
        &[
            ("Unsafe, rules alone", &r.scores),
            ("Unsafe, with models", &d.scores),
        ],
    );
    let unsafe_n = d.scores.tp + d.scores.fn_;
    let safe_n = d.scores.fp + d.scores.tn;
    let _ = writeln!(
        w,
        "With models: contexts found at risk {} of {unsafe_n} Unsafe and {} of {safe_n} Safe pairs; responses \
         found supportive {} of {unsafe_n} Unsafe and {} of {safe_n} Safe pairs.\n",
        d.at_risk_unsafe, d.at_risk_safe, d.supportive_unsafe, d.supportive_safe
    );
}

fn dreaddit(w: &mut String, e: &Evaluation, m: &Evaluation) {
    let _ = writeln!(w, "### Dreaddit\n");
    let (Some(r), Some(d)) = (e.dreaddit.done(), m.dreaddit.done()) else {
        let _ = writeln!(w, "Not evaluated.\n");
        return;
    };
    binary_table(
        w,
        &[
            ("stress (level ≥ low), rules alone", &r.scores),
            ("stress (level ≥ low), with models", &d.scores),
        ],
    );
    let (alarms, total, share) = d.false_alarms_moderate();
    let (r_alarms, _, r_share) = r.false_alarms_moderate();
    let _ = writeln!(
        w,
        "False-alarm rate at moderate+ on no-stress posts: **{}** ({alarms} of {total}) with models, {} ({r_alarms}) rules alone.\n",
        pct(share),
        pct(r_share)
    );
    let _ = writeln!(w, "Posts by label and level, with models:\n");
    crate::report::dreaddit_levels_table(w, &d.levels);
}

fn calibration(w: &mut String, e: &Evaluation, m: &Evaluation) {
    let _ = writeln!(w, "### Calibration before and after\n");
    let _ = writeln!(
        w,
        "Expected calibration error ({CALIBRATION_BINS} equal-width bins) of the confidence, as in the \
         calibration section above. Dreaddit: before = the rules' own confidence, after = the engine's \
         confidence calibrated by `models/confidence.json` (fitted on Dreaddit train posts, never the test \
         split; \"right\" = the concern / no-concern call matching the stress label). Gaur500: before = the \
         rules-only predictor (the confidence of its most confident post of the predicted class), after = the \
         trained ordinal model's probability of its predicted class, out of fold.\n"
    );
    let _ = writeln!(w, "| set | ECE before | ECE after |");
    let _ = writeln!(w, "|---|---|---|");
    if let (Some(r), Some(d)) = (e.dreaddit.done(), m.dreaddit.done()) {
        let _ = writeln!(
            w,
            "| Dreaddit {} ({} posts) | {} | **{}** |",
            d.split,
            d.n,
            num(r.calibration.ece),
            num(d.calibration.ece)
        );
    }
    if let (Some(r), Some(g)) = (e.gaur.done(), m.gaur.done()) {
        let _ = writeln!(
            w,
            "| Gaur500 ({} users, out of fold) | {} | **{}** |",
            g.users,
            num(r.calibration.ece),
            num(g.calibration.ece)
        );
    }
    let _ = writeln!(w);
    if let Some(d) = m.dreaddit.done() {
        calibration_table(w, "Dreaddit, with models", &d.calibration);
    }
    if let Some(g) = m.gaur.done() {
        calibration_table(w, "Gaur500, trained model", &g.calibration);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use threadcare_engine::Engine;

    use crate::report::markdown;
    use crate::trained::evaluate_with_models;

    #[test]
    fn the_report_shows_rules_and_models_side_by_side() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let rules = Engine::rules_only().expect("rules");
        let full = Engine::embedded().expect("rules and models");
        let e = evaluate_with_models(
            &rules,
            &full,
            &data,
            Path::new(env!("CARGO_MANIFEST_DIR")),
            1,
            &|_| {},
        );
        let m = e
            .with_models
            .as_deref()
            .expect("the evaluation with models");
        assert!(m.with_models.is_none());
        assert!(m
            .gaur
            .done()
            .is_some_and(|g| g.cv.name.starts_with("trained")));
        let md = markdown(&e);
        assert!(
            md.contains("| threadcare (rules) | threadcare (with models) |"),
            "{md}"
        );
        assert!(md.contains(super::HEADING));
        assert!(md.contains("### Calibration before and after"));
        assert!(md.contains("burdensomeness, with models"));
        assert!(!md.contains("The engine is rules only"));
        let rules_only = markdown(&crate::evaluate(&rules, &data, Path::new("."), &|_| {}));
        assert!(
            rules_only.contains("The engine is rules only") && !rules_only.contains(super::HEADING)
        );
    }
}
