//! Writes every assessment the engine makes of a set of texts as JSON Lines, to compare two
//! builds of the engine: a change meant to make the engine faster must not change a byte of it.
//!
//!     cargo run --release -p threadcare-engine --example golden -- OUT.jsonl [FILE...]
//!
//! The texts: the benchmark's kind of generated posts, plus every line and every paragraph
//! (blank-line separated) of each FILE, read in place (nothing is copied). Each text is assessed
//! alone (`assess_text`); every four texts also form a thread (a post and three comments, the
//! last answering the second) assessed with `assess_thread`, the first with a title. Prints the
//! number of texts and an FNV-1a digest of the output. With `THREADCARE_GOLDEN_TEXTS=FILE` it
//! also writes the texts themselves to FILE (JSON strings, one a line, in the same order), to
//! read what a difference is about.

use std::io::Write;

use threadcare_core::{Format, Item, ItemKind, Position, Source, Thread};
use threadcare_engine::model::features::Fnv;
use threadcare_engine::Engine;

fn item(n: usize, parent: Option<usize>, kind: ItemKind, text: &str, title: bool) -> Item {
    Item {
        id: format!("i{n}"),
        thread_id: "t".into(),
        parent_id: parent.map(|p| format!("i{p}")),
        kind,
        author: Some(format!("a{}", n % 3)),
        created_at: None,
        title: title.then(|| {
            text.split_whitespace()
                .take(6)
                .collect::<Vec<_>>()
                .join(" ")
        }),
        text: text.into(),
        source: Source {
            format: Format::Jsonl,
            file: "golden".into(),
            position: Position::default(),
        },
    }
}

/// Generated texts like the benchmark's (a different mix of the same kind of words).
fn generated(n: usize) -> Vec<String> {
    const PARTS: &[&str] = &[
        "I felt like she was pulling away from me",
        "I kept thinking everyone would be better off without me",
        "I wanted to hurt myself again",
        "I am not suicidal but I am so tired",
        "I used to cut when I was a teenager",
        "my sister said she wants to die",
        "I don't want to be here anymore",
        "I have been saving up pills",
        "if he leaves I will end it",
        "I took the whole bottle last night",
        "I'm so sorry you are going through this.",
        "Have you told your therapist how you feel?",
        "Please call a crisis line tonight",
        "this commute is killing me",
        "I have no one to talk to",
        "I hate myself",
        "I haven't eaten in three days",
        "“I want to die,” she said",
        "I cut myself last night and it won't stop bleeding",
        "we made a plan for the weekend",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let k = 1 + next() % 12;
            let mut s = String::new();
            for j in 0..k {
                s.push_str(PARTS[(next() % PARTS.len() as u64) as usize]);
                s.push_str(match next() % 5 {
                    0 => ". ",
                    1 => ", and ",
                    2 => "\n",
                    3 if j % 2 == 0 => "! ",
                    _ => " ",
                });
            }
            s
        })
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out_path = args.next().expect("usage: golden OUT.jsonl [FILE...]");
    let mut texts = generated(3000);
    for path in args {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let data = String::from_utf8_lossy(&data);
        texts.extend(
            data.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        );
        texts.extend(
            data.split("\n\n")
                .filter(|p| p.contains('\n'))
                .map(str::to_string),
        );
    }
    // To read the texts behind a difference: their JSON strings, one a line, in the order of
    // the assessments (the first lines of OUT).
    if let Ok(path) = std::env::var("THREADCARE_GOLDEN_TEXTS") {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("texts file"));
        for t in &texts {
            writeln!(f, "{}", serde_json::to_string(t).unwrap()).unwrap();
        }
    }
    let engine = Engine::embedded().expect("engine");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&out_path).expect("output"));
    let mut digest = Fnv::new();
    {
        let mut emit = |line: String| {
            digest = digest.bytes(line.as_bytes()).bytes(b"\n");
            out.write_all(line.as_bytes()).unwrap();
            out.write_all(b"\n").unwrap();
        };
        for t in &texts {
            emit(serde_json::to_string(&engine.assess_text(t)).unwrap());
        }
        for (k, chunk) in texts.chunks(4).enumerate() {
            let base = k * 4;
            let items = chunk
                .iter()
                .enumerate()
                .map(|(j, t)| {
                    if j == 0 {
                        item(base, None, ItemKind::Post, t, true)
                    } else {
                        let parent = if j == 3 { base + 1 } else { base };
                        item(base + j, Some(parent), ItemKind::Comment, t, false)
                    }
                })
                .collect();
            let thread = Thread {
                thread_id: format!("t{k}"),
                title: None,
                declared_comments: None,
                items,
            };
            emit(serde_json::to_string(&engine.assess_thread(&thread)).unwrap());
        }
    }
    out.flush().unwrap();
    println!("{} texts, digest {:016x}", texts.len(), digest.finish());
}
