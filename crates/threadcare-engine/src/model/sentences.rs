//! Sentence-level models of the IRF factors: how much one sentence reads like the evidence
//! annotators quote for perceived burdensomeness or thwarted belonging.
//!
//! The IRF data gives, for each post with a factor, the words that show it (`belong_exp`,
//! `burden_exp`). A sentence model is fitted on the sentences that hold those words (positive)
//! and on every sentence of posts without the factor (negative); the other sentences of a post
//! with the factor say nothing either way and are left out. A post's factor score is then a mix
//! of the post model's probability and the largest probability among its sentences (a factor is
//! usually one sentence in a long post, which a whole-post bag dilutes), and the sentence quoted
//! as evidence is the most probable sentence among those that may be quoted (the gates of
//! [`super::evidence_span`]). Also requiring the quoted sentence to raise the post model's score
//! made one quote on the seed pages better but lowered val F1 for burdensomeness from 0.824 to
//! 0.808 (belonging 0.787 to 0.790; test 0.757 to 0.741, 0.774 to 0.774): not adopted.
//!
//! A sentence's features are the post's word features that fall inside it (unigrams, bigrams,
//! first and last word, question openings; the same slots as [`super::features`]), `1 + ln n`
//! scaled to unit length, and the construct features (`c:`) of the rule signals inside it.

use threadcare_core::Signal;

use super::features::{
    construct_slot, ln_count, ln_in, ln_table, signal_state, Bag, Occurrence, Sparse,
};
use super::linear::{positive, Linear};
use crate::token::Tokens;

/// The feature vector of each sentence of a text (an empty vector for a sentence without words),
/// from the text's word-feature occurrences (`TextFeatures::occurrences`) and its rule signals.
pub fn sentence_vectors(occ: &[Occurrence], tokens: &Tokens, signals: &[Signal]) -> Vec<Sparse> {
    let mut out = Vec::with_capacity(tokens.sentences.len());
    // Occurrences come sentence by sentence, in text order.
    let mut at = 0;
    for s in &tokens.sentences {
        let begin = at;
        while at < occ.len() && (occ[at].first as usize) < s.tokens.end {
            at += 1;
        }
        let mut bag = Bag::new();
        bag.add(&occ[begin..at]);
        let (words, _) = bag.vector();
        let inside: Vec<&Signal> = signals
            .iter()
            .filter(|x| !x.in_title && !x.rule.starts_with("model:"))
            .filter(|x| x.start < s.end && s.start < x.end)
            .collect();
        out.push(if inside.is_empty() {
            words
        } else {
            Sparse::merged(words.0, signal_features(&inside))
        });
    }
    out
}

/// `ln(1 + n)` per construct and state and per family and state of `signals` (the slots of the
/// whole-text construct features).
fn signal_features(signals: &[&Signal]) -> Vec<(u32, f32)> {
    let mut slots: Vec<u32> = Vec::with_capacity(signals.len() * 2);
    for s in signals {
        let state = signal_state(s);
        slots.push(construct_slot(&s.construct, state));
        slots.push(construct_slot(&s.family, state));
    }
    slots.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(slots.len());
    for slot in slots {
        match out.last_mut() {
            Some(last) if last.0 == slot => last.1 += 1,
            _ => out.push((slot, 1)),
        }
    }
    out.into_iter()
        .map(|(slot, n)| (slot, ln_count(n + 1)))
        .collect()
}

/// The probability of each sentence under a binary sentence model (0 for a sentence without
/// words).
pub fn sentence_probabilities(model: &Linear, vectors: &[Sparse]) -> Vec<f32> {
    vectors
        .iter()
        .map(|v| {
            if v.is_empty() {
                0.0
            } else {
                model.probabilities(v)[1]
            }
        })
        .collect()
}

/// [`sentence_probabilities`] of [`sentence_vectors`] without making the vectors: each sentence's
/// slots sorted and counted in buffers kept per thread and its score summed as they are read
/// (the same values; the sum's order differs only where a signal's slot falls between word slots,
/// a difference in the last bits).
pub fn sentence_scores(
    model: &Linear,
    occ: &[Occurrence],
    tokens: &Tokens,
    signals: &[Signal],
) -> Vec<f32> {
    sentence_scores_of(&[model], occ, tokens, signals)
        .pop()
        .expect("one model, one list")
}

/// [`sentence_scores`] of several models in one pass over each sentence's slots: one list of
/// probabilities per model.
pub fn sentence_scores_of(
    models: &[&Linear],
    occ: &[Occurrence],
    tokens: &Tokens,
    signals: &[Signal],
) -> Vec<Vec<f32>> {
    if models.is_empty() {
        return Vec::new();
    }
    // Each sentence's slots, sorted.
    let mut slots = Vec::with_capacity(occ.len());
    let mut bounds = Vec::with_capacity(tokens.sentences.len() + 1);
    bounds.push(0u32);
    let mut at = 0;
    for s in &tokens.sentences {
        let begin = at;
        while at < occ.len() && (occ[at].first as usize) < s.tokens.end {
            at += 1;
        }
        slots.extend(occ[begin..at].iter().map(|o| o.slot));
        slots[begin..at].sort_unstable();
        bounds.push(at as u32);
    }
    sentence_scores_sorted(models, &slots, &bounds, tokens, signals)
}

/// Which sentence each occurrence falls in, as [`sentence_scores_of`] reads them: sentence `k`'s
/// occurrences are `bounds[k]..bounds[k + 1]` (occurrences come sentence by sentence, in text
/// order). `bounds` gets one more entry than there are sentences.
pub fn sentence_bounds(occ: &[Occurrence], tokens: &Tokens, bounds: &mut Vec<u32>) {
    bounds.clear();
    bounds.push(0);
    let mut at = 0;
    for s in &tokens.sentences {
        while at < occ.len() && (occ[at].first as usize) < s.tokens.end {
            at += 1;
        }
        bounds.push(at as u32);
    }
}

/// [`sentence_scores_of`] from each sentence's slots already sorted: sentence `k`'s are
/// `slots[bounds[k]..bounds[k + 1]]` in ascending order (see [`sentence_bounds`]).
pub fn sentence_scores_sorted(
    models: &[&Linear],
    slots: &[u32],
    bounds: &[u32],
    tokens: &Tokens,
    signals: &[Signal],
) -> Vec<Vec<f32>> {
    if models.is_empty() {
        return Vec::new();
    }
    /// Buffers kept per thread: a sentence's signal slots, and its word bag (each slot once,
    /// with `1 + ln n` of its count).
    #[derive(Default)]
    struct Buffers {
        signal_slots: Vec<u32>,
        bag: Vec<(u32, f32)>,
    }
    thread_local! {
        static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::default();
    }
    BUFFERS.with(|cell| {
        let mut fresh = Buffers::default();
        let mut borrowed = cell.try_borrow_mut();
        let Buffers { signal_slots, bag } = match &mut borrowed {
            Ok(b) => &mut **b,
            Err(_) => &mut fresh,
        };
        let own: Vec<&Signal> = signals
            .iter()
            .filter(|x| !x.in_title && !x.rule.starts_with("model:"))
            .collect();
        let mut out = vec![Vec::with_capacity(tokens.sentences.len()); models.len()];
        let mut score = vec![0f32; models.len()];
        for (k, s) in tokens.sentences.iter().enumerate() {
            let slots = &slots[bounds[k] as usize..bounds[k + 1] as usize];
            if slots.is_empty() {
                for o in out.iter_mut() {
                    o.push(0.0);
                }
                continue;
            }
            // The bag and its norm in one pass over the runs of equal slots, then its weighted
            // sum over the bag (the runs are read once, not once for each sum).
            bag.clear();
            let mut sum_sq = 0f32;
            let ln = ln_table();
            for_each_run(slots, |slot, n| {
                let v = 1.0 + ln_in(ln, n);
                sum_sq += v * v;
                bag.push((slot, v));
            });
            let norm = sum_sq.sqrt();
            for (sc, m) in score.iter_mut().zip(models) {
                *sc = m.bias[0];
            }
            match (models, score.as_mut_slice()) {
                // The usual two models side by side in one loop body (each sum in slot order).
                ([a, b], [sa, sb]) => {
                    for &(slot, v) in bag.iter() {
                        let v = v / norm;
                        if let Some(w) = a.weights(slot) {
                            *sa += w[0] * v;
                        }
                        if let Some(w) = b.weights(slot) {
                            *sb += w[0] * v;
                        }
                    }
                }
                _ => {
                    for &(slot, v) in bag.iter() {
                        let v = v / norm;
                        for (sc, m) in score.iter_mut().zip(models) {
                            if let Some(w) = m.weights(slot) {
                                *sc += w[0] * v;
                            }
                        }
                    }
                }
            }
            signal_slots.clear();
            for x in own.iter().filter(|x| x.start < s.end && s.start < x.end) {
                let state = signal_state(x);
                signal_slots.push(construct_slot(&x.construct, state));
                signal_slots.push(construct_slot(&x.family, state));
            }
            signal_slots.sort_unstable();
            for_each_run(signal_slots, |slot, n| {
                for (sc, m) in score.iter_mut().zip(models) {
                    if let Some(w) = m.weights(slot) {
                        *sc += w[0] * ln_count(n + 1);
                    }
                }
            });
            for (o, &sc) in out.iter_mut().zip(&score) {
                o.push(positive(sc));
            }
        }
        out
    })
}

/// Calls `f(slot, n)` for each run of `n` equal slots of the sorted `slots`, in order.
fn for_each_run(slots: &[u32], mut f: impl FnMut(u32, u32)) {
    let mut i = 0;
    while i < slots.len() {
        let slot = slots[i];
        let mut j = i + 1;
        while j < slots.len() && slots[j] == slot {
            j += 1;
        }
        f(slot, (j - i) as u32);
        i = j;
    }
}

/// A factor's score: `weight` × the largest sentence probability + (1 − `weight`) × the post
/// model's probability.
pub fn mixed(post: f32, sentences: &[f32], weight: f32) -> f32 {
    let top = sentences.iter().copied().fold(0.0f32, f32::max);
    weight * top + (1.0 - weight) * post
}

/// Which sentences of a text overlap the byte range `evidence` (the annotators' quoted words).
pub fn overlapping(tokens: &Tokens, evidence: (usize, usize)) -> Vec<bool> {
    tokens
        .sentences
        .iter()
        .map(|s| s.start < evidence.1 && evidence.0 < s.end)
        .collect()
}

/// Where `quote` occurs in `text` (ASCII case ignored, surrounding blanks trimmed): its byte
/// range, or `None` when it is empty or not found.
pub fn find_quote(text: &str, quote: &str) -> Option<(usize, usize)> {
    let q = quote.trim();
    if q.is_empty() {
        return None;
    }
    let hay = text.to_ascii_lowercase();
    let at = hay.find(&q.to_ascii_lowercase())?;
    Some((at, at + q.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::features::{index, text_features};
    use crate::token::tokenize;

    #[test]
    fn each_sentence_gets_its_own_words() {
        let text = "Nobody ever calls me. The weather was fine today, sunny and warm.";
        let t = tokenize(text);
        let f = text_features(text, &t, &[]);
        let v = sentence_vectors(&f.occurrences, &t, &[]);
        assert_eq!(v.len(), 2);
        let has = |x: &Sparse, w: &str| x.0.iter().any(|&(s, _)| s == index("w", w));
        assert!(has(&v[0], "nobody") && has(&v[0], "calls"));
        assert!(!has(&v[0], "weather"));
        assert!(has(&v[1], "weather") && !has(&v[1], "nobody"));
        for x in &v {
            let norm: f32 = x.0.iter().map(|(_, w)| w * w).sum();
            assert!((norm - 1.0).abs() < 1e-4, "unit length: {norm}");
        }
    }

    #[test]
    fn scores_without_vectors_are_the_scores_of_the_vectors() {
        let rules = crate::Engine::rules_only().expect("the rules load");
        let text = "Nobody ever calls me and I feel so alone. Everyone would be better off without me, \
                    honestly. The weather was fine today! Was it? I keep thinking about ending it, alone.";
        let t = tokenize(text);
        let signals = rules.signals.find_in(text, &t);
        assert!(!signals.is_empty(), "the text has rule signals");
        let f = text_features(text, &t, &signals);
        // A model with weights on words, bigrams and construct features of these sentences.
        let mut rows: Vec<(u32, Vec<f32>)> = Vec::new();
        for (i, &(slot, _)) in f.vector.0.iter().enumerate() {
            rows.push((slot, vec![((i % 7) as f32 - 3.0) * 0.7]));
        }
        let m = Linear::new("s", vec!["a".into(), "b".into()], vec![-0.3], rows);
        let direct = sentence_scores(&m, &f.occurrences, &t, &signals);
        let made = sentence_probabilities(&m, &sentence_vectors(&f.occurrences, &t, &signals));
        assert_eq!(direct.len(), made.len());
        for (a, b) in direct.iter().zip(&made) {
            assert!((a - b).abs() < 1e-5, "{direct:?} vs {made:?}");
        }
        assert!(made.iter().any(|&p| p > 0.0 && p < 1.0));
    }

    #[test]
    fn slots_read_off_the_sorted_text_give_the_same_scores() {
        let rules = crate::Engine::rules_only().expect("the rules load");
        let text = "Nobody ever calls me and I feel so alone, alone, alone. Everyone would be \
                    better off without me. The weather was fine today! Was it? Was it fine? \
                    I keep thinking about ending it. Me and me and me again.";
        let t = tokenize(text);
        let signals = rules.signals.find_in(text, &t);
        let f = text_features(text, &t, &signals);
        let mut rows: Vec<(u32, Vec<f32>)> = Vec::new();
        for (i, &(slot, _)) in f.vector.0.iter().enumerate() {
            rows.push((slot, vec![((i % 5) as f32 - 2.0) * 0.9]));
        }
        let a = Linear::new("a", vec!["a".into(), "b".into()], vec![-0.3], rows.clone());
        rows.iter_mut().for_each(|r| r.1[0] = -r.1[0] * 0.5);
        let b = Linear::new("b", vec!["a".into(), "b".into()], vec![0.2], rows);
        let sorted_each = sentence_scores_of(&[&a, &b], &f.occurrences, &t, &signals);
        let mut scratch = crate::model::features::Scratch::default();
        let constructs = crate::model::features::construct_counts(&signals);
        scratch.fill(text, &t, &constructs);
        let (slots, bounds) = scratch.sentence_slots(&t);
        assert_eq!(bounds.len(), t.sentences.len() + 1);
        for k in 0..t.sentences.len() {
            let s = &slots[bounds[k] as usize..bounds[k + 1] as usize];
            assert!(s.windows(2).all(|w| w[0] <= w[1]), "sentence {k} sorted");
        }
        let read_off = sentence_scores_sorted(&[&a, &b], slots, bounds, &t, &signals);
        assert_eq!(sorted_each.len(), 2);
        // The same bits, not merely close.
        for (x, y) in sorted_each.iter().zip(&read_off) {
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(x), bits(y));
        }
        assert!(read_off[0].iter().any(|&p| p > 0.0 && p < 1.0));
    }

    #[test]
    fn quotes_are_found_ignoring_case_and_mapped_to_sentences() {
        let text = "I went to work. Nobody Talks To Me there. Then home.";
        let t = tokenize(text);
        let r = find_quote(text, "  nobody talks to me ").expect("found");
        assert_eq!(&text[r.0..r.1], "Nobody Talks To Me");
        assert_eq!(overlapping(&t, r), vec![false, true, false]);
        assert_eq!(find_quote(text, "not in it"), None);
        assert_eq!(find_quote(text, "   "), None);
    }

    #[test]
    fn the_mix_weighs_the_best_sentence_against_the_post() {
        assert_eq!(mixed(0.2, &[0.1, 0.9, 0.4], 0.5), 0.55);
        assert_eq!(mixed(0.2, &[0.1, 0.9], 0.0), 0.2);
        assert_eq!(mixed(0.2, &[], 1.0), 0.0);
    }
}
