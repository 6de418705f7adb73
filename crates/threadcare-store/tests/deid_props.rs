//! Property tests of redaction: spans stay on char boundaries and point at the same words.

use proptest::prelude::*;
use threadcare_store::deid::Redactor;

/// Plain words (no digits, dots or @): never redacted.
const WORDS: &[&str] = &[
    "I",
    "felt",
    "so",
    "tired",
    "tonight",
    "café",
    "naïve",
    "über",
    "日本",
    "🙂",
    "hope",
    "don't",
    "well—",
    "«quote»",
    "pills",
    "okay",
    "Ünïcode",
];
/// What must go.
const SENSITIVE: &[&str] = &[
    "robin@example.org",
    "x.y+z@mail.example.co.uk",
    "+44 20 7946 0958",
    "(555) 867-5309",
    "https://example.com/a/b?c=d",
    "www.example.net",
    "somesite.blog/p/1",
    "@night_owl",
    "Robin",
    "ROBIN",
    "Mary-Ann",
];
const SEPARATORS: &[&str] = &[" ", "  ", ", ", ". ", "\n", " (", ") ", "; "];

fn token() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(|w| (w.to_string(), false)),
        1 => prop::sample::select(SENSITIVE).prop_map(|w| (w.to_string(), true)),
    ]
}

/// A text built from tokens, with the byte span of each token.
fn text() -> impl Strategy<Value = (String, Vec<(usize, usize, bool)>)> {
    prop::collection::vec((token(), prop::sample::select(SEPARATORS)), 0..40).prop_map(|parts| {
        let mut text = String::new();
        let mut spans = Vec::new();
        for ((word, sensitive), sep) in parts {
            let start = text.len();
            text.push_str(&word);
            spans.push((start, text.len(), sensitive));
            text.push_str(sep);
        }
        (text, spans)
    })
}

proptest! {
    #[test]
    fn plain_words_keep_their_words_and_sensitive_ones_go((text, spans) in text()) {
        let r = Redactor::new(&["Robin", "Mary-Ann"]).redact(&text);
        for &(s, e, sensitive) in &spans {
            let (ns, ne) = r.map(s, e);
            prop_assert!(r.text.is_char_boundary(ns) && r.text.is_char_boundary(ne));
            prop_assert!(ns <= ne && ne <= r.text.len());
            let mapped = &r.text[ns..ne];
            if sensitive {
                prop_assert!(mapped.starts_with('[') && mapped.ends_with(']'), "{mapped:?} in {:?}", r.text);
            } else {
                prop_assert_eq!(mapped, &text[s..e]);
            }
        }
        // A span over several tokens covers the same plain words at its ends.
        if spans.len() >= 2 {
            let (s, _, first_sensitive) = spans[0];
            let (_, e, last_sensitive) = spans[spans.len() - 1];
            let (ns, ne) = r.map(s, e);
            let mapped = &r.text[ns..ne];
            if !first_sensitive {
                prop_assert!(mapped.starts_with(&text[spans[0].0..spans[0].1]));
            }
            if !last_sensitive {
                let (ls, le, _) = spans[spans.len() - 1];
                prop_assert!(mapped.ends_with(&text[ls..le]));
            }
        }
        for bad in ["example", "867", "7946", "night_owl", "obin"] {
            prop_assert!(!r.text.contains(bad), "{bad} left in {:?}", r.text);
        }
    }

    #[test]
    fn any_span_on_char_boundaries_maps_to_char_boundaries(
        (text, _) in text(),
        a in 0usize..400,
        b in 0usize..400,
    ) {
        let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        let s = bounds[a % bounds.len()];
        let e = bounds[b % bounds.len()].max(s);
        let r = Redactor::new(&["Robin"]).redact(&text);
        let (ns, ne) = r.map(s, e);
        prop_assert!(ns <= ne && ne <= r.text.len());
        prop_assert!(r.text.is_char_boundary(ns) && r.text.is_char_boundary(ne));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", name in "\\PC{0,12}") {
        let r = Redactor::new(&[name.as_str()]).redact(&text);
        let (s, e) = r.map(0, text.len());
        prop_assert_eq!((s, e), (0, r.text.len()));
    }
}
