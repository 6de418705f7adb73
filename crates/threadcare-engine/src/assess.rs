//! From signals to an assessment: C-SSRS level, triage level, factors, themes, replies.
//!
//! The rules are `DESIGN.md` §5 and §7 written as code, over the constructs' data. They name
//! construct ids (the clinical vocabulary), never phrases. Every level above `low` is explained by
//! the signals that raised it, quoted as spans.

use std::collections::{BTreeSet, HashMap};

use rustc_hash::FxHashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use threadcare_core::{
    AssessedItem, Assessment, Certainty, Cue, Empathy, Experiencer, Factors, Item, ItemKind, Level,
    Name, ReplyAssessment, Signal, Temporality, Thread,
};

use crate::construct::Kind;
use crate::context::Context;
use crate::model::Models;
use crate::token::{tokenize, tokenize_into, Tokens};
use crate::{EngineError, Signals};

/// The constructs the level rules refer to. A test checks each exists as a data file.
pub const REQUIRED: &[&str] = &[
    "passive_ideation",
    "active_ideation",
    "method",
    "intent",
    "plan",
    "preparation",
    "attempt",
    "goodbye",
    "self_injury",
    "self_injury_urge",
    "medical_danger",
    "ed_behaviour",
    "ed_urge",
    "substance_risk",
    "hopelessness",
    "entrapment",
    "burdensomeness",
    "thwarted_belonging",
    "shame",
    "self_blame",
    "trauma",
    "distress",
    "hope",
    "reasons_for_living",
    "help_seeking",
    "social_support",
    "therapy_alliance",
    "future_plans",
    "recovery_milestone",
    "rupture_withdrawal",
    "rupture_confrontation",
    "repair",
    "fear_of_abandonment",
    "emotional_reaction",
    "interpretation",
    "exploration",
    "referral",
    "harm_encouragement",
    "harm_method",
    "harm_pro_ed",
    "harm_ed_praise",
    "harm_act_cheer",
    "harm_permission",
    "harm_consent",
    "harm_agreement",
    "harm_invalidation",
    "psychosis",
    "harm_to_others",
];

/// Reply constructs whose words are harm only against what the reply answers ("good luck" to an
/// announced suicide, "6kg is amazing" to restriction; see [`thread_gates`]). Where the answered
/// text does not make them harm, their signals are left out of the output: the same words cheer
/// on an exam or a marathon, and a moderator should not see them marked.
const THREAD_GATED: [&str; 6] = [
    "harm_act_cheer",
    "harm_permission",
    "harm_consent",
    "harm_agreement",
    "harm_ed_praise",
    "reply_celebration",
];

/// What the answered text's own affirmed signals, now (not past), tell: an announced act
/// (intent, a plan, preparation, a goodbye) or one under way or just made (an attempt not dated
/// to the last days); suicidality of any kind (a wish to be dead and up); disordered eating
/// (behaviour or urges); the writer's sense of being a burden, or of mattering to nobody (thwarted
/// belonging: "nobody would care if I was gone").
#[derive(Debug, Clone, Copy, Default)]
struct Gates {
    act: bool,
    suicidal: bool,
    eating: bool,
    burden: bool,
    /// A risk of any family affirmed now and nothing protective: good news it is not.
    at_risk_unprotected: bool,
    /// Self-injury or disordered eating (the act or an urge) now, and no help sought or support
    /// named beside it: an urge still being weighed, not one already turned to someone.
    harm_unprotected: bool,
}

/// Whether two signals' spans share a byte.
fn overlap(a: &Signal, b: &Signal) -> bool {
    a.start < b.end && b.start < a.end
}

fn thread_gates(answered: &[Signal]) -> Gates {
    let now = |s: &&Signal| s.affirmed() && s.temporality != Temporality::Historical;
    // An attempt counts while under way or just made (no time word puts it in the last days,
    // or the time is within the hour or the day: "an hour ago", "earlier"): "good luck
    // tomorrow" to someone who overdosed last night and sees her therapist tomorrow cheers on
    // the session, not the act; "sleep well" to someone who overdosed an hour ago does.
    let act = answered.iter().filter(now).any(|s| {
        ["intent", "plan", "preparation", "goodbye"]
            .iter()
            .any(|c| s.construct == *c)
            || (s.construct == "attempt" && (s.temporality == Temporality::Current || just_made(s)))
    });
    let eating = answered
        .iter()
        .filter(now)
        .any(|s| s.construct == "ed_behaviour" || s.construct == "ed_urge");
    let suicidal = act
        || answered
            .iter()
            .filter(now)
            .any(|s| s.family == "suicidality");
    let burden = answered
        .iter()
        .filter(now)
        .any(|s| s.construct == "burdensomeness" || s.construct == "thwarted_belonging");
    let at_risk = answered.iter().filter(now).any(|s| {
        [
            "suicidality",
            "self_harm",
            "eating_disorder",
            "substance",
            "risk_factor",
        ]
        .contains(&s.family.as_str())
    });
    let protected = answered
        .iter()
        .filter(now)
        .any(|s| s.family == "protective");
    let self_harm = answered.iter().filter(now).any(|s| {
        matches!(
            s.construct.as_str(),
            "self_injury" | "self_injury_urge" | "ed_behaviour" | "ed_urge"
        )
    });
    // A recovery milestone or a reason for living beside an urge leaves the urge open: "go
    // for it" still answers the urge. Someone turned to ("I'll text my friend instead") is
    // what such words may cheer on.
    let reaching_out = answered.iter().filter(now).any(|s| {
        matches!(
            s.construct.as_str(),
            "help_seeking" | "social_support" | "therapy_alliance"
        )
    });
    Gates {
        act,
        suicidal,
        eating,
        burden,
        at_risk_unprotected: at_risk && !protected,
        harm_unprotected: self_harm && !reaching_out,
    }
}

/// Whether a recent signal's time is within hours (its cue "just now", "an hour ago", "hours
/// ago" or "earlier"): an act that may still be under way, not one of the last days.
fn just_made(s: &Signal) -> bool {
    s.temporality == Temporality::Recent
        && s.cues.iter().any(|c| {
            let t = c.text.to_lowercase();
            c.category == "recent" && (t.contains("hour") || t == "just now" || t == "earlier")
        })
}

/// Drops the signals of [`THREAD_GATED`] constructs that the answered text does not make harm.
fn drop_ungated(signals: &mut Vec<Signal>, gates: Gates) {
    signals.retain(|s| {
        !THREAD_GATED.iter().any(|c| s.construct == *c)
            || (s.construct == "harm_act_cheer" && gates.act)
            || (s.construct == "harm_permission" && gates.harm_unprotected)
            || (s.construct == "harm_consent" && gates.suicidal)
            || (s.construct == "harm_agreement" && (gates.suicidal || gates.burden))
            || (s.construct == "harm_ed_praise" && gates.eating)
            || (s.construct == "reply_celebration" && gates.at_risk_unprotected)
    });
}

/// What the level rules need to know of a construct, looked up once per signal.
#[derive(Debug, Clone, Copy, Default)]
struct Facts {
    kind: Option<Kind>,
    cssrs: Option<u8>,
    /// A lasting risk factor (see `Construct::lasting`).
    lasting: bool,
    /// A risk factor whose past still counts (see `Construct::past_counts`).
    past_counts: bool,
    /// The construct's bit among [`REQUIRED`] (see [`ids`]); 0 for a construct the rules do
    /// not name.
    bit: u64,
}

/// The constructs the rules name, as bits (one per place in [`REQUIRED`]): a signal's
/// construct is one of them when its [`Facts::bit`] is among them. A name missing from
/// [`REQUIRED`] does not compile.
const fn ids(names: &[&str]) -> u64 {
    let mut mask = 0;
    let mut k = 0;
    while k < names.len() {
        mask |= 1 << required_position(names[k]);
        k += 1;
    }
    mask
}

const fn required_position(name: &str) -> usize {
    assert!(REQUIRED.len() <= 64, "one bit per required construct");
    let mut k = 0;
    'names: while k < REQUIRED.len() {
        let (a, b) = (REQUIRED[k].as_bytes(), name.as_bytes());
        k += 1;
        if a.len() != b.len() {
            continue;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                continue 'names;
            }
            i += 1;
        }
        return k - 1;
    }
    panic!("a construct the rules name is missing from REQUIRED")
}

/// Risk factors whose accumulation is "strong" (moderate) per DESIGN §5.
const STRONG_FACTORS: &[&str] = &[
    "hopelessness",
    "entrapment",
    "burdensomeness",
    "shame",
    "self_blame",
    "thwarted_belonging",
];

/// The version of the rules, stored beside every assessment.
pub const ENGINE_VERSION: &str =
    concat!("threadcare-engine ", env!("CARGO_PKG_VERSION"), " rules-1");

/// A thread's summary: how urgent, and how it was answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadSummary {
    /// Always "thread": tells summary lines from item lines in JSON Lines output.
    pub kind: String,
    pub thread_id: String,
    pub title: Option<String>,
    /// The post's level (or the highest comment's, when the input has no post).
    pub level: Level,
    /// The highest level of any item in the thread.
    pub highest_level: Level,
    pub post_id: Option<String>,
    /// The post is `severe` and no reply is supportive, or `imminent` and no supportive reply
    /// points to help (DESIGN §7).
    pub unanswered_at_risk: bool,
    /// Every item of the thread, post or comment, whose writer is at `severe` or `imminent` risk
    /// and got no such answer from anyone else among the replies to it (for a comment: the
    /// comments below it), in reading order: a commenter at risk counts as much as the writer
    /// of the post.
    #[serde(default)]
    pub unanswered_items: Vec<String>,
    pub replies: ReplySummary,
    pub explanation: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySummary {
    /// Replies by people other than the post's writer.
    pub count: u32,
    pub supportive: u32,
    pub with_referral: u32,
    pub harmful: u32,
}

/// A thread with every item assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessedThread {
    pub summary: ThreadSummary,
    pub items: Vec<AssessedItem>,
}

/// The whole engine.
pub struct Engine {
    pub signals: Signals,
    /// By construct id, for the constructs of the data and those the rules name (`FxHashMap`:
    /// short keys), looked up once per signal.
    facts: FxHashMap<String, Facts>,
    /// The learned part (`model`): reply empathy, IRF risk factors with their evidence, and
    /// calibrated confidence. `None`: the rules alone.
    models: Option<Arc<Models>>,
}

impl Engine {
    /// The engine from the data embedded in the binary: the rules and the trained models.
    pub fn embedded() -> Result<Engine, EngineError> {
        Ok(Engine::new(Signals::embedded()?).with_models(Models::embedded()?))
    }

    /// The engine from the embedded data without the trained models: the rules alone.
    pub fn rules_only() -> Result<Engine, EngineError> {
        Ok(Engine::new(Signals::embedded()?))
    }

    /// An engine of the rules alone over `signals` (add models with [`Engine::with_models`]).
    pub fn new(signals: Signals) -> Engine {
        let mut facts: FxHashMap<String, Facts> = FxHashMap::default();
        for c in &signals.constructs {
            let f = facts.entry(c.id.clone()).or_default();
            f.kind = Some(c.kind);
            f.cssrs = c.cssrs;
            f.lasting = c.lasting;
            f.past_counts = c.past_counts;
        }
        for (k, id) in REQUIRED.iter().enumerate() {
            facts.entry(id.to_string()).or_default().bit = 1 << k;
        }
        Engine {
            signals,
            facts,
            models: None,
        }
    }

    /// The same engine using `models`.
    pub fn with_models(mut self, models: Models) -> Engine {
        self.models = Some(Arc::new(models));
        self
    }

    pub fn models(&self) -> Option<&Models> {
        self.models.as_deref()
    }

    /// Assesses one text on its own (a post, or a comment without its thread).
    pub fn assess_text(&self, text: &str) -> Assessment {
        // The tokens' buffers are kept per thread between texts (a fresh set when this thread
        // is already using them).
        thread_local! {
            static TOKENS: std::cell::RefCell<Tokens> = std::cell::RefCell::default();
        }
        let signals = TOKENS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut tokens) => {
                tokenize_into(text, &mut tokens);
                self.text_signals(text, &tokens)
            }
            Err(_) => self.text_signals(text, &tokenize(text)),
        });
        self.assess_signals(signals)
    }

    /// A text's rule signals with the models' factors added.
    fn text_signals(&self, text: &str, tokens: &Tokens) -> Vec<Signal> {
        let mut signals = self.signals.find_in(text, tokens);
        // A text alone answers nothing: words that are harm only against what they answer
        // are left out (see `THREAD_GATED`).
        drop_ungated(&mut signals, Gates::default());
        self.add_model_factors(text, tokens, &mut signals);
        signals
    }

    /// Risk factors the models find in a post and its rule signals do not affirm, added as
    /// signals quoting their evidence (see `model`).
    fn add_model_factors(&self, text: &str, tokens: &Tokens, signals: &mut Vec<Signal>) {
        let Some(models) = &self.models else { return };
        let family_of = |id: &str| self.signals.family_name(id);
        // A content warning over the post ("TW: suicide, self harm") is a label for readers:
        // the models read the text without it (blanked, so that offsets hold), and the rules'
        // signals outside it.
        let warnings = crate::model::content_warnings(tokens);
        let found = if warnings.is_empty() {
            models.factor_signals(text, tokens, signals, &family_of)
        } else {
            let mut bytes = text.as_bytes().to_vec();
            for &(a, b) in &warnings {
                bytes[a..b].fill(b' ');
            }
            // (Whole sentences, whose bounds are character bounds, became ASCII spaces.)
            let masked = String::from_utf8(bytes).expect("blanked on character bounds");
            let masked_tokens = tokenize(&masked);
            let outside: Vec<Signal> = signals
                .iter()
                .filter(|s| s.in_title || !warnings.iter().any(|&(a, b)| s.start < b && a < s.end))
                .cloned()
                .collect();
            models.factor_signals(&masked, &masked_tokens, &outside, &family_of)
        };
        for s in found {
            let at = signals.partition_point(|x| !x.in_title && x.start <= s.start);
            signals.insert(at, s);
        }
    }

    /// Assesses every item of a thread: each comment also against the item it answers.
    pub fn assess_thread(&self, thread: &Thread) -> AssessedThread {
        let by_id: HashMap<&str, &Item> = thread.items.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut levels: HashMap<&str, (Level, Vec<Signal>)> = HashMap::new();
        let mut assessed = Vec::with_capacity(thread.items.len());
        // Parents come before their replies in reading order; where they do not, the reply is
        // judged against what is known so far (the post's level at least).
        for item in &thread.items {
            let parent = item
                .parent_id
                .as_deref()
                .and_then(|p| by_id.get(p).copied());
            let tokens = tokenize(&item.text);
            // A post's title and body are read as one text for anchors: either may name what
            // lets the other's anchored patterns count.
            let title = match item.kind {
                ItemKind::Post => item.title.as_deref(),
                _ => None,
            };
            // A reply that opens by sharing what it answers ("same, I'm planning to do it this
            // weekend") speaks of the same thing: what the answered text names lets the reply's
            // anchored patterns count, as a title does for its body.
            let beside = match (item.kind, parent) {
                (ItemKind::Post, _) => title,
                (ItemKind::Comment, Some(parent)) if opening_share(&tokens).is_some() => {
                    Some(parent.text.as_str())
                }
                _ => None,
            };
            let mut signals = self.signals.find_in_beside(&item.text, &tokens, beside);
            if let Some(title) = title {
                let title_tokens = tokenize(title);
                signals.extend(
                    self.signals
                        .find_in_beside(title, &title_tokens, Some(&item.text))
                        .into_iter()
                        .map(|mut s| {
                            s.in_title = true;
                            s
                        }),
                );
            }
            if item.kind == ItemKind::Post {
                // Reply qualities describe answers; in a post they are noise.
                signals.retain(|s| self.facts_of(s).kind != Some(Kind::Reply));
            }
            if let Some(parent) = parent {
                mark_quotes(&mut signals, &item.text, &tokens, &parent.text);
                if let Some((_, parent_signals)) = levels.get(parent.id.as_str()) {
                    mark_echoes(&mut signals, &item.text, &tokens, parent_signals);
                    if item.kind == ItemKind::Comment {
                        let shared =
                            shared_disclosures(&item.text, &tokens, parent_signals, &signals);
                        signals.extend(shared);
                    }
                }
            }
            if item.kind == ItemKind::Post {
                self.add_model_factors(&item.text, &tokens, &mut signals);
            }
            let answered = parent
                .and_then(|p| levels.get(p.id.as_str()))
                .or_else(|| thread.post().and_then(|p| levels.get(p.id.as_str())));
            let (answers_level, answered_signals) = answered
                .map(|(l, s)| (*l, s.as_slice()))
                .unwrap_or((Level::None, &[]));
            if item.kind == ItemKind::Comment {
                // Before the models read the signals: they were fitted without these words
                // where the thread does not make them harm.
                drop_ungated(&mut signals, thread_gates(answered_signals));
            }
            let mut assessment = self.assess_signals(signals);
            if item.kind == ItemKind::Comment {
                let mut reply =
                    self.assess_reply(&assessment.signals, answers_level, answered_signals);
                // The models' empathy grades replace the rules' (combined as each model says).
                if let Some(empathy) = self.models.as_ref().and_then(|m| {
                    m.empathy(&item.text, &tokens, &assessment.signals, reply.empathy)
                }) {
                    // `supportive` stays the rules' call: it decides whether a person at risk
                    // counts as answered, so it must rest on quoted evidence, not on a score.
                    reply.empathy = empathy;
                }
                assessment.reply = Some(reply);
                if let Some(r) = &assessment.reply {
                    if !r.harmful.is_empty() {
                        let quotes: Vec<String> = assessment
                            .signals
                            .iter()
                            .filter(|s| s.construct.starts_with("harm_") && !s.negated)
                            .take(3)
                            .map(|s| format!("'{}'", s.text))
                            .collect();
                        let harm = format!(
                            "This reply may harm: {} ({}).",
                            r.harmful.join(", ").replace('_', " "),
                            quotes.join(", ")
                        );
                        assessment.explanation = if assessment.level == Level::None {
                            format!("{harm} Nothing of concern about the writer.")
                        } else {
                            format!("{harm} {}", assessment.explanation)
                        };
                    }
                }
            }
            levels.insert(
                item.id.as_str(),
                (assessment.level, assessment.signals.clone()),
            );
            assessed.push(AssessedItem {
                item: item.clone(),
                assessment,
            });
        }
        let summary = summarize(thread, &assessed);
        AssessedThread {
            summary,
            items: assessed,
        }
    }

    fn facts_of(&self, s: &Signal) -> Facts {
        self.facts
            .get(s.construct.as_str())
            .copied()
            .unwrap_or_default()
    }

    /// The level rules of DESIGN §5 over a text's signals.
    pub fn assess_signals(&self, signals: Vec<Signal>) -> Assessment {
        let facts: Vec<Facts> = signals.iter().map(|s| self.facts_of(s)).collect();
        let kind = |i: usize| facts[i].kind;
        let cssrs_of = |i: usize| facts[i].cssrs;
        let is = |i: usize, mask: u64| facts[i].bit & mask != 0;
        let now = |i: usize| signals[i].temporality != Temporality::Historical;
        // Self-injury placed ahead ("I'll relapse into cutting") is not yet done: it reads as an
        // urge (context/future.toml). An eating-disorder rule set for tomorrow ("only allowed 500
        // calories tomorrow") is the disorder's regime now, so behaviour keeps its level.
        let ahead = |i: usize| signals[i].temporality == Temporality::Future;
        // Now or in the last days (not dated to the last weeks: see `Rule::weeks`).
        let days = |i: usize| now(i) && !self.signals.context.dated_in_weeks(&signals[i]);
        let by_model = |i: usize| signals[i].rule.starts_with("model:");
        // The affirmed signals (by index) that are not qualities of a reply.
        let affirmed: Vec<usize> = (0..signals.len())
            .filter(|&i| signals[i].affirmed() && kind(i) != Some(Kind::Reply))
            .collect();
        // The affirmed signals that pass `keep`, in order.
        let select = |keep: &dyn Fn(usize) -> bool| -> Vec<&Signal> {
            affirmed
                .iter()
                .copied()
                .filter(|&i| keep(i))
                .map(|i| &signals[i])
                .collect()
        };

        let cssrs = affirmed
            .iter()
            .filter_map(|&i| cssrs_of(i))
            .max()
            .unwrap_or(0);

        let mut reasons: Vec<(Level, &'static str, Vec<&Signal>)> = Vec::new();

        // imminent
        push(
            &mut reasons,
            Level::Imminent,
            "suicidal intent, a plan, preparation or an attempt, now or in the last days",
            select(&|i| days(i) && cssrs_of(i).is_some_and(|l| l >= 4)),
        );
        push(
            &mut reasons,
            Level::Imminent,
            "a goodbye message",
            select(&|i| now(i) && is(i, const { ids(&["goodbye"]) })),
        );
        let injury_now = select(&|i| {
            days(i)
                && is(
                    i,
                    const { ids(&["self_injury", "attempt", "method", "substance_risk"]) },
                )
        });
        let danger = select(&|i| now(i) && is(i, const { ids(&["medical_danger"]) }));
        if !injury_now.is_empty() && !danger.is_empty() {
            push(
                &mut reasons,
                Level::Imminent,
                "self-injury or an attempt with medical danger",
                injury_now.iter().chain(danger.iter()).copied().collect(),
            );
        }
        // severe
        // The body in danger now (a wound that needs stitches, fainting from starvation, blood
        // vomited) calls for urgent care whatever the text says of its cause.
        push(
            &mut reasons,
            Level::Severe,
            "medical danger now",
            danger.clone(),
        );
        push(
            &mut reasons,
            Level::Severe,
            "suicidal intent, a plan, preparation or an attempt in the last weeks",
            select(&|i| now(i) && !days(i) && cssrs_of(i).is_some_and(|l| l >= 4)),
        );
        push(
            &mut reasons,
            Level::Severe,
            "thinking about a method (C-SSRS 3)",
            select(&|i| now(i) && is(i, const { ids(&["method"]) })),
        );
        // Voices that command the writer to die or to harm themselves (command hallucinations):
        // psychosis on the same words as suicidality or self-harm, whatever the C-SSRS level of
        // the words alone (Harkavy-Friedman et al. 2003); or to harm someone else (McNiel et
        // al. 2000), psychosis on the same words as harm to others.
        let psychosis = select(&|i| now(i) && is(i, const { ids(&["psychosis"]) }));
        if !psychosis.is_empty() {
            // Commanded harm to the writer (suicidality, self-harm) or to someone else.
            let harm = select(&|i| {
                now(i)
                    && (matches!(signals[i].family.as_str(), "suicidality" | "self_harm")
                        || is(i, const { ids(&["harm_to_others"]) }))
            });
            let commanded: Vec<&Signal> = psychosis
                .iter()
                .filter(|p| harm.iter().any(|h| overlap(p, h)))
                .copied()
                .collect();
            if !commanded.is_empty() {
                let with_harm: Vec<&Signal> = harm
                    .iter()
                    .filter(|h| commanded.iter().any(|p| overlap(p, h)))
                    .copied()
                    .collect();
                let at_others = with_harm.iter().any(|h| h.construct == "harm_to_others");
                let at_self = with_harm.iter().any(|h| h.construct != "harm_to_others");
                push(
                    &mut reasons,
                    Level::Severe,
                    match (at_self, at_others) {
                        (true, true) => "voices commanding harm to the writer and to someone else",
                        (false, true) => "voices commanding harm to someone else",
                        _ => "voices commanding self-harm or suicide",
                    },
                    commanded.iter().copied().chain(with_harm).collect(),
                );
            }
        }
        // A factor a model found counts as a risk factor (low), never towards a higher level.
        let current_distress = select(&|i| {
            now(i)
                && kind(i) == Some(Kind::Risk)
                && !facts[i].lasting
                && !is(i, const { ids(&["attempt", "preparation"]) })
                && !by_model(i)
        });
        let past_behaviour = select(&|i| !now(i) && cssrs_of(i) == Some(6));
        if !past_behaviour.is_empty() && !current_distress.is_empty() {
            push(
                &mut reasons,
                Level::Severe,
                "a past attempt with current distress",
                past_behaviour
                    .iter()
                    .chain(current_distress.iter().take(2))
                    .copied()
                    .collect(),
            );
        }
        push(
            &mut reasons,
            Level::Severe,
            "self-injury now or in the last weeks",
            select(&|i| now(i) && !ahead(i) && is(i, const { ids(&["self_injury"]) })),
        );
        push(
            &mut reasons,
            Level::Severe,
            "eating-disorder behaviour",
            select(&|i| now(i) && is(i, const { ids(&["ed_behaviour"]) })),
        );
        push(
            &mut reasons,
            Level::Severe,
            "dangerous substance use",
            select(&|i| now(i) && is(i, const { ids(&["substance_risk"]) })),
        );
        // moderate
        push(
            &mut reasons,
            Level::Moderate,
            "a wish to be dead or thoughts of suicide (C-SSRS 1–2)",
            select(&|i| now(i) && is(i, const { ids(&["passive_ideation", "active_ideation"]) })),
        );
        push(
            &mut reasons,
            Level::Moderate,
            "urges to self-injure or to restrict",
            select(&|i| {
                now(i)
                    && (is(i, const { ids(&["self_injury_urge", "ed_urge"]) })
                        || (ahead(i) && is(i, const { ids(&["self_injury"]) })))
            }),
        );
        // A factor a model found (rule `model:…`) counts as a risk factor (low), never towards
        // moderate or severe: levels above low rest on the rules' evidence.
        let strong = select(&|i| now(i) && is(i, const { ids(STRONG_FACTORS) }) && !by_model(i));
        // Two factors are two pieces of evidence: one phrase read as two ("I'm a constant
        // disappointment to my parents": shame and burdensomeness on the same words) is one.
        let two_factors = strong.iter().enumerate().any(|(k, a)| {
            strong[k + 1..]
                .iter()
                .any(|b| a.construct != b.construct && !overlap(a, b))
        });
        // DESIGN §5 names burdensomeness, entrapment, hopelessness and self-hatred as strong.
        // Thwarted belonging counts with another of them (the interpersonal theory's pair), but
        // loneliness told three ways is still one risk factor (low), not three.
        let repeated = strong
            .iter()
            .filter(|s| s.construct.as_str() != "thwarted_belonging")
            .count();
        // A strong form by what it says (others better off with the writer gone) counts alone.
        let strong_alone = strong.iter().any(|s| self.signals.is_strong_rule(&s.rule));
        if two_factors || repeated >= 3 || strong_alone {
            push(
                &mut reasons,
                Level::Moderate,
                "strong hopelessness, entrapment, burdensomeness or self-hatred",
                strong,
            );
        }
        // low
        push(
            &mut reasons,
            Level::Low,
            "past suicidality, self-injury or eating-disorder behaviour",
            select(&|i| {
                !now(i)
                    && matches!(
                        signals[i].family.as_str(),
                        "suicidality" | "self_harm" | "eating_disorder"
                    )
            }),
        );
        push(
            &mut reasons,
            Level::Low,
            "distress or risk factors",
            select(&|i| {
                (now(i) || facts[i].lasting || facts[i].past_counts) && kind(i) == Some(Kind::Risk)
            }),
        );
        let for_other: Vec<&Signal> = signals
            .iter()
            .filter(|s| {
                // Quoted words count when they are someone else's reported speech.
                let reported = s
                    .cues
                    .iter()
                    .any(|c| c.rule == crate::context::REPORTED_SPEECH);
                !s.negated
                    && (!s.quoted || reported)
                    && s.certainty != Certainty::Hypothetical
                    && s.experiencer == Experiencer::Other
            })
            // A reply echoing what the post disclosed is answering it, not raising a new concern.
            .filter(|s| !s.cues.iter().any(|c| c.rule.starts_with(ECHO_RULE)))
            // Someone else's psychotic experiences or psychiatric crisis care ("my brother was
            // sectioned") are acute states a moderator should see, as their suicidality is;
            // their other risk factors (stress, loneliness) are not a concern of this kind. Nor is
            // their burdensomeness, except in its strong form, the death imagined as a relief
            // ("my husband keeps saying we'd be better off without him"), a warning sign told
            // by families.
            .filter(|s| {
                matches!(
                    s.family.as_str(),
                    "suicidality" | "self_harm" | "eating_disorder" | "substance"
                ) || matches!(s.construct.as_str(), "psychosis" | "crisis_care")
                    || (s.construct == "burdensomeness" && self.signals.is_strong_rule(&s.rule))
            })
            .collect();
        let concern_for_other = !for_other.is_empty();
        push(
            &mut reasons,
            Level::Low,
            "concern for someone else",
            for_other,
        );

        let level = reasons.iter().map(|r| r.0).max().unwrap_or(Level::None);
        let top: Vec<&(Level, &'static str, Vec<&Signal>)> =
            reasons.iter().filter(|r| r.0 == level).collect();

        let (mut risk, mut protective, mut themes) = (Vec::new(), Vec::new(), Vec::new());
        for (s, f) in signals.iter().zip(&facts) {
            match f.kind {
                Some(Kind::Risk) if s.affirmed() && s.family == "risk_factor" => {
                    risk.push(s.construct.as_str());
                }
                Some(Kind::Protective) if s.affirmed() => {
                    protective.push(s.construct.as_str());
                }
                // A relationship theme is about two people: the experiencer does not matter.
                // Quoted dialogue counts here: "I told her, 'I don't trust you!'" is the rupture.
                Some(Kind::Theme) if !s.negated && s.certainty != Certainty::Hypothetical => {
                    themes.push(s.construct.as_str());
                }
                _ => {}
            }
        }
        // Each named once, in order.
        for names in [&mut risk, &mut protective, &mut themes] {
            names.sort_unstable();
            names.dedup();
        }

        let explanation = explain(
            level,
            cssrs,
            &top,
            &risk,
            &protective,
            &themes,
            concern_for_other,
            &self.signals.context,
        );
        let confidence = confidence(level, &top, &signals);
        let mut assessment = Assessment {
            level,
            cssrs,
            confidence,
            concern_for_other,
            factors: Factors {
                risk: risk.iter().map(|s| s.to_string()).collect(),
                protective: protective.iter().map(|s| s.to_string()).collect(),
            },
            themes: themes.iter().map(|s| s.to_string()).collect(),
            reply: None,
            explanation,
            signals,
        };
        // Calibrated on data by the confidence model: changes the confidence, never the level.
        if let Some(calibrated) = self
            .models
            .as_ref()
            .and_then(|m| m.confidence(&assessment, confidence))
        {
            assessment.confidence = calibrated;
        }
        assessment
    }

    /// DESIGN §7: a reply's empathy, referral and harm, against the level of what it answers.
    pub fn assess_reply(
        &self,
        signals: &[Signal],
        answers_level: Level,
        answered: &[Signal],
    ) -> ReplyAssessment {
        // A signal that counts for the reply: said, not denied, quoted or supposed.
        let counts = |s: &Signal| !s.negated && !s.quoted && s.certainty != Certainty::Hypothetical;
        let count = |id: &str| {
            signals
                .iter()
                .filter(|s| s.construct == id && counts(s))
                .count()
        };
        let grade = |n: usize| match n {
            0 => 0,
            1 => 1,
            _ => 2,
        };
        let empathy = Empathy {
            emotional_reaction: grade(count("emotional_reaction")),
            interpretation: grade(count("interpretation")),
            exploration: grade(count("exploration")),
        };
        let referral = count("referral") > 0;
        // What the reply itself says about someone else's suicide, self-harm or eating.
        let names_risk = |families: &[&str]| {
            signals.iter().any(|s| {
                !s.negated
                    && s.experiencer == Experiencer::Other
                    && families.contains(&s.family.as_str())
            })
        };
        let answered_has = |families: &[&str]| {
            answered
                .iter()
                .any(|s| s.affirmed() && families.contains(&s.family.as_str()))
        };
        let mut harmful = Vec::new();
        // Goading, and method or means, are harmful against any text of concern ("you are a
        // burden" to someone who feels like one; "mix them with vodka" to the same person), not
        // only against suicidality: a person with risk factors is at risk. Against a text of no
        // concern the same words are often about vitamins or a recipe ("take them all at once").
        let of_concern = answers_level >= Level::Low || answered_has(&["suicidality", "self_harm"]);
        if count("harm_encouragement") > 0
            && (of_concern || names_risk(&["suicidality", "self_harm"]))
        {
            harmful.push("encouragement".to_string());
        }
        // Good will ("good luck", "you've got this") is encouragement only against a text that
        // announces the act now: the same words cheer on an exam. Nor in a reply that points to
        // help: there "you can do this" cheers on getting that help.
        let gates = thread_gates(answered);
        if count("harm_act_cheer") > 0
            && gates.act
            && count("referral") == 0
            && !harmful.iter().any(|h| h == "encouragement")
        {
            harmful.push("encouragement".to_string());
        }
        // Leave to act on an urge ("go for it", "treat yourself") is encouragement against
        // self-injury now or an urge to it, and pro-eating-disorder against restriction or
        // purging, where the writer has not turned to someone instead; not in a reply that
        // points to help.
        if count("harm_permission") > 0 && gates.harm_unprotected && count("referral") == 0 {
            let now_of = |family: &str| {
                answered.iter().any(|s| {
                    s.affirmed() && s.temporality != Temporality::Historical && s.family == family
                })
            };
            if now_of("self_harm") && !harmful.iter().any(|h| h == "encouragement") {
                harmful.push("encouragement".to_string());
            }
            if now_of("eating_disorder") && !harmful.iter().any(|h| h == "pro_eating_disorder") {
                harmful.push("pro_eating_disorder".to_string());
            }
        }
        // Consent to dying ("your choice, I respect it") is encouragement against any
        // suicidality now, a wish to be dead included: to a plan for the weekend it is cheer,
        // and to thoughts of ending it every day it is leave to act.
        if count("harm_consent") > 0
            && gates.suicidal
            && !harmful.iter().any(|h| h == "encouragement")
        {
            harmful.push("encouragement".to_string());
        }
        // Bare agreement ("maybe they would, who knows") is encouragement against the writer's
        // own sense of being a burden, or of mattering to nobody ("you're right, nobody would" to
        // "nobody would care if I was gone"), or suicidality now: to a question about a party it
        // is none.
        if count("harm_agreement") > 0
            && (gates.suicidal || gates.burden)
            && !harmful.iter().any(|h| h == "encouragement")
        {
            harmful.push("encouragement".to_string());
        }
        if count("harm_method") > 0
            && (of_concern || names_risk(&["suicidality", "self_harm", "substance"]))
        {
            harmful.push("method_or_means".to_string());
        }
        // Compensation and restriction advice ("make up for it by fasting tomorrow") is harm to
        // anyone who wrote with concern (guilt after a meal is often not yet named as eating).
        if count("harm_pro_ed") > 0
            && (answered_has(&["eating_disorder"])
                || names_risk(&["eating_disorder"])
                || answers_level >= Level::Low)
            && !harmful.iter().any(|h| h == "pro_eating_disorder")
        {
            harmful.push("pro_eating_disorder".to_string());
        }
        // Admiration of weight lost or of thinness is pro-eating-disorder only against a text
        // that tells of disordered eating now: the same words cheer on a marathon.
        if count("harm_ed_praise") > 0
            && gates.eating
            && !harmful.iter().any(|h| h == "pro_eating_disorder")
        {
            harmful.push("pro_eating_disorder".to_string());
        }
        if count("harm_invalidation") > 0 && answers_level >= Level::Low {
            harmful.push("invalidation".to_string());
        }
        // Gladness that reads a post at risk as good news ("so happy for you" to "I want to
        // die") is warmth that missed the person: it does not make the reply an answer. (Its
        // signals are only here where the answered text makes them so: `drop_ungated`.)
        let celebrations: Vec<&Signal> = signals
            .iter()
            .filter(|s| s.construct == "reply_celebration" && counts(s))
            .collect();
        let answering_reactions = signals
            .iter()
            .filter(|s| {
                s.construct == "emotional_reaction"
                    && counts(s)
                    && !celebrations.iter().any(|c| overlap(c, s))
            })
            .count();
        let empathic =
            answering_reactions + empathy.interpretation as usize + empathy.exploration as usize
                > 0;
        // A reply that tells of the replier's own suicidality or self-harm now ("same, would be
        // nice not to wake up", "same, I keep wanting to cut too") relates, but it is not the
        // answer a person at risk needed: someone else at risk has spoken, and that reply has
        // its own level. A past one ("I tried years ago, please call someone") can still be
        // supportive, and so can words that point to care ("deep cuts can need stitches, please
        // get it looked at": the danger named is the reason for the referral it overlaps).
        let referrals: Vec<&Signal> = signals
            .iter()
            .filter(|s| s.construct == "referral" && s.affirmed())
            .collect();
        let replier_at_risk_now = signals.iter().any(|s| {
            s.affirmed()
                && s.temporality != Temporality::Historical
                && (s.family == "suicidality" || s.family == "self_harm")
                && !referrals.iter().any(|r| overlap(r, s))
        });
        ReplyAssessment {
            answers_level,
            empathy,
            referral,
            supportive: (empathic || referral) && harmful.is_empty() && !replier_at_risk_now,
            harmful,
        }
    }
}

/// Records a reason for a level when it has evidence.
fn push<'a>(
    reasons: &mut Vec<(Level, &'static str, Vec<&'a Signal>)>,
    level: Level,
    why: &'static str,
    evidence: Vec<&'a Signal>,
) {
    if !evidence.is_empty() {
        reasons.push((level, why, evidence));
    }
}

const ECHO_RULE: &str = "names what the answered text disclosed, with no first-person word";

/// A reply that names what the text it answers disclosed ("the suicidal thoughts you describe
/// sound overwhelming") speaks of the other person: a signal of a construct the answered text
/// affirmed, in a sentence of the reply with no first-person word, is about someone else. Not
/// in a reply that opens by sharing it ("same honestly. would be nice to not wake up", "me
/// too"): there a sentence with no word for the other person is the replier's own.
fn mark_echoes(signals: &mut [Signal], text: &str, tokens: &Tokens, answered: &[Signal]) {
    const FIRST_PERSON: &[&str] = &[
        "i", "i'm", "i've", "i'd", "i'll", "im", "me", "my", "myself", "mine",
    ];
    const SECOND_PERSON: &[&str] = &[
        "you", "your", "you're", "youre", "you've", "you'd", "you'll", "yourself", "u", "ur",
    ];
    let shares = opening_share(tokens).is_some();
    for s in signals.iter_mut() {
        if s.experiencer == Experiencer::Other
            || s.family == "reply"
            || !answered
                .iter()
                .any(|a| a.affirmed() && a.construct == s.construct)
        {
            continue;
        }
        let Some(sentence) = tokens
            .sentences
            .iter()
            .find(|x| x.start <= s.start && s.start < x.end)
        else {
            continue;
        };
        let has = |words: &[&str]| {
            sentence
                .tokens
                .clone()
                .any(|i| words.contains(&tokens.norm(i)))
        };
        // The replier's own when it shares and names no one else.
        let own = shares && !has(SECOND_PERSON);
        if !has(FIRST_PERSON) && !own {
            s.experiencer = Experiencer::Other;
            s.cues.push(Cue {
                category: Name::from_static("experiencer"),
                rule: Name::from_static(ECHO_RULE),
                text: text[sentence.start..sentence.end].to_string(),
                start: sentence.start,
                end: sentence.end,
            });
        }
    }
}

/// Whether the reply opens by sharing what it answers ("same", "me too", "felt this",
/// "honestly same", "same here"): the index of the share's last token.
fn opening_share(tokens: &Tokens) -> Option<usize> {
    let word = |k: usize| (k < tokens.tokens.len()).then(|| tokens.norm(k));
    match (word(0), word(1)) {
        (Some("same" | "samee"), Some("here" | "tbh" | "honestly" | "lol")) => Some(1),
        (Some("same" | "mood" | "relatable" | "metoo" | "samee"), _) => Some(0),
        (Some("me"), Some("too"))
        | (Some("felt"), Some("this" | "that"))
        | (Some("honestly" | "literally" | "ugh" | "omg"), Some("same" | "mood")) => Some(1),
        _ => None,
    }
}

/// What a bare share can carry over from the text it answers: the ideation, self-injury or
/// eating-disorder behaviour and urges disclosed there. (A plan, a date or an attempt is not
/// read into a "same": the replier said only that they feel or do the same.)
const SHAREABLE: &[&str] = &[
    "passive_ideation",
    "active_ideation",
    "self_injury",
    "self_injury_urge",
    "ed_behaviour",
    "ed_urge",
];

/// The most words a reply may have to count as a bare share ("same here lol", "me too
/// honestly, every night"): a longer reply says what it shares in its own words.
const SHARE_WORDS: usize = 8;

const SHARE_RULE: &str = "a bare share of what the answered text disclosed";

/// A reply that is a bare share ("same here lol" to "my self-harm is getting worse", "me too"
/// to "I want to die") tells of the replier's own risk in the answered text's words: for each
/// construct of [`SHAREABLE`] that the answered text affirmed (not in the past), a signal of the
/// replier's own, quoting the share, dated as the answered text dated it. Not
/// where the reply tells of such risk itself (its own words are then the evidence).
fn shared_disclosures(
    text: &str,
    tokens: &Tokens,
    answered: &[Signal],
    own: &[Signal],
) -> Vec<Signal> {
    let Some(last) = opening_share(tokens).filter(|_| tokens.tokens.len() <= SHARE_WORDS) else {
        return Vec::new();
    };
    let at_risk = |s: &Signal| {
        s.affirmed()
            && matches!(
                s.family.as_str(),
                "suicidality" | "self_harm" | "eating_disorder"
            )
    };
    if own.iter().any(at_risk) {
        return Vec::new();
    }
    // The evidence is the share itself ("same here", "me too", "honestly same").
    let (start, end) = (tokens.tokens[0].start, tokens.tokens[last].end);
    let mut shared: Vec<Signal> = Vec::new();
    for a in answered {
        if !at_risk(a)
            || a.temporality == Temporality::Historical
            || !SHAREABLE.contains(&a.construct.as_str())
            || shared.iter().any(|s| s.construct == a.construct)
        {
            continue;
        }
        shared.push(Signal {
            construct: a.construct.clone(),
            family: a.family.clone(),
            start,
            end,
            text: text[start..end].to_string(),
            negated: false,
            temporality: a.temporality,
            experiencer: Experiencer::Writer,
            certainty: a.certainty,
            quoted: false,
            rule: Name::from(format!("{}:shared", a.construct)),
            cues: vec![Cue {
                category: Name::from_static("experiencer"),
                rule: Name::from_static(SHARE_RULE),
                text: text[start..end].to_string(),
                start,
                end,
            }],
            in_title: false,
        });
    }
    shared
}

/// Marks signals of a comment (`text`, tokenized as `tokens`) that sit in a sentence repeating
/// the text it answers: quoting the post is not the commenter's own disclosure.
fn mark_quotes(signals: &mut [Signal], text: &str, tokens: &Tokens, parent: &str) {
    if signals.is_empty() || parent.is_empty() {
        return;
    }
    let norm = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let parent_norm = format!(" {} ", norm(parent));
    for s in signals.iter_mut() {
        let Some(sentence) = tokens
            .sentences
            .iter()
            .find(|x| x.start <= s.start && s.end <= x.end.max(s.end) && s.start < x.end)
        else {
            continue;
        };
        let sentence_text = norm(&text[sentence.start..sentence.end]);
        if sentence_text.split(' ').count() >= 4
            && parent_norm.contains(&format!(" {sentence_text} "))
        {
            s.quoted = true;
            s.cues.push(Cue {
                category: Name::from_static("quotation"),
                rule: Name::from_static("repeats the text it answers"),
                text: text[sentence.start..sentence.end].to_string(),
                start: sentence.start,
                end: sentence.end,
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn explain(
    level: Level,
    cssrs: u8,
    top: &[&(Level, &'static str, Vec<&Signal>)],
    risk: &[&str],
    protective: &[&str],
    themes: &[&str],
    concern_for_other: bool,
    context: &Context,
) -> String {
    // Written piece by piece into one string (the words of `format!` without its copies).
    let mut out = String::with_capacity(160);
    let words = |out: &mut String, set: &[&str]| {
        for (k, s) in set.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            for (j, part) in s.split('_').enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                out.push_str(part);
            }
        }
    };
    if level == Level::None {
        out.push_str("Nothing of concern found.");
    } else {
        out.push_str(&capitalize(level.as_str()));
        out.push_str(": ");
        for (k, (_, why, ev)) in top.iter().take(3).enumerate() {
            if k > 0 {
                out.push_str("; ");
            }
            out.push_str(why);
            out.push_str(" (");
            for (j, s) in ev.iter().take(2).enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                out.push('\'');
                out.push_str(&s.text);
                out.push('\'');
                out.push_str(when(s, context));
                if s.rule.ends_with(":shared") {
                    out.push_str(", a share of what the text it answers disclosed");
                }
            }
            out.push(')');
        }
        out.push('.');
    }
    if cssrs > 0 {
        out.push_str(" C-SSRS screener level ");
        out.push_str(&cssrs.to_string());
        out.push('.');
    }
    for (name, set) in [
        (" Risk factors: ", risk),
        (" Protective: ", protective),
        (" Themes: ", themes),
    ] {
        if !set.is_empty() {
            out.push_str(name);
            words(&mut out, set);
            out.push('.');
        }
    }
    if concern_for_other && level > Level::Low {
        out.push_str(" Also concern for someone else.");
    }
    out
}

fn when(s: &Signal, context: &Context) -> &'static str {
    match s.temporality {
        Temporality::Recent if context.dated_in_weeks(s) => " in the last weeks",
        Temporality::Recent => " in the last days",
        Temporality::Historical => " in the past",
        Temporality::Future => " ahead",
        Temporality::Current => "",
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// How sure the level is, before calibration on evaluation data: more independent evidence and
/// definite wording raise it, hedging and negated look-alikes lower it.
fn confidence(
    level: Level,
    top: &[&(Level, &'static str, Vec<&Signal>)],
    signals: &[Signal],
) -> f32 {
    if level == Level::None {
        let near = signals
            .iter()
            .filter(|s| {
                s.family != "reply" && (s.negated || s.certainty == Certainty::Hypothetical)
            })
            .count();
        return (0.9 - 0.1 * near as f32).max(0.5);
    }
    let evidence: Vec<&Signal> = top.iter().flat_map(|r| r.2.iter().copied()).collect();
    let distinct: BTreeSet<&str> = evidence.iter().map(|s| s.construct.as_str()).collect();
    let hedged = evidence
        .iter()
        .filter(|s| s.certainty == Certainty::Possible)
        .count();
    let score = 0.55 + 0.1 * (distinct.len().min(3) as f32) + 0.05 * (evidence.len().min(4) as f32)
        - 0.1 * (hedged.min(2) as f32);
    score.clamp(0.3, 0.97)
}

fn summarize(thread: &Thread, items: &[AssessedItem]) -> ThreadSummary {
    let post = items.iter().find(|a| a.item.kind == ItemKind::Post);
    let highest = items
        .iter()
        .map(|a| a.assessment.level)
        .max()
        .unwrap_or(Level::None);
    let level = post.map(|p| p.assessment.level).unwrap_or(highest);
    let post_author = post.and_then(|p| p.item.author.clone());
    let mut replies = ReplySummary::default();
    for a in items.iter().filter(|a| a.item.kind == ItemKind::Comment) {
        // The writer answering their own commenters is not an answer to them.
        if post_author.is_some() && a.item.author == post_author {
            continue;
        }
        let Some(r) = &a.assessment.reply else {
            continue;
        };
        replies.count += 1;
        replies.supportive += r.supportive as u32;
        replies.with_referral += (r.supportive && r.referral) as u32;
        replies.harmful += (!r.harmful.is_empty()) as u32;
    }
    let unanswered_at_risk = unanswered(level, &replies);
    let unanswered_items = unanswered_items(items);
    let commenters = unanswered_items
        .iter()
        .filter(|id| post.is_none_or(|p| p.item.id != **id))
        .count();
    let explanation = if unanswered_at_risk {
        if level == Level::Imminent {
            format!(
                "The post is imminent and no reply points to help ({} replies, {} supportive).",
                replies.count, replies.supportive
            )
        } else {
            format!(
                "The post is severe and has no supportive reply ({} replies).",
                replies.count
            )
        }
    } else if level >= Level::Severe {
        format!(
            "The post is {level}; {} of {} replies are supportive, {} point to help.",
            replies.supportive, replies.count, replies.with_referral
        )
    } else {
        format!(
            "{} replies, {} supportive, {} harmful.",
            replies.count, replies.supportive, replies.harmful
        )
    };
    let explanation = match commenters {
        0 => explanation,
        1 => format!("{explanation} A commenter at risk has no supportive reply to their comment."),
        n => format!(
            "{explanation} {n} commenters at risk have no supportive reply to their comments."
        ),
    };
    ThreadSummary {
        kind: "thread".into(),
        thread_id: thread.thread_id.clone(),
        title: thread.title.clone(),
        level,
        highest_level: highest,
        post_id: post.map(|p| p.item.id.clone()),
        unanswered_at_risk,
        unanswered_items,
        replies,
        explanation,
    }
}

/// Whether a writer at `level` whose replies are `replies` is unanswered at risk: `severe`
/// without a supportive reply, `imminent` without a supportive reply that points to help.
fn unanswered(level: Level, replies: &ReplySummary) -> bool {
    match level {
        Level::Imminent => replies.with_referral == 0,
        Level::Severe => replies.supportive == 0,
        _ => false,
    }
}

/// The items at `severe` or `imminent` that are unanswered at risk ([`unanswered`]), counting
/// as replies to an item the comments of other writers below it (to the post: every comment).
fn unanswered_items(items: &[AssessedItem]) -> Vec<String> {
    let index: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, a)| (a.item.id.as_str(), i))
        .collect();
    let parent = |i: usize| {
        items[i]
            .item
            .parent_id
            .as_deref()
            .and_then(|p| index.get(p).copied())
    };
    // Whether item `j` is below item `i` (a cycle in bad input ends the walk).
    let below = |j: usize, i: usize| {
        let mut at = parent(j);
        for _ in 0..items.len() {
            match at {
                Some(a) if a == i => return true,
                Some(a) => at = parent(a),
                None => return false,
            }
        }
        false
    };
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate() {
        if a.assessment.level < Level::Severe {
            continue;
        }
        let is_post = a.item.kind == ItemKind::Post;
        let mut replies = ReplySummary::default();
        for (j, r) in items.iter().enumerate() {
            if j == i || r.item.kind != ItemKind::Comment || !(is_post || below(j, i)) {
                continue;
            }
            if a.item.author.is_some() && r.item.author == a.item.author {
                continue;
            }
            if let Some(reply) = &r.assessment.reply {
                replies.supportive += reply.supportive as u32;
                replies.with_referral += (reply.supportive && reply.referral) as u32;
            }
        }
        if unanswered(a.assessment.level, &replies) {
            out.push(a.item.id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lasting risk factor (a bereavement by suicide) stays the writer's current risk factor
    /// when a time word dates it, and never counts as the current distress that makes a past
    /// attempt severe.
    /// Voices commanding harm to someone else are severe with psychosis on the same words, as
    /// commands to self-harm are; an order from a person is neither.
    #[test]
    fn commanded_harm_to_someone_else_is_severe() {
        let engine = Engine::rules_only().expect("the embedded rules load");
        let a = engine.assess_text("The voices keep telling me to hurt my neighbour.");
        assert_eq!(a.level, Level::Severe, "{}", a.explanation);
        assert!(
            a.explanation.contains("harm to someone else"),
            "{}",
            a.explanation
        );
        let a = engine.assess_text("The voices keep telling me to kill myself.");
        assert!(
            a.explanation.contains("self-harm or suicide"),
            "{}",
            a.explanation
        );
        let a = engine.assess_text("My boss keeps telling me to hurt the competition.");
        assert!(a.level < Level::Severe, "{}", a.explanation);
    }

    /// Someone else's strong burdensomeness (the family better off with them dead or gone) is a
    /// concern for them; their everyday sense of being a burden is not.
    #[test]
    fn someone_elses_strong_burdensomeness_is_a_concern() {
        let engine = Engine::rules_only().expect("the embedded rules load");
        let a = engine.assess_text(
            "My husband has been cleaning his guns a lot and keeps saying we'd be better off without him.",
        );
        assert!(a.concern_for_other, "{}", a.explanation);
        assert_eq!(a.level, Level::Low, "{}", a.explanation);
        let a = engine.assess_text("My dad says he feels like a burden since his knee operation.");
        assert!(!a.concern_for_other, "{}", a.explanation);
    }

    /// The signal of `construct` in `a`, asserted to be dated as past in the output.
    fn dated_signal<'a>(a: &'a Assessment, construct: &str) -> &'a Signal {
        let s = a
            .signals
            .iter()
            .find(|s| s.construct == construct)
            .unwrap_or_else(|| panic!("a signal of {construct}"));
        assert_eq!(
            s.temporality,
            Temporality::Historical,
            "dated in the output"
        );
        s
    }

    #[test]
    fn a_lasting_factor_counts_now_but_not_as_distress() {
        let engine = Engine::rules_only().expect("the embedded rules load");
        let a = engine.assess_text("I lost my brother to suicide three years ago.");
        let s = dated_signal(&a, "suicide_bereavement");
        assert_eq!(s.experiencer, Experiencer::Writer);
        assert_eq!(a.level, Level::Low);
        assert!(
            !a.concern_for_other,
            "the person who died is not at risk now"
        );

        let a = engine.assess_text("Years ago I tried to kill myself. My sister died by suicide.");
        assert_eq!(a.level, Level::Low, "{}", a.explanation);
        let a = engine.assess_text("Years ago I tried to kill myself. Today I feel hopeless.");
        assert_eq!(a.level, Level::Severe, "{}", a.explanation);
    }

    #[test]
    fn a_past_trauma_counts_now_and_a_current_one_is_distress() {
        let engine = Engine::rules_only().expect("the embedded rules load");
        let a = engine.assess_text("As a little kid I was sexually abused.");
        dated_signal(&a, "trauma");
        assert_eq!(a.level, Level::Low, "{}", a.explanation);
        // The past trauma is no current distress beside a past attempt ...
        let a = engine.assess_text("I tried to kill myself at nineteen. I was abused as a kid.");
        assert_eq!(a.level, Level::Low, "{}", a.explanation);
        // ... but flashbacks this week are.
        let a = engine.assess_text(
            "I tried to kill myself at nineteen. The flashbacks have been constant this week.",
        );
        assert_eq!(a.level, Level::Severe, "{}", a.explanation);
    }
}
