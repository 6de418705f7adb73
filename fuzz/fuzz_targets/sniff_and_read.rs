//! `--from auto` on arbitrary bytes: sniffing picks a reader (or says why none fits), and that
//! reader holds to the invariants of `threadcare_fuzz::check`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    threadcare_fuzz::sniff_and_read(data);
});
