//! The thread model that every other part of threadcare shares.
//!
//! A [`Thread`] is one post and a tree of comments. Every text in it, post or comment, is an
//! [`Item`] with the fields fixed by `DESIGN.md` §2. Readers (in `threadcare-ingest`) only ever
//! produce items and [`ThreadMeta`]; the engine attaches an assessment *beside* an item (it never
//! changes the item), so readers stay ignorant of risk and the engine stays ignorant of formats.
//!
//! Offsets anywhere in threadcare are byte offsets into `Item::text` as UTF-8, half-open.
//!
//! This crate does no I/O, so it can be used from the readers, the engine, the store and the
//! server alike.

mod assessment;
mod diagnostic;
mod id;
mod item;
mod name;
pub mod time;

pub use assessment::{
    AssessedItem, Assessment, Certainty, Cue, Empathy, Experiencer, Factors, Level,
    ReplyAssessment, Signal, Temporality,
};
pub use diagnostic::{Diagnostic, Severity};
pub use id::content_id;
pub use item::{Format, Item, ItemKind, Position, Source, Thread, ThreadMeta};
pub use name::Name;
