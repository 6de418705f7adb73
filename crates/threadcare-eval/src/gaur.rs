//! Gaur500: from the engine's per-post assessment to the data set's five user-level classes.
//!
//! Gaur et al. (2019) labelled each user from all their posts with a C-SSRS-derived scale:
//! Supportive (writes to support others, no risk of their own), Indicator (risk factors or
//! distress without suicidal thoughts), Ideation (thoughts of suicide, from a wish to be dead to
//! thinking about a method), Behavior (self-harm, preparation, a plan or intent: acts or
//! commitments beyond thought), Attempt (a suicide attempt of their own, past or recent). The
//! mapping below follows those definitions over the engine's construct ids and C-SSRS levels,
//! counting only affirmed signals (the writer's own, not negated, not hypothetical, not quoted).

use std::collections::HashMap;

use threadcare_core::{Assessment, Level};
use threadcare_engine::construct::Kind;
use threadcare_engine::Engine;

use crate::predictor::Prediction;

/// Constructs that are acts or commitments beyond thought: Gaur500's "Behavior".
pub const BEHAVIOUR: &[&str] = &["self_injury", "preparation", "plan", "intent", "goodbye"];

/// The mapping, in words, for the report. Keep in step with [`post_label`].
pub const MAPPING: &str = "\
Each post is assessed on its own; each post gets the most severe of these that its affirmed \
signals (the writer's own: not negated, not hypothetical, not quoted) support, regardless of \
when it happened:

| Gaur500 class | a post supports it when it has an affirmed signal of |
|---|---|
| Attempt (4) | `attempt` (the writer's own attempt, interrupted or aborted attempt; C-SSRS 6 behaviour) |
| Behavior (3) | `self_injury`, `preparation`, `plan`, `intent` or `goodbye`, or any construct at C-SSRS 4–6 |
| Ideation (2) | any construct at C-SSRS 1–3 (`passive_ideation`, `active_ideation`, `method`) |
| Indicator (1) | any other risk construct (`distress`, hopelessness, burdensomeness, urges, eating or substance risk…) |
| Supportive (0) | none of the above: nothing about the writer's own risk, including posts whose only concern is for someone else (`concern_for_other`) |

A user's class is the most severe class of any of their posts (as the C-SSRS records the most \
severe ideation and behaviour reported), with the confidence of the most confident post of \
that class. Past attempts count as Attempt because Gaur500's Attempt class includes them.";

/// What the mapping needs to know about each construct: its kind and C-SSRS level.
#[derive(Debug, Clone, Default)]
pub struct ConstructTable {
    of: HashMap<String, (Kind, Option<u8>)>,
}

impl ConstructTable {
    pub fn from_engine(engine: &Engine) -> ConstructTable {
        ConstructTable {
            of: engine
                .signals
                .constructs
                .iter()
                .map(|c| (c.id.clone(), (c.kind, c.cssrs)))
                .collect(),
        }
    }

    pub fn kind(&self, id: &str) -> Option<Kind> {
        self.of.get(id).map(|x| x.0)
    }

    pub fn cssrs(&self, id: &str) -> Option<u8> {
        self.of.get(id).and_then(|x| x.1)
    }

    pub fn has(&self, id: &str) -> bool {
        self.of.contains_key(id)
    }
}

/// The Gaur500 class (0 Supportive … 4 Attempt) one post's assessment supports.
pub fn post_label(a: &Assessment, table: &ConstructTable) -> usize {
    let mut label = 0;
    for s in a.signals.iter().filter(|s| s.affirmed()) {
        let id = s.construct.as_str();
        let cssrs = table.cssrs(id).unwrap_or(0);
        let this = if id == "attempt" {
            4
        } else if BEHAVIOUR.contains(&id) || cssrs >= 4 {
            3
        } else if cssrs >= 1 {
            2
        } else if table.kind(id) == Some(Kind::Risk) {
            1
        } else {
            0
        };
        label = label.max(this);
    }
    label
}

/// One post reduced to what user-level predictors use.
#[derive(Debug, Clone, PartialEq)]
pub struct PostView {
    /// [`post_label`] of the post.
    pub label: usize,
    pub level: Level,
    pub cssrs: u8,
    pub confidence: f64,
    pub concern_for_other: bool,
    /// Affirmed construct ids, sorted, distinct (features for a trained component).
    pub constructs: Vec<String>,
}

impl PostView {
    pub fn new(a: &Assessment, table: &ConstructTable) -> PostView {
        let mut constructs: Vec<String> = a
            .signals
            .iter()
            .filter(|s| s.affirmed())
            .map(|s| s.construct.to_string())
            .collect();
        constructs.sort();
        constructs.dedup();
        PostView {
            label: post_label(a, table),
            level: a.level,
            cssrs: a.cssrs,
            confidence: a.confidence as f64,
            concern_for_other: a.concern_for_other,
            constructs,
        }
    }
}

/// One user: their posts, assessed.
#[derive(Debug, Clone, PartialEq)]
pub struct UserView {
    pub user: String,
    pub posts: Vec<PostView>,
}

impl UserView {
    /// The most severe class of any post, with the highest confidence among the posts of that
    /// class. A user with no posts is Supportive with confidence 0.5 (nothing to go on).
    pub fn most_severe(&self) -> Prediction {
        let Some(label) = self.posts.iter().map(|p| p.label).max() else {
            return Prediction {
                label: 0,
                confidence: 0.5,
            };
        };
        let confidence = self
            .posts
            .iter()
            .filter(|p| p.label == label)
            .map(|p| p.confidence)
            .fold(0.0, f64::max);
        Prediction { label, confidence }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threadcare_core::{Certainty, Experiencer, Signal, Temporality};

    /// A current, definite, affirmed signal. Built from JSON so that fields added to the
    /// contract later (with defaults) do not break this test.
    fn signal(construct: &str) -> Signal {
        serde_json::from_value(serde_json::json!({
            "construct": construct, "family": "suicidality", "start": 0, "end": 1, "text": "x",
            "negated": false, "temporality": "current", "experiencer": "self",
            "certainty": "definite", "rule": ""
        }))
        .expect("a valid signal")
    }

    fn table() -> ConstructTable {
        let rows: [(&str, Kind, Option<u8>); 8] = [
            ("passive_ideation", Kind::Risk, Some(1)),
            ("method", Kind::Risk, Some(3)),
            ("intent", Kind::Risk, Some(4)),
            ("attempt", Kind::Risk, Some(6)),
            ("self_injury", Kind::Risk, None),
            ("hopelessness", Kind::Risk, None),
            ("hope", Kind::Protective, None),
            ("emotional_reaction", Kind::Reply, None),
        ];
        ConstructTable {
            of: rows
                .iter()
                .map(|(id, k, c)| (id.to_string(), (*k, *c)))
                .collect(),
        }
    }

    fn label_of(signals: Vec<Signal>) -> usize {
        post_label(
            &Assessment {
                signals,
                ..Default::default()
            },
            &table(),
        )
    }

    #[test]
    fn each_class_from_its_constructs() {
        assert_eq!(label_of(vec![]), 0);
        assert_eq!(
            label_of(vec![signal("hope"), signal("emotional_reaction")]),
            0
        );
        assert_eq!(label_of(vec![signal("hopelessness")]), 1);
        assert_eq!(
            label_of(vec![signal("hopelessness"), signal("passive_ideation")]),
            2
        );
        assert_eq!(label_of(vec![signal("method")]), 2);
        assert_eq!(label_of(vec![signal("self_injury")]), 3);
        assert_eq!(label_of(vec![signal("intent"), signal("method")]), 3);
        assert_eq!(label_of(vec![signal("method"), signal("attempt")]), 4);
        // A construct the engine does not know counts as nothing.
        assert_eq!(label_of(vec![signal("unknown_construct")]), 0);
    }

    #[test]
    fn only_affirmed_signals_count_and_past_attempts_do() {
        let mut negated = signal("attempt");
        negated.negated = true;
        let mut other = signal("passive_ideation");
        other.experiencer = Experiencer::Other;
        let mut hypothetical = signal("intent");
        hypothetical.certainty = Certainty::Hypothetical;
        let mut quoted = signal("self_injury");
        quoted.quoted = true;
        assert_eq!(label_of(vec![negated, other, hypothetical, quoted]), 0);
        let mut past = signal("attempt");
        past.temporality = Temporality::Historical;
        assert_eq!(label_of(vec![past]), 4);
    }

    #[test]
    fn a_user_is_their_most_severe_post() {
        let post = |label: usize, confidence: f64| PostView {
            label,
            level: Level::None,
            cssrs: 0,
            confidence,
            concern_for_other: false,
            constructs: vec![],
        };
        let u = UserView {
            user: "u".into(),
            posts: vec![post(1, 0.9), post(2, 0.6), post(2, 0.7), post(0, 0.95)],
        };
        assert_eq!(
            u.most_severe(),
            Prediction {
                label: 2,
                confidence: 0.7
            }
        );
        let empty = UserView {
            user: "e".into(),
            posts: vec![],
        };
        assert_eq!(
            empty.most_severe(),
            Prediction {
                label: 0,
                confidence: 0.5
            }
        );
    }
}
