//! ConText (Harkema et al. 2009) as data: cues that change what a signal means.
//!
//! Each file in `context/` is one category (negation, historical, recent, future, hypothetical,
//! uncertainty, experiencer) with its rules: a cue written in the pattern language, the direction
//! it looks (forward, backward, both), how many words it reaches (its scope), the words that end
//! its scope (terminators: "but", "however"…), whether a clause boundary ends it, and pseudo-cues
//! (look-alikes such as "can't stop", which is not a negation). Every category carries fixtures.
//!
//! A cue never changes a signal that contains it: "don't want to live" is passive ideation, and
//! its "don't" is part of the evidence, not a negation of it.

use serde::Deserialize;
use threadcare_core::{Certainty, Cue, Experiencer, Name, Signal, Temporality};

use crate::construct::Expect;
use crate::pattern::{self, Lexicon, Match, Matcher, PatternError, Vocabulary, WordIds};
use crate::token::Tokens;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Forward,
    Backward,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Negation,
    Historical,
    Recent,
    Future,
    Hypothetical,
    Uncertainty,
    Experiencer,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Negation => "negation",
            Category::Historical => "historical",
            Category::Recent => "recent",
            Category::Future => "future",
            Category::Hypothetical => "hypothetical",
            Category::Uncertainty => "uncertainty",
            Category::Experiencer => "experiencer",
        }
    }

    /// Categories that compete for the same field: the nearest cue wins.
    fn group(self) -> u8 {
        match self {
            Category::Negation => 0,
            Category::Historical | Category::Recent | Category::Future => 1,
            Category::Hypothetical | Category::Uncertainty => 2,
            Category::Experiencer => 3,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub cue: String,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub scope: Option<u8>,
    /// A look-alike: where it matches, real cues of this category inside it are ignored.
    #[serde(default)]
    pub pseudo: bool,
    /// A pseudo-cue that frees only what follows it: evidence that starts inside it is still
    /// reached by the real cues it holds ("I never told my therapist" denies help-seeking; "I
    /// never told my therapist that I cut" does not deny the cutting). Without it, a pseudo-cue
    /// frees its own words too ("the only reason I haven't killed myself").
    #[serde(default)]
    pub only_after: bool,
    #[serde(default)]
    pub stop_at_clause: Option<bool>,
    /// A signal that this cue would reach but for a terminator gets this certainty instead
    /// ("if he leaves, I will end it": the consequent of a condition is conditional intent).
    #[serde(default)]
    pub beyond_terminator: Option<Certainty>,
    /// Experiencer only: a bare pronoun ("she", "you"), which does not apply to constructs
    /// that involve another person by nature (support, the alliance, ruptures).
    #[serde(default)]
    pub pronoun: bool,
    /// The cue applies inside the evidence too: a signal whose own words hold it ("I used to
    /// self harm") gets its effect. Off by default: a cue inside the evidence is part of it
    /// ("don't want to live" is not a negation of itself).
    #[serde(default)]
    pub inside: bool,
    /// Recent only: the cue dates the evidence within the last weeks rather than the last
    /// days ("three weeks ago", "last week"). DESIGN §5 puts suicidal behaviour "now or in the
    /// last days" at imminent; behaviour in the last weeks is severe.
    #[serde(default)]
    pub weeks: bool,
    /// Experiencer and hypothetical only: the cue asks the reader ("do you ever", "you"), so
    /// that a question it marks, answered yes by the writer in the next sentence, is the
    /// writer's own ("Do you ever want to die? Every single day."). See [`Answers`].
    #[serde(default)]
    pub asks: bool,
    /// Constructs the cue does not apply to: what its words are themselves evidence of. "If she
    /// hadn't rung I would have cut again" tells of an act that did not happen (hypothetical
    /// self-injury) and of an urge that did (`spares = ["self_injury_urge"]`).
    #[serde(default)]
    pub spares: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextFixture {
    pub text: String,
    pub construct: String,
    pub expect: Expect,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextFile {
    pub category: Category,
    pub description: String,
    pub citation: String,
    #[serde(default = "default_scope")]
    pub scope: u8,
    #[serde(default = "default_direction")]
    pub direction: Direction,
    #[serde(default)]
    pub stop_at_clause: bool,
    #[serde(default)]
    pub terminators: Vec<String>,
    /// Experiencer only: words that, inside a signal's own span, make it the writer's
    /// ("myself") or someone else's ("herself") whatever the cues say.
    #[serde(default)]
    pub span_self: Vec<String>,
    #[serde(default)]
    pub span_other: Vec<String>,
    /// Experiencer only: reflexives of `span_other` that name whoever a question "anyone else
    /// …?" asks about ("themselves"), the writer among them: with a word of `counts_in`
    /// followed by "else" before the evidence, they do not make it someone else's.
    #[serde(default)]
    pub span_whoever: Vec<String>,
    #[serde(default)]
    pub counts_in: Vec<String>,
    /// Experiencer only: verbs right before "one of" that, after a first-person word, count the
    /// writer among those the evidence's reflexive names: "I'll be one of the thousands who kill
    /// themselves".
    #[serde(default)]
    pub one_of_after: Vec<String>,
    /// Experiencer only: words that, before "one of", keep the writer out: "I won't be one of
    /// them".
    #[serde(default)]
    pub one_of_not: Vec<String>,
    /// Experiencer only: possessives ("his", "their") that make a signal someone else's as
    /// `span_other` does, unless the evidence also has a word of `span_self`: "he took his own
    /// life" is his, but in "I carved his name into my thigh" the body and the act are the
    /// writer's and "his" only names what was carved.
    #[serde(default)]
    pub span_other_possessive: Vec<String>,
    /// Experiencer only: words of `span_self` that, right after one of `told_to`, name whom
    /// something was said to rather than whose it is: "he told me his family would be better
    /// off without him" is his, though "me" stands in the evidence.
    #[serde(default)]
    pub addressee: Vec<String>,
    /// Experiencer only: the verbs of telling of `addressee`.
    #[serde(default)]
    pub told_to: Vec<String>,
    /// Experiencer only: words that, between a reflexive of `span_other` and an `addressee`,
    /// make the writer the one it was done to: "he forced himself on me" is the writer's.
    #[serde(default)]
    pub imposed_on: Vec<String>,
    /// Experiencer only: object pronouns ("you", "her") that, right after a signal's evidence
    /// (after one of `object_links` at most: "nobody cares about you"), make it about that
    /// person, when neither the evidence nor its sentence before it has a word of
    /// `span_self`: what is said of "you" is said to someone else.
    #[serde(default)]
    pub object_other: Vec<String>,
    #[serde(default)]
    pub object_links: Vec<String>,
    /// The construct families `object_other` applies to: in suicidality a "you" is often
    /// impersonal ("lethal if you take a lot").
    #[serde(default)]
    pub object_families: Vec<String>,
    /// Experiencer only: how the writer answers a question of their own.
    #[serde(default)]
    pub answers: Option<Answers>,
    pub rules: Vec<Rule>,
    pub fixtures: Vec<ContextFixture>,
}

/// A question to the reader answered by the writer: "You ever just want to stop existing? That's
/// me every night." The question's evidence is marked as the reader's (`you`) or asked about
/// (`do you ever`); a yes in the next sentence makes it the writer's own, present and definite
/// (dated by a historical or recent cue of the answer: "Yes, years ago"). A no leaves it asked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// The opening words of a yes ("yes", "that's me", "every single day").
    pub yes: Vec<String>,
    /// Yeses that say nothing with words after them ("I have a friend who…"): they count only
    /// at the end of the sentence or of a clause, or before a word of `after`.
    pub alone: Vec<String>,
    pub after: Vec<String>,
    /// Words before the yes that do not change it ("honestly", "lol").
    pub fillers: Vec<String>,
    /// Words that, within the three after the yes, undo it ("yes or no", "me neither").
    pub undo: Vec<String>,
    /// Words that open a question no yes answers ("when", "how"): "When you're at your lowest?
    /// Yes, it gets better" answers something else.
    pub open: Vec<String>,
    /// Words of the evidence or of a cue that address the reader ("yourself", "about you"):
    /// evidence someone else's only by them is asked of the reader.
    pub addressed: Vec<String>,
}

fn default_scope() -> u8 {
    6
}
fn default_direction() -> Direction {
    Direction::Forward
}

/// The embedded context files: (file name, contents).
pub fn embedded() -> &'static [(&'static str, &'static str)] {
    include!(concat!(env!("OUT_DIR"), "/context.rs"))
}

struct CompiledRule {
    file: usize,
    rule: usize,
    /// The rule's cue, shared by the cues it makes.
    name: Name,
}

/// All context rules compiled into two matchers (cues, terminators).
pub struct Context {
    pub files: Vec<ContextFile>,
    cues: Matcher,
    cue_rules: Vec<CompiledRule>,
    /// The cues of recent rules with `weeks` (see [`Rule::weeks`]).
    weeks_cues: Vec<Name>,
    terminators: Matcher,
    terminator_file: Vec<usize>,
    span_self: WordList,
    span_other: WordList,
    span_other_possessive: WordList,
    addressee: WordList,
    told_to: WordList,
    imposed_on: WordList,
    span_whoever: WordList,
    counts_in: WordList,
    one_of_after: WordList,
    one_of_not: WordList,
    object_other: WordList,
    object_links: WordList,
    object_families: Vec<String>,
    /// The cues of rules with `asks` (see [`Rule::asks`]).
    asks_cues: Vec<Name>,
    answers: AnswerWords,
}

/// [`Answers`] ready to read tokens with: each phrase as its words.
#[derive(Default)]
struct AnswerWords {
    yes: Vec<Vec<String>>,
    alone: Vec<Vec<String>>,
    after: WordList,
    fillers: WordList,
    undo: WordList,
    open: WordList,
    addressed: WordList,
}

impl AnswerWords {
    fn new(a: &Answers) -> AnswerWords {
        let phrases = |list: &[String]| -> Vec<Vec<String>> {
            list.iter()
                .map(|p| p.split_whitespace().map(str::to_lowercase).collect())
                .filter(|p: &Vec<String>| !p.is_empty())
                .collect()
        };
        AnswerWords {
            yes: phrases(&a.yes),
            alone: phrases(&a.alone),
            after: WordList::new(&a.after),
            fillers: WordList::new(&a.fillers),
            undo: WordList::new(&a.undo),
            open: WordList::new(&a.open),
            addressed: WordList::new(&a.addressed),
        }
    }
}

/// A context file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {source}")]
    Pattern { file: String, source: PatternError },
}

impl Context {
    /// Whether a recent signal was dated by a cue of the last weeks rather than the last days
    /// (a recent rule with `weeks`: "three weeks ago", "last week").
    pub fn dated_in_weeks(&self, signal: &Signal) -> bool {
        signal.temporality == Temporality::Recent
            && signal
                .cues
                .iter()
                .any(|c| c.category == "recent" && self.weeks_cues.contains(&c.rule))
    }

    pub fn new(sources: &[(&str, &str)], lexicon: &Lexicon) -> Result<Context, ContextError> {
        let mut files = Vec::new();
        for (name, text) in sources {
            let f: ContextFile = toml::from_str(text).map_err(|e| ContextError::Parse {
                file: name.to_string(),
                message: e.to_string(),
            })?;
            if f.fixtures.is_empty() {
                return Err(ContextError::Parse {
                    file: name.to_string(),
                    message: "a context file needs fixtures".into(),
                });
            }
            if let Some(r) = f.rules.iter().find(|r| r.weeks) {
                if f.category != Category::Recent {
                    return Err(ContextError::Parse {
                        file: name.to_string(),
                        message: format!("rule `{}`: `weeks` is for recent cues only", r.cue),
                    });
                }
            }
            if let Some(r) = f.rules.iter().find(|r| {
                r.asks && !matches!(f.category, Category::Experiencer | Category::Hypothetical)
            }) {
                return Err(ContextError::Parse {
                    file: name.to_string(),
                    message: format!(
                        "rule `{}`: `asks` is for experiencer and hypothetical cues only",
                        r.cue
                    ),
                });
            }
            if f.answers.is_some() && f.category != Category::Experiencer {
                return Err(ContextError::Parse {
                    file: name.to_string(),
                    message: "`answers` belong in the experiencer file".into(),
                });
            }
            if let Some(r) = f.rules.iter().find(|r| r.only_after && !r.pseudo) {
                return Err(ContextError::Parse {
                    file: name.to_string(),
                    message: format!("rule `{}`: `only_after` is for pseudo-cues only", r.cue),
                });
            }
            files.push((name.to_string(), f));
        }
        let mut cues = Matcher::new();
        let mut cue_rules = Vec::new();
        let mut weeks_cues = Vec::new();
        let mut terminators = Matcher::new();
        let mut terminator_file = Vec::new();
        let mut span_self = Vec::new();
        let mut span_other = Vec::new();
        let mut span_other_possessive = Vec::new();
        let (mut addressee, mut told_to) = (Vec::new(), Vec::new());
        let mut imposed_on = Vec::new();
        let (mut span_whoever, mut counts_in) = (Vec::new(), Vec::new());
        let (mut one_of_after, mut one_of_not) = (Vec::new(), Vec::new());
        let (mut object_other, mut object_links) = (Vec::new(), Vec::new());
        let mut object_families = Vec::new();
        let mut asks_cues = Vec::new();
        let mut answers = AnswerWords::default();
        for (fi, (name, f)) in files.iter().enumerate() {
            if let Some(a) = &f.answers {
                answers = AnswerWords::new(a);
            }
            for (ri, r) in f.rules.iter().enumerate() {
                cues.add(&r.cue, lexicon)
                    .map_err(|source| ContextError::Pattern {
                        file: name.clone(),
                        source,
                    })?;
                cue_rules.push(CompiledRule {
                    file: fi,
                    rule: ri,
                    name: Name::from(r.cue.as_str()),
                });
                if r.weeks {
                    weeks_cues.push(Name::from(r.cue.as_str()));
                }
                if r.asks {
                    asks_cues.push(Name::from(r.cue.as_str()));
                }
            }
            for t in &f.terminators {
                terminators
                    .add(t, lexicon)
                    .map_err(|source| ContextError::Pattern {
                        file: name.clone(),
                        source,
                    })?;
                terminator_file.push(fi);
            }
            span_self.extend(f.span_self.iter().cloned());
            span_other.extend(f.span_other.iter().cloned());
            span_other_possessive.extend(f.span_other_possessive.iter().cloned());
            addressee.extend(f.addressee.iter().cloned());
            told_to.extend(f.told_to.iter().cloned());
            imposed_on.extend(f.imposed_on.iter().cloned());
            span_whoever.extend(f.span_whoever.iter().cloned());
            counts_in.extend(f.counts_in.iter().cloned());
            one_of_after.extend(f.one_of_after.iter().cloned());
            one_of_not.extend(f.one_of_not.iter().cloned());
            object_other.extend(f.object_other.iter().cloned());
            object_links.extend(f.object_links.iter().cloned());
            object_families.extend(f.object_families.iter().cloned());
        }
        Ok(Context {
            files: files.into_iter().map(|(_, f)| f).collect(),
            cues,
            cue_rules,
            weeks_cues,
            terminators,
            terminator_file,
            span_self: WordList::new(&span_self),
            span_other: WordList::new(&span_other),
            span_other_possessive: WordList::new(&span_other_possessive),
            addressee: WordList::new(&addressee),
            told_to: WordList::new(&told_to),
            imposed_on: WordList::new(&imposed_on),
            span_whoever: WordList::new(&span_whoever),
            counts_in: WordList::new(&counts_in),
            one_of_after: WordList::new(&one_of_after),
            one_of_not: WordList::new(&one_of_not),
            object_other: WordList::new(&object_other),
            object_links: WordList::new(&object_links),
            object_families,
            asks_cues,
            answers,
        })
    }

    /// The cue and terminator matchers, to number their words with others'.
    pub fn matchers(&self) -> [&Matcher; 2] {
        [&self.cues, &self.terminators]
    }

    /// Numbers the cues' and terminators' words by `vocabulary` too (see [`Matcher::attach`]).
    pub fn attach(&mut self, vocabulary: &Vocabulary) {
        self.cues.attach(vocabulary);
        self.terminators.attach(vocabulary);
    }

    /// Sets negation, temporality, certainty, experiencer and quotation on signals found in
    /// `tokens`. `spans[i]` is the token range of `signals[i]`.
    pub fn apply(
        &self,
        text: &str,
        tokens: &Tokens,
        signals: &mut [Signal],
        spans: &[(usize, usize)],
        pronouns_apply: &dyn Fn(&str) -> bool,
    ) {
        let pronouns: Vec<bool> = signals
            .iter()
            .map(|s| pronouns_apply(&s.construct))
            .collect();
        self.apply_with(text, tokens, signals, spans, &pronouns, None);
    }

    /// [`Context::apply`] with whether pronoun cues apply given per signal, and the text's word
    /// ids in the vocabulary the matchers are attached to, when known.
    pub fn apply_with(
        &self,
        text: &str,
        tokens: &Tokens,
        signals: &mut [Signal],
        spans: &[(usize, usize)],
        pronouns_apply: &[bool],
        words: Option<&WordIds>,
    ) {
        if signals.is_empty() {
            return;
        }
        // Cues reach only within a sentence: look for them only where there is a signal.
        let mut only = vec![false; tokens.sentences.len()];
        for &(start, _) in spans {
            if let Some(slot) = only.get_mut(tokens.tokens[start].sentence as usize) {
                *slot = true;
            }
        }
        Context::mark_answers(text, tokens, &mut only);
        let (cue_matches, term_matches) = match words {
            Some(words) => (
                self.cues.find_in_sentences_with(
                    text,
                    tokens,
                    &self.cues.ids_from(tokens, words),
                    &only,
                ),
                self.terminators.find_in_sentences_with(
                    text,
                    tokens,
                    &self.terminators.ids_from(tokens, words),
                    &only,
                ),
            ),
            None => (
                self.cues.find_in_sentences(text, tokens, &only),
                self.terminators.find_in_sentences(text, tokens, &only),
            ),
        };
        self.apply_matches(
            text,
            tokens,
            signals,
            spans,
            pronouns_apply,
            &cue_matches,
            &term_matches,
        );
    }

    /// [`Context::apply_with`] with the cue and terminator matches known (numbered as this
    /// context's cues and terminators, in the sentences of the signals).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn apply_matches(
        &self,
        text: &str,
        tokens: &Tokens,
        signals: &mut [Signal],
        spans: &[(usize, usize)],
        pronouns_apply: &[bool],
        cue_matches: &[Match],
        term_matches: &[Match],
    ) {
        if signals.is_empty() {
            return;
        }
        // Whether any signal can sit in a block quote or a link: most texts hold no quote
        // marker, link or bracket at all, and then no signal is looked at for them.
        // (`&` for "&gt;"; `/` for "://".)
        let may_quote = may_quote_or_link(text);
        // The buffers are kept per thread between texts (fresh ones when this thread is
        // already using them).
        LIVE.with(|cell| {
            let mut fresh = LiveScratch::default();
            let mut held = cell.try_borrow_mut();
            let LiveScratch {
                live,
                terms,
                pseudo,
                pseudo_after,
            } = held.as_deref_mut().unwrap_or(&mut fresh);
            // The live cues by sentence (in the order found within one): a signal looks only at
            // those of its own sentence.
            self.drop_pseudo(cue_matches, live, pseudo, pseudo_after);
            for (sentence, ci, _) in live.iter_mut() {
                *sentence = tokens.tokens[cue_matches[*ci as usize].tok_start].sentence;
            }
            live.sort_unstable();
            // The terminators by file, then by where they start: a cue looks only at those of its
            // file that start in its gap.
            terms.clear();
            terms.extend(term_matches.iter().map(|t| {
                (
                    self.terminator_file[t.pattern as usize] as u32,
                    t.tok_start as u32,
                    t.tok_end as u32,
                )
            }));
            terms.sort_unstable();
            for ((signal, &(s_start, s_end)), &pronouns) in
                signals.iter_mut().zip(spans).zip(pronouns_apply)
            {
                // Quotation is structural: the evidence sits inside quotation marks. Not scare
                // quotes around a word or two of it ("my \"friends\" just ignore me"): the
                // writer still says the rest.
                if tokens.tokens[s_start..s_end].iter().any(|t| t.quoted)
                    && !scare_quoted(tokens, s_start, s_end)
                {
                    signal.quoted = true;
                }
                let sentence = tokens.tokens[s_start].sentence;
                // Nearest cue per group wins: (distance, effect, category, cue match). The
                // `Cue` is made for the winners only.
                let mut best: [Nearest; 4] = Default::default();
                let from = live.partition_point(|&(s, ..)| s < sentence);
                for &(cue_sentence, ci, shadow) in &live[from..] {
                    if cue_sentence != sentence {
                        break;
                    }
                    // A cue inside an `only_after` pseudo-cue still reaches evidence that starts
                    // inside it ("never told my therapist": help-seeking denied), not what
                    // follows it ("never told my therapist that I cut").
                    if s_start as u32 >= shadow {
                        continue;
                    }
                    let ci = ci as usize;
                    let m = &cue_matches[ci];
                    // A cue that starts inside the evidence is part of it and does not change it
                    // ("don't want to live"). One that starts before and runs into it still does
                    // ("one year since" + "since my attempt").
                    let cr = &self.cue_rules[m.pattern as usize];
                    let file = &self.files[cr.file];
                    let rule = &file.rules[cr.rule];
                    if rule.pseudo
                        || (rule.pronoun && !pronouns)
                        || rule.spares.iter().any(|c| *c == *signal.construct)
                    {
                        continue;
                    }
                    if m.tok_start >= s_start && m.tok_start < s_end {
                        // Unless the rule says it applies inside the evidence ("used to" in "I
                        // used to self harm"): then it is the nearest cue there is, where the
                        // words it looks at (after it, for a forward cue) are evidence too.
                        // And a cue that looks back (or both ways) and runs out past the
                        // evidence's end is not part of it: in "attempted last spring" the
                        // evidence ends on "last", and "last spring" still dates it.
                        let g = file.category.group() as usize;
                        let direction = rule.direction.unwrap_or(file.direction);
                        let looks_at_evidence = match direction {
                            Direction::Forward => m.tok_end < s_end,
                            Direction::Backward => m.tok_start > s_start,
                            Direction::Both => true,
                        };
                        let runs_out = m.tok_end > s_end && direction != Direction::Forward;
                        if ((rule.inside && looks_at_evidence) || runs_out)
                            && best[g].as_ref().is_none_or(|(d, ..)| *d > 0)
                        {
                            best[g] =
                                Some((0, Effect::of(file.category), file.category.name(), ci));
                        }
                        continue;
                    }
                    let direction = rule.direction.unwrap_or(file.direction);
                    let scope = rule.scope.unwrap_or(file.scope) as usize;
                    let stop_at_clause = rule.stop_at_clause.unwrap_or(file.stop_at_clause);
                    let (gap_start, gap_end, forward) = if m.tok_start < s_start {
                        (m.tok_end.min(s_start), s_start, true)
                    } else {
                        (s_end, m.tok_start, false)
                    };
                    let allowed = match direction {
                        Direction::Forward => forward,
                        Direction::Backward => !forward,
                        Direction::Both => true,
                    };
                    if !allowed || gap_end - gap_start > scope {
                        continue;
                    }
                    let file_key = cr.file as u32;
                    let first = terms.partition_point(|&(f, start, _)| {
                        (f, start) < (file_key, gap_start as u32)
                    });
                    // The past ends at a word of the present even inside the evidence that
                    // follows the cue: in "last spring ... everything still feels pointless"
                    // the feeling is now.
                    let last = if forward && file.category == Category::Historical {
                        s_end.saturating_sub(1).max(gap_end)
                    } else {
                        gap_end
                    };
                    let blocked = terms[first..]
                        .iter()
                        .take_while(|&&(f, start, _)| f == file_key && start as usize <= last)
                        .any(|&(_, start, end)| {
                            let (start, end) = (start as usize, end as usize);
                            start < s_end.max(gap_end) && !(start < m.tok_end && m.tok_start < end)
                        })
                        || (stop_at_clause && clause_between(tokens, gap_start, gap_end));
                    let effect = if blocked {
                        match (forward, rule.beyond_terminator) {
                            (true, Some(c)) => Effect::Certainty(c),
                            _ => continue,
                        }
                    } else {
                        Effect::of(file.category)
                    };
                    let distance = gap_end - gap_start;
                    let category = match effect {
                        Effect::Certainty(Certainty::Conditional) => "conditional",
                        _ => file.category.name(),
                    };
                    let g = file.category.group() as usize;
                    if best[g].as_ref().is_none_or(|(d, ..)| distance < *d) {
                        best[g] = Some((distance, effect, category, ci));
                    }
                }
                for (_, effect, category, ci) in best.into_iter().flatten() {
                    let m = &cue_matches[ci];
                    effect.apply(signal);
                    signal.cues.push(cue_on(
                        text,
                        category,
                        self.cue_rules[m.pattern as usize].name.clone(),
                        m.start,
                        m.end,
                    ));
                }
                // The evidence's own words settle whose experience it is.
                let has_word =
                    |list: &WordList| (s_start..s_end).any(|i| list.contains(tokens.norm(i)));
                // (The "me" of "he told me his family …" is whom it was said to; that of "he
                // told me to leave" is also who is to act.)
                let has_self = (s_start..s_end).any(|i| {
                    let w = tokens.norm(i);
                    self.span_self.contains(w)
                        && !(self.addressee.contains(w)
                            && i > s_start
                            && self.told_to.contains(tokens.norm(i - 1))
                            && !(i + 1 < s_end && tokens.norm(i + 1) == "to"))
                });
                // ("Anyone else think about killing themselves every day?" counts the writer
                // in: its "themselves" is whoever answers, the writer among them.)
                let whoever = |list: &WordList| {
                    (s_start..s_end).all(|i| {
                        let w = tokens.norm(i);
                        !list.contains(w) || self.span_whoever.contains(w)
                    })
                };
                // (The reflexive of "he forced himself on me" is the doer's; the act was
                // done to the writer.)
                let has_other = (s_start..s_end).any(|i| {
                    self.span_other.contains(tokens.norm(i))
                        && !(i + 2 < s_end
                            && self.imposed_on.contains(tokens.norm(i + 1))
                            && self.addressee.contains(tokens.norm(i + 2)))
                });
                let others = (has_other || (has_word(&self.span_other_possessive) && !has_self))
                    && !(self.counts_writer_in(tokens, s_start)
                        && whoever(&self.span_other)
                        && whoever(&self.span_other_possessive));
                if others {
                    make_someone_elses(signal, SPAN_OTHER);
                } else if signal.experiencer == Experiencer::Other && has_self {
                    signal.experiencer = Experiencer::Writer;
                    signal.cues.retain(|c| c.category != "experiencer");
                } else if signal.experiencer == Experiencer::Writer
                    && pronouns
                    && self.object_families.iter().any(|f| *f == signal.family)
                {
                    if let Some((from, to)) = self.object_after(tokens, s_start, s_end) {
                        signal.experiencer = Experiencer::Other;
                        signal.cues.push(cue_on(
                            text,
                            "experiencer",
                            Name::from_static(OBJECT_OTHER),
                            from,
                            to,
                        ));
                    }
                }
                // Quoted words someone else said ("my friend said 'I want to die'"): their `I` is
                // the speaker, so the experience is someone else's.
                // The writer's own words that they report saying ("I told my therapist 'I want
                // to die'") are the writer's disclosure: not a quotation of someone else.
                if signal.quoted {
                    if let Some((writer, (from, to))) = speaker(tokens, s_start) {
                        let (category, rule) = if writer {
                            signal.quoted = false;
                            ("quotation", WRITER_SPEECH)
                        } else {
                            signal.experiencer = Experiencer::Other;
                            signal.cues.retain(|c| c.category != "experiencer");
                            ("experiencer", REPORTED_SPEECH)
                        };
                        signal
                            .cues
                            .push(cue_on(text, category, Name::from_static(rule), from, to));
                    }
                }
                // A block quote of the text answered, or a link's address or words: not the
                // writer's own disclosure.
                if may_quote && !signal.quoted {
                    if let Some((rule, (from, to))) = quoted_block_or_link(text, tokens, s_start) {
                        signal.quoted = true;
                        signal.cues.push(cue_on(
                            text,
                            "quotation",
                            Name::from_static(rule),
                            from,
                            to,
                        ));
                    }
                }
                // A question to the reader that the writer answers yes in the next sentence
                // ("Do you ever want to die? Every single day.") is the writer's own. (Not a
                // construct that involves another person by nature: a reply's question is asked
                // of someone else whatever follows it.)
                if pronouns
                    && (signal.experiencer == Experiencer::Other
                        || signal.certainty == Certainty::Hypothetical)
                {
                    self.take_answer(text, tokens, signal, (s_start, s_end), live, cue_matches);
                }
            }
        });
    }

    /// Marks, after each marked sentence that ends with a question mark, the next one: the
    /// writer may answer the question there, and its cues date the answer ("Yes, years ago").
    pub(crate) fn mark_answers(text: &str, tokens: &Tokens, marks: &mut [bool]) {
        // From the end, so that a mark made here is not taken for a question's.
        for q in (0..marks.len().saturating_sub(1)).rev() {
            if marks[q] && ends_with_question(text, tokens, q) {
                marks[q + 1] = true;
            }
        }
    }

    /// The writer's yes to the question that sentence `q` ends with, in the sentence after it:
    /// (the yes's first token, its byte span).
    fn answer(&self, text: &str, tokens: &Tokens, q: usize) -> Option<(usize, (usize, usize))> {
        let a = &self.answers;
        if a.yes.is_empty() && a.alone.is_empty() || !ends_with_question(text, tokens, q) {
            return None;
        }
        // A question of what, when or how is not answered yes.
        if a.open
            .contains(tokens.norm(tokens.sentences[q].tokens.start))
        {
            return None;
        }
        // A question back ("Me?", "Yes?") answers nothing.
        let next = tokens.sentences.get(q + 1)?;
        if ends_with_question(text, tokens, q + 1) {
            return None;
        }
        let range = next.tokens.clone();
        let mut at = range.start;
        while at < range.end && at < range.start + 2 && a.fillers.contains(tokens.norm(at)) {
            at += 1;
        }
        let spells = |p: &&Vec<String>| {
            at + p.len() <= range.end
                && p.iter()
                    .enumerate()
                    .all(|(k, w)| tokens.norm(at + k) == w.as_str())
        };
        let yes = a.yes.iter().filter(spells).map(Vec::len).max();
        let alone = a
            .alone
            .iter()
            .filter(spells)
            .map(Vec::len)
            .max()
            .filter(|&n| {
                let end = at + n;
                end == range.end
                    || tokens.tokens[end - 1].clause_end
                    || a.after.contains(tokens.norm(end))
            });
        let end = at + yes.into_iter().chain(alone).max()?;
        if (end..range.end.min(end + 3)).any(|i| a.undo.contains(tokens.norm(i)))
            || tokens.tokens[at].quoted
        {
            return None;
        }
        Some((at, (tokens.tokens[at].start, tokens.tokens[end - 1].end)))
    }

    /// Makes `signal` (evidence `span`) the writer's where it is someone else's or asked only
    /// because its sentence asks the reader, and the writer answers yes in the next sentence
    /// (see [`Answers`]).
    fn take_answer(
        &self,
        text: &str,
        tokens: &Tokens,
        signal: &mut Signal,
        (s_start, s_end): (usize, usize),
        live: &[(u32, u32, u32)],
        cue_matches: &[Match],
    ) {
        let a = &self.answers;
        let addressed = |words: &str| {
            words
                .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
                .any(|w| a.addressed.contains(&w.to_lowercase().replace('’', "'")))
        };
        let mut asks = false;
        for c in &signal.cues {
            if !(c.category == "experiencer"
                || c.category == "hypothetical"
                || c.category == "quotation")
            {
                continue;
            }
            let asking = self.asks_cues.contains(&c.rule)
                || c.rule == BLOCK_QUOTE
                || c.rule == OBJECT_OTHER && addressed(&c.text)
                || c.rule == SPAN_OTHER
                    && (s_start..s_end).all(|i| {
                        let w = tokens.norm(i);
                        !self.span_other.contains(w) || a.addressed.contains(w)
                    });
            if !asking {
                return;
            }
            asks = true;
        }
        // Quotation marks are someone's words, not a question of the writer's.
        if !asks || signal.quoted && !signal.cues.iter().any(|c| c.rule == BLOCK_QUOTE) {
            return;
        }
        let q = tokens.tokens[s_start].sentence as usize;
        let Some((at, (from, to))) = self.answer(text, tokens, q) else {
            return;
        };
        // An answer in a block quote is the quoted person's.
        if quoted_block_or_link(text, tokens, at).is_some() {
            return;
        }
        // The cues of the answer: someone else named near the yes ("Yes, my sister does")
        // leaves the question asked; a date dates it.
        let answer_sentence = q as u32 + 1;
        let from_live = live.partition_point(|&(s, ..)| s < answer_sentence);
        let mut date = None;
        for &(sentence, ci, _) in &live[from_live..] {
            if sentence != answer_sentence {
                break;
            }
            let m = &cue_matches[ci as usize];
            let (file, rule) = self.rule_of(m);
            if rule.pseudo {
                continue;
            }
            match file.category {
                Category::Experiencer if !rule.asks && m.tok_start < at + 8 => return,
                Category::Historical | Category::Recent if date.is_none() => date = Some(ci),
                _ => {}
            }
        }
        signal.experiencer = Experiencer::Writer;
        signal.certainty = Certainty::Definite;
        signal.quoted = false;
        signal.cues.retain(|c| {
            !(c.category == "experiencer"
                || c.category == "hypothetical"
                || c.category == "quotation")
        });
        signal.cues.push(cue_on(
            text,
            "experiencer",
            Name::from_static(ANSWERED),
            from,
            to,
        ));
        if let Some(ci) = date {
            let m = &cue_matches[ci as usize];
            let cr = &self.cue_rules[m.pattern as usize];
            let category = self.files[cr.file].category;
            Effect::of(category).apply(signal);
            signal.cues.push(Cue {
                category: Name::from_static(category.name()),
                rule: cr.name.clone(),
                text: text[m.start..m.end].to_string(),
                start: m.start,
                end: m.end,
            });
        }
    }

    /// Whether the sentence of token `at` counts the writer in within the twelve words before
    /// it: it asks "anyone else …" (a word of `counts_in` followed by "else"), or the writer
    /// says they are or will be "one of" those it names (after a word of `one_of_after`).
    fn counts_writer_in(&self, tokens: &Tokens, at: usize) -> bool {
        let sentence = tokens.tokens[at].sentence as usize;
        let first = tokens.sentences[sentence]
            .tokens
            .start
            .max(at.saturating_sub(12));
        let anyone_else = (first..at.saturating_sub(1))
            .any(|i| self.counts_in.contains(tokens.norm(i)) && tokens.norm(i + 1) == "else");
        // ("I'll be one of the thousands who …": a first-person word, then "be one of", with
        // no "not" between: "I won't be one of them" does not count the writer in.)
        let one_of = (first + 1..at.saturating_sub(1)).any(|i| {
            tokens.norm(i) == "one"
                && tokens.norm(i + 1) == "of"
                && self.one_of_after.contains(tokens.norm(i - 1))
                && (first..i - 1).any(|j| self.span_self.contains(tokens.norm(j)))
                && !(first..i - 1).any(|j| self.one_of_not.contains(tokens.norm(j)))
        });
        anyone_else || one_of
    }

    /// The object pronoun right after the evidence `s_start..s_end` (after a link word at most,
    /// in its clause) that makes it about someone else, as a byte range: "nobody cares | about
    /// you". None when the evidence or its sentence before it has a first-person word ("I'm a
    /// burden to them" is the writer's).
    fn object_after(
        &self,
        tokens: &Tokens,
        s_start: usize,
        s_end: usize,
    ) -> Option<(usize, usize)> {
        if s_end >= tokens.tokens.len() {
            return None;
        }
        let sentence = tokens.tokens[s_start].sentence;
        let first = (0..s_start)
            .rev()
            .take_while(|&i| tokens.tokens[i].sentence == sentence)
            .last()
            .unwrap_or(s_start);
        if (first..s_end).any(|i| self.span_self.contains(tokens.norm(i))) {
            return None;
        }
        let mut at = s_end;
        for step in 0..2 {
            if at >= tokens.tokens.len()
                || tokens.tokens[at].sentence != sentence
                || tokens.tokens[at - 1].clause_end
            {
                return None;
            }
            let word = tokens.norm(at);
            if self.object_other.contains(word) {
                return Some((tokens.tokens[s_end].start, tokens.tokens[at].end));
            }
            if step == 0 && self.object_links.contains(word) {
                at += 1;
            } else {
                return None;
            }
        }
        None
    }

    /// Indices of cue matches that are not pseudo and not inside a pseudo-cue of their file,
    /// in order, into `live` as (0, index, shadow): `shadow` is the end token of the
    /// `only_after` pseudo-cue of their file they sit inside (evidence that starts there or
    /// later is out of their reach), `u32::MAX` where there is none.
    fn drop_pseudo(
        &self,
        matches: &[Match],
        live: &mut Vec<(u32, u32, u32)>,
        pseudo: &mut Reach,
        pseudo_after: &mut Reach,
    ) {
        let is_pseudo = |m: &Match| self.rule_of(m).1.pseudo;
        let only_after = |m: &Match| self.rule_of(m).1.only_after;
        let file_of = |m: &Match| self.cue_rules[m.pattern as usize].file as u32;
        let spans = |after: bool| {
            matches
                .iter()
                .filter(move |m| is_pseudo(m) && only_after(m) == after)
                .map(|m| (file_of(m), m.tok_start, m.tok_end))
        };
        pseudo.fill(spans(false));
        pseudo_after.fill(spans(true));
        // Inside a pseudo-cue of its file: one that starts at or before it reaches its end.
        let inside = |reach: &Reach, m: &Match| {
            reach
                .max_end(file_of(m), m.tok_start + 1)
                .filter(|&end| end >= m.tok_end)
        };
        live.clear();
        live.extend(
            (0..matches.len())
                .filter(|&i| !is_pseudo(&matches[i]) && inside(pseudo, &matches[i]).is_none())
                .map(|i| {
                    let shadow = inside(pseudo_after, &matches[i]).map_or(u32::MAX, |e| e as u32);
                    (0, i as u32, shadow)
                }),
        );
    }

    fn rule_of(&self, m: &Match) -> (&ContextFile, &Rule) {
        let cr = &self.cue_rules[m.pattern as usize];
        let f = &self.files[cr.file];
        (f, &f.rules[cr.rule])
    }
}

/// The buffers of [`Context::apply_matches`], kept per thread between texts.
#[derive(Default)]
struct LiveScratch {
    /// The live cues: (sentence, index of the cue match, end of the pseudo-cue it sits in).
    live: Vec<(u32, u32, u32)>,
    /// The terminators: (file, first token, end token).
    terms: Vec<(u32, u32, u32)>,
    /// The pseudo-cues by file.
    pseudo: Reach,
    /// The `only_after` pseudo-cues by file.
    pseudo_after: Reach,
}

/// Spans in groups, sorted by start, each with the largest end of its group so far: whether a
/// span of a group that starts before a point reaches past another is one binary search (a
/// long text has many look-alikes or pseudo-cues, and trying each against each would take
/// time growing with the square of their number).
#[derive(Debug, Default)]
pub(crate) struct Reach {
    /// (group, start, the largest end of the group's spans up to this one).
    spans: Vec<(u32, usize, usize)>,
}

impl Reach {
    /// Replaces the spans with `spans`: (group, start, end).
    pub(crate) fn fill(&mut self, spans: impl Iterator<Item = (u32, usize, usize)>) {
        self.spans.clear();
        self.spans.extend(spans);
        self.spans.sort_unstable();
        for k in 1..self.spans.len() {
            let (before, now) = (self.spans[k - 1], self.spans[k]);
            if before.0 == now.0 && before.2 > now.2 {
                self.spans[k].2 = before.2;
            }
        }
    }

    /// The largest end of group `group`'s spans that start before `before`, if any.
    pub(crate) fn max_end(&self, group: u32, before: usize) -> Option<usize> {
        let k = self
            .spans
            .partition_point(|&(g, start, _)| (g, start) < (group, before));
        (k > 0 && self.spans[k - 1].0 == group).then(|| self.spans[k - 1].2)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

thread_local! {
    static LIVE: std::cell::RefCell<LiveScratch> = std::cell::RefCell::default();
}

/// A few words, each compared as two integers (see [`pattern::pack`]) rather than byte by byte.
#[derive(Default)]
struct WordList {
    /// (the packed word, its length) for words of up to 16 bytes.
    short: Vec<([u64; 2], usize)>,
    /// The short words' [`WordList::bit`]s: most words are none of the list's, and this rules
    /// them out without reading it.
    bits: u64,
    long: Vec<String>,
}

impl WordList {
    fn new(words: &[String]) -> WordList {
        let (short, long): (Vec<&String>, Vec<&String>) = words.iter().partition(|w| w.len() <= 16);
        let short: Vec<([u64; 2], usize)> = short
            .into_iter()
            .map(|w| (pattern::pack(w.as_bytes()), w.len()))
            .collect();
        WordList {
            bits: short
                .iter()
                .fold(0, |bits, &(p, _)| bits | WordList::bit(p)),
            short,
            long: long.into_iter().cloned().collect(),
        }
    }

    /// A packed word's bit of 64 (by a hash of its first eight bytes).
    #[inline]
    fn bit(packed: [u64; 2]) -> u64 {
        1 << (packed[0].wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
    }

    #[inline]
    fn contains(&self, word: &str) -> bool {
        if word.len() > 16 {
            return self.long.iter().any(|w| w == word);
        }
        let packed = pattern::pack(word.as_bytes());
        self.bits & WordList::bit(packed) != 0
            && self
                .short
                .iter()
                .any(|&(p, len)| len == word.len() && p == packed)
    }
}

/// Whether sentence `q` ends with a question mark (among the bytes before the next word).
fn ends_with_question(text: &str, tokens: &Tokens, q: usize) -> bool {
    let Some(sentence) = tokens.sentences.get(q) else {
        return false;
    };
    let end = tokens
        .sentences
        .get(q + 1)
        .map_or(text.len(), |n| tokens.tokens[n.tokens.start].start);
    text.as_bytes()[sentence.end..end]
        .iter()
        .take(64)
        .any(|&b| b == b'?')
}

/// Whether a clause boundary separates the token before `from` from the token at `to`: a
/// boundary after token `k` lies between them when `from - 1 <= k < to` (the one right before
/// `to` too: "never wake up, I attempted" is two clauses). With nothing between them
/// (`from == to`) that is the boundary after the token before `from`: in "you won't, you're
/// just doing this for attention" the comma right after the cue ends its clause.
fn clause_between(tokens: &Tokens, from: usize, to: usize) -> bool {
    if from == 0 || to < from {
        return false;
    }
    tokens.tokens[from - 1..to].iter().any(|t| t.clause_end)
}

/// The nearest cue of a group so far: (distance, effect, category, cue match).
type Nearest = Option<(usize, Effect, &'static str, usize)>;

#[derive(Debug, Clone, Copy)]
enum Effect {
    Negate,
    Temporality(Temporality),
    Certainty(Certainty),
    Other,
}

impl Effect {
    fn of(category: Category) -> Effect {
        match category {
            Category::Negation => Effect::Negate,
            Category::Historical => Effect::Temporality(Temporality::Historical),
            Category::Recent => Effect::Temporality(Temporality::Recent),
            Category::Future => Effect::Temporality(Temporality::Future),
            Category::Hypothetical => Effect::Certainty(Certainty::Hypothetical),
            Category::Uncertainty => Effect::Certainty(Certainty::Possible),
            Category::Experiencer => Effect::Other,
        }
    }

    fn apply(self, s: &mut Signal) {
        match self {
            Effect::Negate => s.negated = true,
            Effect::Temporality(t) => s.temporality = t,
            Effect::Certainty(c) => s.certainty = c,
            Effect::Other => s.experiencer = Experiencer::Other,
        }
    }
}

/// The rule name of the cue that marks quoted words as someone else's reported speech.
pub const REPORTED_SPEECH: &str = "reported speech of someone else";
/// The cue rule of an object pronoun after the evidence ("nobody cares about you").
pub const OBJECT_OTHER: &str = "said of someone else: an object pronoun follows";

/// The cue rule of evidence whose own words name someone else ("herself").
pub const SPAN_OTHER: &str = "span names someone else";
/// The cue rule of a question to the reader that the writer answers yes.
pub const ANSWERED: &str = "a question the writer answers yes";

/// The rule name of the cue that marks quoted words as the writer's own reported speech.
pub const WRITER_SPEECH: &str = "the writer's own reported speech";

/// Verbs that introduce what someone said or wrote.
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "saying",
    "told",
    "tells",
    "telling",
    "texted",
    "texts",
    "wrote",
    "writes",
    "posted",
    "posts",
    "messaged",
    "messages",
    "screamed",
    "yelled",
    "whispered",
    "sobbed",
    "cried",
    "asked",
    "asks",
    "admitted",
    "confessed",
    "snapped",
    "typed",
    "sent",
];

/// Verbs that introduce words searched for ("I googled 'how many would it take'").
const SEARCH_VERBS: &[&str] = &[
    "search",
    "searched",
    "searches",
    "searching",
    "google",
    "googled",
    "googles",
    "googling",
];

/// Speakers other than the writer.
const OTHER_SPEAKERS: &[&str] = &[
    "she",
    "he",
    "they",
    "friend",
    "mum",
    "mom",
    "mother",
    "dad",
    "father",
    "sister",
    "brother",
    "son",
    "daughter",
    "partner",
    "boyfriend",
    "girlfriend",
    "husband",
    "wife",
    "roommate",
    "flatmate",
    "cousin",
    "colleague",
    "coworker",
    "client",
    "patient",
    "student",
    "kid",
    "child",
    "niece",
    "nephew",
    "aunt",
    "uncle",
    "grandma",
    "grandpa",
    "someone",
    "somebody",
    "bestie",
    "bf",
    "gf",
    "ex",
    "teenager",
];

/// Whether `text` holds a byte that a block quote or a link needs (`>`, `&` for "&gt;", `[`,
/// `/` for "://") or `www.`: without one, no signal can sit in either. The bytes are read 64 at
/// a time, each block's test without a branch per byte (most texts have none of them).
fn may_quote_or_link(text: &str) -> bool {
    let marker = |b: u8| matches!(b, b'>' | b'&' | b'[' | b'/');
    let mut blocks = text.as_bytes().chunks_exact(64);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | marker(b)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| marker(b)) || text.contains("www.")
}

/// How many bytes around a signal's first word [`quoted_block_or_link`] reads.
const QUOTE_LOOK: usize = 2048;

/// The cue rule of a Markdown block quote ("> words", "&gt; words" as forums escape it).
pub const BLOCK_QUOTE: &str = "block quote of the text answered";
/// The cue rule of words inside a link (its address, or the words of a Markdown link).
pub const LINK: &str = "inside a link";

/// Whether token `at` sits in a block quote or a link: the rule and the byte span of the quote
/// marker or of the link.
///
/// A block quote starts with `>` (or `&gt;`, as forums escape it) at the start of a line, or right
/// after the end of a sentence where a scraper has joined the lines ("...today.&gt; I want to
/// die"); a `>` after a word is a comparison or an arrow. It holds to the end of its line where
/// the line ends, else (the lines joined) to the end of the marker's sentence. A link is a
/// whitespace-free run holding `://` or starting `www.`, or the words of a Markdown link
/// `[words](http…)`.
fn quoted_block_or_link(
    text: &str,
    tokens: &Tokens,
    at: usize,
) -> Option<(&'static str, (usize, usize))> {
    let token = &tokens.tokens[at];
    let (start, end) = (token.start, token.end);
    // Only so far around the word (a line or a link longer than this goes on past it), so that
    // a long text with many signals is not read again for each.
    let mut lo = start.saturating_sub(QUOTE_LOOK);
    while !text.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = (end + QUOTE_LOOK).min(text.len());
    while !text.is_char_boundary(hi) {
        hi += 1;
    }
    let (before_word, after_word) = (&text[lo..start], &text[end..hi]);
    // The link around the word.
    // (After the whole space: a no-break space is two bytes.)
    let run_start = before_word
        .char_indices()
        .rfind(|(_, c)| c.is_whitespace())
        .map_or(lo, |(i, c)| lo + i + c.len_utf8());
    let run_end = after_word.find(char::is_whitespace).map_or(hi, |i| end + i);
    let run = &text[run_start..run_end];
    if run.contains("://") || run.starts_with("www.") || run.starts_with("(www.") {
        return Some((LINK, (run_start, run_end)));
    }
    let newline_before = before_word.rfind('\n');
    let line_start = newline_before.map_or(lo, |i| lo + i + 1);
    // Whether `line_start` is where the line starts (not only where the look stops).
    let line_known = newline_before.is_some() || lo == 0;
    let line_end = after_word.find('\n').map(|i| end + i);
    let line = &text[line_start..start];
    // Markdown link words: an opening `[` before the word on its line with no `]` between, and
    // the next `]` after it opening a link to an address.
    if let Some(open) = line.rfind('[') {
        if !line[open..].contains(']') {
            let rest = &text[end..line_end.unwrap_or(hi)];
            if let Some(close) = rest.find(']') {
                let after = &rest[close + 1..];
                if !rest[..close].contains('[')
                    && (after.starts_with("(http") || after.starts_with("(www."))
                {
                    let to = end + close + 1;
                    return Some((LINK, (line_start + open, to)));
                }
            }
        }
    }
    // The last quote marker on the line before the word.
    let mut search = line;
    while !search.is_empty() {
        let (at_byte, len) = match (search.rfind("&gt;"), search.rfind('>')) {
            (Some(a), Some(b)) if b > a + 3 => (b, 1),
            (Some(a), _) => (a, 4),
            (None, Some(b)) => (b, 1),
            (None, None) => return None,
        };
        let before = search[..at_byte].trim_end();
        let opens = (before.is_empty() && line_known)
            || before.ends_with(['.', '!', '?', ':', '"', '\'', ')', '\u{201d}', '\u{2019}']);
        if opens {
            let from = line_start + at_byte;
            let marker_end = from + len;
            // Line ended: the whole line. Lines joined: the marker's sentence.
            let held = before.is_empty() && line_known && line_end.is_some() || {
                let first = tokens.tokens.partition_point(|t| t.start < marker_end);
                first <= at && tokens.tokens[first].sentence == token.sentence
            };
            return held.then_some((BLOCK_QUOTE, (from, marker_end)));
        }
        search = &search[..at_byte];
    }
    None
}

/// Whether the quoted words of the evidence `tokens[start..end]` are only scare quotes: each
/// quotation that reaches into it is at most two words long, and some of its words are outside
/// every quotation.
fn scare_quoted(tokens: &Tokens, start: usize, end: usize) -> bool {
    let quoted = |i: usize| tokens.tokens[i].quoted;
    if (start..end).all(quoted) {
        return false;
    }
    let sentence = tokens.tokens[start].sentence;
    let mut i = start;
    while i < end {
        if !quoted(i) {
            i += 1;
            continue;
        }
        // The whole run of quoted words around `i`, within the sentence.
        let mut from = i;
        while from > 0 && quoted(from - 1) && tokens.tokens[from - 1].sentence == sentence {
            from -= 1;
        }
        let mut to = i + 1;
        while to < tokens.tokens.len() && quoted(to) && tokens.tokens[to].sentence == sentence {
            to += 1;
        }
        if to - from > 2 {
            return false;
        }
        i = to;
    }
    true
}

/// A cue of `category` and `rule` on the words `text[from..to]`.
fn cue_on(text: &str, category: &'static str, rule: Name, from: usize, to: usize) -> Cue {
    Cue {
        category: Name::from_static(category),
        rule,
        text: text[from..to].to_string(),
        start: from,
        end: to,
    }
}

/// Makes a signal someone else's by what its own evidence says (the whole evidence is the cue,
/// named by `rule`); a signal already someone else's is left as it is.
pub(crate) fn make_someone_elses(signal: &mut Signal, rule: &'static str) {
    if signal.experiencer == Experiencer::Other {
        return;
    }
    signal.experiencer = Experiencer::Other;
    signal.cues.push(Cue {
        category: Name::from_static("experiencer"),
        rule: Name::from_static(rule),
        text: signal.text.clone(),
        start: signal.start,
        end: signal.end,
    });
}

/// Who introduces the quotation holding (or following) token `at` as something said or searched
/// for: (whether it is the writer, the byte span of the speaker and the verb).
fn speaker(tokens: &Tokens, at: usize) -> Option<(bool, (usize, usize))> {
    let sentence = tokens.tokens[at].sentence;
    // The evidence may begin before the quotation marks ("searched \"how to ...\""): from its
    // first quoted word.
    let mut at = at;
    let last = (at + 8).min(tokens.tokens.len() - 1);
    while !tokens.tokens[at].quoted && at < last && tokens.tokens[at + 1].sentence == sentence {
        at += 1;
    }
    let mut q = at;
    while q > 0 && tokens.tokens[q - 1].quoted && tokens.tokens[q - 1].sentence == sentence {
        q -= 1;
    }
    // The speech (or search) verb within the six words before the quotation, its speaker
    // within the three words before the verb.
    let first = q.saturating_sub(6);
    let verb = (first..q)
        .rev()
        .filter(|&i| tokens.tokens[i].sentence == sentence && !tokens.tokens[i].quoted)
        .find(|&i| {
            let w = tokens.norm(i);
            SPEECH_VERBS.contains(&w) || SEARCH_VERBS.contains(&w)
        })?;
    // Words searched for are the searcher's own query; "does anyone else search ..." is the
    // forum's way to say "I do".
    let search = SEARCH_VERBS.contains(&tokens.norm(verb));
    let writes = |w: &str| w == "i" || w == "i'm" || w == "we" || (search && w == "else");
    let speaker = (verb.saturating_sub(3)..verb)
        .rev()
        .filter(|&i| tokens.tokens[i].sentence == sentence)
        .find(|&i| {
            let w = tokens.norm(i);
            writes(w) || OTHER_SPEAKERS.contains(&w)
        })?;
    let writer = writes(tokens.norm(speaker));
    Some((
        writer,
        (tokens.tokens[speaker].start, tokens.tokens[verb].end),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block-by-block search for quote and link markers says what a search byte by byte
    /// says: a marker or `www.` anywhere (in a block, across blocks, in the remainder), or none.
    #[test]
    fn quote_and_link_markers_are_found_in_every_block() {
        let naive = |t: &str| {
            t.bytes().any(|b| matches!(b, b'>' | b'&' | b'[' | b'/')) || t.contains("www.")
        };
        let base = "x".repeat(200);
        let mut texts = vec![String::new(), base.clone(), "ww.w www".into()];
        for marker in [">", "&", "[", "/", "www."] {
            for at in [0, 1, 62, 63, 64, 127, 128, 150, 196, 200 - marker.len()] {
                let mut t = base.clone();
                t.replace_range(at..at + marker.len(), marker);
                texts.push(t.clone());
                t.truncate(at + marker.len());
                texts.push(t);
            }
        }
        for t in &texts {
            assert_eq!(may_quote_or_link(t), naive(t), "{t:?}");
        }
        assert!(texts.iter().filter(|t| may_quote_or_link(t)).count() > 90);
    }

    /// `only_after` says what a pseudo-cue frees, so a real cue with it is an error.
    #[test]
    fn only_after_is_for_pseudo_cues_only() {
        let file = |pseudo: bool| {
            format!(
                "category = \"negation\"\ndescription = \"d\"\ncitation = \"c\"\n\n[[rules]]\ncue = \"never told\"\npseudo = {pseudo}\nonly_after = true\n\n[[fixtures]]\ntext = \"I never told anyone.\"\nconstruct = \"distress\"\nexpect = \"none\"\n"
            )
        };
        let lexicon = Lexicon::new();
        let err = Context::new(&[("negation.toml", &file(false))], &lexicon)
            .err()
            .expect("only_after on a real cue is refused");
        assert!(
            err.to_string()
                .contains("`only_after` is for pseudo-cues only"),
            "{err}"
        );
        assert!(Context::new(&[("negation.toml", &file(true))], &lexicon).is_ok());
    }

    #[test]
    fn options_are_for_their_categories_only() {
        // (option on the rule, option on the file, where refused, where kept, the error)
        let cases = [
            ("weeks = true\n", "", "negation", "recent", "`weeks` is for recent cues only"),
            ("asks = true\n", "", "negation", "hypothetical", "`asks` is for experiencer"),
            ("asks = true\n", "", "historical", "experiencer", "`asks` is for experiencer"),
            (
                "",
                "[answers]\nyes = [\"yes\"]\nalone = []\nafter = []\nfillers = []\nundo = []\nopen = []\naddressed = []\n\n",
                "hypothetical",
                "experiencer",
                "`answers` belong in the experiencer file",
            ),
        ];
        let lexicon = Lexicon::new();
        for (rule, file_extra, refused, kept, message) in cases {
            let file = |category: &str| {
                format!(
                    "category = \"{category}\"\ndescription = \"d\"\ncitation = \"c\"\n\n{file_extra}[[rules]]\ncue = \"a while back\"\n{rule}\n[[fixtures]]\ntext = \"I felt low a while back.\"\nconstruct = \"distress\"\nexpect = \"none\"\n"
                )
            };
            let err = Context::new(&[("x.toml", &file(refused))], &lexicon)
                .err()
                .unwrap_or_else(|| panic!("{message}: accepted in {refused}"));
            assert!(err.to_string().contains(message), "{err}");
            if let Err(e) = Context::new(&[("x.toml", &file(kept))], &lexicon) {
                panic!("{message}: refused in {kept}: {e}");
            }
        }
    }

    /// A cue that looks back and runs out past the evidence's end dates it; one wholly inside
    /// the evidence is part of it and does not.
    #[test]
    fn a_cue_running_out_of_the_evidence_applies() {
        use threadcare_core::Temporality;
        let signals = crate::Signals::embedded().expect("the embedded rules load");
        let found = signals.find("attempted last spring and some days it still feels close");
        let attempt = found
            .iter()
            .find(|s| s.construct == "attempt")
            .expect("an attempt with no object");
        assert_eq!(attempt.temporality, Temporality::Historical, "{attempt:?}");
        assert!(attempt.cues.iter().any(|c| c.text == "last spring"));
        let found = signals.find("I don't want to live anymore.");
        let wish = found
            .iter()
            .find(|s| s.construct == "passive_ideation")
            .expect("a wish not to live");
        assert!(
            !wish.negated,
            "the negation inside the evidence is part of it"
        );
    }

    /// The first signal of `construct` the embedded rules find in `text` (the test fails when
    /// there is none).
    fn first_signal_of(text: &str, construct: &str) -> threadcare_core::Signal {
        static SIGNALS: std::sync::OnceLock<crate::Signals> = std::sync::OnceLock::new();
        SIGNALS
            .get_or_init(|| crate::Signals::embedded().expect("the embedded rules load"))
            .find(text)
            .into_iter()
            .find(|s| s.construct == construct)
            .unwrap_or_else(|| panic!("{construct} in {text:?}"))
    }

    #[test]
    fn a_no_break_space_before_the_evidence_is_stepped_over_whole() {
        // The look for a link around the evidence starts after the space before it; a no-break
        // space is two bytes, and starting one byte in had panicked.
        let signals = crate::Signals::embedded().expect("the embedded rules load");
        for text in [
            "I read https://example.org today and I want\u{a0}to\u{a0}die.",
            "see [this](https://example.org) I am\u{a0}suicidal",
        ] {
            let found = signals.find(text);
            assert!(
                found
                    .iter()
                    .any(|s| s.construct == "passive_ideation" || s.construct == "active_ideation"),
                "{text:?}: {found:?}"
            );
        }
    }

    /// Scare quotes around a word or two of the evidence leave it the writer's own; a quotation
    /// of three words or more, or one that holds all of the evidence, is a quotation.
    #[test]
    fn scare_quotes_are_not_a_quotation() {
        let of = first_signal_of;
        for (own, construct) in [
            (
                "My \"friends\" just make fun of me all the time.",
                "thwarted_belonging",
            ),
            ("I have no \"real\" friends at all.", "thwarted_belonging"),
            (
                "Honestly I just want to \"disappear\" for good.",
                "passive_ideation",
            ),
        ] {
            let s = of(own, construct);
            assert!(!s.quoted, "{own:?}: {s:?}");
        }
        for quoted in [
            "The song goes \"I just want to die\" over and over.",
            "Someone wrote \"no one cares about me\" on the wall.",
        ] {
            let construct = if quoted.contains("die") {
                "passive_ideation"
            } else {
                "thwarted_belonging"
            };
            let s = of(quoted, construct);
            assert!(s.quoted, "{quoted:?}: {s:?}");
        }
    }

    /// A block quote of the text answered ("> …", "&gt; …" as forums escape it, at a line's
    /// start or after a sentence's end where lines were joined) and the words of a link are not
    /// the writer's own; a ">" after a word (a comparison) and the reply after the quote are.
    #[test]
    fn block_quotes_and_links_are_not_the_writers_own() {
        let signals = crate::Signals::embedded().expect("the embedded rules load");
        let of = |text: &str| {
            signals
                .find(text)
                .into_iter()
                .find(|s| s.construct == "passive_ideation")
                .unwrap_or_else(|| panic!("passive_ideation in {text:?}"))
        };
        for quoted in [
            "> I just want to die\nThat sounds so heavy, I'm glad you wrote here.",
            "&gt; I just want to die\n\nThat sounds so heavy, I'm glad you wrote here.",
            "Thanks for answering.&gt; I just want to die. That sounds so heavy.",
            "You wrote this: > I just want to die. That sounds so heavy.",
            "Read [why I just want to die](https://example.org/a-post) before you reply.",
            "See https://example.org/r/forum/i_just_want_to_die_tonight for more.",
        ] {
            let s = of(quoted);
            assert!(s.quoted, "{quoted:?}: {s:?}");
            assert!(s
                .cues
                .iter()
                .any(|c| c.rule == BLOCK_QUOTE || c.rule == LINK));
        }
        for own in [
            "> you are not alone\nI just want to die though.",
            "Thanks.&gt; you are not alone. I just want to die though.",
            "Being loved > everything, and I just want to die.",
            "I just want to die -> that is all I think about.",
            "[update] I just want to die (http://example.org) and nobody knows.",
            "I just want to die.",
        ] {
            let s = of(own);
            assert!(!s.quoted, "{own:?}: {s:?}");
        }
    }

    /// An object pronoun right after the evidence makes a risk factor someone else's, unless a
    /// first-person word stands in the evidence or before it, or a clause ends between.
    #[test]
    fn an_object_pronoun_after_the_evidence_names_someone_else() {
        use threadcare_core::Experiencer;
        let of = first_signal_of;
        let s = of(
            "Nobody cares about you, stop posting.",
            "thwarted_belonging",
        );
        assert_eq!(s.experiencer, Experiencer::Other);
        assert!(s
            .cues
            .iter()
            .any(|c| c.rule == OBJECT_OTHER && c.text == "about you"));
        for writer in [
            "Nobody cares about me, stop asking.",
            "Honestly nobody cares, you know?",
            "I know nobody cares about you lot.",
        ] {
            let s = of(writer, "thwarted_belonging");
            assert_eq!(s.experiencer, Experiencer::Writer, "{writer}");
        }
        let s = of("I feel like a burden to them.", "burdensomeness");
        assert_eq!(s.experiencer, Experiencer::Writer);
    }

    /// A clause boundary right before the evidence ends a negation's reach.
    #[test]
    fn a_clause_boundary_right_before_the_evidence_ends_a_negation() {
        let signals = crate::Signals::embedded().expect("the embedded rules load");
        let attempt = |text: &str| {
            signals
                .find(text)
                .into_iter()
                .find(|s| s.construct == "attempt")
                .expect("an attempt")
        };
        assert!(!attempt("I want to sleep and never wake up, I attempted once before.").negated);
        assert!(attempt("I have never attempted suicide.").negated);
    }

    /// A word of the present inside the evidence ends a past cue before it.
    #[test]
    fn a_present_word_inside_the_evidence_ends_the_past() {
        use threadcare_core::Temporality;
        let signals = crate::Signals::embedded().expect("the embedded rules load");
        let of = |text: &str| {
            signals
                .find(text)
                .into_iter()
                .find(|s| s.construct == "hopelessness")
                .expect("hopelessness")
                .temporality
        };
        assert_eq!(
            of("Last spring I lost my job and everything still feels pointless."),
            Temporality::Current
        );
        assert_eq!(
            of("Last spring I lost my job and everything felt pointless."),
            Temporality::Historical
        );
    }

    /// The largest reach found by one search is the one found by trying every span.
    #[test]
    fn reach_finds_what_trying_every_span_finds() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        };
        let mut reach = Reach::default();
        for round in 0..200 {
            let spans: Vec<(u32, usize, usize)> = (0..next(40))
                .map(|_| {
                    let start = next(60);
                    (next(4) as u32, start, start + 1 + next(8))
                })
                .collect();
            reach.fill(spans.iter().copied());
            assert_eq!(reach.is_empty(), spans.is_empty());
            for group in 0..4 {
                for before in 0..70 {
                    let want = spans
                        .iter()
                        .filter(|s| s.0 == group && s.1 < before)
                        .map(|s| s.2)
                        .max();
                    assert_eq!(reach.max_end(group, before), want, "round {round}");
                }
            }
        }
    }
}
