//! Every construct and every context rule is tested by its own fixtures (`constructs/*.toml`,
//! `context/*.toml`), and a snapshot prints each fixture's signals with span, context and the
//! cue that changed them, so that any change in what the engine finds shows up in review.

use threadcare_core::{Certainty, Experiencer, Signal, Temporality};
use threadcare_engine::construct::Expect;
use threadcare_engine::Signals;

fn engine() -> Signals {
    Signals::embedded().unwrap_or_else(|e| panic!("the data files must load: {e}"))
}

fn meets(expect: Expect, s: &Signal) -> bool {
    match expect {
        Expect::Fire => s.affirmed(),
        Expect::None => false,
        Expect::Negated => s.negated,
        Expect::Other => s.experiencer == Experiencer::Other,
        Expect::Historical => s.temporality == Temporality::Historical,
        Expect::Recent => s.temporality == Temporality::Recent,
        Expect::Future => s.temporality == Temporality::Future,
        Expect::Hypothetical => s.certainty == Certainty::Hypothetical,
        Expect::Conditional => {
            s.certainty == Certainty::Conditional && s.affirmed_but_conditional()
        }
        Expect::Quoted => s.quoted,
    }
}

trait ConditionalExt {
    fn affirmed_but_conditional(&self) -> bool;
}

impl ConditionalExt for Signal {
    fn affirmed_but_conditional(&self) -> bool {
        !self.negated && self.experiencer == Experiencer::Writer && !self.quoted
    }
}

/// Checks one fixture; returns a description of the failure.
fn check(
    engine: &Signals,
    construct: &str,
    text: &str,
    expect: Expect,
    span: Option<&str>,
) -> Option<String> {
    // A span is the evidence a firing fixture must quote: on a fixture that must not fire it
    // could never be checked (a reason belongs in `note`), and it must be a part of the text.
    if let Some(sp) = span {
        if matches!(expect, Expect::None) {
            return Some(format!(
                "  {construct}: a span {sp:?} on a fixture that must not fire, in {text:?}: write a reason as `note`"
            ));
        }
        if !text.contains(sp) {
            return Some(format!(
                "  {construct}: the span {sp:?} is not a part of the text {text:?}"
            ));
        }
    }
    let found: Vec<Signal> = engine
        .find(text)
        .into_iter()
        .filter(|s| s.construct == construct)
        .collect();
    let ok = match expect {
        Expect::None => !found.iter().any(|s| s.affirmed()),
        _ => found
            .iter()
            .any(|s| meets(expect, s) && span.is_none_or(|sp| s.text == sp)),
    };
    if ok {
        return None;
    }
    let got: Vec<String> = found.iter().map(describe).collect();
    Some(format!(
        "  {construct}: expected {expect:?}{} in {text:?}\n    got: {}",
        span.map(|s| format!(" on {s:?}")).unwrap_or_default(),
        if got.is_empty() {
            "no signal".into()
        } else {
            got.join("; ")
        }
    ))
}

fn describe(s: &Signal) -> String {
    let flags = s.context_flags();
    let cues: Vec<String> = s
        .cues
        .iter()
        .map(|c| format!("{} by {:?}", c.category, c.text))
        .collect();
    format!(
        "{} {:?} [{}..{}] [{}] rule `{}`{}",
        s.construct,
        s.text,
        s.start,
        s.end,
        flags.join(", "),
        s.rule,
        if cues.is_empty() {
            String::new()
        } else {
            format!(" cues: {}", cues.join(", "))
        }
    )
}

#[test]
fn every_construct_fixture_holds() {
    let engine = engine();
    let mut failures = Vec::new();
    for c in &engine.constructs {
        for f in &c.fixtures {
            if let Some(msg) = check(&engine, &c.id, &f.text, f.expect, f.span.as_deref()) {
                failures.push(format!("constructs/{}.toml\n{msg}", c.id));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} construct fixtures fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_context_fixture_holds() {
    let engine = engine();
    let mut failures = Vec::new();
    for file in &engine.context.files {
        for f in &file.fixtures {
            assert!(
                engine.construct(&f.construct).is_some(),
                "context {:?} fixture names unknown construct {}",
                file.category,
                f.construct
            );
            if let Some(msg) = check(&engine, &f.construct, &f.text, f.expect, None) {
                failures.push(format!("context/{}.toml\n{msg}", file.category.name()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} context fixtures fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_construct_has_fixtures_both_ways() {
    // Loading already refuses a construct without a firing and a non-firing fixture; this pins it.
    for c in &engine().constructs {
        assert!(
            c.fixtures.iter().any(|f| f.expect == Expect::Fire),
            "{} has no fixture that fires",
            c.id
        );
        assert!(
            c.fixtures.iter().any(|f| f.expect != Expect::Fire),
            "{} has no fixture that must not fire",
            c.id
        );
    }
}

#[test]
fn snapshot_of_all_fixture_signals() {
    let engine = engine();
    let mut out = String::new();
    let mut render = |origin: &str, text: &str| {
        out.push_str(&format!("── {origin}\n   {text}\n"));
        for s in engine.find(text) {
            let pad = text[..s.start].chars().count();
            let width = text[s.start..s.end].chars().count().max(1);
            out.push_str(&format!(
                "   {}{}\n      {}\n",
                " ".repeat(pad),
                "^".repeat(width),
                describe(&s)
            ));
        }
    };
    for c in &engine.constructs {
        for f in &c.fixtures {
            render(
                &format!("constructs/{}.toml ({:?})", c.id, f.expect),
                &f.text,
            );
        }
    }
    for file in &engine.context.files {
        for f in &file.fixtures {
            render(
                &format!(
                    "context/{}.toml ({} {:?})",
                    file.category.name(),
                    f.construct,
                    f.expect
                ),
                &f.text,
            );
        }
    }
    insta::assert_snapshot!("fixture_signals", out);
}

#[test]
fn every_construct_the_rules_name_exists() {
    let engine = engine();
    let missing: Vec<&str> = threadcare_engine::assess::REQUIRED
        .iter()
        .copied()
        .filter(|id| engine.construct(id).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "the level rules name constructs without a data file: {missing:?}"
    );
}

#[test]
fn a_construct_file_without_fixtures_is_refused() {
    let text = "id = \"x\"\nname = \"X\"\nkind = \"risk\"\nfamily = \"risk_factor\"\ndefinition = \"d\"\ncitation = \"c\"\npatterns = [\"word\"]\n";
    let err = threadcare_engine::construct::parse("x.toml", text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("fixture"), "{err}");
}
