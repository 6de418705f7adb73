//! The five real blog pages in `../shared/seeds` (the origin of the project) must make clinical
//! sense. They are read in place, never copied: the snapshot holds levels, constructs, offsets
//! and context flags, not the words of the pages. Skips when `../shared` is absent.

use std::path::PathBuf;

use threadcare_core::{AssessedItem, Experiencer, Level, Thread};
use threadcare_engine::{AssessedThread, Engine};
use threadcare_ingest::Collect;

fn seeds() -> Option<Vec<(String, AssessedThread)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    if !dir.is_dir() {
        eprintln!(
            "skipping: {} not found (the seeds live beside the repository, in ../shared)",
            dir.display()
        );
        return None;
    }
    let engine = Engine::embedded().expect("engine");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy()[..3].to_string();
        let c = Collect::read(threadcare_core::Format::BlogText, &name, &bytes);
        let threads = Thread::group(c.items, &c.threads);
        assert_eq!(threads.len(), 1, "seed {name} is one thread");
        out.push((name, engine.assess_thread(&threads[0])));
    }
    Some(out)
}

fn post(t: &AssessedThread) -> &AssessedItem {
    t.items
        .iter()
        .find(|i| i.item.parent_id.is_none())
        .expect("a post")
}

fn has(item: &AssessedItem, construct: &str) -> bool {
    item.assessment
        .signals
        .iter()
        .any(|s| s.construct == construct && s.affirmed())
}

#[test]
fn seeds_make_clinical_sense() {
    let Some(seeds) = seeds() else { return };
    let get = |n: &str| &seeds.iter().find(|(name, _)| name == n).unwrap().1;

    // 003: self-injury tonight with heavy bleeding.
    let p3 = post(get("003"));
    assert_eq!(
        p3.assessment.level,
        Level::Imminent,
        "003: {}",
        p3.assessment.explanation
    );
    assert!(has(p3, "self_injury"), "003 names the self-injury");

    // 000 and 001: recent suicidal thinking, at least moderate.
    for n in ["000", "001"] {
        let p = post(get(n));
        assert!(
            p.assessment.level >= Level::Moderate,
            "{n}: {}",
            p.assessment.explanation
        );
        assert!(
            p.assessment.cssrs >= 1,
            "{n}: C-SSRS {}",
            p.assessment.cssrs
        );
    }
    // 001: eating-disorder urges among its signals.
    assert!(
        has(post(get("001")), "ed_urge"),
        "001 has eating-disorder urges"
    );

    // 004: a rupture and mistrust, no self-harm: low, with rupture themes.
    let p4 = post(get("004"));
    assert_eq!(
        p4.assessment.level,
        Level::Low,
        "004: {}",
        p4.assessment.explanation
    );
    assert!(
        p4.assessment
            .themes
            .iter()
            .any(|t| t.starts_with("rupture")),
        "004 themes: {:?}",
        p4.assessment.themes
    );

    // 003: the comment that is worried and asks about more support is a referral.
    let t3 = get("003");
    let referral = t3
        .items
        .iter()
        .filter(|i| i.item.parent_id.is_some())
        .find(|i| i.assessment.reply.as_ref().is_some_and(|r| r.referral));
    assert!(referral.is_some(), "003 has a reply that points to help");

    // 002: the commenter who harms themselves through dehydration and skipped medication has
    // their own signals, as the experiencer.
    let t2 = get("002");
    let own = t2
        .items
        .iter()
        .filter(|i| i.item.parent_id.is_some())
        .any(|i| {
            i.assessment.signals.iter().any(|s| {
                s.family == "self_harm" && s.experiencer == Experiencer::Writer && !s.negated
            })
        });
    assert!(own, "002: a commenter's own self-harm is theirs");
}

#[test]
fn seeds_snapshot() {
    let Some(seeds) = seeds() else { return };
    let mut out = String::new();
    for (name, t) in &seeds {
        let index = |id: &str| {
            t.items
                .iter()
                .position(|i| i.item.id == id)
                .map(|p| p.to_string())
                .unwrap_or_else(|| "?".into())
        };
        out.push_str(&format!(
            "seed {name}: level {} (highest {}), unanswered_at_risk {}, replies {}/{} supportive, {} with referral\n",
            t.summary.level, t.summary.highest_level, t.summary.unanswered_at_risk, t.summary.replies.supportive, t.summary.replies.count, t.summary.replies.with_referral
        ));
        for (k, i) in t.items.iter().enumerate() {
            let a = &i.assessment;
            out.push_str(&format!(
                "  [{k}] {} answers {} · {} cssrs {} · risk {:?} · protective {:?} · themes {:?}\n",
                i.item.kind.as_str(),
                i.item
                    .parent_id
                    .as_deref()
                    .map(index)
                    .unwrap_or_else(|| "-".into()),
                a.level,
                a.cssrs,
                a.factors.risk,
                a.factors.protective,
                a.themes
            ));
            if let Some(r) = &a.reply {
                out.push_str(&format!(
                    "      reply: empathy {}/{}/{} referral {} harmful {:?} supportive {}\n",
                    r.empathy.emotional_reaction,
                    r.empathy.interpretation,
                    r.empathy.exploration,
                    r.referral,
                    r.harmful,
                    r.supportive
                ));
            }
            for s in &a.signals {
                let mut flags = vec![format!("{:?}", s.temporality).to_lowercase()];
                if s.negated {
                    flags.push("negated".into());
                }
                if s.experiencer == Experiencer::Other {
                    flags.push("other".into());
                }
                if s.certainty != threadcare_core::Certainty::Definite {
                    flags.push(format!("{:?}", s.certainty).to_lowercase());
                }
                if s.quoted {
                    flags.push("quoted".into());
                }
                let cues: Vec<&str> = s.cues.iter().map(|c| c.category.as_str()).collect();
                out.push_str(&format!(
                    "      {} @{}..{} [{}] cues {:?}\n",
                    s.construct,
                    s.start,
                    s.end,
                    flags.join(","),
                    cues
                ));
            }
        }
    }
    insta::assert_snapshot!("seeds", out);
}
