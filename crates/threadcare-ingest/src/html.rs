//! HTML (as found in WordPress exports and feeds) to plain text with paragraphs kept.
//!
//! Written by hand because what we need is narrow and must be predictable: the engine quotes
//! spans by byte offset into this text, so it must carry no decorations (no link footnotes, no
//! wrapping), keep paragraph breaks as blank lines, keep single line breaks (WordPress stores
//! post content before `wpautop`, where a newline *is* a `<br>`), drop scripts and styles, and
//! decode entities. General HTML rendering crates do more than that, and differently.

/// Tags that start a new paragraph.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "hr",
    "section",
    "article",
    "figure",
    "figcaption",
    "header",
    "footer",
    "dl",
    "dt",
    "dd",
    "aside",
];

/// Converts an HTML fragment to plain text. Never fails: malformed markup is treated as text
/// as far as possible.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    while let Some(lt) = rest.find('<') {
        let (before, after) = rest.split_at(lt);
        if skip_until.is_none() {
            push_text(&mut out, before);
        }
        // A comment runs to `-->`.
        if let Some(comment) = after.strip_prefix("<!--") {
            rest = match comment.find("-->") {
                Some(end) => &comment[end + 3..],
                None => "",
            };
            continue;
        }
        if let Some(cdata) = after.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").unwrap_or(cdata.len());
            if skip_until.is_none() {
                out.push_str(&cdata[..end]);
            }
            rest = cdata.get(end + 3..).unwrap_or("");
            continue;
        }
        let Some(gt) = after.find('>') else {
            // A lone '<' with no closing '>': it is text ("I <3 you", "a < b").
            if skip_until.is_none() {
                push_text(&mut out, after);
            }
            rest = "";
            break;
        };
        let inner = &after[1..gt];
        let looks_like_tag = inner
            .trim_start_matches('/')
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '!' || c == '?');
        if !looks_like_tag {
            if skip_until.is_none() {
                out.push('<');
            }
            rest = &after[1..];
            continue;
        }
        let closing = inner.starts_with('/');
        let name: String = inner
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &after[gt + 1..];
        if let Some(until) = skip_until {
            if closing && name == until {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" if !closing => skip_until = Some("script"),
            "style" if !closing => skip_until = Some("style"),
            "br" => out.push('\n'),
            "li" if !closing => {
                line_break(&mut out);
                out.push_str("• ");
            }
            "li" => line_break(&mut out),
            "td" | "th" if !closing => out.push(' '),
            n if BLOCK.contains(&n) => paragraph_break(&mut out),
            _ => {}
        }
    }
    if skip_until.is_none() {
        push_text(&mut out, rest);
    }
    normalize(&out)
}

fn push_text(out: &mut String, raw: &str) {
    if raw.contains('&') {
        out.push_str(&html_escape::decode_html_entities(raw));
    } else {
        out.push_str(raw);
    }
}

fn line_break(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn paragraph_break(out: &mut String) {
    if !out.is_empty() {
        out.push_str("\n\n");
    }
}

/// Collapses runs of spaces, trims each line, keeps single newlines, and allows at most one
/// blank line between paragraphs. Non-breaking spaces become plain spaces.
pub fn normalize(text: &str) -> String {
    // One pass, no allocation per line: spaces and tabs collapse to one space, a line break
    // ends the line, and breaks between lines with text become "\n" or (after a blank line)
    // "\n\n".
    let mut out = String::with_capacity(text.len());
    let mut newlines = 0usize; // line breaks since the last text
    let mut space = false; // a space is owed before the next word on this line
    let mut line_has_text = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                newlines += 1;
                space = false;
                line_has_text = false;
            }
            '\n' => {
                newlines += 1;
                space = false;
                line_has_text = false;
            }
            ' ' | '\t' | '\u{a0}' => space = line_has_text,
            _ => {
                if !out.is_empty() && newlines > 0 {
                    out.push_str(if newlines > 1 { "\n\n" } else { "\n" });
                } else if space {
                    out.push(' ');
                }
                newlines = 0;
                space = false;
                line_has_text = true;
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_collapses_space_and_blank_lines() {
        assert_eq!(
            normalize("  a \t b  \r\n c\n\n\n\n d \u{a0}e  "),
            "a b\nc\n\nd e"
        );
        assert_eq!(normalize("\n\n  \n"), "");
        assert_eq!(normalize("x\r\ry"), "x\n\ny");
    }

    #[test]
    fn paragraphs_and_breaks_survive() {
        assert_eq!(
            to_text("<p>One &amp; two.</p><p>Three<br/>four</p>"),
            "One & two.\n\nThree\nfour"
        );
        assert_eq!(
            to_text("First line\nsecond line\n\nNew para"),
            "First line\nsecond line\n\nNew para"
        );
        assert_eq!(to_text("<ul><li>a</li><li>b</li></ul>"), "• a\n• b");
    }

    #[test]
    fn scripts_comments_and_stray_brackets() {
        assert_eq!(
            to_text("a<script>var x = '<p>';</script>b<!-- hidden -->c"),
            "abc"
        );
        assert_eq!(to_text("I <3 you &lt;3"), "I <3 you <3");
        assert_eq!(to_text("unclosed <b"), "unclosed <b");
        assert_eq!(to_text("<em>so</em> tired&nbsp;today"), "so tired today");
    }
}
