//! The Atom reader on arbitrary bytes: no panic, and the invariants of `threadcare_fuzz::check`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use threadcare_ingest::Format;

fuzz_target!(|data: &[u8]| {
    threadcare_fuzz::read_as(Format::Atom, data);
});
