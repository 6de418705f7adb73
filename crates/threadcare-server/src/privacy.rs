//! What researchers see: every response that carries items, writers or text goes through here
//! when the caller's role is `researcher`.
//!
//! The work is `threadcare_store::deid`: writers become keyed pseudonyms (`writer-XXXXXXXX`,
//! stable within one database), and names, e-mail addresses, phone numbers, URLs and @handles are
//! redacted in texts, titles, explanations and notes, with evidence spans re-mapped. Here the
//! redactor knows *every* writer of the database, not only those of one thread: a post may name
//! a writer from elsewhere.

use threadcare_store::deid::{Deidentifier, Redactor};
use threadcare_store::{ItemVersion, QueueEntry, Store, StoredItem, ThreadView, Timeline};

pub struct Privacy {
    deid: Deidentifier,
    redactor: Redactor,
}

impl Privacy {
    /// With the store's pseudonym key and every writer's name.
    pub fn for_store(store: &dyn Store) -> threadcare_store::Result<Privacy> {
        let deid = Deidentifier::for_store(store)?;
        let names = store.authors()?;
        Ok(Privacy {
            deid,
            redactor: Redactor::new(&names),
        })
    }

    pub fn author(&self, name: &str) -> String {
        self.deid.pseudonym(name)
    }

    pub fn stored_item(&self, item: &mut StoredItem) {
        self.deid.stored_item(item, &self.redactor);
    }

    pub fn thread(&self, view: &mut ThreadView) {
        for item in &mut view.items {
            self.deid.stored_item(item, &self.redactor);
        }
        if let Some(t) = &mut view.summary.title {
            self.redactor.redact_in_place(t);
        }
        self.redactor.redact_in_place(&mut view.summary.explanation);
    }

    pub fn queue_entry(&self, entry: &mut QueueEntry) {
        self.deid.queue_entry(entry, &self.redactor);
        if let Some(trend) = &mut entry.trend {
            self.redactor.redact_in_place(&mut trend.explanation);
        }
    }

    pub fn item_version(&self, version: &mut ItemVersion) {
        self.deid.item_version(version, &self.redactor);
    }

    pub fn timeline(&self, timeline: &mut Timeline) {
        self.deid.timeline(timeline);
        if let Some(alert) = &mut timeline.alert {
            self.redactor.redact_in_place(&mut alert.explanation);
        }
    }
}
