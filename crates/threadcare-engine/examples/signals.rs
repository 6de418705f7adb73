//! Prints the signals the engine finds in a file (or standard input), one per line, with
//! context: a tool for people writing construct files.
//!
//!     cargo run -q -p threadcare-engine --example signals -- some.txt

use std::io::Read;

fn main() {
    let mut text = String::new();
    match std::env::args().nth(1) {
        Some(path) if path != "-" => {
            text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
        }
        _ => {
            std::io::stdin().read_to_string(&mut text).unwrap();
        }
    }
    let engine = threadcare_engine::Signals::embedded().unwrap_or_else(|e| panic!("{e}"));
    for s in engine.find(&text) {
        let line = text[..s.start].matches('\n').count() + 1;
        let flags = s.context_flags();
        let cues: Vec<String> = s
            .cues
            .iter()
            .map(|c| format!("{}:{:?}", c.category, c.text))
            .collect();
        println!(
            "line {line:>3}  {:<22} {:<40} [{}] {}",
            s.construct,
            format!("{:?}", s.text),
            flags.join(","),
            cues.join(" ")
        );
    }
}
