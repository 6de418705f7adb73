use std::time::Instant;
use threadcare_engine::Engine;
fn main() {
    let e = Engine::embedded().unwrap();
    let r = Engine::rules_only().unwrap();
    let texts = [
        "ok",
        "Thanks, that helps a lot.",
        "I had a long day at work and my boss was annoying again, but I made it home and cooked dinner with my partner. We watched a film and went to bed early.",
    ];
    for eng in [&e, &r] {
        for t in &texts {
            for _ in 0..200 {
                std::hint::black_box(eng.assess_text(t));
            }
            let n = 20000;
            let s = Instant::now();
            for _ in 0..n {
                std::hint::black_box(eng.assess_text(t));
            }
            let per = s.elapsed().as_secs_f64() / n as f64;
            println!(
                "{:>4} bytes: {:8.2} us/text, {:6.2} MB/s",
                t.len(),
                per * 1e6,
                t.len() as f64 / per / 1e6
            );
        }
    }
}
