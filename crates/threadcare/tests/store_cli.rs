//! `threadcare ingest`, `token` and `forget` as a person (or a crash) uses them.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use threadcare_server::store::{QueueFilter, Role, SqliteStore, Store};

fn threadcare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(args)
        .env_remove("THREADCARE_DB")
        .env_remove("THREADCARE_DB_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run threadcare")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "threadcare-store-cli-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// "stored N items" per line, summed.
fn stored(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("stored "))
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .expect("stored N items")
        })
        .sum()
}

fn jsonl_line(
    id: &str,
    thread: &str,
    parent: Option<&str>,
    author: &str,
    when: &str,
    body: &str,
) -> String {
    serde_json::json!({
        "id": id, "thread_id": thread, "parent_id": parent,
        "kind": if parent.is_none() { "post" } else { "comment" },
        "author": author, "created_at": when,
        "title": if parent.is_none() { Some(format!("thread {thread}")) } else { None },
        "text": body,
    })
    .to_string()
}

const SEVERE: &str = "I keep thinking about how I would kill myself, which pills and how many.";
const CALM: &str = "Therapy went fine today, we planned the next few weeks together.";
const KIND: &str =
    "I'm so sorry you are carrying this. Please call a crisis line tonight, you deserve support.";
const IMMINENT: &str = "I took the whole bottle an hour ago and wrote my goodbye letters.";

#[test]
fn ingesting_the_examples_twice_changes_nothing() {
    let dir = scratch("twice");
    let db = dir.join("t.db");
    let first = threadcare(&["ingest", s(&examples()), "--db", s(&db)]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let out = text(&first.stdout);
    assert!(
        out.contains("done: ") && !out.contains("done: 0 new"),
        "{out}"
    );
    let store = SqliteStore::open(&db, None).unwrap();
    let before = store.stats().unwrap();
    let queue_before = store
        .queue(
            &QueueFilter::default(),
            threadcare_server::store::chrono::Utc::now(),
        )
        .unwrap();
    assert!(before.items >= 20 && before.threads >= 5, "{before:?}");
    assert_eq!(stored(&out) as u64, before.items);
    drop(store);

    let second = threadcare(&["ingest", s(&examples()), "--db", s(&db)]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let out = text(&second.stdout);
    assert!(
        out.contains(&format!(
            "done: 0 new, 0 changed, {} unchanged items; 0 threads assessed",
            before.items
        )),
        "{out}"
    );
    let store = SqliteStore::open(&db, None).unwrap();
    assert_eq!(store.stats().unwrap(), before);
    let queue_after = store
        .queue(
            &QueueFilter::default(),
            threadcare_server::store::chrono::Utc::now(),
        )
        .unwrap();
    let ids = |q: &[threadcare_server::store::QueueEntry]| {
        q.iter().map(|e| e.item_id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&queue_after), ids(&queue_before));
    for e in &queue_after {
        assert_eq!(store.item_history(&e.item_id).unwrap().len(), 1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_edited_item_gets_a_version_and_a_new_assessment() {
    let dir = scratch("edit");
    let db = dir.join("t.db");
    let file = dir.join("thread.jsonl");
    let write = |post: &str| {
        let lines = [
            jsonl_line("e1", "et", None, "wren", "2025-06-01T20:00:00Z", post),
            jsonl_line("e2", "et", Some("e1"), "moss", "2025-06-01T21:00:00Z", KIND),
        ];
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    };
    write(CALM);
    let out = threadcare(&["ingest", s(&file), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    write(SEVERE);
    let out = threadcare(&["ingest", s(&file), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("stored 2 items (0 new, 1 changed, 1 unchanged) in 1 thread"),
        "{stdout}"
    );
    assert!(stdout.contains("1 threads assessed"), "{stdout}");
    let store = SqliteStore::open(&db, None).unwrap();
    let history = store.item_history("e1").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].text, CALM);
    assert_eq!(history[1].text, SEVERE);
    assert!(history[1].level > history[0].level, "{history:?}");
    let item = store.item("e1").unwrap().unwrap();
    assert_eq!(item.version, 2);
    assert_eq!(item.assessed.assessment.level, history[1].level);
    // The reply is judged against the new post.
    let reply = store.item("e2").unwrap().unwrap();
    assert_eq!(
        reply.assessed.assessment.reply.unwrap().answers_level,
        history[1].level
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_records_are_named_and_the_rest_is_stored() {
    let dir = scratch("partial");
    let db = dir.join("t.db");
    let file = dir.join("partial.jsonl");
    let good = jsonl_line("g1", "gt", None, "wren", "2025-06-01T20:00:00Z", CALM);
    std::fs::write(&file, format!("{good}\n{{\"id\": broken\n")).unwrap();
    let out = threadcare(&["ingest", s(&file), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(1), "partial input");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("partial.jsonl") && stderr.contains("line 2"),
        "{stderr}"
    );
    let store = SqliteStore::open(&db, None).unwrap();
    assert!(store.item("g1").unwrap().is_some());

    let missing = threadcare(&["forget", "--author", "x", "--db", s(&dir.join("none.db"))]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no database at"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tokens_through_the_command_line() {
    let dir = scratch("tokens");
    let db = dir.join("t.db");
    let out = threadcare(&[
        "token",
        "create",
        "--role",
        "researcher",
        "--label",
        "Dr Lin",
        "--db",
        s(&db),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let secret = text(&out.stdout).trim().to_string();
    assert!(secret.starts_with("tc_1_"), "{secret}");
    assert!(text(&out.stderr).contains("shown only now"));

    let store = SqliteStore::open(&db, None).unwrap();
    let info = store.verify_token(&secret).unwrap().expect("valid");
    assert_eq!(
        (info.role, info.label.as_str()),
        (Role::Researcher, "Dr Lin")
    );

    let list = threadcare(&["token", "list", "--db", s(&db)]);
    let listed = text(&list.stdout);
    assert!(
        listed.contains("researcher") && listed.contains("Dr Lin"),
        "{listed}"
    );
    assert!(!listed.contains(&secret[5..]), "never the secret");

    let revoke = threadcare(&["token", "revoke", "1", "--db", s(&db)]);
    assert_eq!(revoke.status.code(), Some(0), "{}", text(&revoke.stderr));
    // Revoked for the already-open store too (a running server).
    assert!(store.verify_token(&secret).unwrap().is_none());
    let again = threadcare(&["token", "revoke", "1", "--db", s(&db)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("no active token 1"));
    let bad = threadcare(&[
        "token",
        "create",
        "--role",
        "owner",
        "--label",
        "x",
        "--db",
        s(&db),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn forget_removes_a_writer_and_says_how_many_rows() {
    let dir = scratch("forget");
    let db = dir.join("t.db");
    let file = dir.join("threads.jsonl");
    let lines = [
        jsonl_line("f1", "ft", None, "wren", "2025-06-01T20:00:00Z", SEVERE),
        jsonl_line("f2", "ft", Some("f1"), "moss", "2025-06-01T21:00:00Z", KIND),
        jsonl_line("f3", "fu", None, "wren", "2025-06-03T20:00:00Z", CALM),
        jsonl_line("f4", "fv", None, "moss", "2025-06-04T20:00:00Z", CALM),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = threadcare(&["ingest", s(&file), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = threadcare(&["forget", "--author", "wren", "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "removed 7 rows: 2 items, 2 item versions, 2 assessments, 0 actions, 1 threads"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("re-assessed 1 threads"), "{stdout}");
    let store = SqliteStore::open(&db, None).unwrap();
    assert!(store.timeline("wren").unwrap().is_none());
    assert_eq!(store.authors().unwrap(), ["moss"]);
    assert!(store.item("f2").unwrap().is_some());
    assert!(store
        .stale_threads(threadcare_engine::ENGINE_VERSION)
        .unwrap()
        .is_empty());
    let log = store.audit_log(10, 0).unwrap();
    assert_eq!(log[0].event, "forget");
    assert!(!log[0].detail.as_deref().unwrap().contains("wren"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// SplitMix64: a seeded random sequence without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Many small threads, one post and two replies each, with texts of every kind. Returns the
/// item ids in file order.
fn large_input(path: &Path, threads: usize) -> Vec<String> {
    let bodies = [SEVERE, CALM, KIND, IMMINENT];
    let mut ids = Vec::new();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for t in 0..threads {
        let thread = format!("k{t}");
        let day = 1 + t % 28;
        for (n, parent) in [
            None,
            Some(format!("{thread}-0")),
            Some(format!("{thread}-0")),
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("{thread}-{n}");
            let body = format!("{} (number {t}.{n})", bodies[(t + n) % bodies.len()]);
            let line = jsonl_line(
                &id,
                &thread,
                parent.as_deref(),
                &format!("writer{}", (t * 3 + n) % 40),
                &format!("2025-02-{day:02}T{:02}:00:00Z", n + 8),
                &body,
            );
            writeln!(out, "{line}").unwrap();
            ids.push(id);
        }
    }
    out.flush().unwrap();
    ids
}

/// Runs `ingest` and kills it (SIGKILL) after it has reported `after` batches plus a random
/// pause; returns how many items it had reported stored.
fn ingest_and_kill(file: &Path, db: &Path, after: usize, pause: Duration) -> (usize, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(["ingest", s(file), "--db", s(db), "--batch", "2"])
        .env_remove("THREADCARE_DB_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    let mut batches = 0;
    while batches < after {
        match lines.next() {
            Some(Ok(line)) => {
                if line.starts_with("stored ") {
                    batches += 1;
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            _ => break,
        }
    }
    std::thread::sleep(pause);
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    child.wait().unwrap();
    // What it printed before dying counts too.
    for line in lines.map_while(Result::ok) {
        seen.push_str(&line);
        seen.push('\n');
    }
    (stored(&seen), killed)
}

#[test]
fn kill_9_loses_nothing_reported_and_leaves_a_usable_database() {
    let dir = scratch("kill");
    let file = dir.join("large.jsonl");
    let db = dir.join("t.db");
    let ids = large_input(&file, 2000);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("kill test seed {seed}");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut kills = 0;
    let mut stored_batches = 0;
    let mut stale = 0;
    for round in 0..5 {
        // Later rounds pass over what is stored already (unchanged batches) before new work.
        let after = stored_batches + 1 + rng.below(40) as usize;
        let pause = Duration::from_micros(rng.below(30_000));
        let (reported, killed) = ingest_and_kill(&file, &db, after, pause);
        kills += killed as usize;
        stored_batches = reported / 6;
        assert!(
            reported > 0,
            "round {round}: nothing reported (seed {seed})"
        );

        let store = SqliteStore::open(&db, None)
            .unwrap_or_else(|e| panic!("round {round}: cannot open after kill: {e} (seed {seed})"));
        store
            .integrity_check()
            .unwrap_or_else(|e| panic!("round {round}: {e} (seed {seed})"));
        // Batches are whole threads in file order: the first `reported` items are the ones
        // reported stored, and each is there with its assessment, without any healing.
        for id in &ids[..reported] {
            let item = store.item(id).unwrap().unwrap_or_else(|| {
                panic!("round {round}: {id} reported but missing (seed {seed})")
            });
            assert!(
                !item.engine_version.is_empty(),
                "round {round}: {id} reported stored without its assessment (seed {seed})"
            );
        }
        assert!(store.stats().unwrap().items as usize >= reported);
        stale = store
            .stale_threads(threadcare_engine::ENGINE_VERSION)
            .unwrap()
            .len();
        eprintln!(
            "round {round}: killed={killed} after {after} batches + {pause:?}; {reported} items \
             reported stored; {stale} threads left unassessed"
        );
    }
    assert!(
        kills >= 1,
        "at least one run was killed mid-way (seed {seed})"
    );

    // A full run completes, heals anything a kill left unassessed, and stores everything.
    let out = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(["ingest", s(&file), "--db", s(&db), "--batch", "200"])
        .env_remove("THREADCARE_DB_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // A kill between storing a batch and storing its assessments is healed first thing.
    if stale > 0 {
        let healed = format!("assessed {stale} threads left unassessed by an earlier run");
        assert!(stdout.starts_with(&healed), "{stdout}");
    }
    assert_eq!(stored(&stdout), ids.len());
    let store = SqliteStore::open(&db, None).unwrap();
    store.integrity_check().unwrap();
    let stats = store.stats().unwrap();
    assert_eq!(stats.items as usize, ids.len());
    assert_eq!(stats.threads, 2000);
    assert!(store
        .stale_threads(threadcare_engine::ENGINE_VERSION)
        .unwrap()
        .is_empty());
    for id in ids.iter().step_by(7) {
        let item = store.item(id).unwrap().unwrap();
        assert_eq!(item.version, 1, "{id}: a re-run makes no new version");
        assert!(!item.engine_version.is_empty());
    }
    eprintln!("kill test took {:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&dir);
}
