//! Ingest throughput against a baseline in the same run.
//!
//! `cargo bench -p threadcare-store --bench ingest [-- THREADS]` prints, for a generated corpus
//! of short threads (our own synthetic words):
//! - baseline: assessing every thread on all cores, as `threadcare analyze` does (no storage);
//! - ingest into a fresh database, 100 threads per call as `threadcare ingest` does by default
//!   (store, assess, store assessments; every commit synced);
//! - the same input again (idempotent: nothing new is written);
//! - the queue over the whole database, token checks (first with argon2, then cached).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rayon::prelude::*;
use threadcare_core::{Format, Item, ItemKind, Position, Source, Thread};
use threadcare_engine::Engine;
use threadcare_store::{ingest_items, QueueFilter, Role, SqliteStore, Store};

const OPENINGS: &[&str] = &[
    "Therapy was hard this week and I left early.",
    "Some nights I wish I could go to sleep and not wake up.",
    "I have been thinking about how I would kill myself, which pills and how many.",
    "I feel anxious before every appointment and I hate it.",
    "The bus was late again, this commute is killing me.",
    "I took the whole bottle an hour ago and wrote my goodbye letters.",
    "My therapist said she is moving away and I feel abandoned.",
    "Three months without cutting today, I am proud of myself.",
];
const MIDDLES: &[&str] = &[
    "Nobody at home notices anything.",
    "I keep telling myself it will pass.",
    "Work is fine, I guess, but I am tired of everything.",
    "My sister says I should call someone.",
    "I wrote it all down in my journal last night.",
];
const REPLIES: &[&str] = &[
    "I'm so sorry you are going through this, that sounds really painful.",
    "Please call a crisis line or go to the emergency room tonight, you deserve support.",
    "Same here, hang in there.",
    "Have you told your therapist how this feels? It might help to bring it up.",
];

fn corpus(threads: usize) -> Vec<Item> {
    let mut items = Vec::with_capacity(threads * 4);
    let when = |t: usize, n: usize| {
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .unwrap()
            .fixed_offset()
            + chrono::Duration::minutes((t * 7 + n) as i64)
    };
    for t in 0..threads {
        let thread_id = format!("b{t}");
        let post = format!(
            "{} {} {} (post {t})",
            OPENINGS[t % OPENINGS.len()],
            MIDDLES[(t / 3) % MIDDLES.len()],
            MIDDLES[(t / 7 + 2) % MIDDLES.len()]
        );
        let source = Source {
            format: Format::Jsonl,
            file: "bench.jsonl".into(),
            position: Position::line(t as u64 + 1),
        };
        items.push(Item {
            id: format!("{thread_id}-0"),
            thread_id: thread_id.clone(),
            parent_id: None,
            kind: ItemKind::Post,
            author: Some(format!("writer{}", t % 300)),
            created_at: Some(when(t, 0)),
            title: Some(format!("thread {t}")),
            text: post,
            source: source.clone(),
        });
        for n in 1..4 {
            items.push(Item {
                id: format!("{thread_id}-{n}"),
                thread_id: thread_id.clone(),
                parent_id: Some(format!("{thread_id}-0")),
                kind: ItemKind::Comment,
                author: Some(format!("writer{}", (t + n * 11) % 300)),
                created_at: Some(when(t, n)),
                title: None,
                text: format!("{} (reply {t}.{n})", REPLIES[(t + n) % REPLIES.len()]),
                source: source.clone(),
            });
        }
    }
    items
}

fn rate(items: usize, d: Duration) -> f64 {
    items as f64 / d.as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets` runs this binary
    // too) a small corpus checks that the measurement still works.
    let benching = std::env::args().any(|a| a == "--bench");
    let threads: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if benching { 2_000 } else { 50 });
    let engine = Engine::embedded().expect("engine");
    let items = corpus(threads);
    let n = items.len();
    let grouped = Thread::group(items.clone(), &[]);
    println!(
        "corpus: {threads} threads, {n} items, {} cores",
        rayon::current_num_threads()
    );

    let t = Instant::now();
    let assessed: usize = grouped
        .par_iter()
        .map(|th| engine.assess_thread(th).items.len())
        .sum();
    let base = t.elapsed();
    assert_eq!(assessed, n);
    let base_rate = rate(n, base);
    println!("baseline (assess only, as analyze): {base:>10.2?}  {base_rate:>9.0} items/s  1.00x");

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("bench.db"), None).unwrap();
    let t = Instant::now();
    for batch in grouped.chunks(100) {
        let items: Vec<Item> = batch.iter().flat_map(|t| t.items.iter().cloned()).collect();
        ingest_items(&store, &engine, &items, &[]).unwrap();
    }
    let first = t.elapsed();
    let r = rate(n, first);
    println!(
        "ingest, new database:              {first:>10.2?}  {r:>9.0} items/s  {:.2}x",
        r / base_rate
    );

    let t = Instant::now();
    for batch in grouped.chunks(100) {
        let items: Vec<Item> = batch.iter().flat_map(|t| t.items.iter().cloned()).collect();
        let rep = ingest_items(&store, &engine, &items, &[]).unwrap();
        assert_eq!(rep.threads_assessed, 0);
    }
    let again = t.elapsed();
    let r = rate(n, again);
    println!(
        "ingest again (all unchanged):      {again:>10.2?}  {r:>9.0} items/s  {:.2}x",
        r / base_rate
    );

    let t = Instant::now();
    let q = store.queue(&QueueFilter::default(), Utc::now()).unwrap();
    println!(
        "queue over {n} items ({} entries): {:.2?}",
        q.len(),
        t.elapsed()
    );

    let (_, secret) = store.create_token("bench", Role::Moderator).unwrap();
    let t = Instant::now();
    assert!(store.verify_token(&secret).unwrap().is_some());
    let first = t.elapsed();
    let t = Instant::now();
    let rounds = 10_000;
    for _ in 0..rounds {
        assert!(store.verify_token(&secret).unwrap().is_some());
    }
    let cached = t.elapsed() / rounds;
    println!(
        "token check: first (argon2) {first:.2?}, then cached {cached:.2?} ({:.0}x faster)",
        first.as_secs_f64() / cached.as_secs_f64()
    );
}
