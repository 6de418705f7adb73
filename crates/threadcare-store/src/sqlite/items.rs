//! Items, their versions and assessments, threads and their summaries.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use threadcare_core::{
    AssessedItem, Assessment, Item, ItemKind, Level, ReplyAssessment, Source, Thread, ThreadMeta,
};
use threadcare_engine::{AssessedThread, ThreadSummary};

use super::{content_hash, level_of, moderation, parse_ts, ts};
use crate::{ItemState, ItemVersion, Result, StoreError, StoredItem, ThreadView, Upsert};

/// Refuses items that cannot be stored, naming the record.
pub fn validate(items: &[Item]) -> Result<()> {
    for (n, item) in items.iter().enumerate() {
        let what = |reason: &str| {
            StoreError::Invalid(format!(
                "item {} ({} {}, {}): {reason}",
                n + 1,
                item.source.format,
                item.source.file,
                item.source.position
            ))
        };
        if item.id.trim().is_empty() {
            return Err(what("the id is empty"));
        }
        if item.thread_id.trim().is_empty() {
            return Err(what("the thread id is empty"));
        }
        if item.parent_id.as_deref() == Some(item.id.as_str()) {
            return Err(what("the item answers itself"));
        }
    }
    Ok(())
}

fn ensure_thread(
    tx: &Transaction<'_>,
    thread_id: &str,
    title: Option<&str>,
    now: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO threads(id, title, first_stored_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET title = COALESCE(threads.title, excluded.title)",
    )?
    .execute(params![thread_id, title, now])?;
    Ok(())
}

pub fn upsert(
    tx: &Transaction<'_>,
    items: &[Item],
    metas: &[ThreadMeta],
    now: DateTime<Utc>,
) -> Result<(Vec<Upsert>, Vec<String>)> {
    let now_s = ts(now);
    // Metadata creates a thread only together with items of it (a reader may describe a thread
    // whose items it rejected); for a stored thread it updates the title and declared count.
    let with_items: HashSet<&str> = items.iter().map(|i| i.thread_id.as_str()).collect();
    for meta in metas {
        let sql = if with_items.contains(meta.thread_id.as_str()) {
            "INSERT INTO threads(id, title, declared_comments, first_stored_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET
                title = COALESCE(excluded.title, threads.title),
                declared_comments = COALESCE(excluded.declared_comments, threads.declared_comments)
             WHERE excluded.title IS NOT threads.title
                OR excluded.declared_comments IS NOT threads.declared_comments"
        } else {
            "UPDATE threads SET
                title = COALESCE(?2, title),
                declared_comments = COALESCE(?3, declared_comments)
             WHERE id = ?1 AND ?4 IS NOT NULL
               AND (?2 IS NOT title OR ?3 IS NOT declared_comments)"
        };
        tx.prepare_cached(sql)?.execute(params![
            meta.thread_id,
            meta.title,
            meta.declared_comments.map(|d| d as i64),
            now_s
        ])?;
    }
    // Per call: threads known to exist, and the next reading position in each thread.
    let mut ensured: HashSet<String> = HashSet::new();
    let mut seqs: HashMap<String, i64> = HashMap::new();
    let mut outcomes = Vec::with_capacity(items.len());
    let mut touched: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut touch = |id: &str, touched: &mut Vec<String>| {
        if seen.insert(id.to_string()) {
            touched.push(id.to_string());
        }
    };
    for item in items {
        let hash = content_hash(item);
        let existing: Option<(String, i64, String, String)> = tx
            .prepare_cached(
                "SELECT thread_id, version, content_hash, state FROM items WHERE id = ?1",
            )?
            .query_row([&item.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let source = serde_json::to_string(&item.source)?;
        let created = item.created_at.map(|d| d.to_rfc3339());
        let post_title = match item.kind {
            ItemKind::Post => item.title.as_deref(),
            ItemKind::Comment => None,
        };
        match existing {
            None => {
                if post_title.is_some() || !ensured.contains(item.thread_id.as_str()) {
                    ensure_thread(tx, &item.thread_id, post_title, &now_s)?;
                    ensured.insert(item.thread_id.clone());
                }
                let seq = next_seq(tx, &mut seqs, &item.thread_id)?;
                let at_ms = item
                    .created_at
                    .map(|d| d.timestamp_millis())
                    .unwrap_or_else(|| now.timestamp_millis());
                tx.prepare_cached(
                    "INSERT INTO items(id, thread_id, seq, parent_id, kind, author, created_at,
                        at_ms, title, text, source_json, content_hash, version, first_stored_at,
                        stored_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13, ?13)",
                )?
                .execute(params![
                    item.id,
                    item.thread_id,
                    seq,
                    item.parent_id,
                    item.kind.as_str(),
                    item.author,
                    created,
                    at_ms,
                    item.title,
                    item.text,
                    source,
                    hash,
                    now_s
                ])?;
                insert_version(tx, item, 1, &hash, &now_s)?;
                touch(&item.thread_id, &mut touched);
                outcomes.push(Upsert::New);
            }
            Some((_, _, old_hash, _)) if old_hash == hash => outcomes.push(Upsert::Unchanged),
            Some((old_thread, old_version, _, state)) => {
                ensure_thread(tx, &item.thread_id, post_title, &now_s)?;
                let version = old_version + 1;
                let moved = old_thread != item.thread_id;
                let seq: Option<i64> = if moved {
                    Some(next_seq(tx, &mut seqs, &item.thread_id)?)
                } else {
                    None
                };
                // The current assessment stays (the queue keeps showing the item at its last
                // level) but is marked stale: engine_version NULL until the new text is assessed.
                tx.prepare_cached(
                    "UPDATE items SET thread_id = ?2, seq = COALESCE(?3, seq), parent_id = ?4,
                        kind = ?5, author = ?6, created_at = COALESCE(?7, created_at),
                        title = ?8, text = ?9, source_json = ?10, content_hash = ?11,
                        version = ?12, stored_at = ?13, engine_version = NULL
                     WHERE id = ?1",
                )?
                .execute(params![
                    item.id,
                    item.thread_id,
                    seq,
                    item.parent_id,
                    item.kind.as_str(),
                    item.author,
                    created,
                    item.title,
                    item.text,
                    source,
                    hash,
                    version,
                    now_s
                ])?;
                insert_version(tx, item, version, &hash, &now_s)?;
                if state == ItemState::Resolved.as_db() {
                    moderation::reopen_edited(tx, &item.id, version, now)?;
                }
                if moved {
                    let left: i64 = tx
                        .prepare_cached("SELECT count(*) FROM items WHERE thread_id = ?1")?
                        .query_row([&old_thread], |r| r.get(0))?;
                    if left == 0 {
                        tx.execute("DELETE FROM threads WHERE id = ?1", [&old_thread])?;
                    } else {
                        // Its summary counted the item that left.
                        tx.execute(
                            "UPDATE items SET engine_version = NULL WHERE thread_id = ?1",
                            [&old_thread],
                        )?;
                        touch(&old_thread, &mut touched);
                    }
                }
                touch(&item.thread_id, &mut touched);
                outcomes.push(Upsert::Changed);
            }
        }
    }
    Ok((outcomes, touched))
}

/// The next reading position in a thread (asked once per thread and call, then counted).
fn next_seq(tx: &Transaction<'_>, seqs: &mut HashMap<String, i64>, thread: &str) -> Result<i64> {
    if let Some(next) = seqs.get_mut(thread) {
        *next += 1;
        return Ok(*next);
    }
    let next: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM items WHERE thread_id = ?1")?
        .query_row([thread], |r| r.get(0))?;
    seqs.insert(thread.to_string(), next);
    Ok(next)
}

fn insert_version(
    tx: &Transaction<'_>,
    item: &Item,
    version: i64,
    hash: &str,
    now: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO item_versions(item_id, version, title, text, content_hash, stored_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![item.id, version, item.title, item.text, hash, now])?;
    Ok(())
}

pub fn stale_threads(c: &Connection, engine_version: &str) -> Result<Vec<String>> {
    // Three index range scans, run one by one: one `IS NOT` would read every item, and SQLite
    // 3.51 runs the UNION of the three much slower than the three alone.
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (sql, with_version) in [
        (
            "SELECT thread_id FROM items WHERE engine_version IS NULL",
            false,
        ),
        (
            "SELECT thread_id FROM items WHERE engine_version < ?1",
            true,
        ),
        (
            "SELECT thread_id FROM items WHERE engine_version > ?1",
            true,
        ),
    ] {
        let mut stmt = c.prepare_cached(sql)?;
        let mut rows = if with_version {
            stmt.query([engine_version])?
        } else {
            stmt.query([])?
        };
        while let Some(row) = rows.next()? {
            let thread: String = row.get(0)?;
            if seen.insert(thread.clone()) {
                out.push(thread);
            }
        }
    }
    Ok(out)
}

const ITEM_COLUMNS: &str = "i.id, i.thread_id, i.parent_id, i.kind, i.author, i.created_at, \
     i.title, i.text, i.source_json";

fn item_from_row(r: &Row<'_>) -> rusqlite::Result<Item> {
    let kind: String = r.get(3)?;
    let created: Option<String> = r.get(5)?;
    let source: String = r.get(8)?;
    let source: Source = serde_json::from_str(&source).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(Item {
        id: r.get(0)?,
        thread_id: r.get(1)?,
        parent_id: r.get(2)?,
        kind: if kind == "post" {
            ItemKind::Post
        } else {
            ItemKind::Comment
        },
        author: r.get(4)?,
        created_at: created.and_then(|c| chrono::DateTime::parse_from_rfc3339(&c).ok()),
        title: r.get(6)?,
        text: r.get(7)?,
        source,
    })
}

pub fn load_thread(c: &Connection, thread_id: &str) -> Result<Option<Thread>> {
    let head: Option<(Option<String>, Option<i64>)> = c
        .prepare_cached("SELECT title, declared_comments FROM threads WHERE id = ?1")?
        .query_row([thread_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((title, declared)) = head else {
        return Ok(None);
    };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM items i WHERE i.thread_id = ?1 ORDER BY i.seq"
    ))?;
    let items = stmt
        .query_map([thread_id], item_from_row)?
        .collect::<rusqlite::Result<Vec<Item>>>()?;
    let title = title.or_else(|| {
        items
            .iter()
            .find(|i| i.kind == ItemKind::Post)
            .and_then(|p| p.title.clone())
    });
    Ok(Some(Thread {
        thread_id: thread_id.to_string(),
        title,
        declared_comments: declared.map(|d| d as u64),
        items,
    }))
}

/// Stores assessed threads; returns the items newly at `imminent`.
pub fn save_assessed(
    tx: &Transaction<'_>,
    threads: &[AssessedThread],
    engine_version: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let now_s = ts(now);
    let mut imminent = Vec::new();
    for thread in threads {
        let mut complete = true;
        for ai in &thread.items {
            let current: Option<(i64, String, Option<i64>)> = tx
                .prepare_cached(
                    "SELECT version, content_hash, assessment_id FROM items WHERE id = ?1",
                )?
                .query_row([&ai.item.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((version, hash, assessment_id)) = current else {
                complete = false;
                continue;
            };
            if hash != content_hash(&ai.item) {
                // Edited since it was loaded: whoever stored the new text assesses it.
                complete = false;
                continue;
            }
            let json = serde_json::to_string(&ai.assessment)?;
            let previous: Option<(String, String, i64)> = match assessment_id {
                Some(id) => tx
                    .prepare_cached(
                        "SELECT assessment_json, engine_version, level FROM assessments
                         WHERE id = ?1 AND version = ?2",
                    )?
                    .query_row(params![id, version], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .optional()?,
                None => None,
            };
            let a = &ai.assessment;
            let same = previous
                .as_ref()
                .is_some_and(|(pj, pe, _)| *pj == json && pe == engine_version);
            if same {
                tx.prepare_cached(
                    "UPDATE items SET engine_version = ?2 WHERE id = ?1 AND engine_version IS NOT ?2",
                )?
                .execute(params![ai.item.id, engine_version])?;
                continue;
            }
            tx.prepare_cached(
                "INSERT INTO assessments(item_id, version, engine_version, level, cssrs,
                    confidence, assessment_json, assessed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                ai.item.id,
                version,
                engine_version,
                a.level.rank(),
                a.cssrs,
                a.confidence as f64,
                json,
                now_s
            ])?;
            let new_id = tx.last_insert_rowid();
            let supportive = a.reply.as_ref().is_some_and(|r| r.supportive);
            tx.prepare_cached(
                "UPDATE items SET assessment_id = ?2, engine_version = ?3, level = ?4, cssrs = ?5,
                    confidence = ?6, concern_for_other = ?7, explanation = ?8, supportive = ?9
                 WHERE id = ?1",
            )?
            .execute(params![
                ai.item.id,
                new_id,
                engine_version,
                a.level.rank(),
                a.cssrs,
                a.confidence as f64,
                a.concern_for_other,
                a.explanation,
                supportive
            ])?;
            let was_imminent = previous
                .as_ref()
                .is_some_and(|(_, _, l)| *l == Level::Imminent.rank() as i64);
            if a.level == Level::Imminent && !was_imminent {
                imminent.push(ai.item.id.clone());
            }
        }
        let stored: i64 = tx
            .prepare_cached("SELECT count(*) FROM items WHERE thread_id = ?1")?
            .query_row([&thread.summary.thread_id], |r| r.get(0))?;
        if complete && stored as usize == thread.items.len() {
            let s = &thread.summary;
            tx.prepare_cached(
                "INSERT INTO thread_summaries(thread_id, engine_version, level, highest_level,
                    unanswered_at_risk, summary_json, assessed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(thread_id) DO UPDATE SET engine_version = excluded.engine_version,
                    level = excluded.level, highest_level = excluded.highest_level,
                    unanswered_at_risk = excluded.unanswered_at_risk,
                    summary_json = excluded.summary_json, assessed_at = excluded.assessed_at
                 WHERE thread_summaries.summary_json IS NOT excluded.summary_json
                    OR thread_summaries.engine_version IS NOT excluded.engine_version",
            )?
            .execute(params![
                s.thread_id,
                engine_version,
                s.level.rank(),
                s.highest_level.rank(),
                s.unanswered_at_risk,
                serde_json::to_string(s)?,
                now_s
            ])?;
        }
    }
    Ok(imminent)
}

const STORED_COLUMNS: &str = "i.id, i.thread_id, i.parent_id, i.kind, i.author, i.created_at, \
     i.title, i.text, i.source_json, i.version, i.stored_at, i.state, i.claimed_by, \
     a.assessment_json, a.engine_version, a.version, i.level";

fn stored_from_row(r: &Row<'_>) -> rusqlite::Result<StoredItem> {
    let item = item_from_row(r)?;
    let version: i64 = r.get(9)?;
    let stored_at: String = r.get(10)?;
    let state: String = r.get(11)?;
    let json: Option<String> = r.get(13)?;
    let engine: Option<String> = r.get(14)?;
    let assessed_version: Option<i64> = r.get(15)?;
    let level: Option<i64> = r.get(16)?;
    let assessment = match (json, assessed_version) {
        (Some(json), Some(v)) if v == version => serde_json::from_str(&json).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, e.into())
        })?,
        (Some(_), Some(v)) => pending(level.map(level_of), Some(v), version, &item),
        _ => pending(None, None, version, &item),
    };
    Ok(StoredItem {
        assessed: AssessedItem { item, assessment },
        version: version as u32,
        engine_version: engine.unwrap_or_default(),
        stored_at: parse_ts(&stored_at)?,
        state: ItemState::from_db(&state),
        claimed_by: r.get(12)?,
        actions: Vec::new(),
    })
}

/// The assessment shown for a text not assessed yet: the earlier text's level if there was one
/// (an edit never makes an item disappear from the queue), no evidence (its spans were into the
/// earlier text), and a sentence saying so.
fn pending(level: Option<Level>, assessed: Option<i64>, version: i64, item: &Item) -> Assessment {
    let explanation = match (level, assessed) {
        (Some(level), Some(v)) => format!(
            "Edited since its last assessment: version {version} is waiting to be assessed; \
             the level shown ({level}) is that of version {v}."
        ),
        _ => "Not assessed yet: it is waiting for the engine.".to_string(),
    };
    Assessment {
        level: level.unwrap_or_default(),
        reply: (item.kind == ItemKind::Comment).then(ReplyAssessment::default),
        explanation,
        ..Assessment::default()
    }
}

fn attach_actions(c: &Connection, items: &mut [StoredItem]) -> Result<()> {
    for it in items {
        it.actions = moderation::actions_of(c, &it.assessed.item.id)?;
    }
    Ok(())
}

pub fn stored_item(c: &Connection, item_id: &str) -> Result<Option<StoredItem>> {
    let item = c
        .prepare_cached(&format!(
            "SELECT {STORED_COLUMNS} FROM items i
             LEFT JOIN assessments a ON a.id = i.assessment_id WHERE i.id = ?1"
        ))?
        .query_row([item_id], stored_from_row)
        .optional()?;
    let Some(item) = item else { return Ok(None) };
    let mut items = [item];
    attach_actions(c, &mut items)?;
    let [item] = items;
    Ok(Some(item))
}

pub fn thread_view(c: &Connection, thread_id: &str) -> Result<Option<ThreadView>> {
    let head: Option<(Option<String>, Option<String>)> = c
        .prepare_cached(
            "SELECT t.title, s.summary_json FROM threads t
             LEFT JOIN thread_summaries s ON s.thread_id = t.id WHERE t.id = ?1",
        )?
        .query_row([thread_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((title, summary_json)) = head else {
        return Ok(None);
    };
    let mut items = c
        .prepare_cached(&format!(
            "SELECT {STORED_COLUMNS} FROM items i
             LEFT JOIN assessments a ON a.id = i.assessment_id
             WHERE i.thread_id = ?1 ORDER BY i.seq"
        ))?
        .query_map([thread_id], stored_from_row)?
        .collect::<rusqlite::Result<Vec<StoredItem>>>()?;
    attach_actions(c, &mut items)?;
    // Post first, comments in reading order.
    items.sort_by_key(|i| i.assessed.item.kind != ItemKind::Post);
    let summary = match summary_json {
        Some(json) => serde_json::from_str(&json)?,
        None => pending_summary(thread_id, title, &items),
    };
    Ok(Some(ThreadView { summary, items }))
}

fn pending_summary(thread_id: &str, title: Option<String>, items: &[StoredItem]) -> ThreadSummary {
    let highest = items
        .iter()
        .map(|i| i.assessed.assessment.level)
        .max()
        .unwrap_or_default();
    let post = items
        .iter()
        .find(|i| i.assessed.item.kind == ItemKind::Post);
    ThreadSummary {
        kind: "thread".into(),
        thread_id: thread_id.to_string(),
        title,
        level: post.map(|p| p.assessed.assessment.level).unwrap_or(highest),
        highest_level: highest,
        post_id: post.map(|p| p.assessed.item.id.clone()),
        unanswered_at_risk: false,
        unanswered_items: Vec::new(),
        replies: Default::default(),
        explanation: "The thread is waiting to be assessed.".into(),
    }
}

pub fn history(c: &Connection, item_id: &str) -> Result<Vec<ItemVersion>> {
    // Per version, the latest assessment of that text.
    let mut stmt = c.prepare_cached(
        "SELECT v.version, v.title, v.text, v.stored_at, a.level, a.cssrs, a.engine_version
         FROM item_versions v
         LEFT JOIN assessments a ON a.id = (
             SELECT max(id) FROM assessments x WHERE x.item_id = v.item_id AND x.version = v.version)
         WHERE v.item_id = ?1 ORDER BY v.version",
    )?;
    let rows = stmt.query_map([item_id], |r| {
        let stored_at: String = r.get(3)?;
        Ok(ItemVersion {
            version: r.get::<_, i64>(0)? as u32,
            title: r.get(1)?,
            text: r.get(2)?,
            stored_at: parse_ts(&stored_at)?,
            level: r
                .get::<_, Option<i64>>(4)?
                .map(level_of)
                .unwrap_or_default(),
            cssrs: r.get::<_, Option<i64>>(5)?.unwrap_or(0) as u8,
            engine_version: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
