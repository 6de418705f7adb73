//! The queue, timelines, moderators' actions, the audit log, forgetting a writer, counts.

use std::cmp::Reverse;
use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use threadcare_core::ItemKind;

use super::{level_of, parse_ts, ts};
use crate::timeline::trend_alert;
use crate::{
    Action, ActionKind, AuditEntry, ForgetReport, ItemState, NewAction, NewAudit, QueueEntry,
    QueueFilter, Result, Stats, StoreError, Timeline, TimelinePoint, TrendAlert,
};

/// The actor of what threadcare itself does (reopening an edited item).
pub const SYSTEM_ACTOR: &str = "threadcare";
/// Longest note kept with an action.
const MAX_NOTE: usize = 10_000;

impl ItemState {
    pub(crate) fn as_db(self) -> &'static str {
        match self {
            ItemState::Open => "open",
            ItemState::Claimed => "claimed",
            ItemState::Responded => "responded",
            ItemState::Resolved => "resolved",
        }
    }

    pub(crate) fn from_db(s: &str) -> ItemState {
        match s {
            "claimed" => ItemState::Claimed,
            "responded" => ItemState::Responded,
            "resolved" => ItemState::Resolved,
            _ => ItemState::Open,
        }
    }
}

impl ActionKind {
    fn from_db(s: &str) -> rusqlite::Result<ActionKind> {
        Ok(match s {
            "claim" => ActionKind::Claim,
            "unclaim" => ActionKind::Unclaim,
            "note" => ActionKind::Note,
            "responded" => ActionKind::Responded,
            "resolve" => ActionKind::Resolve,
            "reopen" => ActionKind::Reopen,
            other => {
                return Err(rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("unknown action kind {other:?}").into(),
                ))
            }
        })
    }
}

/// An item's moderation, derived from its actions in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moderation {
    pub claimed_by: Option<String>,
    pub responded: bool,
    pub resolved: bool,
}

impl Moderation {
    pub fn of<'a>(actions: impl IntoIterator<Item = (ActionKind, &'a str)>) -> Moderation {
        let mut m = Moderation::default();
        for (kind, actor) in actions {
            m.apply(kind, actor);
        }
        m
    }

    pub fn state(&self) -> ItemState {
        if self.resolved {
            ItemState::Resolved
        } else if self.responded {
            ItemState::Responded
        } else if self.claimed_by.is_some() {
            ItemState::Claimed
        } else {
            ItemState::Open
        }
    }

    pub fn apply(&mut self, kind: ActionKind, actor: &str) {
        match kind {
            ActionKind::Claim => self.claimed_by = Some(actor.to_string()),
            ActionKind::Unclaim => self.claimed_by = None,
            ActionKind::Note => {}
            ActionKind::Responded => self.responded = true,
            ActionKind::Resolve => {
                self.resolved = true;
                self.claimed_by = None;
            }
            ActionKind::Reopen => *self = Moderation::default(),
        }
    }

    /// Whether `kind` by `actor` makes sense now.
    pub fn check(
        &self,
        item_id: &str,
        kind: ActionKind,
        actor: &str,
        note: Option<&str>,
    ) -> Result<()> {
        let has_note = note.is_some_and(|n| !n.trim().is_empty());
        match kind {
            ActionKind::Note if !has_note => {
                return Err(StoreError::Invalid("a note needs its text".into()))
            }
            ActionKind::Responded if !has_note => {
                return Err(StoreError::Invalid(
                    "marking an item responded needs a note saying what was done".into(),
                ))
            }
            _ => {}
        }
        let conflict = |why: String| Err(StoreError::Conflict(format!("item {item_id} {why}")));
        match kind {
            ActionKind::Claim => {
                if self.resolved {
                    return conflict("is resolved; reopen it first".into());
                }
                if let Some(holder) = &self.claimed_by {
                    if holder != actor {
                        return conflict(format!("is claimed by {holder}"));
                    }
                }
            }
            ActionKind::Unclaim => match &self.claimed_by {
                None => return conflict("is not claimed".into()),
                Some(holder) if holder != actor => {
                    return conflict(format!("is claimed by {holder}; only they can release it"))
                }
                Some(_) => {}
            },
            ActionKind::Responded if self.resolved => {
                return conflict("is resolved; reopen it first".into())
            }
            ActionKind::Resolve if self.resolved => return conflict("is already resolved".into()),
            ActionKind::Reopen if !self.resolved && !self.responded => {
                return conflict("is open already".into())
            }
            _ => {}
        }
        Ok(())
    }
}

pub fn actions_of(c: &Connection, item_id: &str) -> Result<Vec<Action>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, item_id, kind, actor, note, at FROM actions WHERE item_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([item_id], |r| {
        let kind: String = r.get(2)?;
        let at: String = r.get(5)?;
        Ok(Action {
            id: r.get(0)?,
            item_id: r.get(1)?,
            kind: ActionKind::from_db(&kind)?,
            actor: r.get(3)?,
            note: r.get(4)?,
            at: parse_ts(&at)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn moderation_of(c: &Connection, item_id: &str) -> Result<Moderation> {
    let actions = actions_of(c, item_id)?;
    Ok(Moderation::of(
        actions.iter().map(|a| (a.kind, a.actor.as_str())),
    ))
}

fn save_moderation(tx: &Transaction<'_>, item_id: &str, m: &Moderation) -> Result<()> {
    tx.prepare_cached(
        "UPDATE items SET state = ?2, claimed_by = ?3, responded = ?4 WHERE id = ?1",
    )?
    .execute(params![
        item_id,
        m.state().as_db(),
        m.claimed_by,
        m.responded
    ])?;
    Ok(())
}

fn insert_action(
    tx: &Transaction<'_>,
    item_id: &str,
    kind: ActionKind,
    actor: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Action> {
    tx.prepare_cached(
        "INSERT INTO actions(item_id, kind, actor, note, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![item_id, kind.as_str(), actor, note, ts(now)])?;
    Ok(Action {
        id: tx.last_insert_rowid(),
        item_id: item_id.to_string(),
        kind,
        actor: actor.to_string(),
        note: note.map(str::to_string),
        at: now,
    })
}

pub fn record_action(
    tx: &Transaction<'_>,
    action: &NewAction,
    now: DateTime<Utc>,
) -> Result<Action> {
    let actor = action.actor.trim();
    if actor.is_empty() {
        return Err(StoreError::Invalid("an action needs who did it".into()));
    }
    if action
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(StoreError::Invalid(format!(
            "the note is longer than {MAX_NOTE} characters"
        )));
    }
    let level: Option<Option<i64>> = tx
        .prepare_cached("SELECT level FROM items WHERE id = ?1")?
        .query_row([&action.item_id], |r| r.get(0))
        .optional()?;
    let Some(level) = level else {
        return Err(StoreError::NotFound(format!("item {}", action.item_id)));
    };
    let mut m = moderation_of(tx, &action.item_id)?;
    let note = action
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    m.check(&action.item_id, action.kind, actor, note)?;
    let recorded = insert_action(tx, &action.item_id, action.kind, actor, note, now)?;
    m.apply(action.kind, actor);
    save_moderation(tx, &action.item_id, &m)?;
    // The note may hold details about a person: the audit line names the kind only.
    audit(
        tx,
        &NewAudit {
            actor: actor.to_string(),
            event: "action".into(),
            item_id: Some(action.item_id.clone()),
            level: level.map(level_of),
            detail: Some(action.kind.as_str().into()),
        },
        now,
    )?;
    Ok(recorded)
}

/// A resolved item whose text changed is reopened (by threadcare, with a note).
pub fn reopen_edited(
    tx: &Transaction<'_>,
    item_id: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let note = format!("The writer edited it (version {version}): reopened.");
    insert_action(
        tx,
        item_id,
        ActionKind::Reopen,
        SYSTEM_ACTOR,
        Some(&note),
        now,
    )?;
    let m = moderation_of(tx, item_id)?;
    save_moderation(tx, item_id, &m)
}

pub fn audit(tx: &Connection, entry: &NewAudit, now: DateTime<Utc>) -> Result<()> {
    if entry.actor.trim().is_empty() || entry.event.trim().is_empty() {
        return Err(StoreError::Invalid(
            "an audit line needs an actor and an event".into(),
        ));
    }
    tx.prepare_cached(
        "INSERT INTO audit(at, actor, event, item_id, level, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        ts(now),
        entry.actor,
        entry.event,
        entry.item_id,
        entry.level.map(|l| l.rank()),
        entry.detail
    ])?;
    Ok(())
}

pub fn audit_log(c: &Connection, limit: usize, offset: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, at, actor, event, item_id, level, detail FROM audit
         ORDER BY id DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt.query_map(
        params![
            limit.min(i64::MAX as usize) as i64,
            offset.min(i64::MAX as usize) as i64
        ],
        |r| {
            let at: String = r.get(1)?;
            Ok(AuditEntry {
                id: r.get(0)?,
                at: parse_ts(&at)?,
                actor: r.get(2)?,
                event: r.get(3)?,
                item_id: r.get(4)?,
                level: r.get::<_, Option<i64>>(5)?.map(level_of),
                detail: r.get(6)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn ms(at_ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(at_ms).single().unwrap_or_default()
}

fn kind_of(s: &str) -> ItemKind {
    if s == "post" {
        ItemKind::Post
    } else {
        ItemKind::Comment
    }
}

pub fn points(c: &Connection, author: &str) -> Result<Vec<TimelinePoint>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, thread_id, kind, at_ms, level, cssrs FROM items
         WHERE author = ?1 AND level IS NOT NULL ORDER BY at_ms, thread_id, seq",
    )?;
    let rows = stmt.query_map([author], |r| {
        let kind: String = r.get(2)?;
        Ok(TimelinePoint {
            item_id: r.get(0)?,
            thread_id: r.get(1)?,
            kind: kind_of(&kind),
            at: ms(r.get(3)?),
            level: level_of(r.get(4)?),
            cssrs: r.get::<_, i64>(5)? as u8,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn timeline(c: &Connection, author: &str) -> Result<Option<Timeline>> {
    let points = points(c, author)?;
    if points.is_empty() {
        let any: bool = c
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM items WHERE author = ?1)")?
            .query_row([author], |r| r.get(0))?;
        if !any {
            return Ok(None);
        }
    }
    let alert = trend_alert(author, &points);
    Ok(Some(Timeline {
        author: author.to_string(),
        points,
        alert,
    }))
}

pub fn queue(c: &Connection, filter: &QueueFilter, now: DateTime<Utc>) -> Result<Vec<QueueEntry>> {
    let mut stmt = c.prepare_cached(
        "SELECT i.id, i.thread_id, t.title, i.kind, i.author, i.created_at, i.at_ms, i.level,
                i.cssrs, i.confidence, i.concern_for_other, i.explanation, i.state, i.claimed_by,
                i.responded, COALESCE(s.unanswered_at_risk, 0),
                EXISTS(SELECT 1 FROM items r
                       WHERE r.parent_id = i.id AND r.thread_id = i.thread_id AND r.supportive = 1
                         AND (r.author IS NULL OR i.author IS NULL OR r.author <> i.author))
         FROM items i
         JOIN threads t ON t.id = i.thread_id
         LEFT JOIN thread_summaries s ON s.thread_id = i.thread_id
         WHERE i.level >= ?1 AND (?2 OR i.state <> 'resolved')",
    )?;
    let mut entries: Vec<(QueueEntry, i64)> = stmt
        .query_map(
            params![filter.min_level.rank(), filter.include_resolved],
            |r| {
                let kind: String = r.get(3)?;
                let created: Option<String> = r.get(5)?;
                let at_ms: i64 = r.get(6)?;
                let state: String = r.get(12)?;
                let responded: bool = r.get(14)?;
                let answered: bool = r.get(16)?;
                let waiting_since = (!responded && !answered).then(|| ms(at_ms));
                Ok((
                    QueueEntry {
                        item_id: r.get(0)?,
                        thread_id: r.get(1)?,
                        thread_title: r.get(2)?,
                        kind: kind_of(&kind),
                        author: r.get(4)?,
                        created_at: created
                            .and_then(|c| DateTime::parse_from_rfc3339(&c).ok())
                            .map(|d| d.with_timezone(&Utc)),
                        level: level_of(r.get(7)?),
                        cssrs: r.get::<_, Option<i64>>(8)?.unwrap_or(0) as u8,
                        confidence: r.get::<_, Option<f64>>(9)?.unwrap_or(0.0) as f32,
                        concern_for_other: r.get::<_, Option<bool>>(10)?.unwrap_or(false),
                        explanation: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                        waiting_since,
                        waiting_seconds: waiting_since.map(|s| (now - s).num_seconds().max(0)),
                        unanswered_at_risk: r.get(15)?,
                        state: ItemState::from_db(&state),
                        claimed_by: r.get(13)?,
                        trend: None,
                    },
                    at_ms,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let mut trends: HashMap<String, Option<TrendAlert>> = HashMap::new();
    for (e, _) in &mut entries {
        if let Some(author) = &e.author {
            if !trends.contains_key(author) {
                let alert = trend_alert(author, &points(c, author)?);
                trends.insert(author.clone(), alert);
            }
            e.trend = trends[author].clone();
        }
    }
    entries.sort_by(|(a, at_a), (b, at_b)| urgency(a, *at_a).cmp(&urgency(b, *at_b)));
    Ok(entries
        .into_iter()
        .skip(filter.offset)
        .take(filter.limit)
        .map(|(e, _)| e)
        .collect())
}

/// The queue's order: level first, then the longest wait without a supportive answer, then
/// threads whose person at risk is unanswered, then a writer whose level is rising; ties go to
/// the older item, then by id (a stable order).
fn urgency(e: &QueueEntry, at_ms: i64) -> impl Ord + '_ {
    (
        Reverse(e.level),
        Reverse(e.waiting_seconds.map(|s| s.saturating_add(1)).unwrap_or(0)),
        Reverse(e.unanswered_at_risk),
        Reverse(e.trend.is_some()),
        at_ms,
        e.item_id.as_str(),
    )
}

pub fn stats(c: &Connection) -> Result<Stats> {
    let count = |sql: &str| -> Result<u64> {
        Ok(c.prepare_cached(sql)?
            .query_row([], |r| r.get::<_, i64>(0))? as u64)
    };
    let mut stats = Stats {
        threads: count("SELECT count(*) FROM threads")?,
        items: count("SELECT count(*) FROM items")?,
        actions: count("SELECT count(*) FROM actions")?,
        ..Stats::default()
    };
    let mut stmt = c.prepare_cached(
        "SELECT level, count(*) FROM items
         WHERE level IS NOT NULL AND state <> 'resolved' GROUP BY level",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (level, n) = row?;
        stats.open_by_level[level_of(level).rank() as usize] = n as u64;
    }
    Ok(stats)
}

pub fn forget_author(
    tx: &Transaction<'_>,
    author: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ForgetReport> {
    if author.is_empty() {
        return Err(StoreError::Invalid("forget needs the writer's name".into()));
    }
    const THEIRS: &str = "(SELECT id FROM items WHERE author = ?1)";
    let mut report = ForgetReport {
        actions: tx.execute(
            &format!("DELETE FROM actions WHERE item_id IN {THEIRS}"),
            [author],
        )? as u64,
        assessments: tx.execute(
            &format!("DELETE FROM assessments WHERE item_id IN {THEIRS}"),
            [author],
        )? as u64,
        item_versions: tx.execute(
            &format!("DELETE FROM item_versions WHERE item_id IN {THEIRS}"),
            [author],
        )? as u64,
        audit_scrubbed: tx.execute(
            &format!("UPDATE audit SET item_id = NULL WHERE item_id IN {THEIRS}"),
            [author],
        )? as u64,
        ..ForgetReport::default()
    };
    let threads: Vec<String> = {
        let mut stmt = tx.prepare("SELECT DISTINCT thread_id FROM items WHERE author = ?1")?;
        let rows = stmt.query_map([author], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    report.items = tx.execute("DELETE FROM items WHERE author = ?1", [author])? as u64;
    for thread in &threads {
        let left: i64 = tx.query_row(
            "SELECT count(*) FROM items WHERE thread_id = ?1",
            [thread],
            |r| r.get(0),
        )?;
        if left == 0 {
            report.threads += tx.execute("DELETE FROM threads WHERE id = ?1", [thread])? as u64;
        } else {
            // The summary may quote what was removed, and the replies were judged against it:
            // drop the summary and mark the rest stale (the next ingest re-assesses them). Their
            // levels stay in the queue meanwhile.
            tx.execute(
                "DELETE FROM thread_summaries WHERE thread_id = ?1",
                [thread],
            )?;
            tx.execute(
                "UPDATE items SET engine_version = NULL WHERE thread_id = ?1",
                [thread],
            )?;
        }
    }
    audit(
        tx,
        &NewAudit {
            actor: actor.to_string(),
            event: "forget".into(),
            item_id: None,
            level: None,
            detail: Some(format!("removed {}", report.describe())),
        },
        now,
    )?;
    Ok(report)
}
