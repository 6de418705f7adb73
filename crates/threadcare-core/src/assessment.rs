//! The assessment of one text item: the JSON contract of `DESIGN.md` §4–§7.
//!
//! Types live here, not in the engine, so that the store, the server and any other reader of
//! assessments depend on the contract and not on how it is computed. Field names are stable
//! API: add, never rename.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Item, Name};

/// The triage level a moderator sees (`DESIGN.md` §5), ordered from least to most urgent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    None,
    Low,
    Moderate,
    Severe,
    Imminent,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::None,
        Level::Low,
        Level::Moderate,
        Level::Severe,
        Level::Imminent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Low => "low",
            Level::Moderate => "moderate",
            Level::Severe => "severe",
            Level::Imminent => "imminent",
        }
    }

    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When what a signal describes happens, relative to the writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Temporality {
    #[default]
    Current,
    /// The last days ("last night", "yesterday", "this week").
    Recent,
    /// Longer ago ("years ago", "when I was a teen", "used to").
    Historical,
    Future,
}

/// Whose experience a signal describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Experiencer {
    /// The writer.
    #[default]
    #[serde(rename = "self")]
    Writer,
    /// Someone else: a friend, a family member, the person a reply answers.
    Other,
}

/// How sure the text is about what a signal describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    #[default]
    Definite,
    /// Hedged ("maybe", "I think").
    Possible,
    /// Depends on a condition but is meant ("if he leaves I will end it"): intent, not discarded.
    Conditional,
    /// Imagined, asked about, or inside a condition ("if I ever felt that way I would call").
    Hypothetical,
}

/// A context cue that changed a signal: its category, the rule that fired and the words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cue {
    pub category: Name,
    pub rule: Name,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// One piece of evidence: a construct found at a span, with its context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// The construct's id and its family: shared names (see [`Name`]), serialised as strings.
    pub construct: Name,
    pub family: Name,
    /// Byte offsets into the item's text, half-open.
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub negated: bool,
    pub temporality: Temporality,
    pub experiencer: Experiencer,
    pub certainty: Certainty,
    /// Inside quotation marks, or repeating the text it answers: not the writer's own disclosure.
    #[serde(default)]
    pub quoted: bool,
    /// The pattern that matched, as `construct:pattern`.
    pub rule: Name,
    /// The context cues that changed this signal.
    #[serde(default)]
    pub cues: Vec<Cue>,
    /// Found in the post's title rather than its text: `start`/`end` are then offsets into the
    /// title. A title can carry the whole message ("I can't do this anymore").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_title: bool,
}

impl Signal {
    /// The signal says the writer has (had, will have) this: not negated, not someone else's,
    /// not imagined, not quoted.
    pub fn affirmed(&self) -> bool {
        !self.negated
            && self.experiencer == Experiencer::Writer
            && self.certainty != Certainty::Hypothetical
            && !self.quoted
    }

    /// The signal's context in short words, for tools and tests: its temporality, then
    /// `negated`, `other` (someone else's), its certainty where not definite, and `quoted`.
    pub fn context_flags(&self) -> Vec<String> {
        let mut flags = vec![format!("{:?}", self.temporality).to_lowercase()];
        if self.negated {
            flags.push("negated".into());
        }
        if self.experiencer == Experiencer::Other {
            flags.push("other".into());
        }
        if self.certainty != Certainty::Definite {
            flags.push(format!("{:?}", self.certainty).to_lowercase());
        }
        if self.quoted {
            flags.push("quoted".into());
        }
        flags
    }
}

/// Risk and protective factors named in a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factors {
    pub risk: Vec<String>,
    pub protective: Vec<String>,
}

/// EPITOME empathy mechanisms, each 0 none, 1 weak, 2 strong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empathy {
    pub emotional_reaction: u8,
    pub interpretation: u8,
    pub exploration: u8,
}

/// How a reply answers the text it replies to (`DESIGN.md` §7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyAssessment {
    /// The level of the text this reply answers.
    pub answers_level: Level,
    pub empathy: Empathy,
    /// Suggests professional help, a crisis line or emergency care.
    pub referral: bool,
    /// Kinds of harm: `encouragement`, `method_or_means`, `pro_eating_disorder`, `invalidation`.
    pub harmful: Vec<String>,
    /// Supportive: some empathy or a referral, no harm, and no suicidality of the replier's own
    /// now (a reply that joins the wish to die relates, but is not the answer needed).
    pub supportive: bool,
}

/// The assessment of one item; serialised flattened beside the item's own fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub level: Level,
    pub cssrs: u8,
    pub confidence: f32,
    pub concern_for_other: bool,
    pub signals: Vec<Signal>,
    pub factors: Factors,
    pub themes: Vec<String>,
    pub reply: Option<ReplyAssessment>,
    pub explanation: String,
}

/// An item with its assessment: the JSON object of `DESIGN.md` §4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessedItem {
    #[serde(flatten)]
    pub item: Item,
    #[serde(flatten)]
    pub assessment: Assessment,
}
