//! Features of a reply that only the EPITOME models read: the words of the reply's questions,
//! the reply's shape (both read by exploration), groups of the cues of emotional reaction
//! ([`feeling_words`], read by emotional reactions), what EPITOME's definition of
//! interpretation turns on ([`relating`], read by interpretations), and (tried in training, not
//! shipped) what a sentence scorer finds in the reply's sentences.
//!
//! EPITOME's exploration is the responder asking about the seeker's feelings and experience;
//! whether a question is about them ("how are you feeling", "what happened") or about something
//! else ("what phone do you have") lies in the question's words, not only in its first one or
//! two (which the shared features already have). Each word of a question sentence is one
//! feature (namespace `qw`), `1 + ln n`, the block scaled to unit length.
//!
//! Empathy is usually one phrase in one sentence ("that must have felt so lonely"), and a bag of
//! the whole reply's words dilutes it among the advice and the small talk. EPITOME's annotators
//! marked the words that justify a grade (its `rationales`); a *sentence scorer* learned from
//! them (a logistic model over one sentence's words: does this sentence hold a rationale?) reads
//! each sentence of a reply on its own, and the block `rationale_sentences` gives the reply model
//! what it found ([`sentence_block`]): how high the best sentence and the best two score, as
//! indicators at fixed levels, and the words of the best sentence. The trainer fits the scorer
//! inside each cross-validation fold (and, for the reply model's fitting rows, inside inner
//! folds). On EPITOME's replies (a median of a few sentences) it did not raise the
//! cross-validated macro-F1, so no shipped model reads it and the engine does not compute it.

use super::features::{index, questions, Sparse};
use super::linear::Linear;
use crate::token::Tokens;

/// The extra feature blocks a model file may ask for (its `extra` field).
pub const BLOCKS: [&str; 4] = ["question_words", "shape", "feeling_words", "relating"];

/// The block of sentence-scorer findings ([`sentence_block`]). Tried in training only (see
/// `models/README.md`: it did not raise the cross-validated macro-F1): the engine does not read
/// it, so a model file naming it is refused when loaded (it is not one of [`BLOCKS`]).
pub const RATIONALE_SENTENCES: &str = "rationale_sentences";

/// A reply's shared features `x` joined with the extra blocks `blocks` (names of [`BLOCKS`]).
pub fn with_blocks(x: &Sparse, blocks: &[String], text: &str, tokens: &Tokens) -> Sparse {
    with_blocks_scored(x, blocks, text, tokens, None)
}

/// [`with_blocks`], and [`RATIONALE_SENTENCES`] from the sentence scorer `scorer` (training:
/// the scorer of a validation fold; without one that block is left out).
pub fn with_blocks_scored(
    x: &Sparse,
    blocks: &[String],
    text: &str,
    tokens: &Tokens,
    scorer: Option<&Linear>,
) -> Sparse {
    let mut out = x.clone();
    for b in blocks {
        if b == "question_words" {
            out = out.join(&question_words(text, tokens));
        } else if b == "shape" {
            out = out.join(&shape(text, tokens));
        } else if b == "feeling_words" {
            out = out.join(&feeling_words(tokens));
        } else if b == "relating" {
            out = out.join(&relating(tokens));
        } else if b == RATIONALE_SENTENCES {
            if let Some(m) = scorer {
                let s = ReplySentences::new(text, tokens);
                out = out.join(&sentence_block(m, &s));
            }
        }
    }
    out
}

/// The name of the sentence scorer of reply model `model`.
pub fn sentence_model_name(model: &str) -> String {
    format!("{model}_sentences")
}

/// The sentences of a reply as the sentence scorer reads them.
#[derive(Debug, Clone, Default)]
pub struct ReplySentences {
    /// Each sentence's features (see [`sentence_features`]).
    pub features: Vec<Sparse>,
    /// Each sentence's words (namespace `sw`), `1 + ln n`, scaled to unit length.
    pub words: Vec<Sparse>,
}

impl ReplySentences {
    pub fn new(text: &str, tokens: &Tokens) -> ReplySentences {
        let is_q = questions(text, tokens);
        let n = tokens.sentences.len();
        let mut features = Vec::with_capacity(n);
        let mut words = Vec::with_capacity(n);
        for (k, q) in is_q.iter().enumerate().take(n) {
            features.push(sentence_features(tokens, k, *q));
            let r = tokens.sentences[k].tokens.clone();
            words.push(unit(r.map(|i| index("sw", tokens.norm(i))).collect()));
        }
        ReplySentences { features, words }
    }
}

/// `1 + ln n` of each slot's count, scaled to unit length.
fn unit(slots: Vec<u32>) -> Sparse {
    let counts = Sparse::from_entries(slots.into_iter().map(|s| (s, 1.0)).collect());
    let values: Vec<(u32, f32)> = counts.0.iter().map(|&(s, n)| (s, 1.0 + n.ln())).collect();
    let norm = values.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm == 0.0 {
        return Sparse::default();
    }
    Sparse(values.into_iter().map(|(s, v)| (s, v / norm)).collect())
}

/// The features of sentence `k` for the sentence scorer: its words (`rw`) and word pairs (`rb`),
/// `1 + ln n` scaled to unit length, its first word (`rf`), and whether it is a question
/// (`rq:?`) and the reply's first sentence (`rq:first`).
pub fn sentence_features(tokens: &Tokens, k: usize, question: bool) -> Sparse {
    let r = tokens.sentences[k].tokens.clone();
    let mut slots: Vec<u32> = Vec::with_capacity(2 * r.len());
    for i in r.clone() {
        slots.push(index("rw", tokens.norm(i)));
        if i + 1 < r.end {
            slots.push(index(
                "rb",
                &format!("{} {}", tokens.norm(i), tokens.norm(i + 1)),
            ));
        }
    }
    let mut e = unit(slots).0;
    if let Some(first) = r.clone().next() {
        e.push((index("rf", tokens.norm(first)), 1.0));
    }
    if question {
        e.push((index("rq", "?"), 1.0));
    }
    if k == 0 {
        e.push((index("rq", "first"), 1.0));
    }
    Sparse::from_entries(e)
}

/// The levels at which the best sentence's and the best two sentences' scores become
/// indicators (`sr:max>=L`, `sr:top2>=L`): indicators rather than the scores themselves, so that
/// the naive Bayes feature scales (which count presences) can tell how much each level says.
pub const SCORE_LEVELS: [f32; 5] = [0.1, 0.3, 0.5, 0.7, 0.9];

/// The probability that each sentence holds a rationale: for a two-class scorer its second
/// class, for more the sum of all classes but the first.
pub fn sentence_scores(scorer: &Linear, s: &ReplySentences) -> Vec<f32> {
    s.features
        .iter()
        .map(|x| {
            let p = scorer.probabilities(x);
            p.iter().skip(1).sum::<f32>()
        })
        .collect()
}

/// The block `rationale_sentences` of a reply: indicators of the best sentence's score and of
/// the mean of the best two at [`SCORE_LEVELS`] (`sr`), and the best sentence's words (`sw`).
/// Empty for a reply without sentences.
pub fn sentence_block(scorer: &Linear, s: &ReplySentences) -> Sparse {
    let scores = sentence_scores(scorer, s);
    let Some(best) = best_sentence(&scores) else {
        return Sparse::default();
    };
    let mut sorted = scores.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let max = sorted[0];
    let top2 = if sorted.len() > 1 {
        (sorted[0] + sorted[1]) / 2.0
    } else {
        max
    };
    let mut e = s.words[best].0.clone();
    let mut levels = |name: &str, v: f32| {
        for l in SCORE_LEVELS {
            if v >= l {
                e.push((index("sr", &format!("{name}>={l}")), 1.0));
            }
        }
    };
    levels("max", max);
    levels("top2", top2);
    // A scorer of grades (none, weak, strong): the best sentence for each grade on its own.
    if scorer.labels.len() > 2 {
        for (k, name) in [(1, "weak"), (2, "strong")] {
            let best = s
                .features
                .iter()
                .map(|x| scorer.probabilities(x)[k])
                .fold(0.0f32, f32::max);
            levels(name, best);
        }
    }
    Sparse::from_entries(e)
}

/// The sentence with the highest score (the first among equals); `None` without sentences.
pub fn best_sentence(scores: &[f32]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (k, &v) in scores.iter().enumerate() {
        if best.is_none_or(|b| v > scores[b]) {
            best = Some(k);
        }
    }
    best
}

/// Upper bounds of the buckets of [`shape`] (a count above the last is in a bucket of its own).
pub const SHAPE_BUCKETS: [u32; 6] = [0, 2, 5, 10, 20, 40];

/// The bucket of a count: the index of the first bound it does not exceed.
fn bucket(n: u32) -> usize {
    SHAPE_BUCKETS
        .iter()
        .position(|&b| n <= b)
        .unwrap_or(SHAPE_BUCKETS.len())
}

/// The block `shape`: the reply's size as indicators (namespace `sh`, one per count, its bucket
/// of [`SHAPE_BUCKETS`]): words, sentences, questions, the words of its longest question,
/// first-person words (`i`, `me`, `my`, `myself`, `i'm`, `i've`, `i'd`, `i'll`, `mine`), and
/// second-person words (`you`, `your`, …). The shared features hold some of these as
/// `ln(1 + n)`, which is in every reply: the naive Bayes feature scales, which count presences,
/// give such a feature a scale near zero, while a bucket is present in some replies only.
pub fn shape(text: &str, tokens: &Tokens) -> Sparse {
    let is_q = questions(text, tokens);
    let words = tokens.tokens.len() as u32;
    let sentences = tokens.sentences.len() as u32;
    let qs = is_q.iter().filter(|&&q| q).count() as u32;
    let longest_q = tokens
        .sentences
        .iter()
        .zip(&is_q)
        .filter(|(_, &q)| q)
        .map(|(s, _)| s.tokens.len() as u32)
        .max()
        .unwrap_or(0);
    let count = |set: &[&str]| {
        (0..tokens.tokens.len())
            .filter(|&i| set.contains(&tokens.norm(i)))
            .count() as u32
    };
    let first = count(&[
        "i", "me", "my", "myself", "i'm", "i've", "i'd", "i'll", "mine", "im", "ive",
    ]);
    let second = count(&[
        "you", "your", "yourself", "you're", "you've", "you'd", "you'll", "yours", "u", "ur",
        "youre",
    ]);
    let e: Vec<(u32, f32)> = [
        ("words", words),
        ("sentences", sentences),
        ("questions", qs),
        ("longest_question", longest_q),
        ("first_person", first),
        ("second_person", second),
    ]
    .iter()
    .map(|(name, n)| (index("sh", &format!("{name}:{}", bucket(*n))), 1.0))
    .collect();
    Sparse::from_entries(e)
}

/// Words that name a feeling or judge an experience as painful, for [`feeling_words`]: the
/// feeling the responder names ("you must feel so alone") or reacts to ("that's awful").
pub const FEELINGS: [&str; 74] = [
    "sad",
    "sadness",
    "scared",
    "scary",
    "afraid",
    "fear",
    "terrified",
    "terrifying",
    "frightening",
    "frightened",
    "lonely",
    "alone",
    "isolated",
    "isolating",
    "angry",
    "anger",
    "mad",
    "furious",
    "frustrated",
    "frustrating",
    "hurt",
    "hurts",
    "hurting",
    "painful",
    "pain",
    "heartbroken",
    "heartbreaking",
    "devastated",
    "devastating",
    "overwhelmed",
    "overwhelming",
    "exhausted",
    "exhausting",
    "tired",
    "anxious",
    "anxiety",
    "worried",
    "upset",
    "upsetting",
    "hopeless",
    "helpless",
    "ashamed",
    "guilty",
    "depressed",
    "miserable",
    "awful",
    "terrible",
    "horrible",
    "rough",
    "tough",
    "hard",
    "difficult",
    "stressful",
    "sucks",
    "shitty",
    "crappy",
    "brutal",
    "unfair",
    "heavy",
    "draining",
    "trapped",
    "stuck",
    "lost",
    "confused",
    "betrayed",
    "abandoned",
    "rejected",
    "worthless",
    "scarier",
    "harder",
    "lonelier",
    "sadder",
    "grief",
    "grieving",
];

/// Judgements of what happened to the seeker ("that's awful", "how unfair").
const JUDGED: [&str; 14] = [
    "awful",
    "terrible",
    "horrible",
    "rough",
    "tough",
    "sad",
    "heartbreaking",
    "unfair",
    "shitty",
    "crappy",
    "brutal",
    "terrifying",
    "scary",
    "horrific",
];

/// The groups of [`feeling_words`], each a name and whether token `i` of `t` starts a match.
type Cue = (&'static str, fn(&Tokens, usize) -> bool);

/// Whether token `i` is one of `set`.
fn is(t: &Tokens, i: usize, set: &[&str]) -> bool {
    i < t.tokens.len() && set.contains(&t.norm(i))
}

/// Whether one of the `n` tokens after `i` is one of `set`.
fn within(t: &Tokens, i: usize, n: usize, set: &[&str]) -> bool {
    (i + 1..=i + n).any(|k| is(t, k, set))
}

/// The words `w`, one after the other from token `i`.
fn seq(t: &Tokens, i: usize, w: &[&str]) -> bool {
    w.iter().enumerate().all(|(k, x)| is(t, i + k, &[x]))
}

const CUES: [Cue; 10] = [
    // Sympathy: "so sorry", "sorry to hear", "sorry you".
    ("sorry", |t, i| {
        is(t, i, &["sorry"])
            && ((i > 0
                && is(
                    t,
                    i - 1,
                    &["so", "really", "very", "i'm", "im", "am", "truly", "deeply"],
                ))
                || is(t, i + 1, &["to", "you", "for", "that", "about"]))
    }),
    // "my heart goes out / breaks", "breaks my heart", "heartbreaking".
    ("heart", |t, i| {
        (is(t, i, &["heart"])
            && within(
                t,
                i,
                2,
                &["goes", "breaks", "hurts", "aches", "out", "broke"],
            ))
            || seq(t, i, &["breaks", "my", "heart"])
            || is(t, i, &["heartbreaking", "heartbroken"])
    }),
    // Hugs and love sent: "hugs", "sending you strength".
    ("hug", |t, i| {
        is(t, i, &["hug", "hugs", "hugz", "hugging"])
            || (is(t, i, &["sending", "send"])
                && within(
                    t,
                    i,
                    2,
                    &[
                        "love", "hugs", "hug", "positive", "good", "strength", "vibes",
                    ],
                ))
    }),
    // A judgement of what happened: "that's awful", "how unfair", "that sucks".
    ("judged", |t, i| {
        (is(
            t,
            i,
            &[
                "that's", "thats", "it's", "its", "how", "is", "was", "sounds",
            ],
        ) && within(t, i, 2, &JUDGED))
            || is(t, i, &["sucks"])
    }),
    // Feeling with the seeker: "I feel for you", "I feel so bad for you".
    ("feel_for", |t, i| {
        seq(t, i, &["feel", "for", "you"])
            || (is(t, i, &["feel", "felt"])
                && within(t, i, 2, &["bad", "sad", "terrible", "awful"])
                && within(t, i, 4, &["for", "that"]))
    }),
    // A feeling inferred: "you must feel so alone", "that must have been terrifying".
    ("must_feel", |t, i| {
        is(t, i, &["must", "must've", "you'd", "would've", "musta"]) && within(t, i, 4, &FEELINGS)
    }),
    // An allusion to feeling better: "stay strong", "hang in there", "it will be okay".
    ("reassure", |t, i| {
        seq(t, i, &["stay", "strong"])
            || seq(t, i, &["be", "strong"])
            || seq(t, i, &["hang", "in", "there"])
            || seq(t, i, &["keep", "going"])
            || seq(t, i, &["you", "got", "this"])
            || seq(t, i, &["gets", "better"])
            || (is(t, i, &["will", "gonna", "going"])
                && within(t, i, 3, &["okay", "ok", "fine", "alright", "better"]))
    }),
    // Any word naming a feeling or a painful experience.
    ("feeling", |t, i| is(t, i, &FEELINGS)),
    // Hopes for the seeker: "I hope you", "I wish things".
    ("hope", |t, i| {
        is(t, i, &["i"])
            && is(t, i + 1, &["hope", "wish"])
            && is(t, i + 2, &["you", "things", "it", "that", "your"])
    }),
    // Presence and care: "here for you", "I care about you", "proud of you".
    ("care", |t, i| {
        seq(t, i, &["here", "for", "you"])
            || (is(t, i, &["love", "care", "proud"]) && within(t, i, 2, &["you", "u", "ya"]))
    }),
];

/// The block `feeling_words`: for each group of cues of emotional reaction (sympathy, a heart
/// that goes out, hugs, a judgement of what happened, feeling for the seeker, a feeling
/// inferred after `must`, reassurance, any feeling word, hopes, care), an indicator that the
/// reply has at least one and one that it has at least two (namespace `fw`). The shared
/// features have these as words and word pairs; a group generalises over its members (a reply
/// with `heartbreaking` and one with `my heart goes out` share a feature), which EPITOME's
/// 2,458 training replies are too few to learn word by word.
pub fn feeling_words(tokens: &Tokens) -> Sparse {
    let mut e: Vec<(u32, f32)> = Vec::new();
    for (name, cue) in CUES {
        let n = (0..tokens.tokens.len()).filter(|&i| cue(tokens, i)).count();
        if n >= 1 {
            e.push((index("fw", &format!("{name}>=1")), 1.0));
        }
        if n >= 2 {
            e.push((index("fw", &format!("{name}>=2")), 1.0));
        }
    }
    Sparse::from_entries(e)
}

const FIRST_PERSON: [&str; 11] = [
    "i", "me", "my", "myself", "i'm", "i've", "i'd", "i'll", "mine", "im", "ive",
];

/// Words that place a first-person sentence in the past (the responder's own story).
const PAST: [&str; 20] = [
    "was", "were", "had", "did", "went", "felt", "got", "lost", "left", "used", "when", "ago",
    "years", "been", "started", "tried", "happened", "thought", "became", "found",
];

/// Words that liken the responder to the seeker.
const ALIKE: [&str; 7] = [
    "too",
    "also",
    "same",
    "similar",
    "similarly",
    "relate",
    "either",
];

/// A generic statement of understanding starting at token `i` ("I understand", "I get it", "I
/// feel you", "me too", "I know the feeling", "I know how you feel", "I can relate").
fn generic_at(t: &Tokens, i: usize) -> bool {
    if is(t, i, &["relate", "relatable"])
        || seq(t, i, &["me", "too"])
        || seq(t, i, &["same", "here"])
    {
        return true;
    }
    if !is(t, i, &["i"]) {
        return false;
    }
    let mut k = i + 1;
    while is(
        t,
        k,
        &[
            "totally",
            "completely",
            "really",
            "fully",
            "do",
            "definitely",
            "can",
            "truly",
            "so",
            "100",
        ],
    ) {
        k += 1;
    }
    is(t, k, &["understand"])
        || (is(t, k, &["get", "feel", "hear"])
            && is(t, k + 1, &["it", "you", "ya", "u", "that", "this"]))
        || (is(t, k, &["know"])
            && (seq(t, k + 1, &["the", "feeling"])
                || seq(t, k + 1, &["that", "feeling"])
                || seq(t, k + 1, &["how", "you", "feel"])
                || seq(t, k + 1, &["exactly", "how", "you", "feel"])
                || seq(t, k + 1, &["what", "you", "mean"])))
}

/// A feeling or experience of the seeker inferred, starting at token `i` ("sounds like", "you
/// must", "that must have been", "I can only imagine", "you seem", "going through").
fn inferred_at(t: &Tokens, i: usize) -> bool {
    (is(t, i, &["sounds", "seems", "sound", "seem"]) && is(t, i + 1, &["like"]))
        || (is(t, i, &["you", "u"]) && is(t, i + 1, &["must", "seem", "sound", "must've"]))
        || (is(t, i, &["must", "must've"]) && is(t, i + 1, &["be", "have", "feel", "been"]))
        || (is(t, i, &["imagine"]) && i > 0 && is(t, i - 1, &["only", "can't", "cannot", "can"]))
        || seq(t, i, &["going", "through"])
}

/// What [`relating`] counts in a reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relating {
    /// The reply's words.
    pub words: usize,
    /// Generic statements of understanding ("I understand", "I feel you").
    pub generic: usize,
    /// Whether the reply infers a feeling or experience of the seeker ("sounds like").
    pub inferred: bool,
    /// Sentences with at least two first-person words (the responder's story).
    pub narrative: usize,
    /// First-person sentences in the past.
    pub past: usize,
    /// First-person sentences that liken the responder to the seeker.
    pub alike: usize,
}

impl Relating {
    pub fn of(tokens: &Tokens) -> Relating {
        let n = tokens.tokens.len();
        let mut r = Relating {
            words: n,
            generic: (0..n).filter(|&i| generic_at(tokens, i)).count(),
            inferred: (0..n).any(|i| inferred_at(tokens, i)),
            ..Relating::default()
        };
        for s in &tokens.sentences {
            let w = s.tokens.clone();
            let first = w.clone().filter(|&i| is(tokens, i, &FIRST_PERSON)).count();
            if first >= 2 {
                r.narrative += 1;
            }
            if first >= 1 && w.clone().any(|i| is(tokens, i, &PAST)) {
                r.past += 1;
            }
            if first >= 1 && w.clone().any(|i| is(tokens, i, &ALIKE)) {
                r.alike += 1;
            }
        }
        r
    }
}

/// The block `relating` (namespace `rl`): what EPITOME's definition of interpretation turns
/// on. A generic statement of understanding ("I understand", "I feel you") is a weak
/// interpretation; a feeling inferred ("it sounds like you feel trapped") or the responder's
/// own similar experience told with specifics (first-person sentences, in the past, likening
/// themselves to the seeker) is a strong one. Indicators: a generic statement (at least one,
/// at least two), an inference, the number of sentences with at least two first-person words
/// (at least one, two, three), of first-person sentences in the past (one, two), of
/// first-person sentences that liken (`too`, `same`, `similar`…), and the combinations a
/// generic statement alone (no narrative sentence, no inference), with a narrative, and in a
/// reply of at most 10 words.
pub fn relating(tokens: &Tokens) -> Sparse {
    let Relating {
        words: n,
        generic,
        inferred,
        narrative,
        past,
        alike,
    } = Relating::of(tokens);
    let mut e: Vec<(u32, f32)> = Vec::new();
    let mut put = |name: &str, on: bool| {
        if on {
            e.push((index("rl", name), 1.0));
        }
    };
    put("generic>=1", generic >= 1);
    put("generic>=2", generic >= 2);
    put("inferred", inferred);
    put("narrative>=1", narrative >= 1);
    put("narrative>=2", narrative >= 2);
    put("narrative>=3", narrative >= 3);
    put("past>=1", past >= 1);
    put("past>=2", past >= 2);
    put("alike>=1", alike >= 1);
    put("generic_alone", generic >= 1 && narrative == 0 && !inferred);
    put("generic_narrative", generic >= 1 && narrative >= 1);
    put("generic_short", generic >= 1 && n <= 10);
    Sparse::from_entries(e)
}

/// The question-word block of a reply (empty without questions).
pub fn question_words(text: &str, tokens: &Tokens) -> Sparse {
    let is_q = questions(text, tokens);
    let mut entries: Vec<(u32, f32)> = Vec::new();
    for (s, q) in tokens.sentences.iter().zip(is_q) {
        if !q {
            continue;
        }
        for i in s.tokens.clone() {
            entries.push((index("qw", tokens.norm(i)), 1.0));
        }
    }
    let counts = Sparse::from_entries(entries);
    let values: Vec<(u32, f32)> = counts.0.iter().map(|&(s, n)| (s, 1.0 + n.ln())).collect();
    let norm = values.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm == 0.0 {
        return Sparse::default();
    }
    Sparse(values.into_iter().map(|(s, v)| (s, v / norm)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    #[test]
    fn only_question_words_count() {
        let text = "That sounds hard. How are you feeling about it now? I hope it helps";
        let t = tokenize(text);
        let q = question_words(text, &t);
        assert_eq!(q.len(), 7, "how are you feeling about it now: {q:?}");
        assert!(q.0.iter().any(|&(s, _)| s == index("qw", "feeling")));
        assert!(!q.0.iter().any(|&(s, _)| s == index("qw", "hard")));
        let norm: f32 = q.0.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let plain = "No questions here. None at all.";
        assert!(question_words(plain, &tokenize(plain)).is_empty());
    }

    #[test]
    fn shape_puts_each_count_in_one_bucket() {
        let text = "I hear you. I was there too last year. What helped you most when it started?";
        let t = tokenize(text);
        let s = shape(text, &t);
        assert_eq!(s.len(), 6, "one indicator per count: {s:?}");
        assert!(s.0.iter().all(|&(_, v)| v == 1.0));
        let has = |name: &str, n: u32| {
            s.0.iter()
                .any(|&(k, _)| k == index("sh", &format!("{name}:{}", bucket(n))))
        };
        assert!(has("sentences", 3));
        assert!(has("questions", 1));
        assert!(
            has("longest_question", 8),
            "what helped you most when it started"
        );
        assert!(has("first_person", 2), "I, I");
        assert!(has("second_person", 2), "you, you");
        assert!(has("words", 17));
        assert_eq!(
            (bucket(0), bucket(1), bucket(2), bucket(3), bucket(41)),
            (0, 1, 1, 2, 6)
        );
        // No questions: the question counts are in bucket 0.
        let plain = "Sending you a hug.";
        let s = shape(plain, &tokenize(plain));
        assert!(s.0.iter().any(|&(k, _)| k == index("sh", "questions:0")));
    }

    #[test]
    fn feeling_words_group_the_cues_of_emotional_reaction() {
        let has = |text: &str, key: &str| {
            let f = feeling_words(&tokenize(text));
            f.0.iter().any(|&(k, _)| k == index("fw", key))
        };
        let text = "I'm so sorry, my heart goes out to you. That's awful. Sending hugs";
        for key in ["sorry>=1", "heart>=1", "judged>=1", "hug>=1", "feeling>=1"] {
            assert!(has(text, key), "{key}");
        }
        assert!(!has(text, "sorry>=2") && !has(text, "must_feel>=1"));
        assert!(has(
            "You must have felt so alone and scared",
            "must_feel>=1"
        ));
        assert!(has("You must have felt so alone and scared", "feeling>=2"));
        assert!(has("Stay strong, it will be okay", "reassure>=2"));
        assert!(has("I feel for you and I'm here for you", "feel_for>=1"));
        assert!(has("I feel for you and I'm here for you", "care>=1"));
        assert!(has("I hope you find a way through", "hope>=1"));
        // Not sympathy: an apology for the reply, a phone plan.
        assert!(!has("Sorry, wrong thread.", "sorry>=1"));
        assert!(feeling_words(&tokenize("Try a cheaper phone plan next month.")).is_empty());
        let x = Sparse::default();
        let t = tokenize(text);
        let blocks = vec!["feeling_words".to_string()];
        assert_eq!(with_blocks(&x, &blocks, text, &t), feeling_words(&t));
    }

    #[test]
    fn relating_tells_a_generic_statement_from_a_story() {
        let has = |text: &str, key: &str| {
            let f = relating(&tokenize(text));
            f.0.iter().any(|&(k, _)| k == index("rl", key))
        };
        let generic = "I totally understand.";
        assert!(has(generic, "generic>=1") && has(generic, "generic_alone"));
        assert!(has(generic, "generic_short") && !has(generic, "narrative>=1"));
        let story = "I get it. When my brother moved away I felt lost for a year. \
                     I still miss him and my old routine too.";
        assert!(has(story, "generic_narrative") && !has(story, "generic_alone"));
        assert!(has(story, "narrative>=1") && has(story, "past>=1") && has(story, "alike>=1"));
        assert!(has("It sounds like you are worn out", "inferred"));
        assert!(has("That must have been frightening", "inferred"));
        assert!(!has("Sounds like a plan to me", "generic>=1"));
        assert!(relating(&tokenize("Try a cheaper phone plan next month.")).is_empty());
    }

    /// The shipped EPITOME models read the blocks they name, and on a synthetic reply those
    /// blocks move the grade the way they were adopted for: the same reply without them scores
    /// differently (so the wiring is live, not only recorded).
    #[test]
    fn the_shipped_models_read_their_blocks() {
        let models = crate::model::Models::embedded().expect("the shipped models load");
        let epi = models.epitome.as_ref().expect("EPITOME models are shipped");
        assert_eq!(epi[0].extra, vec!["feeling_words".to_string()]);
        assert_eq!(epi[1].extra, vec!["relating".to_string()]);
        for m in epi.iter() {
            assert!(m.extra.iter().all(|b| BLOCKS.contains(&b.as_str())));
        }
        let text = "I'm so sorry, my heart goes out to you. That must have felt so lonely. \
                    I went through the same when my sister moved away and I felt lost for months.";
        let t = tokenize(text);
        let x = Sparse::default();
        for m in &epi[..2] {
            let with = with_blocks(&x, &m.extra, text, &t);
            assert!(with.len() > x.len(), "{}: the block adds features", m.name);
            assert_ne!(
                m.probabilities(&with),
                m.probabilities(&x),
                "{}: the block's features have weights",
                m.name
            );
        }
    }

    #[test]
    fn the_sentence_block_reads_the_best_sentence() {
        // A scorer that likes the word `lonely` (as a sentence word), nothing else.
        let m = Linear::new(
            "t_sentences",
            vec!["none".into(), "rationale".into()],
            vec![-2.0],
            vec![(index("rw", "lonely"), vec![40.0])],
        );
        let text = "Work has been busy. That sounds so lonely, I am sorry. Take care";
        let t = tokenize(text);
        let s = ReplySentences::new(text, &t);
        assert_eq!(s.features.len(), 3);
        let scores = sentence_scores(&m, &s);
        assert_eq!(best_sentence(&scores), Some(1));
        let b = sentence_block(&m, &s);
        let has = |slot: u32| b.0.iter().any(|&(k, _)| k == slot);
        assert!(has(index("sw", "lonely")) && has(index("sw", "sorry")));
        assert!(!has(index("sw", "busy")), "only the best sentence's words");
        assert!(has(index("sr", "max>=0.9")), "{scores:?}");
        assert!(
            !has(index("sr", "top2>=0.7")),
            "the second best is low: {scores:?}"
        );
        assert!(has(index("sr", "top2>=0.3")), "{scores:?}");
        assert!(sentence_block(&m, &ReplySentences::default()).is_empty());
        // The block is only added with a scorer.
        let x = Sparse::default();
        let blocks = vec![RATIONALE_SENTENCES.to_string()];
        assert!(with_blocks(&x, &blocks, text, &t).is_empty());
        assert_eq!(with_blocks_scored(&x, &blocks, text, &t, Some(&m)), b);
    }
}
