//! The whole evaluation on the public sets in `../shared/datasets`, when they are there: every
//! set runs, the report has every section, and every number is in its range. No accuracy
//! threshold is asserted: the engine is changing, and the report is where its numbers live.

use std::path::{Path, PathBuf};

use threadcare_engine::Engine;
use threadcare_eval::data::GAUR_LABELS;
use threadcare_eval::metrics::{Binary, Calibration};
use threadcare_eval::tasks::ClassReport;
use threadcare_eval::{evaluate, report};

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "skipped: {} not found (the public evaluation sets are not here)",
            dir.display()
        );
        None
    }
}

fn unit(name: &str, x: f64) {
    assert!((0.0..=1.0).contains(&x), "{name} = {x} is outside [0, 1]");
}

fn check_binary(name: &str, b: &Binary, n: usize) {
    assert_eq!(b.total() as usize, n, "{name}: every row scored");
    assert!(
        b.tp + b.fn_ > 0 && b.fp + b.tn > 0,
        "{name}: both classes present in the truth"
    );
    unit(&format!("{name} precision"), b.precision());
    unit(&format!("{name} recall"), b.recall());
    unit(&format!("{name} F1"), b.f1());
}

fn check_classes(name: &str, s: &ClassReport, n: usize) {
    assert_eq!(s.n, n, "{name}: every row scored");
    assert_eq!(
        s.confusion.iter().flatten().sum::<u64>() as usize,
        n,
        "{name}: confusion total"
    );
    assert!(
        s.qwk.is_nan() || (-1.0..=1.0).contains(&s.qwk),
        "{name}: QWK {}",
        s.qwk
    );
    unit(&format!("{name} macro-F1"), s.macro_f1);
    unit(&format!("{name} accuracy"), s.accuracy);
    assert!(
        (0.0..=(s.k - 1) as f64).contains(&s.mae),
        "{name}: MAE {}",
        s.mae
    );
    for (c, p) in s.per_class.iter().enumerate() {
        unit(&format!("{name} class {c} recall"), p.recall);
        unit(&format!("{name} class {c} precision"), p.precision);
    }
}

fn check_calibration(name: &str, c: &Calibration, n: usize) {
    assert_eq!(
        c.bins.iter().map(|b| b.count).sum::<u64>() as usize,
        n,
        "{name}: every row binned"
    );
    unit(&format!("{name} ECE"), c.ece);
    for b in c.bins.iter().filter(|b| b.count > 0) {
        assert!(
            b.lo <= b.mean_confidence && b.mean_confidence <= b.hi,
            "{name}: bin {b:?}"
        );
        unit(&format!("{name} bin accuracy"), b.accuracy);
    }
}

#[test]
fn full_evaluation_on_the_public_sets() {
    let Some(dir) = data_dir() else { return };
    let engine = Engine::embedded().expect("the embedded engine loads");
    let e = evaluate(
        &engine,
        &dir,
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &|line| println!("{line}"),
    );
    assert!(
        e.skipped().is_empty(),
        "every set is present: {:?}",
        e.skipped()
    );
    assert_ne!(e.commit, "", "a commit or \"unknown\"");

    let g = e.gaur.done().unwrap();
    assert_eq!(g.users, 500, "no Gaur500 user dropped");
    assert!(g.skipped.is_empty(), "{:?}", g.skipped);
    let counts: Vec<usize> = (0..5)
        .map(|c| g.truth.iter().filter(|&&t| t == c).count())
        .collect();
    assert_eq!(
        counts,
        [108, 99, 171, 77, 45],
        "labels {GAUR_LABELS:?} as the README counts them"
    );
    // The README: 28 cells do not parse as Python literals; all are recovered, none dropped.
    assert_eq!(g.parse.complete, 472);
    assert_eq!(
        g.parse.truncated_partial_kept
            + g.parse.truncated_nothing_after
            + g.parse.recovered
            + g.parse.whole_cell,
        28
    );
    assert!(g.posts > 6_000, "{} posts", g.posts);
    check_classes("Gaur500", &g.scores, 500);
    assert_eq!(g.fold_qwk.len(), 5);
    assert!(g
        .fold_qwk
        .iter()
        .all(|q| q.is_nan() || (-1.0..=1.0).contains(q)));
    check_calibration("Gaur500", &g.calibration, 500);

    let i = e.irf.done().unwrap();
    assert_eq!(i.n, 1057);
    check_binary("IRF burdensomeness", &i.burdensomeness, 1057);
    check_binary("IRF belongingness", &i.belongingness, 1057);
    check_binary(
        "IRF burdensomeness, the construct alone",
        &i.burdensomeness_construct,
        1057,
    );
    // Reading the label more widely can only find more of it.
    assert!(i.burdensomeness.recall() >= i.burdensomeness_construct.recall());
    // The grounds for that reading are counted on the train split's quotes.
    let q = i.quotes.expect("the train split is beside the test split");
    assert!(q.quotes > 600 && q.quotes <= 636, "{q:?}");
    assert!(q.suicidality > q.burdensomeness, "{q:?}");

    let ep = e.epitome.done().unwrap();
    assert_eq!(ep.mechanisms.len(), 3);
    for m in &ep.mechanisms {
        assert_eq!(m.rows, 3084, "{}", m.key);
        // Every fifth of 2,979 distinct seeker posts.
        assert_eq!(m.test_seekers, 596, "{}", m.key);
        assert!(m.test_rows >= m.test_seekers, "{}", m.key);
        check_classes(m.key, &m.scores, m.test_rows);
    }

    let d = e.diasafety.done().unwrap();
    assert_eq!((d.rows, d.n), (1097, 194));
    check_binary("DiaSafety", &d.scores, 194);

    let r = e.dreaddit.done().unwrap();
    assert_eq!(r.n, 715);
    check_binary("Dreaddit", &r.scores, 715);
    let (alarms, no_stress, share) = r.false_alarms_moderate();
    assert_eq!(no_stress, 346);
    assert!(alarms <= no_stress);
    unit("Dreaddit false alarms", share);
    check_calibration("Dreaddit", &r.calibration, 715);

    let md = report::markdown(&e);
    for section in report::SECTIONS {
        assert!(md.contains(&format!("\n{section}\n")), "{section} missing");
    }
    assert!(md.contains(&format!("commit `{}`", e.commit)));
    // Every cell of the summary's value column is a number in range (no "not evaluated").
    let summary = &md[md.find("## Summary").unwrap()..md.find("## Gaur500").unwrap()];
    let rows: Vec<&str> = summary
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| set"))
        .collect();
    assert_eq!(rows.len(), 12, "summary rows");
    for row in rows {
        let value = row.split('|').nth(3).unwrap().trim();
        let x: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number in the summary: {row}"));
        assert!((-1.0..=4.0).contains(&x), "{row}");
    }
}
