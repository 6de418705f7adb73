//! The `threads` command as a person uses it: exit statuses, messages on stderr, stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn threadcare(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run threadcare");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("threadcare-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each stdout line is JSON"))
        .collect()
}

const GOOD_JSONL: &str = concat!(
    r#"{"id":"p1","thread_id":"p1","parent_id":null,"kind":"post","author":"wren","created_at":"2026-11-20T21:00:00+00:00","title":"After session","text":"Session was hard today but we talked it through."}"#,
    "\n",
    r#"{"id":"c1","thread_id":"p1","parent_id":"p1","kind":"comment","author":"moss","created_at":null,"title":null,"text":"Glad you stayed with it."}"#,
    "\n",
);

#[test]
fn complete_input_exits_zero_with_exact_fields() {
    let path = temp_file("good.jsonl", GOOD_JSONL.as_bytes());
    let out = threadcare(&["threads", path.to_str().unwrap()], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items = lines(&out.stdout);
    assert_eq!(items.len(), 2);
    let keys: Vec<&str> = items[0]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "author",
            "created_at",
            "id",
            "kind",
            "parent_id",
            "source",
            "text",
            "thread_id",
            "title"
        ]
    );
    assert_eq!(items[1]["parent_id"], "p1");
    assert_eq!(items[0]["source"]["format"], "jsonl");
}

#[test]
fn a_bad_line_is_named_and_the_rest_goes_through() {
    let mut input = GOOD_JSONL.to_string();
    input.insert_str(
        GOOD_JSONL.find('\n').unwrap() + 1,
        "{\"id\": \"broken\", \"text\": \n",
    );
    let path = temp_file("partial.jsonl", input.as_bytes());
    let out = threadcare(&["threads", path.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "partial input exits 1; stderr: {stderr}"
    );
    assert_eq!(
        lines(&out.stdout).len(),
        2,
        "both good records still printed"
    );
    assert!(
        stderr.contains("partial.jsonl") && stderr.contains("line 2"),
        "stderr names file and line: {stderr}"
    );
}

#[test]
fn binary_junk_is_unusable() {
    let path = temp_file("junk.bin", &[0u8, 159, 146, 150, 1, 2, 3, 0, 255]);
    let out = threadcare(&["threads", path.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("junk.bin") && stderr.contains("binary"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_wrong_from_is_refused_not_misread() {
    let path = temp_file("items.jsonl", GOOD_JSONL.as_bytes());
    let out = threadcare(&["threads", "--from", "wxr", path.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("--from wxr") && stderr.contains("jsonl"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_from_is_a_usage_error() {
    let out = threadcare(&["threads", "--from", "docx", "x"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("docx"));
}

#[test]
fn a_missing_file_is_named() {
    let out = threadcare(&["threads", "/nonexistent/threadcare-input.jsonl"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/threadcare-input.jsonl"));
}

#[test]
fn stdin_is_read_with_a_dash() {
    let out = threadcare(&["threads", "-"], Some(GOOD_JSONL.as_bytes()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items = lines(&out.stdout);
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["source"]["file"], "-");
}

#[test]
fn tree_shows_replies_under_what_they_answer() {
    let path = temp_file("tree.jsonl", GOOD_JSONL.as_bytes());
    let out = threadcare(
        &["threads", "--format", "tree", path.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let post = text.find("■ wren").expect("post line");
    let reply = text.find("    └─ moss").expect("indented reply line");
    assert!(post < reply, "{text}");
    assert!(text.contains("After session"));
}

#[test]
fn json_groups_items_into_threads() {
    let path = temp_file("group.jsonl", GOOD_JSONL.as_bytes());
    let out = threadcare(
        &["threads", "--format", "json", path.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let threads: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(threads.as_array().unwrap().len(), 1);
    assert_eq!(threads[0]["items"].as_array().unwrap().len(), 2);
}

/// A WordPress export: drafts only when asked for; spam never.
#[test]
fn include_drafts_reads_drafts_but_never_spam() {
    let export = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/wordpress-export.xml");
    let titles = |extra: &[&str]| -> (Vec<String>, usize) {
        let mut args = vec!["threads", export.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = threadcare(&args, None);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let items = lines(&out.stdout);
        let posts = items
            .iter()
            .filter(|i| i["kind"] == "post")
            .map(|i| i["title"].as_str().unwrap_or("").to_string())
            .collect();
        (posts, items.len())
    };
    let (default_posts, default_count) = titles(&[]);
    assert!(
        !default_posts.iter().any(|t| t.contains("draft")),
        "{default_posts:?}"
    );
    let (with_drafts, count) = titles(&["--include", "drafts"]);
    assert!(
        with_drafts.iter().any(|t| t.contains("draft")),
        "{with_drafts:?}"
    );
    assert_eq!(count, default_count + 1, "exactly the draft post is added");
    let (_, with_unapproved) = titles(&["--include", "unapproved,pages"]);
    assert_eq!(
        with_unapproved, default_count,
        "the spam comment is never read"
    );
}
