//! The probe set (`tests/data/probes.jsonl`): synthetic texts in the registers of real forums
//! (lower case, no subject, abbreviations, typos, idioms), each with the level and constructs a
//! clinician would expect per DESIGN §5. The rules alone are checked (the models are retrained
//! on the rules, so they are not part of this check). A probe may also say
//! `"expect_concern_for_other": true|false` (someone else's risk, or fiction that must not raise it)
//! and `"expect_absent": [...]`, constructs that must not be found as the text's own (a look-alike
//! of a theme or a protective factor, which no level would show).
//!
//! Every probe must meet its expectation, except those listed in [`KNOWN_MISSES`] with the
//! reason the rule data cannot meet them. A listed probe that starts to pass fails the test too,
//! so that the list only ever shrinks.

mod common;

use threadcare_core::{Certainty, Level};
use threadcare_engine::Engine;

/// Probes the rules do not meet yet, with why (most need a level rule in code, see the note).
const KNOWN_MISSES: &[(&str, &str)] = &[
    ("p2944", "context: a bare 'at 16' dates an act as often as it tells a present age ('at 17 I already feel old') or the date of a diagnosis that lasts; only 'at age 16', 'aged 16', 'at 16 years old' date it"),
    ("p042", "data: 'tonight's the night' / 'i'm done' are idioms as often as intent"),
    ("p048", "data: 'my plan' and 'the date is set' with no suicidality named in the text read as a study or wedding plan as often; 'a plan and a date' together or 'the date is set' beside suicidality now count (p283, p284)"),
    ("p081", "data: a bare 'Relapsed.' names nothing; the thread would say what"),
    ("p259", "context: 'before' after the evidence dates it; a present word after the cue ('and tonight it is back') does not undo a past cue it does not stand between"),
    ("p298", "data: 'I'm gonna jump off a bridge lmao' after a chore is hyperbole, but conditional intent is intent (DESIGN §5) and 'lol/lmao' also end sincere disclosures, so no jest marker cancels it"),
    ("p305", "data: 'found my old blades … i'd stopped, 8 months now' names past self-injury only through objects and 'stopped'"),
    ("p350", "data: the only sign of risk is that a safety plan was needed; 'rough night' is too everyday to be distress, and using a safety plan must not itself raise risk"),
    ("p643", "context: 'before my attempt' dates everything around it (direction both), so a feeling compared with that time ('haven't felt this bad since the week before my attempt') is read as past too; a pseudo-cue for the comparison would also free the attempt from its dating"),
    ("p380", "data: 'exhausted' and 'done with everyone' are everyday words for tiredness and irritation; read as distress they would flood ordinary posts"),
];

struct Probe {
    id: String,
    text: String,
    level: Level,
    constructs: Vec<String>,
    /// Constructs that must not be found (affirmed: neither negated nor hypothetical).
    absent: Vec<String>,
    /// When given, whether the assessment must flag concern for someone else.
    concern: Option<bool>,
}

fn parse_level(s: &str, id: &str) -> Level {
    match s {
        "none" => Level::None,
        "low" => Level::Low,
        "moderate" => Level::Moderate,
        "severe" => Level::Severe,
        "imminent" => Level::Imminent,
        other => panic!("probe {id}: unknown expect_level {other:?}"),
    }
}

fn probes() -> Vec<Probe> {
    common::read_jsonl("probes.jsonl")
        .into_iter()
        .map(|r| {
            let id = r.text("id");
            assert!(
                r.value["note"].is_string(),
                "probe {id}: every probe says why it is there (note)"
            );
            let concern = match &r.value["expect_concern_for_other"] {
                serde_json::Value::Null => None,
                serde_json::Value::Bool(b) => Some(*b),
                other => panic!("probe {id}: expect_concern_for_other is not a bool: {other}"),
            };
            Probe {
                concern,
                level: parse_level(&r.text("expect_level"), &id),
                text: r.text("text"),
                constructs: r.strings("expect_constructs"),
                absent: if r.value["expect_absent"].is_null() {
                    Vec::new()
                } else {
                    r.strings("expect_absent")
                },
                id,
            }
        })
        .collect()
}

#[test]
fn every_probe_meets_its_expectation() {
    let engine = Engine::rules_only().expect("the embedded rules load");
    let probes = probes();
    assert!(
        probes.len() >= 150,
        "the probe set has {} probes",
        probes.len()
    );
    let mut ids: Vec<&str> = probes.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), probes.len(), "probe ids are unique");
    for (id, _) in KNOWN_MISSES {
        assert!(ids.contains(id), "KNOWN_MISSES names unknown probe {id}");
    }
    for p in &probes {
        for c in p.constructs.iter().chain(&p.absent) {
            assert!(
                engine.signals.construct(c).is_some(),
                "probe {} names unknown construct {c}",
                p.id
            );
        }
    }

    let (mut failures, mut fixed, mut met) = (Vec::new(), Vec::new(), 0);
    for p in &probes {
        let a = engine.assess_text(&p.text);
        // A construct counts when it is found and not denied or imagined (someone else's, past
        // or quoted still count: the expectation names what the text is about).
        let counts = |c: &str| {
            a.signals
                .iter()
                .any(|s| s.construct == *c && !s.negated && s.certainty != Certainty::Hypothetical)
        };
        let missing: Vec<&str> = p
            .constructs
            .iter()
            .map(String::as_str)
            .filter(|c| !counts(c))
            .collect();
        let found: Vec<&str> = p
            .absent
            .iter()
            .map(String::as_str)
            .filter(|c| counts(c))
            .collect();
        let concern_ok = p.concern.is_none_or(|c| c == a.concern_for_other);
        let ok = a.level == p.level && missing.is_empty() && found.is_empty() && concern_ok;
        let known = KNOWN_MISSES.iter().any(|(id, _)| *id == p.id);
        if ok {
            met += 1;
        }
        match (ok, known) {
            (false, false) => failures.push(format!(
                "  {} {:?}: expected {} got {}{}{}{}",
                p.id,
                p.text,
                p.level,
                a.level,
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(", missing {missing:?}")
                },
                if found.is_empty() {
                    String::new()
                } else {
                    format!(", found {found:?} (expected absent)")
                },
                if concern_ok {
                    String::new()
                } else {
                    format!(", concern_for_other {}", a.concern_for_other)
                }
            )),
            (true, true) => fixed.push(p.id.as_str()),
            _ => {}
        }
    }
    println!("{met}/{} probes meet their expectation", probes.len());
    assert!(
        failures.is_empty(),
        "{} probes miss (not in KNOWN_MISSES):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "these probes pass now: remove them from KNOWN_MISSES: {fixed:?}"
    );
}
