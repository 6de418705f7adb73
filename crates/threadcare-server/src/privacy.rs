//! What researchers see: every response that carries items, writers or text goes through here
//! when the caller's role is `researcher` (see `threadcare_store::deid`).

use threadcare_store::{ItemVersion, QueueEntry, StoredItem, ThreadView, Timeline};

pub fn author(name: &str) -> String {
    todo!("deid")
}
pub fn stored_item(item: &mut StoredItem) {}
pub fn thread(view: &mut ThreadView) {}
pub fn queue_entry(entry: &mut QueueEntry) {}
pub fn item_version(v: &mut ItemVersion) {}
pub fn timeline(t: &mut Timeline) {}
