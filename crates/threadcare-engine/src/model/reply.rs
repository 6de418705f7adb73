//! Features of a reply that only the EPITOME models read: the words of the reply's questions.
//!
//! EPITOME's exploration is the responder asking about the seeker's feelings and experience;
//! whether a question is about them ("how are you feeling", "what happened") or about something
//! else ("what phone do you have") lies in the question's words, not only in its first one or
//! two (which the shared features already have). Each word of a question sentence is one
//! feature (namespace `qw`), `1 + ln n`, the block scaled to unit length.

use super::features::{index, questions, Sparse};
use crate::token::Tokens;

/// The extra feature blocks a model file may ask for (its `extra` field).
pub const BLOCKS: [&str; 1] = ["question_words"];

/// A reply's shared features `x` joined with the extra blocks `blocks` (names of [`BLOCKS`]).
pub fn with_blocks(x: &Sparse, blocks: &[String], text: &str, tokens: &Tokens) -> Sparse {
    let mut out = x.clone();
    for b in blocks {
        if b == "question_words" {
            out = out.join(&question_words(text, tokens));
        }
    }
    out
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
}
