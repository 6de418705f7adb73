use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Position;

/// How bad a diagnostic is for the record it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record was read, but something in it was dropped or could not be understood (an
    /// unparseable date, say). The item still goes through.
    Degraded,
    /// The record was not read. The good records around it still go through.
    Rejected,
    /// The rest of the file could not be read (truncated XML, binary junk, an I/O error).
    /// Items read before this point still go through.
    Fatal,
}

/// A problem with one record of one file, told to the person running threadcare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub position: Position,
    pub severity: Severity,
    pub reason: String,
}

impl Diagnostic {
    pub fn new(
        file: impl Into<String>,
        position: Position,
        severity: Severity,
        reason: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            position,
            severity,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.severity {
            Severity::Degraded => "warning",
            Severity::Rejected => "rejected",
            Severity::Fatal => "error",
        };
        write!(
            f,
            "{what}: {}: {}: {}",
            self.file, self.position, self.reason
        )
    }
}
