//! `--from auto`: tell the format from the content.

use threadcare_core::Format;

/// Formats that can be mistaken for one another without harm share a family; a forced `--from`
/// of another family than the content is refused rather than misread.
pub fn family(format: Format) -> &'static str {
    match format {
        Format::Wxr | Format::Rss | Format::Atom => "xml",
        Format::Reddit | Format::Pushshift | Format::Jsonl => "json",
        Format::Csv => "csv",
        Format::BlogText => "text",
    }
}

/// Guesses the format of a file from its first bytes (and, as a tie-breaker only, its name).
/// Returns a reason when the content is not something threadcare can read at all: empty,
/// binary, or an XML or HTML document of a kind no reader knows.
pub fn sniff(head: &[u8], name: &str) -> Result<Format, String> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("empty file: nothing to read".into());
    }
    if let Some(pos) = binary_at(head) {
        return Err(format!(
            "binary data, not text (first suspicious byte at offset {pos})"
        ));
    }
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    let lower_name = name.to_ascii_lowercase();

    if trimmed.starts_with('<') {
        let probe: String = trimmed
            .chars()
            .take(8192)
            .collect::<String>()
            .to_ascii_lowercase();
        if probe.contains("xmlns:wp=") || probe.contains("<wp:") {
            return Ok(Format::Wxr);
        }
        if probe.contains("<feed") {
            return Ok(Format::Atom);
        }
        if probe.contains("<rss") || probe.contains("<rdf:rdf") || probe.contains("<channel") {
            return Ok(Format::Rss);
        }
        if probe.contains("<html") || probe.contains("<!doctype html") {
            return Err(
                "an HTML page: save the page as text (or export the blog as WXR) and read that"
                    .into(),
            );
        }
        return Err("XML, but neither a WordPress export, an RSS feed nor an Atom feed".into());
    }

    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let first_line = trimmed.lines().next().unwrap_or("");
        let first_obj: Option<serde_json::Value> = serde_json::from_str(first_line).ok();
        let is_listing =
            |v: &serde_json::Value| v.get("kind").and_then(|k| k.as_str()) == Some("Listing");
        if trimmed.starts_with('[') {
            return Ok(Format::Reddit);
        }
        match first_obj {
            Some(obj) if is_listing(&obj) => Ok(Format::Reddit),
            Some(obj) if looks_pushshift(&obj) => Ok(Format::Pushshift),
            Some(_) => Ok(Format::Jsonl),
            None => {
                // A document spread over lines: a pretty-printed Reddit listing, or JSON Lines
                // whose first record is broken (the JSONL reader will say which).
                let compact: String = trimmed
                    .chars()
                    .take(4096)
                    .filter(|c| !c.is_whitespace())
                    .collect();
                if compact.contains("\"kind\":\"Listing\"") {
                    Ok(Format::Reddit)
                } else {
                    Ok(Format::Jsonl)
                }
            }
        }
    } else if looks_csv(trimmed, &lower_name) {
        Ok(Format::Csv)
    } else {
        Ok(Format::BlogText)
    }
}

/// Offset of the first byte that marks the data as binary: a NUL, invalid UTF-8, or a head in
/// which more than one byte in ten is a control character.
fn binary_at(head: &[u8]) -> Option<usize> {
    if let Some(pos) = head.iter().position(|&b| b == 0) {
        return Some(pos);
    }
    match std::str::from_utf8(head) {
        Ok(_) => {}
        // An incomplete sequence cut by the end of the head is fine.
        Err(e) if e.error_len().is_none() => {}
        Err(e) => return Some(e.valid_up_to()),
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    if controls * 10 > head.len() {
        return head
            .iter()
            .position(|&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c));
    }
    None
}

fn looks_pushshift(obj: &serde_json::Value) -> bool {
    let has = |k: &str| obj.get(k).is_some();
    let name_prefixed = obj
        .get("name")
        .and_then(|n| n.as_str())
        .is_some_and(|n| n.starts_with("t1_") || n.starts_with("t3_"));
    has("link_id") || has("subreddit") || has("selftext") || has("created_utc") || name_prefixed
}

fn looks_csv(text: &str, name: &str) -> bool {
    let first = text.lines().next().unwrap_or("").trim();
    let fields: Vec<String> = first
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    if fields.len() < 2 {
        return false;
    }
    let known = [
        "id",
        "thread_id",
        "parent_id",
        "kind",
        "author",
        "created_at",
        "title",
        "text",
    ];
    let named = fields
        .iter()
        .filter(|f| known.contains(&f.as_str()))
        .count();
    fields.iter().any(|f| f == "text") && named >= 2 || (name.ends_with(".csv") && named >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_formats_apart_by_content() {
        let s = |t: &str| {
            sniff(t.as_bytes(), "input")
                .map(|f| f.name().to_string())
                .unwrap_or_else(|e| e)
        };
        assert_eq!(
            s("<?xml version=\"1.0\"?>\n<rss xmlns:wp=\"http://wordpress.org/export/1.2/\">"),
            "wxr"
        );
        assert_eq!(
            s("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>"),
            "rss"
        );
        assert_eq!(s("<feed xmlns=\"http://www.w3.org/2005/Atom\">"), "atom");
        assert_eq!(s("[{\"kind\": \"Listing\", \"data\": {}}]"), "reddit");
        assert_eq!(
            s("{\"id\":\"abc\",\"link_id\":\"t3_x\",\"body\":\"hi\"}\n"),
            "pushshift"
        );
        assert_eq!(
            s("{\"id\":\"1\",\"text\":\"hi\"}\n{\"id\":\"2\",\"text\":\"yo\"}\n"),
            "jsonl"
        );
        assert_eq!(s("id,thread_id,text\n1,1,hello\n"), "csv");
        assert_eq!(s("A title\n\nSome words of a post.\n"), "blog-text");
        assert!(s("\u{0}\u{1}\u{2}junk").starts_with("binary data"));
        assert!(s("   \n").starts_with("empty file"));
        assert!(s("<!DOCTYPE html><html>").contains("HTML page"));
    }

    #[test]
    fn invalid_utf8_is_binary() {
        assert!(sniff(b"hello \xff\xfe world", "x")
            .unwrap_err()
            .contains("offset 6"));
    }
}
