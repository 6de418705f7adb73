//! Figures of speech must not raise risk (issue 3; DESIGN §1: keep false alarms on idioms low
//! enough that moderators trust it). Each line is our own sentence.

use threadcare_core::Level;
use threadcare_engine::Engine;

const IDIOMS: &[&str] = &[
    "This commute is killing me.",
    "I'm dying to see the new season.",
    "That exam will be the death of me.",
    "I could murder a pizza right now.",
    "My phone died halfway through the call.",
    "I nearly died laughing at her story.",
    "My feet are killing me after that hike.",
    "I'm dead tired after the night shift.",
    "The suspense is killing me, just tell me!",
    "I'd kill for a coffee right now.",
    "Honestly I want to die of embarrassment after that meeting.",
    "This heat is going to be the end of me.",
    "We had a suicide prevention training at work today.",
    "My laptop battery is dead again.",
    "Ugh, shoot me, the wifi is down again.",
    "We're dying our hair pink this weekend.",
    "I overdosed on chocolate this weekend haha.",
    "I'm bleeding money on this car.",
    "My plants are dying because I forget to water them.",
    "Honestly the commute makes me want to jump off a bridge lol.",
    "My boss is going to kill me if I'm late again.",
    "I'll kill myself if they cancel my favourite show.",
];

#[test]
fn idioms_do_not_raise_risk() {
    let engine = Engine::embedded().unwrap();
    let mut raised = Vec::new();
    for text in IDIOMS {
        let a = engine.assess_text(text);
        if a.level != Level::None || a.cssrs != 0 {
            raised.push(format!(
                "{text:?}: {} (cssrs {}): {}",
                a.level, a.cssrs, a.explanation
            ));
        }
    }
    assert!(
        raised.is_empty(),
        "idioms raised risk:\n{}",
        raised.join("\n")
    );
}

/// The same words meant literally do raise it: the test above cannot pass by finding nothing.
#[test]
fn literal_counterparts_do() {
    let engine = Engine::embedded().unwrap();
    for text in [
        "I keep thinking about killing myself.",
        "I want to die.",
        "Tonight I am going to end my life.",
    ] {
        assert!(
            engine.assess_text(text).level >= Level::Moderate,
            "{text:?}"
        );
    }
}
