//! The learned part of the engine (issue 3): small linear models over the engine's own construct
//! and context signals and hashed word n-grams, trained by `threadcare train` with a fixed seed
//! and committed in `models/` (with `models/README.md` saying how each was made). They are
//! embedded in the binary: nothing is downloaded, ever.
//!
//! What the models may do, so that every level stays explainable (`DESIGN.md` §6):
//! - `epitome_*` grade a reply's empathy (EPITOME emotional reactions, interpretations,
//!   explorations) from the reply's words and signals. Empathy is not a level.
//! - `irf_burden` and `irf_belong` find perceived burdensomeness and thwarted belongingness
//!   (Joiner's interpersonal theory) that the construct patterns missed. A finding becomes a
//!   [`Signal`] (rule `model:irf_burden`, `model:irf_belong`) quoting the sentence that reads
//!   most like the evidence annotators quote for the factor ([`sentences`]), so it is cited like
//!   any other evidence; with no such sentence nothing is added.
//! - `confidence` maps what the rules found (level, amount and kinds of evidence, hedges) to the
//!   probability that the level's concern / no-concern call is right (Platt 1999 scaling).
//!
//! The logistic and softmax regression are written here ([`linear`], [`train`]): what is
//! needed is a few hundred lines over hashed sparse features with a deterministic trainer and a
//! small reviewable text file format, and no well-kept crate offers hashed sparse logistic
//! regression with these guarantees without pulling in a numerical stack.

pub mod decision;
pub mod features;
pub mod linear;
pub mod reply;
pub mod sentences;
pub mod train;

use threadcare_core::{
    Assessment, Certainty, Empathy, Experiencer, Level, Name, Signal, Temporality,
};

use crate::token::Tokens;
use features::{
    construct_counts, construct_slot, index, signal_state, Occurrence, Sparse, TextFeatures,
};
pub use linear::{Linear, ModelError};

/// The model files, in `models/`.
pub const FILES: [&str; 8] = [
    "epitome_emotional_reaction.json",
    "epitome_interpretation.json",
    "epitome_exploration.json",
    "irf_burden.json",
    "irf_belong.json",
    "confidence.json",
    "irf_burden_sentences.json",
    "irf_belong_sentences.json",
];

/// A sentence model must say how it is mixed with its post model.
fn sentence_model(m: Linear) -> Result<Linear, ModelError> {
    if m.weight.is_some() {
        Ok(m)
    } else {
        Err(ModelError::Invalid {
            file: format!("{}.json", m.name),
            message: "a sentence model without its `weight` in the factor's score".into(),
        })
    }
}

/// Words at least one of which a sentence must hold to be quoted as evidence of an IRF factor
/// (a word ending in `*` is a stem): the model scores the whole post, but the sentence shown to a
/// moderator as "thwarted belonging" must be about being alone or left out, not about an
/// argument. Chosen on the IRF validation split: it raised thwarted belonging (0.761 → 0.776)
/// and lowered burdensomeness (0.794 → 0.671, whose sentences name no common words), so
/// burdensomeness has no such list; for both, a sentence that carries the rules' evidence of
/// another risk (suicidality, self-harm, eating, substances) or of something protective is never
/// the one quoted.
pub fn factor_topic(construct: &str) -> Option<&'static [&'static str]> {
    match construct {
        "thwarted_belonging" => Some(&[
            "alone",
            "lonely",
            "loneliness",
            "isolat*",
            "nobody",
            "noone",
            "friend*",
            "belong*",
            "left",
            "ignor*",
            "invisible",
            "unwanted",
            "unloved",
            "reject*",
            "abandon*",
            "disconnect*",
            "outsider",
            "care*",
            "miss*",
            "understand*",
            "people",
            "anyone",
            "anybody",
            "everyone",
            "talk*",
            "family",
            "lost",
            "leave*",
            "leaving",
            "without",
            "empty",
            "connect*",
            "relationship*",
            "texts",
            "text",
            "reply",
            "replies",
            "invite*",
            "excluded",
            "included",
            "single",
            "loved",
            "love",
            "hug*",
            "company",
        ]),
        _ => None,
    }
}

/// A topic's words (see [`factor_topic`]) arranged for checking a word: by their first byte,
/// so that a word is compared only with those that could match it.
struct Topic<'a> {
    /// For each first byte, the topic's (stem, whether it is a whole word) that start with it.
    by_first: Vec<Vec<(&'a str, bool)>>,
    /// A stem that is empty (`*`) matches every word.
    every: bool,
}

impl<'a> Topic<'a> {
    fn new(words: &[&'a str]) -> Topic<'a> {
        let mut topic = Topic {
            by_first: vec![Vec::new(); 256],
            every: false,
        };
        for w in words {
            let (stem, whole) = match w.strip_suffix('*') {
                Some(stem) => (stem, false),
                None => (*w, true),
            };
            match stem.as_bytes().first() {
                Some(&b) => topic.by_first[b as usize].push((stem, whole)),
                // An empty whole word matches no token (tokens are never empty).
                None => topic.every |= !whole,
            }
        }
        topic
    }

    /// The topic of a factor's construct, made once.
    fn of(construct: &str) -> Option<&'static Topic<'static>> {
        static TOPICS: std::sync::OnceLock<Vec<(&str, Option<Topic<'static>>)>> =
            std::sync::OnceLock::new();
        TOPICS
            .get_or_init(|| {
                FACTORS
                    .iter()
                    .map(|&(_, c)| (c, factor_topic(c).map(Topic::new)))
                    .collect()
            })
            .iter()
            .find(|(c, _)| *c == construct)
            .and_then(|(_, t)| t.as_ref())
    }

    /// Whether `word` is one of the topic's words or starts with one of its stems.
    fn has(&self, word: &str) -> bool {
        if self.every {
            return true;
        }
        let Some(&first) = word.as_bytes().first() else {
            return false;
        };
        self.by_first[first as usize].iter().any(|&(stem, whole)| {
            if whole {
                word == stem
            } else {
                word.starts_with(stem)
            }
        })
    }
}

/// The risk factors the IRF models find: (model name, construct id).
pub const FACTORS: [(&str, &str); 2] = [
    ("irf_burden", "burdensomeness"),
    ("irf_belong", "thwarted_belonging"),
];

/// The EPITOME mechanisms, in the order of [`Models::epitome`].
pub const MECHANISMS: [&str; 3] = ["emotional_reaction", "interpretation", "exploration"];

/// The most words a model-found span quotes.
pub const SPAN_WORDS: usize = 24;

/// The fewest words a text needs for the factor models to speak. They learned from Reddit posts
/// (IRF: a median of about a hundred words); on a line or two each word weighs as much as a whole
/// post's worth of evidence, and a figure of speech ("the suspense is killing me") would read as
/// a risk factor. Shorter texts keep what the rules found.
pub const FACTOR_MIN_WORDS: usize = 20;

/// The model files embedded in the binary: (file name, contents).
pub fn embedded_files() -> [(&'static str, &'static str); 8] {
    macro_rules! model {
        ($f:literal) => {
            (
                $f,
                include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/", $f)),
            )
        };
    }
    [
        model!("epitome_emotional_reaction.json"),
        model!("epitome_interpretation.json"),
        model!("epitome_exploration.json"),
        model!("irf_burden.json"),
        model!("irf_belong.json"),
        model!("confidence.json"),
        model!("irf_burden_sentences.json"),
        model!("irf_belong_sentences.json"),
    ]
}

/// The engine's models. A missing one is simply not used (while training, models are made one
/// after the other); [`Models::embedded`] and [`Models::from_files`] require all of them.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// Emotional reaction, interpretation, exploration.
    pub epitome: Option<[Linear; 3]>,
    pub irf_burden: Option<Linear>,
    pub irf_belong: Option<Linear>,
    pub confidence: Option<Linear>,
    /// The sentence models of the IRF factors ([`sentences`]); without one, a factor's score is
    /// its post model's probability alone.
    pub irf_burden_sentences: Option<Linear>,
    pub irf_belong_sentences: Option<Linear>,
}

impl Models {
    /// The models embedded in the binary.
    pub fn embedded() -> Result<Models, ModelError> {
        Models::from_files(&embedded_files())
    }

    /// Every model of [`FILES`] from (file name, contents) pairs.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Models, ModelError> {
        let get = |name: &str| -> Result<Linear, ModelError> {
            let (file, text) =
                files
                    .iter()
                    .find(|(f, _)| *f == name)
                    .ok_or_else(|| ModelError::Missing {
                        file: name.to_string(),
                    })?;
            let m = Linear::from_file(file, text)?;
            let want = name.trim_end_matches(".json");
            if m.name != want {
                return Err(ModelError::Invalid {
                    file: file.to_string(),
                    message: format!("holds the model `{}`, expected `{want}`", m.name),
                });
            }
            Ok(m)
        };
        let classes = |m: Linear, n: usize| -> Result<Linear, ModelError> {
            if m.labels.len() == n {
                Ok(m)
            } else {
                Err(ModelError::Invalid {
                    file: format!("{}.json", m.name),
                    message: format!("{} classes, expected {n}", m.labels.len()),
                })
            }
        };
        Ok(Models {
            epitome: Some([
                classes(get(FILES[0])?, 3)?,
                classes(get(FILES[1])?, 3)?,
                classes(get(FILES[2])?, 3)?,
            ]),
            irf_burden: Some(classes(get(FILES[3])?, 2)?),
            irf_belong: Some(classes(get(FILES[4])?, 2)?),
            confidence: Some(classes(get(FILES[5])?, 2)?),
            irf_burden_sentences: Some(sentence_model(classes(get(FILES[6])?, 2)?)?),
            irf_belong_sentences: Some(sentence_model(classes(get(FILES[7])?, 2)?)?),
        })
    }

    /// Every model of [`FILES`] from a folder.
    pub fn load_dir(dir: &std::path::Path) -> Result<Models, ModelError> {
        let mut files = Vec::new();
        for f in FILES {
            let path = dir.join(f);
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push((f, text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ModelError::Missing {
                        file: f.to_string(),
                    })
                }
                Err(e) => {
                    return Err(ModelError::Io {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })
                }
            }
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(f, t)| (*f, t.as_str())).collect();
        Models::from_files(&refs)
    }

    fn factor(&self, name: &str) -> Option<&Linear> {
        match name {
            "irf_burden" => self.irf_burden.as_ref(),
            "irf_belong" => self.irf_belong.as_ref(),
            _ => None,
        }
    }

    fn factor_sentences(&self, name: &str) -> Option<&Linear> {
        match name {
            "irf_burden" => self.irf_burden_sentences.as_ref(),
            "irf_belong" => self.irf_belong_sentences.as_ref(),
            _ => None,
        }
    }

    /// A factor's score in a text and the probability of each of its sentences (empty without
    /// a sentence model): see [`sentences`].
    fn factor_score(
        &self,
        name: &str,
        model: &Linear,
        features: &TextFeatures,
        tokens: &Tokens,
        signals: &[Signal],
    ) -> (f32, Vec<f32>) {
        let p = model.probabilities(&features.vector)[1];
        match self.factor_sentences(name) {
            Some(sm) => {
                let per = sentences::sentence_scores(sm, &features.occurrences, tokens, signals);
                (sentences::mixed(p, &per, sm.weight.unwrap_or(0.0)), per)
            }
            None => (p, Vec::new()),
        }
    }

    /// Risk factors the IRF models find in a post that its rule signals do not already affirm,
    /// each as a signal quoting its evidence. `family_of` gives a construct's family.
    pub fn factor_signals(
        &self,
        text: &str,
        tokens: &Tokens,
        signals: &[Signal],
        family_of: &dyn Fn(&str) -> Option<Name>,
    ) -> Vec<Signal> {
        if (self.irf_burden.is_none() && self.irf_belong.is_none())
            || tokens.tokens.len() < FACTOR_MIN_WORDS
        {
            return Vec::new();
        }
        // The models whose answer can count: a factor the rules affirm needs none, and a model
        // of more than one output never has an evidence span (see `evidence_span`).
        let mut models: Vec<(&str, &'static str, &Linear, f32)> = Vec::with_capacity(FACTORS.len());
        for (name, construct) in FACTORS {
            let Some(model) = self.factor(name).filter(|m| m.outputs() == 1) else {
                continue;
            };
            if !signals
                .iter()
                .any(|s| s.affirmed() && s.construct == construct)
            {
                models.push((name, construct, model, model.bias[0]));
            }
        }
        if models.is_empty() {
            return Vec::new();
        }
        // The post models whose score counts: a factor whose sentence model has all the weight
        // (`weight` 1) scores `1 × the best sentence + 0 × the post`, which is the best sentence
        // exactly whatever the post's probability, and always has its sentences scored (below):
        // its post score is left at the bias, unread. (The post model's weights still choose
        // the words of a long quoted sentence in `span_of`.)
        let post_counts: Vec<bool> = models
            .iter()
            .map(|&(name, ..)| {
                self.factor_sentences(name)
                    .is_none_or(|sm| sm.weight.unwrap_or(0.0) != 1.0)
            })
            .collect();
        features::with_scratch(|f| {
            let constructs = construct_counts(signals);
            f.fill(text, tokens, &constructs);
            // Every model's score that counts in one pass over the features (each sum in slot
            // order, as `Linear::scores` adds them).
            // The models whose post score counts, chosen once rather than for every feature.
            let mut counting: Vec<(&Linear, &mut f32)> = models
                .iter_mut()
                .zip(&post_counts)
                .filter(|(_, &c)| c)
                .map(|((_, _, model, score), _)| (&**model, score))
                .collect();
            match counting.as_mut_slice() {
                [(a, sa), (b, sb)] => {
                    for &(slot, v) in &f.vector {
                        if let Some(w) = a.weights(slot) {
                            **sa += w[0] * v;
                        }
                        if let Some(w) = b.weights(slot) {
                            **sb += w[0] * v;
                        }
                    }
                }
                all => {
                    for &(slot, v) in &f.vector {
                        for (model, score) in all.iter_mut() {
                            if let Some(w) = model.weights(slot) {
                                **score += w[0] * v;
                            }
                        }
                    }
                }
            }
            drop(counting);
            let mut out = Vec::new();
            // The sentence models of the factors that could still reach their threshold (the
            // largest sentence probability is at most 1), scored together.
            let needs: Vec<(usize, &Linear)> = models
                .iter()
                .enumerate()
                .filter_map(|(i, &(name, _, model, score))| {
                    let sm = self.factor_sentences(name)?;
                    let w = sm.weight.unwrap_or(0.0);
                    let best = w + (1.0 - w) * linear::positive(score);
                    (best >= model.threshold.unwrap_or(0.5)).then_some((i, sm))
                })
                .collect();
            let sms: Vec<&Linear> = needs.iter().map(|&(_, sm)| sm).collect();
            let mut per_model = if sms.is_empty() {
                Vec::new()
            } else {
                let (slots, bounds) = f.sentence_slots(tokens);
                sentences::sentence_scores_sorted(&sms, slots, bounds, tokens, signals)
            }
            .into_iter();
            let mut per_sentence_of: Vec<Option<Vec<f32>>> = vec![None; models.len()];
            for &(i, _) in &needs {
                per_sentence_of[i] = per_model.next();
            }
            for (i, &(name, construct, model, score)) in models.iter().enumerate() {
                let mut p = linear::positive(score);
                let per_sentence = match (self.factor_sentences(name), per_sentence_of[i].take()) {
                    (Some(sm), Some(per)) => {
                        p = sentences::mixed(p, &per, sm.weight.unwrap_or(0.0));
                        per
                    }
                    // Cannot reach the threshold (see above).
                    (Some(_), None) => continue,
                    (None, _) => Vec::new(),
                };
                if p < model.threshold.unwrap_or(0.5) {
                    continue;
                }
                let words = Words {
                    occurrences: &f.occurrences,
                    counts: &f.counts,
                    norm: f.norm,
                };
                let Some((start, end)) = span_of(
                    model,
                    &words,
                    &constructs,
                    tokens,
                    signals,
                    true,
                    Topic::of(construct),
                    &per_sentence,
                    &mut f.per_token,
                ) else {
                    continue;
                };
                out.push(Signal {
                    construct: Name::from_static(construct),
                    family: family_of(construct)
                        .unwrap_or_else(|| Name::from_static("risk_factor")),
                    start,
                    end,
                    text: text[start..end].to_string(),
                    negated: false,
                    temporality: Temporality::Current,
                    experiencer: Experiencer::Writer,
                    certainty: Certainty::Definite,
                    quoted: false,
                    rule: Name::from(format!("model:{name}")),
                    cues: Vec::new(),
                    in_title: false,
                });
            }
            out
        })
    }

    /// The probability of an IRF factor (for training): `None` for a model that is not loaded.
    /// Also tells whether the engine could add it: the text has at least [`FACTOR_MIN_WORDS`]
    /// words and an evidence span is found.
    pub fn factor_scores(
        &self,
        name: &str,
        features: &TextFeatures,
        tokens: &Tokens,
        signals: &[Signal],
    ) -> Option<(f32, bool)> {
        let model = self.factor(name)?;
        let (p, per_sentence) = self.factor_score(name, model, features, tokens, signals);
        let topic = FACTORS
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, construct)| factor_topic(construct));
        let usable = tokens.tokens.len() >= FACTOR_MIN_WORDS
            && evidence_span(model, features, tokens, signals, true, topic, &per_sentence)
                .is_some();
        Some((p, usable))
    }

    /// A reply's empathy grades from the EPITOME models, combined with the rules' grades as
    /// each model's file says (`max` of the two, or the model's alone). `None` without models.
    pub fn empathy(
        &self,
        text: &str,
        tokens: &Tokens,
        signals: &[Signal],
        rules: Empathy,
    ) -> Option<Empathy> {
        let models = self.epitome.as_ref()?;
        let x = features::with_scratch(|f| {
            f.fill(text, tokens, &construct_counts(signals));
            Sparse(f.vector.clone())
        });
        let rule = [
            rules.emotional_reaction,
            rules.interpretation,
            rules.exploration,
        ];
        let mut g = [0u8; 3];
        for i in 0..3 {
            g[i] = if models[i].extra.is_empty() {
                combine_grade(&models[i], &x, rule[i])
            } else {
                let xi = reply::with_blocks(&x, &models[i].extra, text, tokens);
                combine_grade(&models[i], &xi, rule[i])
            };
        }
        Some(Empathy {
            emotional_reaction: g[0],
            interpretation: g[1],
            exploration: g[2],
        })
    }

    /// The calibrated confidence of an assessment (see [`confidence_features`]); `None`
    /// without the model.
    pub fn confidence(&self, a: &Assessment, raw: f32) -> Option<f32> {
        let m = self.confidence.as_ref()?;
        if m.outputs() != 1 {
            return Some(m.probabilities(&confidence_features(a, raw))[1]);
        }
        // Scored from the entries as they are summed, without making the vector: the same
        // sums in the same order as `Linear::scores` of `confidence_features`.
        let (mut entries, n) = confidence_entries(a, raw);
        let mut score = m.bias[0];
        features::for_each_entry(&mut entries[..n], |slot, v| {
            if let Some(w) = m.weights(slot) {
                score += w[0] * v;
            }
        });
        Some(linear::positive(score))
    }
}

/// One EPITOME grade: the model's most probable grade, combined with the rule's grade.
pub fn combine_grade(model: &Linear, x: &Sparse, rule: u8) -> u8 {
    let g = model.predict(x) as u8;
    match model.combine.as_deref() {
        Some("max") => g.max(rule),
        _ => g,
    }
}

/// The features of the confidence model: the level, the rules' own confidence, C-SSRS, and
/// counts of affirmed, protective, negated or imagined, hedged, someone else's and past
/// signals, and whether a model added evidence.
/// The confidence model's feature names after `k:`: the five levels, then the counts.
const K_NAMES: [&str; 17] = [
    "level=none",
    "level=low",
    "level=moderate",
    "level=severe",
    "level=imminent",
    "raw",
    "cssrs",
    "affirmed",
    "distinct",
    "protective",
    "negated",
    "hedged",
    "other",
    "past",
    "model",
    "concern_for_other",
    "raised:affirmed",
];

/// The slot of `k:` + `K_NAMES[i]`, hashed once.
fn k_slot(i: usize) -> u32 {
    static SLOTS: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| K_NAMES.iter().map(|n| index("k", n)).collect())[i]
}

pub fn confidence_features(a: &Assessment, raw: f32) -> Sparse {
    let (entries, n) = confidence_entries(a, raw);
    Sparse::from_entries(entries[..n].to_vec())
}

/// The entries of [`confidence_features`] before they are summed by slot: the first `n`.
fn confidence_entries(a: &Assessment, raw: f32) -> ([(u32, f32); 13], usize) {
    let ln = |n: usize| (1.0 + n as f32).ln();
    // The counts, in one pass over the signals (risk: not a reply, protective or relationship).
    let (mut affirmed, mut protective, mut negated, mut hedged, mut other, mut past) =
        (0, 0, 0, 0, 0, 0);
    // The affirmed constructs' names, in a buffer on the stack while they are few.
    const FEW: usize = 32;
    let mut few: [&str; FEW] = [""; FEW];
    let mut many: Vec<&str> = Vec::new();
    for s in &a.signals {
        let is_affirmed = s.affirmed();
        protective += (s.family == "protective" && is_affirmed) as usize;
        if matches!(s.family.as_str(), "reply" | "protective" | "relationship") {
            continue;
        }
        if is_affirmed {
            if affirmed < FEW {
                few[affirmed] = &s.construct;
            } else {
                if many.is_empty() {
                    many.extend_from_slice(&few);
                }
                many.push(&s.construct);
            }
            affirmed += 1;
            hedged += (s.certainty == Certainty::Possible) as usize;
            past += (s.temporality == Temporality::Historical) as usize;
        }
        negated += (s.negated || s.certainty == Certainty::Hypothetical) as usize;
        other += (!s.negated && s.experiencer == Experiencer::Other) as usize;
    }
    let distinct = if affirmed <= FEW {
        &mut few[..affirmed]
    } else {
        &mut many[..]
    };
    distinct.sort_unstable();
    // Sorted: each name past the first that differs from the one before is a new one.
    let distinct = distinct.len().min(1) + distinct.windows(2).filter(|w| w[0] != w[1]).count();
    let mut e = [(0u32, 0f32); 13];
    e[..12].copy_from_slice(&[
        (k_slot(a.level.rank() as usize), 1.0),
        (k_slot(5), raw),
        (k_slot(6), a.cssrs as f32 / 6.0),
        (k_slot(7), ln(affirmed)),
        (k_slot(8), ln(distinct)),
        (k_slot(9), ln(protective)),
        (k_slot(10), ln(negated)),
        (k_slot(11), ln(hedged)),
        (k_slot(12), ln(other)),
        (k_slot(13), ln(past)),
        (
            k_slot(14),
            a.signals.iter().any(|s| s.rule.starts_with("model:")) as u8 as f32,
        ),
        (k_slot(15), a.concern_for_other as u8 as f32),
    ]);
    if a.level > Level::None {
        e[12] = (k_slot(16), ln(affirmed));
        (e, 13)
    } else {
        (e, 12)
    }
}

/// A text's word-feature occurrences with what attributing a score to them needs.
struct Words<'a> {
    occurrences: &'a [Occurrence],
    /// For each occurrence, how many times its slot occurs in the text.
    counts: &'a [u32],
    /// The scale the word bag was divided by.
    norm: f32,
}

/// Adds each word occurrence's share of `model`'s score to its tokens.
fn word_contributions(model: &Linear, words: &Words, per_token: &mut [f32]) {
    let n = per_token.len();
    for (o, &count) in words.occurrences.iter().zip(words.counts) {
        let Some(w) = model.weights(o.slot) else {
            continue;
        };
        let count = count.max(1);
        let c = count as f32;
        let value = (1.0 + features::ln_count(count)) / words.norm / c;
        let share = w[0] * value / o.len as f32;
        let first = o.first as usize;
        for t in per_token[first.min(n)..(first + o.len as usize).min(n)].iter_mut() {
            *t += share;
        }
    }
}

/// The stretch of text whose words (and construct signals) contribute most to a binary model's
/// positive score: the sentence with the largest contribution, cut to its best [`SPAN_WORDS`]
/// words when longer. `None` when no sentence contributes positively. With `rank` (one score
/// per sentence, e.g. a sentence model's probabilities) the sentence is the one ranked highest
/// instead, among those with words; the cut still follows `model`'s contributions.
pub fn evidence_span(
    model: &Linear,
    f: &TextFeatures,
    tokens: &Tokens,
    signals: &[Signal],
    for_factor: bool,
    topic: Option<&[&str]>,
    rank: &[f32],
) -> Option<(usize, usize)> {
    let topic = topic.map(Topic::new);
    let counts: Vec<u32> = f.occurrences.iter().map(|o| f.bag.count(o.slot)).collect();
    let words = Words {
        occurrences: &f.occurrences,
        counts: &counts,
        norm: f.norm,
    };
    span_of(
        model,
        &words,
        &construct_counts(signals),
        tokens,
        signals,
        for_factor,
        topic.as_ref(),
        rank,
        &mut Vec::new(),
    )
}

/// [`evidence_span`] of a text's words and its signals' construct features (`constructs`),
/// with `per_token` a buffer.
#[allow(clippy::too_many_arguments)]
fn span_of(
    model: &Linear,
    words: &Words,
    constructs: &[(&str, &'static str, f32)],
    tokens: &Tokens,
    signals: &[Signal],
    for_factor: bool,
    topic: Option<&Topic>,
    rank: &[f32],
    per_token: &mut Vec<f32>,
) -> Option<(usize, usize)> {
    let n = tokens.tokens.len();
    if n == 0 || model.outputs() != 1 {
        return None;
    }
    // Each word's part of the score (the rules' signals' part included), made only where it
    // is read: to rank the sentences when their models' scores are not given, or to place a
    // window in a long sentence.
    let contributions = |per_token: &mut Vec<f32>| {
        per_token.clear();
        per_token.resize(n, 0.0);
        word_contributions(model, words, per_token);
        signal_contributions(model, constructs, tokens, signals, per_token);
    };
    let ranked = rank.len() == tokens.sentences.len();
    if !ranked {
        contributions(per_token);
    }
    // Nor is a sentence in which the rules affirm something protective (support, the alliance
    // with a therapist, hope, plans for the future): it says the opposite of the factor. Nor
    // one whose risk is someone else's, imagined or quoted ("he said 'I want to kill myself' as
    // a joke"): it is about another person or no one. (A denial stays quotable: "I'm not
    // suicidal, I just feel like a burden" is the writer's own.)
    let other_risk: Vec<(usize, usize)> = if for_factor {
        signals
            .iter()
            .filter(|s| {
                // Protective signals count only affirmed; risk ones also as someone else's,
                // imagined or quoted. A denial counts neither way.
                !s.negated
                    && (s.affirmed() || s.family.as_str() != "protective")
                    && !s.in_title
                    && !s.rule.starts_with("model:")
            })
            .filter(|s| {
                matches!(
                    s.family.as_str(),
                    "suicidality" | "self_harm" | "eating_disorder" | "substance" | "protective"
                )
            })
            .map(|s| (s.start, s.end))
            .collect()
    } else {
        Vec::new()
    };
    // The first sentence with the largest positive sum that is about the topic and carries no
    // other risk: sentences by sum, largest first (earlier first among equal sums), the word
    // checks made only until one passes.
    let mut by_sum: Vec<(f32, &crate::token::Sentence)> = if ranked {
        tokens
            .sentences
            .iter()
            .zip(rank)
            .filter(|(s, _)| !s.tokens.is_empty())
            .map(|(s, &r)| (r, s))
            .collect()
    } else {
        tokens
            .sentences
            .iter()
            .map(|s| (per_token[s.tokens.clone()].iter().sum::<f32>(), s))
            .filter(|&(sum, _)| sum > 0.0)
            .collect()
    };
    by_sum.sort_by(|a, b| b.0.total_cmp(&a.0));
    let best = by_sum
        .into_iter()
        .map(|(_, s)| s)
        .find(|s| {
            // A factor's evidence is a statement: a one-word sentence (a heading, a fragment
            // such as "Connection") explains nothing.
            (!for_factor || s.tokens.len() >= 2)
                && topic.is_none_or(|words| s.tokens.clone().any(|i| words.has(tokens.norm(i))))
                && !other_risk.iter().any(|&(a, b)| a < s.end && s.start < b)
                && !(for_factor && asks_for_advice(tokens, &s.tokens))
        })
        .map(|s| s.tokens.clone());
    let range = best?;
    let range = if range.len() > SPAN_WORDS {
        if ranked {
            contributions(per_token);
        }
        let mut at = range.start;
        let mut window: f32 = per_token[range.start..range.start + SPAN_WORDS]
            .iter()
            .sum();
        let mut top = window;
        for i in range.start + 1..=range.end - SPAN_WORDS {
            window += per_token[i + SPAN_WORDS - 1] - per_token[i - 1];
            if window > top {
                top = window;
                at = i;
            }
        }
        at..at + SPAN_WORDS
    } else {
        range
    };
    Some((
        tokens.tokens[range.start].start,
        tokens.tokens[range.end - 1].end,
    ))
}

/// The openings of a short question that asks readers what to do ("What do I do?", "Any
/// advice?"). Such a sentence asks for help: quoted as evidence of burdensomeness or thwarted
/// belonging, it explains nothing (a post about a friend at risk ending "What do I do?" had it
/// quoted as the writer's burdensomeness).
const ADVICE_QUESTIONS: &[&[&str]] = &[
    &["what", "do", "i", "do"],
    &["what", "should", "i", "do"],
    &["what", "can", "i", "do"],
    &["what", "do", "we", "do"],
    &["what", "should", "we", "do"],
    &["what", "would", "you", "do"],
    &["what", "now"],
    &["any", "advice"],
    &["any", "tips"],
    &["any", "ideas"],
    &["how", "do", "i", "help"],
    &["how", "can", "i", "help"],
    &["how", "do", "i", "handle", "this"],
    &["how", "do", "i", "deal", "with", "this"],
];

/// Whether a sentence of at most eight words is a request for advice (see [`ADVICE_QUESTIONS`]).
fn asks_for_advice(tokens: &Tokens, sentence: &std::ops::Range<usize>) -> bool {
    sentence.len() <= 8 && opens_with(tokens, sentence, ADVICE_QUESTIONS)
}

/// Whether a sentence's first words are one of `openings` (each in normalised form).
fn opens_with(tokens: &Tokens, sentence: &std::ops::Range<usize>, openings: &[&[&str]]) -> bool {
    openings.iter().any(|opening| {
        opening.len() <= sentence.len()
            && opening
                .iter()
                .zip(sentence.clone())
                .all(|(w, i)| tokens.norm(i) == *w)
    })
}

/// The openings of a content warning ("TW: suicide, self harm", "CW: mentions of SH",
/// "Trigger warning for talk of suicide"): a label the writer puts over a post for its readers.
/// It names the topic and says nothing of the writer: quoted as evidence of burdensomeness (as
/// it was, the sentence model scoring its words), it explains nothing.
const WARNING_OPENINGS: &[&[&str]] = &[
    &["tw"],
    &["cw"],
    &["tws"],
    &["cws"],
    &["trigger", "warning"],
    &["trigger", "warnings"],
    &["content", "warning"],
    &["content", "warnings"],
];

/// The byte ranges of a text's content warnings: its sentences of at most twelve words that
/// open as one (see `WARNING_OPENINGS`). The engine gives the factor models the text without
/// them (blanked, so that offsets hold): a label over the post, not the writer's words.
pub fn content_warnings(tokens: &Tokens) -> Vec<(usize, usize)> {
    tokens
        .sentences
        .iter()
        .filter(|s| {
            !s.tokens.is_empty()
                && s.tokens.len() <= 12
                && opens_with(tokens, &s.tokens, WARNING_OPENINGS)
        })
        .map(|s| (s.start, s.end))
        .collect()
}

/// Adds to `per_token` the weights of the construct features (`constructs`) of the rules'
/// signals (see [`span_of`]): each shared among its signals, at their first words.
fn signal_contributions(
    model: &Linear,
    constructs: &[(&str, &'static str, f32)],
    tokens: &Tokens,
    signals: &[Signal],
    per_token: &mut [f32],
) {
    let n = per_token.len();
    // The rules' signals of other kinds of risk (suicidality, self-harm, eating, substances)
    // raise a factor's score, but a sentence quoted as evidence of burdensomeness or thwarted
    // belonging must be about that, not about an attempt or a plan: their weight is not
    // attributed to any sentence.
    let own: Vec<&Signal> = signals
        .iter()
        .filter(|s| !s.in_title && !s.rule.starts_with("model:"))
        .filter(|s| {
            !matches!(
                s.family.as_str(),
                "suicidality" | "self_harm" | "eating_disorder" | "substance"
            )
        })
        .collect();
    for &(key, state, v) in constructs {
        let Some(w) = model.weights(construct_slot(key, state)) else {
            continue;
        };
        let matching: Vec<&&Signal> = own
            .iter()
            .filter(|s| (s.construct == key || s.family == key) && signal_state(s) == state)
            .collect();
        for s in &matching {
            let t = tokens
                .tokens
                .partition_point(|t| t.end <= s.start)
                .min(n - 1);
            per_token[t] += w[0] * v / matching.len() as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;
    use features::{named, text_features, Occurrence};

    fn binary(rows: &[(&str, f32)], bias: f32) -> Linear {
        let mut m = Linear::new(
            "irf_burden",
            vec!["absent".into(), "present".into()],
            vec![bias],
            rows.iter().map(|(f, w)| (named(f), vec![*w])).collect(),
        );
        m.threshold = Some(0.5);
        m
    }

    #[test]
    fn the_span_is_the_sentence_that_raises_the_score() {
        let text = "The weather was fine today and we walked by the river for an hour. \
                    Everyone would be better off without me. I ate lunch with my brother at noon.";
        let t = tokenize(text);
        let f = text_features(text, &t, &[]);
        let m = binary(
            &[
                ("w:everyone", 1.0),
                ("b:without me", 2.0),
                ("w:lunch", -1.0),
                ("w:weather", 0.5),
            ],
            0.0,
        );
        let (s, e) = evidence_span(&m, &f, &t, &[], false, None, &[]).expect("a positive sentence");
        assert_eq!(&text[s..e], "Everyone would be better off without me");
        // Nothing positive: no span, so no signal.
        let negative = binary(&[("w:lunch", -1.0)], 5.0);
        assert_eq!(
            evidence_span(&negative, &f, &t, &[], false, None, &[]),
            None
        );
        let models = Models {
            irf_burden: Some(negative),
            ..Models::default()
        };
        assert!(
            models.factor_signals(text, &t, &[], &|_| None).is_empty(),
            "positive by its bias alone: not explainable, not added"
        );
        let models = Models {
            irf_burden: Some(m),
            ..Models::default()
        };
        let found = models.factor_signals(text, &t, &[], &|_| Some("risk_factor".into()));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "model:irf_burden");
        assert_eq!(found[0].construct, "burdensomeness");
        assert_eq!(found[0].text, "Everyone would be better off without me");
        assert_eq!(&text[found[0].start..found[0].end], found[0].text);
        assert!(found[0].affirmed());
        // A line or two is too short for the factor models: the rules' findings stand alone.
        let short = "Everyone would be better off without me.";
        assert!(models
            .factor_signals(short, &tokenize(short), &[], &|_| None)
            .is_empty());
    }

    /// The factor models scored together in one pass find what each model scored on its own
    /// features finds, with the same evidence: on the constructs' fixtures run together into
    /// posts long enough for the models.
    #[test]
    fn one_pass_over_the_features_finds_what_each_model_finds() {
        let models = Models::embedded().unwrap();
        let rules = crate::Signals::embedded().unwrap();
        let texts: Vec<String> = rules
            .constructs
            .iter()
            .flat_map(|c| c.fixtures.iter().map(|f| f.text.clone()))
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|w| w.join(" "))
            .collect();
        let (mut fired, mut scored) = (0, 0);
        for text in &texts {
            let t = tokenize(text);
            let signals = rules.find_in(text, &t);
            let mut expected = Vec::new();
            if t.tokens.len() >= FACTOR_MIN_WORDS {
                let f = text_features(text, &t, &signals);
                for (name, construct) in FACTORS {
                    if signals
                        .iter()
                        .any(|s| s.affirmed() && s.construct == construct)
                    {
                        continue;
                    }
                    scored += 1;
                    let model = models.factor(name).unwrap();
                    let (p, per_sentence) = models.factor_score(name, model, &f, &t, &signals);
                    if p < model.threshold.unwrap_or(0.5) {
                        continue;
                    }
                    let topic = factor_topic(construct);
                    if let Some(span) =
                        evidence_span(model, &f, &t, &signals, true, topic, &per_sentence)
                    {
                        expected.push((format!("model:{name}"), span));
                    }
                }
            }
            let found: Vec<(String, (usize, usize))> = models
                .factor_signals(text, &t, &signals, &|_| None)
                .into_iter()
                .map(|s| (s.rule.to_string(), (s.start, s.end)))
                .collect();
            assert_eq!(found, expected, "{text:?}");
            fired += found.len();
        }
        assert!(scored > 100 && fired > 20, "{scored} scored, {fired} found");
    }

    #[test]
    fn long_sentences_are_cut_to_their_best_words() {
        let filler = "and then we went on ".repeat(10);
        let text = format!("{filler}and they would all be better off without me {filler}");
        let t = tokenize(&text);
        let f = text_features(&text, &t, &[]);
        let m = binary(&[("b:without me", 3.0), ("w:off", 1.0)], 0.0);
        let (s, e) = evidence_span(&m, &f, &t, &[], false, None, &[]).unwrap();
        let quoted = &text[s..e];
        assert!(quoted.contains("better off without me"), "{quoted}");
        assert_eq!(quoted.split_whitespace().count(), SPAN_WORDS);
    }

    #[test]
    fn occurrences_cover_real_tokens() {
        let text = "Short one? Yes";
        let t = tokenize(text);
        let f = text_features(text, &t, &[]);
        assert!(f
            .occurrences
            .iter()
            .all(|o: &Occurrence| (o.first as usize + o.len as usize) <= t.tokens.len()));
    }

    #[test]
    fn confidence_feature_names_are_the_levels_and_counts() {
        for level in Level::ALL {
            assert_eq!(
                k_slot(level.rank() as usize),
                index("k", &format!("level={level}"))
            );
        }
        assert_eq!(k_slot(5), index("k", "raw"));
        assert_eq!(k_slot(16), index("k", "raised:affirmed"));
    }

    #[test]
    fn model_files_are_all_required() {
        let err = Models::from_files(&[]).unwrap_err().to_string();
        assert!(
            err.contains("models/epitome_emotional_reaction.json is missing")
                && err.contains("threadcare train"),
            "{err}"
        );
        let wrong = binary(&[], 0.0).to_file();
        let files: Vec<(&str, &str)> = FILES.iter().map(|f| (*f, wrong.as_str())).collect();
        let err = Models::from_files(&files).unwrap_err().to_string();
        assert!(
            err.contains("holds the model `irf_burden`, expected `epitome_emotional_reaction`"),
            "{err}"
        );
    }

    #[test]
    fn a_request_for_advice_is_never_a_factors_evidence() {
        let of = |text: &str| {
            let tokens = crate::token::tokenize(text);
            let sentence = tokens.sentences[0].tokens.clone();
            asks_for_advice(&tokens, &sentence)
        };
        assert!(of("What do I do?"));
        assert!(of("Any advice would help."));
        assert!(!of(
            "What do I do with my life when everyone would be better off?"
        ));
        assert!(!of("Honestly no idea what to do now."));
        assert!(!of("What do I have to offer anyone?"));
    }

    #[test]
    fn content_warnings_are_short_labelled_sentences() {
        let of = |text: &str| {
            let tokens = crate::token::tokenize(text);
            content_warnings(&tokens)
                .iter()
                .map(|&(a, b)| text[a..b].trim_end_matches('.').to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of("TW: suicide, self harm. Session was fine."),
            ["TW: suicide, self harm"]
        );
        assert_eq!(
            of("Okay. Trigger warning for talk of SH. Long post."),
            ["Trigger warning for talk of SH"]
        );
        assert!(of("Session was fine, no TW needed.").is_empty());
        // A long sentence that opens with the label also holds the writer's words: kept.
        assert!(of("TW I have been thinking about it every night this week and I don't know who to tell about any of it.").is_empty());
    }

    #[test]
    fn embedded_models_load() {
        let m = Models::embedded().expect("the models in models/ load");
        assert!(
            m.epitome.is_some()
                && m.irf_burden.is_some()
                && m.irf_belong.is_some()
                && m.confidence.is_some()
        );
        for (f, text) in embedded_files() {
            assert!(text.len() < 1_000_000, "{f} is {} bytes", text.len());
        }
        let total: usize = embedded_files().iter().map(|(_, t)| t.len()).sum();
        assert!(total < 3_000_000, "{total} bytes of models");
    }
}
