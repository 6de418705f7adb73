//! The pattern language of constructs and context cues, and the matcher that runs it.
//!
//! Clinicians write patterns, so the language is small and reads like the text it finds:
//!
//! | write            | matches                                                         |
//! |------------------|-----------------------------------------------------------------|
//! | `kill myself`    | the words in order, any case; `’` and `'` alike                 |
//! | `don't`          | `don't`, `don’t` and `dont`                                     |
//! | `cut~`           | the word and its inflections: cut, cuts, cutting; take~ → took  |
//! | `pill*`          | any word starting with `pill` (as a first word: use sparingly)  |
//! | `(end\|take) my`  | one of the alternatives; an alternative may be several words   |
//! | `really?`        | the element or group is optional                                |
//! | `...` / `..5`    | up to 3 (or 5) other words in between, within the sentence      |
//! | `..5!`           | the same, none of them the writer's own (I, me, my, myself …)   |
//! | `@self`          | a word class from `constructs/_lexicon.toml`                    |
//! | `re:<regex>`     | a regular expression over the text (case-insensitive), sparingly |
//!
//! A pattern never crosses a sentence. Matching is token-based: the text is tokenized once and
//! each token looked up once in the vocabulary of all patterns (a [`Vocabulary`] shared by the
//! engine's matchers). From each token a walk over a trie of the patterns' literal word
//! prefixes (up to their first gap or prefix test) lists the patterns whose prefix the following
//! words spell (the trie's nodes merged where they lead to the same, so that it stays small);
//! a pattern whose other required words are missing from the sentence (by a 128-bit signature
//! of its words) is skipped; the rest is matched from where its prefix ended. Per token the work depends on the words that
//! follow, not on how many patterns start with the same word. A regex is run only where the
//! strings it needs are in the text (one scan for all of them, see [`crate::gate`]). Every
//! filter is a necessary condition only: the matches and their order are those of trying every
//! pattern that starts with the token's word and every regex, which the tests check against
//! that naive matcher.

use std::collections::HashMap;

use regex::Regex;
use rustc_hash::FxHashMap;

use crate::gate::{without_word_boundaries, RegexGate};
use crate::token::Tokens;

/// Word classes referenced as `@name`.
pub type Lexicon = HashMap<String, String>;

/// A pattern that does not compile, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("pattern `{pattern}`: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Word(u32),
    Prefix(Box<str>),
}

#[derive(Debug, Clone)]
struct Elem {
    alts: Vec<Vec<Test>>,
    optional: bool,
    /// Alternatives by the word id they start with, so that a group of forty words costs one
    /// lookup per token instead of forty comparisons.
    by_first: FxHashMap<u32, Vec<u32>>,
    /// The word ids of `by_first` modulo 64 as bits: most tokens start none of the
    /// alternatives, and this rules them out without a lookup.
    first_bits: u64,
    /// Alternatives that start with a prefix test: always tried.
    prefix_first: Vec<u32>,
}

impl Elem {
    fn new(alts: Vec<Vec<Test>>, optional: bool) -> Elem {
        let mut by_first: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        let mut prefix_first = Vec::new();
        for (k, alt) in alts.iter().enumerate() {
            match alt[0] {
                Test::Word(id) => by_first.entry(id).or_default().push(k as u32),
                Test::Prefix(_) => prefix_first.push(k as u32),
            }
        }
        let first_bits = by_first.keys().fold(0, |bits, &id| bits | 1 << (id % 64));
        Elem {
            alts,
            optional,
            by_first,
            first_bits,
            prefix_first,
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Elem(Elem),
    /// Up to this many words; `true`: none of them a first-person word (`..N!`).
    Gap(u8, bool),
}

/// The words a `..N!` gap does not step over: the writer's own ("she fell apart after the
/// funeral and was sectioned" is hers; "my flatmates can tell I'm low and are kind" is not).
const FIRST_PERSON: [&str; 11] = [
    "i", "i'm", "im", "i've", "ive", "i'd", "i'll", "me", "my", "myself", "mine",
];

#[derive(Debug)]
enum Compiled {
    Tokens(Vec<Step>),
    /// A regex, and the same without its word boundaries where it has any (see
    /// [`without_word_boundaries`]).
    Regex(Regex, Option<Regex>),
}

/// One match: which pattern, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub pattern: u32,
    /// Token range, half-open.
    pub tok_start: usize,
    pub tok_end: usize,
    /// Byte range in the text, half-open.
    pub start: usize,
    pub end: usize,
}

impl Match {
    /// Pattern `pattern` matched tokens `tok_start..tok_end` (not empty).
    fn of_tokens(pattern: u32, tok_start: usize, tok_end: usize, tokens: &Tokens) -> Match {
        Match {
            pattern,
            tok_start,
            tok_end,
            start: tokens.tokens[tok_start].start,
            end: tokens.tokens[tok_end - 1].end,
        }
    }
}

/// A set of patterns compiled together, matched in one pass over a text's tokens.
#[derive(Debug, Default)]
pub struct Matcher {
    vocab: FxHashMap<String, u32>,
    patterns: Vec<Compiled>,
    /// For each word id, the token patterns that can start with it.
    starts: Vec<Vec<u32>>,
    /// Patterns that start with a prefix (`suicid*`): tried on every token that has the prefix.
    prefix_starts: Vec<(Box<str>, u32)>,
    regexes: Vec<u32>,
    /// The regexes' sources, and the literal strings they need as one automaton (built on first
    /// use): one scan of it tells which regexes can match at all, and only those are run
    /// (see [`crate::gate`]).
    regex_sources: Vec<String>,
    regex_gate: std::sync::OnceLock<RegexGate>,
    /// For each id of a [`Vocabulary`] this matcher is attached to, its own word id (or
    /// `UNKNOWN`); empty when not attached.
    from_global: Vec<u32>,
    /// `from_global` maps each of this matcher's ids to itself and every other id to `UNKNOWN`
    /// (see [`Matcher::attach`]).
    global_ids: bool,
    /// For each pattern, its required elements after those its literal prefixes cover (each as
    /// the word ids one of which must open it), smallest first, as [`signature`]s: a sentence
    /// whose signature shares no bit with one of them lacks all of its words and cannot match,
    /// and is skipped before the backtracking matcher runs. As a range of `required_sigs` (all
    /// patterns' lists in one array). A signature test costs two `and`s where checking the
    /// words themselves cost more than the matching it saved.
    required: Vec<std::ops::Range<u32>>,
    required_sigs: Vec<u128>,
    /// Number of distinct word ids.
    n_ids: u32,
    /// The literal word prefixes of the token patterns (see [`PrefixDag`]) laid out for
    /// walking, made on first use (or by [`Matcher::prepare`]) once every pattern is known.
    walk: std::sync::OnceLock<TrieWalk>,
    /// For each pattern, how many of its steps its literal prefixes cover (see [`PrefixDag`]).
    covered: Vec<u32>,
    /// For each pattern, whether its literal prefixes go on into step `covered` and stop
    /// there, before a prefix test (see [`prefix_plan`]).
    stops: Vec<bool>,
    /// For each word id, the patterns of `starts` that the trie cannot rule out (a literal
    /// prefix that is empty because a prefix test such as `suicid*` comes first): always tried.
    loose_starts: Vec<Vec<u32>>,
}

/// Word ids as bits of 128, each id at `id % 128`: if a sentence has a word of a set, the set's
/// signature and the sentence's share that word's bit.
fn signature(ids: impl IntoIterator<Item = u32>) -> u128 {
    ids.into_iter()
        .fold(0, |sig, id| sig | SIGNATURE_BIT[signature_bit(id)])
}

/// The index in [`SIGNATURE_BIT`] of word id `id`: `id % 128`, or 128 (no bit) for `UNKNOWN`.
#[inline]
fn signature_bit(id: u32) -> usize {
    if id == UNKNOWN {
        128
    } else {
        (id % 128) as usize
    }
}

/// `1 << k` for each `k` below 128, then 0: a load instead of a 128-bit shift.
const SIGNATURE_BIT: [u128; 129] = {
    let mut bits = [0u128; 129];
    let mut k = 0;
    while k < 128 {
        bits[k] = 1 << k;
        k += 1;
    }
    bits
};

/// The most literal prefixes one pattern puts in the [`PrefixDag`]: past that, its prefixes stop at
/// the element before (shorter, so less selective, never wrong).
const PREFIX_LIMIT: usize = 2048;

/// The flag of a candidate pattern (in its index's top bit) that must be matched from its first
/// step rather than from where its literal prefix ends.
const FULL: u32 = 1 << 31;

/// The literal prefixes of every token pattern, the word sequences that a match must start
/// with, up to the pattern's first gap or prefix test (optional elements give prefixes with
/// and without them), as a trie over word ids whose equal branches are one: from each
/// sequence of words that opens a prefix, one node, which accepts the patterns whose prefix
/// the sequence spells. Walking it from a token lists exactly the patterns whose prefix the
/// following words spell, so a token costs one walk (usually one or two lookups) instead of
/// one check per pattern that starts with its word: "i" opens over a hundred patterns, and the
/// next word rules out nearly all of them. It is only a filter: every pattern it lets through
/// is matched by [`match_steps`] as before.
///
/// Inflections and word classes multiply the prefixes ("want", "wants", "wanted" before the
/// same words; forty words for a person): as a plain trie they made two million nodes, built
/// at every start. Made instead by the subset construction (Rabin and Scott 1959) over a small
/// automaton with one path per alternative of each element ([`PrefixDag::of`]), the words that
/// lead to the same states lead to one node, and a few tens of thousands remain.
#[derive(Debug, Default)]
struct PrefixDag {
    /// For each word id, 1 + the node of the one-word prefix (0: none).
    root: Vec<u32>,
    /// For each node, the word ids of its children modulo 64 as bits: most words that follow
    /// a node are none of its children, and this rules them out without a lookup.
    kids: Vec<u64>,
    /// Node `v`'s children, (word id, node) by word id: `links[first_link[v]..first_link[v + 1]]`.
    first_link: Vec<u32>,
    links: Vec<(u32, u32)>,
    /// Node `v`'s accepted patterns, ascending and each once:
    /// `accepts[first_accept[v]..first_accept[v + 1]]`; with the [`FULL`] flag where the prefix
    /// stops inside an element (before a prefix test), so that the pattern must be matched
    /// from its start.
    first_accept: Vec<u32>,
    accepts: Vec<u32>,
}

/// The automaton the [`PrefixDag`] is made from: for each pattern, a state before each element
/// its prefixes run through, joined by one path of states per alternative (a state per
/// word), and a move without a word past an optional element. Nondeterministic: alternatives
/// and patterns that start with the same word are separate paths.
#[derive(Debug, Default)]
struct PrefixNfa {
    /// (state, (word id, next state)), sorted.
    edges: Vec<(u32, (u32, u32))>,
    /// For each state, the state a move without a word reaches (`UNKNOWN`: none).
    skip: Vec<u32>,
    /// (state, pattern), sorted: the patterns a prefix ending in the state spells.
    accepted: Vec<(u32, u32)>,
}

impl PrefixNfa {
    fn state(&mut self) -> u32 {
        self.skip.push(UNKNOWN);
        self.skip.len() as u32 - 1
    }

    /// A path spelling `words` from `from` to `to` (a fresh state when `None`); returns its end.
    fn path(&mut self, from: u32, words: &[u32], to: Option<u32>) -> u32 {
        let mut at = from;
        for (k, &id) in words.iter().enumerate() {
            let next = match to {
                Some(t) if k + 1 == words.len() => t,
                _ => self.state(),
            };
            self.edges.push((at, (id, next)));
            at = next;
        }
        at
    }

    /// Adds the states of `steps`' prefixes planned by [`prefix_plan`] (`covered`, `stop`) for
    /// pattern `p`; returns its start state.
    fn add(&mut self, steps: &[Step], covered: usize, stop: bool, p: u32) -> u32 {
        let start = self.state();
        let mut at = start;
        for step in &steps[..covered] {
            let Step::Elem(elem) = step else {
                unreachable!("the steps before `covered` are elements")
            };
            let next = self.state();
            for alt in &elem.alts {
                let words = prefix_words(alt);
                debug_assert_eq!(
                    words.len(),
                    alt.len(),
                    "the elements before `covered` are words"
                );
                self.path(at, &words, Some(next));
            }
            if elem.optional {
                self.skip[at as usize] = next;
            }
            at = next;
        }
        match (stop, steps.get(covered)) {
            (true, Some(Step::Elem(elem))) => {
                // The element with a prefix test: every prefix through it is matched from the
                // pattern's start.
                for alt in &elem.alts {
                    let end = self.path(at, &prefix_words(alt), None);
                    self.accepted.push((end, p | FULL));
                }
                if elem.optional {
                    self.accepted.push((at, p | FULL));
                }
            }
            _ => self.accepted.push((at, p)),
        }
        start
    }

    /// `set` with every state the moves without a word reach, sorted and each once.
    fn close(&self, set: &mut Vec<u32>) {
        let mut k = 0;
        while k < set.len() {
            let next = self.skip[set[k] as usize];
            if next != UNKNOWN {
                set.push(next);
            }
            k += 1;
        }
        set.sort_unstable();
        set.dedup();
    }

    /// The range of `list` (sorted by state first) that belongs to `state`.
    fn of<T: Copy>(list: &[(u32, T)], state: u32) -> &[(u32, T)] {
        let from = list.partition_point(|e| e.0 < state);
        let to = from + list[from..].partition_point(|e| e.0 == state);
        &list[from..to]
    }
}

impl PrefixDag {
    /// The literal prefixes of `patterns` (each with `covered` and `stop` of its
    /// [`prefix_plan`]; `None` for a regex).
    fn of<'a>(patterns: impl Iterator<Item = Option<(&'a [Step], usize, bool)>>) -> PrefixDag {
        let mut nfa = PrefixNfa::default();
        let mut starts = Vec::new();
        for (p, plan) in patterns.enumerate() {
            if let Some((steps, covered, stop)) = plan {
                starts.push(nfa.add(steps, covered, stop, p as u32));
            }
        }
        nfa.edges.sort_unstable();
        nfa.accepted.sort_unstable();
        // Each node is the set of states its words reach, numbered as found; a node's
        // children and accepted patterns are worked out in that order, so that each node's
        // lie together.
        let mut dag = PrefixDag::default();
        let mut number: FxHashMap<Box<[u32]>, u32> = FxHashMap::default();
        let mut sets: Vec<Box<[u32]>> = Vec::new();
        let mut moves: Vec<(u32, u32)> = Vec::new();
        let mut target: Vec<u32> = Vec::new();
        // The children of a set of states, by word: (word, node), made when new.
        let mut children = |from: &[u32], out: &mut Vec<(u32, u32)>, sets: &mut Vec<Box<[u32]>>| {
            moves.clear();
            for &s in from {
                moves.extend(PrefixNfa::of(&nfa.edges, s).iter().map(|e| e.1));
            }
            moves.sort_unstable();
            out.clear();
            let mut k = 0;
            while k < moves.len() {
                let word = moves[k].0;
                target.clear();
                while k < moves.len() && moves[k].0 == word {
                    target.push(moves[k].1);
                    k += 1;
                }
                nfa.close(&mut target);
                let node = match number.get(target.as_slice()) {
                    Some(&n) => n,
                    None => {
                        let n = sets.len() as u32;
                        number.insert(target.as_slice().into(), n);
                        sets.push(target.as_slice().into());
                        n
                    }
                };
                out.push((word, node));
            }
        };
        let mut start = starts;
        nfa.close(&mut start);
        let mut first = Vec::new();
        children(&start, &mut first, &mut sets);
        for &(word, node) in &first {
            if dag.root.len() <= word as usize {
                dag.root.resize(word as usize + 1, 0);
            }
            dag.root[word as usize] = node + 1;
        }
        let mut out = Vec::new();
        let mut accepts = Vec::new();
        let mut v = 0;
        while v < sets.len() {
            let set = std::mem::take(&mut sets[v]);
            accepts.clear();
            for &s in set.iter() {
                accepts.extend(PrefixNfa::of(&nfa.accepted, s).iter().map(|a| a.1));
            }
            accepts.sort_unstable();
            accepts.dedup();
            dag.first_accept.push(dag.accepts.len() as u32);
            dag.accepts.extend_from_slice(&accepts);
            children(&set, &mut out, &mut sets);
            dag.first_link.push(dag.links.len() as u32);
            dag.kids
                .push(out.iter().fold(0, |bits, &(id, _)| bits | 1 << (id % 64)));
            dag.links.extend_from_slice(&out);
            v += 1;
        }
        dag.first_accept.push(dag.accepts.len() as u32);
        dag.first_link.push(dag.links.len() as u32);
        dag
    }

    /// The number of nodes.
    fn len(&self) -> usize {
        self.kids.len()
    }

    /// Node `v`'s children, (word id, node) by word id.
    fn links_of(&self, v: usize) -> &[(u32, u32)] {
        &self.links[self.first_link[v] as usize..self.first_link[v + 1] as usize]
    }

    /// Node `v`'s accepted patterns.
    fn accepts_of(&self, v: usize) -> &[u32] {
        &self.accepts[self.first_accept[v] as usize..self.first_accept[v + 1] as usize]
    }

    /// The nodes, each after all of its children.
    fn children_first(&self) -> Vec<u32> {
        let mut order = Vec::with_capacity(self.len());
        let mut done = vec![false; self.len()];
        let mut stack: Vec<(u32, u32)> = Vec::new();
        for v in 0..self.len() as u32 {
            if done[v as usize] {
                continue;
            }
            stack.push((v, 0));
            done[v as usize] = true;
            while let Some(top) = stack.last_mut() {
                let (node, k) = *top;
                match self.links_of(node as usize).get(k as usize) {
                    Some(&(_, child)) => {
                        top.1 += 1;
                        if !done[child as usize] {
                            done[child as usize] = true;
                            stack.push((child, 0));
                        }
                    }
                    None => {
                        order.push(node);
                        stack.pop();
                    }
                }
            }
        }
        order
    }

    /// The trie laid out for walking (see [`TrieWalk`]): its nodes merged where they lead to
    /// the same (see below), numbered breadth first.
    fn frozen(&self) -> TrieWalk {
        let n = self.len();
        let accepts = |v: usize| self.accepts_of(v);
        let links_of = |v: usize| self.links_of(v);
        // Two nodes that accept the same patterns and whose children by each word are the same
        // (merged) node give the same walk from there on: they become one. The subset
        // construction leaves some such pairs (different states that spell the same from
        // there on); merged, a walk stays in the cache. A walk reaches, word for word, a node
        // accepting the patterns the automaton's node accepts: the same candidates (their order
        // does not matter: the matcher groups them by pattern). Each node's children are
        // merged before it.
        let mut merged = vec![0u32; n];
        let mut by_key: FxHashMap<Box<[u32]>, u32> = FxHashMap::default();
        // For each merged node, one node of the automaton it stands for.
        let mut stands_for: Vec<u32> = Vec::new();
        let mut key: Vec<u32> = Vec::new();
        for v in self.children_first() {
            let v = v as usize;
            key.clear();
            let accept = accepts(v);
            key.push(accept.len() as u32);
            key.extend_from_slice(accept);
            for &(id, child) in links_of(v) {
                key.extend([id, merged[child as usize]]);
            }
            merged[v] = match by_key.get(key.as_slice()) {
                Some(&m) => m,
                None => {
                    let m = stands_for.len() as u32;
                    by_key.insert(key.as_slice().into(), m);
                    stands_for.push(v as u32);
                    m
                }
            };
        }
        // Breadth first from the one-word prefixes: the nodes near the root, which nearly
        // every walk visits, lie together.
        let unnumbered = u32::MAX;
        let mut number = vec![unnumbered; stands_for.len()];
        let mut order: Vec<u32> = Vec::with_capacity(stands_for.len());
        let mut visit = |m: u32, order: &mut Vec<u32>| {
            if number[m as usize] == unnumbered {
                number[m as usize] = order.len() as u32;
                order.push(m);
            }
        };
        for &r in self.root.iter().filter(|&&r| r > 0) {
            visit(merged[r as usize - 1], &mut order);
        }
        let mut at = 0;
        while at < order.len() {
            let v = stands_for[order[at] as usize] as usize;
            for &(_, child) in links_of(v) {
                visit(merged[child as usize], &mut order);
            }
            at += 1;
        }
        let new_node = |node: u32| number[merged[node as usize] as usize];
        let mut walk = TrieWalk {
            root: self
                .root
                .iter()
                .map(|&r| if r > 0 { new_node(r - 1) + 1 } else { 0 })
                .collect(),
            first: Vec::new(),
            nodes: Vec::with_capacity(order.len()),
            accept: Vec::new(),
            edges: Vec::new(),
        };
        let mut children = Vec::new();
        for &m in &order {
            let v = stands_for[m as usize] as usize;
            let accept = walk.accept.len() as u32;
            walk.accept.extend_from_slice(accepts(v));
            walk.accept[accept as usize..].sort_unstable();
            children.clear();
            children.extend(links_of(v).iter().map(|&(id, child)| (id, new_node(child))));
            walk.nodes.push(WalkNode::with_children(
                self.kids[v],
                accept..walk.accept.len() as u32,
                &children,
                &mut walk.edges,
            ));
        }
        // Each table slot holds a copy of its child's record: a step reads one slot.
        for e in walk.edges.iter_mut().filter(|e| e.0 != UNKNOWN) {
            e.2 = walk.nodes[e.1 as usize].clone();
        }
        walk.first = walk
            .root
            .iter()
            .map(|&r| match r {
                0 => WalkNode::default(),
                r => walk.nodes[r as usize - 1].clone(),
            })
            .collect();
        walk
    }
}

/// A [`PrefixDag`] laid out for walking: each node's child bits and the bounds of its accepted
/// patterns and of its children in one record, the lists of all nodes in two flat arrays. A
/// node's children are a small open-addressing table of its own (see [`WalkNode::child`]) whose
/// slots hold a copy of the child's record: a step of a walk reads, nearly always, one slot of
/// the table.
#[derive(Debug, Default)]
struct TrieWalk {
    /// As [`PrefixDag::root`].
    root: Vec<u32>,
    /// For each word id, a copy of the record of its one-word prefix's node (an empty record,
    /// which accepts nothing and has no children, where there is none): a walk's first step
    /// reads one record instead of an index and then a record.
    first: Vec<WalkNode>,
    nodes: Vec<WalkNode>,
    accept: Vec<u32>,
    /// (word id, child node, the child's record) slots; an empty slot's word is `UNKNOWN`.
    edges: Vec<Edge>,
}

type Edge = (u32, u32, WalkNode);

#[derive(Debug, Clone, Default)]
struct WalkNode {
    /// As [`PrefixDag::kids`].
    kids: u64,
    accept: std::ops::Range<u32>,
    /// The first slot of the children's table, and `32 - log2` of its size (a power of two at
    /// least twice the number of children, so that a table always has an empty slot).
    edges: u32,
    shift: u32,
}

impl WalkNode {
    /// The table slot where a search for word `id` starts (multiplicative hashing).
    #[inline]
    fn slot(&self, id: u32) -> u32 {
        id.wrapping_mul(0x9e37_79b9) >> self.shift
    }

    /// The child by word `id` (any `u32`, `UNKNOWN` included), from `edges`.
    #[cfg(test)]
    fn child(&self, edges: &[Edge], id: u32) -> Option<u32> {
        self.edge(edges, id).map(|e| e.1)
    }

    /// The slot of the child by word `id` (any `u32`, `UNKNOWN` included), from `edges`.
    #[inline]
    fn edge<'a>(&self, edges: &'a [Edge], id: u32) -> Option<&'a Edge> {
        let mask = u32::MAX >> self.shift;
        let mut at = self.slot(id);
        loop {
            let e = &edges[(self.edges + at) as usize];
            if e.0 == UNKNOWN {
                return None;
            }
            if e.0 == id {
                return Some(e);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds the table of `children` (word id, child) at the end of `edges`.
    fn with_children(
        kids: u64,
        accept: std::ops::Range<u32>,
        children: &[(u32, u32)],
        edges: &mut Vec<Edge>,
    ) -> WalkNode {
        let size = (children.len() * 2).next_power_of_two().max(2);
        let node = WalkNode {
            kids,
            accept,
            edges: edges.len() as u32,
            shift: 32 - size.trailing_zeros(),
        };
        edges.resize(edges.len() + size, (UNKNOWN, 0, WalkNode::default()));
        let mask = size as u32 - 1;
        for &(id, child) in children {
            let mut at = node.slot(id);
            while edges[(node.edges + at) as usize].0 != UNKNOWN {
                at = (at + 1) & mask;
            }
            edges[(node.edges + at) as usize] = (id, child, WalkNode::default());
        }
        node
    }
}

impl TrieWalk {
    /// Adds to `out` every pattern whose literal prefix is spelled by `ids[i..end]` from `i`,
    /// with the token where that prefix ends. Inlined into its one caller, which calls it for
    /// every token of every matcher: most walks end at their first or second step, and the
    /// call's own entry and exit cost about a fifth of a walk.
    #[inline(always)]
    fn walk(&self, ids: &[u32], i: usize, end: usize, out: &mut Vec<(u32, u32)>) {
        let Some(mut n) = self.first.get(ids[i] as usize) else {
            return;
        };
        let mut j = i + 1;
        loop {
            // Most nodes accept nothing: no call to extend `out` for them.
            if n.accept.start != n.accept.end {
                let accept = &self.accept[n.accept.start as usize..n.accept.end as usize];
                out.extend(accept.iter().map(|&p| (p, j as u32)));
            }
            if j >= end || n.kids & (1 << (ids[j] % 64)) == 0 {
                return;
            }
            match n.edge(&self.edges, ids[j]) {
                Some(e) => n = &e.2,
                None => return,
            }
            j += 1;
        }
    }
}

/// How far a pattern's literal prefixes reach (see [`PrefixDag`]), counted as
/// [`literal_prefixes`] would make them: the steps every prefix covers, and whether the prefixes
/// stop inside the next element (it has an alternative with a prefix test), so that all of them
/// are matched from the pattern's start.
fn prefix_plan(steps: &[Step], limit: usize) -> (usize, bool) {
    let mut open = 1usize;
    let mut covered = 0;
    for step in steps {
        let Step::Elem(elem) = step else { break };
        let partial = elem
            .alts
            .iter()
            .filter(|alt| alt.iter().any(|t| matches!(t, Test::Prefix(_))))
            .count();
        let whole = elem.alts.len() - partial + elem.optional as usize;
        let next_open = open.saturating_mul(whole);
        let next_done = open.saturating_mul(partial);
        if next_open.saturating_add(next_done) > limit {
            break;
        }
        if next_done > 0 {
            return (covered, true);
        }
        open = next_open;
        covered += 1;
    }
    (covered, false)
}

/// The words an alternative starts with, up to its first prefix test: what of it a literal
/// prefix holds.
fn prefix_words(alt: &[Test]) -> Vec<u32> {
    alt.iter()
        .map_while(|t| match t {
            Test::Word(id) => Some(*id),
            Test::Prefix(_) => None,
        })
        .collect()
}

/// Whether a pattern's literal prefixes planned by [`prefix_plan`] (`covered`, `stop`)
/// include the empty one: then no walk lists it, and it is tried on every token its first
/// words start (`loose_starts`). Every element before `covered` must be optional (an
/// alternative has at least one word), and, with `stop`, the element there optional or with
/// an alternative that opens with a prefix test.
fn has_empty_prefix(steps: &[Step], covered: usize, stop: bool) -> bool {
    let skippable = steps[..covered]
        .iter()
        .all(|s| matches!(s, Step::Elem(e) if e.optional));
    skippable
        && match (stop, steps.get(covered)) {
            (true, Some(Step::Elem(elem))) => {
                elem.optional
                    || elem
                        .alts
                        .iter()
                        .any(|alt| matches!(alt.first(), Some(Test::Prefix(_))))
            }
            _ => true,
        }
}

/// The literal prefixes of a pattern (see [`PrefixDag`]), at most about `limit` of them, and how
/// many of its steps every prefix covers: a text that spells one of the prefixes matches those
/// steps whatever else it holds.
#[cfg(test)]
fn literal_prefixes(steps: &[Step], limit: usize) -> (Vec<(Vec<u32>, bool)>, usize) {
    let mut open: Vec<Vec<u32>> = vec![Vec::new()];
    // Prefixes that stop inside an element, before a prefix test.
    let mut done: Vec<Vec<u32>> = Vec::new();
    let mut covered = 0;
    for step in steps {
        let Step::Elem(elem) = step else { break };
        let mut next_open = Vec::new();
        let mut next_done = Vec::new();
        for path in &open {
            for alt in &elem.alts {
                let mut p = path.clone();
                let mut whole = true;
                for t in alt {
                    match t {
                        Test::Word(id) => p.push(*id),
                        Test::Prefix(_) => {
                            whole = false;
                            break;
                        }
                    }
                }
                if whole {
                    next_open.push(p);
                } else {
                    next_done.push(p);
                }
            }
            if elem.optional {
                next_open.push(path.clone());
            }
        }
        if next_open.len() + next_done.len() + done.len() > limit {
            break;
        }
        let whole = next_done.is_empty();
        open = next_open;
        done.extend(next_done);
        if !whole {
            // Every prefix must then be matched from the pattern's start (see `FULL`).
            done.append(&mut open);
            break;
        }
        covered += 1;
    }
    let mut out: Vec<(Vec<u32>, bool)> = open.into_iter().map(|p| (p, false)).collect();
    out.extend(done.into_iter().map(|p| (p, true)));
    (out, covered)
}

/// Per-thread scratch for [`Matcher::find_with`], kept between texts because clearing tables
/// for every text would cost more than matching.
#[derive(Default)]
struct Scratch {
    /// The candidate patterns of a token, each with the token where its literal prefix ends.
    cands: Vec<(u32, u32)>,
}

thread_local! {
    static SEEN: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Token ids of a text for one matcher.
#[derive(Default)]
pub struct Ids(Vec<u32>);

const UNKNOWN: u32 = u32::MAX;

/// The words of several matchers under one numbering, so that a text's tokens are looked up
/// once for all of them (see [`Matcher::attach`]).
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: FxHashMap<String, u32>,
    /// The same words in a table made for looking tokens up (see [`WordTable`]).
    table: WordTable,
}

/// Words to ids in an open-addressing table whose entries hold each word's first 16 bytes
/// packed in two integers: a word of up to 16 bytes (nearly all) is found by hashing those
/// integers and comparing them, without a byte-by-byte comparison. Gives the ids that the
/// hash map it is built from gives, for every string (a test checks).
#[derive(Debug, Default)]
struct WordTable {
    /// Power-of-two sized; an entry with `len == u32::MAX` is empty.
    entries: Vec<WordEntry>,
    /// Words longer than 16 bytes: compared in full.
    long: FxHashMap<Box<[u8]>, u32>,
}

#[derive(Debug, Clone, Copy)]
struct WordEntry {
    packed: [u64; 2],
    len: u32,
    id: u32,
}

const EMPTY: WordEntry = WordEntry {
    packed: [0, 0],
    len: u32::MAX,
    id: UNKNOWN,
};

/// A word's first 16 bytes, little-endian, zero-padded: read as two (possibly overlapping)
/// integers and shifted into place, rather than copied byte by byte into a buffer and read back.
#[inline]
pub(crate) fn pack(word: &[u8]) -> [u64; 2] {
    let w = &word[..word.len().min(16)];
    let n = w.len();
    let u64_at = |at: usize| u64::from_le_bytes(w[at..at + 8].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(w[at..at + 4].try_into().unwrap()) as u64;
    match n {
        // The last eight bytes, their first `16 - n` (already in the first integer) shifted out.
        9..=16 => [u64_at(0), u64_at(n - 8) >> (8 * (16 - n))],
        8 => [u64_at(0), 0],
        // Bytes `n - 4..4` are in both halves, at the same places.
        4..=7 => [u32_at(0) | (u32_at(n - 4) << (8 * (n - 4))), 0],
        // The first, middle and last bytes (some the same byte, at the same place): the
        // commonest words ("i", "to", "the") without a loop.
        1..=3 => {
            let at = |k: usize| (w[k] as u64) << (8 * k);
            [at(0) | at(n / 2) | at(n - 1), 0]
        }
        _ => [0, 0],
    }
}

#[inline]
fn slot_of(packed: [u64; 2], len: usize) -> u64 {
    let h = (packed[0] ^ (len as u64).rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h ^ packed[1]).wrapping_mul(0xff51_afd7_ed55_8ccd) >> 20
}

impl WordTable {
    fn of(ids: &FxHashMap<String, u32>) -> WordTable {
        let short = ids.keys().filter(|w| w.len() <= 16).count();
        let size = (short * 2).next_power_of_two().max(16);
        let mut entries = vec![EMPTY; size];
        let mut long = FxHashMap::default();
        for (word, &id) in ids {
            let bytes = word.as_bytes();
            if bytes.len() > 16 {
                long.insert(bytes.into(), id);
                continue;
            }
            let packed = pack(bytes);
            let mut at = slot_of(packed, bytes.len()) as usize & (size - 1);
            while entries[at].len != u32::MAX {
                at = (at + 1) & (size - 1);
            }
            entries[at] = WordEntry {
                packed,
                len: bytes.len() as u32,
                id,
            };
        }
        WordTable { entries, long }
    }

    #[inline]
    fn get(&self, word: &[u8]) -> u32 {
        if word.len() > 16 {
            return self.long.get(word).copied().unwrap_or(UNKNOWN);
        }
        if self.entries.is_empty() {
            return UNKNOWN;
        }
        let mask = self.entries.len() - 1;
        let packed = pack(word);
        let len = word.len() as u32;
        let mut at = slot_of(packed, word.len()) as usize & mask;
        loop {
            let e = &self.entries[at];
            if e.len == len && e.packed == packed {
                return e.id;
            }
            if e.len == u32::MAX {
                return UNKNOWN;
            }
            at = (at + 1) & mask;
        }
    }
}

/// A text's token ids in a [`Vocabulary`].
#[derive(Default)]
pub struct WordIds(Vec<u32>);

impl Vocabulary {
    /// The union of the matchers' words. The first matcher's words keep its own ids (see
    /// [`Matcher::attach`]); the others' new words follow.
    pub fn of(matchers: &[&Matcher]) -> Vocabulary {
        let mut ids = FxHashMap::default();
        for (k, m) in matchers.iter().enumerate() {
            let mut words: Vec<(&String, u32)> = m.vocab.iter().map(|(w, &id)| (w, id)).collect();
            if k == 0 {
                words.sort_unstable_by_key(|&(_, id)| id);
            } else {
                words.sort_unstable();
            }
            for (w, _) in words {
                let next = ids.len() as u32;
                ids.entry(w.clone()).or_insert(next);
            }
        }
        let table = WordTable::of(&ids);
        Vocabulary { ids, table }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id of every token of a text.
    pub fn ids(&self, tokens: &Tokens) -> WordIds {
        let mut out = WordIds::default();
        self.ids_into(tokens, &mut out);
        out
    }

    /// [`Vocabulary::ids`] into `out`, reusing its buffer.
    pub fn ids_into(&self, tokens: &Tokens, out: &mut WordIds) {
        out.0.clear();
        out.0.extend((0..tokens.tokens.len()).map(|i| {
            let word = tokens.norm_bytes(i);
            match self.table.get(word) {
                UNKNOWN => self.elongated(word),
                id => id,
            }
        }));
    }

    /// The id of the word a stretched one stands for ("diiiie", "soooo alone", "kiiill"): each
    /// run of three or more of one letter read as one letter or two, the first such word that
    /// a pattern uses (a chat form of `_spelling.toml` read as its word: "soo" is "so"). One
    /// letter is tried first ("diiiie" is "die", "kiiill" is "kill" as "kil" is no word),
    /// except for `e`, `o`, `l` and `f`, which people stretch in doubled words more often than
    /// not ("sleeep", "goood", "alllll", "offff"). A stretched `h` makes no word of two letters
    /// ("shhh" is no "sh", "deathhh" is "death"). At most three runs are read; else, or with no
    /// such word, `UNKNOWN`.
    fn elongated(&self, word: &[u8]) -> u32 {
        const MAX_RUNS: usize = 3;
        let mut runs = [(0usize, 0usize); MAX_RUNS];
        let (mut n, mut k) = (0, 0);
        while k < word.len() {
            let b = word[k];
            let mut e = k + 1;
            while e < word.len() && word[e] == b {
                e += 1;
            }
            if e - k >= 3 && b.is_ascii_lowercase() {
                if n == MAX_RUNS {
                    return UNKNOWN;
                }
                runs[n] = (k, e);
                n += 1;
            }
            k = e;
        }
        if n == 0 || word.len() > 64 {
            return UNKNOWN;
        }
        let runs = &runs[..n];
        // Bit `r` of a choice set: run `r` read as two letters. Tried from the preferred
        // reading (two for `e`, `o`, `l` and `f`, one for the rest) outwards: by how many runs
        // differ.
        let preferred = runs.iter().enumerate().fold(0u32, |acc, (r, &(k, _))| {
            acc | (u32::from(matches!(word[k], b'e' | b'o' | b'l' | b'f')) << r)
        });
        let mut choices = [0u32, 1, 2, 3, 4, 5, 6, 7];
        let choices = &mut choices[..1 << n];
        choices.sort_by_key(|c| (c ^ preferred).count_ones());
        let mut buf = [0u8; 64];
        for &mut choice in choices {
            let mut len = 0;
            let mut at = 0;
            for (r, &(k, e)) in runs.iter().enumerate() {
                let keep = 1 + ((choice >> r) & 1) as usize;
                buf[len..len + k - at].copy_from_slice(&word[at..k]);
                len += k - at;
                buf[len..len + keep].fill(word[k]);
                len += keep;
                at = e;
            }
            buf[len..len + word.len() - at].copy_from_slice(&word[at..]);
            len += word.len() - at;
            let read = &buf[..len];
            // (A sound is no word of two letters: "shhh" is not "sh", self-harm here.)
            if len <= 2 && runs.iter().any(|&(k, _)| word[k] == b'h') {
                continue;
            }
            let id = self
                .table
                .get(crate::token::spelling_of(read).map_or(read, str::as_bytes));
            if id != UNKNOWN {
                return id;
            }
        }
        UNKNOWN
    }

    /// The id of `word`, or `u32::MAX` when no pattern uses it.
    pub fn id(&self, word: &str) -> u32 {
        self.table.get(word.as_bytes())
    }

    /// The id a token written `word` (lower case) is read as: the word's, or that of the word
    /// it stretches (`Vocabulary::elongated`).
    pub fn id_of_token(&self, word: &str) -> u32 {
        match self.table.get(word.as_bytes()) {
            UNKNOWN => self.elongated(word.as_bytes()),
            id => id,
        }
    }
}

impl Matcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a pattern; returns its index.
    pub fn add(&mut self, source: &str, lexicon: &Lexicon) -> Result<u32, PatternError> {
        let err = |reason: String| PatternError {
            pattern: source.to_string(),
            reason,
        };
        let index = self.patterns.len() as u32;
        if let Some(re) = source.strip_prefix("re:") {
            let regex = regex::RegexBuilder::new(re)
                .case_insensitive(true)
                .build()
                .map_err(|e| err(e.to_string()))?;
            // A Unicode `\b` keeps the regex crate's fast engines off text that is not ASCII
            // (a quarter of real posts: curly apostrophes, emoji); there the same regex without
            // its word boundaries, which matches wherever the regex does, is asked first.
            let bare = without_word_boundaries(re);
            let relaxed = (bare != re)
                .then(|| {
                    regex::RegexBuilder::new(&bare)
                        .case_insensitive(true)
                        .build()
                        .ok()
                })
                .flatten();
            self.patterns.push(Compiled::Regex(regex, relaxed));
            self.regexes.push(index);
            self.regex_sources.push(re.to_string());
            self.regex_gate = std::sync::OnceLock::new();
            self.from_global.clear();
            return Ok(index);
        }
        self.from_global.clear();
        let expanded = expand_classes(source, lexicon).map_err(err)?;
        let steps = self.parse(&expanded).map_err(err)?;
        let (firsts, prefixes) = first_words(&steps).map_err(err)?;
        for p in prefixes {
            self.prefix_starts.push((p, index));
        }
        for &id in &firsts {
            if self.starts.len() <= id as usize {
                self.starts.resize(id as usize + 1, Vec::new());
            }
            let list = &mut self.starts[id as usize];
            if !list.contains(&index) {
                list.push(index);
            }
        }
        let none = self.required_sigs.len() as u32;
        self.required.resize(index as usize, none..none);
        let (covered, stop) = prefix_plan(&steps, PREFIX_LIMIT);
        self.required_sigs.extend(
            required_words(&steps, covered)
                .iter()
                .map(|set| signature(set.iter().copied()))
                // A signature with every bit set rules nothing out.
                .filter(|&sig| sig != u128::MAX),
        );
        self.required.push(none..self.required_sigs.len() as u32);
        self.walk = std::sync::OnceLock::new();
        self.covered.resize(index as usize, 0);
        self.covered.push(covered as u32);
        self.stops.resize(index as usize, false);
        self.stops.push(stop);
        if has_empty_prefix(&steps, covered, stop) {
            for &id in &firsts {
                if self.loose_starts.len() <= id as usize {
                    self.loose_starts.resize(id as usize + 1, Vec::new());
                }
                if !self.loose_starts[id as usize].contains(&index) {
                    self.loose_starts[id as usize].push(index);
                }
            }
        }
        self.patterns.push(Compiled::Tokens(steps));
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether pattern `p` is a regex (`re:`).
    #[cfg(test)]
    pub(crate) fn patterns_is_regex(&self, p: u32) -> bool {
        matches!(self.patterns.get(p as usize), Some(Compiled::Regex(..)))
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The id of one written form: every distinct form has its own, so that what a word
    /// matches never depends on which other words the matcher's patterns happen to use.
    fn intern(&mut self, word: &str) -> u32 {
        let next = self.n_ids;
        let id = *self.vocab.entry(word.to_string()).or_insert(next);
        if id == next {
            self.n_ids += 1;
        }
        id
    }

    /// The ids a written word matches: itself and, for a word with an apostrophe, its bare
    /// form, since people drop apostrophes ("dont", "im"); but some bare forms are other
    /// words: "i'll"/"ill", "he'll"/"hell", "we're"/"were", "od'd"/"odd". ("kid's" matches
    /// "kids"; "kids" does not match "kid's".)
    fn forms(&mut self, word: &str) -> Vec<Test> {
        let mut ids = vec![Test::Word(self.intern(word))];
        if word.contains('\'') {
            let bare = word.replace('\'', "");
            if !bare.is_empty() && !BARE_IS_A_WORD.contains(&bare.as_str()) {
                ids.push(Test::Word(self.intern(&bare)));
            }
        }
        ids
    }

    fn parse(&mut self, source: &str) -> Result<Vec<Step>, String> {
        let mut steps = Vec::new();
        let mut rest = source.trim();
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("...") {
                steps.push(Step::Gap(3, false));
                rest = r.trim_start();
                continue;
            }
            if let Some(r) = rest.strip_prefix("..") {
                let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
                let n: u8 = digits
                    .parse()
                    .map_err(|_| "`..` must be followed by a number (or use `...`)".to_string())?;
                let r = &r[digits.len()..];
                let (stop, r) = match r.strip_prefix('!') {
                    Some(r) => (true, r),
                    None => (false, r),
                };
                steps.push(Step::Gap(n, stop));
                rest = r.trim_start();
                continue;
            }
            let (body, after) = if rest.starts_with('(') {
                let close = rest.find(')').ok_or("unclosed `(`")?;
                (&rest[..=close], &rest[close + 1..])
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            };
            let (body, optional, after) = match after.strip_prefix('?') {
                Some(a) => (body, true, a),
                None => match body.strip_suffix('?') {
                    Some(b) => (b, true, after),
                    None => (body, false, after),
                },
            };
            let alts: Vec<&str> = match body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
                Some(inner) => {
                    if inner.contains('(') {
                        return Err("groups cannot nest".into());
                    }
                    inner.split('|').collect()
                }
                None => vec![body],
            };
            let mut compiled = Vec::new();
            for alt in alts {
                let mut seq = Vec::new();
                for word in alt.split_whitespace() {
                    seq.extend(self.word_test(word)?);
                }
                if seq.is_empty() {
                    return Err("an empty alternative (use `?` for optional)".into());
                }
                // Inflected words expand to several tests in one position: keep them as one
                // alternative each.
                compiled.extend(explode(seq));
            }
            steps.push(Step::Elem(Elem::new(compiled, optional)));
            rest = after.trim_start();
        }
        if steps.is_empty() {
            return Err("empty pattern".into());
        }
        Ok(steps)
    }

    /// One written word to the tests for one token position. An inflected word gives several
    /// tests (any of them matches), marked by returning them wrapped in `Alt`.
    fn word_test(&mut self, word: &str) -> Result<Vec<WordTest>, String> {
        let word = word.to_lowercase().replace('’', "'");
        if word.is_empty() {
            return Err("empty word".into());
        }
        if let Some(stem) = word.strip_suffix('~') {
            let mut ids = Vec::new();
            for f in inflections(stem) {
                for t in self.forms(&f) {
                    if !ids.contains(&t) {
                        ids.push(t);
                    }
                }
            }
            return Ok(vec![WordTest::AnyOf(ids)]);
        }
        if let Some(prefix) = word.strip_suffix('*') {
            if prefix.is_empty() {
                return Err("`*` needs a prefix".into());
            }
            return Ok(vec![WordTest::One(Test::Prefix(prefix.into()))]);
        }
        if word.chars().any(|c| !(c.is_alphanumeric() || c == '\'')) {
            return Err(format!(
                "`{word}` is not a word (letters, digits and apostrophes only)"
            ));
        }
        let mut ids = self.forms(&word);
        Ok(vec![if ids.len() == 1 {
            WordTest::One(ids.pop().expect("one form"))
        } else {
            WordTest::AnyOf(ids)
        }])
    }

    /// The token ids of a text for this matcher's vocabulary.
    pub fn ids(&self, tokens: &Tokens) -> Ids {
        Ids((0..tokens.tokens.len())
            .map(|i| self.vocab.get(tokens.norm(i)).copied().unwrap_or(UNKNOWN))
            .collect())
    }

    /// Numbers this matcher's words by `vocabulary` too, for [`Matcher::ids_from`]. Adding a
    /// pattern afterwards detaches it.
    pub fn attach(&mut self, vocabulary: &Vocabulary) {
        let mut from_global = vec![UNKNOWN; vocabulary.len()];
        for (word, &id) in &self.vocab {
            if let Some(&g) = vocabulary.ids.get(word) {
                from_global[g as usize] = id;
            }
        }
        // The ids are the vocabulary's own where this matcher's words came first in it (its
        // ids are 0.. in the order made): then a text's ids are read off without the table.
        self.global_ids = (0..from_global.len()).all(|g| {
            from_global[g]
                == if g < self.n_ids as usize {
                    g as u32
                } else {
                    UNKNOWN
                }
        });
        self.from_global = from_global;
        // An attached matcher is given its regex hits by a [`RegexHits`] of several matchers:
        // its own regex gate is built only if it is ever asked without them.
        self.trie_walk();
    }

    /// Builds now what would otherwise be built on the first text: the trie's walking layout
    /// and the regex gate.
    pub fn prepare(&self) {
        self.trie_walk();
        if !self.regexes.is_empty() {
            self.regex_gate();
        }
    }

    /// Whether a sentence of signature `sig` (see [`signature`]) may have the required words
    /// of pattern `p` (see `required`).
    #[inline]
    fn may_have_required(&self, p: u32, sig: u128) -> bool {
        let r = &self.required[p as usize];
        self.required_sigs[r.start as usize..r.end as usize]
            .iter()
            .all(|&set| set & sig != 0)
    }

    fn trie_walk(&self) -> &TrieWalk {
        self.walk.get_or_init(|| self.prefix_dag().frozen())
    }

    /// The literal prefixes of the token patterns (see [`PrefixDag`]).
    fn prefix_dag(&self) -> PrefixDag {
        PrefixDag::of(self.patterns.iter().enumerate().map(|(p, c)| match c {
            Compiled::Tokens(steps) => Some((&steps[..], self.covered[p] as usize, self.stops[p])),
            Compiled::Regex(..) => None,
        }))
    }

    fn regex_gate(&self) -> &RegexGate {
        self.regex_gate
            .get_or_init(|| RegexGate::new(&self.regex_sources))
    }

    /// The token ids of a text for this matcher from its ids in the [`Vocabulary`] this
    /// matcher is attached to (by hash lookups when it is not attached).
    pub fn ids_from(&self, tokens: &Tokens, words: &WordIds) -> Ids {
        let mut out = Ids::default();
        self.ids_from_into(tokens, words, &mut out);
        out
    }

    /// [`Matcher::ids_from`] into `out`, reusing its buffer.
    pub fn ids_from_into(&self, tokens: &Tokens, words: &WordIds, out: &mut Ids) {
        if self.from_global.is_empty() || words.0.len() != tokens.tokens.len() {
            *out = self.ids(tokens);
            return;
        }
        out.0.clear();
        if self.global_ids {
            let n = self.n_ids;
            out.0
                .extend(words.0.iter().map(|&g| if g < n { g } else { UNKNOWN }));
            return;
        }
        out.0.extend(
            words
                .0
                .iter()
                .map(|&g| self.from_global.get(g as usize).copied().unwrap_or(UNKNOWN)),
        );
    }

    /// All matches in a text. Each pattern reports at most one match per start token (the
    /// longest); overlapping matches of different patterns are all kept.
    pub fn find(&self, text: &str, tokens: &Tokens) -> Vec<Match> {
        let ids = self.ids(tokens);
        self.find_with(text, tokens, &ids)
    }

    /// Matches only in the sentences marked in `only` (indexed like `tokens.sentences`):
    /// context cues matter only where there is a signal, so most of a long text is skipped.
    pub fn find_in_sentences(&self, text: &str, tokens: &Tokens, only: &[bool]) -> Vec<Match> {
        let mut ids = vec![UNKNOWN; tokens.tokens.len()];
        for (sentence, _) in tokens.sentences.iter().zip(only).filter(|(_, &keep)| keep) {
            for i in sentence.tokens.clone() {
                ids[i] = self.vocab.get(tokens.norm(i)).copied().unwrap_or(UNKNOWN);
            }
        }
        self.find_filtered(text, tokens, &Ids(ids), Some(only), false)
    }

    pub fn find_with(&self, text: &str, tokens: &Tokens, ids: &Ids) -> Vec<Match> {
        self.find_filtered(text, tokens, ids, None, false)
    }

    /// [`Matcher::find_with`], or [`Matcher::find_in_sentences_with`] when `only` is given,
    /// with which of this matcher's regexes match the text somewhere already known (`hits`, one
    /// per regex in the order added, from a [`RegexHits`] of several matchers): the text is
    /// then not searched again to find out.
    pub fn find_with_hits(
        &self,
        text: &str,
        tokens: &Tokens,
        ids: &Ids,
        only: Option<&[bool]>,
        hits: Option<&[bool]>,
    ) -> Vec<Match> {
        let mut out = Vec::new();
        self.find_with_hits_into(text, tokens, ids, only, hits, &mut out);
        out
    }

    /// [`Matcher::find_with_hits`] into `out` (cleared first), reusing its buffer.
    pub fn find_with_hits_into(
        &self,
        text: &str,
        tokens: &Tokens,
        ids: &Ids,
        only: Option<&[bool]>,
        hits: Option<&[bool]>,
        out: &mut Vec<Match>,
    ) {
        out.clear();
        self.find_hits(text, tokens, ids, only, false, hits, out);
    }

    /// [`Matcher::find_in_sentences`] with the text's ids (all of them) already known.
    pub fn find_in_sentences_with(
        &self,
        text: &str,
        tokens: &Tokens,
        ids: &Ids,
        only: &[bool],
    ) -> Vec<Match> {
        self.find_filtered(text, tokens, ids, Some(only), false)
    }

    /// The matches found the slow way: every pattern that starts with a token's word matched
    /// from its start, and every regex run (see `naive` below): the oracle of the tests.
    #[cfg(test)]
    pub(crate) fn find_naive(
        &self,
        text: &str,
        tokens: &Tokens,
        ids: &Ids,
        only: Option<&[bool]>,
    ) -> Vec<Match> {
        self.find_filtered(text, tokens, ids, only, true)
    }

    /// `naive`: every pattern that starts with a token's word is matched from its start, with no
    /// trie and no required-word filter (the matcher as first written), and every regex is run
    /// (no gate): kept as the oracle the tests compare with.
    fn find_filtered(
        &self,
        text: &str,
        tokens: &Tokens,
        ids: &Ids,
        only: Option<&[bool]>,
        naive: bool,
    ) -> Vec<Match> {
        let mut out = Vec::new();
        self.find_hits(text, tokens, ids, only, naive, None, &mut out);
        out
    }

    /// [`Matcher::find_filtered`]; `hits`: which regexes match the text somewhere, when known
    /// (see [`Matcher::find_with_hits`]). Adds the matches to `out`.
    #[allow(clippy::too_many_arguments)]
    fn find_hits(
        &self,
        text: &str,
        tokens: &Tokens,
        ids: &Ids,
        only: Option<&[bool]>,
        naive: bool,
        hits: Option<&[bool]>,
        out: &mut Vec<Match>,
    ) {
        let kept = |sentence: usize| only.is_none_or(|o| o.get(sentence).copied().unwrap_or(false));
        let trie = self.trie_walk();
        SEEN.with(|cell| {
            let cands = &mut cell.borrow_mut().cands;
            for (si, sentence) in tokens.sentences.iter().enumerate() {
                if !kept(si) {
                    continue;
                }
                let sig = signature(ids.0[sentence.tokens.clone()].iter().copied());
                for i in sentence.tokens.clone() {
                    let id = ids.0[i];
                    let end_of_sentence = sentence.tokens.end;
                    cands.clear();
                    if id != UNKNOWN {
                        if naive {
                            let starts = self.starts.get(id as usize).map(|v| &v[..]);
                            for &p in starts.unwrap_or(&[]) {
                                cands.push((p | FULL, i as u32));
                            }
                        } else {
                            if let Some(loose) = self.loose_starts.get(id as usize) {
                                cands.extend(loose.iter().map(|&p| (p | FULL, i as u32)));
                            }
                            trie.walk(&ids.0, i, end_of_sentence, cands);
                            // Grouped by pattern (the order within a group does not matter).
                            match cands.len() {
                                0 | 1 => {}
                                2 => {
                                    if cands[0].0 & !FULL > cands[1].0 & !FULL {
                                        cands.swap(0, 1);
                                    }
                                }
                                _ => cands.sort_unstable_by_key(|c| c.0 & !FULL),
                            }
                        }
                    }
                    // Candidates grouped by pattern, in pattern order: each is matched once,
                    // from where its literal prefixes end when the trie found them.
                    let mut k = 0;
                    while k < cands.len() {
                        let p = cands[k].0 & !FULL;
                        let mut g = k + 1;
                        while g < cands.len() && cands[g].0 & !FULL == p {
                            g += 1;
                        }
                        let group = &cands[k..g];
                        k = g;
                        // (Only token patterns are candidates: the signature test first, as
                        // it rules out most of them.)
                        if !naive && !self.may_have_required(p, sig) {
                            continue;
                        }
                        let Compiled::Tokens(steps) = &self.patterns[p as usize] else {
                            continue;
                        };
                        let found = if group.iter().any(|c| c.0 & FULL != 0) {
                            match_steps(steps, 0, i, end_of_sentence, tokens, &ids.0)
                        } else {
                            let from = self.covered[p as usize] as usize;
                            group
                                .iter()
                                .filter_map(|c| {
                                    // A pattern its literal prefix covers whole matches there.
                                    if from == steps.len() {
                                        return Some(c.1 as usize);
                                    }
                                    match_steps(
                                        steps,
                                        from,
                                        c.1 as usize,
                                        end_of_sentence,
                                        tokens,
                                        &ids.0,
                                    )
                                })
                                .max()
                        };
                        if let Some(end) = found.filter(|&end| end > i) {
                            out.push(Match::of_tokens(p, i, end, tokens));
                        }
                    }
                    let by_prefix = self
                        .prefix_starts
                        .iter()
                        .filter(|(prefix, _)| tokens.norm(i).starts_with(&**prefix))
                        .map(|(_, p)| *p);
                    for p in by_prefix {
                        let Compiled::Tokens(steps) = &self.patterns[p as usize] else {
                            continue;
                        };
                        if !naive && !self.may_have_required(p, sig) {
                            continue;
                        }
                        if let Some(end) = match_steps(steps, 0, i, end_of_sentence, tokens, &ids.0)
                            .filter(|&end| end > i)
                        {
                            out.push(Match::of_tokens(p, i, end, tokens));
                        }
                    }
                }
            }
        });
        // Which regexes can match at all: given, or from this matcher's own gate (most texts
        // let none through, and then none is run).
        // (The naive matcher, which the tests compare with, runs every regex.)
        let hits = hits.filter(|h| h.len() == self.regexes.len());
        let mut own = Vec::new();
        let hits = match hits {
            _ if naive => {
                own.resize(self.regexes.len(), true);
                &own[..]
            }
            Some(h) => h,
            None if self.regexes.is_empty() => &[][..],
            None => {
                self.regex_gate().candidates_into(text, &mut own);
                &own[..]
            }
        };
        for (k, &p) in self.regexes.iter().enumerate() {
            if !hits[k] {
                continue;
            }
            let Compiled::Regex(re, relaxed) = &self.patterns[p as usize] else {
                continue;
            };
            if let Some(relaxed) = relaxed.as_ref().filter(|_| !text.is_ascii()) {
                if !relaxed.is_match(text) {
                    continue;
                }
            }
            for m in re.find_iter(text) {
                // A regex that starts or ends at a sentence's or clause's edge ("(?:^|[.!?]\s+)cut
                // again", "the night\s*(?:[.!…]|$)") quotes from its first word to its last:
                // the punctuation and spaces around them are not evidence.
                let edge = |c: char| {
                    c.is_whitespace() || matches!(c, '.' | '!' | '?' | ',' | ';' | ':' | '…')
                };
                // (A list's bullet opens a line as a sentence's start does: "- cut again".)
                let start = m.start()
                    + text[m.range()]
                        .find(|c: char| !edge(c) && !matches!(c, '-' | '*' | '•'))
                        .unwrap_or(m.len());
                if start >= m.end() {
                    continue;
                }
                // (A question keeps its mark: it says what the words are.)
                let end = start
                    + text[start..m.end()]
                        .trim_end_matches(|c: char| c != '?' && edge(c))
                        .len();
                let tok_start = tokens.tokens.partition_point(|t| t.end <= start);
                let tok_end = tokens.tokens.partition_point(|t| t.start < end);
                if tok_start < tok_end && kept(tokens.tokens[tok_start].sentence as usize) {
                    out.push(Match {
                        pattern: p,
                        tok_start,
                        tok_end,
                        start,
                        end,
                    });
                }
            }
        }
    }
}

/// The regexes of several matchers behind one [`RegexGate`], so that a text is scanned once to
/// learn which of them can match it anywhere rather than once per matcher (see
/// [`Matcher::find_with_hits`]). Only those are run; the gate is a necessary condition, so the
/// matches are those of running every regex.
#[derive(Debug)]
pub struct RegexHits {
    gate: RegexGate,
    /// How many regexes each matcher has, in order.
    counts: Vec<usize>,
}

impl RegexHits {
    pub fn new(matchers: &[&Matcher]) -> RegexHits {
        let sources: Vec<&String> = matchers.iter().flat_map(|m| &m.regex_sources).collect();
        RegexHits {
            gate: RegexGate::new(&sources),
            counts: matchers.iter().map(|m| m.regexes.len()).collect(),
        }
    }

    /// For each matcher, which of its regexes may match `text` somewhere (false: cannot).
    pub fn hits(&self, text: &str) -> Vec<Vec<bool>> {
        let mut all = Vec::new();
        self.hits_into(text, &mut all);
        let mut at = 0;
        self.counts
            .iter()
            .map(|&n| {
                at += n;
                all[at - n..at].to_vec()
            })
            .collect()
    }

    /// How many regexes, of all the matchers.
    pub fn len(&self) -> usize {
        self.gate.len()
    }

    pub fn is_empty(&self) -> bool {
        self.gate.is_empty()
    }

    /// How many regexes have no rare enough required string and are asked as one set.
    pub fn common(&self) -> usize {
        self.gate.common()
    }

    /// [`RegexHits::hits`] of all the matchers one after the other in `out` (see
    /// [`RegexHits::of`]), reusing its buffer.
    pub fn hits_into(&self, text: &str, out: &mut Vec<bool>) {
        self.gate.candidates_into(text, out);
    }

    /// Matcher `k`'s part of what [`RegexHits::hits_into`] wrote.
    pub fn of<'a>(&self, all: &'a [bool], k: usize) -> &'a [bool] {
        let at: usize = self.counts[..k].iter().sum();
        &all[at..at + self.counts[k]]
    }
}

/// A written word at one position: one test, or any of several (inflections).
enum WordTest {
    One(Test),
    AnyOf(Vec<Test>),
}

/// Expands a sequence with inflected positions into plain alternatives (the product).
fn explode(seq: Vec<WordTest>) -> Vec<Vec<Test>> {
    let mut alts: Vec<Vec<Test>> = vec![Vec::new()];
    for wt in seq {
        match wt {
            WordTest::One(t) => alts.iter_mut().for_each(|a| a.push(t.clone())),
            WordTest::AnyOf(ts) => {
                let mut next = Vec::with_capacity(alts.len() * ts.len());
                for a in &alts {
                    for t in &ts {
                        let mut b = a.clone();
                        b.push(t.clone());
                        next.push(b);
                    }
                }
                alts = next;
            }
        }
    }
    alts
}

/// The required elements of a pattern after its first (see [`Matcher::required`]), from step
/// `from` on: the steps before are covered by the literal prefix the [`PrefixDag`] has matched.
fn required_words(steps: &[Step], from: usize) -> Vec<Box<[u32]>> {
    let mut out: Vec<Box<[u32]>> = Vec::new();
    let mut first = true;
    for (k, step) in steps.iter().enumerate() {
        let Step::Elem(elem) = step else { continue };
        if elem.optional {
            continue;
        }
        if first {
            first = false;
            continue;
        }
        if k < from || !elem.prefix_first.is_empty() {
            continue;
        }
        let mut ids: Vec<u32> = elem.by_first.keys().copied().collect();
        ids.sort_unstable();
        out.push(ids.into_boxed_slice());
    }
    out.sort_by_key(|ids| ids.len());
    out
}

/// The word ids and prefixes a pattern can start with.
fn first_words(steps: &[Step]) -> Result<(Vec<u32>, Vec<Box<str>>), String> {
    let mut out = Vec::new();
    let mut prefixes = Vec::new();
    for step in steps {
        match step {
            Step::Gap(..) => return Err("a pattern cannot start with a gap".into()),
            Step::Elem(elem) => {
                for alt in &elem.alts {
                    match &alt[0] {
                        Test::Word(id) => out.push(*id),
                        Test::Prefix(p) => prefixes.push(p.clone()),
                    }
                }
                if !elem.optional {
                    return Ok((out, prefixes));
                }
            }
        }
    }
    Err("every element is optional".into())
}

fn test_token(test: &Test, i: usize, tokens: &Tokens, ids: &[u32]) -> bool {
    match test {
        Test::Word(id) => ids[i] == *id,
        Test::Prefix(p) => tokens.norm(i).starts_with(&**p),
    }
}

/// Matches `steps[si..]` from token `i`; returns the end token (exclusive) of the longest match.
fn match_steps(
    steps: &[Step],
    si: usize,
    i: usize,
    end: usize,
    tokens: &Tokens,
    ids: &[u32],
) -> Option<usize> {
    if si == steps.len() {
        return Some(i);
    }
    match &steps[si] {
        Step::Gap(n, stop) => {
            let mut best = None;
            for skip in 0..=*n as usize {
                if i + skip > end {
                    break;
                }
                // The word just stepped over, for a gap that stops at the writer's own.
                if *stop && skip > 0 && FIRST_PERSON.contains(&tokens.norm(i + skip - 1)) {
                    break;
                }
                if let Some(e) = match_steps(steps, si + 1, i + skip, end, tokens, ids) {
                    best = best.max(Some(e));
                    break; // the nearest continuation is the evidence
                }
            }
            best
        }
        Step::Elem(elem) => {
            let mut best = None;
            let by_word = if i < end && elem.first_bits & (1 << (ids[i] % 64)) != 0 {
                elem.by_first.get(&ids[i]).map(|v| &v[..]).unwrap_or(&[])
            } else {
                &[]
            };
            // (Two loops rather than one over the two lists chained: most of them are empty,
            // and a chain checks which half it is in at every step.)
            let mut try_alt = |k: u32| {
                let alt = &elem.alts[k as usize];
                if i + alt.len() <= end
                    && alt
                        .iter()
                        .enumerate()
                        .all(|(k, t)| test_token(t, i + k, tokens, ids))
                {
                    if let Some(e) = match_steps(steps, si + 1, i + alt.len(), end, tokens, ids) {
                        best = best.max(Some(e));
                    }
                }
            };
            for &k in by_word {
                try_alt(k);
            }
            for &k in &elem.prefix_first {
                try_alt(k);
            }
            if elem.optional {
                if let Some(e) = match_steps(steps, si + 1, i, end, tokens, ids) {
                    best = best.max(Some(e));
                }
            }
            best
        }
    }
}

/// Replaces `@name` with the class's group from the lexicon.
fn expand_classes(source: &str, lexicon: &Lexicon) -> Result<String, String> {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let name: String = rest[at + 1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let class = lexicon
            .get(&name)
            .ok_or_else(|| format!("unknown word class `@{name}`"))?;
        if class.contains('(') || class.contains('@') {
            return Err(format!(
                "word class `@{name}` must be a plain list of alternatives"
            ));
        }
        // Inside a group the class's alternatives join the group's; outside it becomes one.
        // Groups do not nest, so inside a group the class must be a whole alternative: in a
        // longer one (`(overdosing|taking all my @pills)`) every word of the class but the first
        // would stand alone in the group.
        let depth = out.matches('(').count() as i64 - out.matches(')').count() as i64;
        if depth > 0 {
            let before = out.trim_end().chars().last();
            let after = rest[at + 1 + name.len()..].trim_start().chars().next();
            if !matches!(before, Some('(' | '|')) || !matches!(after, Some('|' | ')')) {
                return Err(format!(
                    "word class `@{name}` inside a longer alternative of a group: groups do not nest, so write that alternative as a pattern of its own"
                ));
            }
            out.push_str(class);
        } else {
            out.push('(');
            out.push_str(class);
            out.push(')');
        }
        rest = &rest[at + 1 + name.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// English inflections of a word: a regular set generated by rule, plus irregular forms.
/// Over-generation (e.g. "cutted") is harmless: such words do not occur.
pub fn inflections(stem: &str) -> Vec<String> {
    let mut forms = vec![stem.to_string()];
    let chars: Vec<char> = stem.chars().collect();
    let n = chars.len();
    let vowel = |c: char| "aeiou".contains(c);
    let last = chars.last().copied().unwrap_or(' ');
    // -s
    if stem.ends_with('s')
        || stem.ends_with('x')
        || stem.ends_with('z')
        || stem.ends_with("ch")
        || stem.ends_with("sh")
        || stem.ends_with('o')
    {
        forms.push(format!("{stem}es"));
    } else if last == 'y' && n > 1 && !vowel(chars[n - 2]) {
        forms.push(format!("{}ies", &stem[..stem.len() - 1]));
    } else {
        forms.push(format!("{stem}s"));
    }
    // -ed, -ing
    if last == 'e' {
        forms.push(format!("{stem}d"));
        if let Some(base) = stem.strip_suffix("ie") {
            forms.push(format!("{base}ying"));
        } else if !stem.ends_with("ee") {
            forms.push(format!("{}ing", &stem[..stem.len() - 1]));
        }
        forms.push(format!("{stem}ing"));
    } else if last == 'y' && n > 1 && !vowel(chars[n - 2]) {
        forms.push(format!("{}ied", &stem[..stem.len() - 1]));
        forms.push(format!("{stem}ing"));
    } else {
        forms.push(format!("{stem}ed"));
        forms.push(format!("{stem}ing"));
        // Consonant-vowel-consonant: cut → cutting, stop → stopped, plan → planning.
        if n >= 3
            && !vowel(last)
            && !"wxy".contains(last)
            && vowel(chars[n - 2])
            && !vowel(chars[n - 3])
        {
            forms.push(format!("{stem}{last}ed"));
            forms.push(format!("{stem}{last}ing"));
        }
    }
    for (base, irregular) in IRREGULAR {
        if *base == stem {
            forms.extend(irregular.iter().map(|s| s.to_string()));
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Apostrophe-less forms that are words of their own, never aliased to the contraction.
const BARE_IS_A_WORD: &[&str] = &[
    "ill", "hell", "well", "shell", "wed", "shed", "id", "odd", "were",
];

const IRREGULAR: &[(&str, &[&str])] = &[
    (
        "be",
        &[
            "am", "is", "are", "was", "were", "been", "being", "i'm", "im", "you're", "he's",
            "she's", "it's", "we're", "they're",
        ],
    ),
    ("have", &["has", "had", "having", "i've", "ive"]),
    ("do", &["does", "did", "done", "doing"]),
    ("go", &["goes", "went", "gone", "going"]),
    ("take", &["took", "taken"]),
    ("make", &["made"]),
    ("feel", &["felt"]),
    ("think", &["thought"]),
    ("bleed", &["bled"]),
    ("eat", &["ate", "eaten"]),
    ("buy", &["bought"]),
    ("write", &["wrote", "written"]),
    ("give", &["gave", "given"]),
    ("leave", &["left"]),
    ("lose", &["lost"]),
    ("get", &["got", "gotten"]),
    ("keep", &["kept"]),
    ("hang", &["hung"]),
    ("throw", &["threw", "thrown"]),
    ("tell", &["told"]),
    ("say", &["said"]),
    ("begin", &["began", "begun"]),
    ("fall", &["fell", "fallen"]),
    ("sleep", &["slept"]),
    ("find", &["found"]),
    ("hold", &["held"]),
    ("break", &["broke", "broken"]),
    ("hide", &["hid", "hidden"]),
    ("drink", &["drank", "drunk"]),
    ("swallow", &[]),
    ("stick", &["stuck"]),
    ("hurt", &[]),
    ("cut", &[]),
    ("burn", &["burnt"]),
    ("run", &["ran"]),
    ("come", &["came"]),
    ("see", &["saw", "seen"]),
    ("know", &["knew", "known"]),
    ("mean", &["meant"]),
    ("shoot", &["shot"]),
    ("drive", &["drove", "driven"]),
    ("jump", &[]),
    ("overdose", &["od'd", "oded", "od'ed"]),
    ("binge", &["bingeing"]),
    ("seek", &["sought"]),
    ("fight", &["fought"]),
    ("stand", &["stood"]),
    ("spend", &["spent"]),
    ("send", &["sent"]),
    ("lie", &["lay", "lain", "lying"]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    fn spans(patterns: &[&str], text: &str) -> Vec<String> {
        let mut lex = Lexicon::new();
        lex.insert("self".into(), "myself|me".into());
        let mut m = Matcher::new();
        for p in patterns {
            m.add(p, &lex).unwrap();
        }
        let toks = tokenize(text);
        m.find(text, &toks)
            .iter()
            .map(|x| text[x.start..x.end].to_string())
            .collect()
    }

    #[test]
    fn a_class_in_a_group_is_a_whole_alternative_or_an_error() {
        assert_eq!(
            spans(&["hate (@self|everyone)"], "I hate me. I hate everyone"),
            ["hate me", "hate everyone"]
        );
        let mut lex = Lexicon::new();
        lex.insert("self".into(), "myself|me".into());
        for bad in ["hurt (badly|hurting @self)", "(@self badly|x) again"] {
            let err = Matcher::new().add(bad, &lex).unwrap_err();
            assert!(err.reason.contains("longer alternative"), "{bad}: {err:?}");
        }
    }

    #[test]
    fn phrases_inflections_and_apostrophes() {
        assert_eq!(
            spans(&["kill~ @self"], "I keep wanting to KILL myself"),
            ["KILL myself"]
        );
        assert_eq!(
            spans(&["cut~ @self"], "cutting myself again"),
            ["cutting myself"]
        );
        assert_eq!(spans(&["take~ pills"], "she took pills"), ["took pills"]);
        assert_eq!(
            spans(
                &["don't want to live"],
                "I dont want to live. I don’t want to live"
            ),
            ["dont want to live", "don’t want to live"]
        );
    }

    /// What a word with an apostrophe matches does not depend on the matcher's other
    /// patterns: "kid's" matches "kids" whether or not another pattern uses "kids" (written
    /// before or after it), and "kids" never matches "kid's".
    #[test]
    fn an_apostrophe_word_matches_its_bare_form_whatever_else_the_matcher_holds() {
        let text = "the kids room. my kid's room";
        for patterns in [
            &["kid's room"][..],
            &["kids bedroom", "kid's room"][..],
            &["kid's room", "kids bedroom"][..],
        ] {
            assert_eq!(
                spans(patterns, text),
                ["kids room", "kid's room"],
                "{patterns:?}"
            );
        }
        assert_eq!(spans(&["kids room"], text), ["kids room"]);
        assert_eq!(
            spans(&["kid's room", "kids room"], text),
            ["kids room", "kids room", "kid's room"]
        );
        // A bare form that is another word is not matched.
        assert!(spans(&["we're here"], "we were here").is_empty());
    }

    #[test]
    fn gaps_groups_optionals_prefixes() {
        assert_eq!(
            spans(&["want~ ... die"], "I want so badly to die"),
            ["want so badly to die"]
        );
        assert!(spans(&["want~ ... die"], "I want a lot of things, but not to die").is_empty());
        assert_eq!(
            spans(&["(end|take) my (own)? life"], "to end my own life"),
            ["end my own life"]
        );
        assert_eq!(
            spans(&["saving up pill*"], "saving up pills"),
            ["saving up pills"]
        );
        assert_eq!(spans(&["suicid*"], "feeling suicidal"), ["suicidal"]);
        assert!(
            spans(&["kill~ @self"], "I will kill. Myself").is_empty(),
            "patterns never cross sentences"
        );
    }

    #[test]
    fn a_gap_with_a_bang_does_not_step_over_the_writers_own_words() {
        let p = ["she ..6! and was"];
        assert_eq!(
            spans(&p, "she fell apart after the funeral and was sectioned"),
            ["she fell apart after the funeral and was"]
        );
        assert!(spans(&p, "she knows I struggle and was kind").is_empty());
        assert!(spans(&p, "she told me off and was right").is_empty());
        // Without the bang the same gap steps over them.
        assert_eq!(
            spans(&["she ..6 and was"], "she knows I struggle and was kind"),
            ["she knows I struggle and was"]
        );
    }

    #[test]
    fn bad_patterns_say_why() {
        let lex = Lexicon::new();
        let mut m = Matcher::new();
        assert!(m
            .add("... die", &lex)
            .unwrap_err()
            .to_string()
            .contains("gap"));
        assert!(m
            .add("@nope", &lex)
            .unwrap_err()
            .to_string()
            .contains("@nope"));
        assert!(m
            .add("(a|(b))", &lex)
            .unwrap_err()
            .to_string()
            .contains("nest"));
    }

    /// Every pattern of the embedded data files (constructs, look-alikes, context cues and
    /// terminators) in one matcher, with the words its patterns use.
    fn embedded_matcher() -> &'static (Matcher, Vec<String>) {
        static M: std::sync::OnceLock<(Matcher, Vec<String>)> = std::sync::OnceLock::new();
        M.get_or_init(|| {
            let lex =
                crate::construct::parse_lexicon(crate::construct::embedded_lexicon()).unwrap();
            let mut m = Matcher::new();
            for (file, text) in crate::construct::embedded() {
                let c = crate::construct::parse(file, text).unwrap();
                for p in c.patterns.iter().chain(&c.exclude) {
                    m.add(p, &lex).unwrap();
                }
            }
            for (_, text) in crate::context::embedded() {
                let f: crate::context::ContextFile = toml::from_str(text).unwrap();
                for r in &f.rules {
                    m.add(&r.cue, &lex).unwrap();
                }
                for t in &f.terminators {
                    m.add(t, &lex).unwrap();
                }
            }
            let mut words: Vec<String> = m.vocab.keys().cloned().collect();
            words.sort();
            // Words no pattern uses, and prefixes' words.
            words.extend(
                [
                    "the", "zebra", "suicidal", "escaping", "pills", "3", "blue", "killed",
                ]
                .map(String::from),
            );
            (m, words)
        })
    }

    /// Words that one of `m`'s patterns matches: each element's alternative chosen at random,
    /// optional elements and gaps filled or not, and now and then a word dropped.
    fn sample(m: &Matcher, words_of: &[String], p: usize, next: &mut dyn FnMut() -> u64) -> String {
        let Compiled::Tokens(steps) = &m.patterns[p] else {
            return String::new();
        };
        let mut out = Vec::new();
        for step in steps {
            match step {
                Step::Gap(n, _) => {
                    for _ in 0..next() % (*n as u64 + 2) {
                        out.push("very".to_string());
                    }
                }
                Step::Elem(e) => {
                    if e.optional && next() & 1 == 0 {
                        continue;
                    }
                    let alt = &e.alts[(next() % e.alts.len() as u64) as usize];
                    for t in alt {
                        out.push(match t {
                            Test::Word(id) => words_of[*id as usize].clone(),
                            Test::Prefix(pre) => format!("{pre}ing"),
                        });
                    }
                }
            }
        }
        if next() & 3 == 0 && !out.is_empty() {
            let k = (next() % out.len() as u64) as usize;
            out.remove(k);
        }
        out.join(" ")
    }

    /// A text of `n` pieces from a seed: pattern samples (see [`sample`]) and random words of
    /// the vocabulary, with sentence and clause breaks and quotation marks.
    fn text_of(m: &Matcher, words: &[String], seed: u64, n: usize) -> String {
        let mut words_of = vec![String::new(); m.n_ids as usize];
        for (w, &id) in &m.vocab {
            if words_of[id as usize].is_empty() || !w.contains('\'') {
                words_of[id as usize] = w.clone();
            }
        }
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut out = String::new();
        for k in 0..n {
            if next() % 3 < 1 {
                let p = (next() % m.patterns.len() as u64) as usize;
                out.push_str(&sample(m, &words_of, p, &mut next));
            } else {
                out.push_str(&words[(next() % words.len() as u64) as usize]);
            }
            out.push_str(match next() % 16 {
                0 => ". ",
                1 => ", ",
                2 => "\n",
                3 if k % 2 == 0 => " “",
                4 => "” ",
                _ => " ",
            });
        }
        out
    }

    /// Matches both ways, and returns how many.
    fn both_ways(m: &Matcher, text: &str) -> usize {
        let toks = tokenize(text);
        let ids = m.ids(&toks);
        let fast = m.find_filtered(text, &toks, &ids, None, false);
        let naive = m.find_filtered(text, &toks, &ids, None, true);
        assert_eq!(fast, naive, "{text:?}");
        let found = fast.len();
        // Only some sentences, as context and look-alikes are matched.
        let only: Vec<bool> = (0..toks.sentences.len()).map(|s| s % 2 == 1).collect();
        let fast = m.find_in_sentences(text, &toks, &only);
        let naive = m.find_filtered(text, &toks, &ids, Some(&only), true);
        assert_eq!(fast, naive, "{text:?}");
        found
    }

    /// The trie only rules out patterns that cannot match: on random texts and on texts made
    /// of the patterns' own phrases, the matches (and their order) are the naive matcher's.
    #[test]
    fn the_trie_finds_what_trying_every_pattern_finds() {
        let (m, words) = embedded_matcher();
        let mut found = 0;
        for seed in 0..1500u64 {
            found += both_ways(
                m,
                &text_of(m, words, seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), 30),
            );
        }
        assert!(
            found > 5_000,
            "the texts exercise the patterns: {found} matches"
        );
    }

    #[test]
    fn the_trie_agrees_on_the_data_files_own_phrases() {
        let (m, _) = embedded_matcher();
        // Every fixture text of every construct and context file, alone and run together.
        let mut texts = Vec::new();
        for (file, text) in crate::construct::embedded() {
            let c = crate::construct::parse(file, text).unwrap();
            texts.extend(c.fixtures.iter().map(|f| f.text.clone()));
        }
        for (_, text) in crate::context::embedded() {
            let f: crate::context::ContextFile = toml::from_str(text).unwrap();
            texts.extend(f.fixtures.iter().map(|f| f.text.clone()));
        }
        assert!(texts.len() > 100);
        let found: usize = texts.iter().map(|t| both_ways(m, t)).sum();
        assert!(found > texts.len(), "{found} matches");
        for pair in texts.windows(3) {
            both_ways(m, &pair.join(" "));
            both_ways(m, &pair.join(" and ").to_lowercase().replace('.', ""));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn the_trie_agrees_on_arbitrary_word_sequences(
            picks in proptest::collection::vec((0usize..100_000, 0u8..8), 1..60)
        ) {
            let (m, words) = embedded_matcher();
            let mut text = String::new();
            for (w, sep) in picks {
                text.push_str(&words[w % words.len()]);
                text.push_str([" ", " ", " ", " ", ". ", ", ", "\n", "? "][sep as usize]);
            }
            both_ways(m, &text);
        }
    }

    /// The automaton holds exactly the prefixes that listing them breadth first gives, with
    /// the same flags: each sequence of words from the root reaches a node when it opens a
    /// listed prefix, and the node accepts the patterns of the prefixes it spells.
    #[test]
    fn the_prefix_automaton_holds_exactly_the_listed_prefixes() {
        let (m, _) = embedded_matcher();
        let dag = m.prefix_dag();
        // Every listed prefix and every sequence that opens one, with what it accepts.
        let mut want: FxHashMap<Vec<u32>, Vec<u32>> = FxHashMap::default();
        let mut loose = vec![false; m.patterns.len()];
        for (p, c) in m.patterns.iter().enumerate() {
            let Compiled::Tokens(steps) = c else { continue };
            let (prefixes, covered) = literal_prefixes(steps, PREFIX_LIMIT);
            assert_eq!(
                (covered, prefixes.iter().any(|x| x.1)),
                prefix_plan(steps, PREFIX_LIMIT),
                "pattern {p}"
            );
            assert_eq!(covered as u32, m.covered[p]);
            for (path, full) in prefixes {
                if path.is_empty() {
                    loose[p] = true;
                    continue;
                }
                for l in 1..path.len() {
                    want.entry(path[..l].to_vec()).or_default();
                }
                want.entry(path)
                    .or_default()
                    .push(if full { p as u32 | FULL } else { p as u32 });
            }
        }
        for accepts in want.values_mut() {
            accepts.sort_unstable();
            accepts.dedup();
        }
        // Every sequence of words from the root, as far as the automaton goes.
        let mut stack: Vec<(u32, Vec<u32>)> = dag
            .root
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(id, &n)| (n - 1, vec![id as u32]))
            .collect();
        let mut seen = 0;
        while let Some((node, path)) = stack.pop() {
            seen += 1;
            let accepts = want.get(&path);
            assert!(accepts.is_some(), "{path:?} opens no prefix");
            assert_eq!(
                dag.accepts_of(node as usize),
                &accepts.unwrap()[..],
                "{path:?}"
            );
            for &(id, child) in dag.links_of(node as usize) {
                let mut p = path.clone();
                p.push(id);
                stack.push((child, p));
            }
        }
        assert_eq!(seen, want.len(), "every listed prefix is reached");
        // The words leading to the same states are one node.
        assert!(
            dag.len() * 10 < want.len(),
            "{} nodes for {} sequences",
            dag.len(),
            want.len()
        );
        // Every child's word is in its parent's bits (the walk never misses a child), and no
        // other word is; children are listed by word.
        for v in 0..dag.len() {
            let links = dag.links_of(v);
            let bits = links.iter().fold(0u64, |b, &(id, _)| b | 1 << (id % 64));
            assert_eq!(bits, dag.kids[v]);
            assert!(links.windows(2).all(|w| w[0].0 < w[1].0));
        }
        for (p, &l) in loose.iter().enumerate() {
            let in_loose = m.loose_starts.iter().any(|v| v.contains(&(p as u32)));
            assert_eq!(l, in_loose, "pattern {p}");
        }
    }

    /// Merging the nodes that lead to the same leaves fewer of them, and every merged node
    /// accepts what each node it stands for accepts and leads where they lead.
    #[test]
    fn the_walking_layout_merges_equivalent_nodes() {
        let (m, _) = embedded_matcher();
        let walk = m.trie_walk();
        let dag = m.prefix_dag();
        assert!(
            walk.nodes.len() < dag.len(),
            "{} merged nodes of {}",
            walk.nodes.len(),
            dag.len()
        );
        // Every node of the automaton, reached from the root in both: the same accepted
        // patterns, the same children, and always the same merged node.
        let mut stack: Vec<(u32, u32)> = dag
            .root
            .iter()
            .zip(&walk.root)
            .filter(|(&t, _)| t > 0)
            .map(|(&t, &w)| (t - 1, w - 1))
            .collect();
        for (id, &r) in dag.root.iter().enumerate() {
            let first = &walk.first[id];
            match r {
                0 => assert!(first.accept.is_empty() && first.kids == 0),
                r => assert_eq!(
                    first.accept,
                    walk.nodes[walk.root[id] as usize - 1].accept,
                    "{r}"
                ),
            }
        }
        let mut merged_as: FxHashMap<u32, u32> = FxHashMap::default();
        while let Some((t, w)) = stack.pop() {
            if let Some(&before) = merged_as.get(&t) {
                assert_eq!(before, w);
                continue;
            }
            merged_as.insert(t, w);
            let node = &walk.nodes[w as usize];
            assert_eq!(
                walk.accept[node.accept.start as usize..node.accept.end as usize],
                *dag.accepts_of(t as usize)
            );
            let children = dag.links_of(t as usize);
            for &(id, child) in children {
                assert!(node.kids & (1 << (id % 64)) != 0);
                stack.push((child, node.child(&walk.edges, id).unwrap()));
            }
            // No other word leads anywhere (a table holds its children and empty slots only).
            let size = 1usize << (32 - node.shift);
            let table = &walk.edges[node.edges as usize..node.edges as usize + size];
            assert_eq!(
                table.iter().filter(|e| e.0 != UNKNOWN).count(),
                children.len()
            );
            assert_eq!(node.child(&walk.edges, UNKNOWN), None);
        }
        assert_eq!(merged_as.len(), dag.len(), "every node is reached");
    }

    /// Packing a word reads what copying its first 16 bytes into a zeroed buffer gives.
    #[test]
    fn packing_reads_the_first_sixteen_bytes() {
        let bytes: Vec<u8> = (1..=24).map(|b| b * 7).collect();
        for n in 0..=bytes.len() {
            let mut buf = [0u8; 16];
            buf[..n.min(16)].copy_from_slice(&bytes[..n.min(16)]);
            let want = [
                u64::from_le_bytes(buf[..8].try_into().unwrap()),
                u64::from_le_bytes(buf[8..].try_into().unwrap()),
            ];
            assert_eq!(pack(&bytes[..n]), want, "{n} bytes");
        }
    }

    /// The word table gives the ids of the hash map it is built from: for every word, for
    /// words cut short or made longer (past 16 bytes too), and for words no pattern uses.
    #[test]
    fn the_word_table_finds_what_the_map_finds() {
        let (m, words) = embedded_matcher();
        let v = Vocabulary::of(&[m]);
        let mut probes: Vec<String> = Vec::new();
        for w in v.ids.keys().chain(words) {
            probes.push(w.clone());
            probes.push(format!("{w}s"));
            probes.push(format!("{w}{w}{w}"));
            probes.push(w[..w.len() / 2].to_string());
            probes.push(format!("x{w}"));
        }
        probes
            .extend(["", "a", "zzzzzzzzzzzzzzzz", "zzzzzzzzzzzzzzzzz", "no\0pe"].map(String::from));
        let mut known = 0;
        for p in &probes {
            let expected = v.ids.get(p.as_str()).copied().unwrap_or(UNKNOWN);
            assert_eq!(v.id(p), expected, "{p:?}");
            known += (expected != UNKNOWN) as usize;
        }
        assert!(known >= v.len(), "{known} of {} words found", v.len());
        assert!(v.ids.keys().any(|w| w.len() > 16) || v.table.long.is_empty());
    }

    #[test]
    fn a_stretched_word_reads_as_the_word_a_pattern_uses() {
        let lexicon = Lexicon::new();
        let mut m = Matcher::new();
        for p in [
            "want to die",
            "(so|soo) alone",
            "end it all",
            "feel (good|god)",
            "kill myself",
            "off the bridge",
            "sh urges",
        ] {
            m.add(p, &lexicon).unwrap();
        }
        let v = Vocabulary::of(&[&m]);
        let word_of = |stretched: &str| {
            let id = v.id_of_token(stretched);
            v.ids.iter().find(|(_, &i)| i == id).map(|(w, _)| w.clone())
        };
        for (stretched, word) in [
            ("diiiie", "die"),
            ("dieeee", "die"),
            ("kiiill", "kill"),
            ("alllll", "all"),
            ("goooood", "good"),
            ("offff", "off"),
            // "soo" is a chat form of "so" (`_spelling.toml`), read as it.
            ("soooo", "so"),
            ("aaalooone", "alone"),
            ("die", "die"),
        ] {
            assert_eq!(word_of(stretched).as_deref(), Some(word), "{stretched}");
        }
        // No such word, a run of two only, more than three runs, or not a letter.
        for unknown in ["diiiiex", "dii", "aaalllooonnneee", "1111", "zzzz", "shhh"] {
            assert_eq!(word_of(unknown), None, "{unknown}");
        }
        // Through the tokens of a text, as the engine reads them.
        let text = "i want to diiiie, soooo alone";
        let tokens = crate::token::tokenize(text);
        m.attach(&v);
        let words = v.ids(&tokens);
        let found = m.find_with(text, &tokens, &m.ids_from(&tokens, &words));
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn inflections_cover_regular_and_irregular() {
        let f = inflections("starve");
        assert!(f.contains(&"starving".into()) && f.contains(&"starved".into()));
        assert!(inflections("cry").contains(&"cried".into()));
        assert!(inflections("plan").contains(&"planning".into()));
        assert!(inflections("die").contains(&"dying".into()));
    }

    #[test]
    fn word_boundaries_are_removed_and_nothing_else() {
        assert_eq!(
            without_word_boundaries(r"\b(took|swallowed)\s+\d+\b"),
            r"(took|swallowed)\s+\d+"
        );
        assert_eq!(without_word_boundaries(r"a\Bb"), "ab");
        // An escaped backslash followed by a letter b is a literal, not a boundary.
        assert_eq!(without_word_boundaries(r"x\\by"), r"x\\by");
        assert_eq!(without_word_boundaries(r"end\"), r"end\");
    }
}
