//! Placeholder: being written.

use std::io::BufRead;

use crate::{util, Format, Position, Reader, Severity, Sink};

#[derive(Debug, Clone, Copy)]
pub struct FeedReader {
    format: Format,
}

impl FeedReader {
    pub fn rss() -> Self {
        FeedReader {
            format: Format::Rss,
        }
    }
    pub fn atom() -> Self {
        FeedReader {
            format: Format::Atom,
        }
    }
}

impl Reader for FeedReader {
    fn format(&self) -> Format {
        self.format
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
