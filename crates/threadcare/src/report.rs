//! Human-readable outputs of `analyze`: a terminal triage table and a self-contained HTML page.

use std::io::{self, Write};

use threadcare_core::{AssessedItem, Experiencer, ItemKind, Level, Signal};
use threadcare_engine::AssessedThread;

/// Shown beside every imminent item. People decide; threadcare reminds.
pub const CRISIS_NOTE: &str =
    "If someone may be in immediate danger: contact local emergency services. \
Crisis lines: 988 (call or text, US), Samaritans 116 123 (UK & Ireland), or find a line for any \
country at findahelpline.com.";

fn badge(level: Level, color: bool) -> String {
    let text = format!("{:<8}", level.as_str());
    if !color {
        return text;
    }
    let code = match level {
        Level::Imminent => "1;97;41",
        Level::Severe => "1;31",
        Level::Moderate => "33",
        Level::Low => "36",
        Level::None => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn clip(s: &str, width: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= width {
        format!("{flat:<width$}")
    } else {
        let mut out: String = flat.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The item's strongest evidence: what the explanation quotes first, else affirmed signals of
/// the most serious family.
fn evidence(item: &AssessedItem) -> String {
    let mut signals: Vec<&Signal> = item
        .assessment
        .signals
        .iter()
        .filter(|s| s.affirmed() && s.family != "reply")
        .collect();
    // The evidence the explanation quotes first is what set the level.
    let explanation = &item.assessment.explanation;
    let cited = |s: &Signal| {
        explanation
            .find(&format!("'{}'", s.text))
            .unwrap_or(usize::MAX)
    };
    signals.sort_by_key(|s| {
        let family = match s.family.as_str() {
            "suicidality" => 0,
            "self_harm" => 1,
            "eating_disorder" | "substance" => 2,
            "risk_factor" => 3,
            _ => 4,
        };
        (cited(s), family)
    });
    signals
        .first()
        .map(|s| format!("{}: “{}”", s.construct.replace('_', " "), s.text))
        .unwrap_or_default()
}

/// Every item, most urgent first: level, then threads whose writer got no good answer, then
/// confidence.
pub fn write_table(out: &mut dyn Write, threads: &[AssessedThread], color: bool) -> io::Result<()> {
    let mut rows: Vec<(&AssessedThread, &AssessedItem)> = threads
        .iter()
        .flat_map(|t| t.items.iter().map(move |i| (t, i)))
        .collect();
    rows.sort_by(|a, b| {
        b.1.assessment
            .level
            .cmp(&a.1.assessment.level)
            .then(unanswered_row(b.0, b.1).cmp(&unanswered_row(a.0, a.1)))
            .then(
                b.1.assessment
                    .confidence
                    .total_cmp(&a.1.assessment.confidence),
            )
    });
    writeln!(
        out,
        "{:<8} {:>5} {:>4}  {:<7} {:<14} {:<28} EVIDENCE / NOTE",
        "LEVEL", "CSSRS", "CONF", "KIND", "WRITER", "THREAD"
    )?;
    let mut imminent = false;
    for (t, i) in rows {
        let a = &i.assessment;
        imminent |= a.level == Level::Imminent;
        let mut note = evidence(i);
        if unanswered_row(t, i) {
            note = format!("UNANSWERED AT RISK · {note}");
        }
        if let Some(r) = &a.reply {
            let mut parts = Vec::new();
            if !r.harmful.is_empty() {
                parts.push(format!("HARMFUL REPLY ({})", r.harmful.join(", ")));
            }
            if r.referral {
                parts.push("points to help".into());
            }
            let e = r.empathy;
            if e.emotional_reaction + e.interpretation + e.exploration > 0 {
                parts.push(format!(
                    "empathy {}/{}/{}",
                    e.emotional_reaction, e.interpretation, e.exploration
                ));
            }
            if !parts.is_empty() {
                note = if note.is_empty() {
                    parts.join(" · ")
                } else {
                    format!("{} · {note}", parts.join(" · "))
                };
            }
        }
        if a.concern_for_other {
            note = format!("concern for someone else · {note}");
        }
        writeln!(
            out,
            "{} {:>5} {:>4.2}  {:<7} {} {} {}",
            badge(a.level, color),
            a.cssrs,
            a.confidence,
            i.item.kind.as_str(),
            clip(i.item.author.as_deref().unwrap_or("unknown"), 14),
            clip(t.summary.title.as_deref().unwrap_or("(untitled)"), 28),
            clip(&note, 70).trim_end()
        )?;
    }
    if imminent {
        writeln!(out, "\n{CRISIS_NOTE}")?;
    }
    Ok(())
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn family_rank(family: &str) -> u8 {
    match family {
        "suicidality" => 6,
        "self_harm" => 5,
        "eating_disorder" | "substance" => 4,
        "risk_factor" => 3,
        "reply" => 2,
        "relationship" => 1,
        _ => 0,
    }
}

/// The text with each signal's span wrapped in a `<mark>`; where spans overlap, the segment
/// takes the most serious family and lists every signal in its tooltip.
fn highlight(text: &str, signals: &[Signal]) -> String {
    let mut cuts: Vec<usize> = vec![0, text.len()];
    let signals: Vec<Signal> = signals.iter().filter(|s| !s.in_title).cloned().collect();
    let signals = &signals[..];
    for s in signals {
        if s.start < s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
        {
            cuts.push(s.start);
            cuts.push(s.end);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut html = String::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let seg = esc(&text[a..b]).replace('\n', "<br>");
        let covering: Vec<&Signal> = signals
            .iter()
            .filter(|s| s.start <= a && b <= s.end)
            .collect();
        if covering.is_empty() {
            html.push_str(&seg);
            continue;
        }
        let top = covering
            .iter()
            .max_by_key(|s| family_rank(&s.family))
            .unwrap();
        let muted = covering.iter().all(|s| !s.affirmed());
        let tip: Vec<String> = covering
            .iter()
            .map(|s| {
                let mut flags = vec![format!("{:?}", s.temporality).to_lowercase()];
                if s.negated {
                    flags.push("negated".into());
                }
                if s.experiencer == Experiencer::Other {
                    flags.push("someone else".into());
                }
                if s.quoted {
                    flags.push("quoted".into());
                }
                let cues: Vec<String> = s
                    .cues
                    .iter()
                    .map(|c| format!("{} “{}”", c.category, c.text))
                    .collect();
                format!(
                    "{} [{}] {}{}",
                    s.construct.replace('_', " "),
                    flags.join(", "),
                    s.rule,
                    if cues.is_empty() {
                        String::new()
                    } else {
                        format!(" · cue: {}", cues.join("; "))
                    }
                )
            })
            .collect();
        // Harm in a reply is marked as harm, not with the reply colour.
        let class = if covering
            .iter()
            .any(|s| s.construct.starts_with("harm_") && s.affirmed())
        {
            "harm".to_string()
        } else {
            top.family.to_string()
        };
        html.push_str(&format!(
            "<mark class=\"f-{}{}\" title=\"{}\">{seg}</mark>",
            esc(&class),
            if muted { " muted" } else { "" },
            esc(&tip.join("\n"))
        ));
    }
    html
}

const STYLE: &str = r#"
:root{--bg:#fbfaf7;--fg:#1d1d1f;--muted:#6b6b70;--card:#fff;--line:#e4e2dc}
*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,Segoe UI,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:#fff;position:sticky;top:0}
h1{font-size:18px;margin:0}main{max-width:1100px;margin:0 auto;padding:16px 24px}
.counts span{margin-right:12px}.thread{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:16px 0;padding:12px 16px}
.thread h2{font-size:16px;margin:0 0 4px}.summary{color:var(--muted);font-size:13px}
.item{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px;border-top:1px solid var(--line);padding:10px 0}
.item .meta{font-size:12px;color:var(--muted)}.why{font-size:13px;color:#333}
.lvl{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.lvl-imminent{background:#b00020}.lvl-severe{background:#d84315}.lvl-moderate{background:#b7791f}.lvl-low{background:#2b6cb0}.lvl-none{background:#8a8a8e}
.tag{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0 6px;margin:2px 4px 0 0;font-size:12px}
.harm{border-color:#b00020;color:#b00020}.ok{border-color:#2f855a;color:#2f855a}.alert{background:#fff1f1;border-left:4px solid #b00020;padding:8px 12px;margin:8px 0;font-size:13px}
mark{border-radius:3px;padding:0 1px}mark.muted{background:#eee;text-decoration:line-through dotted}
.f-suicidality{background:#ffc9c9}.f-self_harm{background:#ffd8a8}.f-eating_disorder,.f-substance{background:#ffec99}.f-risk_factor{background:#e5dbff}
.f-harm{background:#ffa8a8;outline:1px solid #b00020}.f-protective{background:#c3fae8}.f-relationship{background:#d0ebff}.f-reply{background:#d3f9d8}
"#;

/// Whether this row's writer is at risk and unanswered: the post of a thread unanswered at risk
/// (DESIGN §7), or any item, post or comment, the summary lists as unanswered.
fn unanswered_row(t: &AssessedThread, i: &AssessedItem) -> bool {
    (i.item.kind == ItemKind::Post && t.summary.unanswered_at_risk)
        || t.summary.unanswered_items.contains(&i.item.id)
}

/// Whether someone at risk in the thread, post or comment, is unanswered.
fn unanswered_thread(t: &AssessedThread) -> bool {
    t.summary.unanswered_at_risk || !t.summary.unanswered_items.is_empty()
}

/// One page a moderator can open offline: threads most urgent first, each item's text with its
/// evidence highlighted and its explanation beside it.
pub fn write_html(out: &mut dyn Write, threads: &[AssessedThread]) -> io::Result<()> {
    let mut order: Vec<&AssessedThread> = threads.iter().collect();
    order.sort_by(|a, b| {
        b.summary
            .highest_level
            .cmp(&a.summary.highest_level)
            .then(unanswered_thread(b).cmp(&unanswered_thread(a)))
    });
    let mut counts = [0usize; 5];
    for t in threads {
        for i in &t.items {
            counts[i.assessment.level.rank() as usize] += 1;
        }
    }
    writeln!(out, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")?;
    writeln!(
        out,
        "<title>threadcare report</title><style>{STYLE}</style></head><body>"
    )?;
    let noun = if threads.len() == 1 {
        "thread"
    } else {
        "threads"
    };
    write!(
        out,
        "<header><h1>threadcare · {} {noun}</h1><div class=\"counts\">",
        threads.len()
    )?;
    for level in Level::ALL.iter().rev() {
        write!(
            out,
            "<span><span class=\"lvl lvl-{0}\">{0}</span> {1}</span>",
            level.as_str(),
            counts[level.rank() as usize]
        )?;
    }
    writeln!(out, "</div><div class=\"summary\">threadcare prioritises and explains; people decide. Hover a highlight to see why it counts.</div></header><main>")?;
    for t in order {
        let s = &t.summary;
        write!(
            out,
            "<section class=\"thread\"><h2><span class=\"lvl lvl-{0}\">{0}</span> {1}</h2>",
            s.level.as_str(),
            esc(s.title.as_deref().unwrap_or("(untitled)"))
        )?;
        if unanswered_thread(t) {
            write!(
                out,
                "<div class=\"alert\"><strong>Unanswered at risk.</strong> {}</div>",
                esc(&s.explanation)
            )?;
        } else {
            write!(out, "<div class=\"summary\">{}</div>", esc(&s.explanation))?;
        }
        write_items(out, t, None, 0)?;
        writeln!(out, "</section>")?;
    }
    writeln!(out, "</main></body></html>")
}

fn write_items(
    out: &mut dyn Write,
    t: &AssessedThread,
    parent: Option<&str>,
    depth: usize,
) -> io::Result<()> {
    let ids: std::collections::HashSet<&str> = t.items.iter().map(|i| i.item.id.as_str()).collect();
    for i in &t.items {
        let p = i.item.parent_id.as_deref();
        let here = match parent {
            None => p.is_none() || !ids.contains(p.unwrap()),
            Some(id) => p == Some(id),
        };
        if !here {
            continue;
        }
        let a = &i.assessment;
        write!(
            out,
            "<div class=\"item\" style=\"margin-left:{}px\"><div>",
            depth.min(6) * 24
        )?;
        write!(
            out,
            "<div class=\"meta\"><span class=\"lvl lvl-{0}\">{0}</span> {1} · {2}{3}</div>",
            a.level.as_str(),
            i.item.kind.as_str(),
            esc(i.item.author.as_deref().unwrap_or("unknown")),
            i.item
                .created_at
                .map(|d| format!(" · {}", d.format("%Y-%m-%d %H:%M")))
                .unwrap_or_default()
        )?;
        if i.item.text.is_empty() {
            write!(
                out,
                "<p class=\"meta\">(no text: deleted or removed at the source)</p>"
            )?;
        } else {
            write!(out, "<p>{}</p>", highlight(&i.item.text, &a.signals))?;
        }
        write!(out, "</div><div class=\"why\">{}", esc(&a.explanation))?;
        if unanswered_row(t, i) {
            write!(
                out,
                "<div><span class=\"tag harm\">at risk, no supportive reply yet</span></div>"
            )?;
        }
        if let Some(r) = &a.reply {
            write!(out, "<div>")?;
            let e = r.empathy;
            for (name, v) in [
                ("emotional reaction", e.emotional_reaction),
                ("interpretation", e.interpretation),
                ("exploration", e.exploration),
            ] {
                if v > 0 {
                    write!(
                        out,
                        "<span class=\"tag ok\">{name} {}</span>",
                        if v == 2 { "strong" } else { "weak" }
                    )?;
                }
            }
            if r.referral {
                write!(out, "<span class=\"tag ok\">points to help</span>")?;
            }
            for h in &r.harmful {
                write!(
                    out,
                    "<span class=\"tag harm\">may harm: {}</span>",
                    esc(&h.replace('_', " "))
                )?;
            }
            write!(out, "</div>")?;
        }
        if a.level == Level::Imminent {
            write!(out, "<div class=\"alert\">{}</div>", esc(CRISIS_NOTE))?;
        }
        writeln!(out, "</div></div>")?;
        write_items(out, t, Some(&i.item.id), depth + 1)?;
    }
    Ok(())
}
