//! The blog page text reader against the five real pages in `../shared/seeds` (read in place,
//! never copied: the test skips with a message when they are absent) and against the synthetic
//! pages in `tests/data/blog/`, which are our own words.

use std::path::{Path, PathBuf};

use threadcare_core::content_id;
use threadcare_ingest::{Collect, Format, Item, ItemKind, Position, Severity};

fn seeds_dir() -> PathBuf {
    // The workspace root is two levels above this crate; `../shared` is beside it.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds")
}

/// Reads the seed whose name starts with `prefix`, or `None` (with a message) when the seeds are
/// not on this machine.
fn seed(prefix: &str) -> Option<Collect> {
    let dir = seeds_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "skipped: no seed pages at {} (they live outside the repository)",
            dir.display()
        );
        return None;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".txt"))
        })
        .collect();
    paths.sort();
    let path = paths
        .first()
        .unwrap_or_else(|| panic!("seed {prefix}_*.txt missing from {}", dir.display()));
    let bytes = std::fs::read(path).expect("seed readable");
    Some(Collect::read(
        Format::BlogText,
        &path.display().to_string(),
        &bytes,
    ))
}

fn sample(name: &str) -> Collect {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/blog")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Collect::read(Format::BlogText, name, &bytes)
}

fn post(c: &Collect) -> &Item {
    assert_eq!(
        c.items.iter().filter(|i| i.kind == ItemKind::Post).count(),
        1,
        "one post"
    );
    assert_eq!(c.items[0].kind, ItemKind::Post, "the post comes first");
    &c.items[0]
}

fn comments(c: &Collect) -> Vec<&Item> {
    c.items
        .iter()
        .filter(|i| i.kind == ItemKind::Comment)
        .collect()
}

/// For each comment in reading order, the index (among the comments) of the comment it
/// answers, or `None` when it answers the post.
fn parents(c: &Collect) -> Vec<Option<usize>> {
    let post_id = &post(c).id;
    let comments = comments(c);
    comments
        .iter()
        .map(|item| {
            let parent = item.parent_id.as_ref().expect("a comment has a parent");
            if parent == post_id {
                None
            } else {
                Some(
                    comments
                        .iter()
                        .position(|c| &c.id == parent)
                        .unwrap_or_else(|| panic!("parent {parent} is not on the page")),
                )
            }
        })
        .collect()
}

fn authors(c: &Collect) -> Vec<Option<&str>> {
    comments(c).iter().map(|i| i.author.as_deref()).collect()
}

fn lines(c: &Collect) -> Vec<u64> {
    c.items
        .iter()
        .map(|i| i.source.position.line.expect("a line"))
        .collect()
}

/// What holds for every page: one thread, consistent ids, no metadata in the text, no dates.
fn check_common(c: &Collect) {
    let post = post(c);
    assert_eq!(c.threads.len(), 1);
    let meta = &c.threads[0];
    assert_eq!(meta.thread_id, post.id);
    assert_eq!(
        post.id,
        content_id(&[post.title.as_deref().unwrap_or(""), &post.text])
    );
    assert_eq!(meta.title, post.title);
    assert_eq!(meta.found_comments as usize, comments(c).len());
    for item in &c.items {
        assert_eq!(item.thread_id, post.id);
        assert_eq!(item.source.format, Format::BlogText);
        assert!(item.created_at.is_none());
        assert!(!item.text.trim().is_empty(), "empty text in {item:?}");
        assert!(
            !item.text.contains("Liked by"),
            "metadata in {:?}",
            item.text
        );
        assert_eq!(item.text, item.text.trim(), "untrimmed text");
        assert!(!item.text.contains("\n\n\n"));
        for line in item.text.lines() {
            assert_eq!(line, line.trim_end(), "trailing space in {line:?}");
            assert!(!line.starts_with(' '), "indentation kept in {line:?}");
        }
    }
    for comment in comments(c) {
        assert!(comment.title.is_none());
        assert!(!comment.text.starts_with('•'), "bullet kept");
        assert!(!comment.text.ends_with("says:"), "name line kept");
    }
}

fn starts(text: &str, prefix: &str) {
    assert!(
        text.starts_with(prefix),
        "expected text to start with {prefix:?}"
    );
}

fn ends(text: &str, suffix: &str) {
    assert!(
        text.ends_with(suffix),
        "expected text to end with {suffix:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The seeds

#[test]
fn seed_000_post_only() {
    let Some(c) = seed("000") else { return };
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert_eq!(c.items.len(), 1);
    let post = post(&c);
    let title = post.title.as_deref().expect("000 starts with a title");
    starts(title, "Hope on the horizon");
    ends(title, "maybe.");
    starts(&post.text, "Well, we wasted");
    ends(&post.text, "attachment issue too.)");
    assert_eq!(post.source.position, Position::line(1));
    assert_eq!(c.threads[0].declared_comments, None);
    assert_eq!(c.threads[0].found_comments, 0);
}

#[test]
fn seed_001_title_from_header() {
    let Some(c) = seed("001") else { return };
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    // No title line: the first line is text, and the header names the title.
    assert_eq!(post.title.as_deref(), Some("Therapeutic Alliance"));
    starts(&post.text, "Walks, talks,");
    ends(&post.text, "swallowed up by fear.");
    assert_eq!(post.source.position, Position::line(1));
    assert_eq!(c.threads[0].declared_comments, Some(1));
    assert_eq!(parents(&c), vec![None]);
    assert_eq!(authors(&c), vec![None]);
    let comment = comments(&c)[0];
    starts(&comment.text, "I’m so sorry");
    assert!(!comment.text.contains('\n'), "one paragraph");
}

#[test]
fn seed_002_numbered_with_bulleted_replies() {
    let Some(c) = seed("002") else { return };
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    let title = post.title.as_deref().expect("002 starts with a title");
    starts(title, "When It’s Not");
    ends(title, "To Be Okay");
    starts(&post.text, "I need to tell");
    ends(&post.text, "so, so bad.");
    assert_eq!(c.threads[0].declared_comments, Some(7));
    assert_eq!(c.threads[0].found_comments, 6);
    assert_eq!(
        parents(&c),
        vec![None, Some(0), None, Some(2), None, Some(4)]
    );
    let cs = comments(&c);
    // The first comment quotes the post, then answers it: three paragraphs.
    assert_eq!(cs[0].text.split("\n\n").count(), 3);
    starts(cs[1].text.as_str(), "I just can’t");
    starts(cs[3].text.as_str(), "Yes – exactly!");
    starts(cs[5].text.as_str(), "Yes yes yes");
    // A bulleted reply's continuation lines belong to it.
    assert!(cs[3].text.lines().count() >= 4);
    assert!(cs[5].text.lines().count() >= 3);
}

#[test]
fn seed_003_relative_nesting() {
    let Some(c) = seed("003") else { return };
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    // The title line matches the header's title, final period included.
    let title = post.title.as_deref().expect("003 starts with a title");
    starts(title, "Lost a");
    ends(title, "battle.");
    assert_eq!(title.split(' ').count(), 5);
    starts(&post.text, "Tonight sucked.");
    ends(&post.text, "so damn much.");
    assert_eq!(c.threads[0].declared_comments, Some(8));
    assert_eq!(c.threads[0].found_comments, 5);
    // 1, 1.1, 1.1.1, 2, 2.1
    assert_eq!(parents(&c), vec![None, Some(0), Some(1), None, Some(3)]);
    let cs = comments(&c);
    starts(&cs[0].text, "Alana, you");
    starts(&cs[1].text, "Your right,");
    starts(&cs[2].text, "It sounds");
    starts(&cs[3].text, "This quote by");
    starts(&cs[4].text, "You are.");
    // The poem in comment 2 keeps its lines as one paragraph between two others.
    let paragraphs: Vec<&str> = cs[3].text.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 3);
    assert_eq!(paragraphs[1].lines().count(), 9);
    // Continuation lines belong to the reply they are indented under.
    assert_eq!(cs[1].text.split("\n\n").count(), 2);
    assert_eq!(cs[4].text.lines().count(), 2);
}

#[test]
fn seed_004_no_header_and_author_replies() {
    let Some(c) = seed("004") else { return };
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    assert_eq!(post.title, None, "004 starts without a title line");
    assert_eq!(post.author, None);
    starts(&post.text, "I haven’t written");
    ends(&post.text, "time to go anyway.");
    assert_eq!(c.threads[0].declared_comments, None);
    assert_eq!(c.threads[0].found_comments, 11);
    assert_eq!(
        authors(&c),
        vec![
            Some("Tina"),
            Some("La Quemada"),
            Some("Cat's Meow"),
            Some("Karen Beth Courcy"),
            Some("Sirena"),
            Some("Andi"),
            Some("Rachel"),
            Some("Andi"),
            Some("myblackspotblog"),
            Some("Amb"),
            Some("BorderlineBabbler"),
        ]
    );
    // Andi answers the 5th and the 6th comments; everyone else answers the post.
    assert_eq!(
        parents(&c),
        vec![
            None,
            None,
            None,
            None,
            None,
            Some(4),
            None,
            Some(6),
            None,
            None,
            None
        ]
    );
    let cs = comments(&c);
    starts(&cs[0].text, "I know exactly");
    starts(&cs[5].text, "Thank you, Sirena.");
    starts(&cs[7].text, "Yes, it’s the literal");
    assert_eq!(cs[2].text.split("\n\n").count(), 3);
    assert_eq!(cs[0].source.position, Position::line(36));
}

#[test]
fn seeds_read_twice_give_the_same_ids() {
    for prefix in ["000", "001", "002", "003", "004"] {
        let (Some(a), Some(b)) = (seed(prefix), seed(prefix)) else {
            return;
        };
        let ids = |c: &Collect| c.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        let mut unique = ids(&a);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), a.items.len(), "ids unique in {prefix}");
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic pages

#[test]
fn title_straight_quotes_names_and_three_levels() {
    let c = sample("title_straight_quotes.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    assert_eq!(post.title.as_deref(), Some("A slow week"));
    assert_eq!(
        post.text,
        "The week went slowly. I kept my appointments and went for two walks.\n\n\
         Some evenings were heavy, and I called my sister instead of sitting alone with it.\n\
         She listened for an hour."
    );
    assert_eq!(c.threads[0].declared_comments, Some(4));
    assert_eq!(
        authors(&c),
        vec![Some("Robin"), Some("Marta"), Some("Robin"), Some("Jules")]
    );
    // Markers at 2, 5 and 9 spaces: three levels.
    assert_eq!(parents(&c), vec![None, Some(0), Some(1), None]);
    let cs = comments(&c);
    assert_eq!(
        cs[0].text,
        "Calling your sister sounds like exactly the right move.\n\n\
         Two walks count. Be kind to yourself about the rest."
    );
    assert_eq!(cs[1].text, "Agreed, the walks matter.");
    assert_eq!(cs[2].text, "They do. Small steps add up.\nOne at a time.");
    assert_eq!(cs[3].text, "Thank you for writing this down.");
    assert_eq!(lines(&c), vec![1, 10, 18, 22, 27]);
    // Ids follow the documented recipe.
    let post_id = post.id.clone();
    let first = content_id(&[&post_id, &post_id, "1", &cs[0].text]);
    assert_eq!(cs[0].id, first);
    assert_eq!(
        cs[1].id,
        content_id(&[&post_id, &first, "1.1", &cs[1].text])
    );
    assert_eq!(
        cs[3].id,
        content_id(&[&post_id, &post_id, "2", &cs[3].text])
    );
}

#[test]
fn missing_closing_quote_word_count_and_bullet() {
    let c = sample("missing_quote_word_count.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    // The first line is a sentence, not the header's title: the page has no title line.
    assert_eq!(post.title.as_deref(), Some("Telling my counsellor"));
    starts(&post.text, "Today I finally told");
    ends(&post.text, "check-in on Friday.");
    assert_eq!(c.threads[0].declared_comments, Some(1));
    assert_eq!(parents(&c), vec![None]);
    assert_eq!(authors(&c), vec![None]);
    assert_eq!(
        comments(&c)[0].text,
        "Proud of you for saying it out loud. Fridays can be an anchor."
    );
}

#[test]
fn bulleted_comments_with_nbsp_title() {
    let c = sample("bulleted.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    // The title line has a no-break space; it still matches the header's title.
    assert_eq!(post.title.as_deref(), Some("Notes from group"));
    assert_eq!(
        post.text,
        "Group met again tonight.\u{a0} Eleven of us, and a new facilitator."
    );
    assert_eq!(c.threads[0].declared_comments, Some(3));
    assert_eq!(authors(&c), vec![Some("Priya"), Some("Sam"), None]);
    assert_eq!(parents(&c), vec![None, Some(0), None]);
    let cs = comments(&c);
    assert_eq!(
        cs[1].text,
        "It really is. The new facilitator seemed gentle."
    );
    assert_eq!(cs[2].text, "Was the new facilitator from the clinic?");
}

#[test]
fn tab_indentation() {
    let c = sample("tabs.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    assert_eq!(post.title.as_deref(), Some("Garden days"));
    assert_eq!(
        post.text,
        "I spent most of the weekend in the garden. It helped."
    );
    assert_eq!(c.threads[0].declared_comments, Some(4));
    assert_eq!(parents(&c), vec![None, Some(0), Some(1), None]);
    let cs = comments(&c);
    assert_eq!(
        cs[0].text,
        "The tomatoes look wonderful.\nDo you grow them from seed?"
    );
    assert_eq!(cs[1].text, "From seed, yes, on the kitchen windowsill.");
}

#[test]
fn page_without_comments() {
    let c = sample("no_comments.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert_eq!(c.items.len(), 1);
    let post = post(&c);
    assert_eq!(post.title.as_deref(), Some("Small wins"));
    assert_eq!(
        post.text,
        "I slept six hours last night.\n\n\
         I ate breakfast and answered one email.\n\n\
         That is all for today, and it is enough."
    );
    assert_eq!(c.threads[0].declared_comments, None);
    assert_eq!(c.threads[0].found_comments, 0);
    assert_eq!(c.threads[0].source.position, Position::line(1));
}

#[test]
fn header_count_exceeds_comments() {
    let c = sample("declared_exceeds.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert_eq!(post(&c).title.as_deref(), Some("Back at work"));
    assert_eq!(c.threads[0].declared_comments, Some(12));
    assert_eq!(c.threads[0].found_comments, 3);
    assert_eq!(c.threads[0].source.position, Position::line(5));
    assert_eq!(parents(&c), vec![None, None, None]);
    assert_eq!(comments(&c)[1].text, "So glad the return went well.");
}

#[test]
fn crlf_line_endings() {
    let c = sample("crlf.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    assert_eq!(post.title.as_deref(), Some("Rainy Sunday"));
    assert_eq!(post.text, "It rained all day and I stayed in with a book.");
    assert_eq!(c.threads[0].declared_comments, Some(2));
    assert_eq!(authors(&c), vec![Some("Kim"), None]);
    assert_eq!(parents(&c), vec![None, Some(0)]);
    assert_eq!(comments(&c)[1].text, "Thanks, Kim.\nIt was a quiet day.");
    for item in &c.items {
        assert!(!item.text.contains('\r'));
    }
    assert_eq!(lines(&c), vec![1, 7, 11]);
}

#[test]
fn no_header_comments_start_at_a_name_line() {
    let c = sample("headerless_says.txt");
    check_common(&c);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let post = post(&c);
    assert_eq!(post.title, None);
    assert_eq!(
        post.text,
        "I have not posted here in a while. Things have been up and down.\n\n\
         Mostly down, if I am honest."
    );
    assert_eq!(c.threads[0].declared_comments, None);
    assert_eq!(authors(&c), vec![Some("Lee"), Some("Ana"), Some("Noor")]);
    assert_eq!(parents(&c), vec![None, None, Some(1)]);
}

#[test]
fn every_sample_is_read_without_problems() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/blog");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("samples") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let c = sample(&name);
        check_common(&c);
        assert!(
            c.diagnostics
                .iter()
                .all(|d| d.severity == Severity::Degraded),
            "{name}: {:?}",
            c.diagnostics
        );
        count += 1;
    }
    assert!(count >= 8, "samples missing from {}", dir.display());
}
