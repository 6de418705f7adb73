//! Synthetic items for the store's tests (our own words).

#![allow(dead_code)]

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, TimeZone};
use threadcare_core::{Format, Item, ItemKind, Position, Source};
use threadcare_engine::Engine;

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::embedded().expect("the embedded engine loads"))
}

pub fn at(day: u32, hour: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(0)
        .unwrap()
        .with_ymd_and_hms(2025, 5, day, hour, 0, 0)
        .unwrap()
}

pub fn item(
    id: &str,
    thread: &str,
    parent: Option<&str>,
    author: &str,
    when: Option<DateTime<FixedOffset>>,
    text: &str,
) -> Item {
    Item {
        id: id.into(),
        thread_id: thread.into(),
        parent_id: parent.map(str::to_string),
        kind: if parent.is_none() {
            ItemKind::Post
        } else {
            ItemKind::Comment
        },
        author: Some(author.into()),
        created_at: when,
        title: parent.is_none().then(|| format!("thread {thread}")),
        text: text.into(),
        source: Source {
            format: Format::Jsonl,
            file: "synthetic.jsonl".into(),
            position: Position::line(1),
        },
    }
}

pub const IMMINENT: &str =
    "I took the whole bottle of my pills an hour ago and I wrote my goodbye letters tonight.";
pub const SEVERE: &str =
    "I have been thinking about how I would kill myself, which pills and how many.";
pub const MODERATE: &str = "Some nights I wish I could just go to sleep and not wake up.";
pub const LOW: &str = "I feel anxious before my appointments.";
pub const NONE: &str = "The bus was late again, this commute is killing me, haha.";
pub const SUPPORTIVE: &str =
    "I'm so sorry you are going through this, that sounds really painful. \
     Please call a crisis line or go to the emergency room right now, you deserve support.";
