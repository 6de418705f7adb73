//! Any text, however odd its characters, is assessed without a panic, and every span the
//! assessment quotes is a span of that text: its offsets fall on character boundaries and its
//! words are the text's own there.
//!
//! The texts are made of risk phrases and of what real posts carry around them: no-break and
//! zero-width spaces, curly quotes, links and Markdown, quote markers, emoji, combining accents,
//! letters whose lowercase is longer than they are, line breaks. A no-break space before the
//! evidence in a text with a link marker once panicked in the context rules.

use std::sync::OnceLock;

use proptest::prelude::*;
use threadcare_core::{Format, Item, ItemKind, Position, Signal, Source, Thread};
use threadcare_engine::Engine;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::embedded().expect("the embedded engine loads"))
}

const PIECES: &[&str] = &[
    "I want to die",
    "I won't be here tomorrow",
    "I'm not suicidal",
    "my sister wants to kill herself",
    "if I ever",
    "I cut myself last night",
    "the pills are next to me",
    "nobody would miss me",
    "she said",
    "tonight",
    "I",
    "myself",
    "goodbye everyone",
    "\u{a0}",
    "\u{200b}",
    "\u{2019}",
    "\u{201c}",
    "\u{201d}",
    "\"",
    "'",
    "https://example.org/a_b?c=d",
    "[this](https://example.org)",
    "www.example.org",
    "> ",
    "&gt;",
    "&amp;",
    "(",
    ")",
    "[",
    "]",
    "\u{1f622}",
    "\u{2764}\u{fe0f}",
    "e\u{301}",
    "\u{130}",
    "\u{1e9e}",
    "\u{fb01}",
    "\u{ff21}\u{ff22}",
    "\u{2014}",
    "\u{2026}",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    " ",
    ".",
    ",",
    "!",
    "?",
    "lol",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(PIECES), prop::bool::ANY), 0..40).prop_map(
        |parts| {
            let mut out = String::new();
            for (piece, space) in parts {
                out.push_str(piece);
                if space {
                    out.push(' ');
                }
            }
            out
        },
    )
}

fn item(id: &str, parent: Option<&str>, title: Option<&str>, text: &str) -> Item {
    Item {
        id: id.into(),
        thread_id: "t".into(),
        parent_id: parent.map(str::to_string),
        kind: if parent.is_some() {
            ItemKind::Comment
        } else {
            ItemKind::Post
        },
        author: Some(id.into()),
        created_at: None,
        title: title.map(str::to_string),
        text: text.into(),
        source: Source {
            format: Format::Jsonl,
            file: "robust".into(),
            position: Position::default(),
        },
    }
}

/// `start..end` lies on character boundaries of `of` and quotes `quoted` there.
fn quotes(of: &str, start: usize, end: usize, quoted: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        start <= end && end <= of.len() && of.is_char_boundary(start) && of.is_char_boundary(end),
        "{start}..{end} in {of:?}"
    );
    prop_assert_eq!(&of[start..end], quoted);
    Ok(())
}

/// Every span of `signals` (and of their cues) lies on character boundaries of `text` (of
/// `title` for a signal found in the title) and quotes it.
fn spans_hold(signals: &[Signal], title: &str, text: &str) -> Result<(), TestCaseError> {
    for s in signals {
        let of = if s.in_title { title } else { text };
        quotes(of, s.start, s.end, &s.text)?;
        for c in &s.cues {
            quotes(of, c.start, c.end, &c.text)?;
        }
    }
    Ok(())
}

proptest! {
    // (`PROPTEST_CASES=N` for a longer hunt.)
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_text_is_assessed_and_its_spans_are_its_own(text in text()) {
        let a = engine().assess_text(&text);
        spans_hold(&a.signals, "", &text)?;
    }

    #[test]
    fn any_thread_is_assessed_and_its_spans_are_its_own(
        title in text(),
        post in text(),
        reply in text(),
    ) {
        let thread = Thread {
            thread_id: "t".into(),
            title: None,
            declared_comments: None,
            items: vec![
                item("p", None, Some(&title), &post),
                item("c", Some("p"), None, &reply),
            ],
        };
        let t = engine().assess_thread(&thread);
        prop_assert_eq!(t.items.len(), 2);
        spans_hold(&t.items[0].assessment.signals, &title, &post)?;
        spans_hold(&t.items[1].assessment.signals, "", &reply)?;
    }
}
