//! What the probe suites share: reading their JSON Lines files, with errors that name the file
//! and the line.

// Each test binary uses a part of this.
#![allow(dead_code)]

use serde_json::Value;

/// One record of a JSON Lines file of `tests/data/`.
pub struct Record {
    /// The file and line, for messages.
    pub at: String,
    pub value: Value,
}

impl Record {
    /// A string field the record must have.
    pub fn text(&self, key: &str) -> String {
        self.value[key]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no string field {key:?}", self.at))
            .to_string()
    }

    /// A boolean field the record must have.
    pub fn flag(&self, key: &str) -> bool {
        self.value[key]
            .as_bool()
            .unwrap_or_else(|| panic!("{}: no boolean field {key:?}", self.at))
    }

    /// A list of strings the record must have.
    pub fn strings(&self, key: &str) -> Vec<String> {
        self.value[key]
            .as_array()
            .unwrap_or_else(|| panic!("{}: {key:?} is not a list", self.at))
            .iter()
            .map(|v| {
                v.as_str()
                    .unwrap_or_else(|| panic!("{}: {key:?} holds a non-string", self.at))
                    .to_string()
            })
            .collect()
    }
}

/// The non-blank lines of `tests/data/{name}`, each parsed as JSON.
pub fn read_jsonl(name: &str) -> Vec<Record> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    data.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let at = format!("{path} line {}", n + 1);
            let value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{at}: not JSON: {e}"));
            Record { at, value }
        })
        .collect()
}
