//! The SQLite store through the `Store` interface: idempotence, edits, assessments, the queue,
//! actions, forgetting, tokens, migrations.

mod common;

use chrono::{Duration, Utc};
use common::*;
use threadcare_core::Level;
use threadcare_store::{
    ingest_items, ActionKind, ItemState, NewAction, NewAudit, QueueFilter, Role, SqliteStore,
    Store, StoreError, Upsert,
};

fn count(store: &SqliteStore, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn counts(store: &SqliteStore) -> Vec<i64> {
    [
        "threads",
        "items",
        "item_versions",
        "assessments",
        "thread_summaries",
        "actions",
    ]
    .iter()
    .map(|t| count(store, t))
    .collect()
}

fn sample() -> Vec<threadcare_core::Item> {
    vec![
        item("p1", "t1", None, "ash", Some(at(1, 9)), SEVERE),
        item("c1", "t1", Some("p1"), "birch", Some(at(1, 10)), NONE),
        item("p2", "t2", None, "cedar", Some(at(2, 9)), LOW),
        item("c2", "t2", Some("p2"), "dune", Some(at(2, 11)), SUPPORTIVE),
    ]
}

#[test]
fn a_new_file_is_migrated_and_versioned() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        threadcare_store::SCHEMA_VERSION
    );
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(store.deid_key().unwrap().len(), 32);
    store.integrity_check().unwrap();
}

#[test]
fn reopening_keeps_data_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let key = {
        let store = SqliteStore::open(&path, None).unwrap();
        ingest_items(&store, engine(), &sample(), &[]).unwrap();
        store.deid_key().unwrap()
    };
    let store = SqliteStore::open(&path, None).unwrap();
    assert_eq!(store.deid_key().unwrap(), key);
    assert_eq!(store.stats().unwrap().items, 4);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    drop(SqliteStore::open(&path, None).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path, None).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(
        msg.contains("schema version 99") && msg.contains("newer"),
        "{msg}"
    );
}

#[test]
fn another_programs_database_and_a_non_database_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE recipes(name TEXT)")
        .unwrap();
    drop(conn);
    let msg = SqliteStore::open(&other, None).unwrap_err().to_string();
    assert!(msg.contains("not a threadcare database"), "{msg}");

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x5au8; 8192]).unwrap();
    let err = SqliteStore::open(&junk, None).unwrap_err();
    assert!(matches!(err, StoreError::Locked(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("encrypted or not a threadcare database"),
        "{err}"
    );
}

#[cfg(not(feature = "sqlcipher"))]
#[test]
fn a_key_without_the_feature_says_how_to_build() {
    let dir = tempfile::tempdir().unwrap();
    let key = threadcare_store::Key::new("correct horse").unwrap();
    let msg = SqliteStore::open(dir.path().join("t.db"), Some(key))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("--features sqlcipher"), "{msg}");
    assert!(!dir.path().join("t.db").exists(), "nothing is created");
}

#[test]
fn ingesting_twice_changes_nothing() {
    let store = SqliteStore::open_in_memory().unwrap();
    let first = ingest_items(&store, engine(), &sample(), &[]).unwrap();
    assert_eq!((first.new, first.changed, first.unchanged), (4, 0, 0));
    assert_eq!(first.threads_assessed, 2);
    let before = counts(&store);
    assert_eq!(before, vec![2, 4, 4, 4, 2, 0]);
    let again = ingest_items(&store, engine(), &sample(), &[]).unwrap();
    assert_eq!((again.new, again.changed, again.unchanged), (0, 0, 4));
    assert_eq!(again.threads_assessed, 0);
    assert_eq!(counts(&store), before);
    assert!(store
        .stale_threads(threadcare_engine::ENGINE_VERSION)
        .unwrap()
        .is_empty());
}

#[test]
fn an_edit_makes_a_version_keeps_history_and_reassesses_the_thread() {
    let store = SqliteStore::open_in_memory().unwrap();
    ingest_items(&store, engine(), &sample(), &[]).unwrap();
    assert_eq!(
        store.item("p2").unwrap().unwrap().assessed.assessment.level,
        Level::Low
    );
    // The moderator resolves it; then the writer edits the post.
    store
        .record_action(&NewAction {
            item_id: "p2".into(),
            kind: ActionKind::Resolve,
            actor: "mod-a".into(),
            note: None,
        })
        .unwrap();
    let mut edited = sample();
    edited[2].text = IMMINENT.into();
    let report = ingest_items(&store, engine(), &edited, &[]).unwrap();
    assert_eq!((report.new, report.changed, report.unchanged), (0, 1, 3));
    assert_eq!(report.threads_assessed, 1, "only the edited thread");
    assert_eq!(report.imminent, vec!["p2".to_string()]);

    let p2 = store.item("p2").unwrap().unwrap();
    assert_eq!(p2.version, 2);
    assert_eq!(p2.assessed.item.text, IMMINENT);
    assert_eq!(p2.assessed.assessment.level, Level::Imminent);
    assert_eq!(p2.state, ItemState::Open, "an edit reopens a resolved item");
    let kinds: Vec<_> = p2
        .actions
        .iter()
        .map(|a| (a.kind, a.actor.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ActionKind::Resolve, "mod-a"),
            (ActionKind::Reopen, "threadcare")
        ]
    );
    let history = store.item_history("p2").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!((history[0].version, history[0].level), (1, Level::Low));
    assert_eq!(history[0].text, LOW);
    assert_eq!((history[1].version, history[1].level), (2, Level::Imminent));
    // The reply was re-judged against the new post.
    let c2 = store.item("c2").unwrap().unwrap();
    assert_eq!(
        c2.assessed.assessment.reply.as_ref().unwrap().answers_level,
        Level::Imminent
    );
    // Re-ingesting the edited file changes nothing more, and the imminent alert is not repeated.
    let before = counts(&store);
    let again = ingest_items(&store, engine(), &edited, &[]).unwrap();
    assert_eq!(again.unchanged, 4);
    assert!(again.imminent.is_empty());
    assert_eq!(counts(&store), before);
}

#[test]
fn a_crash_between_storing_and_assessing_heals_on_the_next_call() {
    let store = SqliteStore::open_in_memory().unwrap();
    // Stored, never assessed: what a kill between the two transactions leaves.
    let (outcomes, threads) = store.upsert_items(&sample(), &[]).unwrap();
    assert!(outcomes.iter().all(|o| *o == Upsert::New));
    assert_eq!(threads, ["t1", "t2"]);
    let engine_version = threadcare_engine::ENGINE_VERSION;
    assert_eq!(store.stale_threads(engine_version).unwrap().len(), 2);
    let pending = store.item("p1").unwrap().unwrap();
    assert_eq!(pending.engine_version, "");
    assert!(pending
        .assessed
        .assessment
        .explanation
        .contains("Not assessed yet"));
    // Any later call, even with nothing new, assesses them.
    let report = ingest_items(&store, engine(), &[], &[]).unwrap();
    assert_eq!(report.threads_assessed, 2);
    assert!(store.stale_threads(engine_version).unwrap().is_empty());
    assert_eq!(
        store.item("p1").unwrap().unwrap().assessed.assessment.level,
        Level::Severe
    );
    // An engine upgrade makes every thread stale.
    assert_eq!(
        store
            .stale_threads("threadcare-engine 9.9 rules-9")
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn assessments_of_a_text_edited_meanwhile_are_not_stored() {
    let store = SqliteStore::open_in_memory().unwrap();
    store.upsert_items(&sample(), &[]).unwrap();
    let loaded = store.load_thread("t2").unwrap().unwrap();
    let assessed = engine().assess_thread(&loaded);
    let mut edited = sample();
    edited[2].text = MODERATE.into();
    store.upsert_items(&edited, &[]).unwrap();
    store
        .save_assessed_threads(&[assessed], threadcare_engine::ENGINE_VERSION)
        .unwrap();
    let p2 = store.item("p2").unwrap().unwrap();
    assert_eq!(
        p2.engine_version, "",
        "the old text's assessment is not given to the new"
    );
    assert!(store
        .stale_threads(threadcare_engine::ENGINE_VERSION)
        .unwrap()
        .contains(&"t2".to_string()));
}

#[test]
fn the_thread_view_has_the_post_first_and_the_tree() {
    let store = SqliteStore::open_in_memory().unwrap();
    let mut items = sample();
    // Comments can come before their post in a file.
    items.swap(0, 1);
    ingest_items(&store, engine(), &items, &[]).unwrap();
    let view = store.thread("t1").unwrap().unwrap();
    assert_eq!(view.items[0].assessed.item.id, "p1");
    assert_eq!(view.items[1].assessed.item.parent_id.as_deref(), Some("p1"));
    assert_eq!(view.summary.thread_id, "t1");
    assert_eq!(view.summary.level, Level::Severe);
    assert!(view.summary.unanswered_at_risk);
    let loaded = store.load_thread("t1").unwrap().unwrap();
    assert_eq!(loaded.title.as_deref(), Some("thread t1"));
    assert!(store.thread("nope").unwrap().is_none());
    assert!(store.item("nope").unwrap().is_none());
    assert!(store.item_history("nope").unwrap().is_empty());
}

fn act(
    store: &SqliteStore,
    item: &str,
    kind: ActionKind,
    actor: &str,
    note: Option<&str>,
) -> Result<threadcare_store::Action, StoreError> {
    store.record_action(&NewAction {
        item_id: item.into(),
        kind,
        actor: actor.into(),
        note: note.map(str::to_string),
    })
}

#[test]
fn actions_check_what_they_do_and_derive_the_state() {
    let store = SqliteStore::open_in_memory().unwrap();
    ingest_items(&store, engine(), &sample(), &[]).unwrap();
    use ActionKind::*;
    act(&store, "p1", Claim, "mod-a", None).unwrap();
    let err = act(&store, "p1", Claim, "mod-b", None).unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("claimed by mod-a")),
        "{err:?}"
    );
    let err = act(&store, "p1", Unclaim, "mod-b", None).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(matches!(
        act(&store, "p1", Responded, "mod-a", None),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        act(&store, "p1", Responded, "mod-a", Some("  ")),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        act(&store, "p1", Note, "mod-b", None),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        act(&store, "zzz", Claim, "mod-a", None),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        act(&store, "p1", Reopen, "mod-a", None),
        Err(StoreError::Conflict(_))
    ));

    // Claiming never hides the rest of the thread, and others may still note things.
    act(
        &store,
        "p1",
        Note,
        "mod-b",
        Some("checked their earlier posts"),
    )
    .unwrap();
    let item = store.item("p1").unwrap().unwrap();
    assert_eq!(
        (item.state, item.claimed_by.as_deref()),
        (ItemState::Claimed, Some("mod-a"))
    );
    act(
        &store,
        "p1",
        Responded,
        "mod-a",
        Some("sent a private message with the crisis line"),
    )
    .unwrap();
    assert_eq!(
        store.item("p1").unwrap().unwrap().state,
        ItemState::Responded
    );
    act(&store, "p1", Resolve, "mod-a", None).unwrap();
    assert!(matches!(
        act(&store, "p1", Resolve, "mod-b", None),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        act(&store, "p1", Claim, "mod-b", None),
        Err(StoreError::Conflict(_))
    ));
    let item = store.item("p1").unwrap().unwrap();
    assert_eq!((item.state, item.claimed_by), (ItemState::Resolved, None));
    act(&store, "p1", Reopen, "mod-b", None).unwrap();
    act(&store, "p1", Claim, "mod-b", None).unwrap();
    act(&store, "p1", Unclaim, "mod-b", None).unwrap();
    let item = store.item("p1").unwrap().unwrap();
    assert_eq!((item.state, item.claimed_by), (ItemState::Open, None));
    assert_eq!(item.actions.len(), 7);
    assert_eq!(
        item.actions[2].note.as_deref(),
        Some("sent a private message with the crisis line")
    );

    // Each action is in the audit log, without its note.
    let log = store.audit_log(100, 0).unwrap();
    let actions: Vec<_> = log.iter().filter(|e| e.event == "action").collect();
    assert_eq!(actions.len(), 7);
    assert_eq!(
        actions[0].detail.as_deref(),
        Some("unclaim"),
        "newest first"
    );
    assert_eq!(actions[0].level, Some(Level::Severe));
    assert!(log
        .iter()
        .all(|e| !e.detail.as_deref().unwrap_or("").contains("crisis line")));
    assert_eq!(store.stats().unwrap().actions, 7);
}

#[test]
fn the_queue_orders_by_level_then_waiting_then_unanswered_then_trend() {
    let store = SqliteStore::open_in_memory().unwrap();
    let items = vec![
        // Severe, waiting since day 3.
        item("s-new", "ta", None, "w1", Some(at(3, 9)), SEVERE),
        // Severe, waiting since day 1: before s-new.
        item("s-old", "tb", None, "w2", Some(at(1, 9)), SEVERE),
        // Severe since day 1 too, but answered supportively by someone else: not waiting.
        item("s-answered", "tc", None, "w3", Some(at(1, 8)), SEVERE),
        item(
            "s-answer",
            "tc",
            Some("s-answered"),
            "helper",
            Some(at(1, 9)),
            SUPPORTIVE,
        ),
        // Moderate after everything severe, even though it waited longest.
        item("m", "td", None, "w4", Some(at(1, 1)), MODERATE),
        // Imminent first of all.
        item("i", "te", None, "w5", Some(at(4, 9)), IMMINENT),
        // Nothing of concern: not in the queue.
        item("n", "tf", None, "w6", Some(at(1, 1)), NONE),
        // Low: in the default queue; a supportive reply by the writer themself does not count.
        item("l", "tg", None, "w7", Some(at(1, 2)), LOW),
        item("l-self", "tg", Some("l"), "w7", Some(at(1, 3)), SUPPORTIVE),
    ];
    ingest_items(&store, engine(), &items, &[]).unwrap();
    let now = at(5, 9).with_timezone(&Utc);
    let q = store.queue(&QueueFilter::default(), now).unwrap();
    let ids: Vec<&str> = q.iter().map(|e| e.item_id.as_str()).collect();
    assert_eq!(ids, ["i", "s-old", "s-new", "s-answered", "m", "l"]);
    assert_eq!(
        q[1].waiting_seconds,
        Some((now - at(1, 9).with_timezone(&Utc)).num_seconds())
    );
    assert_eq!(q[3].waiting_since, None);
    assert!(q[1].unanswered_at_risk);
    assert!(!q[3].unanswered_at_risk);
    assert!(
        q[5].waiting_since.is_some(),
        "the writer's own reply does not stop the clock"
    );

    // A `responded` action stops the clock; resolving takes the item out of the queue.
    act(
        &store,
        "s-old",
        ActionKind::Responded,
        "mod",
        Some("replied in the thread"),
    )
    .unwrap();
    act(&store, "i", ActionKind::Claim, "mod", None).unwrap();
    act(&store, "m", ActionKind::Resolve, "mod", None).unwrap();
    let q = store.queue(&QueueFilter::default(), now).unwrap();
    let ids: Vec<&str> = q.iter().map(|e| e.item_id.as_str()).collect();
    // s-old and s-answered no longer wait; s-old's thread still counts as unanswered at risk (the
    // engine sees no supportive reply in it), so it comes first of the two.
    assert_eq!(ids, ["i", "s-new", "s-old", "s-answered", "l"]);
    assert_eq!(
        q[0].claimed_by.as_deref(),
        Some("mod"),
        "claimed items stay, showing who"
    );
    assert_eq!(q[0].state, ItemState::Claimed);
    // Ties on waiting time: unanswered at risk first, then a rising writer.
    let filter = QueueFilter {
        min_level: Level::Severe,
        include_resolved: true,
        limit: 2,
        offset: 1,
    };
    let page: Vec<String> = store
        .queue(&filter, now)
        .unwrap()
        .into_iter()
        .map(|e| e.item_id)
        .collect();
    assert_eq!(page, ["s-new", "s-old"]);
    let with_resolved = QueueFilter {
        include_resolved: true,
        ..QueueFilter::default()
    };
    assert!(store
        .queue(&with_resolved, now)
        .unwrap()
        .iter()
        .any(|e| e.item_id == "m"));

    let stats = store.stats().unwrap();
    assert_eq!(
        stats.open_by_level,
        [3, 1, 0, 3, 1],
        "none, low, moderate (resolved), severe, imminent"
    );
}

#[test]
fn ties_in_waiting_go_to_a_rising_writer() {
    let store = SqliteStore::open_in_memory().unwrap();
    let t = Some(at(10, 9));
    let items = vec![
        // Same level, same time, both unanswered at risk: only the trend tells them apart.
        item("b-plain", "t2", None, "steady", t, SEVERE),
        item("a-rising", "t3", None, "riser", t, SEVERE),
        // The riser was at low a week earlier.
        item("r0", "t0", None, "riser", Some(at(3, 9)), LOW),
        // Answered supportively: not waiting, after both.
        item("c-answered", "t1", None, "quiet", Some(at(1, 9)), SEVERE),
        item(
            "c-reply",
            "t1",
            Some("c-answered"),
            "friend",
            Some(at(1, 10)),
            SUPPORTIVE,
        ),
    ];
    ingest_items(&store, engine(), &items, &[]).unwrap();
    let now = at(12, 9).with_timezone(&Utc);
    let filter = QueueFilter {
        min_level: Level::Severe,
        ..QueueFilter::default()
    };
    let q = store.queue(&filter, now).unwrap();
    let ids: Vec<&str> = q.iter().map(|e| e.item_id.as_str()).collect();
    assert_eq!(ids, ["a-rising", "b-plain", "c-answered"]);
    assert!(q[0].unanswered_at_risk && q[1].unanswered_at_risk && !q[2].unanswered_at_risk);
    assert_eq!(q[0].waiting_seconds, q[1].waiting_seconds);
    let trend = q[0]
        .trend
        .as_ref()
        .expect("the riser's alert is shown next to the item");
    assert_eq!((trend.from, trend.to), (Level::Low, Level::Severe));
    assert_eq!(trend.item_ids, ["r0", "a-rising"]);
    assert!(q[1].trend.is_none());
}

#[test]
fn the_timeline_of_a_writer() {
    let store = SqliteStore::open_in_memory().unwrap();
    let items = vec![
        item("x3", "t3", None, "fern", Some(at(9, 9)), SEVERE),
        item("x1", "t1", None, "fern", Some(at(1, 9)), LOW),
        item("x2", "t2", None, "fern", Some(at(5, 9)), MODERATE),
        item("y", "t2", Some("x2"), "gale", Some(at(5, 10)), NONE),
    ];
    ingest_items(&store, engine(), &items, &[]).unwrap();
    let t = store.timeline("fern").unwrap().unwrap();
    let seq: Vec<(&str, Level)> = t
        .points
        .iter()
        .map(|p| (p.item_id.as_str(), p.level))
        .collect();
    assert_eq!(
        seq,
        [
            ("x1", Level::Low),
            ("x2", Level::Moderate),
            ("x3", Level::Severe)
        ]
    );
    assert_eq!(t.points[2].cssrs, 3);
    let alert = t.alert.unwrap();
    assert_eq!(alert.item_ids, ["x1", "x2", "x3"]);
    assert!(store.timeline("gale").unwrap().unwrap().alert.is_none());
    assert!(store.timeline("nobody").unwrap().is_none());
    assert_eq!(store.authors().unwrap(), ["fern", "gale"]);
}

#[test]
fn forgetting_a_writer_removes_everything_of_theirs() {
    let store = SqliteStore::open_in_memory().unwrap();
    let mut items = sample();
    // ash also commented in cedar's thread, and edited their post once.
    items.push(item(
        "c3",
        "t2",
        Some("p2"),
        "ash",
        Some(at(2, 12)),
        MODERATE,
    ));
    // ... and wrote a thread of their own that nobody answered.
    items.push(item("p3", "t3", None, "ash", Some(at(3, 12)), NONE));
    ingest_items(&store, engine(), &items, &[]).unwrap();
    items[0].text = IMMINENT.into();
    ingest_items(&store, engine(), &items, &[]).unwrap();
    act(&store, "p1", ActionKind::Claim, "mod", None).unwrap();
    act(
        &store,
        "p1",
        ActionKind::Note,
        "mod",
        Some("called the contact"),
    )
    .unwrap();
    act(&store, "c2", ActionKind::Note, "mod", Some("kind reply")).unwrap();
    store
        .audit(&NewAudit {
            actor: "mod".into(),
            event: "read_item".into(),
            item_id: Some("p1".into()),
            level: Some(Level::Imminent),
            detail: None,
        })
        .unwrap();

    let report = store.forget_author("ash", "admin-1").unwrap();
    assert_eq!(report.items, 3, "p1, c3, p3");
    assert_eq!(report.item_versions, 4, "p1 twice, c3 and p3 once");
    assert_eq!(report.assessments, 4, "one per version");
    assert_eq!(report.actions, 2);
    assert_eq!(
        report.threads, 1,
        "t3 is left empty; t1 keeps birch's reply"
    );
    assert_eq!(report.audit_scrubbed, 3, "two action lines and one read");
    assert_eq!(report.total(), 3 + 4 + 4 + 2 + 1);
    assert!(store.thread("t3").unwrap().is_none());

    assert!(store.item("p1").unwrap().is_none());
    assert!(store.item("c3").unwrap().is_none());
    assert!(store.timeline("ash").unwrap().is_none());
    assert!(!store.authors().unwrap().contains(&"ash".to_string()));
    // birch's reply to the forgotten post stays; t2 stays and is marked for re-assessment.
    assert!(store.item("c1").unwrap().is_some());
    assert!(store.item("c2").unwrap().unwrap().actions.len() == 1);
    let stale = store
        .stale_threads(threadcare_engine::ENGINE_VERSION)
        .unwrap();
    assert!(stale.contains(&"t2".to_string()) && stale.contains(&"t1".to_string()));
    let log = store.audit_log(100, 0).unwrap();
    assert_eq!(log[0].event, "forget");
    assert_eq!(log[0].actor, "admin-1");
    assert!(!log[0].detail.as_deref().unwrap().contains("ash"));
    assert!(log.iter().all(|e| e.item_id.as_deref() != Some("p1")));
    assert!(log.iter().any(|e| e.item_id.as_deref() == Some("c2")));
    // Nobody left to forget.
    assert_eq!(store.forget_author("ash", "admin-1").unwrap().total(), 0);
    ingest_items(&store, engine(), &[], &[]).unwrap();
    assert!(store
        .stale_threads(threadcare_engine::ENGINE_VERSION)
        .unwrap()
        .is_empty());
    store.integrity_check().unwrap();
}

#[test]
fn the_audit_log_is_append_only() {
    let store = SqliteStore::open_in_memory().unwrap();
    store
        .audit(&NewAudit {
            actor: "mod".into(),
            event: "read_item".into(),
            item_id: Some("x".into()),
            level: Some(Level::Severe),
            detail: None,
        })
        .unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    assert!(conn.execute("DELETE FROM audit", []).is_err());
    assert!(conn
        .execute("UPDATE audit SET actor = 'someone else'", [])
        .is_err());
    assert!(conn.execute("UPDATE audit SET item_id = 'y'", []).is_err());
    assert_eq!(
        conn.execute("UPDATE audit SET item_id = NULL", []).unwrap(),
        1
    );
}

#[test]
fn tokens_are_hashed_verified_and_revoked() {
    let store = SqliteStore::open_in_memory().unwrap();
    let (info, secret) = store.create_token("Robin", Role::Moderator).unwrap();
    assert!(secret.starts_with(&format!("tc_{}_", info.id)), "{secret}");
    assert_eq!(info.role, Role::Moderator);
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let hash: String = conn
        .query_row("SELECT hash FROM tokens WHERE id = ?1", [info.id], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(&secret[secret.len() - 48..]));

    assert_eq!(store.verify_token(&secret).unwrap().unwrap().label, "Robin");
    // The cached path answers the same.
    assert_eq!(store.verify_token(&secret).unwrap().unwrap().id, info.id);
    let mut wrong = secret.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert!(store.verify_token(&wrong).unwrap().is_none());
    // The right secret still works after a wrong one.
    assert!(store.verify_token(&secret).unwrap().is_some());
    for junk in [
        "",
        "tc_",
        "tc_1",
        "tc_x_abc",
        "Bearer x",
        "tc_999_0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        assert!(store.verify_token(junk).unwrap().is_none(), "{junk}");
    }
    let (other, other_secret) = store.create_token("Sam", Role::Researcher).unwrap();
    assert!(store.revoke_token(info.id).unwrap());
    assert!(!store.revoke_token(info.id).unwrap(), "already revoked");
    assert!(
        store.verify_token(&secret).unwrap().is_none(),
        "revocation is immediate"
    );
    assert_eq!(
        store.verify_token(&other_secret).unwrap().unwrap().role,
        Role::Researcher
    );
    let list = store.tokens().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[0].revoked_at.is_some() && list[1].revoked_at.is_none());
    assert_eq!(list[1].id, other.id);
    assert!(matches!(
        store.create_token("  ", Role::Admin),
        Err(StoreError::Invalid(_))
    ));
    // Revocation by another process (the CLI while the server runs) counts at once too.
    let (third, third_secret) = store.create_token("Kai", Role::Admin).unwrap();
    assert!(store.verify_token(&third_secret).unwrap().is_some());
    conn.execute(
        "UPDATE tokens SET revoked_at = '2025-01-01T00:00:00.000Z' WHERE id = ?1",
        [third.id],
    )
    .unwrap();
    assert!(store.verify_token(&third_secret).unwrap().is_none());
}

#[test]
fn bad_items_are_refused_with_the_record_named() {
    let store = SqliteStore::open_in_memory().unwrap();
    let mut items = sample();
    items[2].id = " ".into();
    let err = store.upsert_items(&items, &[]).unwrap_err().to_string();
    assert!(
        err.contains("item 3") && err.contains("synthetic.jsonl") && err.contains("id is empty"),
        "{err}"
    );
    assert_eq!(
        store.stats().unwrap().items,
        0,
        "nothing of the batch is stored"
    );
}

#[test]
fn the_store_is_shared_between_threads() {
    let store = SqliteStore::open_in_memory().unwrap();
    let base = sample();
    std::thread::scope(|s| {
        for n in 0..4 {
            let store = &store;
            let base = &base;
            s.spawn(move || {
                // The same items from every thread, plus some of its own.
                let mut items = base.clone();
                items.push(item(
                    &format!("own{n}"),
                    &format!("own-t{n}"),
                    None,
                    "x",
                    Some(at(3, 3)),
                    LOW,
                ));
                ingest_items(store, engine(), &items, &[]).unwrap();
                store
                    .queue(&QueueFilter::default(), Utc::now() + Duration::days(1))
                    .unwrap();
            });
        }
    });
    let stats = store.stats().unwrap();
    assert_eq!((stats.threads, stats.items), (6, 8));
    assert_eq!(count(&store, "item_versions"), 8);
    assert!(store
        .stale_threads(threadcare_engine::ENGINE_VERSION)
        .unwrap()
        .is_empty());
}

#[test]
fn researchers_see_a_deidentified_thread_with_evidence_in_place() {
    use threadcare_store::deid::{Deidentifier, Redactor};
    let store = SqliteStore::open_in_memory().unwrap();
    let post =
        format!("Juniper here, mail juniper.k@example.org. {IMMINENT} Tell Willow I'm sorry.");
    let items = vec![
        item("p", "t", None, "Juniper", Some(at(1, 9)), &post),
        item("c", "t", Some("p"), "Willow", Some(at(1, 10)), SUPPORTIVE),
    ];
    ingest_items(&store, engine(), &items, &[]).unwrap();
    act(
        &store,
        "p",
        ActionKind::Note,
        "mod",
        Some("Willow says she phoned 555 123 4567"),
    )
    .unwrap();
    let original = store.thread("t").unwrap().unwrap();
    let mut view = original.clone();
    let deid = Deidentifier::for_store(&store).unwrap();
    deid.thread(&mut view);

    let json = serde_json::to_string(&view).unwrap();
    for secret in ["Juniper", "juniper", "Willow", "example.org", "555 123"] {
        assert!(!json.contains(secret), "{secret} in {json}");
    }
    let p = &view.items[0];
    let pseudonym = p.assessed.item.author.clone().unwrap();
    assert!(pseudonym.starts_with("writer-"));
    assert_eq!(pseudonym, deid.pseudonym("Juniper"));
    assert!(p
        .assessed
        .item
        .text
        .starts_with("[name] here, mail [email]. "));
    assert!(p.assessed.item.text.ends_with("Tell [name] I'm sorry."));
    assert_eq!(
        p.actions[0].note.as_deref(),
        Some("[name] says she phoned [phone]")
    );
    let before = &original.items[0].assessed.assessment.signals;
    let after = &p.assessed.assessment.signals;
    assert!(!after.is_empty());
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        if ["Juniper", "Willow", "juniper.k"]
            .iter()
            .any(|n| b.text.contains(n))
        {
            // Evidence that holds a name is quoted with the name redacted.
            assert!(
                a.text.contains("[name]") || a.text.contains("[email]"),
                "{}",
                a.text
            );
        } else {
            assert_eq!(a.text, b.text, "the evidence words are unchanged");
        }
        assert_eq!(&p.assessed.item.text[a.start..a.end], a.text);
    }
    // Another database gives the same writer an unrelated pseudonym.
    let other = SqliteStore::open_in_memory().unwrap();
    assert_ne!(
        Deidentifier::for_store(&other)
            .unwrap()
            .pseudonym("Juniper"),
        pseudonym
    );

    // Queue entries and timelines.
    let redactor = Redactor::new(&store.authors().unwrap());
    let mut q = store.queue(&QueueFilter::default(), Utc::now()).unwrap();
    for e in &mut q {
        deid.queue_entry(e, &redactor);
    }
    assert!(!serde_json::to_string(&q).unwrap().contains("Juniper"));
    let mut tl = store.timeline("Juniper").unwrap().unwrap();
    deid.timeline(&mut tl);
    assert_eq!(tl.author, pseudonym);
}

#[test]
fn forgotten_text_does_not_linger_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = SqliteStore::open(&path, None).unwrap();
    let marker = "Quillwort-marker-7c1e";
    let items = vec![
        item(
            "q1",
            "tq",
            None,
            "Quill",
            Some(at(1, 9)),
            &format!("{MODERATE} {marker}"),
        ),
        item("q2", "tq", Some("q1"), "other", Some(at(1, 10)), SUPPORTIVE),
    ];
    ingest_items(&store, engine(), &items, &[]).unwrap();
    let on_disk = |needle: &str| {
        ["t.db", "t.db-wal"].iter().any(|f| {
            let bytes = std::fs::read(dir.path().join(f)).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
    };
    assert!(on_disk(marker), "the test can see stored text");
    store.forget_author("Quill", "admin").unwrap();
    assert!(!on_disk(marker), "the removed text is overwritten");
    assert!(store.item("q2").unwrap().is_some());
}

#[test]
fn key_files_lose_their_line_break_and_empty_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key");
    std::fs::write(&file, "s3cret passphrase\n").unwrap();
    let key = threadcare_store::Key::from_file(&file).unwrap();
    assert_eq!(
        key,
        threadcare_store::Key::new("s3cret passphrase").unwrap()
    );
    assert_eq!(format!("{key:?}"), "Key(…)", "Debug never shows the key");
    std::fs::write(&file, "\n").unwrap();
    let err = threadcare_store::Key::from_file(&file)
        .unwrap_err()
        .to_string();
    assert!(err.contains("is empty"), "{err}");
    let err = threadcare_store::Key::from_file(&dir.path().join("none"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read the key file"), "{err}");
}

#[cfg(feature = "sqlcipher")]
#[test]
fn an_encrypted_database_needs_its_key() {
    use threadcare_store::Key;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.db");
    let marker = "Marigold-marker-55d2";
    let key = Key::new("a long passphrase for the test").unwrap();
    {
        let store = SqliteStore::open(&path, Some(key.clone())).unwrap();
        assert!(store.is_encrypted());
        let items = vec![item(
            "m1",
            "tm",
            None,
            "Marigold",
            Some(at(1, 9)),
            &format!("{SEVERE} {marker}"),
        )];
        ingest_items(&store, engine(), &items, &[]).unwrap();
        store.create_token("mod", Role::Moderator).unwrap();
        // Readers use the key too.
        assert_eq!(
            store.item("m1").unwrap().unwrap().assessed.assessment.level,
            Level::Severe
        );
        assert_eq!(
            store
                .queue(&QueueFilter::default(), Utc::now())
                .unwrap()
                .len(),
            1
        );
    }
    for f in ["secret.db", "secret.db-wal"] {
        let bytes = std::fs::read(dir.path().join(f)).unwrap_or_default();
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{f} holds plain text"
        );
    }
    let store = SqliteStore::open(&path, Some(key)).unwrap();
    assert_eq!(store.stats().unwrap().items, 1);
    store.integrity_check().unwrap();
    drop(store);

    let err = SqliteStore::open(&path, None).unwrap_err();
    assert!(matches!(err, StoreError::Locked(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("encrypted or not a threadcare database") && msg.contains("THREADCARE_DB_KEY"),
        "{msg}"
    );
    let err = SqliteStore::open(&path, Some(Key::new("wrong").unwrap())).unwrap_err();
    assert!(
        matches!(err, StoreError::Locked(ref m) if m.contains("is the key right")),
        "{err:?}"
    );
    // An unencrypted database opened with a key is refused the same way, not silently used.
    let plain = dir.path().join("plain.db");
    drop(SqliteStore::open(&plain, None).unwrap());
    assert!(matches!(
        SqliteStore::open(&plain, Some(Key::new("k").unwrap())),
        Err(StoreError::Locked(_))
    ));
}

#[test]
fn thread_metadata_alone_makes_no_empty_thread() {
    use threadcare_core::{Format, Position, Source, ThreadMeta};
    let store = SqliteStore::open_in_memory().unwrap();
    let meta = |id: &str, declared: u64| ThreadMeta {
        thread_id: id.into(),
        title: Some("A page".into()),
        declared_comments: Some(declared),
        found_comments: 0,
        source: Source {
            format: Format::BlogText,
            file: "page.txt".into(),
            position: Position::default(),
        },
    };
    ingest_items(&store, engine(), &[], &[meta("lonely", 7)]).unwrap();
    assert_eq!(store.stats().unwrap().threads, 0);
    ingest_items(&store, engine(), &sample(), &[meta("t1", 7)]).unwrap();
    assert_eq!(
        store.load_thread("t1").unwrap().unwrap().declared_comments,
        Some(7)
    );
    // Later metadata for a stored thread updates it.
    store.upsert_items(&[], &[meta("t1", 9)]).unwrap();
    assert_eq!(
        store.load_thread("t1").unwrap().unwrap().declared_comments,
        Some(9)
    );
    assert_eq!(store.stats().unwrap().threads, 2);
}

#[test]
fn an_empty_file_is_migrated_from_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let store = SqliteStore::open(&path, None).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        threadcare_store::SCHEMA_VERSION
    );
    ingest_items(&store, engine(), &sample(), &[]).unwrap();
    drop(store);
    // Opening again runs no migration and keeps everything.
    let store = SqliteStore::open(&path, None).unwrap();
    assert_eq!(store.stats().unwrap().items, 4);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0x7468_6364);
}
