//! The loaders on small synthetic files with the real sets' columns (`tests/data/`, our own
//! words), then a whole evaluation over them with the embedded engine: every row is either used
//! or reported, and every section of the report is written whatever the constructs contain.

use std::path::{Path, PathBuf};

use threadcare_engine::{construct, context, Engine, Signals};
use threadcare_eval::data::{self, PostsParse};
use threadcare_eval::{evaluate, report, Outcome};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The engine with the embedded context rules but no constructs: finds nothing, so the harness
/// is tested on an engine whatever the construct files hold.
fn bare_engine() -> Engine {
    let lexicon =
        construct::parse_lexicon(construct::embedded_lexicon()).expect("the lexicon loads");
    let context =
        context::Context::new(context::embedded(), &lexicon).expect("the context rules load");
    Engine::new(Signals::new(Vec::new(), context, &lexicon).expect("no patterns to fail"))
}

fn skips(s: &[data::Skip]) -> Vec<(String, u64)> {
    s.iter().map(|s| (s.file.clone(), s.position)).collect()
}

#[test]
fn gaur500_cells_parsed_recovered_and_bad_rows_reported() {
    let l = data::load_gaur500(&root()).unwrap();
    let users: Vec<(&str, usize, usize, PostsParse)> = l
        .rows
        .iter()
        .map(|u| (u.user.as_str(), u.label, u.posts.len(), u.parse))
        .collect();
    assert_eq!(
        users,
        [
            ("user-0", 0, 2, PostsParse::Complete),
            ("user-1", 1, 2, PostsParse::Complete),
            ("user-2", 2, 2, PostsParse::Truncated { partial_kept: true }),
            ("user-3", 3, 1, PostsParse::Complete),
            ("user-4", 4, 1, PostsParse::Complete),
            ("user-5", 2, 1, PostsParse::WholeCell),
            ("user-8", 0, 0, PostsParse::Complete),
        ]
    );
    // Escapes decoded as Python would: \' \n \xe9, and a double-quoted post with an apostrophe.
    assert_eq!(
        l.rows[1].posts[0],
        "Work has been rough and I can't sleep.\nEvery day feels heavy."
    );
    assert_eq!(l.rows[1].posts[1], "Caf\u{e9} shifts again, tired.");
    assert_eq!(
        l.rows[0].posts[1],
        "Please call the crisis line tonight if it's too much."
    );
    assert!(l.rows[2].posts[1].ends_with("mid-sent"));
    assert!(l.rows[2]
        .parse_error
        .as_deref()
        .unwrap()
        .contains("truncated"));
    assert_eq!(
        l.rows[5].posts,
        ["just one plain post that is not a list at all"]
    );
    let file = "gaur500/500_Reddit_users_posts_labels.csv".to_string();
    assert_eq!(skips(&l.skipped), [(file.clone(), 8), (file, 9)]);
    assert!(
        l.skipped[0].reason.contains("unknown label"),
        "{}",
        l.skipped[0]
    );
    assert!(
        l.skipped[1]
            .reason
            .contains("2 fields where the header has 3"),
        "{}",
        l.skipped[1]
    );
}

#[test]
fn irf_labels_and_ids() {
    let l = data::load_irf(&root(), "test").unwrap();
    let rows: Vec<(&str, bool, bool)> = l
        .rows
        .iter()
        .map(|r| (r.id.as_str(), r.belong, r.burden))
        .collect();
    assert_eq!(
        rows,
        [
            ("10", false, true),
            ("11", true, false),
            ("12", false, false),
            ("13", true, true),
            ("line-7", true, false)
        ]
    );
    assert_eq!(skips(&l.skipped), [("irf/test_data.csv".to_string(), 6)]);
    assert!(
        l.skipped[0].reason.contains("`belong` is \"2\""),
        "{}",
        l.skipped[0]
    );
    assert!(matches!(data::load_irf(&root(), "train"), Err(e) if e.is_missing()));
}

#[test]
fn epitome_rows_and_fixed_split() {
    for (_, stem) in data::EPITOME_MECHANISMS {
        let l = data::load_epitome(&root(), stem).unwrap();
        assert_eq!(l.rows.len(), 8, "{stem}");
        let test: Vec<String> = data::epitome_test_ids(&l.rows).into_iter().collect();
        assert_eq!(test, ["s01", "s06"], "{stem}");
        if stem == "explorations" {
            assert_eq!(
                skips(&l.skipped),
                [("epitome/explorations-reddit.csv".to_string(), 10)]
            );
            assert!(l.skipped[0].reason.contains("not 0, 1 or 2"));
        } else {
            assert!(l.skipped.is_empty(), "{stem}: {:?}", l.skipped);
        }
    }
    let er = data::load_epitome(&root(), "emotional-reactions").unwrap();
    let levels: Vec<usize> = er.rows.iter().map(|r| r.level).collect();
    assert_eq!(levels, [2, 1, 0, 0, 1, 1, 1, 1]);
    assert_eq!(
        (er.rows[7].sp_id.as_str(), er.rows[7].rp_id.as_str()),
        ("s07", "r08")
    );
}

#[test]
fn diasafety_fields_and_bad_elements() {
    let l = data::load_diasafety(&root(), "val").unwrap();
    let rows: Vec<(u64, &str, bool)> = l
        .rows
        .iter()
        .map(|r| (r.index, r.category.as_str(), r.unsafe_))
        .collect();
    assert_eq!(
        rows,
        [
            (1, "Risk Ignorance", true),
            (2, "Risk Ignorance", false),
            (3, "Risk Ignorance", false),
            (4, "Offending User", true)
        ]
    );
    let file = "diasafety/val.json".to_string();
    assert_eq!(skips(&l.skipped), [(file.clone(), 5), (file, 6)]);
    assert!(l.skipped[0].reason.contains("label"));
    assert!(l.skipped[1].reason.contains("context"));
}

#[test]
fn dreaddit_labels() {
    let l = data::load_dreaddit(&root(), "test").unwrap();
    let rows: Vec<(&str, bool)> = l.rows.iter().map(|r| (r.id.as_str(), r.stress)).collect();
    assert_eq!(
        rows,
        [("901", true), ("902", false), ("903", false), ("904", true)]
    );
    assert_eq!(
        skips(&l.skipped),
        [("dreaddit/dreaddit-test.csv".to_string(), 6)]
    );
}

#[test]
fn sdcnl_title_and_body_and_bad_labels() {
    let l = data::load_sdcnl(&root(), "training").unwrap();
    let rows: Vec<(&str, bool)> = l.rows.iter().map(|r| (r.id.as_str(), r.suicide)).collect();
    assert_eq!(rows, [("0", false), ("1", true)]);
    assert!(l.rows[1].text.starts_with("Tonight\nI keep thinking"));
    assert_eq!(
        skips(&l.skipped),
        [("sdcnl/training-set.csv".to_string(), 4)]
    );
    assert!(
        l.skipped[0].reason.contains("`is_suicide` is \"maybe\""),
        "{}",
        l.skipped[0]
    );
}

#[test]
fn missing_sets_are_skipped_with_a_reason() {
    let engine = bare_engine();
    let nowhere = root().join("no-such-folder");
    let e = evaluate(&engine, &nowhere, &root(), &|_| {});
    assert!(!e.any());
    let reasons = e.skipped();
    assert_eq!(reasons.len(), 5);
    for (reason, set) in reasons
        .iter()
        .zip(["Gaur500", "IRF", "EPITOME", "DiaSafety", "Dreaddit"])
    {
        assert!(
            reason.starts_with(set) && reason.contains("not found"),
            "{reason}"
        );
    }
}

/// Runs every set on the synthetic files and checks what does not depend on the constructs.
fn evaluate_synthetic(engine: &Engine) -> threadcare_eval::Evaluation {
    let e = evaluate(engine, &root(), &root(), &|_| {});
    assert!(e.skipped().is_empty(), "{:?}", e.skipped());
    assert_ne!(e.commit, "");

    let Outcome::Done(g) = &e.gaur else {
        panic!("Gaur500 ran")
    };
    assert_eq!((g.users, g.posts), (7, 9));
    assert_eq!(g.truth, [0, 1, 2, 3, 4, 2, 0]);
    assert_eq!(g.cv.predictions.len(), 7);
    assert_eq!(g.post_labels.iter().sum::<usize>(), 9);
    // The user with no posts is Supportive.
    assert_eq!(g.cv.predictions[6].label, 0);
    assert_eq!(
        g.parse.complete + g.parse.truncated_partial_kept + g.parse.whole_cell,
        7
    );

    let Outcome::Done(i) = &e.irf else {
        panic!("IRF ran")
    };
    assert_eq!(
        (i.n, i.burdensomeness.total(), i.belongingness.total()),
        (5, 5, 5)
    );
    assert_eq!(i.burdensomeness.tp + i.burdensomeness.fn_, 2);
    assert_eq!(i.belongingness.tp + i.belongingness.fn_, 3);

    let Outcome::Done(ep) = &e.epitome else {
        panic!("EPITOME ran")
    };
    assert_eq!(ep.mechanisms.len(), 3);
    for m in &ep.mechanisms {
        assert_eq!(
            (m.test_rows, m.test_seekers, m.scores.n),
            (2, 2, 2),
            "{}",
            m.key
        );
    }

    let Outcome::Done(d) = &e.diasafety else {
        panic!("DiaSafety ran")
    };
    assert_eq!((d.rows, d.n, d.scores.total()), (4, 3, 3));
    assert_eq!(d.scores.tp + d.scores.fn_, 1);

    let Outcome::Done(r) = &e.dreaddit else {
        panic!("Dreaddit ran")
    };
    assert_eq!(r.n, 4);
    assert_eq!(r.levels.iter().flatten().sum::<usize>(), 4);
    assert_eq!(r.calibration.bins.iter().map(|b| b.count).sum::<u64>(), 4);

    let md = report::markdown(&e);
    let mut at = 0;
    for section in report::SECTIONS {
        let found = md[at..]
            .find(&format!("\n{section}\n"))
            .unwrap_or_else(|| panic!("{section} missing or out of order"));
        at += found + 1;
    }
    assert!(md.contains(&format!("commit `{}`", e.commit)));
    assert!(!md.contains("not evaluated"), "every set ran");
    // Ids and scores only: no text of any synthetic row appears in the report.
    for phrase in [
        "landlord",
        "crisis line tonight",
        "weight on my parents",
        "pizza",
        "Panic attacks",
    ] {
        assert!(!md.contains(phrase), "the report quotes a text: {phrase}");
    }
    e
}

#[test]
fn whole_evaluation_with_no_constructs_predicts_nothing() {
    let e = evaluate_synthetic(&bare_engine());
    assert_eq!(e.constructs, 0);
    assert_eq!(
        e.constructs_missing.len(),
        threadcare_engine::assess::REQUIRED.len()
    );
    let g = e.gaur.done().unwrap();
    assert!(g.cv.predictions.iter().all(|p| p.label == 0));
    assert_eq!(g.post_labels, [9, 0, 0, 0, 0]);
    let i = e.irf.done().unwrap();
    assert_eq!(
        (
            i.burdensomeness.tp + i.burdensomeness.fp,
            i.belongingness.tp + i.belongingness.fp
        ),
        (0, 0)
    );
    assert_eq!(
        i.missing_constructs,
        ["burdensomeness", "thwarted_belonging"]
    );
    let ep = e.epitome.done().unwrap();
    assert!(ep
        .mechanisms
        .iter()
        .all(|m| m.scores.per_class[0].predicted == 2));
    let d = e.diasafety.done().unwrap();
    assert_eq!(
        (d.at_risk_unsafe, d.at_risk_safe, d.scores.tp + d.scores.fp),
        (0, 0, 0)
    );
    let r = e.dreaddit.done().unwrap();
    assert_eq!(r.levels, [[2, 0, 0, 0, 0], [2, 0, 0, 0, 0]]);
    assert_eq!(r.false_alarms_moderate(), (0, 2, 0.0));
    assert!(r.false_alarms.is_empty());
    let md = report::markdown(&e);
    assert!(md.contains("The engine has no construct `burdensomeness` or `thwarted_belonging` yet"));
}

#[test]
fn whole_evaluation_with_the_embedded_engine() {
    let engine = Engine::embedded().expect("the embedded engine loads");
    let e = evaluate_synthetic(&engine);
    assert_eq!(e.constructs, engine.signals.constructs.len());
}
