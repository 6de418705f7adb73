//! Extra blocks of features beside [`super::features::text_features`] (feature version
//! `tc-features-2`).
//!
//! What each block is:
//! - `t`: word trigrams within a sentence ("you must feel", "how long have");
//! - `o`: the words and word pairs of its first sentence (the opening: "that sounds so hard",
//!   "what happened");
//! - `y`: second-person constructions: `you`/`your`/`you're` with each of the next three
//!   words ("you … feel", "your … situation"), the way interpretations name the other's state;
//! - `ch`: character 3- to 5-grams of each word with its edges marked (`^feel$`), hashed, for
//!   spelling variants and word forms (`sry`, `feelin`, `understandable`).
//!
//! Each block is its own bag: `1 + ln n` per feature, scaled to unit length, then multiplied by
//! the block's weight in [`Blocks`]. Every name is hashed like the other features
//! ([`super::features::Fnv`]), so the slots are stable across machines.
//!
//! Which are used was chosen on validation data only (models/README.md): the posts that the IRF
//! factor models read get the character n-grams ([`POST_BLOCKS`]); the EPITOME models use none of
//! these blocks ([`REPLY_BLOCKS`]): on their cross-validation folds trigrams, openings,
//! second-person constructions and character n-grams each moved macro-F1 by less than the spread
//! between seeds (−0.012 to +0.006), so they are left out.

use threadcare_core::Signal;

use super::features::{text_features, Fnv, Sparse, TextFeatures};
use crate::token::Tokens;

/// The features of a post as the IRF factor models read it: [`text_features`] and the
/// [`POST_BLOCKS`]. Only the word part is attributed to spans (`evidence_span`): the character
/// n-grams sharpen the probability, the quoted sentence is still the one whose words weigh most.
pub fn post_features(text: &str, tokens: &Tokens, signals: &[Signal]) -> TextFeatures {
    let mut f = text_features(text, tokens, signals);
    let extra = block_features(tokens, &POST_BLOCKS);
    if !extra.is_empty() {
        f.vector = Sparse::merged(std::mem::take(&mut f.vector.0), extra);
    }
    f
}

/// Which extra blocks a text gets and how much each weighs (0: left out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blocks {
    pub trigrams: f32,
    pub opening: f32,
    pub second_person: f32,
    pub chars: f32,
}

impl Blocks {
    /// No extra features.
    pub const NONE: Blocks = Blocks {
        trigrams: 0.0,
        opening: 0.0,
        second_person: 0.0,
        chars: 0.0,
    };
}

/// The blocks of a post read by the IRF factor models.
pub const POST_BLOCKS: Blocks = Blocks {
    chars: 0.5,
    ..Blocks::NONE
};

/// The blocks of a reply read by the EPITOME models: none (see the module documentation).
pub const REPLY_BLOCKS: Blocks = Blocks::NONE;

const SECOND_PERSON: &[&str] = &[
    "you", "your", "you're", "youre", "you've", "you'd", "you'll", "yourself", "u", "ur",
];

/// `(slot, count)` pairs of one block, sorted and counted, turned into `(slot, weight × value)`
/// with `1 + ln n` values scaled to unit length.
fn block(mut slots: Vec<u32>, weight: f32, out: &mut Vec<(u32, f32)>) {
    if weight == 0.0 || slots.is_empty() {
        return;
    }
    slots.sort_unstable();
    let mut counted: Vec<(u32, f32)> = Vec::with_capacity(slots.len());
    for s in slots {
        match counted.last_mut() {
            Some(last) if last.0 == s => last.1 += 1.0,
            _ => counted.push((s, 1.0)),
        }
    }
    for e in counted.iter_mut() {
        e.1 = 1.0 + e.1.ln();
    }
    let norm = counted.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
    out.extend(counted.into_iter().map(|(s, v)| (s, weight * v / norm)));
}

fn ns(name: &[u8]) -> Fnv {
    Fnv::new().bytes(name).bytes(&[0x1f])
}

/// The extra features of a text (unsorted; slots may repeat across blocks).
pub fn block_features(tokens: &Tokens, blocks: &Blocks) -> Vec<(u32, f32)> {
    let mut out = Vec::new();
    let norm = |i: usize| tokens.norm(i).as_bytes();
    if blocks.trigrams != 0.0 {
        let t = ns(b"t");
        let mut slots = Vec::new();
        for s in &tokens.sentences {
            let r = s.tokens.clone();
            for i in r.start..r.end.saturating_sub(2) {
                slots.push(
                    t.bytes(norm(i))
                        .bytes(b" ")
                        .bytes(norm(i + 1))
                        .bytes(b" ")
                        .bytes(norm(i + 2))
                        .slot(),
                );
            }
        }
        block(slots, blocks.trigrams, &mut out);
    }
    if blocks.opening != 0.0 {
        let o = ns(b"o");
        let mut slots = Vec::new();
        if let Some(s) = tokens.sentences.iter().find(|s| !s.tokens.is_empty()) {
            let r = s.tokens.clone();
            for i in r.clone() {
                slots.push(o.bytes(norm(i)).slot());
                if i + 1 < r.end {
                    slots.push(o.bytes(norm(i)).bytes(b" ").bytes(norm(i + 1)).slot());
                }
            }
        }
        block(slots, blocks.opening, &mut out);
    }
    if blocks.second_person != 0.0 {
        let y = ns(b"y");
        let mut slots = Vec::new();
        for s in &tokens.sentences {
            let r = s.tokens.clone();
            for i in r.clone() {
                let w = tokens.norm(i);
                if !SECOND_PERSON.contains(&w) {
                    continue;
                }
                // `you`, `your` and `you're` keep their form; the rest fold to `you`.
                let head: &[u8] = match w {
                    "your" | "ur" => b"your",
                    "you're" | "youre" => b"you're",
                    _ => b"you",
                };
                for k in 1..=3 {
                    if i + k < r.end {
                        slots.push(y.bytes(head).bytes(b" ").bytes(norm(i + k)).slot());
                    }
                }
            }
        }
        block(slots, blocks.second_person, &mut out);
    }
    if blocks.chars != 0.0 {
        let ch = ns(b"ch");
        let mut slots = Vec::new();
        let mut word: Vec<u8> = Vec::with_capacity(32);
        for i in 0..tokens.tokens.len() {
            word.clear();
            word.push(b'^');
            word.extend_from_slice(norm(i));
            word.push(b'$');
            // Grams over bytes whose edges are character boundaries (the words are UTF-8).
            let text = std::str::from_utf8(&word).unwrap_or("");
            let bounds: Vec<usize> = text
                .char_indices()
                .map(|(b, _)| b)
                .chain(std::iter::once(text.len()))
                .collect();
            for n in 3..=5 {
                for w in bounds.windows(n + 1) {
                    slots.push(ch.bytes(&word[w[0]..w[n]]).slot());
                }
            }
        }
        block(slots, blocks.chars, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::features::index;
    use crate::token::tokenize;

    fn slot(namespace: &str, name: &str) -> u32 {
        index(namespace, name)
    }

    fn slots(text: &str, blocks: &Blocks) -> Vec<(u32, f32)> {
        block_features(&tokenize(text), blocks)
    }

    #[test]
    fn each_block_finds_its_features() {
        let text = "That sounds so hard. How long have you been feeling this way? Your family must be worried.";
        let all = Blocks {
            trigrams: 1.0,
            opening: 1.0,
            second_person: 1.0,
            chars: 1.0,
        };
        let f = slots(text, &all);
        let has = |s: u32| f.iter().any(|e| e.0 == s);
        assert!(has(slot("t", "how long have")));
        assert!(has(slot("t", "that sounds so")));
        assert!(
            !has(slot("t", "hard how long")),
            "no trigram across sentences"
        );
        assert!(has(slot("o", "sounds")) && has(slot("o", "that sounds")));
        assert!(!has(slot("o", "long")), "only the first sentence opens");
        assert!(has(slot("y", "you feeling")) && has(slot("y", "you been")));
        assert!(has(slot("y", "your must")) && !has(slot("y", "your worried")));
        assert!(has(slot("ch", "^fee")) && has(slot("ch", "ling$")) && has(slot("ch", "eeli")));
        assert!(!has(slot("ch", "^feeli")), "at most five characters");
    }

    #[test]
    fn blocks_have_their_weight_as_length_and_none_is_empty() {
        let text = "I am so sorry you feel alone. You're not alone, you really are not.";
        assert!(slots(text, &Blocks::NONE).is_empty());
        for (b, name) in [
            (
                Blocks {
                    trigrams: 0.5,
                    ..Blocks::NONE
                },
                "t",
            ),
            (
                Blocks {
                    second_person: 0.5,
                    ..Blocks::NONE
                },
                "y",
            ),
            (
                Blocks {
                    chars: 0.5,
                    ..Blocks::NONE
                },
                "ch",
            ),
        ] {
            let f = slots(text, &b);
            assert!(!f.is_empty(), "{name}");
            let len = f.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
            assert!((len - 0.5).abs() < 1e-5, "{name}: {len}");
        }
        // Repeats count sublinearly: "alone" twice weighs 1 + ln 2 against 1.
        let f = slots(
            "alone alone here",
            &Blocks {
                opening: 1.0,
                ..Blocks::NONE
            },
        );
        let v = |s: u32| f.iter().find(|e| e.0 == s).map(|e| e.1).unwrap();
        let ratio = v(slot("o", "alone")) / v(slot("o", "here"));
        assert!((ratio - (1.0 + 2f32.ln())).abs() < 1e-5, "{ratio}");
    }

    #[test]
    fn words_outside_ascii_give_whole_characters_and_empty_text_nothing() {
        let f = slots(
            "désolé",
            &Blocks {
                chars: 1.0,
                ..Blocks::NONE
            },
        );
        assert!(f.iter().any(|e| e.0 == slot("ch", "^dé")));
        assert!(slots("", &POST_BLOCKS).is_empty());
    }
}
