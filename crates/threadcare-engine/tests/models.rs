//! The engine with models: a model-found risk factor is a signal quoting its evidence and raises
//! a level to low at most; a reply's empathy and every confidence come from the models; posts,
//! not replies, get factors. The models here are small hand-made ones, so that each test says
//! exactly what a model does; the shipped models are checked to load.

use threadcare_core::{Format, Item, ItemKind, Level, Position, Source, Thread};
use threadcare_engine::model::features::named;
use threadcare_engine::model::{Linear, Models};
use threadcare_engine::Engine;

fn binary(name: &str, rows: &[(&str, f32)], bias: f32) -> Linear {
    let mut m = Linear::new(
        name,
        vec!["absent".into(), "present".into()],
        vec![bias],
        rows.iter().map(|(f, w)| (named(f), vec![*w])).collect(),
    );
    m.threshold = Some(0.5);
    m
}

fn grades(name: &str, rows: &[(&str, [f32; 3])]) -> Linear {
    let mut m = Linear::new(
        name,
        vec!["none".into(), "weak".into(), "strong".into()],
        vec![1.0, 0.0, 0.0],
        rows.iter().map(|(f, w)| (named(f), w.to_vec())).collect(),
    );
    m.combine = Some("model".into());
    m
}

/// Made-up words that no construct pattern will ever match stand for what a model learned:
/// burdensomeness when the writer is "a quillbeam", thwarted belonging when "a glimmerfen".
/// (Word features have values near 1/√(number of features): the weights are large so that one
/// or two words decide.)
fn factor_models() -> Models {
    Models {
        irf_burden: Some(binary(
            "irf_burden",
            &[("w:quillbeam", 30.0), ("b:a quillbeam", 30.0)],
            -6.0,
        )),
        irf_belong: Some(binary("irf_belong", &[("w:glimmerfen", 60.0)], -6.0)),
        ..Models::default()
    }
}

fn rules() -> Engine {
    Engine::rules_only().expect("the rules load")
}

const TWO_FACTORS: &str = "Some weeks I am a quillbeam on my crew. Most days I am a glimmerfen among people in the office. The bus was late again.";

#[test]
fn a_model_factor_is_a_signal_quoting_its_evidence() {
    let plain = rules().assess_text(TWO_FACTORS);
    assert!(
        !plain
            .signals
            .iter()
            .any(|s| s.construct == "burdensomeness" || s.construct == "thwarted_belonging"),
        "the rules alone find neither factor in these words: {:?}",
        plain.signals
    );
    let engine = rules().with_models(factor_models());
    let a = engine.assess_text(TWO_FACTORS);
    let burden = a
        .signals
        .iter()
        .find(|s| s.rule == "model:irf_burden")
        .expect("a burdensomeness signal");
    assert_eq!(burden.construct, "burdensomeness");
    assert_eq!(burden.text, "Some weeks I am a quillbeam on my crew");
    assert_eq!(&TWO_FACTORS[burden.start..burden.end], burden.text);
    assert!(burden.affirmed());
    let belong = a
        .signals
        .iter()
        .find(|s| s.rule == "model:irf_belong")
        .expect("a belonging signal");
    assert_eq!(belong.construct, "thwarted_belonging");
    assert_eq!(
        belong.text,
        "Most days I am a glimmerfen among people in the office"
    );
    assert!(a.factors.risk.contains(&"burdensomeness".to_string()));
    assert!(a.factors.risk.contains(&"thwarted_belonging".to_string()));
    // Signals stay in text order.
    assert!(
        a.signals.windows(2).all(|w| w[0].start <= w[1].start),
        "{:?}",
        a.signals
    );
    // Two strong factors from the rules would make it moderate; found by models, it is low.
    assert_eq!(a.level, Level::Low);
    assert!(
        a.explanation
            .contains("'Some weeks I am a quillbeam on my crew'"),
        "{}",
        a.explanation
    );
    assert_eq!(plain.level, Level::None);
}

/// The sentence quoted for a factor must be about it: one carrying the rules' evidence of another
/// risk is never quoted, and thwarted belonging needs a sentence about people, being alone or left
/// out.
#[test]
fn a_factor_quotes_a_sentence_about_it_or_nothing() {
    let engine = rules().with_models(factor_models());
    // Without the gates both would be quoted (the control):
    let control = engine.assess_text(
        "I am a quillbeam at work these days. Most days I am a glimmerfen among people. The bus was late again today and the rain kept on falling.",
    );
    assert!(control.signals.iter().any(|s| s.rule == "model:irf_burden"));
    assert!(control.signals.iter().any(|s| s.rule == "model:irf_belong"));
    // The only "quillbeam" sentence is also a statement of intent: no burdensomeness quote.
    let a = engine.assess_text(
        "I am a quillbeam and I'm going to kill myself tonight. The bus was late again today and the rain kept on falling all afternoon.",
    );
    assert!(
        !a.signals.iter().any(|s| s.rule == "model:irf_burden"),
        "{:?}",
        a.signals
    );
    // A "glimmerfen" sentence about nothing social: no thwarted-belonging quote.
    let a = engine.assess_text(
        "Most days I am a glimmerfen at my desk by the window. The bus was late again today and the rain kept on falling all afternoon.",
    );
    assert!(
        !a.signals.iter().any(|s| s.rule == "model:irf_belong"),
        "{:?}",
        a.signals
    );
}

/// A one-word sentence (a heading, a fragment) is never a factor's evidence, even when it is the
/// sentence the model ranks highest.
#[test]
fn a_one_word_sentence_is_never_the_quote() {
    let engine = rules().with_models(factor_models());
    let a = engine.assess_text(
        "Quillbeam. Work made me feel like quillbeam again these days. The bus was late again today and the rain kept on falling.",
    );
    let quote: Vec<&str> = a
        .signals
        .iter()
        .filter(|s| s.rule == "model:irf_burden")
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        quote,
        ["Work made me feel like quillbeam again these days"],
        "{:?}",
        a.signals
    );
    // With only the heading to quote, nothing is added.
    let a = engine.assess_text(
        "Quillbeam. The bus was late again today and the rain kept on falling all afternoon long.",
    );
    assert!(
        !a.signals.iter().any(|s| s.rule == "model:irf_burden"),
        "{:?}",
        a.signals
    );
}

/// A content warning over a post ("TW: …") is a label for readers: the factor models read the
/// text without it, so its words neither raise a factor nor are quoted as one; the same words in
/// the writer's own sentence still count.
#[test]
fn a_content_warning_is_not_read_by_the_factor_models() {
    let engine = rules().with_models(factor_models());
    let calm = "The bus was late again today and the rain kept on falling all afternoon long, so I read my book at the stop until it came.";
    for warning in [
        "TW: feeling like a quillbeam.",
        "CW: a quillbeam, loss.",
        "Trigger warning for a quillbeam.",
        "Content warnings: a quillbeam.",
    ] {
        let a = engine.assess_text(&format!("{warning} {calm}"));
        assert!(
            !a.signals.iter().any(|s| s.rule == "model:irf_burden"),
            "{warning}: {:?}",
            a.signals
        );
        assert_eq!(a.level, Level::None, "{warning}");
    }
    // The control: the writer's own sentence with the same word is read and quoted, with a
    // warning before it or not.
    for text in [
        format!("I feel like a quillbeam lately. {calm}"),
        format!("TW: a quillbeam. I feel like a quillbeam lately. {calm}"),
    ] {
        let quote: Vec<&str> = engine
            .assess_text(&text)
            .signals
            .iter()
            .filter(|s| s.rule == "model:irf_burden")
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(quote, ["I feel like a quillbeam lately"], "{text}");
    }
}

#[test]
fn no_factor_without_a_positive_sentence_or_under_the_threshold() {
    // Positive by its bias alone: nothing in the text to quote, so nothing is added.
    let biased = Models {
        irf_burden: Some(binary("irf_burden", &[("w:late", -1.0)], 5.0)),
        ..Models::default()
    };
    let a = rules()
        .with_models(biased)
        .assess_text("The bus was late again.");
    assert!(a.signals.is_empty(), "{:?}", a.signals);
    assert_eq!(a.level, Level::None);
    let a = rules()
        .with_models(factor_models())
        .assess_text("The bus was late again, and the quillbeam on the news was new.");
    assert!(
        !a.signals.iter().any(|s| s.rule.starts_with("model:")),
        "one weak word is under the threshold: {:?}",
        a.signals
    );
}

fn item(id: &str, parent: Option<&str>, kind: ItemKind, text: &str) -> Item {
    Item {
        id: id.into(),
        thread_id: "t".into(),
        parent_id: parent.map(str::to_string),
        kind,
        author: Some(id.into()),
        created_at: None,
        title: None,
        text: text.into(),
        source: Source {
            format: Format::Jsonl,
            file: "test".into(),
            position: Position::default(),
        },
    }
}

fn thread(post: &str, reply: &str) -> Thread {
    Thread {
        thread_id: "t".into(),
        title: None,
        declared_comments: None,
        items: vec![
            item("p", None, ItemKind::Post, post),
            item("c", Some("p"), ItemKind::Comment, reply),
        ],
    }
}

#[test]
fn factors_are_found_in_posts_not_replies() {
    let engine = rules().with_models(factor_models());
    let t = engine.assess_thread(&thread(
        TWO_FACTORS,
        "You are not a quillbeam and not a glimmerfen to me.",
    ));
    assert!(t.items[0]
        .assessment
        .signals
        .iter()
        .any(|s| s.rule == "model:irf_burden"));
    assert!(
        !t.items[1]
            .assessment
            .signals
            .iter()
            .any(|s| s.rule.starts_with("model:")),
        "{:?}",
        t.items[1].assessment.signals
    );
}

#[test]
fn reply_empathy_comes_from_the_models() {
    let models = Models {
        epitome: Some([
            grades(
                "epitome_emotional_reaction",
                &[("w:sorry", [0.0, 0.0, 30.0])],
            ),
            grades(
                "epitome_interpretation",
                &[("b:been there", [0.0, 30.0, 0.0])],
            ),
            grades("epitome_exploration", &[("q:how", [0.0, 0.0, 30.0])]),
        ]),
        ..Models::default()
    };
    let post = "Work has been hard and I keep crying at night.";
    let reply = "I am so sorry. How are you holding up this week?";
    let with = rules()
        .with_models(models.clone())
        .assess_thread(&thread(post, reply));
    let r = with.items[1]
        .assessment
        .reply
        .as_ref()
        .expect("a reply assessment");
    assert_eq!(
        (
            r.empathy.emotional_reaction,
            r.empathy.interpretation,
            r.empathy.exploration
        ),
        (2, 0, 2)
    );
    assert!(r.supportive);
    let cold = rules()
        .with_models(models)
        .assess_thread(&thread(post, "Ok."));
    let r = cold.items[1].assessment.reply.as_ref().unwrap();
    assert_eq!(
        (
            r.empathy.emotional_reaction,
            r.empathy.interpretation,
            r.empathy.exploration
        ),
        (0, 0, 0)
    );
    assert!(!r.supportive);
    // The post itself is not graded as a reply.
    assert!(with.items[0].assessment.reply.is_none());
}

#[test]
fn confidence_comes_from_the_calibration_model() {
    let text = "I feel so alone and tired of everything.";
    let plain = rules().assess_text(text);
    let flat = Models {
        confidence: Some(binary("confidence", &[], 0.0)),
        ..Models::default()
    };
    let a = rules().with_models(flat).assess_text(text);
    assert_eq!(a.confidence, 0.5);
    assert_eq!(a.level, plain.level, "calibration never changes the level");
    assert_ne!(plain.confidence, 0.5);
}

#[test]
fn the_embedded_engine_has_every_model() {
    let engine = Engine::embedded().expect("rules and models load");
    let m = engine.models().expect("models");
    assert!(
        m.epitome.is_some()
            && m.irf_burden.is_some()
            && m.irf_belong.is_some()
            && m.confidence.is_some()
    );
    // Confidence is a probability for every text.
    for text in [
        "",
        "Nothing much happened today.",
        "I want to die and I have the pills here.",
    ] {
        let c = engine.assess_text(text).confidence;
        assert!((0.0..=1.0).contains(&c), "{c}");
    }
}

/// With a sentence model, a factor's score mixes the post model's probability with the largest
/// sentence probability (by the sentence model's `weight`), and the sentence quoted is the one
/// the sentence model ranks highest, not the one whose words raised the post model most.
#[test]
fn a_sentence_model_scores_and_picks_the_quoted_sentence() {
    const TEXT: &str = "The crew met the whole crew of another crew at the depot. Some weeks I am a quillbeam and nobody would notice. The bus was late again today.";
    // The post model likes "crew" but stays below its threshold here (p ≈ 0.15).
    let post = || binary("irf_burden", &[("w:crew", 4.0)], -3.0);
    let sentences = |weight: f32| {
        let mut m = binary("irf_burden_sentences", &[("w:quillbeam", 80.0)], -8.0);
        m.weight = Some(weight);
        m
    };
    let quoted = |models: Models| {
        rules()
            .with_models(models)
            .assess_text(TEXT)
            .signals
            .into_iter()
            .find(|s| s.rule == "model:irf_burden")
            .map(|s| s.text)
    };
    // Below the threshold alone: nothing.
    assert_eq!(
        quoted(Models {
            irf_burden: Some(post()),
            ..Models::default()
        }),
        None
    );
    // Mixed half and half with a sentence the sentence model is sure of: found, and the quote is
    // that sentence.
    assert_eq!(
        quoted(Models {
            irf_burden: Some(post()),
            irf_burden_sentences: Some(sentences(0.5)),
            ..Models::default()
        })
        .as_deref(),
        Some("Some weeks I am a quillbeam and nobody would notice")
    );
    // Weight 0: the post model's probability alone decides, so still nothing.
    assert_eq!(
        quoted(Models {
            irf_burden: Some(post()),
            irf_burden_sentences: Some(sentences(0.0)),
            ..Models::default()
        }),
        None
    );
    // A confident post model without a sentence model quotes its own best sentence.
    let sure = binary("irf_burden", &[("w:crew", 40.0)], -3.0);
    assert_eq!(
        quoted(Models {
            irf_burden: Some(sure.clone()),
            ..Models::default()
        })
        .as_deref(),
        Some("The crew met the whole crew of another crew at the depot")
    );
    // With one, the sentence model chooses the quote among the sentences that may be quoted.
    assert_eq!(
        quoted(Models {
            irf_burden: Some(sure),
            irf_burden_sentences: Some(sentences(0.25)),
            ..Models::default()
        })
        .as_deref(),
        Some("Some weeks I am a quillbeam and nobody would notice")
    );
}

#[test]
fn a_sentence_model_without_its_weight_does_not_load() {
    let files = threadcare_engine::model::embedded_files();
    let mut m = Linear::from_file(files[6].0, files[6].1).expect("the shipped file loads");
    assert!(m.weight.is_some(), "shipped with a weight");
    m.weight = None;
    let text = m.to_file();
    let mut owned: Vec<(&str, &str)> = files.to_vec();
    owned[6].1 = &text;
    let err = Models::from_files(&owned).unwrap_err().to_string();
    assert!(
        err.contains("irf_burden_sentences.json") && err.contains("weight"),
        "{err}"
    );
}
