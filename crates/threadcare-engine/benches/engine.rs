//! Engine throughput: the whole assessment over a generated corpus (default 100 MB), in MB/s per
//! core, with the tokenizer alone as the same-process baseline, the speed-up from one to all
//! cores (rayon), and — when `scripts/bench.sh` has set up its virtualenv — construct-tracker's
//! lexicon extraction on a sample of the same texts, as a ratio; and, when `../shared/datasets`
//! is present, the full engine over the data sets' own posts and replies.
//!
//!     scripts/bench.sh                       # everything, including construct-tracker
//!     cargo bench -p threadcare-engine --bench engine
//!     THREADCARE_BENCH_BYTES=20000000 cargo bench -p threadcare-engine --bench engine
//!     THREADCARE_BENCH_PROFILE=rules …       # one loop only (rules, all, or data: the whole
//!                                            # engine once over the data sets' texts), for a profiler
//!
//! Nothing here asserts a speed: it prints figures.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;
use threadcare_engine::model::Models;
use threadcare_engine::token::tokenize;
use threadcare_engine::Engine;

/// A small deterministic generator (xorshift64*), so every run assesses the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const OPENERS: &[&str] = &[
    "Today in session",
    "Last night",
    "This week",
    "Honestly",
    "I don't know why but",
    "After work",
    "When I got home",
    "My therapist said",
    "For the first time in months",
    "Lately",
    "This morning",
];
const MIDDLES: &[&str] = &[
    "I felt like she was pulling away from me",
    "we talked about attachment and trust",
    "I could not stop crying",
    "the commute was killing me",
    "I kept thinking everyone would be better off without me",
    "my phone died halfway through",
    "I felt hopeful for a change",
    "I wanted to hurt myself again",
    "I skipped dinner and lunch",
    "my friend checked in on me",
    "I told her I don't trust her",
    "I am not suicidal but I am so tired",
    "I used to cut when I was a teenager",
    "we made a plan for the weekend",
    "I have been so anxious about the gap between sessions",
    "I hate myself for needing her",
    "my sister said she wants to die",
    "I went for a long walk with the dog",
    "it feels like nothing will ever change",
    "I reached out to the crisis line",
    "I could murder a pizza right now",
    "I am so scared she will leave",
];
const CLOSERS: &[&str] = &[
    "and I don't know what to do.",
    "but I'm trying.",
    "so I wrote it all down here.",
    "and it helped a little.",
    "which made everything worse.",
    "and I feel so alone.",
    "and we will talk about it next week.",
    ".",
];
const REPLIES: &[&str] = &[
    "I'm so sorry you are going through this. Have you told your therapist how you feel?",
    "That sounds really hard. You are not alone in this.",
    "Please reach out to a crisis line if it gets worse tonight.",
    "I can relate so much, my therapist did the same thing last year.",
    "Sending you a big hug.",
];

const EMOJI: &[&str] = &["", " \u{1f499}", " \u{1f614}", " \u{2764}\u{fe0f}"];

fn post(rng: &mut Rng) -> String {
    let mut s = String::new();
    let paragraphs = 1 + rng.next() % 5;
    for p in 0..paragraphs {
        if p > 0 {
            s.push_str("\n\n");
        }
        for _ in 0..(1 + rng.next() % 4) {
            s.push_str(rng.pick(OPENERS));
            s.push(' ');
            s.push_str(rng.pick(MIDDLES));
            s.push(' ');
            s.push_str(rng.pick(CLOSERS));
            s.push(' ');
        }
    }
    s
}

// `% 3 == 0` rather than `is_multiple_of`: the workspace supports Rust 1.85.
#[allow(clippy::manual_is_multiple_of)]
fn corpus(bytes: usize) -> Vec<String> {
    let mut rng = Rng(0x7468_7265_6164_6361);
    let mut out = Vec::new();
    let mut total = 0;
    while total < bytes {
        let mut t = if rng.next() % 3 == 0 {
            rng.pick(REPLIES).to_string()
        } else {
            post(&mut rng)
        };
        // About a quarter of real posts carry non-ASCII text (curly apostrophes, emoji), and
        // such text takes other paths (the regexes' forms without word boundaries): a quarter
        // here too.
        if rng.next() % 4 == 0 {
            t = t.replace('\'', "\u{2019}");
            t.push_str(rng.pick(EMOJI));
        }
        total += t.len();
        out.push(t);
    }
    out
}

/// The posts and replies of the public data sets (read in place, never copied): each CSV's
/// text columns (`text`, `selftext`, `seeker_post`, `response_post`), each distinct text once.
/// `None` when the folder is not there; files that do not read are left out with a message.
fn dataset_texts(root: &std::path::Path) -> Option<Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|f| f.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for file in files {
        let mut reader = match csv::Reader::from_path(&file) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e}; left out", file.display());
                continue;
            }
        };
        let Ok(headers) = reader.headers().cloned() else {
            continue;
        };
        let columns: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| ["text", "selftext", "seeker_post", "response_post"].contains(h))
            .map(|(k, _)| k)
            .collect();
        for record in reader.records().flatten() {
            for &k in &columns {
                if let Some(text) = record.get(k).filter(|t| !t.trim().is_empty()) {
                    if seen.insert(text.to_string()) {
                        out.push(text.to_string());
                    }
                }
            }
        }
    }
    Some(out)
}

fn mb_per_s(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}

/// CPU seconds this thread has run (Linux: `/proc/thread-self/schedstat`), or `None`. Other
/// work on the machine slows the wall clock, not this: the figures per CPU second stay
/// comparable between runs on a busy machine.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// CPU seconds all threads of this process have run (Linux), or `None`.
fn process_cpu() -> Option<f64> {
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let s = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9;
    }
    Some(total)
}

/// ", X MB/s per CPU second" when CPU time could be read.
fn per_cpu(bytes: usize, cpu: Option<f64>) -> String {
    cpu.map(|c| format!(", {:.1} MB/s per CPU second", mb_per_s(bytes, c)))
        .unwrap_or_default()
}

fn main() {
    // Under `cargo test --benches` (no `--bench` argument) a small smoke run.
    let benching = std::env::args().any(|a| a == "--bench");
    let default = if benching { 100_000_000 } else { 300_000 };
    let target: usize = std::env::var("THREADCARE_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    // Start-up: reading the rules and models and building their automata, which every
    // process pays once before its first text.
    let t0 = Instant::now();
    let engine = Engine::embedded().expect("engine data");
    println!(
        "engine start-up (rules, context, models, automata): {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let texts = corpus(target);
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!(
        "corpus: {} texts, {:.1} MB, generated in {:.1} s",
        texts.len(),
        bytes as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );

    // For a profiler: only one loop, the rules alone (`rules`) or the whole engine (`all`).
    if let Ok(which) = std::env::var("THREADCARE_BENCH_PROFILE") {
        let e = match which.as_str() {
            "rules" => Engine::rules_only().expect("engine data"),
            _ => Engine::embedded().expect("engine data"),
        };
        // `data`: one first pass over the data sets' own texts instead of the generated ones.
        let (texts, bytes) = if which == "data" {
            let real = dataset_texts(
                &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
            )
            .unwrap_or_default();
            let b = real.iter().map(|t| t.len()).sum();
            (real, b)
        } else {
            (texts, bytes)
        };
        let t = Instant::now();
        for text in &texts {
            std::hint::black_box(e.assess_text(text));
        }
        println!(
            "{which}: {:.1} MB/s",
            mb_per_s(bytes, t.elapsed().as_secs_f64())
        );
        return;
    }

    // Baseline in the same process: tokenizing alone, one core.
    let t = Instant::now();
    let cpu0 = thread_cpu();
    let mut tokens = 0usize;
    for text in &texts {
        tokens += tokenize(text).tokens.len();
    }
    let tok_secs = t.elapsed().as_secs_f64();
    let tok_cpu = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
    println!(
        "tokenizer only, 1 core: {:>8.1} MB/s{} ({tokens} tokens)",
        mb_per_s(bytes, tok_secs),
        per_cpu(bytes, tok_cpu)
    );

    // The whole engine, one core.
    let t = Instant::now();
    let cpu0 = thread_cpu();
    let mut flagged = 0usize;
    for text in &texts {
        flagged += (engine.assess_text(text).level > threadcare_core::Level::None) as usize;
    }
    let one = t.elapsed().as_secs_f64();
    let one_cpu = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
    let one_rate = mb_per_s(bytes, one);
    println!(
        "full engine, 1 core:    {one_rate:>8.1} MB/s per core{} ({flagged} texts above none); {:.2}× the tokenizer's time",
        per_cpu(bytes, one_cpu),
        one / tok_secs
    );

    // Real posts and replies, when ../shared/datasets is here: longer and more varied
    // sentences than the generated ones, so the same engine runs slower on them.
    match dataset_texts(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"))
    {
        Some(real) if !real.is_empty() => {
            let real_bytes: usize = real.iter().map(|t| t.len()).sum();
            let t = Instant::now();
            for text in &real {
                std::hint::black_box(tokenize(text));
            }
            let tok = t.elapsed().as_secs_f64();
            // One pass of the whole engine over the texts: (wall seconds, CPU seconds).
            let pass = || {
                let t = Instant::now();
                let cpu0 = thread_cpu();
                for text in &real {
                    std::hint::black_box(engine.assess_text(text));
                }
                let cpu = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
                (t.elapsed().as_secs_f64(), cpu)
            };
            let (all, cpu) = pass();
            println!(
                "the data sets' own texts ({} texts, {:.1} MB), full engine, 1 core: {:.1} MB/s per core{}; {:.2}× the tokenizer's time on them",
                real.len(),
                real_bytes as f64 / 1e6,
                mb_per_s(real_bytes, all),
                per_cpu(real_bytes, cpu),
                all / tok
            );
            // The regexes build their lazy DFA's states as new text needs them: the pass above
            // pays for that on these texts (a single `analyze` run over them would too); a
            // second pass over the same texts is the best case of a long-running process.
            let (again, cpu) = pass();
            println!(
                "  the same texts again (warm): {:.1} MB/s per core{}; {:.2}× the first pass's speed",
                mb_per_s(real_bytes, again),
                per_cpu(real_bytes, cpu),
                all / again
            );
            // A long-running process meets new texts: a fresh engine reads every other text,
            // then the rest (texts it has not seen, of the same kind) are timed.
            let fresh = Engine::embedded().expect("engine data");
            for text in real.iter().step_by(2) {
                std::hint::black_box(fresh.assess_text(text));
            }
            let unseen: Vec<&String> = real.iter().skip(1).step_by(2).collect();
            let unseen_bytes: usize = unseen.iter().map(|t| t.len()).sum();
            let t = Instant::now();
            let cpu0 = thread_cpu();
            for text in &unseen {
                std::hint::black_box(fresh.assess_text(text));
            }
            let cpu = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
            let novel = t.elapsed().as_secs_f64();
            println!(
                "  new texts after the other half (steady state): {:.1} MB/s per core{}",
                mb_per_s(unseen_bytes, novel),
                per_cpu(unseen_bytes, cpu)
            );
        }
        _ => println!("the data sets' own texts: ../shared/datasets is not here, skipped"),
    }

    // What the learned parts cost, on a fifth of the texts, one core: the rules alone, the
    // models without the IRF sentence models, and all of them (the engine above).
    let sample = &texts[..texts.len().div_ceil(5)];
    let sample_bytes: usize = sample.iter().map(|t| t.len()).sum();
    let rate = |e: &Engine| {
        let t = Instant::now();
        let cpu0 = thread_cpu();
        for text in sample {
            std::hint::black_box(e.assess_text(text));
        }
        let cpu = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
        mb_per_s(
            sample_bytes,
            cpu.unwrap_or_else(|| t.elapsed().as_secs_f64()),
        )
    };
    let models = Models::embedded().expect("the embedded models");
    let rules = Engine::rules_only().expect("engine data");
    let no_sentences = Engine::rules_only()
        .expect("engine data")
        .with_models(Models {
            irf_burden_sentences: None,
            irf_belong_sentences: None,
            ..models
        });
    let (r, n, a) = (rate(&rules), rate(&no_sentences), rate(&engine));
    println!(
        "parts, 1 core, a fifth of the texts (MB/s per CPU second): rules alone {r:.1}; with the models but not the IRF sentence models {n:.1} ({:.2}× the rules' time); with all models {a:.1} ({:.2}× the rules' time)",
        r / n,
        r / a
    );

    // All cores.
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .unwrap();
    let t = Instant::now();
    let cpu0 = process_cpu();
    let flagged_par: usize = pool.install(|| {
        texts
            .par_iter()
            .map(|text| (engine.assess_text(text).level > threadcare_core::Level::None) as usize)
            .sum()
    });
    let par = t.elapsed().as_secs_f64();
    let par_cpu = process_cpu().zip(cpu0).map(|(b, a)| b - a);
    assert_eq!(flagged, flagged_par, "parallel and serial runs must agree");
    println!(
        "full engine, {cores} cores:   {:>8.1} MB/s in all, {:.1} MB/s per core{}; speed-up {:.2}× on {cores} cores",
        mb_per_s(bytes, par),
        mb_per_s(bytes, par) / cores as f64,
        per_cpu(bytes, par_cpu),
        one / par
    );

    // construct-tracker on a sample of the same texts, when scripts/bench.sh prepared it.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join("target/construct-tracker-venv/bin/python");
    let script = root.join("scripts/construct_tracker_bench.py");
    if python.exists() && benching && std::env::var("THREADCARE_BENCH_CT").as_deref() != Ok("0") {
        let sample_bytes: usize = std::env::var("THREADCARE_BENCH_CT_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300_000);
        let mut sample = Vec::new();
        let mut n = 0;
        for text in &texts {
            if n >= sample_bytes {
                break;
            }
            n += text.len();
            sample.push(text.clone());
        }
        let path = root.join("target/bench-data/ct-sample.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::File::create(&path)
            .unwrap()
            .write_all(serde_json::to_string(&sample).unwrap().as_bytes())
            .unwrap();
        // The same sample through our engine, in this process, for a like-for-like ratio.
        let t = Instant::now();
        for text in &sample {
            std::hint::black_box(engine.assess_text(text));
        }
        let ours = mb_per_s(n, t.elapsed().as_secs_f64());
        let out = Command::new(&python)
            .arg(&script)
            .arg(&path)
            .output()
            .expect("run construct-tracker");
        let stdout = String::from_utf8_lossy(&out.stdout);
        match stdout.lines().find_map(|l| l.strip_prefix("MB/s ").and_then(|v| v.trim().parse::<f64>().ok())) {
            Some(theirs) => println!(
                "construct-tracker Lexicon.extract (srl_v1-0), 1 core, {:.2} MB sample: {theirs:.4} MB/s; threadcare on the same sample: {ours:.1} MB/s = {:.0}×",
                n as f64 / 1e6,
                ours / theirs
            ),
            None => println!("construct-tracker run failed: {}{}", stdout, String::from_utf8_lossy(&out.stderr)),
        }
    } else {
        println!("construct-tracker: not set up (run scripts/bench.sh to include it)");
    }
}
