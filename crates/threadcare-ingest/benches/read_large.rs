//! How fast, and in how much memory, the streaming readers get through a large file.
//!
//! For each streaming format (Pushshift NDJSON, JSON Lines, CSV, WordPress WXR) this writes a
//! synthetic file of the target size under `target/bench-data/` (streamed to disk, never built
//! in memory; reused when a complete one of that size is already there), then reads it twice in
//! this process: once with a plain `BufReader` that only counts lines (what the disk and the
//! page cache allow), and once with the threadcare reader into a sink that counts items and
//! drops them. For each read it prints MB/s, items (or lines) per second, the reader's speed
//! as a fraction of the baseline's, and the peak resident memory during that read.
//!
//! Run: `cargo bench -p threadcare-ingest --bench read_large` (1 GiB per format), or with
//! `THREADCARE_BENCH_BYTES=100M` (or a plain number of bytes) for a quicker run, and
//! `THREADCARE_BENCH_FORMATS=csv,wxr` to pick formats. Under `cargo test --benches` (no
//! `--bench` argument) it runs a 2 MB smoke version.
//!
//! It asserts nothing about speed. It does check that each reader read back exactly the items
//! that were written, with no diagnostics, since a figure for a reader that misreads is
//! worthless.
//!
//! Peak memory: before each read the kernel's high-water mark is reset by writing `5` to
//! `/proc/self/clear_refs`, and `VmHWM` is read from `/proc/self/status` afterwards. Where the
//! reset is refused, the figure is the peak of the whole process so far, and the table says so.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use threadcare_ingest::{read_file, Diagnostic, Format, Item, ItemKind, Sink, SNIFF_BYTES};

/// Bumped whenever the generated content changes, so that stale files are not reused.
const GENERATOR_VERSION: u32 = 1;

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let target = match std::env::var("THREADCARE_BENCH_BYTES") {
        Ok(raw) => parse_size(&raw).unwrap_or_else(|| {
            eprintln!(
                "THREADCARE_BENCH_BYTES={raw:?}: expected bytes, e.g. 50000000, 100M or 1GiB"
            );
            std::process::exit(2)
        }),
        Err(_) if benching => 1 << 30,
        Err(_) => 2_000_000,
    };
    let wanted: Option<Vec<String>> = std::env::var("THREADCARE_BENCH_FORMATS").ok().map(|v| {
        v.split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect()
    });
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| {
            wanted
                .as_ref()
                .is_none_or(|w| w.iter().any(|n| n == k.name() || n == k.format().name()))
        })
        .collect();

    let dir = data_dir();
    fs::create_dir_all(&dir).expect("create the bench data directory");
    let dir = dir.canonicalize().unwrap_or(dir);
    let peak_resettable = reset_peak();
    println!(
        "read_large: {} per format, files in {}",
        human(target),
        dir.display()
    );

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for kind in kinds {
        let (path, written) = ensure_file(&dir, kind, target);
        let bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        // Warm the page cache so that neither timed read pays for the disk.
        let _ = baseline(&path);
        let base = measure(|| baseline(&path));
        let read = measure(|| threadcare(&path, kind.format()));
        let (lines, _) = base.value;
        let counts = read.value;
        if counts.items != written.items || counts.comments != written.comments {
            problems.push(format!(
                "{}: wrote {} items ({} comments), the reader gave {} ({} comments)",
                kind.name(),
                written.items,
                written.comments,
                counts.items,
                counts.comments
            ));
        }
        if counts.diagnostics > 0 {
            problems.push(format!(
                "{}: {} diagnostics on generated data, the first: {}",
                kind.name(),
                counts.diagnostics,
                counts.first_diagnostic.as_deref().unwrap_or("?")
            ));
        }
        let base_rate = bytes as f64 / base.elapsed.as_secs_f64();
        let read_rate = bytes as f64 / read.elapsed.as_secs_f64();
        rows.push(Row {
            format: kind.name(),
            pass: "baseline (lines)",
            bytes,
            elapsed: base.elapsed,
            units: lines,
            ratio: None,
            peak: base.peak,
        });
        rows.push(Row {
            format: kind.name(),
            pass: "threadcare (items)",
            bytes,
            elapsed: read.elapsed,
            units: counts.items,
            ratio: Some(read_rate / base_rate),
            peak: read.peak,
        });
    }
    print_table(&rows, peak_resettable);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("read_large: {p}");
        }
        std::process::exit(1);
    }
}

/// The formats measured, each with its own generator.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Pushshift,
    Jsonl,
    Csv,
    Wxr,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Pushshift, Kind::Jsonl, Kind::Csv, Kind::Wxr];

    fn name(self) -> &'static str {
        match self {
            Kind::Pushshift => "ndjson",
            Kind::Jsonl => "jsonl",
            Kind::Csv => "csv",
            Kind::Wxr => "wxr",
        }
    }

    fn format(self) -> Format {
        match self {
            Kind::Pushshift => Format::Pushshift,
            Kind::Jsonl => Format::Jsonl,
            Kind::Csv => Format::Csv,
            Kind::Wxr => Format::Wxr,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Kind::Pushshift => "ndjson",
            Kind::Jsonl => "jsonl",
            Kind::Csv => "csv",
            Kind::Wxr => "xml",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring

struct Measured<T> {
    value: T,
    elapsed: Duration,
    peak: Peak,
}

#[derive(Clone, Copy)]
struct Peak {
    /// Resident memory when the read started, KiB.
    before_kib: Option<u64>,
    /// The high-water mark during the read (or of the whole process, if it could not be reset).
    peak_kib: Option<u64>,
}

fn measure<T>(run: impl FnOnce() -> T) -> Measured<T> {
    reset_peak();
    let before_kib = status_kib("VmRSS");
    let start = Instant::now();
    let value = run();
    let elapsed = start.elapsed();
    let peak_kib = status_kib("VmHWM");
    Measured {
        value,
        elapsed,
        peak: Peak {
            before_kib,
            peak_kib,
        },
    }
}

/// Resets the kernel's peak-RSS mark for this process; false where that is not allowed or not
/// supported (then `VmHWM` is the peak of the whole run).
fn reset_peak() -> bool {
    if fs::write("/proc/self/clear_refs", "5").is_err() {
        return false;
    }
    // Check that it took: right after a reset the peak is about the current size.
    match (status_kib("VmHWM"), status_kib("VmRSS")) {
        (Some(hwm), Some(rss)) => hwm <= rss + 1024,
        _ => false,
    }
}

fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What the disk and the page cache allow: lines through a plain `BufReader`.
fn baseline(path: &Path) -> (u64, u64) {
    let mut input = BufReader::with_capacity(SNIFF_BYTES, File::open(path).expect("open"));
    let mut line = Vec::with_capacity(1 << 16);
    let (mut lines, mut bytes) = (0u64, 0u64);
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => {
                lines += 1;
                bytes += n as u64;
            }
            Err(e) => panic!("baseline read of {}: {e}", path.display()),
        }
    }
    (lines, bytes)
}

#[derive(Default)]
struct Counts {
    items: u64,
    comments: u64,
    text_bytes: u64,
    diagnostics: u64,
    first_diagnostic: Option<String>,
}

impl Sink for Counts {
    fn item(&mut self, item: Item) {
        self.items += 1;
        if item.kind == ItemKind::Comment {
            self.comments += 1;
        }
        self.text_bytes += item.text.len() as u64;
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics += 1;
        if self.first_diagnostic.is_none() {
            self.first_diagnostic = Some(diagnostic.to_string());
        }
    }
}

/// The reader as the `threads` command runs it, into a sink that keeps nothing.
fn threadcare(path: &Path, format: Format) -> Counts {
    let mut counts = Counts::default();
    read_file(path, Some(format), &mut counts);
    counts
}

// ---------------------------------------------------------------------------------------------
// The table

struct Row {
    format: &'static str,
    pass: &'static str,
    bytes: u64,
    elapsed: Duration,
    units: u64,
    ratio: Option<f64>,
    peak: Peak,
}

fn print_table(rows: &[Row], peak_resettable: bool) {
    println!();
    println!(
        "{:<7} {:<19} {:>9} {:>8} {:>9} {:>13} {:>9} {:>15}",
        "format", "pass", "file MB", "time s", "MB/s", "per second", "vs base", "peak RSS MiB"
    );
    for r in rows {
        let secs = r.elapsed.as_secs_f64();
        let ratio = r
            .ratio
            .map(|x| format!("{x:.3}"))
            .unwrap_or_else(|| "1".to_string());
        let peak = match (r.peak.peak_kib, r.peak.before_kib) {
            (Some(p), Some(b)) => format!("{:.1} (+{:.1})", mib(p), mib(p.saturating_sub(b))),
            (Some(p), None) => format!("{:.1}", mib(p)),
            _ => "n/a".to_string(),
        };
        println!(
            "{:<7} {:<19} {:>9.1} {:>8.3} {:>9.1} {:>13.0} {:>9} {:>15}",
            r.format,
            r.pass,
            r.bytes as f64 / 1e6,
            secs,
            r.bytes as f64 / 1e6 / secs,
            r.units as f64 / secs,
            ratio,
            peak
        );
    }
    println!();
    println!("per second: lines for the baseline, items (posts and comments) for threadcare;");
    println!("vs base: threadcare's MB/s as a fraction of the baseline's on the same file;");
    if peak_resettable {
        println!("peak RSS: VmHWM during that read (reset through /proc/self/clear_refs), and its growth over the RSS at the start of the read.");
    } else {
        println!("peak RSS: /proc/self/clear_refs could not reset the mark here, so this is the peak of the whole process up to the end of that read (VmHWM), not of the read alone.");
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes & ((1 << 30) - 1) == 0 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// `50000000`, `100M`, `100MB`, `1G`, `512MiB`, `1GiB`, `4k`.
fn parse_size(raw: &str) -> Option<u64> {
    let s = raw.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(factor).filter(|&b| b > 0)
}

// ---------------------------------------------------------------------------------------------
// The data

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench-data")
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Written {
    items: u64,
    comments: u64,
}

/// The file for `kind` at `target` bytes: reused when a complete one is there (its marker says
/// what was written and its length still matches), else generated.
fn ensure_file(dir: &Path, kind: Kind, target: u64) -> (PathBuf, Written) {
    let path = dir.join(format!("{}-{target}.{}", kind.name(), kind.extension()));
    let marker = path.with_extension(format!("{}.done", kind.extension()));
    if let (Ok(meta), Ok(text)) = (fs::metadata(&path), fs::read_to_string(&marker)) {
        let fields: Vec<u64> = text
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if let [version, length, items, comments] = fields[..] {
            if version == GENERATOR_VERSION as u64 && length == meta.len() {
                println!("{}: reusing {}", kind.name(), path.display());
                return (path, Written { items, comments });
            }
        }
    }
    let _ = fs::remove_file(&marker);
    let start = Instant::now();
    let written = generate(&path, kind, target).expect("write the bench file");
    let length = fs::metadata(&path).expect("bench file").len();
    fs::write(
        &marker,
        format!(
            "{GENERATOR_VERSION} {length} {} {}\n",
            written.items, written.comments
        ),
    )
    .expect("write the marker");
    println!(
        "{}: wrote {} ({} items) in {:.1} s",
        kind.name(),
        path.display(),
        written.items,
        start.elapsed().as_secs_f64()
    );
    (path, written)
}

/// A small, fast, deterministic generator (SplitMix64), so that runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// In `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "I",
    "I",
    "I",
    "I'm",
    "I've",
    "I'd",
    "you",
    "you",
    "we",
    "she",
    "he",
    "they",
    "my",
    "my",
    "your",
    "her",
    "our",
    "the",
    "the",
    "the",
    "a",
    "a",
    "an",
    "and",
    "and",
    "but",
    "or",
    "so",
    "because",
    "when",
    "then",
    "still",
    "just",
    "really",
    "maybe",
    "again",
    "today",
    "tonight",
    "yesterday",
    "this",
    "that",
    "it",
    "it's",
    "was",
    "is",
    "am",
    "are",
    "feel",
    "felt",
    "feeling",
    "think",
    "thought",
    "know",
    "knew",
    "want",
    "wanted",
    "need",
    "say",
    "said",
    "told",
    "asked",
    "talked",
    "listened",
    "walked",
    "tried",
    "cried",
    "laughed",
    "slept",
    "ate",
    "wrote",
    "called",
    "texted",
    "left",
    "stayed",
    "came",
    "went",
    "to",
    "to",
    "of",
    "in",
    "on",
    "at",
    "with",
    "about",
    "after",
    "before",
    "without",
    "for",
    "from",
    "into",
    "over",
    "therapist",
    "therapy",
    "session",
    "sessions",
    "week",
    "weeks",
    "month",
    "morning",
    "evening",
    "night",
    "day",
    "work",
    "home",
    "group",
    "friend",
    "friends",
    "sister",
    "brother",
    "mum",
    "dad",
    "partner",
    "dog",
    "cat",
    "kitchen",
    "bus",
    "train",
    "office",
    "coffee",
    "tea",
    "toast",
    "soup",
    "walk",
    "rain",
    "trees",
    "phone",
    "email",
    "card",
    "plan",
    "list",
    "notebook",
    "chair",
    "clock",
    "door",
    "window",
    "room",
    "silence",
    "voice",
    "words",
    "trust",
    "hope",
    "fear",
    "anger",
    "sadness",
    "shame",
    "relief",
    "comfort",
    "repair",
    "rupture",
    "distance",
    "closeness",
    "space",
    "time",
    "support",
    "care",
    "help",
    "progress",
    "setback",
    "change",
    "pattern",
    "habit",
    "part",
    "body",
    "breath",
    "sleep",
    "tired",
    "anxious",
    "calm",
    "quiet",
    "loud",
    "heavy",
    "lighter",
    "small",
    "huge",
    "good",
    "bad",
    "hard",
    "easy",
    "strange",
    "safe",
    "scared",
    "glad",
    "sorry",
    "proud",
    "grateful",
    "honest",
    "gentle",
    "kind",
    "slow",
    "steady",
    "better",
    "worse",
    "not",
    "never",
    "always",
    "sometimes",
    "often",
    "almost",
    "enough",
    "too",
    "very",
    "so",
    "how",
    "what",
    "why",
    "where",
    "who",
    "every",
    "some",
    "nothing",
    "something",
    "everything",
    "anyone",
    "someone",
    "here",
    "there",
    "café",
    "naïve",
    "“fine”",
    "“okay”",
    "don't",
    "can't",
    "won't",
    "didn't",
    "wasn't",
    "couldn't",
    "&",
    "50%",
    "<3",
    "💙",
    "—",
];

const NAMES: &[&str] = &[
    "wren",
    "moss",
    "juniper_row",
    "otter.creek",
    "lantern_moth",
    "sparrow",
    "fernhill",
    "maple_kettle",
    "quietfern",
    "steady_oak",
    "tiny_moth",
    "granola_ghost",
    "harbour_light",
    "kestrel",
    "driftwood",
    "tealkettle",
    "pilot_light",
    "halcyon_q",
    "owl_at_dusk",
    "sunday_soup",
];

/// One sentence: 3 to 24 words, capitalised, ending in `.`, `!` or `?`, sometimes with a comma.
fn sentence(rng: &mut Rng, out: &mut String) {
    let n = if rng.chance(10) {
        rng.range(15, 40)
    } else {
        rng.range(3, 18)
    };
    for i in 0..n {
        let w = rng.pick(WORDS);
        if i == 0 {
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(w);
        }
        if i + 1 < n && i > 1 && rng.chance(6) {
            out.push(',');
        }
    }
    out.push(match rng.range(0, 9) {
        0 => '!',
        1 => '?',
        _ => '.',
    });
}

/// Paragraphs of sentences; `long` allows the occasional very long post.
fn paragraphs(rng: &mut Rng, long: bool) -> Vec<String> {
    let count = if long && rng.chance(4) {
        rng.range(12, 30)
    } else if long {
        rng.range(1, 7)
    } else {
        rng.range(1, 3)
    };
    (0..count)
        .map(|_| {
            let mut p = String::new();
            for s in 0..rng.range(1, 6) {
                if s > 0 {
                    p.push(' ');
                }
                sentence(rng, &mut p);
            }
            p
        })
        .collect()
}

fn title(rng: &mut Rng) -> String {
    let mut t = String::new();
    sentence(rng, &mut t);
    t.pop();
    t.chars().take(90).collect()
}

/// One synthetic thread: a post and its comments, each comment answering the post or an
/// earlier comment.
struct Thread {
    n: u64,
    created: i64,
    title: String,
    author: &'static str,
    post: Vec<String>,
    comments: Vec<Comment>,
}

struct Comment {
    /// Index into `comments` of the comment answered; `None` for the post.
    parent: Option<usize>,
    author: &'static str,
    created: i64,
    paragraphs: Vec<String>,
}

fn thread(rng: &mut Rng, n: u64) -> Thread {
    let created = 1_767_225_600 + (n as i64 * 97) % 31_000_000; // across 2026
    let count = match rng.range(0, 9) {
        0..=2 => 0,
        3..=7 => rng.range(1, 5),
        _ => rng.range(6, 20),
    } as usize;
    let mut comments = Vec::with_capacity(count);
    for i in 0..count {
        let parent = if i > 0 && rng.chance(35) {
            Some(rng.range(0, i as u64 - 1) as usize)
        } else {
            None
        };
        comments.push(Comment {
            parent,
            author: rng.pick(NAMES),
            created: created + 60 * (i as i64 + 1) * rng.range(1, 90) as i64,
            paragraphs: paragraphs(rng, false),
        });
    }
    Thread {
        n,
        created,
        title: title(rng),
        author: rng.pick(NAMES),
        post: paragraphs(rng, true),
        comments,
    }
}

fn rfc3339(unix: i64) -> String {
    threadcare_core::time::from_unix(unix as f64)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

fn wp_date(unix: i64) -> String {
    threadcare_core::time::from_unix(unix as f64)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Writes threads until the file reaches `target` bytes.
fn generate(path: &Path, kind: Kind, target: u64) -> io::Result<Written> {
    let file = File::create(path)?;
    let mut out = Counted {
        inner: BufWriter::with_capacity(1 << 20, file),
        bytes: 0,
    };
    let mut rng = Rng(0x7EAD_CA2E ^ kind.name().len() as u64);
    let mut written = Written::default();
    match kind {
        Kind::Wxr => out.write_all(WXR_HEAD.as_bytes())?,
        Kind::Csv => csv::Writer::from_writer(&mut out).write_record(FIELDS)?,
        _ => {}
    }
    let mut n = 0;
    while out.bytes < target {
        n += 1;
        let t = thread(&mut rng, n);
        match kind {
            Kind::Pushshift => write_pushshift(&mut out, &t)?,
            Kind::Jsonl => write_jsonl(&mut out, &t)?,
            Kind::Wxr => write_wxr(&mut out, &t)?,
            // A writer per thread, flushed at its end, so that `out.bytes` stays current.
            Kind::Csv => write_csv(&mut csv::Writer::from_writer(&mut out), &t)?,
        }
        written.items += 1 + t.comments.len() as u64;
        written.comments += t.comments.len() as u64;
    }
    if let Kind::Wxr = kind {
        out.write_all(b"</channel>\n</rss>\n")?;
    }
    out.inner.flush()?;
    Ok(written)
}

/// A writer that counts what went through it.
struct Counted<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn post_id(t: &Thread) -> String {
    format!("p{:x}", t.n * 7919)
}

fn comment_id(t: &Thread, i: usize) -> String {
    format!("c{:x}x{i}", t.n * 7919)
}

#[derive(Serialize)]
struct Submission<'a> {
    id: &'a str,
    name: String,
    author: &'a str,
    created_utc: i64,
    subreddit: &'a str,
    title: &'a str,
    selftext: String,
    num_comments: usize,
    score: u64,
}

#[derive(Serialize)]
struct RedditComment<'a> {
    id: &'a str,
    author: &'a str,
    body: String,
    created_utc: i64,
    link_id: String,
    parent_id: String,
    subreddit: &'a str,
    score: u64,
}

fn write_pushshift(out: &mut impl Write, t: &Thread) -> io::Result<()> {
    let id = post_id(t);
    serde_json::to_writer(
        &mut *out,
        &Submission {
            id: &id,
            name: format!("t3_{id}"),
            author: t.author,
            created_utc: t.created,
            subreddit: "SyntheticSupport",
            title: &t.title,
            selftext: t.post.join("\n\n"),
            num_comments: t.comments.len(),
            score: t.n % 50,
        },
    )?;
    out.write_all(b"\n")?;
    for (i, c) in t.comments.iter().enumerate() {
        let cid = comment_id(t, i);
        let parent = match c.parent {
            None => format!("t3_{id}"),
            Some(p) => format!("t1_{}", comment_id(t, p)),
        };
        serde_json::to_writer(
            &mut *out,
            &RedditComment {
                id: &cid,
                author: c.author,
                body: c.paragraphs.join("\n\n"),
                created_utc: c.created,
                link_id: format!("t3_{id}"),
                parent_id: parent,
                subreddit: "SyntheticSupport",
                score: (i as u64) % 20,
            },
        )?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

const FIELDS: [&str; 8] = [
    "id",
    "thread_id",
    "parent_id",
    "kind",
    "author",
    "created_at",
    "title",
    "text",
];

#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    thread_id: &'a str,
    parent_id: Option<&'a str>,
    kind: &'a str,
    author: &'a str,
    created_at: String,
    title: Option<&'a str>,
    text: String,
}

/// One item of a thread, flattened for the formats with one record per item.
struct Flat<'a> {
    id: String,
    parent: Option<String>,
    author: &'static str,
    created: i64,
    title: Option<&'a str>,
    text: String,
}

fn records(t: &Thread) -> Vec<Flat<'_>> {
    let id = post_id(t);
    let mut rows = vec![Flat {
        id: id.clone(),
        parent: None,
        author: t.author,
        created: t.created,
        title: Some(t.title.as_str()),
        text: t.post.join("\n\n"),
    }];
    for (i, c) in t.comments.iter().enumerate() {
        let parent = match c.parent {
            None => id.clone(),
            Some(p) => comment_id(t, p),
        };
        rows.push(Flat {
            id: comment_id(t, i),
            parent: Some(parent),
            author: c.author,
            created: c.created,
            title: None,
            text: c.paragraphs.join("\n\n"),
        });
    }
    rows
}

fn write_jsonl(out: &mut impl Write, t: &Thread) -> io::Result<()> {
    let thread_id = post_id(t);
    for Flat {
        id,
        parent,
        author,
        created,
        title,
        text,
    } in records(t)
    {
        serde_json::to_writer(
            &mut *out,
            &Record {
                id: &id,
                thread_id: &thread_id,
                parent_id: parent.as_deref(),
                kind: if parent.is_some() { "comment" } else { "post" },
                author,
                created_at: rfc3339(created),
                title,
                text,
            },
        )?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn write_csv<W: Write>(w: &mut csv::Writer<W>, t: &Thread) -> io::Result<()> {
    let thread_id = post_id(t);
    for Flat {
        id,
        parent,
        author,
        created,
        title,
        text,
    } in records(t)
    {
        let kind = if parent.is_some() { "comment" } else { "post" };
        w.write_record([
            id.as_str(),
            thread_id.as_str(),
            parent.as_deref().unwrap_or(""),
            kind,
            author,
            rfc3339(created).as_str(),
            title.unwrap_or(""),
            text.as_str(),
        ])?;
    }
    w.flush()
}

const WXR_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Synthetic bench blog</title>
	<link>https://bench.example.org</link>
	<description>Generated for the read_large benchmark</description>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://bench.example.org</wp:base_site_url>
	<wp:base_blog_url>https://bench.example.org</wp:base_blog_url>
"#;

/// Text for HTML: `&` and `<` escaped the way WordPress stores them.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

fn write_wxr(out: &mut impl Write, t: &Thread) -> io::Result<()> {
    let id = t.n;
    let content: Vec<String> = t
        .post
        .iter()
        .map(|p| {
            format!(
                "<!-- wp:paragraph -->\n<p>{}</p>\n<!-- /wp:paragraph -->",
                escape_html(p)
            )
        })
        .collect();
    write!(
        out,
        "\t<item>\n\t\t<title><![CDATA[{title}]]></title>\n\t\t<link>https://bench.example.org/?p={id}</link>\n\t\t<dc:creator><![CDATA[{author}]]></dc:creator>\n\t\t<guid isPermaLink=\"false\">https://bench.example.org/?p={id}</guid>\n\t\t<description></description>\n\t\t<content:encoded><![CDATA[{content}]]></content:encoded>\n\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>\n\t\t<wp:post_id>{id}</wp:post_id>\n\t\t<wp:post_date><![CDATA[{date}]]></wp:post_date>\n\t\t<wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt>\n\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>\n\t\t<wp:post_name><![CDATA[post-{id}]]></wp:post_name>\n\t\t<wp:status><![CDATA[publish]]></wp:status>\n\t\t<wp:post_parent>0</wp:post_parent>\n\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n",
        title = t.title,
        author = t.author,
        content = content.join("\n\n"),
        date = wp_date(t.created),
    )?;
    for (i, c) in t.comments.iter().enumerate() {
        let cid = id * 100 + i as u64 + 1;
        let parent = c.parent.map(|p| id * 100 + p as u64 + 1).unwrap_or(0);
        write!(
            out,
            "\t\t<wp:comment>\n\t\t\t<wp:comment_id>{cid}</wp:comment_id>\n\t\t\t<wp:comment_author><![CDATA[{author}]]></wp:comment_author>\n\t\t\t<wp:comment_author_email><![CDATA[{author}@example.org]]></wp:comment_author_email>\n\t\t\t<wp:comment_date><![CDATA[{date}]]></wp:comment_date>\n\t\t\t<wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>\n\t\t\t<wp:comment_content><![CDATA[{text}]]></wp:comment_content>\n\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>\n\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>\n\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n\t\t</wp:comment>\n",
            author = c.author,
            date = wp_date(c.created),
            text = c.paragraphs.join("\n\n"),
        )?;
    }
    out.write_all(b"\t</item>\n")
}
