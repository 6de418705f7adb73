//! The Markdown report: what was run, on what, the numbers beside the baselines and targets, and
//! how each prediction was made. It prints ids, labels and scores only, never a text.

use std::fmt::Write as _;

use threadcare_core::Level;

use crate::data::{Skip, GAUR_LABELS};
use crate::gaur::MAPPING;
use crate::metrics::{Binary, Calibration};
use crate::tasks::{ClassReport, Evaluation, Outcome, CALIBRATION_BINS, GAUR_FOLDS, GAUR_SEED};

/// The TF-IDF + logistic-regression baselines and the targets of issue 3.
pub mod reference {
    pub const GAUR_QWK: (f64, f64) = (0.42, 0.60);
    pub const GAUR_MACRO_F1: f64 = 0.26;
    pub const IRF_BELONG: (f64, f64) = (0.76, 0.80);
    pub const IRF_BURDEN: (f64, f64) = (0.69, 0.75);
    pub const EPITOME_ER: (f64, f64) = (0.66, 0.75);
    pub const EPITOME_IP: (f64, f64) = (0.58, 0.65);
    pub const EPITOME_EX: (f64, f64) = (0.56, 0.70);
}

/// Section headings, in order; the integration test checks each is present.
pub const SECTIONS: [&str; 9] = [
    "## Summary",
    "## Gaur500",
    "## IRF",
    "## EPITOME",
    "## DiaSafety",
    "## Dreaddit",
    "## Calibration",
    "## Data notes",
    "## Sources",
];

/// A number with three decimals, or "n/a" when undefined.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "n/a".into()
    }
}

pub(crate) fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "n/a".into()
    }
}

fn verdict(value: f64, target: f64) -> &'static str {
    if value.is_finite() && value >= target {
        "met"
    } else {
        "not met"
    }
}

const NOT_RUN: &str = "not evaluated";

/// The whole report.
pub fn markdown(e: &Evaluation) -> String {
    let mut o = String::new();
    let w = &mut o;
    let _ = writeln!(w, "# threadcare evaluation\n");
    let _ = writeln!(
        w,
        "Made by `threadcare eval` at commit `{}`{} with {} ({} constructs loaded), reading the \
         public sets in `{}` in place (their texts are never copied; this report holds ids, labels \
         and scores only). {} Run time {:.1} s on {} threads. Regenerate with `cargo run --release -p \
         threadcare -- eval`.\n",
        e.commit,
        if e.uncommitted {
            " (with uncommitted changes to the constructs, context rules or engine)"
        } else {
            ""
        },
        e.engine_version,
        e.constructs,
        e.data_dir.display(),
        if e.with_models.is_some() {
            "Every figure is given for the rules alone and for the engine with its trained models \
             (`models/`, see `models/README.md`): the summary shows both; the sections below are the \
             rules' own, and the section \"With trained models\" has the details with models."
        } else {
            "The engine is rules only: nothing is trained, so every number is the rules' own."
        },
        e.seconds,
        e.threads,
    );
    if !e.constructs_missing.is_empty() {
        let _ =
            writeln!(
            w,
            "Constructs the level rules name that the engine does not have yet ({}): {}. Signals \
             of these cannot be found, so the numbers below are expected to rise as they are \
             written.\n",
            e.constructs_missing.len(),
            e.constructs_missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        );
    }
    let skipped = e.skipped();
    if !skipped.is_empty() {
        let _ = writeln!(w, "Not evaluated:\n");
        for s in skipped {
            let _ = writeln!(w, "- {s}");
        }
        let _ = writeln!(w);
    }
    summary(w, e);
    gaur(w, e);
    irf(w, e);
    epitome(w, e);
    diasafety(w, e);
    dreaddit(w, e);
    crate::report_models::section(w, e);
    calibration_section(w, e);
    data_notes(w, e);
    sources(w);
    o
}

fn summary(w: &mut String, e: &Evaluation) {
    use reference::*;
    let _ = writeln!(w, "## Summary\n");
    // With models, a second column; the target is judged on the engine as shipped (with models).
    let m = e.with_models.as_deref();
    if m.is_some() {
        let _ = writeln!(
            w,
            "| set | measure | threadcare (rules) | threadcare (with models) | TF-IDF + LR baseline | target | target met (with models) |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            w,
            "| set | measure | threadcare (rules) | TF-IDF + LR baseline | target | target met |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|");
    }
    let with_models = m.is_some();
    let row = |w: &mut String,
               set: &str,
               measure: &str,
               value: Option<f64>,
               reference: Option<(f64, f64)>,
               model_value: Option<f64>| {
        let judged = if with_models { model_value } else { value };
        let (baseline, target, met) = match (reference, judged) {
            (Some((b, t)), Some(v)) => (num(b), format!("≥ {t:.2}"), verdict(v, t).to_string()),
            (Some((b, t)), None) => (num(b), format!("≥ {t:.2}"), "–".into()),
            (None, _) => ("–".into(), "–".into(), "–".into()),
        };
        let value = value.map_or_else(|| NOT_RUN.to_string(), num);
        if with_models {
            let model_value = model_value.map_or_else(|| NOT_RUN.to_string(), num);
            let _ = writeln!(
                w,
                "| {set} | {measure} | {value} | {model_value} | {baseline} | {target} | {met} |"
            );
        } else {
            let _ = writeln!(
                w,
                "| {set} | {measure} | {value} | {baseline} | {target} | {met} |"
            );
        }
    };
    let g = e.gaur.done();
    let gset = g.map_or("Gaur500".to_string(), |g| {
        format!("Gaur500 ({} users, {GAUR_FOLDS}-fold CV)", g.users)
    });
    let mg = m.and_then(|m| m.gaur.done());
    row(
        w,
        &gset,
        "quadratic weighted kappa",
        g.map(|g| g.scores.qwk),
        Some(GAUR_QWK),
        mg.map(|g| g.scores.qwk),
    );
    if with_models {
        let _ = writeln!(
            w,
            "| {gset} | macro-F1 | {} | {} | {} | – | – |",
            g.map_or(NOT_RUN.into(), |g| num(g.scores.macro_f1)),
            mg.map_or(NOT_RUN.into(), |g| num(g.scores.macro_f1)),
            num(GAUR_MACRO_F1)
        );
    } else {
        let _ = writeln!(
            w,
            "| {gset} | macro-F1 | {} | {} | – | – |",
            g.map_or(NOT_RUN.into(), |g| num(g.scores.macro_f1)),
            num(GAUR_MACRO_F1)
        );
    }
    row(
        w,
        &gset,
        "mean absolute error (levels)",
        g.map(|g| g.scores.mae),
        None,
        mg.map(|g| g.scores.mae),
    );
    let i = e.irf.done();
    let iset = i.map_or("IRF".to_string(), |i| {
        format!("IRF {} ({} posts)", i.split, i.n)
    });
    let mi = m.and_then(|m| m.irf.done());
    row(
        w,
        &iset,
        "F1 burdensomeness (as its annotators mark it, see IRF)",
        i.map(|i| i.burdensomeness.f1()),
        Some(IRF_BURDEN),
        mi.map(|i| i.burdensomeness.f1()),
    );
    row(
        w,
        &iset,
        "F1 burdensomeness (the construct alone)",
        i.map(|i| i.burdensomeness_construct.f1()),
        None,
        mi.map(|i| i.burdensomeness_construct.f1()),
    );
    row(
        w,
        &iset,
        "F1 thwarted belongingness",
        i.map(|i| i.belongingness.f1()),
        Some(IRF_BELONG),
        mi.map(|i| i.belongingness.f1()),
    );
    let ep = e.epitome.done();
    for (key, name, reference) in [
        ("emotional_reaction", "emotional reactions", EPITOME_ER),
        ("interpretation", "interpretations", EPITOME_IP),
        ("exploration", "explorations", EPITOME_EX),
    ] {
        let mech = ep.and_then(|ep| ep.mechanisms.iter().find(|m| m.key == key));
        let model_mech = m
            .and_then(|m| m.epitome.done())
            .and_then(|ep| ep.mechanisms.iter().find(|m| m.key == key));
        let set = mech.map_or("EPITOME".to_string(), |m| {
            format!("EPITOME test ({} pairs)", m.test_rows)
        });
        row(
            w,
            &set,
            &format!("macro-F1 {name}"),
            mech.map(|m| m.scores.macro_f1),
            Some(reference),
            model_mech.map(|m| m.scores.macro_f1),
        );
    }
    let d = e.diasafety.done();
    let dset = d.map_or("DiaSafety".to_string(), |d| {
        format!("DiaSafety {} Risk Ignorance ({} pairs)", d.split, d.n)
    });
    let md = m.and_then(|m| m.diasafety.done());
    row(
        w,
        &dset,
        "F1 (Unsafe)",
        d.map(|d| d.scores.f1()),
        None,
        md.map(|d| d.scores.f1()),
    );
    let r = e.dreaddit.done();
    let rset = r.map_or("Dreaddit".to_string(), |r| {
        format!("Dreaddit {} ({} posts)", r.split, r.n)
    });
    let mr = m.and_then(|m| m.dreaddit.done());
    row(
        w,
        &rset,
        "F1 (stress = level ≥ low)",
        r.map(|r| r.scores.f1()),
        None,
        mr.map(|r| r.scores.f1()),
    );
    row(
        w,
        &rset,
        "false-alarm rate: share of no-stress posts at moderate+",
        r.map(|r| r.false_alarms_moderate().2),
        None,
        mr.map(|r| r.false_alarms_moderate().2),
    );
    if let (Some(r), Some(mr)) = (r, mr) {
        let _ = writeln!(
            w,
            "| {rset} | expected calibration error of `confidence` | {} | {} | – | – | – |",
            num(r.calibration.ece),
            num(mr.calibration.ece)
        );
    }
    let _ = writeln!(
        w,
        "\nBaselines and targets are those of issue 3 (a TF-IDF + logistic-regression baseline on the \
         same splits). A measure without a target is reported for what it shows, not as a goal.\n"
    );
}

fn skip_line(w: &mut String, o: &Outcome<impl Sized>) -> bool {
    if let Outcome::Skipped(why) = o {
        let _ = writeln!(w, "{why}.\n");
        true
    } else {
        false
    }
}

pub(crate) fn class_table(w: &mut String, s: &ClassReport, names: &[&str]) {
    let _ = writeln!(
        w,
        "| class | support | predicted | precision | recall | F1 |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    for (c, name) in names.iter().enumerate().take(s.k) {
        let p = &s.per_class[c];
        let _ = writeln!(
            w,
            "| {name} | {} | {} | {} | {} | {} |",
            p.support,
            p.predicted,
            num(p.precision),
            num(p.recall),
            num(p.f1)
        );
    }
    let _ = writeln!(w);
}

pub(crate) fn confusion_table(w: &mut String, s: &ClassReport, names: &[&str]) {
    let _ = writeln!(
        w,
        "Confusion matrix (rows: true class, columns: predicted):\n"
    );
    let _ = writeln!(w, "| true \\ predicted | {} |", names.join(" | "));
    let _ = writeln!(w, "|---|{}", "---|".repeat(names.len()));
    for (t, row) in s.confusion.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(w, "| {} | {} |", names[t], cells.join(" | "));
    }
    let _ = writeln!(w);
}

pub(crate) fn binary_table(w: &mut String, rows: &[(&str, &Binary)]) {
    let _ = writeln!(
        w,
        "| measure | n | TP | FP | FN | TN | precision | recall | F1 |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|---|---|");
    for (name, b) in rows {
        let _ = writeln!(
            w,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            b.total(),
            b.tp,
            b.fp,
            b.fn_,
            b.tn,
            num(b.precision()),
            num(b.recall()),
            num(b.f1())
        );
    }
    let _ = writeln!(w);
}

fn gaur(w: &mut String, e: &Evaluation) {
    let _ = writeln!(w, "## Gaur500\n");
    let _ = writeln!(
        w,
        "500 Reddit users, each labelled from all their posts as Supportive, Indicator, Ideation, \
         Behavior or Attempt (ordinal 0–4). Predicted per user from the engine's per-post \
         assessments:\n"
    );
    let _ = writeln!(w, "{MAPPING}\n");
    if skip_line(w, &e.gaur) {
        return;
    }
    let Some(g) = e.gaur.done() else { return };
    let _ = writeln!(
        w,
        "Scored with stratified {GAUR_FOLDS}-fold cross-validation (seed {GAUR_SEED}) through the \
         `Predictor` interface with the `{}` predictor. It fits nothing, so its out-of-fold \
         predictions are its predictions on all {} users; a trained component plugs in per fold \
         the same way.\n",
        g.cv.name, g.users
    );
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
    let _ = writeln!(
        w,
        "Posts by the class the mapping gave them ({} posts): {}.\n",
        g.posts,
        GAUR_LABELS
            .iter()
            .zip(g.post_labels)
            .map(|(l, n)| format!("{l} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn irf(w: &mut String, e: &Evaluation) {
    let _ = writeln!(w, "## IRF\n");
    let _ = writeln!(
        w,
        "Interpersonal risk factors (Joiner's interpersonal theory): `burden` (perceived \
         burdensomeness) and `belong` (thwarted belongingness), 0/1 per post, test split, positive \
         class 1. Predicted 1 when the engine finds an affirmed signal (the writer's own, not \
         negated, hypothetical or quoted; any time) of the factor: `thwarted_belonging` for \
         belongingness; for burdensomeness, what IRF's annotators mark as it.\n"
    );
    let reads = crate::tasks::IRF_BURDEN_READS;
    let grounds = match e.irf.done().and_then(|i| i.quotes) {
        Some(q) => format!(
            "Read by the rules now, {} of the {} quotes of the train split hold a signal of \
             suicidal ideation or behaviour, {} of self-injury and {} of burdensomeness. ",
            q.suicidality, q.quotes, q.self_injury, q.burdensomeness
        ),
        None => String::new(),
    };
    let _ = writeln!(
        w,
        "IRF's `burden` is wider than the construct `burdensomeness` (a liability to others, \
         others better off without one): the annotators quote as its evidence (`burden_exp`) mostly \
         the wish to die. {grounds}So the label is read as an affirmed signal of {reads}: the \
         construct, or the desire for death and the self-harm that it leads to in the interpersonal \
         theory. The reading was chosen on the train split's quotes and checked on the val split \
         (rules alone, at 7e7ec6e that chose it: F1 0.082 strict, 0.815 so read) before the \
         test split was scored with it; the row `burdensomeness (the construct alone)` keeps the \
         strict reading.\n"
    );
    if skip_line(w, &e.irf) {
        return;
    }
    let Some(i) = e.irf.done() else { return };
    if !i.missing_constructs.is_empty() {
        let _ = writeln!(
            w,
            "The engine has no construct {} yet: those predictions are all 0.\n",
            i.missing_constructs
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        );
    }
    binary_table(
        w,
        &[
            ("burdensomeness", &i.burdensomeness),
            (
                "burdensomeness (the construct alone)",
                &i.burdensomeness_construct,
            ),
            ("thwarted belongingness", &i.belongingness),
        ],
    );
}

fn epitome(w: &mut String, e: &Evaluation) {
    let _ = writeln!(w, "## EPITOME\n");
    let _ = writeln!(
        w,
        "Empathy in peer responses (Sharma et al. 2020): emotional reactions, interpretations and \
         explorations, each 0 none / 1 weak / 2 strong. Fixed split: the distinct `sp_id`s in \
         sorted order, every fifth (index 0, 5, 10, …) is test, the rest train (used only by \
         `threadcare train`). Each pair is assessed as a two-item thread: the seeker post first \
         (its level and signals), then the response as a reply to it, i.e. `assess_reply` against \
         the post's level and signals, with sentences quoting the post marked as quotes. Macro-F1 \
         over the three levels.\n"
    );
    if skip_line(w, &e.epitome) {
        return;
    }
    let Some(ep) = e.epitome.done() else { return };
    for m in &ep.missing {
        let _ = writeln!(w, "Not evaluated: {m}.\n");
    }
    if !ep.missing_constructs.is_empty() {
        let _ = writeln!(
            w,
            "The engine has no construct {} yet: those levels are all 0.\n",
            ep.missing_constructs
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        w,
        "| mechanism | test pairs (seekers) | macro-F1 | accuracy | recall 0 / 1 / 2 |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|");
    for m in &ep.mechanisms {
        let r: Vec<String> = m.scores.per_class.iter().map(|c| num(c.recall)).collect();
        let _ = writeln!(
            w,
            "| {} | {} ({}) | **{}** | {} | {} |",
            m.key.replace('_', " "),
            m.test_rows,
            m.test_seekers,
            num(m.scores.macro_f1),
            num(m.scores.accuracy),
            r.join(" / ")
        );
    }
    let _ = writeln!(w);
    for m in &ep.mechanisms {
        let _ = writeln!(w, "### {}\n", m.key.replace('_', " "));
        class_table(w, &m.scores, &["0 none", "1 weak", "2 strong"]);
        confusion_table(w, &m.scores, &["0 none", "1 weak", "2 strong"]);
    }
}

fn diasafety(w: &mut String, e: &Evaluation) {
    let _ = writeln!(w, "## DiaSafety\n");
    let _ = writeln!(
        w,
        "Validation split, category \"Risk Ignorance\" (a response that ignores the user's \
         mental-health risk); positive = `Unsafe`. Predicted Unsafe when the context is at risk \
         (its level is low or above and the writer affirms a risk construct of their own: \
         suicidality, self-harm, eating, substance, distress or another risk factor) and the \
         response, assessed as a reply to it, is not `supportive` (the engine's own call, the one \
         behind `unanswered_at_risk`: quoted empathy or a referral, no harm, and no suicidality of the \
         replier's own now).\n"
    );
    if skip_line(w, &e.diasafety) {
        return;
    }
    let Some(d) = e.diasafety.done() else { return };
    binary_table(w, &[("Unsafe (Risk Ignorance)", &d.scores)]);
    let unsafe_n = d.scores.tp + d.scores.fn_;
    let safe_n = d.scores.fp + d.scores.tn;
    let _ = writeln!(
        w,
        "Components: contexts found at risk: {} of {unsafe_n} Unsafe and {} of {safe_n} Safe pairs; \
         responses found supportive (quoted empathy or a referral, no harm, the replier not at risk now): {} of {unsafe_n} Unsafe and {} of {safe_n} Safe pairs.\n",
        d.at_risk_unsafe, d.at_risk_safe, d.supportive_unsafe, d.supportive_safe
    );
}

fn dreaddit(w: &mut String, e: &Evaluation) {
    let _ = writeln!(w, "## Dreaddit\n");
    let _ = writeln!(
        w,
        "Test split, label 1 = stress. Dreaddit holds ordinary stress (work, money, relationships, \
         PTSD, anxiety): stress is distress, so level low or above counts as predicting it; but \
         idioms and ordinary stress must not raise risk, so the key figure is how many no-stress \
         posts reach moderate or above.\n"
    );
    if skip_line(w, &e.dreaddit) {
        return;
    }
    let Some(r) = e.dreaddit.done() else { return };
    binary_table(w, &[("stress (level ≥ low)", &r.scores)]);
    let (alarms, total, share) = r.false_alarms_moderate();
    let _ = writeln!(
        w,
        "False-alarm rate at moderate+ on no-stress (label 0) posts: **{}** ({alarms} of {total}).\n",
        pct(share)
    );
    if !r.false_alarms.is_empty() {
        let ids: Vec<String> = r
            .false_alarms
            .iter()
            .take(30)
            .map(|(id, l)| format!("{id} ({l})"))
            .collect();
        let more = r.false_alarms.len().saturating_sub(30);
        let _ = writeln!(
            w,
            "Their Dreaddit ids, to inspect in the data set: {}{}.\n",
            ids.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(w, "Posts by label and level:\n");
    dreaddit_levels_table(w, &r.levels);
}

/// Dreaddit posts by their label and the level the engine gave them.
pub(crate) fn dreaddit_levels_table(w: &mut String, levels: &[[usize; 5]; 2]) {
    let names: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    let _ = writeln!(w, "| label | {} |", names.join(" | "));
    let _ = writeln!(w, "|---|{}", "---|".repeat(5));
    for (label, row) in ["0 no stress", "1 stress"].iter().zip(levels) {
        let cells: Vec<String> = row.iter().map(|n| n.to_string()).collect();
        let _ = writeln!(w, "| {label} | {} |", cells.join(" | "));
    }
    let _ = writeln!(w);
}

pub(crate) fn calibration_table(w: &mut String, title: &str, c: &Calibration) {
    let _ = writeln!(w, "### {title}\n");
    let _ = writeln!(w, "| confidence bin | n | mean confidence | accuracy |");
    let _ = writeln!(w, "|---|---|---|---|");
    for b in &c.bins {
        let close = if b.hi >= 1.0 { "]" } else { ")" };
        let _ = writeln!(
            w,
            "| [{:.1}, {:.1}{close} | {} | {} | {} |",
            b.lo,
            b.hi,
            b.count,
            num(b.mean_confidence),
            num(b.accuracy)
        );
    }
    let _ = writeln!(w, "\nExpected calibration error: **{}**.\n", num(c.ece));
}

fn calibration_section(w: &mut String, e: &Evaluation) {
    let _ = writeln!(w, "## Calibration\n");
    let _ = writeln!(
        w,
        "The engine's `confidence` in {CALIBRATION_BINS} equal-width bins against how often the \
         prediction was right. The confidence is the engine's certainty in its own level, not yet \
         calibrated on any data: for Gaur500 \"right\" is the exact user class (the confidence of \
         the most confident post of the predicted class), for Dreaddit the stress prediction \
         (level ≥ low) matching the label. Expected calibration error = Σ (n_bin / n) × \
         |accuracy − mean confidence|.\n"
    );
    match e.gaur.done() {
        Some(g) => calibration_table(w, "Gaur500", &g.calibration),
        None => {
            let _ = writeln!(w, "### Gaur500\n\n{NOT_RUN}.\n");
        }
    }
    match e.dreaddit.done() {
        Some(r) => calibration_table(w, "Dreaddit", &r.calibration),
        None => {
            let _ = writeln!(w, "### Dreaddit\n\n{NOT_RUN}.\n");
        }
    }
}

fn skips(w: &mut String, set: &str, skipped: &[Skip]) {
    if skipped.is_empty() {
        let _ = writeln!(w, "- {set}: no row skipped.");
        return;
    }
    let _ = writeln!(w, "- {set}: {} rows skipped:", skipped.len());
    for s in skipped.iter().take(20) {
        let _ = writeln!(w, "  - {s}");
    }
    if skipped.len() > 20 {
        let _ = writeln!(w, "  - … and {} more", skipped.len() - 20);
    }
}

fn data_notes(w: &mut String, e: &Evaluation) {
    let _ = writeln!(w, "## Data notes\n");
    if let Some(g) = e.gaur.done() {
        let p = &g.parse;
        let _ = writeln!(
            w,
            "- Gaur500: {} users, {} posts. `Post` cells read as Python list literals: {} complete; \
             {} cut short inside a post (the complete posts kept, and the cut post as a partial \
             last post); {} cut short with nothing after the last complete post; {} with another \
             syntax error (strings before it kept, the rest as one post); {} not a list (the whole \
             cell as one post). No cell is dropped.",
            g.users, g.posts, p.complete, p.truncated_partial_kept, p.truncated_nothing_after, p.recovered, p.whole_cell
        );
        skips(w, "Gaur500", &g.skipped);
    }
    if let Some(i) = e.irf.done() {
        skips(w, &format!("IRF {}", i.split), &i.skipped);
    }
    if let Some(ep) = e.epitome.done() {
        for m in &ep.mechanisms {
            let _ = writeln!(
                w,
                "- EPITOME {}: {} pairs in the file, {} in the test split.",
                m.file_stem, m.rows, m.test_rows
            );
            skips(w, &format!("EPITOME {}", m.file_stem), &m.skipped);
        }
    }
    if let Some(d) = e.diasafety.done() {
        let _ = writeln!(
            w,
            "- DiaSafety {}: {} pairs, {} in Risk Ignorance.",
            d.split, d.rows, d.n
        );
        skips(w, &format!("DiaSafety {}", d.split), &d.skipped);
    }
    if let Some(r) = e.dreaddit.done() {
        skips(w, &format!("Dreaddit {}", r.split), &r.skipped);
    }
    let _ = writeln!(
        w,
        "- EPITOME's published numbers were trained on Reddit and TalkLife; our split is our own, \
         so the numbers are not directly comparable. IRF shares many posts with other sets by the \
         same authors: nothing here is trained on one and reported on another.\n"
    );
}

fn sources(w: &mut String) {
    let _ = writeln!(w, "## Sources\n");
    let _ = writeln!(
        w,
        "- Gaur500: Gaur et al., \"Knowledge-aware assessment of severity of suicide risk for early \
         intervention\", WWW 2019; data CC BY, Zenodo 10.5281/zenodo.2667859.\n\
         - IRF: Garg et al., ACL 2023 (interpersonal risk factors with explanations).\n\
         - EPITOME: Sharma et al., \"A Computational Approach to Understanding Empathy Expressed in \
         Text-Based Mental Health Support\", EMNLP 2020.\n\
         - DiaSafety: Sun et al., \"On the Safety of Conversational Models\", Findings of ACL 2022; \
         Apache-2.0.\n\
         - Dreaddit: Turcan & McKeown, \"Dreaddit: A Reddit Dataset for Stress Analysis in Social \
         Media\", 2019.\n\
         - Quadratic weighted kappa: Cohen 1968; expected calibration error: Naeini et al. 2015, \
         Guo et al. 2017."
    );
}
