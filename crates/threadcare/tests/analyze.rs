//! `threadcare analyze` on the bundled examples: the JSON contract of DESIGN §4, thread
//! summaries, and the table and HTML a moderator reads.

use std::path::PathBuf;
use std::process::Command;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn analyze(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .arg("analyze")
        .arg(examples())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn jsonl_items_carry_the_assessment_contract_and_threads_their_summary() {
    let (code, stdout, stderr) = analyze(&["--format", "jsonl"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let items: Vec<&serde_json::Value> = lines.iter().filter(|l| l["kind"] != "thread").collect();
    let threads: Vec<&serde_json::Value> = lines.iter().filter(|l| l["kind"] == "thread").collect();
    assert_eq!(threads.len(), 26, "one summary per example thread");
    assert_eq!(items.len(), 83);
    for item in &items {
        for field in [
            "id",
            "thread_id",
            "parent_id",
            "kind",
            "author",
            "level",
            "cssrs",
            "confidence",
            "concern_for_other",
            "signals",
            "factors",
            "themes",
            "reply",
            "explanation",
        ] {
            assert!(item.get(field).is_some(), "item lacks {field}: {item}");
        }
        let level = item["level"].as_str().unwrap();
        if ["moderate", "severe", "imminent"].contains(&level) {
            let cited = item["signals"].as_array().unwrap().iter().any(|s| {
                item["explanation"]
                    .as_str()
                    .unwrap()
                    .contains(s["text"].as_str().unwrap())
            });
            assert!(cited, "a level above low cites a span: {item}");
        }
        assert_eq!(
            item["reply"].is_null(),
            item["kind"] == "post",
            "replies are assessed as replies"
        );
    }
    assert!(
        threads.iter().any(|t| t["unanswered_at_risk"] == true),
        "the demo has an unanswered thread"
    );
    // A commenter at risk whom nobody answered, under a post that is not at risk.
    assert!(
        threads.iter().any(|t| {
            t["unanswered_at_risk"] == false
                && t["unanswered_items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|id| id != &t["post_id"])
        }),
        "the demo has a commenter at risk without an answer"
    );
    assert!(
        items.iter().any(|i| i["level"] == "imminent"),
        "the demo has a person at high risk"
    );
    assert!(
        items.iter().any(|i| !i["reply"]["harmful"]
            .as_array()
            .map(|a| a.is_empty())
            .unwrap_or(true)),
        "the demo has a harmful reply"
    );
}

#[test]
fn table_puts_the_most_urgent_first_with_crisis_resources() {
    let (code, stdout, _) = analyze(&["--format", "table"]);
    assert_eq!(code, 0);
    let rows: Vec<&str> = stdout
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(rows[0].starts_with("imminent"), "{}", rows[0]);
    let rank = |l: &&str| {
        ["imminent", "severe", "moderate", "low", "none"]
            .iter()
            .position(|w| l.starts_with(w))
            .unwrap()
    };
    assert!(
        rows.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "sorted by urgency"
    );
    assert!(
        stdout.contains("emergency services"),
        "crisis resources beside imminent items"
    );
}

#[test]
fn html_is_one_self_contained_page_with_highlighted_evidence() {
    let out = std::env::temp_dir().join(format!("threadcare-report-{}.html", std::process::id()));
    let (code, _, stderr) = analyze(&["--format", "html", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains("<mark class=\"f-suicidality"),
        "evidence highlighted"
    );
    assert!(html.contains("Unanswered at risk"));
    assert!(html.contains("emergency services"));
    assert!(
        !html.contains("<script src") && !html.contains("<link "),
        "nothing loaded from elsewhere"
    );
    let _ = std::fs::remove_file(out);
}
