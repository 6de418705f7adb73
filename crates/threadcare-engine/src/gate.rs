//! Which of many regexes may match a text, from the literal strings each one needs.
//!
//! A regex such as `(?:^|[.!?]\s+)attempt\s+failed\b` cannot match a text without the letters
//! `attempt` in it; `\b(took|swallowed)\s+\d+\s+(pills|tablets)` cannot match one without
//! `took` or `swallowed` and `pills` or `tablets`. For each regex such sets are read off its
//! syntax tree (the regex-syntax crate's `Hir`, with the same case-insensitivity as the
//! regexes): every match contains one string of each set. Up to three sets per regex are kept,
//! the rarest in a sample of the kind of text the engine reads (the data files' own fixture
//! texts), and all their strings go into one Aho-Corasick automaton (ASCII case-insensitive):
//! one scan of the text says which regexes are worth running. A regex whose every set is common
//! (`i'm`, `to`: in almost every text), or that has none, is asked with the others like it as
//! one small regex set.
//!
//! This replaces asking one `RegexSet` of all the regexes first. That set is exact, but its lazy
//! DFA over more than a hundred case-insensitive regexes builds many states for each new kind of
//! text: a first pass over real posts spent about a quarter of its time determinizing them, and
//! ran at 40 % of the speed of a second pass over the same texts. The automaton is built once;
//! the regexes it lets through run alone, each with a small DFA of its own. The gate is a
//! necessary condition only, so what the regexes match is unchanged (the tests check every
//! regex of the data files on their fixtures, and random regexes against random texts).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// The most strings a set of alternatives (a class, a group, their products) is enumerated to.
const EXACT_LIMIT: usize = 64;
/// The most strings a factor may have (an alternation of long word lists).
const FACTOR_LIMIT: usize = 512;
/// A set of strings found in the sample more often than once in this many bytes is too common
/// to look for (see [`Scorer::keep`]): a regex with no rarer set is asked of the text with the
/// others like it, as one regex set.
const COMMON_BYTES: usize = 1024;
/// The most characters of a class that are enumerated (`[.!?…]`, `['’]`, a letter in both cases).
const CLASS_LIMIT: u32 = 16;

type Set = Vec<Vec<u8>>;

/// What one node of a regex tells: every string it can match when they are few (`exact`), and
/// sets of strings such that each of its matches contains one string of every set (`all`,
/// best first, at most [`CONJUNCTION`]). Strings are UTF-8 bytes with ASCII letters in lower
/// case (the search ignores ASCII case).
#[derive(Debug, Clone, Default)]
struct Facts {
    exact: Option<Set>,
    all: Vec<Set>,
}

/// The most sets a regex is gated on together (`I'm done` needs a word of `i'm, i am, …` and
/// one of `done, finished, …`: both must be in the text).
const CONJUNCTION: usize = 3;

fn dedup(mut v: Set) -> Set {
    v.sort();
    v.dedup();
    v
}

/// Picks between factors: how often their strings occur in a sample of the kind of text the
/// engine reads (the data files' own fixture texts, see [`sample`]), so that a regex is gated
/// on its rarest words (`noose` rather than `would`); lengths break ties.
struct Scorer {
    sample: &'static [u8],
    seen: std::collections::HashMap<Vec<u8>, usize>,
}

type Score = (std::cmp::Reverse<usize>, usize, std::cmp::Reverse<usize>);

impl Scorer {
    fn new() -> Scorer {
        Scorer {
            sample: sample(),
            seen: Default::default(),
        }
    }

    fn count(&mut self, s: &[u8]) -> usize {
        if let Some(&n) = self.seen.get(s) {
            return n;
        }
        let n = memchr::memmem::find_iter(self.sample, s).count();
        self.seen.insert(s.to_vec(), n);
        n
    }

    /// Higher is better: fewer occurrences in the sample, then a longer shortest string, then
    /// fewer strings. `None` when the set rules nothing out (it holds the empty string, or
    /// nothing).
    fn score(&mut self, set: &[Vec<u8>]) -> Option<Score> {
        let min = set.iter().map(Vec::len).min()?;
        if min == 0 {
            return None;
        }
        let occurrences = set.iter().map(|s| self.count(s)).sum();
        Some((
            std::cmp::Reverse(occurrences),
            min,
            std::cmp::Reverse(set.len()),
        ))
    }

    /// The best of `sets` that rule something out, best first, at most [`CONJUNCTION`]. A set
    /// about as common as one string in every [`COMMON_BYTES`] of the sample (`i`, `to`, `the`)
    /// is in almost every text: looking for it costs more than it saves, and it is left out.
    fn keep(&mut self, sets: impl IntoIterator<Item = Set>) -> Vec<Set> {
        let common = self.sample.len() / COMMON_BYTES;
        let mut scored: Vec<(Score, Set)> = sets
            .into_iter()
            .filter_map(|s| self.score(&s).map(|k| (k, s)))
            .filter(|(k, _)| k.0 .0 <= common)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.truncate(CONJUNCTION);
        scored.into_iter().map(|(_, s)| s).collect()
    }
}

/// How many bytes of each data file's fixture texts the [`sample`] takes.
const SAMPLE_PER_FILE: usize = 1536;

/// The sample [`Scorer`] counts in: the fixture texts of the embedded construct and context
/// files, lower-cased, the first [`SAMPLE_PER_FILE`] bytes of each file's, so that every
/// construct's words are in it and a fixture added at the end of a file leaves it as it was.
/// It only steers which strings are looked for, never what matches.
fn sample() -> &'static [u8] {
    static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        fn texts(v: &toml::Value, out: &mut Vec<u8>) {
            match v {
                toml::Value::Table(t) => {
                    if let Some(toml::Value::Array(fixtures)) = t.get("fixtures") {
                        for f in fixtures {
                            if let Some(toml::Value::String(text)) = f.get("text") {
                                out.extend_from_slice(text.as_bytes());
                                out.push(b'\n');
                            }
                        }
                    }
                    t.values().for_each(|x| texts(x, out));
                }
                toml::Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (_, source) in crate::construct::embedded()
            .iter()
            .chain(crate::context::embedded())
        {
            if let Ok(v) = toml::from_str::<toml::Value>(source) {
                let mut file = Vec::new();
                texts(&v, &mut file);
                file.truncate(SAMPLE_PER_FILE);
                out.extend_from_slice(&file);
            }
        }
        out.make_ascii_lowercase();
        out
    })
}

fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > EXACT_LIMIT {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    Some(dedup(out))
}

impl Facts {
    fn exact(set: Set) -> Facts {
        let set = dedup(set);
        Facts {
            all: vec![set.clone()],
            exact: Some(set),
        }
    }

    /// The best set this node offers (one of its strings is in every match).
    fn best(&self, sc: &mut Scorer) -> Option<Set> {
        sc.keep(self.exact.iter().cloned().chain(self.all.iter().cloned()))
            .into_iter()
            .next()
    }
}

/// The characters outside ASCII that case-insensitive matching takes for ASCII letters (simple
/// case folding: the Kelvin sign is a `k`, the long s an `s`). In a factor they are written as
/// the letter; a text that holds one is let through whole (see [`RegexGate::candidates_into`]).
const FOLDED_TO_ASCII: [(char, char); 2] = [('\u{212a}', 'k'), ('\u{17f}', 's')];

fn lower(c: char) -> Vec<u8> {
    let c = FOLDED_TO_ASCII
        .iter()
        .find(|&&(from, _)| from == c)
        .map_or(c, |&(_, to)| to);
    let mut buf = [0u8; 4];
    let mut s = c.encode_utf8(&mut buf).as_bytes().to_vec();
    s.make_ascii_lowercase();
    s
}

/// Every string a class matches, when it has at most [`CLASS_LIMIT`] members.
fn class_strings(class: &Class) -> Option<Vec<Vec<u8>>> {
    // Each range as its first and last member, and how to write a member as a string.
    fn members<T: Copy + Into<u32>>(
        ranges: impl Iterator<Item = (T, T)> + Clone,
        write: impl Fn(u32) -> Option<Vec<u8>>,
    ) -> Option<Vec<Vec<u8>>> {
        let n: u32 = ranges.clone().map(|(a, b)| b.into() - a.into() + 1).sum();
        if n > CLASS_LIMIT {
            return None;
        }
        ranges
            .flat_map(|(a, b)| a.into()..=b.into())
            .map(write)
            .collect()
    }
    match class {
        Class::Unicode(u) => members(u.ranges().iter().map(|r| (r.start(), r.end())), |c| {
            char::from_u32(c).map(lower)
        }),
        Class::Bytes(b) => members(b.ranges().iter().map(|r| (r.start(), r.end())), |b| {
            Some(vec![(b as u8).to_ascii_lowercase()])
        }),
    }
}

fn facts(hir: &Hir, sc: &mut Scorer) -> Facts {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Facts {
            exact: Some(vec![Vec::new()]),
            all: Vec::new(),
        },
        HirKind::Literal(lit) => Facts::exact(vec![lit.0.to_ascii_lowercase()]),
        HirKind::Class(class) => match class_strings(class) {
            Some(set) => Facts::exact(set),
            None => Facts::default(),
        },
        HirKind::Capture(cap) => facts(&cap.sub, sc),
        HirKind::Repetition(rep) => {
            let sub = facts(&rep.sub, sc);
            if rep.min == 0 {
                // Optional: it may match nothing, so it requires nothing; `x?` is still a
                // small set of alternatives for the strings around it.
                let exact = match (rep.max, &sub.exact) {
                    (Some(0), _) => Some(vec![Vec::new()]),
                    (Some(1), Some(set)) if set.len() < EXACT_LIMIT => {
                        let mut set = set.clone();
                        set.push(Vec::new());
                        Some(dedup(set))
                    }
                    _ => None,
                };
                return Facts {
                    exact,
                    all: Vec::new(),
                };
            }
            let exact = match (&sub.exact, rep.max) {
                (Some(set), Some(max)) if max == rep.min => {
                    let mut acc = vec![Vec::new()];
                    let mut ok = true;
                    for _ in 0..rep.min {
                        match product(&acc, set) {
                            Some(p) => acc = p,
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    ok.then_some(acc)
                }
                _ => None,
            };
            Facts {
                all: sc.keep(exact.iter().cloned().chain(sub.all)),
                exact,
            }
        }
        HirKind::Concat(children) => {
            let parts: Vec<Facts> = children.iter().map(|c| facts(c, sc)).collect();
            // Every string of the whole, when each part's strings are known and few.
            let mut exact = Some(vec![Vec::new()]);
            for p in &parts {
                exact = match (&exact, &p.exact) {
                    (Some(a), Some(b)) => product(a, b),
                    _ => None,
                };
            }
            // Each part's own sets are required of the whole, and so is each run of adjacent
            // parts whose strings are known (their product: the run is spelled out
            // contiguously); the best of them are kept.
            let mut sets: Vec<Set> = exact.iter().cloned().collect();
            let mut run: Option<Set> = None;
            for p in &parts {
                sets.extend(p.all.iter().cloned());
                match (&run, &p.exact) {
                    (_, None) => sets.extend(run.take()),
                    (None, Some(set)) => run = Some(set.clone()),
                    (Some(r), Some(set)) => match product(r, set) {
                        Some(next) => run = Some(next),
                        None => {
                            sets.extend(run.take());
                            run = Some(set.clone());
                        }
                    },
                }
            }
            sets.extend(run);
            Facts {
                all: sc.keep(sets),
                exact,
            }
        }
        HirKind::Alternation(branches) => {
            let parts: Vec<Facts> = branches.iter().map(|b| facts(b, sc)).collect();
            let mut exact = Some(Vec::new());
            for p in &parts {
                exact = match (exact, &p.exact) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= EXACT_LIMIT => {
                        a.extend(b.iter().cloned());
                        Some(a)
                    }
                    _ => None,
                };
            }
            let exact = exact.map(dedup);
            // Every branch must offer a set; the whole's is their union.
            let mut union = Some(Vec::new());
            for p in &parts {
                union = match (union, p.best(sc)) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= FACTOR_LIMIT => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
            }
            Facts {
                all: sc.keep(exact.iter().cloned().chain(union.map(dedup))),
                exact,
            }
        }
    }
}

/// The sets of strings such that every match of `source` contains one string of each
/// (case-insensitive, as the engine's regexes are), lower-cased, best first; empty when none
/// is known.
pub fn required_factors(source: &str) -> Vec<Vec<String>> {
    factor_sets(source, &mut Scorer::new())
        .into_iter()
        .map(|set| {
            set.into_iter()
                .map(|s| String::from_utf8_lossy(&s).into_owned())
                .collect()
        })
        .collect()
}

fn factor_sets(source: &str, sc: &mut Scorer) -> Vec<Set> {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(source)
    else {
        return Vec::new();
    };
    let f = facts(&hir, sc);
    sc.keep(f.exact.into_iter().chain(f.all))
}

/// Which of a list of regexes may match a text (see the module's documentation).
#[derive(Debug)]
pub struct RegexGate {
    automaton: Option<AhoCorasick>,
    /// For each string of the automaton, the regexes and which of their sets hold it.
    owners: Vec<Vec<(u32, u8)>>,
    /// For each regex, the bits of all its sets (0: no set: one of `common`).
    full: Vec<u8>,
    /// The regexes without a rare enough set, and them as one set: on ASCII text it says
    /// exactly which of them match; on other text (where a Unicode `\b` keeps a set off its
    /// fast engines) `relaxed`, the same without their word boundaries, says which may.
    common: Vec<u32>,
    set: Option<regex::RegexSet>,
    relaxed: Option<regex::RegexSet>,
    len: usize,
}

/// The most memory the set of common regexes' lazy DFA may take per thread.
const SET_DFA_LIMIT: usize = 8 << 20;

/// A regex without its word-boundary assertions (`\b`, `\B`): a zero-width condition removed,
/// so it matches wherever the original matches (and maybe elsewhere).
pub fn without_word_boundaries(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b' | 'B') => {}
            Some(next) => {
                out.push(c);
                out.push(next);
            }
            None => out.push(c),
        }
    }
    out
}

impl RegexGate {
    pub fn new<S: AsRef<str>>(sources: &[S]) -> RegexGate {
        let mut strings: Vec<Vec<u8>> = Vec::new();
        let mut index: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        let mut owners: Vec<Vec<(u32, u8)>> = Vec::new();
        let mut full = Vec::with_capacity(sources.len());
        let mut common = Vec::new();
        let mut scorer = Scorer::new();
        for (k, source) in sources.iter().enumerate() {
            let sets = factor_sets(source.as_ref(), &mut scorer);
            full.push(((1u16 << sets.len()) - 1) as u8);
            if sets.is_empty() {
                common.push(k as u32);
            }
            for (j, set) in sets.into_iter().enumerate() {
                for s in set {
                    let at = *index.entry(s.clone()).or_insert_with(|| {
                        strings.push(s);
                        owners.push(Vec::new());
                        strings.len() - 1
                    });
                    owners[at].push((k as u32, 1 << j));
                }
            }
        }
        let automaton = (!strings.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&strings)
                .or_else(|_| {
                    AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .match_kind(MatchKind::Standard)
                        .build(&strings)
                })
                .expect("literal strings always build")
        });
        let build = |sources: Vec<String>| {
            (!sources.is_empty())
                .then(|| {
                    regex::RegexSetBuilder::new(sources)
                        .case_insensitive(true)
                        .dfa_size_limit(SET_DFA_LIMIT)
                        .build()
                        .ok()
                })
                .flatten()
        };
        let of = |k: &u32| sources[*k as usize].as_ref().to_string();
        let set = build(common.iter().map(of).collect());
        let relaxed = build(
            common
                .iter()
                .map(|k| without_word_boundaries(&of(k)))
                .collect(),
        );
        RegexGate {
            automaton,
            owners,
            full,
            // Without a set (none, or one that did not build) each is always run.
            common: if set.is_some() && relaxed.is_some() {
                common
            } else {
                Vec::new()
            },
            set,
            relaxed,
            len: sources.len(),
        }
    }

    /// How many regexes the gate was made for.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many regexes have no rare enough string and are asked as one set.
    pub fn common(&self) -> usize {
        self.common.len()
    }

    /// For each regex, whether it may match `text` (false: it cannot), into `out`.
    pub fn candidates_into(&self, text: &str, out: &mut Vec<bool>) {
        out.clear();
        let ascii = text.is_ascii();
        if !ascii && text.contains(|c| FOLDED_TO_ASCII.iter().any(|&(f, _)| f == c)) {
            out.resize(self.len, true);
            return;
        }
        // Which of each regex's sets were seen, as bits (on the stack for the usual few
        // hundred regexes).
        let mut on_stack = [0u8; 512];
        let mut on_heap = Vec::new();
        let found = if self.len <= on_stack.len() {
            &mut on_stack[..self.len]
        } else {
            on_heap.resize(self.len, 0u8);
            &mut on_heap[..]
        };
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(text) {
                for &(k, bit) in &self.owners[m.pattern().as_usize()] {
                    found[k as usize] |= bit;
                }
            }
        }
        out.extend(found.iter().zip(&self.full).map(|(f, full)| f == full));
        let set = if ascii { &self.set } else { &self.relaxed };
        if let (Some(set), false) = (set, self.common.is_empty()) {
            // (Their `full` is 0, so each is let through so far.)
            if set.is_match(text) {
                let matched = set.matches(text);
                for (i, &k) in self.common.iter().enumerate() {
                    out[k as usize] = matched.matched(i);
                }
            } else {
                for &k in &self.common {
                    out[k as usize] = false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn factors(source: &str) -> Vec<Vec<String>> {
        required_factors(source)
    }

    #[test]
    fn factors_of_common_shapes() {
        for (source, expect) in [
            (r"(?:^|[.!?]\s+)attempt\s+failed\b", vec!["attempt"]),
            (r"\bkms\b", vec!["kms"]),
            (r"\b\d+(\.\d+)?\s?kms\b", vec!["kms"]),
            // Upper case in the source is folded: the gate ignores ASCII case.
            (r"Lifeline", vec!["lifeline"]),
        ] {
            let f = factors(source);
            assert!(f.iter().any(|set| set == &expect), "{source}: {f:?}");
        }
        // Two words apart: both are required.
        let f = factors(r"\b(took|swallowed)\s+\d+\s+(pills|tablets)\b");
        assert!(f.len() >= 2, "{f:?}");
        assert!(f.contains(&vec!["pills".into(), "tablets".into()]), "{f:?}");
        assert!(
            f.iter().any(|set| set.contains(&"swallowed".to_string())),
            "{f:?}"
        );
        // A small class and an optional letter spelled out with the words around them.
        assert!(factors(r"\bod['’]e?d\b").contains(&vec![
            "od'd".into(),
            "od'ed".into(),
            "od’d".into(),
            "od’ed".into()
        ]));
        // Digits and gaps require nothing; nor does an alternation with such a branch.
        assert!(factors(r"\b\d+\s*\d+\b").is_empty());
        assert!(factors(r"(?:night|\d+)").is_empty());
    }

    #[test]
    fn the_gate_lets_through_every_text_a_regex_matches() {
        let sources = [
            r"\bkms\b",
            r"(?m)\bthe night\s*(?:[.!…]|$)",
            r"\b(?:want|wanted) to (?:die|disappear)\b",
            r"\d+\s*mg",
        ];
        let gate = RegexGate::new(&sources);
        assert_eq!(gate.common(), 0);
        let mut out = Vec::new();
        gate.candidates_into("Honestly I WANTED TO DIE last night", &mut out);
        assert_eq!(out, [false, false, true, false]);
        gate.candidates_into("400 MG and then the night.", &mut out);
        assert_eq!(out, [false, true, false, true]);
        // The Kelvin sign and the long s fold to k and s under case-insensitivity.
        let re = regex::RegexBuilder::new(sources[0])
            .case_insensitive(true)
            .build()
            .unwrap();
        assert!(re.is_match("\u{212a}ms"));
        gate.candidates_into("\u{212a}ms", &mut out);
        assert!(out[0]);
    }

    #[test]
    fn only_the_listed_characters_fold_to_ascii_letters() {
        for letter in 'a'..='z' {
            let hir = regex_syntax::ParserBuilder::new()
                .case_insensitive(true)
                .build()
                .parse(&letter.to_string())
                .unwrap();
            let HirKind::Class(Class::Unicode(class)) = hir.kind() else {
                continue;
            };
            for c in class.ranges().iter().flat_map(|r| r.start()..=r.end()) {
                assert!(
                    c.is_ascii() || FOLDED_TO_ASCII.contains(&(c, letter)),
                    "{c:?} folds to {letter}: add it to FOLDED_TO_ASCII"
                );
            }
        }
    }

    /// Random regexes made of the pieces the data files use, against random texts made of
    /// the same words: whenever a regex matches, the gate must have let it through.
    fn piece() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "kill", "pills", "od", "end it", "night", "cut", "die", "ate", "i'm", "cal",
        ]);
        prop_oneof![
            word.clone().prop_map(|w| w.to_string()),
            word.clone().prop_map(|w| format!("(?:{w})?")),
            (word.clone(), word.clone()).prop_map(|(a, b)| format!("(?:{a}|{b})")),
            Just(r"\s+".to_string()),
            Just(r"\s*".to_string()),
            Just(r"\b".to_string()),
            Just(r"['’]".to_string()),
            Just(r"\d+".to_string()),
            Just(r"[^.!?\n]{0,12}".to_string()),
            Just(r"(?:^|[.!?]\s+)".to_string()),
            Just(r"\s*(?:[.!…]|$)".to_string()),
            Just(" ".to_string()),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "kill", "KILL", "pills", "od", "end", "it", "night", "cut", "die", "ate", "I'm",
                "i’m", "cal", "400", ".", "!", " ", "  ", "\n", "\u{212a}", "\u{17f}", "é",
            ]),
            0..14,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_gate_is_a_necessary_condition(
            pieces in prop::collection::vec(piece(), 1..6),
            texts in prop::collection::vec(text(), 1..8),
        ) {
            let source = pieces.concat();
            let Ok(re) = regex::RegexBuilder::new(&source).case_insensitive(true).build() else {
                return Ok(());
            };
            let gate = RegexGate::new(&[&source]);
            let mut out = Vec::new();
            for t in &texts {
                gate.candidates_into(t, &mut out);
                prop_assert!(!re.is_match(t) || out[0], "{source:?} matches {t:?}");
            }
        }
    }
}
