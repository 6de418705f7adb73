//! The demo data in `examples/` reads cleanly, in the format it claims, with the threads its
//! README describes.
//!
//! Every example file is read through the library as `--from auto` would read it; its sniffed
//! format, its diagnostics (none), and each of its items are checked. Items are found by the
//! start of their text, which is unique within a file, so that the test states what a person
//! reading the thread would see (who wrote what, in answer to what, when) without depending on
//! each reader's id scheme. Then the binary reads the whole directory the way the demo does.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use threadcare_core::time::parse_datetime;
use threadcare_ingest::{read_file, Collect, Format, Item, ItemKind};

fn examples_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    dir.canonicalize().unwrap_or(dir)
}

/// One item an example file must contain.
struct Want {
    kind: ItemKind,
    author: Option<&'static str>,
    title: Option<&'static str>,
    /// The start of the text; `""` for a comment whose text the source removed.
    text: &'static str,
    /// The start of the parent's text (`""` for a removed parent); `None` for posts.
    parent: Option<&'static str>,
    /// When it was written, in any form `parse_datetime` reads; compared as an instant.
    /// `None` where the format carries no dates (blog page text).
    at: Option<&'static str>,
    /// How many paragraphs (separated by blank lines) the text has.
    paragraphs: usize,
}

fn post(
    author: Option<&'static str>,
    title: &'static str,
    text: &'static str,
    at: Option<&'static str>,
    paragraphs: usize,
) -> Want {
    Want {
        kind: ItemKind::Post,
        author,
        title: Some(title),
        text,
        parent: None,
        at,
        paragraphs,
    }
}

fn comment(
    author: Option<&'static str>,
    text: &'static str,
    parent: &'static str,
    at: Option<&'static str>,
    paragraphs: usize,
) -> Want {
    Want {
        kind: ItemKind::Comment,
        author,
        title: None,
        text,
        parent: Some(parent),
        at,
        paragraphs,
    }
}

/// One file of `examples/` and what reading it must give.
struct Example {
    /// Relative to `examples/`.
    path: &'static str,
    format: Format,
    /// For blog pages: the count in the "N thoughts on" header (`None`: no comment section).
    declared: Option<u64>,
    items: Vec<Want>,
}

fn blog_examples() -> Vec<Example> {
    const A: &str = "She cancelled again this morning.";
    const C: &str = "I haven’t eaten a proper meal since Saturday.";
    const D: &str = "I was dreading today.";
    const E: &str = "No big therapy revelations this week";
    const F: &str = "I don’t usually post about other people";
    const G: &str = "Two years ago this week I was in hospital";
    vec![
        Example {
            path: "blog/01-cancelled-again.txt",
            format: Format::BlogText,
            declared: Some(2),
            items: vec![
                post(None, "Cancelled, again", A, None, 5),
                comment(
                    Some("Sparrow"),
                    "I’m really glad you wrote this",
                    A,
                    None,
                    2,
                ),
                comment(Some("Fernhill"), "Checking in this morning.", A, None, 1),
            ],
        },
        Example {
            path: "blog/02-eight-months.txt",
            format: Format::BlogText,
            declared: None,
            items: vec![post(
                None,
                "Eight months, and then last night",
                "I had eight months.",
                None,
                5,
            )],
        },
        Example {
            path: "blog/03-day-four.txt",
            format: Format::BlogText,
            declared: Some(2),
            items: vec![
                post(None, "Day four", C, None, 3),
                comment(
                    Some("thinspiral"),
                    "Honestly you’re doing amazing",
                    C,
                    None,
                    1,
                ),
                comment(Some("Maple Kettle"), "I’m worried about you", C, None, 2),
            ],
        },
        Example {
            path: "blog/04-we-actually-talked.txt",
            format: Format::BlogText,
            declared: Some(6),
            items: vec![
                post(None, "We actually talked about it", D, None, 5),
                comment(None, "This made me smile so much.", D, None, 1),
                comment(
                    None,
                    "Thank you. I’m going to laminate it",
                    "This made me smile so much.",
                    None,
                    1,
                ),
                comment(None, "I’m so glad she named it first.", D, None, 1),
                comment(None, "Reading this on a hard day", D, None, 1),
                comment(
                    None,
                    "I really hope you can.",
                    "Reading this on a hard day",
                    None,
                    1,
                ),
            ],
        },
        Example {
            path: "blog/05-ordinary-tuesday.txt",
            format: Format::BlogText,
            declared: Some(3),
            items: vec![
                post(None, "A very ordinary Tuesday", E, None, 4),
                comment(None, "The egg sandwich man is on every bus", E, None, 1),
                comment(
                    None,
                    "Ha, he must get around.",
                    "The egg sandwich man",
                    None,
                    1,
                ),
                comment(
                    None,
                    "My phone dies on me every single afternoon",
                    E,
                    None,
                    1,
                ),
            ],
        },
        Example {
            path: "blog/06-worried-about-my-friend.txt",
            format: Format::BlogText,
            declared: Some(1),
            items: vec![
                post(None, "Worried about my friend", F, None, 5),
                comment(Some("Juniper Row"), "You’re not overreacting.", F, None, 2),
            ],
        },
        Example {
            path: "blog/07-two-years.txt",
            format: Format::BlogText,
            declared: Some(4),
            items: vec![
                post(None, "Two years", G, None, 4),
                comment(
                    Some("Otter Creek"),
                    "I remember your posts from back then",
                    G,
                    None,
                    1,
                ),
                comment(
                    Some("Rowan"),
                    "Thank you. You were one of the people",
                    "I remember your posts",
                    None,
                    1,
                ),
                comment(
                    Some("lantern_moth"),
                    "This gives me a lot of hope.",
                    G,
                    None,
                    1,
                ),
                comment(
                    Some("Rowan"),
                    "Four months is real progress.",
                    "This gives me a lot of hope.",
                    None,
                    1,
                ),
            ],
        },
    ]
}
/// The WordPress export: three published posts with nested comments; the spam comment and the
/// draft are not items.
fn wxr_example() -> Example {
    Example {
        path: "wordpress-export.xml",
        format: Format::Wxr,
        declared: None,
        items: vec![
            post(
                Some("tamsin"),
                "Eighteen months",
                "Eighteen months ago I was on a psychiatric",
                Some("2026-09-14T23:30:00Z"),
                4,
            ),
            comment(
                Some("Bea"),
                "I cried reading this, in the good way.",
                "Eighteen months ago I was on a psychiatric",
                Some("2026-09-15T00:12:00Z"),
                1,
            ),
            comment(
                Some("Tamsin"),
                "Thank you, Bea. Your comments back then",
                "I cried reading this, in the good way.",
                Some("2026-09-15T01:40:00Z"),
                1,
            ),
            comment(
                Some("northern_lights"),
                "Saving this post for the days when I can’t",
                "Eighteen months ago I was on a psychiatric",
                Some("2026-09-15T12:40:00Z"),
                1,
            ),
            post(
                Some("tamsin"),
                "The session where she said sorry",
                "For three weeks things have felt off",
                Some("2026-10-27T22:05:00Z"),
                3,
            ),
            comment(
                Some("Wren"),
                "“She would rather have my anger than lose",
                "For three weeks things have felt off",
                Some("2026-10-27T23:20:00Z"),
                1,
            ),
            comment(
                Some("Tamsin"),
                "It’s on a sticky note on my laptop now too!",
                "“She would rather have my anger than lose",
                Some("2026-10-28T00:02:00Z"),
                1,
            ),
            comment(
                Some("Ollie P"),
                "This is such a good example of what a",
                "For three weeks things have felt off",
                Some("2026-10-28T11:55:00Z"),
                1,
            ),
            post(
                Some("tamsin"),
                "Not hungry, apparently",
                "I’m back to not eating. It’s been three",
                Some("2026-11-21T03:10:00Z"),
                3,
            ),
            comment(
                Some("hollowbones"),
                "Three days is a great start!! Keep yourself",
                "I’m back to not eating. It’s been three",
                Some("2026-11-21T06:30:00Z"),
                1,
            ),
            comment(
                Some("Priya"),
                "Tamsin, I’m sorry things have got so heavy.",
                "I’m back to not eating. It’s been three",
                Some("2026-11-21T14:15:00Z"),
                2,
            ),
            comment(
                Some("Tamsin"),
                "Thank you. I’ve emailed her and said I need",
                "Tamsin, I’m sorry things have got so heavy.",
                Some("2026-11-21T17:48:00Z"),
                1,
            ),
        ],
    }
}

/// The RSS feed: three posts, no comments.
fn rss_example() -> Example {
    Example {
        path: "feed.rss",
        format: Format::Rss,
        declared: None,
        items: vec![
            post(
                Some("mira"),
                "I did it again last night",
                "I hurt myself last night for the first time",
                Some("Mon, 23 Nov 2026 08:12:00 +0000"),
                3,
            ),
            post(
                Some("mira"),
                "Monday, in brief",
                "This deadline is killing me. I have three",
                Some("Mon, 16 Nov 2026 21:05:00 +0000"),
                3,
            ),
            post(
                Some("mira"),
                "The crisis plan I didn’t need",
                "Last weekend I was clearing out old files",
                Some("Sat, 07 Nov 2026 10:20:00 +0000"),
                4,
            ),
        ],
    }
}

/// The Atom feed of posts and comments; replies point at what they answer with `thr:in-reply-to`.
fn atom_example() -> Example {
    Example {
        path: "comments.atom",
        format: Format::Atom,
        declared: None,
        items: vec![
            post(
                Some("driftwood"),
                "The last session",
                "My therapist told me today that she is",
                Some("2026-11-23T19:41:00-05:00"),
                4,
            ),
            comment(
                Some("harbour_light"),
                "driftwood, I’m so sorry. Hearing that she’s",
                "My therapist told me today that she is",
                Some("2026-11-23T19:58:00-05:00"),
                2,
            ),
            comment(
                Some("Moth and Moon"),
                "Just seeing this. driftwood, I hope you",
                "driftwood, I’m so sorry. Hearing that she’s",
                Some("2026-11-23T23:47:00-05:00"),
                1,
            ),
            post(
                Some("driftwood"),
                "My brother",
                "I’m writing this for advice, not for me. My",
                Some("2026-11-18T21:05:00-05:00"),
                3,
            ),
            comment(
                Some("Kestrel"),
                "You’re right not to let it go. “I don’t",
                "I’m writing this for advice, not for me. My",
                Some("2026-11-18T21:40:00-05:00"),
                2,
            ),
            comment(
                Some("driftwood"),
                "Thank you. I’m going over to his place",
                "You’re right not to let it go. “I don’t",
                Some("2026-11-19T08:15:00-05:00"),
                1,
            ),
        ],
    }
}

/// The Reddit thread: nested replies, and a `[deleted]` comment (no author, no text) that has a
/// reply.
fn reddit_example() -> Example {
    Example {
        path: "reddit-thread.json",
        format: Format::Reddit,
        declared: None,
        items: vec![
            post(
                Some("oat_milk_orbit"),
                "Haven't really eaten since Monday and I think I'm okay with that?",
                "Posting on a throwaway-ish account because",
                Some("2026-11-21T16:20:00Z"),
                3,
            ),
            comment(
                Some("skinnyvibes_only"),
                "Honestly five days is amazing, don't stop",
                "Posting on a throwaway-ish account because",
                Some("2026-11-21T16:41:00Z"),
                1,
            ),
            comment(
                Some("SoftLanding_"),
                "I'm really glad you posted, and that part",
                "Posting on a throwaway-ish account because",
                Some("2026-11-21T17:05:00Z"),
                2,
            ),
            comment(
                Some("oat_milk_orbit"),
                "Thank you. I just emailed her and I had",
                "I'm really glad you posted, and that part",
                Some("2026-11-21T19:30:00Z"),
                1,
            ),
            comment(
                None,
                "",
                "Posting on a throwaway-ish account because",
                Some("2026-11-21T17:22:00Z"),
                0,
            ),
            comment(
                Some("wintergreen_tea"),
                "Whatever that was, please ignore it. Anyone",
                "",
                Some("2026-11-21T17:48:00Z"),
                1,
            ),
        ],
    }
}

/// Pushshift NDJSON: submissions and comments in time order, threads interleaved.
fn pushshift_example() -> Example {
    Example {
        path: "pushshift.ndjson",
        format: Format::Pushshift,
        declared: None,
        items: vec![
            post(
                Some("biscuit_theory"),
                "Small win: made it to therapy despite everything",
                "This week has been chaos. The commute is",
                Some("2026-11-19T18:30:00Z"),
                3,
            ),
            comment(
                Some("tiny_moth"),
                "Ha, \"allowed to be a person who is",
                "This week has been chaos. The commute is",
                Some("2026-11-19T19:02:00Z"),
                1,
            ),
            comment(
                Some("Granola_Ghost"),
                "Honestly, making it there with a dead phone",
                "This week has been chaos. The commute is",
                Some("2026-11-19T19:40:00Z"),
                1,
            ),
            comment(
                Some("biscuit_theory"),
                "Thank you! Slept ten hours, feel like a new",
                "Ha, \"allowed to be a person who is",
                Some("2026-11-20T07:15:00Z"),
                1,
            ),
            post(
                Some("nightjar_22"),
                "She ended our sessions today and I can't do this anymore",
                "I've seen the same therapist for two and a",
                Some("2026-11-23T23:12:00Z"),
                3,
            ),
            comment(
                Some("steady_oak"),
                "I'm really glad you posted, and I'm not",
                "I've seen the same therapist for two and a",
                Some("2026-11-23T23:26:00Z"),
                2,
            ),
            post(
                Some("paper_crane_"),
                "Relapsed last night, the urges won't stop",
                "I was 143 days free of self harm. Last",
                Some("2026-11-24T05:48:00Z"),
                3,
            ),
            comment(
                Some("quietfern"),
                "Coming back to check on you, OP. I hope you",
                "I'm really glad you posted, and I'm not",
                Some("2026-11-24T06:55:00Z"),
                1,
            ),
        ],
    }
}

/// JSON Lines with the fields of DESIGN §2.
fn jsonl_example() -> Example {
    Example {
        path: "threads.jsonl",
        format: Format::Jsonl,
        declared: None,
        items: vec![
            post(
                Some("lumen_gray"),
                "First repair session that actually worked",
                "Something good to report for once. Last",
                Some("2026-11-16T20:12:00+00:00"),
                3,
            ),
            comment(
                Some("sunday_soup"),
                "This is wonderful. Moving the clock is such",
                "Something good to report for once. Last",
                Some("2026-11-16T21:03:00+00:00"),
                1,
            ),
            comment(
                Some("lumen_gray"),
                "Thank you! I was shaking when I said it but",
                "This is wonderful. Moving the clock is such",
                Some("2026-11-16T21:30:00+00:00"),
                1,
            ),
            comment(
                Some("ArdenM"),
                "\"It can be the start of a better one\" is",
                "Something good to report for once. Last",
                Some("2026-11-17T08:10:00Z"),
                1,
            ),
            post(
                Some("wildthyme"),
                "Worried about my roommate",
                "My roommate has been hiding in her room for",
                Some("2026-11-21T15:44:00+00:00"),
                3,
            ),
            comment(
                Some("harbourmaster"),
                "You're not overstepping. What she said, and",
                "My roommate has been hiding in her room for",
                Some("2026-11-21T16:02:00+00:00"),
                2,
            ),
            comment(
                Some("wildthyme"),
                "I talked to her. She cried and said yes,",
                "You're not overstepping. What she said, and",
                Some("2026-11-21T22:19:00+00:00"),
                1,
            ),
            post(
                Some("stillwater_k"),
                "One year since my attempt",
                "One year ago today I tried to take my own",
                Some("2026-11-22T11:00:00+01:00"),
                3,
            ),
            comment(
                Some("sunday_soup"),
                "Happy one year. Thank you for staying, and",
                "One year ago today I tried to take my own",
                Some("2026-11-22T11:45:00+01:00"),
                1,
            ),
            comment(
                Some("mossandstone"),
                "I'm three months out from mine and this",
                "One year ago today I tried to take my own",
                Some("2026-11-22T13:20:00+01:00"),
                1,
            ),
            comment(
                Some("stillwater_k"),
                "Three months is huge. Be gentle with",
                "I'm three months out from mine and this",
                Some("2026-11-22T14:02:00+01:00"),
                1,
            ),
            post(
                Some("fernlight"),
                "Three weeks without sessions",
                "My therapist starts her leave tomorrow and",
                Some("2026-11-27T19:05:00+00:00"),
                2,
            ),
            comment(
                Some("quietoak"),
                "The gaps are the hardest part for me too.",
                "My therapist starts her leave tomorrow and",
                Some("2026-11-27T20:40:00+00:00"),
                1,
            ),
            comment(
                Some("harbourmaster"),
                "Writing down what you want to tell her when",
                "My therapist starts her leave tomorrow and",
                Some("2026-11-27T21:15:00+00:00"),
                1,
            ),
        ],
    }
}

/// CSV with the same fields; texts with paragraphs and doubled quotes.
fn csv_example() -> Example {
    Example {
        path: "threads.csv",
        format: Format::Csv,
        declared: None,
        items: vec![
            post(
                Some("pebble_and_pine"),
                "Skipping meals again",
                "Since my last session I've been skipping",
                Some("2026-11-22T19:30:00-08:00"),
                3,
            ),
            comment(
                Some("ribcage.muse"),
                "You're so disciplined, honestly I'm",
                "Since my last session I've been skipping",
                Some("2026-11-22T20:04:00-08:00"),
                1,
            ),
            comment(
                Some("Halcyon_Q"),
                "I'm really glad you wrote it down, that is",
                "Since my last session I've been skipping",
                Some("2026-11-22T20:31:00-08:00"),
                2,
            ),
            comment(
                Some("pebble_and_pine"),
                "Thank you. I messaged her. I'm going to try",
                "I'm really glad you wrote it down, that is",
                Some("2026-11-22T22:15:00-08:00"),
                1,
            ),
            post(
                Some("juno_writes"),
                "We repaired it",
                "I've been avoiding writing about therapy",
                Some("2026-11-10T17:15:00+00:00"),
                3,
            ),
            comment(
                Some("marigold_days"),
                "Same team again is the best feeling. I'm so",
                "I've been avoiding writing about therapy",
                Some("2026-11-10T18:02:00+00:00"),
                1,
            ),
            comment(
                Some("OwlAtDusk"),
                "Love that she owned her part, that's what a",
                "I've been avoiding writing about therapy",
                Some("2026-11-11T09:30:00+00:00"),
                1,
            ),
            post(
                Some("tealkettle"),
                "Tiny update from a chaotic week",
                "Quick one because I'm dead on my feet. Work",
                Some("2026-11-12T08:05:00+00:00"),
                2,
            ),
            comment(
                Some("pilot_light"),
                "The printer dying twice is a very specific",
                "Quick one because I'm dead on my feet. Work",
                Some("2026-11-12T12:40:00+00:00"),
                1,
            ),
            comment(
                Some("tealkettle"),
                "Ha, it died a third time this afternoon.",
                "The printer dying twice is a very specific",
                Some("2026-11-12T17:55:00+00:00"),
                1,
            ),
        ],
    }
}
fn all_examples() -> Vec<Example> {
    let mut all = blog_examples();
    all.extend([
        wxr_example(),
        rss_example(),
        atom_example(),
        reddit_example(),
        pushshift_example(),
        jsonl_example(),
        csv_example(),
    ]);
    all
}

fn starts(item: &Item, prefix: &str) -> bool {
    if prefix.is_empty() {
        item.text.trim().is_empty()
    } else {
        item.text.trim_start().starts_with(prefix)
    }
}

fn paragraphs(text: &str) -> usize {
    text.split("\n\n").filter(|p| !p.trim().is_empty()).count()
}

fn listing(items: &[Item]) -> String {
    items
        .iter()
        .map(|i| {
            let start: String = i.text.chars().take(60).collect();
            format!(
                "  {} {} by {:?} (parent {:?}): {start:?}\n",
                i.kind.as_str(),
                i.id,
                i.author,
                i.parent_id
            )
        })
        .collect()
}

/// Reads one example as `--from auto` does and checks it against its expectations.
fn check(example: &Example) -> Collect {
    let path = examples_dir().join(example.path);
    let name = path.display().to_string();
    let mut got = Collect::default();
    let format = read_file(&path, None, &mut got);
    assert_eq!(
        format,
        Some(example.format),
        "{}: sniffed as {format:?}",
        example.path
    );
    assert!(
        got.diagnostics.is_empty(),
        "{}: the demo data must read without diagnostics, got:\n{}",
        example.path,
        got.diagnostics
            .iter()
            .map(|d| format!("  {d}\n"))
            .collect::<String>()
    );
    let items = &got.items;
    let here = || format!("{}; items read:\n{}", example.path, listing(items));
    assert_eq!(items.len(), example.items.len(), "{}: item count", here());
    let posts = example
        .items
        .iter()
        .filter(|w| w.kind == ItemKind::Post)
        .count();
    assert_eq!(
        items.iter().filter(|i| i.kind == ItemKind::Post).count(),
        posts,
        "{}: post count",
        here()
    );

    let find = |prefix: &str| -> &Item {
        let hits: Vec<&Item> = items.iter().filter(|i| starts(i, prefix)).collect();
        assert_eq!(
            hits.len(),
            1,
            "{}: expected exactly one item whose text starts with {prefix:?}",
            here()
        );
        hits[0]
    };

    let mut ids = HashSet::new();
    for item in items {
        assert!(!item.id.is_empty(), "{}: an item without id", here());
        assert!(
            !item.thread_id.is_empty(),
            "{}: an item without thread",
            here()
        );
        assert!(
            ids.insert(item.id.as_str()),
            "{}: id {} twice",
            here(),
            item.id
        );
        assert_eq!(item.source.format, example.format, "{}", here());
        assert_eq!(item.source.file, name, "{}", here());
        for junk in ["<p", "</", "&lt;", "&gt;", "&amp;", "&#", "<!--", "]]>"] {
            assert!(
                !item.text.contains(junk),
                "{}: markup {junk:?} left in the text of {}",
                here(),
                item.id
            );
        }
        if example.format == Format::BlogText {
            for line in item.text.lines() {
                let line = line.trim();
                assert!(
                    !line.starts_with("Liked by") && !line.ends_with(" says:"),
                    "{}: page furniture {line:?} left in the text of {}",
                    here(),
                    item.id
                );
            }
        }
    }

    for want in &example.items {
        let item = find(want.text);
        let what = format!("{}: the item starting {:?}", example.path, want.text);
        assert_eq!(item.kind, want.kind, "{what}: kind");
        assert_eq!(item.author.as_deref(), want.author, "{what}: author");
        if want.kind == ItemKind::Post {
            assert_eq!(item.title.as_deref(), want.title, "{what}: title");
        }
        assert_eq!(
            paragraphs(&item.text),
            want.paragraphs,
            "{what}: paragraphs in {:?}",
            item.text
        );
        match want.at {
            Some(at) => {
                let expected = parse_datetime(at).expect("a valid date in the test");
                let found = item.created_at.unwrap_or_else(|| panic!("{what}: no date"));
                assert_eq!(
                    found.timestamp(),
                    expected.timestamp(),
                    "{what}: date {found} is not {at}"
                );
            }
            None => assert_eq!(item.created_at, None, "{what}: a date from nowhere"),
        }
        match want.parent {
            None => {
                assert_eq!(item.parent_id, None, "{what}: a post has no parent");
                assert_eq!(item.thread_id, item.id, "{what}: a post opens its thread");
            }
            Some(parent) => {
                let parent = find(parent);
                assert_eq!(
                    item.parent_id.as_deref(),
                    Some(parent.id.as_str()),
                    "{what}: parent"
                );
                assert_eq!(item.thread_id, parent.thread_id, "{what}: thread");
            }
        }
    }

    if example.format == Format::BlogText {
        let comments = example.items.len() as u64 - 1;
        let metas: Vec<_> = got.threads.iter().collect();
        assert!(
            metas.len() <= 1,
            "{}: one page is one thread: {metas:?}",
            example.path
        );
        let declared = metas.first().and_then(|m| m.declared_comments);
        assert_eq!(
            declared, example.declared,
            "{}: declared comments",
            example.path
        );
        if let Some(meta) = metas.first() {
            assert_eq!(
                meta.found_comments, comments,
                "{}: found comments",
                example.path
            );
            assert_eq!(
                meta.thread_id, items[0].thread_id,
                "{}: meta thread",
                example.path
            );
        } else {
            assert_eq!(
                example.declared, None,
                "{}: a page with a comment header must say what it declared",
                example.path
            );
        }
    }
    got
}

fn example(path: &str) -> Example {
    all_examples()
        .into_iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no expectations for {path}"))
}

fn files_under(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("examples/ is listable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files_under(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).unwrap();
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_example_file_has_expectations() {
    let dir = examples_dir();
    let mut on_disk = BTreeSet::new();
    files_under(&dir, &dir, &mut on_disk);
    on_disk.remove("README.md");
    let known: BTreeSet<String> = all_examples().iter().map(|e| e.path.to_string()).collect();
    assert_eq!(
        on_disk, known,
        "examples/ and this test must list the same files"
    );
    // Every format has its example, and the README's totals hold.
    let all = all_examples();
    for format in Format::ALL {
        assert!(
            all.iter().any(|e| e.format == format),
            "no example for {format}"
        );
    }
    let items: usize = all.iter().map(|e| e.items.len()).sum();
    let posts: usize = all
        .iter()
        .flat_map(|e| &e.items)
        .filter(|w| w.kind == ItemKind::Post)
        .count();
    assert_eq!(
        (posts, items - posts),
        (26, 57),
        "the README says 26 threads, 83 items"
    );
}

#[test]
fn blog_pages() {
    for example in blog_examples() {
        check(&example);
    }
}

#[test]
fn wordpress_export() {
    let got = check(&example("wordpress-export.xml"));
    assert!(
        got.items
            .iter()
            .any(|i| i.text.contains("Rupture & repair")),
        "the entity in the HTML is decoded"
    );
    for skipped in ["slimming gummies", "waiting room", "the chairs in"] {
        assert!(
            !got.items.iter().any(|i| i.text.contains(skipped)),
            "spam comments and drafts are not items ({skipped:?})"
        );
    }
}

#[test]
fn rss_feed() {
    check(&example("feed.rss"));
}

#[test]
fn atom_feed_with_replies() {
    check(&example("comments.atom"));
}

#[test]
fn reddit_thread() {
    check(&example("reddit-thread.json"));
}

#[test]
fn pushshift_ndjson() {
    check(&example("pushshift.ndjson"));
}

#[test]
fn json_lines() {
    check(&example("threads.jsonl"));
}

#[test]
fn csv_file() {
    check(&example("threads.csv"));
}

/// Reading the directory leaves the README out (it describes the data; it is not a post), but
/// named on its own it reads as one plain page, not as a thread with invented comments.
#[test]
fn readme_is_skipped_in_the_walk_and_reads_as_one_page_alone() {
    let mut walked = Collect::default();
    let files = threadcare_ingest::expand_paths(&[examples_dir()], &mut walked);
    assert!(!files.iter().any(|f| f.ends_with("README.md")), "{files:?}");
    let mut got = Collect::default();
    let format = read_file(&examples_dir().join("README.md"), None, &mut got);
    assert_eq!(format, Some(Format::BlogText));
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    assert_eq!(got.items.len(), 1, "items:\n{}", listing(&got.items));
    assert_eq!(got.items[0].kind, ItemKind::Post);
}

/// The demo command: `threadcare threads examples --format jsonl` reads everything, complains
/// about nothing, and labels each item with the format of its file.
#[test]
fn threads_command_reads_the_whole_directory() {
    let dir = examples_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(["threads", dir.to_str().unwrap(), "--format", "jsonl"])
        .output()
        .expect("run threadcare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(
        stderr.trim().is_empty(),
        "nothing to complain about, got:\n{stderr}"
    );

    let all = all_examples();
    let expected: usize = all.iter().map(|e| e.items.len()).sum::<usize>();
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON item"))
        .collect();
    assert_eq!(lines.len(), expected);
    for line in &lines {
        let file = line["source"]["file"].as_str().expect("source.file");
        let format = line["source"]["format"].as_str().expect("source.format");
        let want = all
            .iter()
            .find(|e| Path::new(file).ends_with(e.path))
            .unwrap_or_else(|| panic!("an item from an unknown file {file}"))
            .format;
        assert_eq!(format, want.name(), "{file}");
    }
}
