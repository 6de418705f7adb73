//! Features of a text for the linear models: hashed word n-grams, question and sentence-edge
//! cues, lengths, and the engine's own construct signals with their context.
//!
//! Every feature has a name (`w:alone`, `b:no one`, `c:burdensomeness:aff`); a name maps to one
//! of 2^[`BITS`] slots by a stable hash ([`index`], FNV-1a), never by Rust's randomised default
//! hasher, so a model file trained today scores the same tomorrow and on every machine. The
//! words are the tokenizer's normalised tokens ([`Tokens::norm`]): lower case, curly apostrophes
//! folded. Punctuation is not a token, so questions are features of their own (`q:`), which
//! matter for EPITOME explorations ("what happened?").
//!
//! The word part (n-grams and edges) of a text is one bag: each feature's value is `1 + ln n`
//! for `n` occurrences, and the bag is scaled to unit length, so long and short texts weigh the
//! same. Lengths and construct counts are added unscaled, `ln(1 + n)`.

use threadcare_core::{Certainty, Experiencer, Signal, Temporality};

use crate::token::Tokens;

/// The version of this feature extraction, recorded in every model file; a model made with
/// another version is refused at load time (retrain with `threadcare train`).
pub const VERSION: &str = "tc-features-1";

/// Feature slots: 2^18 = 262,144.
pub const BITS: u32 = 18;

const MASK: u32 = (1 << BITS) - 1;

/// 64-bit FNV-1a (Fowler, Noll, Vo), fed piece by piece.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Fnv {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub fn new() -> Fnv {
        Fnv(Fnv::OFFSET)
    }

    pub fn bytes(mut self, bytes: &[u8]) -> Fnv {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(Fnv::PRIME);
        }
        self
    }

    /// [`Fnv::bytes`] of the same bytes for several states at once: one pass over the bytes,
    /// the states' multiplications independent of each other.
    #[inline]
    pub fn bytes_each<const N: usize>(mut states: [Fnv; N], bytes: &[u8]) -> [Fnv; N] {
        for &b in bytes {
            for s in states.iter_mut() {
                s.0 ^= b as u64;
                s.0 = s.0.wrapping_mul(Fnv::PRIME);
            }
        }
        states
    }

    pub fn finish(self) -> u64 {
        self.0
    }

    /// The slot: the high and low halves folded together, masked to [`BITS`].
    pub fn slot(self) -> u32 {
        ((self.0 >> 32) as u32 ^ self.0 as u32) & MASK
    }
}

impl Default for Fnv {
    fn default() -> Self {
        Fnv::new()
    }
}

/// `ln n` of a count, as `(n as f32).ln()` gives it: looked up for the small counts that nearly
/// every feature has (the same function computed the table, so the bits are the same).
pub fn ln_count(n: u32) -> f32 {
    ln_in(ln_table(), n)
}

/// [`ln_count`] with the table already in hand (a loop over many counts takes it once).
#[inline]
pub(crate) fn ln_in(table: &[f32], n: u32) -> f32 {
    match table.get(n as usize) {
        Some(&v) => v,
        None => (n as f32).ln(),
    }
}

/// The table of [`ln_count`], made once: a caller that looks up many counts takes it once.
#[inline]
pub(crate) fn ln_table() -> &'static [f32] {
    const TABLE: usize = 1024;
    static LN: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    LN.get_or_init(|| (0..TABLE).map(|n| (n as f32).ln()).collect())
}

/// The slot of a feature: its namespace (`w`, `b`, `c`…), a unit separator, then its name.
pub fn index(namespace: &str, name: &str) -> u32 {
    Fnv::new()
        .bytes(namespace.as_bytes())
        .bytes(&[0x1f])
        .bytes(name.as_bytes())
        .slot()
}

/// The slot of a named feature written `namespace:name` (as model documentation writes them).
pub fn named(feature: &str) -> u32 {
    match feature.split_once(':') {
        Some((ns, name)) => index(ns, name),
        None => index("", feature),
    }
}

#[cfg(test)]
fn pair(namespace: &str, a: &str, b: &str) -> u32 {
    Fnv::new()
        .bytes(namespace.as_bytes())
        .bytes(&[0x1f])
        .bytes(a.as_bytes())
        .bytes(b" ")
        .bytes(b.as_bytes())
        .slot()
}

/// A sparse feature vector: (slot, value), sorted by slot, one entry per slot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sparse(pub Vec<(u32, f32)>);

impl Sparse {
    /// From unsorted entries: slots sorted, the values of a repeated slot summed.
    pub fn from_entries(mut entries: Vec<(u32, f32)>) -> Sparse {
        let mut out: Vec<(u32, f32)> = Vec::with_capacity(entries.len());
        for_each_entry(&mut entries, |i, v| out.push((i, v)));
        Sparse(out)
    }

    /// [`Sparse::from_entries`] of `sorted` (sorted by slot, one entry per slot) followed by
    /// `extra`, by merging: the same sums in the same order, without sorting it all.
    pub fn merged(sorted: Vec<(u32, f32)>, mut extra: Vec<(u32, f32)>) -> Sparse {
        let mut out = Vec::with_capacity(sorted.len() + extra.len());
        merge_into(&sorted, &mut extra, &mut out);
        Sparse(out)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Joins two vectors (values of a slot in both are summed).
    pub fn join(&self, other: &Sparse) -> Sparse {
        let mut v = self.0.clone();
        v.extend_from_slice(&other.0);
        Sparse::from_entries(v)
    }
}

/// The entries of [`Sparse::from_entries`] of `entries`, in order, to `f`, without making the
/// vector (`entries` is sorted in place; a short slice is sorted without allocating).
pub(crate) fn for_each_entry(entries: &mut [(u32, f32)], mut f: impl FnMut(u32, f32)) {
    entries.sort_by_key(|e| e.0);
    let mut at = 0;
    while at < entries.len() {
        let (slot, mut sum) = entries[at];
        at += 1;
        while at < entries.len() && entries[at].0 == slot {
            sum += entries[at].1;
            at += 1;
        }
        if sum != 0.0 {
            f(slot, sum);
        }
    }
}

/// [`Sparse::merged`] into `out` (cleared first); `extra` is sorted in place.
///
/// The same entries and sums as pushing the entries of both in slot order (those of `sorted`
/// first where a slot is in both, the extra ones in their order) and adding each to the one
/// before when it has the same slot: each extra entry comes after the entries of `sorted` with
/// a slot at or below its own, which are copied in one stretch (the extra entries are few, the
/// word entries many), and is added to the entry before it when that has its slot. An entry of
/// `sorted` is never added to: the entry before it is of `sorted` (a smaller slot) or an extra
/// one placed after every entry of `sorted` at or below its own slot.
fn merge_into(sorted: &[(u32, f32)], extra: &mut [(u32, f32)], out: &mut Vec<(u32, f32)>) {
    debug_assert!(sorted.windows(2).all(|w| w[0].0 < w[1].0));
    extra.sort_by_key(|e| e.0);
    out.clear();
    out.reserve(sorted.len() + extra.len());
    let mut from = 0;
    for &(slot, v) in extra.iter() {
        let upto = from + sorted[from..].partition_point(|e| e.0 <= slot);
        out.extend_from_slice(&sorted[from..upto]);
        from = upto;
        match out.last_mut() {
            Some(last) if last.0 == slot => last.1 += v,
            _ => out.push((slot, v)),
        }
    }
    out.extend_from_slice(&sorted[from..]);
    out.retain(|e| e.1 != 0.0);
}

/// One occurrence of a word feature: its slot and the tokens it covers (for attributing a
/// model's score to a stretch of text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub slot: u32,
    pub first: u32,
    pub len: u8,
}

/// Whether each sentence is a question: a `?` between its last word and the next sentence.
pub fn questions(text: &str, tokens: &Tokens) -> Vec<bool> {
    let mut out = Vec::new();
    questions_into(text, tokens, &mut out);
    out
}

/// [`questions`] into `out` (cleared first).
fn questions_into(text: &str, tokens: &Tokens, out: &mut Vec<bool>) {
    let bytes = text.as_bytes();
    let n = tokens.sentences.len();
    out.clear();
    out.extend((0..n).map(|s| {
        let from = tokens.sentences[s].end.min(bytes.len());
        let to = if s + 1 < n {
            tokens.sentences[s + 1].start
        } else {
            bytes.len()
        }
        .max(from);
        bytes[from..to].contains(&b'?')
    }));
}

/// Every word-feature occurrence of a text, in text order: unigrams (`w`), bigrams within a
/// sentence (`b`), the first and last word of each sentence (`s`, `e`), and the first word and
/// first two words of each question (`q`).
pub fn occurrences(text: &str, tokens: &Tokens) -> Vec<Occurrence> {
    let mut out = Vec::new();
    occurrences_into(tokens, &questions(text, tokens), &mut out);
    out
}

/// [`occurrences`] with the sentences that are questions known. Each word is hashed as a
/// unigram, as the first word of the bigram it starts and as the second of the one it ends,
/// from the hash states of the namespaces (the same slots as [`index`] and [`pair`]).
fn occurrences_into(tokens: &Tokens, is_question: &[bool], out: &mut Vec<Occurrence>) {
    out.clear();
    out.reserve(tokens.tokens.len() * 2 + tokens.sentences.len() * 4);
    let ns = |n: &[u8]| Fnv::new().bytes(n).bytes(&[0x1f]);
    let (w, b, s_, e, q) = (ns(b"w"), ns(b"b"), ns(b"s"), ns(b"e"), ns(b"q"));
    for (si, s) in tokens.sentences.iter().enumerate() {
        let range = s.tokens.clone();
        if range.is_empty() {
            continue;
        }
        let (first, last) = (range.start, range.end - 1);
        let norm = |i: usize| tokens.norm_bytes(i);
        out.push(Occurrence {
            slot: s_.bytes(norm(first)).slot(),
            first: first as u32,
            len: 1,
        });
        if is_question[si] {
            out.push(Occurrence {
                slot: q.bytes(norm(first)).slot(),
                first: first as u32,
                len: 1,
            });
            if first < last {
                out.push(Occurrence {
                    slot: q
                        .bytes(norm(first))
                        .bytes(b" ")
                        .bytes(norm(first + 1))
                        .slot(),
                    first: first as u32,
                    len: 2,
                });
            }
        }
        // The bigram state after "b␟<this word> " and this word's unigram slot, carried to
        // the next word; each following word is hashed once for its three uses.
        let [first_pair, first_word] = Fnv::bytes_each([b, w], norm(first));
        let mut next_pair = first_pair.bytes(b" ");
        let mut unigram = first_word.slot();
        for i in range.clone() {
            out.push(Occurrence {
                slot: unigram,
                first: i as u32,
                len: 1,
            });
            if i < last {
                let [pair, own_pair, word] = Fnv::bytes_each([next_pair, b, w], norm(i + 1));
                out.push(Occurrence {
                    slot: pair.slot(),
                    first: i as u32,
                    len: 2,
                });
                next_pair = own_pair.bytes(b" ");
                unigram = word.slot();
            }
        }
        out.push(Occurrence {
            slot: e.bytes(norm(last)).slot(),
            first: last as u32,
            len: 1,
        });
    }
}

/// The occurrences' slots in ascending order (see [`sort_by_slot`]).
fn sorted_slots(occurrences: &[Occurrence]) -> Vec<u32> {
    let mut slots: Vec<u32> = occurrences.iter().map(|o| o.slot).collect();
    sort_by_slot(&mut slots, &mut Vec::new());
    slots
}

/// A sort key holding a slot: a slot alone, or a slot (high half) with the position of its
/// occurrence (low half).
trait SlotKey: Copy + Ord + Default {
    fn slot(self) -> u32;
}

impl SlotKey for u32 {
    fn slot(self) -> u32 {
        self
    }
}

impl SlotKey for u64 {
    fn slot(self) -> u32 {
        (self >> 32) as u32
    }
}

/// Sorts `keys` in ascending order, keys with the same slot in the order they came (the order
/// of the keys themselves, for the keys above, where they came in ascending order): a radix sort
/// (three passes of six bits over the [`BITS`]-bit slots) where there are enough of them, faster
/// than comparing. `other` is a buffer.
fn sort_by_slot<K: SlotKey>(keys: &mut Vec<K>, other: &mut Vec<K>) {
    const RADIX: u32 = 6;
    const PASSES: usize = BITS.div_ceil(RADIX) as usize;
    const BUCKETS: usize = 1 << RADIX;
    let n = keys.len();
    if n < 64 {
        keys.sort_unstable();
        return;
    }
    let bucket = |k: K, pass: usize| ((k.slot() >> (pass as u32 * RADIX)) as usize) & (BUCKETS - 1);
    let mut counts = [[0u32; BUCKETS]; PASSES];
    for &k in keys.iter() {
        for (pass, c) in counts.iter_mut().enumerate() {
            c[bucket(k, pass)] += 1;
        }
    }
    other.clear();
    other.resize(n, K::default());
    for (pass, c) in counts.iter_mut().enumerate() {
        let mut at = 0;
        for x in c.iter_mut() {
            let k = *x;
            *x = at;
            at += k;
        }
        for &k in keys.iter() {
            let b = bucket(k, pass);
            other[c[b] as usize] = k;
            c[b] += 1;
        }
        std::mem::swap(keys, other);
    }
}

/// The unit-length word bag of (slot, count) runs sorted by slot, in `out` (cleared first):
/// `(1 + ln n)` per slot divided by the length; returns the length (1 for an empty bag).
fn unit_bag(counts: &[(u32, u32)], out: &mut Vec<(u32, f32)>) -> f32 {
    out.clear();
    let ln = ln_table();
    out.extend(counts.iter().map(|&(i, n)| (i, 1.0 + ln_in(ln, n))));
    let norm = out.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
    if norm == 0.0 {
        out.clear();
        return 1.0;
    }
    for e in out.iter_mut() {
        e.1 /= norm;
    }
    norm
}

/// Counts of word features, over one text or many (a Gaur500 user's posts), turned into the
/// unit-length bag described in the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Bag {
    /// (slot, count), sorted by slot.
    counts: Vec<(u32, u32)>,
}

impl Bag {
    pub fn new() -> Bag {
        Bag::default()
    }

    pub fn add(&mut self, occurrences: &[Occurrence]) {
        let slots = sorted_slots(occurrences);
        let mut run: Vec<(u32, u32)> = Vec::with_capacity(slots.len());
        for s in slots {
            match run.last_mut() {
                Some(last) if last.0 == s => last.1 += 1,
                _ => run.push((s, 1)),
            }
        }
        if self.counts.is_empty() {
            self.counts = run;
            return;
        }
        let (a, b) = (std::mem::take(&mut self.counts), run);
        let mut merged = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => {
                    merged.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    merged.push(b[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    merged.push((a[i].0, a[i].1 + b[j].1));
                    i += 1;
                    j += 1;
                }
            }
        }
        merged.extend_from_slice(&a[i..]);
        merged.extend_from_slice(&b[j..]);
        self.counts = merged;
    }

    /// (slot, count) of every slot counted, sorted by slot.
    pub fn counts(&self) -> &[(u32, u32)] {
        &self.counts
    }

    pub fn count(&self, slot: u32) -> u32 {
        self.counts
            .binary_search_by_key(&slot, |e| e.0)
            .map_or(0, |at| self.counts[at].1)
    }

    /// `(1 + ln n)` per slot, scaled to unit length; returns the vector and the scale divided by.
    pub fn vector(&self) -> (Sparse, f32) {
        let mut words = Vec::with_capacity(self.counts.len());
        let norm = unit_bag(&self.counts, &mut words);
        (Sparse(words), norm)
    }
}

/// The state of a signal as a feature name: the writer's own now (`aff`), in the past
/// (`hist`), negated (`neg`), someone else's (`oth`), imagined (`hyp`) or quoted (`quo`).
pub fn signal_state(s: &Signal) -> &'static str {
    if s.quoted {
        "quo"
    } else if s.negated {
        "neg"
    } else if s.certainty == Certainty::Hypothetical {
        "hyp"
    } else if s.experiencer == Experiencer::Other {
        "oth"
    } else if s.temporality == Temporality::Historical {
        "hist"
    } else {
        "aff"
    }
}

/// Construct features of a text's signals: per construct and state, and per family and state,
/// `ln(1 + n)`. Signals a model added (rule `model:…`) and title signals are left out: features
/// come from the text's own rule signals only.
pub fn construct_features(signals: &[Signal]) -> Vec<(String, f32)> {
    construct_counts(signals)
        .into_iter()
        .map(|(name, state, v)| (format!("{name}:{state}"), v))
        .collect()
}

/// [`construct_features`] as (construct or family, state, value), in the order of the
/// features' names `name:state`, without making the names.
pub(crate) fn construct_counts(signals: &[Signal]) -> Vec<(&str, &'static str, f32)> {
    let mut keys: Vec<(&str, &'static str)> = Vec::with_capacity(signals.len() * 2);
    for s in signals
        .iter()
        .filter(|s| !s.in_title && !s.rule.starts_with("model:"))
    {
        let state = signal_state(s);
        keys.push((&s.construct, state));
        keys.push((&s.family, state));
    }
    fn name<'a>(k: &(&'a str, &'static str)) -> impl Iterator<Item = u8> + 'a {
        let (a, b) = *k;
        a.bytes().chain(std::iter::once(b':')).chain(b.bytes())
    }
    // The order of the names `a:b`: where the constructs' names differ before either ends,
    // theirs; otherwise byte by byte.
    let order = |x: &(&str, &'static str), y: &(&str, &'static str)| {
        if x.0 == y.0 {
            return x.1.cmp(y.1);
        }
        let n = x.0.len().min(y.0.len());
        if x.0.as_bytes()[..n] != y.0.as_bytes()[..n] {
            return x.0.cmp(y.0);
        }
        name(x).cmp(name(y))
    };
    // Sorted by the names' first eight bytes as one integer first (the same order where those
    // differ: a shorter name's missing bytes count as 0, below any byte of a name), and by the
    // names in full only where they are the same.
    let head = |k: &(&str, &'static str)| -> u64 {
        let mut buf = [0u8; 8];
        for (b, x) in buf.iter_mut().zip(name(k)) {
            *b = x;
        }
        u64::from_be_bytes(buf)
    };
    let mut keyed: Vec<(u64, (&str, &'static str))> = keys.iter().map(|k| (head(k), *k)).collect();
    keyed.sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| order(&x.1, &y.1)));
    let mut out: Vec<(&str, &'static str, u32)> = Vec::with_capacity(keys.len());
    for (_, k) in keyed {
        match out.last_mut() {
            Some(last) if order(&(last.0, last.1), &k).is_eq() => last.2 += 1,
            _ => out.push((k.0, k.1, 1)),
        }
    }
    // `1 + n` is exact in f32: ln(1 + n) is ln_count(n + 1).
    out.into_iter()
        .map(|(a, b, n)| (a, b, ln_count(n + 1)))
        .collect()
}

/// The slot of the construct feature `c:name:state`.
pub(crate) fn construct_slot(name: &str, state: &str) -> u32 {
    Fnv::new()
        .bytes(b"c")
        .bytes(&[0x1f])
        .bytes(name.as_bytes())
        .bytes(b":")
        .bytes(state.as_bytes())
        .slot()
}

/// Length and punctuation features: `ln(1 + n)` of words, sentences, questions, `?` and `!`,
/// each scaled to about 0–1 on ordinary posts.
pub fn shape_features(text: &str, tokens: &Tokens) -> Vec<(&'static str, f32)> {
    let q = questions(text, tokens).iter().filter(|&&q| q).count();
    shape_of(text, tokens, q).to_vec()
}

/// [`shape_features`] with the number of questions known.
fn shape_of(text: &str, tokens: &Tokens, q: usize) -> [(&'static str, f32); 5] {
    // Counted in blocks of bytes (with a byte's counter per lane), which compiles to vector
    // instructions.
    let (mut question_marks, mut exclamations) = (0, 0);
    for block in text.as_bytes().chunks(255) {
        let (mut q, mut e) = (0u8, 0u8);
        for &b in block {
            q += (b == b'?') as u8;
            e += (b == b'!') as u8;
        }
        question_marks += q as usize;
        exclamations += e as usize;
    }
    let ln = |n: usize| (1.0 + n as f32).ln();
    [
        ("words", ln(tokens.tokens.len()) / 7.0),
        ("sentences", ln(tokens.sentences.len()) / 4.0),
        ("questions", ln(q) / 2.0),
        ("question_marks", ln(question_marks) / 2.0),
        ("exclamations", ln(exclamations) / 2.0),
    ]
}

/// The features of one text, and what is needed to attribute a score to its words.
#[derive(Debug, Clone)]
pub struct TextFeatures {
    pub vector: Sparse,
    pub occurrences: Vec<Occurrence>,
    /// The scale the word bag was divided by.
    pub norm: f32,
    pub bag: Bag,
}

/// All features of one text: the word bag, the shape features (`l:`), and the construct
/// features (`c:`) of `signals`.
pub fn text_features(text: &str, tokens: &Tokens, signals: &[Signal]) -> TextFeatures {
    let mut f = Scratch::default();
    f.fill(text, tokens, &construct_counts(signals));
    TextFeatures {
        vector: Sparse(f.vector),
        occurrences: f.occurrences,
        norm: f.norm,
        bag: Bag { counts: f.runs },
    }
}

/// The slots of the shape features, in the order of [`shape_of`], hashed once.
fn shape_slots() -> &'static [u32; 5] {
    static SLOTS: std::sync::OnceLock<[u32; 5]> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let names = shape_of("", &Tokens::default(), 0).map(|(n, _)| n);
        names.map(|n| index("l", n))
    })
}

/// A text's features in buffers kept from text to text (see [`with_scratch`]): what
/// [`text_features`] computes, and each occurrence's count, without allocating.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// The word-feature occurrences, in text order.
    pub occurrences: Vec<Occurrence>,
    /// For each occurrence, how many times its slot occurs in the text.
    pub counts: Vec<u32>,
    /// The bag: (slot, count), sorted by slot.
    pub runs: Vec<(u32, u32)>,
    /// The scale the word bag was divided by.
    pub norm: f32,
    /// The feature vector, as [`TextFeatures::vector`].
    pub vector: Vec<(u32, f32)>,
    /// A buffer for attributing a score to the text's tokens.
    pub per_token: Vec<f32>,
    questions: Vec<bool>,
    keys: Vec<u64>,
    other: Vec<u64>,
    words: Vec<(u32, f32)>,
    extra: Vec<(u32, f32)>,
    /// Each sentence's word slots in ascending order, one sentence after the other (see
    /// [`Scratch::sentence_slots`]), their bounds, and buffers for making them.
    sentence_slots: Vec<u32>,
    sentence_bounds: Vec<u32>,
    sentence_of: Vec<u32>,
    cursors: Vec<u32>,
}

impl Scratch {
    /// The features of a text whose construct features are `constructs` (the
    /// [`construct_counts`] of its signals).
    pub fn fill(&mut self, text: &str, tokens: &Tokens, constructs: &[(&str, &'static str, f32)]) {
        questions_into(text, tokens, &mut self.questions);
        occurrences_into(tokens, &self.questions, &mut self.occurrences);
        // Each occurrence's slot with its position, sorted by slot: the runs of one slot are
        // the bag's counts, and tell each occurrence its count in the same pass.
        self.keys.clear();
        self.keys.extend(
            self.occurrences
                .iter()
                .enumerate()
                .map(|(i, o)| (o.slot as u64) << 32 | i as u64),
        );
        sort_by_slot(&mut self.keys, &mut self.other);
        self.counts.clear();
        self.counts.resize(self.occurrences.len(), 0);
        self.runs.clear();
        let keys = &self.keys;
        let mut at = 0;
        while at < keys.len() {
            let slot = keys[at].slot();
            let end = at + keys[at..].iter().take_while(|k| k.slot() == slot).count();
            let n = (end - at) as u32;
            for &k in &keys[at..end] {
                self.counts[k as u32 as usize] = n;
            }
            self.runs.push((slot, n));
            at = end;
        }
        self.norm = unit_bag(&self.runs, &mut self.words);
        let q = self.questions.iter().filter(|&&q| q).count();
        self.extra.clear();
        self.extra.extend(
            shape_of(text, tokens, q)
                .iter()
                .zip(shape_slots())
                .map(|(&(_, v), &slot)| (slot, v)),
        );
        self.extra.extend(
            constructs
                .iter()
                .map(|&(n, state, v)| (construct_slot(n, state), v)),
        );
        merge_into(&self.words, &mut self.extra, &mut self.vector);
    }

    /// After [`Scratch::fill`]: each sentence's word slots sorted, sentence `k`'s at
    /// `slots[bounds[k]..bounds[k + 1]]` (as `super::sentences::sentence_scores_sorted` takes
    /// them). Read off the text's slots, already sorted, in one pass instead of sorting each
    /// sentence's again: the same sequences.
    pub fn sentence_slots(&mut self, tokens: &Tokens) -> (&[u32], &[u32]) {
        super::sentences::sentence_bounds(&self.occurrences, tokens, &mut self.sentence_bounds);
        let bounds = &self.sentence_bounds;
        let total = *bounds.last().unwrap_or(&0) as usize;
        self.sentence_of.clear();
        self.sentence_of.resize(total, 0);
        for k in 0..bounds.len() - 1 {
            self.sentence_of[bounds[k] as usize..bounds[k + 1] as usize].fill(k as u32);
        }
        self.cursors.clear();
        self.cursors.extend_from_slice(&bounds[..bounds.len() - 1]);
        self.sentence_slots.clear();
        self.sentence_slots.resize(total, 0);
        for &key in &self.keys {
            let i = key as u32 as usize;
            if i < total {
                let at = &mut self.cursors[self.sentence_of[i] as usize];
                self.sentence_slots[*at as usize] = key.slot();
                *at += 1;
            }
        }
        (&self.sentence_slots, &self.sentence_bounds)
    }
}

/// Runs `f` with this thread's [`Scratch`] (a fresh one when this thread is already using it).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// The feature extraction as first written, kept as the oracle of the tests: the faster one
/// must give the same slots, values and bits.
#[cfg(test)]
mod reference {
    use super::{index, pair, questions, signal_state, Bag, Occurrence, Sparse, TextFeatures};
    use crate::token::Tokens;
    use std::collections::BTreeMap;
    use threadcare_core::Signal;

    /// Every word-feature occurrence of a text, in text order: unigrams (`w`), bigrams within a
    /// sentence (`b`), the first and last word of each sentence (`s`, `e`), and the first word and
    /// first two words of each question (`q`).
    pub(super) fn occurrences(text: &str, tokens: &Tokens) -> Vec<Occurrence> {
        let mut out = Vec::with_capacity(tokens.tokens.len() * 2 + tokens.sentences.len() * 4);
        let is_question = questions(text, tokens);
        for (si, s) in tokens.sentences.iter().enumerate() {
            let range = s.tokens.clone();
            if range.is_empty() {
                continue;
            }
            let (first, last) = (range.start, range.end - 1);
            out.push(Occurrence {
                slot: index("s", tokens.norm(first)),
                first: first as u32,
                len: 1,
            });
            if is_question[si] {
                out.push(Occurrence {
                    slot: index("q", tokens.norm(first)),
                    first: first as u32,
                    len: 1,
                });
                if first < last {
                    out.push(Occurrence {
                        slot: pair("q", tokens.norm(first), tokens.norm(first + 1)),
                        first: first as u32,
                        len: 2,
                    });
                }
            }
            for i in range.clone() {
                out.push(Occurrence {
                    slot: index("w", tokens.norm(i)),
                    first: i as u32,
                    len: 1,
                });
                if i < last {
                    out.push(Occurrence {
                        slot: pair("b", tokens.norm(i), tokens.norm(i + 1)),
                        first: i as u32,
                        len: 2,
                    });
                }
            }
            out.push(Occurrence {
                slot: index("e", tokens.norm(last)),
                first: last as u32,
                len: 1,
            });
        }
        out
    }

    /// Construct features of a text's signals: per construct and state, and per family and state,
    /// `ln(1 + n)`. Signals a model added (rule `model:…`) and title signals are left out: features
    /// come from the text's own rule signals only.
    pub(super) fn construct_features(signals: &[Signal]) -> Vec<(String, f32)> {
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for s in signals
            .iter()
            .filter(|s| !s.in_title && !s.rule.starts_with("model:"))
        {
            let state = signal_state(s);
            *counts
                .entry(format!("{}:{state}", s.construct))
                .or_insert(0) += 1;
            *counts.entry(format!("{}:{state}", s.family)).or_insert(0) += 1;
        }
        counts
            .into_iter()
            .map(|(k, n)| (k, (1.0 + n as f32).ln()))
            .collect()
    }

    /// Length and punctuation features: `ln(1 + n)` of words, sentences, questions, `?` and `!`,
    /// each scaled to about 0–1 on ordinary posts.
    pub(super) fn shape_features(text: &str, tokens: &Tokens) -> Vec<(&'static str, f32)> {
        let q = questions(text, tokens).iter().filter(|&&q| q).count();
        let marks = |c: u8| text.bytes().filter(|&b| b == c).count();
        let ln = |n: usize| (1.0 + n as f32).ln();
        vec![
            ("words", ln(tokens.tokens.len()) / 7.0),
            ("sentences", ln(tokens.sentences.len()) / 4.0),
            ("questions", ln(q) / 2.0),
            ("question_marks", ln(marks(b'?')) / 2.0),
            ("exclamations", ln(marks(b'!')) / 2.0),
        ]
    }

    /// All features of one text: the word bag, the shape features (`l:`), and the construct
    /// features (`c:`) of `signals`.
    pub(super) fn text_features(text: &str, tokens: &Tokens, signals: &[Signal]) -> TextFeatures {
        let occurrences = occurrences(text, tokens);
        let mut bag = Bag::new();
        bag.add(&occurrences);
        let (words, norm) = bag.vector();
        let mut entries = words.0;
        entries.extend(
            shape_features(text, tokens)
                .into_iter()
                .map(|(n, v)| (index("l", n), v)),
        );
        entries.extend(
            construct_features(signals)
                .into_iter()
                .map(|(n, v)| (index("c", &n), v)),
        );
        TextFeatures {
            vector: from_entries(entries),
            occurrences,
            norm,
            bag,
        }
    }

    pub(super) fn from_entries(mut entries: Vec<(u32, f32)>) -> Sparse {
        entries.sort_by_key(|e| e.0);
        let mut out: Vec<(u32, f32)> = Vec::with_capacity(entries.len());
        for (i, v) in entries {
            match out.last_mut() {
                Some(last) if last.0 == i => last.1 += v,
                _ => out.push((i, v)),
            }
        }
        out.retain(|e| e.1 != 0.0);
        Sparse(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    fn same_bits(a: &Sparse, b: &Sparse) -> bool {
        a.0.len() == b.0.len()
            && a.0
                .iter()
                .zip(&b.0)
                .all(|(x, y)| x.0 == y.0 && x.1.to_bits() == y.1.to_bits())
    }

    /// Texts with the engine's own signals: the constructs' fixtures, run together in threes
    /// and with questions and exclamations, so that words, bigrams, questions and construct
    /// features (with repeats, negations, other people, quotes) all occur.
    fn texts_with_signals() -> Vec<(String, Vec<Signal>)> {
        let signals = crate::Signals::embedded().unwrap();
        let mut texts: Vec<String> = Vec::new();
        for (file, text) in crate::construct::embedded() {
            let c = crate::construct::parse(file, text).unwrap();
            texts.extend(c.fixtures.iter().map(|f| f.text.clone()));
        }
        let joined: Vec<String> = texts
            .windows(3)
            .enumerate()
            .map(|(k, w)| w.join(["? ", "! ", "\n", " and "][k % 4]))
            .collect();
        texts.extend(joined);
        texts.push(String::new());
        texts.push("?!".into());
        texts
            .into_iter()
            .map(|t| {
                let mut found = signals.find(&t);
                // A model's signal and a title's are left out of the features.
                if let Some(first) = found.first().cloned() {
                    let mut m = first.clone();
                    m.rule = "model:irf_burden".into();
                    found.push(m);
                    let mut title = first;
                    title.in_title = true;
                    found.push(title);
                }
                (t, found)
            })
            .collect()
    }

    #[test]
    fn features_are_the_first_implementations_bit_for_bit() {
        let mut compared = 0;
        for (text, signals) in texts_with_signals() {
            let t = tokenize(&text);
            let new = text_features(&text, &t, &signals);
            let old = reference::text_features(&text, &t, &signals);
            assert!(same_bits(&new.vector, &old.vector), "{text:?}");
            assert_eq!(new.norm.to_bits(), old.norm.to_bits(), "{text:?}");
            assert_eq!(new.occurrences, old.occurrences, "{text:?}");
            assert_eq!(format!("{:?}", new.bag), format!("{:?}", old.bag));
            assert_eq!(occurrences(&text, &t), reference::occurrences(&text, &t));
            assert_eq!(
                construct_features(&signals),
                reference::construct_features(&signals)
            );
            assert_eq!(
                shape_features(&text, &t),
                reference::shape_features(&text, &t)
            );
            compared += signals.len();
        }
        assert!(compared > 1000, "{compared} signals");
    }

    #[test]
    fn a_construct_named_like_a_family_counts_once_per_name() {
        let signal = |construct: &str, family: &str| Signal {
            construct: construct.into(),
            family: family.into(),
            start: 0,
            end: 1,
            text: "x".into(),
            negated: false,
            temporality: Temporality::Current,
            experiencer: Experiencer::Writer,
            certainty: Certainty::Definite,
            quoted: false,
            rule: "r".into(),
            cues: vec![],
            in_title: false,
        };
        let s = [
            signal("distress", "distress"),
            signal("a:b", "a"),
            signal("a", "a:b"),
        ];
        assert_eq!(construct_features(&s), reference::construct_features(&s));
        assert_eq!(
            construct_features(&s)[2],
            ("distress:aff".into(), 3f32.ln())
        );
    }

    proptest::proptest! {
        #[test]
        fn merging_sums_like_sorting(
            mut words in proptest::collection::vec((0u32..64, -2f32..2.0), 0..40),
            extra in proptest::collection::vec((0u32..64, -2f32..2.0), 0..12),
        ) {
            words.sort_by_key(|e| e.0);
            words.dedup_by_key(|e| e.0);
            let mut all = words.clone();
            all.extend_from_slice(&extra);
            let a = Sparse::merged(words, extra);
            let b = reference::from_entries(all);
            proptest::prop_assert!(same_bits(&a, &b), "{:?} {:?}", a, b);
        }
    }

    #[test]
    fn hashes_are_pinned() {
        // FNV-1a 64 reference values (the published test vectors).
        assert_eq!(Fnv::new().finish(), 0xcbf2_9ce4_8422_2325);
        assert_eq!(Fnv::new().bytes(b"a").finish(), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(Fnv::new().bytes(b"foobar").finish(), 0x8594_4171_f739_67e8);
        // Slots of feature names: a change here invalidates every model file.
        assert_eq!(index("w", "alone"), 179758);
        assert_eq!(index("b", "no one"), pair("b", "no", "one"));
        assert_eq!(
            named("c:burdensomeness:aff"),
            index("c", "burdensomeness:aff")
        );
        assert_eq!(index("c", "burdensomeness:aff"), 170028);
        assert!(index("w", "alone") < 1 << BITS);
    }

    #[test]
    fn sparse_vectors_merge_repeated_slots() {
        let v = Sparse::from_entries(vec![(5, 1.0), (2, 0.5), (5, 2.0), (9, 0.0)]);
        assert_eq!(v.0, vec![(2, 0.5), (5, 3.0)]);
        assert_eq!(v.join(&Sparse(vec![(2, 1.0)])).0, vec![(2, 1.5), (5, 3.0)]);
    }

    #[test]
    fn questions_edges_and_bigrams() {
        let text = "How are you doing? I hear you. Tell me more";
        let t = tokenize(text);
        assert_eq!(questions(text, &t), [true, false, false]);
        let occ = occurrences(text, &t);
        let has = |slot: u32| occ.iter().any(|o| o.slot == slot);
        assert!(has(index("q", "how")) && has(pair("q", "how", "are")));
        assert!(!has(index("q", "tell")));
        assert!(has(index("s", "tell")) && has(index("e", "more")) && has(index("e", "you")));
        assert!(has(pair("b", "hear", "you")));
        // No bigram across the sentence boundary "doing? I".
        assert!(!has(pair("b", "doing", "i")));
        let bigrams = occ.iter().filter(|o| o.len == 2).count();
        assert_eq!(
            bigrams,
            3 + 2 + 2 + 1,
            "within sentences, plus the question's first two"
        );
    }

    /// The radix sort of slots gives what comparing gives, below and above its cut-over and
    /// with repeated slots.
    #[test]
    fn slots_sort_by_radix_as_by_comparing() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for n in [0usize, 1, 63, 64, 65, 200, 1000, 5000] {
            let occ: Vec<Occurrence> = (0..n)
                .map(|k| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Some repeats: every third slot drawn from a small range.
                    let slot = if k % 3 == 0 {
                        (x % 50) as u32
                    } else {
                        x as u32 & MASK
                    };
                    Occurrence {
                        slot,
                        first: k as u32,
                        len: 1,
                    }
                })
                .collect();
            let mut expected: Vec<u32> = occ.iter().map(|o| o.slot).collect();
            expected.sort_unstable();
            assert_eq!(sorted_slots(&occ), expected, "{n} slots");
        }
    }

    #[test]
    fn the_word_bag_has_unit_length_and_is_deterministic() {
        let text = "alone alone alone and tired. So tired of it all.";
        let t = tokenize(text);
        let a = text_features(text, &t, &[]);
        let b = text_features(text, &t, &[]);
        assert_eq!(a.vector, b.vector);
        let (words, _) = a.bag.vector();
        let len: f32 = words.0.iter().map(|e| e.1 * e.1).sum();
        assert!((len - 1.0).abs() < 1e-5, "{len}");
        assert_eq!(a.bag.count(index("w", "alone")), 3);
        assert_eq!(a.bag.count(index("w", "tired")), 2);
        // Counting text by text (a user's posts) is counting them all at once.
        let occ = occurrences(text, &t);
        let mut halves = Bag::new();
        halves.add(&occ[..occ.len() / 2]);
        halves.add(&occ[occ.len() / 2..]);
        assert_eq!(halves.vector(), a.bag.vector());
        let empty = tokenize("");
        assert!(text_features("", &empty, &[]).bag.vector().0.is_empty());
    }

    #[test]
    fn construct_features_by_state_and_family() {
        let signal = |construct: &str, negated: bool, rule: &str| Signal {
            construct: construct.into(),
            family: "risk_factor".into(),
            start: 0,
            end: 1,
            text: "x".into(),
            negated,
            temporality: Temporality::Current,
            experiencer: Experiencer::Writer,
            certainty: Certainty::Definite,
            quoted: false,
            rule: rule.into(),
            cues: vec![],
            in_title: false,
        };
        let f = construct_features(&[
            signal("burdensomeness", false, "burdensomeness:p"),
            signal("burdensomeness", false, "burdensomeness:q"),
            signal("shame", true, "shame:p"),
            signal("burdensomeness", false, "model:irf_burden"),
        ]);
        let get = |k: &str| f.iter().find(|e| e.0 == k).map(|e| e.1);
        assert_eq!(get("burdensomeness:aff"), Some(3f32.ln()));
        assert_eq!(get("shame:neg"), Some(2f32.ln()));
        assert_eq!(get("risk_factor:aff"), Some(3f32.ln()));
        assert_eq!(get("risk_factor:neg"), Some(2f32.ln()));
        assert_eq!(f.len(), 4, "the model's own signal is not a feature: {f:?}");
    }
}
