//! Missing a person in danger is the worst error (DESIGN §1): plain, varied ways of saying the
//! most urgent things must reach their level, and everyday sentences that share their words must
//! not. Each line is our own sentence, written to probe a phrasing the rules once missed.

use threadcare_core::{Format, Level, Thread};
use threadcare_engine::Engine;
use threadcare_ingest::Collect;

/// (text, the lowest acceptable level)
const URGENT: &[(&str, Level)] = &[
    (
        "I have been hiding pills for weeks and tonight I will take them all.",
        Level::Imminent,
    ),
    (
        "I swallowed everything in the medicine cabinet about twenty minutes ago.",
        Level::Imminent,
    ),
    (
        "I took 30 of my sertraline an hour ago and now I feel sick.",
        Level::Imminent,
    ),
    (
        "I've got the rope in the garage, I just need everyone to go to bed.",
        Level::Imminent,
    ),
    (
        "I wrote letters to my kids tonight and put them where they'll find them in the morning.",
        Level::Imminent,
    ),
    (
        "I'm going to end things tonight, I've made up my mind.",
        Level::Imminent,
    ),
    (
        "I stood on the platform edge this morning and nearly stepped off.",
        Level::Imminent,
    ),
    (
        "I said goodbye to my mum today and gave the cat to a neighbour, it's time.",
        Level::Imminent,
    ),
    (
        "I cut deeper than ever before and it won't stop bleeding.",
        Level::Imminent,
    ),
    (
        "This is my last post. Thank you all for trying. Goodbye.",
        Level::Imminent,
    ),
    (
        "I relapsed and burned myself with a lighter last night.",
        Level::Severe,
    ),
    (
        "I've been purging after every meal for two weeks.",
        Level::Severe,
    ),
    (
        "I wish I could go to sleep and never wake up.",
        Level::Moderate,
    ),
    ("I don't want to live anymore.", Level::Moderate),
    ("honestly i just wanna kms", Level::Moderate),
    ("I keep thinking about sewerslide lately.", Level::Moderate),
    ("I ctb tonight, sorry everyone.", Level::Imminent),
    (
        "Nothing matters anymore and I'm tired of being alive.",
        Level::Moderate,
    ),
    (
        "I'm scared I might hurt myself if she leaves.",
        Level::Moderate,
    ),
    ("I haven't eaten anything since Sunday.", Level::Severe),
    (
        "I only let myself have 300 calories a day now.",
        Level::Severe,
    ),
    (
        "Part of me wants to overdose just to make it stop.",
        Level::Severe,
    ),
    ("The voices keep telling me I should die.", Level::Moderate),
    ("I have been planning my suicide for weeks.", Level::Severe),
    (
        "I used to self harm as a teenager but I've been clean for eight years.",
        Level::Low,
    ),
    (
        "Sometimes I wonder if anyone would notice if I was gone.",
        Level::Low,
    ),
    (
        "Everyone would be better off if I just disappeared for good.",
        Level::Low,
    ),
    // Imagining one's own overdose is a thought of suicide (C-SSRS screener question 2), even
    // when the writer turns to help at once: moderate, with help-seeking as protective.
    (
        "What if I just took all my pills? No, I won't, I called my therapist instead.",
        Level::Moderate,
    ),
];

/// Everyday sentences sharing words with the patterns above: must stay `none`.
const EVERYDAY: &[&str] = &[
    "We took all the kids to the cinema, they loved it.",
    "I've got a rope swing in the garden for the kids.",
    "I attempted the recipe twice before it worked.",
    "Once everyone's asleep I'm going to finish my essay.",
    "I've been saving up for weeks for a new bike.",
    "Stockpiling snacks for the storm, we are ready.",
    "Tonight I'll take them all to the cinema for my sister's birthday.",
    "I'm going to end things with him tonight, the relationship is over.",
    "We said goodbye to the holiday cottage and it's time to get back to work.",
    "I nearly jumped out of my skin when the door slammed.",
    "I took everything from the drawer to the charity shop.",
    "I catch the bus tomorrow at seven to get to work.",
    "I ran 10 kms this morning before breakfast.",
    "Mum keeps her tablets in a locked box so my little brother can't find them.",
    "We're planning my death scene for the school play, I get to faint dramatically.",
];

#[test]
fn urgent_phrasings_reach_their_level() {
    let engine = Engine::embedded().unwrap();
    let mut missed = Vec::new();
    for (text, min) in URGENT {
        let a = engine.assess_text(text);
        if a.level < *min {
            missed.push(format!(
                "{text:?}: {} (wanted {min}+): {}",
                a.level, a.explanation
            ));
        }
        if a.level > Level::Low {
            assert!(
                a.signals.iter().any(|s| s.affirmed()),
                "{text:?} is {} without an affirmed span",
                a.level
            );
        }
    }
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
}

#[test]
fn everyday_sentences_stay_none() {
    let engine = Engine::embedded().unwrap();
    let raised: Vec<String> = EVERYDAY
        .iter()
        .map(|text| (text, engine.assess_text(text)))
        .filter(|(_, a)| a.level != Level::None)
        .map(|(text, a)| format!("{text:?}: {}: {}", a.level, a.explanation))
        .collect();
    assert!(raised.is_empty(), "raised:\n{}", raised.join("\n"));
}

/// Harmful replies to a person at risk, each of a kind DESIGN §7 names, and replies that help.
#[test]
fn harmful_replies_to_a_person_at_risk_are_named() {
    let engine = Engine::embedded().unwrap();
    let post =
        "I've got the pills lined up and I'm going to take them tonight. I can't do this anymore.";
    let replies: &[(&str, Option<&str>)] = &[
        ("Do it, nobody will miss you anyway.", Some("encouragement")),
        ("If you're going to do it, take them with alcohol so it works.", Some("method_or_means")),
        ("You're just being dramatic, everyone has bad days.", Some("invalidation")),
        ("Just don't eat tomorrow either, you'll feel so light and in control.", Some("pro_eating_disorder")),
        ("I'm so sorry you're hurting this much. Please call a crisis line or go to A&E right now.", None),
    ];
    let mut lines = vec![
        serde_json::json!({"id": "p", "thread_id": "p", "author": "op", "text": post}).to_string(),
    ];
    for (i, (text, _)) in replies.iter().enumerate() {
        lines.push(
            serde_json::json!({"id": format!("r{i}"), "thread_id": "p", "parent_id": "p", "kind": "comment", "author": format!("u{i}"), "text": text})
                .to_string(),
        );
    }
    let jsonl = lines.join("\n");
    let c = Collect::read(Format::Jsonl, "test.jsonl", jsonl.as_bytes());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let thread = Thread::group(c.items, &c.threads).remove(0);
    let assessed = engine.assess_thread(&thread);
    assert_eq!(
        assessed.items[0].assessment.level,
        Level::Imminent,
        "the post"
    );
    for (i, (text, harm)) in replies.iter().enumerate() {
        let reply = assessed.items[i + 1].assessment.reply.as_ref().unwrap();
        match harm {
            Some(kind) => {
                assert!(
                    reply.harmful.iter().any(|h| h == kind),
                    "{text:?}: {:?}",
                    reply.harmful
                );
                assert!(!reply.supportive, "{text:?} counted as supportive");
            }
            None => {
                assert!(reply.harmful.is_empty(), "{text:?}: {:?}", reply.harmful);
                assert!(reply.supportive && reply.referral, "{text:?}: {reply:?}");
            }
        }
    }
    assert!(
        !assessed.summary.unanswered_at_risk,
        "one reply points to help"
    );
}

/// Someone else's words reported in quotation marks are concern for someone else (`low`, with
/// `concern_for_other`); quoted lyrics or one's own inner words are not.
#[test]
fn reported_speech_is_concern_for_someone_else() {
    let engine = Engine::embedded().unwrap();
    for text in [
        "My friend said \"I'm going to end it all\" and I'm worried sick about her.",
        "She texted me \"I want to die\" at 3am and now she is not answering.",
    ] {
        let a = engine.assess_text(text);
        assert_eq!(a.level, Level::Low, "{text:?}: {}", a.explanation);
        assert!(a.concern_for_other, "{text:?}");
        assert!(
            a.signals.iter().any(|s| s
                .cues
                .iter()
                .any(|c| c.rule == "reported speech of someone else")),
            "{text:?}: the cue is named"
        );
    }
    let a = engine.assess_text("The song goes \"I want to die in your arms tonight\".");
    assert_eq!(a.level, Level::None, "{}", a.explanation);
    assert!(!a.concern_for_other);
}

/// Curly quotes and dashes make a text non-ASCII, where the regex patterns are pre-checked by a
/// different set (their word boundaries relaxed): what they find must not change.
#[test]
fn non_ascii_punctuation_finds_what_plain_ascii_finds() {
    let engine = Engine::embedded().unwrap();
    let found = |text: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = engine
            .assess_text(text)
            .signals
            .iter()
            .map(|s| (s.construct.to_string(), s.text.clone()))
            .collect();
        v.sort();
        v
    };
    for (plain, fancy) in [
        (
            "I took 40 pills last night - I'm scared now.",
            "I took 40 pills last night \u{2014} I\u{2019}m scared now.",
        ),
        (
            "Back in 2019 I swallowed 30 tablets, it's years ago now.",
            "Back in 2019 I swallowed 30 tablets, it\u{2019}s years ago now.",
        ),
        (
            "We studied 40 pills of chemistry facts, 'fun' times.",
            "We studied 40 pills of chemistry facts, \u{2018}fun\u{2019} times.",
        ),
    ] {
        let (a, b) = (found(plain), found(fancy));
        let normalise = |v: Vec<(String, String)>| -> Vec<(String, String)> {
            v.into_iter()
                .map(|(c, t)| (c, t.replace('\u{2019}', "'").replace('\u{2014}', "-")))
                .collect()
        };
        assert_eq!(normalise(a.clone()), normalise(b), "{plain:?}");
        if plain.starts_with("I took") {
            assert!(a.iter().any(|(c, _)| c == "attempt"), "{a:?}");
        }
    }
}
