//! Placeholder: being written.

use std::io::BufRead;

use crate::{util, Format, Position, Reader, Severity, Sink};

#[derive(Debug, Clone, Copy, Default)]
pub struct PushshiftReader;

impl Reader for PushshiftReader {
    fn format(&self) -> Format {
        Format::Pushshift
    }

    fn read(&self, _input: &mut dyn BufRead, file: &str, out: &mut dyn Sink) {
        out.diagnostic(util::diag(
            file,
            Position::default(),
            Severity::Fatal,
            "reader not written yet",
        ));
    }
}
