//! Evaluation of the threadcare engine on public research data sets (`DESIGN.md` §8, issue 3).
//!
//! The sets are read in place from `../shared/datasets` and never copied; only ids, labels and
//! scores leave this crate. [`data`] loads each set (reporting, never silently dropping, the
//! rows it cannot use), [`tasks`] runs the engine and scores it with [`metrics`], [`predictor`]
//! is where a trained component plugs in per cross-validation fold, and [`report`] writes the
//! Markdown report.

pub mod data;
pub mod gaur;
pub mod metrics;
pub mod predictor;
pub mod pylist;
pub mod report;
pub mod report_models;
pub mod tasks;
pub mod trained;
pub mod training;

pub use tasks::{evaluate, Evaluation, Outcome};
