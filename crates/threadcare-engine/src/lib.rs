//! The assessment engine (being built: see issue 3).
//!
//! Text → tokens and sentences ([`token`]) → construct matches ([`pattern`], patterns from the
//! data files in `constructs/`) → context ([`context`], rules from `context/`) → signals
//! ([`engine::Signals`]).

pub mod assess;
pub mod construct;
pub mod context;
pub mod engine;
pub mod gate;
pub mod model;
pub mod pattern;
pub mod token;

pub use assess::{AssessedThread, Engine, ThreadSummary, ENGINE_VERSION};
pub use engine::{EngineError, Signals};
