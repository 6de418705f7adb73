//! Reply probes: synthetic two-item threads (a post, one reply) in
//! `tests/data/reply_probes.jsonl`, each with what a moderator expects of the reply under DESIGN
//! §7: the kinds of harm it does, whether it refers to help, whether it is supportive. The texts
//! are our own; they cover the harmful kinds (dose advice, suicide pacts, pro-eating-disorder
//! tips, minimising) beside supportive look-alikes (going to the emergency department together,
//! a clinician named in passing).
//!
//! Every probe must meet its expectation, except those in [`KNOWN_MISSES`] (with why); a listed
//! probe that starts to pass fails the test too, so that the list only shrinks.

mod common;

use threadcare_core::{Format, Thread};
use threadcare_engine::Engine;
use threadcare_ingest::Collect;

/// Reply probes the rules do not meet yet, with why.
const KNOWN_MISSES: &[(&str, &str)] = &[];

struct Probe {
    id: String,
    post: String,
    reply: String,
    harmful: Vec<String>,
    referral: bool,
    supportive: bool,
}

fn probes() -> Vec<Probe> {
    common::read_jsonl("reply_probes.jsonl")
        .into_iter()
        .map(|r| {
            let id = r.text("id");
            assert!(r.value["note"].is_string(), "reply probe {id}: no note");
            let mut harmful = r.strings("expect_harmful");
            harmful.sort();
            Probe {
                post: r.text("post"),
                reply: r.text("reply"),
                harmful,
                referral: r.flag("expect_referral"),
                supportive: r.flag("expect_supportive"),
                id,
            }
        })
        .collect()
}

fn thread(post: &str, reply: &str) -> Thread {
    let line = |v: serde_json::Value| v.to_string();
    let jsonl = format!(
        "{}\n{}\n",
        line(serde_json::json!({"id": "p", "text": post})),
        line(
            serde_json::json!({"id": "r", "thread_id": "p", "parent_id": "p", "author": "b", "text": reply})
        ),
    );
    let c = Collect::read(Format::Jsonl, "reply-probe.jsonl", jsonl.as_bytes());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    Thread::group(c.items, &c.threads).remove(0)
}

#[test]
fn every_reply_probe_meets_its_expectation() {
    let engine = Engine::embedded().expect("engine data");
    let probes = probes();
    assert!(probes.len() >= 20, "the reply probe file lost probes");
    let mut misses = Vec::new();
    let mut unexpected_passes = Vec::new();
    for p in &probes {
        let assessed = engine.assess_thread(&thread(&p.post, &p.reply));
        let reply = assessed.items[1]
            .assessment
            .reply
            .as_ref()
            .unwrap_or_else(|| panic!("reply probe {}: the reply has no reply assessment", p.id));
        let mut harmful = reply.harmful.clone();
        harmful.sort();
        let ok = harmful == p.harmful
            && reply.referral == p.referral
            && reply.supportive == p.supportive;
        let listed = KNOWN_MISSES.iter().any(|(id, _)| *id == p.id);
        match (ok, listed) {
            (false, false) => misses.push(format!(
                "{}: harmful {harmful:?} referral {} supportive {} (expected {:?} {} {})",
                p.id, reply.referral, reply.supportive, p.harmful, p.referral, p.supportive
            )),
            (true, true) => unexpected_passes.push(p.id.clone()),
            _ => {}
        }
    }
    assert!(
        unexpected_passes.is_empty(),
        "listed in KNOWN_MISSES but now met (remove them): {unexpected_passes:?}"
    );
    assert!(
        misses.is_empty(),
        "{} of {} reply probes missed:\n{}",
        misses.len(),
        probes.len(),
        misses.join("\n")
    );
}

/// Words that are harm only against what they answer ("good luck" to an announced suicide, "6kg
/// is amazing" to restriction) are marked, with their evidence, only there: to an exam or a
/// marathon the same reply carries no harm and no harm signal (and the models do not read them).
#[test]
fn words_harmful_only_in_context_are_marked_only_there() {
    let engine = Engine::embedded().expect("engine data");
    let act = "I'm going to end it tonight. I've said goodbye to everyone.";
    let exam = "My exam is tomorrow and I'm so nervous I can't sleep.";
    let wish = "Every day this week I've wished I could just not wake up.";
    let burden = "I'm such a drain on my family. They'd be happier if I wasn't around.";
    let party = "Do you think my friends would like a surprise party for my birthday?";
    let restricting = "I've lost 6kg in three weeks by skipping meals and I still feel huge.";
    let marathon = "I ran my first marathon on Sunday after a year of training.";
    let urge = "I really want to cut tonight, I can't stop thinking about it.";
    let turned = "I want to cut but I'm going to call my sister instead.";
    let job = "I got the job I interviewed for last week!";
    // (answered post, reply, the gated construct, the harm it makes there or none)
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        // Good will counts against an announced act; after an exam it is nothing.
        (
            act,
            "Good luck with it.",
            "harm_act_cheer",
            Some("encouragement"),
        ),
        (exam, "Good luck with it.", "harm_act_cheer", None),
        // Consent counts against suicidality of any kind now, a wish to be dead included;
        // after an exam it is nothing.
        (
            wish,
            "Your life, your call, I respect it.",
            "harm_consent",
            Some("encouragement"),
        ),
        (
            exam,
            "Your life, your call, I respect it.",
            "harm_consent",
            None,
        ),
        // Bare agreement counts against the writer's own sense of being a burden; after a
        // question about a party it is nothing.
        (
            burden,
            "Yeah they probably would, who knows.",
            "harm_agreement",
            Some("encouragement"),
        ),
        (
            party,
            "Yeah they probably would, who knows.",
            "harm_agreement",
            None,
        ),
        (
            restricting,
            "Wow 6kg is amazing, keep it up!",
            "harm_ed_praise",
            Some("pro_eating_disorder"),
        ),
        (
            marathon,
            "You must have lost like 5kg, that's amazing!",
            "harm_ed_praise",
            None,
        ),
        // Leave counts against an urge to self-injure that the writer weighs alone; where they
        // have turned to someone instead, or after good news, it is nothing.
        (
            urge,
            "Go for it, you deserve it.",
            "harm_permission",
            Some("encouragement"),
        ),
        (
            turned,
            "Go for it, you deserve it.",
            "harm_permission",
            None,
        ),
        (job, "Go for it, you deserve it.", "harm_permission", None),
    ];
    for &(post, reply, construct, harm) in cases {
        let assessed = engine.assess_thread(&thread(post, reply));
        let a = &assessed.items[1].assessment;
        let marked = a.signals.iter().any(|s| s.construct == construct);
        let harmful = a.reply.as_ref().expect("a reply").harmful.clone();
        let expected: Vec<String> = harm.iter().map(|h| h.to_string()).collect();
        assert_eq!(
            (marked, harmful),
            (harm.is_some(), expected),
            "{construct}: {post:?} answered by {reply:?}"
        );
    }
    // A text alone answers nothing.
    let alone = engine.assess_text("Good luck with it, 6kg is amazing!");
    assert!(
        !alone
            .signals
            .iter()
            .any(|s| s.construct == "harm_act_cheer" || s.construct == "harm_ed_praise"),
        "{:?}",
        alone.signals
    );
}
