//! Assesses one text a line, as the probe tests do, and prints one JSON object a line: a tool
//! for people writing probes (`tests/data/probes.jsonl`, `tests/data/reply_probes.jsonl`).
//!
//!     cargo run -q --release -p threadcare-engine --example probe < texts.txt
//!     cargo run -q --release -p threadcare-engine --example probe -- --reply < pairs.txt
//!
//! Posts: each line is a text, assessed by the rules alone (`Engine::rules_only`, as
//! `tests/probes.rs` does); the output gives the level, the constructs found neither denied nor
//! imagined, whether concern for someone else is raised, and every signal with its flags.
//! Replies (`--reply`): each line is `POST ||| REPLY`, assessed as a two-item thread by the
//! whole engine (as `tests/reply_probes.rs` does); the output gives the kinds of harm, referral
//! and support. Blank lines are skipped.

use std::io::BufRead;

use serde_json::json;
use threadcare_core::{Certainty, Format, Thread};
use threadcare_engine::Engine;
use threadcare_ingest::Collect;

fn main() {
    let reply = std::env::args().any(|a| a == "--reply");
    let engine = if reply {
        Engine::embedded()
    } else {
        Engine::rules_only()
    }
    .unwrap_or_else(|e| panic!("{e}"));
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("standard input is UTF-8 text");
        if line.trim().is_empty() {
            continue;
        }
        let out = if reply {
            let Some((post, answer)) = line.split_once("|||") else {
                eprintln!("skipped a line without `|||`");
                continue;
            };
            assess_reply(&engine, post.trim(), answer.trim())
        } else {
            assess_post(&engine, &line)
        };
        println!("{out}");
    }
}

fn assess_post(engine: &Engine, text: &str) -> serde_json::Value {
    let a = engine.assess_text(text);
    let mut constructs: Vec<&str> = a
        .signals
        .iter()
        .filter(|s| !s.negated && s.certainty != Certainty::Hypothetical)
        .map(|s| s.construct.as_str())
        .collect();
    constructs.sort_unstable();
    constructs.dedup();
    let signals: Vec<String> = a
        .signals
        .iter()
        .map(|s| {
            format!(
                "{} {:?} [{}]",
                s.construct,
                s.text,
                s.context_flags().join(",")
            )
        })
        .collect();
    json!({
        "text": text,
        "level": a.level.to_string(),
        "constructs": constructs,
        "concern_for_other": a.concern_for_other,
        "signals": signals,
    })
}

fn assess_reply(engine: &Engine, post: &str, reply: &str) -> serde_json::Value {
    let jsonl = format!(
        "{}\n{}\n",
        json!({"id": "p", "text": post}),
        json!({"id": "r", "thread_id": "p", "parent_id": "p", "author": "b", "text": reply}),
    );
    let c = Collect::read(Format::Jsonl, "probe.jsonl", jsonl.as_bytes());
    let thread = Thread::group(c.items, &c.threads).remove(0);
    let assessed = engine.assess_thread(&thread);
    let r = assessed.items[1].assessment.reply.as_ref();
    let mut harmful = r.map(|r| r.harmful.clone()).unwrap_or_default();
    harmful.sort();
    let signals: Vec<String> = assessed.items[1]
        .assessment
        .signals
        .iter()
        .map(|s| {
            format!(
                "{} {:?}{}",
                s.construct,
                s.text,
                if s.negated { " [negated]" } else { "" }
            )
        })
        .collect();
    json!({
        "post": post,
        "reply": reply,
        "harmful": harmful,
        "referral": r.is_some_and(|r| r.referral),
        "supportive": r.is_some_and(|r| r.supportive),
        "empathy": r.map(|r| serde_json::to_value(r.empathy).unwrap_or_default()),
        "signals": signals,
    })
}
