//! The level rules of DESIGN §5 and the reply rules of §7, on our own synthetic texts.

use threadcare_core::{Format, Level, Thread};
use threadcare_engine::Engine;
use threadcare_ingest::Collect;

fn level(engine: &Engine, text: &str) -> (Level, u8) {
    let a = engine.assess_text(text);
    // Every level above low cites at least one span, and the explanation quotes it.
    if a.level > Level::Low {
        let cited = a
            .signals
            .iter()
            .filter(|s| s.affirmed())
            .any(|s| a.explanation.contains(&s.text));
        assert!(
            cited,
            "{text:?} is {} without a quoted span: {}",
            a.level, a.explanation
        );
    }
    (a.level, a.cssrs)
}

#[test]
fn the_scale() {
    let e = Engine::embedded().unwrap();
    let cases: &[(&str, Level)] = &[
        (
            "I have the pills saved up and tonight I am going to take them all.",
            Level::Imminent,
        ),
        (
            "I wrote goodbye letters to my parents this afternoon.",
            Level::Imminent,
        ),
        (
            "I cut myself tonight and it won't stop bleeding.",
            Level::Imminent,
        ),
        ("If he leaves me, I will kill myself.", Level::Imminent),
        (
            "I keep looking up how many pills it would take.",
            Level::Severe,
        ),
        ("I cut myself again last night.", Level::Severe),
        (
            "The voices keep telling me to kill myself and they won't stop.",
            Level::Severe,
        ),
        ("The voices are telling me to cut again.", Level::Severe),
        ("I haven't eaten anything in four days.", Level::Severe),
        (
            "Some nights I wish I could go to sleep and not wake up.",
            Level::Moderate,
        ),
        ("I keep thinking about killing myself.", Level::Moderate),
        ("I want to cut so badly right now.", Level::Moderate),
        (
            "When I was sixteen I tried to kill myself, but I'm doing well now.",
            Level::Low,
        ),
        (
            "My best friend told me she wants to kill herself and I don't know what to do.",
            Level::Low,
        ),
        ("I feel so anxious and overwhelmed this week.", Level::Low),
        ("I've been hearing voices again since Sunday.", Level::Low),
        ("My brother was sectioned last week.", Level::Low),
        (
            "Had a lovely session today, we talked about my new job.",
            Level::None,
        ),
        (
            "I am not suicidal, I just needed to vent about work.",
            Level::None,
        ),
        (
            "If I ever felt like hurting myself I would call my therapist.",
            Level::None,
        ),
        (
            "The voice in my head says I'm not good enough for this job.",
            Level::None,
        ),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let (got, cssrs) = level(&e, text);
        if got != *want {
            wrong.push(format!(
                "{text:?}: want {want}, got {got} (cssrs {cssrs}): {}",
                e.assess_text(text).explanation
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn cssrs_is_the_highest_level_the_text_supports() {
    let e = Engine::embedded().unwrap();
    assert_eq!(level(&e, "I wish I was dead.").1, 1);
    assert_eq!(level(&e, "I keep thinking about killing myself.").1, 2);
    assert_eq!(
        level(
            &e,
            "I wish I was dead and I have been collecting pills for it."
        )
        .1,
        6
    );
    assert_eq!(level(&e, "Work was fine today.").1, 0);
}

/// DESIGN §5: suicidal behaviour now or in the last days is imminent; dated to the last weeks
/// it is severe (as self-injury in the last weeks is), and the explanation says so.
#[test]
fn behaviour_in_the_last_days_is_imminent_in_the_last_weeks_severe() {
    let e = Engine::rules_only().unwrap();
    for (text, want) in [
        ("I tried to kill myself last night.", Level::Imminent),
        (
            "I took an overdose two days ago and I'm still shaky.",
            Level::Imminent,
        ),
        ("I tried to kill myself three weeks ago.", Level::Severe),
        ("I overdosed last week and nobody knows.", Level::Severe),
        ("In the past few weeks I've attempted twice.", Level::Severe),
    ] {
        let a = e.assess_text(text);
        assert_eq!(a.level, want, "{text:?}: {}", a.explanation);
        assert_eq!(a.cssrs, 6, "{text:?}");
    }
    let a = e.assess_text("I tried to kill myself three weeks ago.");
    assert!(
        a.explanation.contains("in the last weeks"),
        "{}",
        a.explanation
    );
}

/// DESIGN §5: strong burdensomeness, entrapment, hopelessness or self-hatred is moderate.
/// Loneliness told in several ways stays one risk factor (low); beside burdensomeness it is the
/// interpersonal theory's pair (moderate).
#[test]
fn loneliness_alone_is_low_and_beside_burdensomeness_moderate() {
    let e = Engine::rules_only().unwrap();
    let lonely = "I have no real friends. I spend every weekend alone. \
                  Nobody ever texts me first and I feel so isolated from everyone.";
    let a = e.assess_text(lonely);
    let tb = a
        .signals
        .iter()
        .filter(|s| s.construct.as_str() == "thwarted_belonging" && s.affirmed())
        .count();
    assert!(
        tb >= 3,
        "the text tells of loneliness {tb} times: {:?}",
        a.signals
    );
    assert_eq!(a.level, Level::Low, "{}", a.explanation);

    let a = e.assess_text(&format!(
        "{lonely} Everyone would be better off without me."
    ));
    assert_eq!(a.level, Level::Moderate, "{}", a.explanation);

    let a = e.assess_text(
        "Everything is hopeless. Nothing will ever get better. I'm worthless and I hate myself.",
    );
    assert_eq!(a.level, Level::Moderate, "{}", a.explanation);
}

fn thread(jsonl: &str) -> Thread {
    let c = Collect::read(Format::Jsonl, "test.jsonl", jsonl.as_bytes());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    Thread::group(c.items, &c.threads).remove(0)
}

#[test]
fn a_title_and_its_body_anchor_each_other() {
    // The means taken to a locked room is an ordinary act unless the text names suicidality;
    // a post's title is part of its text for that, and so is the body for the title.
    let e = Engine::embedded().unwrap();
    let body = "Tonight I grabbed the kitchen knife and went to the bathroom and locked the door.";
    let level_of = |title: &str| {
        let t = thread(&format!(
            r#"{{"id":"p","title":"{title}","text":"{body}"}}"#
        ));
        let a = e.assess_thread(&t);
        (
            a.items[0].assessment.level,
            a.items[0].assessment.signals.clone(),
        )
    };
    let (level, signals) = level_of("I can't do this anymore, I'm suicidal");
    assert_eq!(level, Level::Imminent, "{signals:?}");
    assert!(
        signals
            .iter()
            .any(|s| s.construct == "preparation" && !s.in_title),
        "the body's act, anchored by the title: {signals:?}"
    );
    let (level, signals) = level_of("Cooking night");
    assert_eq!(level, Level::None, "nothing suicidal named: {signals:?}");
    // And the other way: a title's anchored words, anchored by the body.
    let t = thread(
        r#"{"id":"p","title":"I have everything ready for tonight","text":"I want to die. Nobody will miss me."}"#,
    );
    let a = e.assess_thread(&t);
    assert!(
        a.items[0]
            .assessment
            .signals
            .iter()
            .any(|s| s.construct == "preparation" && s.in_title),
        "{:?}",
        a.items[0].assessment.signals
    );
    let t = thread(
        r#"{"id":"p","title":"I have everything ready for tonight","text":"The cake is iced and the balloons are up for her party."}"#,
    );
    let a = e.assess_thread(&t);
    assert!(
        !a.items[0]
            .assessment
            .signals
            .iter()
            .any(|s| s.construct == "preparation"),
        "{:?}",
        a.items[0].assessment.signals
    );
}

#[test]
fn replies_are_judged_against_what_they_answer() {
    let e = Engine::embedded().unwrap();
    let t = thread(concat!(
        r#"{"id":"p","text":"I cut myself again last night and I feel like such a failure."}"#,
        "\n",
        r#"{"id":"c1","thread_id":"p","parent_id":"p","author":"a","text":"I'm so sorry you're going through this. Have you been able to tell your therapist? A crisis line can help tonight too."}"#,
        "\n",
        r#"{"id":"c2","thread_id":"p","parent_id":"p","author":"b","text":"Stop being so dramatic, you're just seeking attention."}"#,
        "\n",
    ));
    let a = e.assess_thread(&t);
    let r1 = a.items[1].assessment.reply.as_ref().unwrap();
    assert!(
        r1.referral && r1.supportive && r1.harmful.is_empty(),
        "{r1:?}"
    );
    assert!(
        r1.empathy.emotional_reaction > 0 && r1.empathy.exploration > 0,
        "{r1:?}"
    );
    assert_eq!(r1.answers_level, Level::Severe);
    let r2 = a.items[2].assessment.reply.as_ref().unwrap();
    assert_eq!(r2.harmful, ["invalidation"], "{r2:?}");
    assert!(!r2.supportive);
    assert!(
        !a.summary.unanswered_at_risk,
        "a supportive reply answers a severe post"
    );
}

#[test]
fn unanswered_at_risk() {
    let e = Engine::embedded().unwrap();
    // Severe with no reply.
    let t = thread(r#"{"id":"p","text":"I cut myself again last night."}"#);
    let summary = e.assess_thread(&t).summary;
    assert!(summary.unanswered_at_risk);
    assert_eq!(summary.unanswered_items, ["p"], "the post is listed too");
    // Imminent with a kind reply that points nowhere: still unanswered.
    let t = thread(concat!(
        r#"{"id":"p","author":"x","text":"I have the pills saved up and tonight I am going to take them all."}"#,
        "\n",
        r#"{"id":"c","thread_id":"p","parent_id":"p","author":"y","text":"Sending you so much love, I'm so sorry."}"#,
        "\n",
    ));
    let a = e.assess_thread(&t);
    assert_eq!(a.summary.level, Level::Imminent);
    assert!(
        a.summary.unanswered_at_risk,
        "imminent needs a reply that points to help: {}",
        a.summary.explanation
    );
    // The writer answering themselves does not count.
    let t = thread(concat!(
        r#"{"id":"p","author":"x","text":"I cut myself again last night."}"#,
        "\n",
        r#"{"id":"c","thread_id":"p","parent_id":"p","author":"x","text":"I'm so sorry, I know, please call someone. Edit: I'm okay for now."}"#,
        "\n",
    ));
    assert!(e.assess_thread(&t).summary.unanswered_at_risk);
}

#[test]
fn a_commenter_at_risk_is_answered_only_by_replies_to_them() {
    let e = Engine::embedded().unwrap();
    let post = r#"{"id":"p","author":"x","text":"My therapist is moving away next month and I do not know how to say goodbye to her."}"#;
    let at_risk = r#"{"id":"c1","thread_id":"p","parent_id":"p","author":"y","text":"Same here. I cut myself again last night after my session."}"#;
    // Kind to the post's writer, not to the commenter at risk.
    let to_post = r#"{"id":"c2","thread_id":"p","parent_id":"p","author":"z","text":"That sounds so hard, I'm sorry. Have you told her how you feel?"}"#;
    let to_commenter = r#"{"id":"c3","thread_id":"p","parent_id":"c1","author":"z","text":"I'm so sorry you're hurting. Please tell your therapist about last night."}"#;
    let own = r#"{"id":"c4","thread_id":"p","parent_id":"c1","author":"y","text":"I'm so sorry, I know, please call someone. Edit: I'm okay for now."}"#;
    let t = thread(&[post, at_risk, to_post, own].join("\n"));
    let a = e.assess_thread(&t);
    assert!(a.summary.level < Level::Severe, "{}", a.summary.explanation);
    assert_eq!(a.items[1].assessment.level, Level::Severe);
    assert!(
        !a.summary.unanswered_at_risk,
        "the post's writer is not at risk"
    );
    assert_eq!(
        a.summary.unanswered_items,
        ["c1"],
        "a reply to the post and the commenter's own follow-up do not answer them: {}",
        a.summary.explanation
    );
    assert!(a.summary.explanation.contains("commenter at risk"));
    let t = thread(&[post, at_risk, to_post, to_commenter].join("\n"));
    let a = e.assess_thread(&t);
    assert!(
        a.items[3].assessment.reply.as_ref().unwrap().supportive,
        "{:?}",
        a.items[3].assessment.reply
    );
    assert!(a.summary.unanswered_items.is_empty(), "{:?}", a.summary);
}

#[test]
fn a_bare_share_carries_the_answered_risk_to_the_replier() {
    let e = Engine::embedded().unwrap();
    let post = r#"{"id":"p","author":"x","text":"My self-harm is getting worse. I cut again last night."}"#;
    let share =
        r#"{"id":"c1","thread_id":"p","parent_id":"p","author":"y","text":"same here lol"}"#;
    let story = r#"{"id":"c2","thread_id":"p","parent_id":"p","author":"z","text":"Same here years ago. It got easier once I told my therapist, please tell yours."}"#;
    let a = e.assess_thread(&thread(&[post, share, story].join("\n")));
    let c1 = &a.items[1].assessment;
    assert_eq!(c1.level, Level::Severe, "{}", c1.explanation);
    assert!(
        c1.explanation
            .contains("'same here', a share of what the text it answers disclosed"),
        "{}",
        c1.explanation
    );
    let shared: Vec<_> = c1
        .signals
        .iter()
        .filter(|s| s.rule.ends_with(":shared"))
        .collect();
    assert_eq!(shared.len(), 1, "{:?}", c1.signals);
    assert_eq!(shared[0].construct, "self_injury");
    assert_eq!(shared[0].text, "same here");
    assert!(shared[0].affirmed());
    assert!(!c1.reply.as_ref().unwrap().supportive);
    assert!(
        a.summary.unanswered_items.contains(&"c1".to_string()),
        "{:?}",
        a.summary
    );
    // A reply that tells its own (past) story is not a bare share.
    let c2 = &a.items[2].assessment;
    assert!(
        c2.signals.iter().all(|s| !s.rule.ends_with(":shared")),
        "{:?}",
        c2.signals
    );
    // A share of what carries no risk carries none.
    let post = r#"{"id":"p","author":"x","text":"Mondays are the worst, so tired today."}"#;
    let share = r#"{"id":"c1","thread_id":"p","parent_id":"p","author":"y","text":"same lol"}"#;
    let a = e.assess_thread(&thread(&[post, share].join("\n")));
    assert_eq!(a.items[1].assessment.level, Level::None);
}

/// A reply that opens by sharing what it answers speaks of the same thing: "same, I'm planning
/// to do it this weekend" to a wish to die is the replier's own plan. Without the share, or to
/// a post with no risk, "do it" stays unread.
#[test]
fn a_share_lets_the_answered_text_say_what_it_is() {
    let e = Engine::embedded().unwrap();
    let post = r#"{"id":"p","author":"x","text":"I want to die, every day is the same."}"#;
    let share = r#"{"id":"c1","thread_id":"p","parent_id":"p","author":"y","text":"same, I'm planning to do it this weekend honestly"}"#;
    let plain = r#"{"id":"c2","thread_id":"p","parent_id":"p","author":"z","text":"I'm planning to do it this weekend, want to come to the beach with us?"}"#;
    let a = e.assess_thread(&thread(&[post, share, plain].join("\n")));
    let c1 = &a.items[1].assessment;
    assert_eq!(c1.level, Level::Imminent, "{}", c1.explanation);
    assert!(!c1.reply.as_ref().unwrap().supportive);
    assert_eq!(
        a.items[2].assessment.level,
        Level::None,
        "{:?}",
        a.items[2].assessment.signals
    );
    let post = r#"{"id":"p","author":"x","text":"Going to repaint the kitchen, any colour tips?"}"#;
    let share = r#"{"id":"c1","thread_id":"p","parent_id":"p","author":"y","text":"same, I'm planning to do it this weekend"}"#;
    let a = e.assess_thread(&thread(&[post, share].join("\n")));
    assert_eq!(a.items[1].assessment.level, Level::None);
}

#[test]
fn encouragement_depends_on_what_is_answered() {
    let e = Engine::embedded().unwrap();
    let t = thread(concat!(
        r#"{"id":"p","text":"I keep thinking about killing myself, I have the pills ready."}"#,
        "\n",
        r#"{"id":"c","thread_id":"p","parent_id":"p","author":"y","text":"Just do it already, nobody would miss you."}"#,
        "\n",
    ));
    let r = e.assess_thread(&t).items[1]
        .assessment
        .reply
        .clone()
        .unwrap();
    assert!(r.harmful.contains(&"encouragement".to_string()), "{r:?}");
}
