//! Finding signals: constructs matched on tokens, look-alikes removed, context applied.

use std::sync::LazyLock;

use regex::Regex;
use threadcare_core::{Certainty, Cue, Experiencer, Name, Signal, Temporality};

/// The rule name of the cue that makes a signal found through another construct's
/// `tells_of_past` historical.
pub const PAST_OF_MILESTONE: &str = "what a recovery milestone is from";

use crate::construct::{self, Construct, ConstructError};
use crate::context::{Context, ContextError, Reach};
use crate::pattern::{Ids, Lexicon, Match, Matcher, PatternError, RegexHits, Vocabulary, WordIds};
use crate::token::{tokenize, Tokens};

/// Why the engine could not be built from its data files.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Construct(#[from] ConstructError),
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error("{file}: {source}")]
    Pattern { file: String, source: PatternError },
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

/// A context rule that spares a construct names one of the rule set's constructs: a misspelt
/// name would spare nothing, silently. (Checked for the whole embedded rule set; an engine
/// built on a few constructs may leave others unnamed.)
fn check_spares(constructs: &[Construct], context: &Context) -> Result<(), EngineError> {
    for f in &context.files {
        for r in &f.rules {
            if let Some(c) = r
                .spares
                .iter()
                .find(|c| !constructs.iter().any(|k| k.id == **c))
            {
                return Err(EngineError::Context(ContextError::Parse {
                    file: format!("context ({})", f.category.name()),
                    message: format!("rule `{}` spares unknown construct `{c}`", r.cue),
                }));
            }
        }
    }
    Ok(())
}

/// The rule name of the cue that dates what a recovery milestone is from to the last days or
/// weeks, where the milestone counts fewer than a month ("4 days clean from cutting").
pub const RECENT_OF_MILESTONE: &str = "what a short recovery milestone is from";

/// Whether a milestone's words count a time of at most a month ("4 days clean", "two weeks
/// without cutting", "a week sober", "day 3 clean"): the behaviour it is from was then in the
/// last days or weeks, as "it's been 4 days since I last cut" says, not in the past. Months and
/// years ("a year and 2 days clean"), longer counts, and a milestone without a count ("clean
/// since March") are the past.
fn counts_under_a_month(milestone: &str) -> bool {
    const NUMBERS: [(&str, u32); 24] = [
        ("a", 1),
        ("an", 1),
        ("one", 1),
        ("couple", 2),
        ("two", 2),
        ("few", 3),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
        ("eleven", 11),
        ("twelve", 12),
        ("thirteen", 13),
        ("fourteen", 14),
        ("fifteen", 15),
        ("sixteen", 16),
        ("seventeen", 17),
        ("eighteen", 18),
        ("nineteen", 19),
        ("twenty", 20),
    ];
    let words: Vec<String> = milestone
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "month" | "months" | "year" | "years" | "yr" | "yrs"
        )
    }) {
        return false;
    }
    let number = |w: &str| {
        w.parse::<u32>()
            .ok()
            .or_else(|| NUMBERS.iter().find(|(n, _)| *n == w).map(|(_, v)| *v))
    };
    words.iter().enumerate().any(|(k, w)| {
        let limit = match w.as_str() {
            "hour" | "hours" => u32::MAX,
            "day" | "days" => 30,
            "week" | "weeks" | "wk" | "wks" => 4,
            _ => return false,
        };
        // "4 days", or "day 4"
        let before = k.checked_sub(1).and_then(|j| number(&words[j]));
        let after = words.get(k + 1).and_then(|x| number(x));
        before.or(after).is_some_and(|n| n <= limit)
    })
}

/// The cue rule of an undated signal told before the writer's present recovery.
pub const TOLD_BEFORE_RECOVERY: &str = "told before the writer's recovery now";
/// How far before the recovery (in bytes, about five hundred words) an undated signal it dates
/// may be: the same story, not another post pasted above it.
const DATES_BEFORE_REACH: usize = 3000;

/// The cue rule of an undated signal told inside a story of the writer's past.
pub const TOLD_IN_A_PAST_STORY: &str =
    "told after a past period of the writer's life was named, before the present is told";
/// How many sentences after the period named a story's undated signals may be.
const STORY_REACH: usize = 3;

/// A period of the writer's life named as the frame of what follows, at the start of a
/// sentence: "When I was 15 I went through a dark time.", "Back in college things got really
/// bad.", "Years ago I was struggling badly.", "I remember my first year of uni." A dated event
/// ("two years ago my dad died") is not a period of one's own, what follows it may be now; nor
/// is a period named inside a sentence about something else ("I used to cut when I was a
/// teenager."), or one that may be now ("in my twenties", "in high school").
static STORY_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?-u:\b)(?:",
        r"when i was (?:a |an |about |around |only |just )?(?:[0-9]{1,2}|kid|child|teen|teenager|younger|little|student|(?:thir|four|fif|six|seven|eigh|nine)teen|twelve|eleven|ten|twenty|in (?:high school|middle school|secondary school|school|college|uni|university|my teens|my twenties|year [0-9]{1,2}|grade [0-9]{1,2}))(?-u:\b)",
        // What the writer wrote then, read again now: "Reading back over my old journals …"
        r"|(?:reading|re-?reading|read|looking|looked|going|went|flicking|flicked|scrolling|scrolled)(?: back)? (?:over|through|at) my old (?:journals?|diar(?:y|ies)|notebooks?|posts|notes|poems|letters|messages|tweets)",
        r"|as an? (?:kid|child|teen|teenager|student)(?-u:\b)",
        r"|back in (?:high school|middle school|secondary school|school|college|uni|university|the day|my teens|my twenties|19[0-9][0-9]|20[0-2][0-9])",
        r"|(?:(?:in|back in|during) (?:19[0-9][0-9]|200[0-9]|201[0-9]|202[0-3])|(?:years|decades|(?:a few|[0-9]{1,2}|[a-z]+(?: and a half)?) years) (?:ago|back)),? ",
        r"(?:i was|i went through|i struggled|i used to|i lived|i spent|i hit|i fell|i had a|i had no|i had nobody|i had nothing|things were|things got|life was|everything was|everything fell)(?-u:\b)",
        r"|i remember (?:my (?:first|second|third|final|last) (?:year|term|semester)|when i was|being (?:[0-9]{1,2}|a teen|a teenager|a kid|in))",
        r"|my (?:first|second|third|final) year (?:of|at) (?:uni|university|college|high school|school) (?:was|were)(?-u:\b)",
        r")"
    ))
    .expect("the story frame regex compiles")
});

/// The present told after a story of the past: time gone by, or where the writer is now.
static STORY_PRESENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?-u:\b)(?:",
        r"now|nowadays|these days|today|tonight|currently|lately|recently|since then|years later|still|again|anymore|any more",
        r"|this (?:week|month|year)|last (?:week|night|month)|in recovery|recovered",
        r"|i(?:'|’)?m (?:[0-9]{1,2}) now|i am (?:[0-9]{1,2}) now",
        r")(?-u:\b)"
    ))
    .expect("the story present regex compiles")
});

/// A verb of the present: a sentence with one is not told inside a story of the past ("Killing
/// myself seems to be the only way").
static PRESENT_TENSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?-u:\b)(?:i(?:'|’)m|im|i am|i can(?:'|’)?t|i cannot|i don(?:'|’)?t|i feel|i have|i(?:'|’)ve|i keep|i need|i want|i wish|i think",
        r"|seems|seem|is|are|am|isn(?:'|’)?t|aren(?:'|’)?t|doesn(?:'|’)?t|feels|hurts|keeps)(?-u:\b)"
    ))
    .expect("the present tense regex compiles")
});

/// The signal finder: every construct's patterns in one matcher, plus context.
pub struct Signals {
    pub constructs: Vec<Construct>,
    matcher: Matcher,
    /// For each pattern of `matcher`: (construct index, pattern index within the construct).
    owner: Vec<(u32, u32)>,
    /// The look-alikes (`exclude`), then the context cues, then the context terminators, in one
    /// matcher: one walk per token finds all three where there are matches (see `find_in`).
    side: Matcher,
    /// How many of `side`'s patterns are look-alikes, and how many cues follow them.
    side_excludes: u32,
    side_cues: u32,
    exclude_owner: Vec<u32>,
    pub context: Context,
    /// The words of all five matchers (constructs, look-alikes, cues, terminators, anchors): a
    /// text's tokens are looked up once.
    vocabulary: Vocabulary,
    /// The regexes of `matcher` and `side` behind one gate: a text is scanned once for both.
    regex_hits: RegexHits,
    /// For each pattern of `matcher`: its signals' `rule` (`construct:pattern`), shared by them.
    rules: Vec<Name>,
    /// For each construct: its id and family as shared names (a signal's are clones).
    names: Vec<(Name, Name)>,
    /// For each construct: pronoun cues apply to it (see [`Signals::find_in`]).
    pronouns_apply: Vec<bool>,
    /// For each construct: a quality of a reply.
    is_reply: Vec<bool>,
    /// For each construct: the writer's own by what it is (`Construct::writers_own`).
    writers_own: Vec<bool>,
    /// (construct, the constructs it dates as past when told before it): `Construct::dates_before`.
    dates_before: Vec<(Name, Vec<Name>)>,
    /// For each pattern of `matcher`: the group of `anchors` it needs (`Construct::anchored`),
    /// or `u32::MAX` for a pattern that needs none.
    needs_anchor: Vec<u32>,
    /// For each pattern of `matcher`: it tells of someone else's act (`Anchored::someone_else`).
    someone_else: Vec<bool>,
    /// For each pattern of `matcher`: it is a strong form of its risk factor (`Anchored::strong`).
    strong: Vec<bool>,
    /// For each pattern of `matcher`: the construct's look-alikes do not cancel it
    /// (`Anchored::over_excludes`).
    over_excludes: Vec<bool>,
    /// The rules of the patterns that are a strong form of their risk factor
    /// (`Anchored::strong`).
    strong_rules: std::collections::HashSet<Name>,
    /// Every construct's anchors, and for each pattern: its group.
    anchors: Matcher,
    anchor_group: Vec<u32>,
    /// For each group of anchors: the construct whose block it is, whether its anchors must be
    /// affirmed (`Anchored::affirmed`), and whether the block tells of someone else
    /// (`Anchored::someone_else`), whose anchors may be someone else's too.
    group_owner: Vec<(u32, bool, bool)>,
    /// For each group of anchors: whether an anchor must also be of now, not of the past
    /// (`Anchored::now`).
    group_now: Vec<bool>,
    /// The patterns of every construct's `tells_of_past`, and for each pattern: (the construct
    /// whose evidence it reads, the construct it tells of, that signal's `rule`).
    past: Matcher,
    past_owner: Vec<(u32, u32, Name)>,
    /// For each construct: whether it has `tells_of_past` entries.
    tells_of_past: Vec<bool>,
}

impl Signals {
    /// Builds from the files embedded in the binary.
    pub fn embedded() -> Result<Signals, EngineError> {
        Signals::embedded_with(true)
    }

    /// [`Signals::embedded`], with or without the figures of speech (`_idioms.toml`, each an
    /// exclusion of the constructs it lists); without them only for the tests.
    pub(crate) fn embedded_with(idioms: bool) -> Result<Signals, EngineError> {
        let lexicon = construct::parse_lexicon(construct::embedded_lexicon())?;
        let mut constructs = Vec::new();
        for (file, text) in construct::embedded() {
            constructs.push(construct::parse(file, text)?);
        }
        let figures = construct::parse_idioms(construct::embedded_idioms(), &constructs)?;
        // (Each pattern compiled here first, so that an error names the idioms' file.)
        let mut check = Matcher::new();
        for p in &figures.patterns {
            check
                .add(p, &lexicon)
                .map_err(|source| EngineError::Pattern {
                    file: "constructs/_idioms.toml".into(),
                    source,
                })?;
        }
        if idioms {
            for c in constructs
                .iter_mut()
                .filter(|c| figures.constructs.contains(&c.id))
            {
                c.exclude.extend(figures.patterns.iter().cloned());
            }
        }
        let context = Context::new(crate::context::embedded(), &lexicon)?;
        check_spares(&constructs, &context)?;
        Signals::new(constructs, context, &lexicon)
    }

    pub fn new(
        constructs: Vec<Construct>,
        context: Context,
        lexicon: &Lexicon,
    ) -> Result<Signals, EngineError> {
        let mut matcher = Matcher::new();
        let mut owner = Vec::new();
        let mut side = Matcher::new();
        let mut exclude_owner = Vec::new();
        let (mut needs_anchor, mut anchors, mut anchor_group) =
            (Vec::new(), Matcher::new(), Vec::new());
        let mut anchored_rules: Vec<Name> = Vec::new();
        let mut someone_else = Vec::new();
        let mut strong = Vec::new();
        let mut over_excludes = Vec::new();
        let mut strong_rules = std::collections::HashSet::new();
        let mut group_owner = Vec::new();
        let mut group_now = Vec::new();
        let mut groups = 0u32;
        for (ci, c) in constructs.iter().enumerate() {
            // Every pattern of the file into `m`, or an error that names the file.
            let add = |m: &mut Matcher, p: &str| {
                m.add(p, lexicon).map_err(|source| EngineError::Pattern {
                    file: format!("constructs/{}.toml", c.id),
                    source,
                })
            };
            for (pi, p) in c.patterns.iter().enumerate() {
                add(&mut matcher, p)?;
                owner.push((ci as u32, pi as u32));
                needs_anchor.push(u32::MAX);
                someone_else.push(false);
                strong.push(false);
                over_excludes.push(false);
            }
            for a in &c.anchored {
                let group = groups;
                groups += 1;
                group_owner.push((ci as u32, a.affirmed || a.now, a.someone_else));
                group_now.push(a.now);
                for p in &a.patterns {
                    add(&mut matcher, p)?;
                    owner.push((ci as u32, u32::MAX));
                    // A block without anchors only groups patterns (`someone_else`, `strong`,
                    // `over_excludes`).
                    needs_anchor.push(if a.anchors.is_empty() {
                        u32::MAX
                    } else {
                        group
                    });
                    someone_else.push(a.someone_else);
                    strong.push(a.strong);
                    over_excludes.push(a.over_excludes);
                    let rule = Name::from(format!("{}:{}", c.id, p));
                    if a.strong {
                        strong_rules.insert(rule.clone());
                    }
                    anchored_rules.push(rule);
                }
                for p in &a.anchors {
                    add(&mut anchors, p)?;
                    anchor_group.push(group);
                }
            }
            for p in &c.exclude {
                add(&mut side, p)?;
                exclude_owner.push(ci as u32);
            }
        }
        // The context's cues and terminators, numbered as `Context::new` numbers them (the
        // context compiled each already: these cannot fail).
        let side_excludes = side.len() as u32;
        let context_error = |source| EngineError::Pattern {
            file: "context".into(),
            source,
        };
        for f in &context.files {
            for r in &f.rules {
                side.add(&r.cue, lexicon).map_err(context_error)?;
            }
        }
        let side_cues = side.len() as u32 - side_excludes;
        for f in &context.files {
            for t in &f.terminators {
                side.add(t, lexicon).map_err(context_error)?;
            }
        }
        // What a construct's evidence tells of in the past (see `Construct::tells_of_past`).
        let mut past = Matcher::new();
        let mut past_owner = Vec::new();
        for (ci, c) in constructs.iter().enumerate() {
            let file = format!("constructs/{}.toml", c.id);
            for t in &c.tells_of_past {
                let Some(target) = constructs.iter().position(|x| x.id == t.construct) else {
                    return Err(EngineError::Construct(construct::ConstructError::Invalid {
                        file,
                        message: format!("tells_of_past names unknown construct `{}`", t.construct),
                    }));
                };
                let rule = Name::from(format!("{}:tells of past {}", c.id, t.construct));
                for p in &t.patterns {
                    past.add(p, lexicon)
                        .map_err(|source| EngineError::Pattern {
                            file: file.clone(),
                            source,
                        })?;
                    past_owner.push((ci as u32, target as u32, rule.clone()));
                }
            }
        }
        let tells_of_past = constructs
            .iter()
            .map(|c| !c.tells_of_past.is_empty())
            .collect();
        let vocabulary = Vocabulary::of(&[&matcher, &side, &anchors]);
        matcher.attach(&vocabulary);
        side.attach(&vocabulary);
        anchors.attach(&vocabulary);
        let regex_hits = RegexHits::new(&[&matcher, &side]);
        let mut anchored_rules = anchored_rules.into_iter();
        let rules = owner
            .iter()
            .map(|&(ci, pi)| {
                let c = &constructs[ci as usize];
                match c.patterns.get(pi as usize) {
                    Some(p) => Name::from(format!("{}:{}", c.id, p)),
                    None => anchored_rules
                        .next()
                        .expect("one rule per anchored pattern"),
                }
            })
            .collect();
        // Pronoun cues ("she", "he") do not make support, the alliance or a rupture someone
        // else's: those involve another person by nature. Naming who ("my sister") still does.
        // Nor a reply's qualities, which are the replier's whatever the cues say (see
        // `is_reply` below): a question in a reply is asked of someone else even where the
        // replier answers it.
        let pronouns_apply = constructs
            .iter()
            .map(|c| {
                c.experiencer_cues
                    && c.kind != crate::construct::Kind::Theme
                    && c.kind != crate::construct::Kind::Reply
            })
            .collect();
        let names = constructs
            .iter()
            .map(|c| (Name::from(c.id.as_str()), Name::from(c.family.as_str())))
            .collect();
        let is_reply = constructs
            .iter()
            .map(|c| c.kind == crate::construct::Kind::Reply)
            .collect();
        let writers_own = constructs.iter().map(|c| c.writers_own).collect();
        let dates_before = constructs
            .iter()
            .filter(|c| !c.dates_before.is_empty())
            .map(|c| {
                let names = c
                    .dates_before
                    .iter()
                    .map(|d| Name::from(d.as_str()))
                    .collect();
                (Name::from(c.id.as_str()), names)
            })
            .collect();
        Ok(Signals {
            constructs,
            matcher,
            owner,
            side,
            side_excludes,
            side_cues,
            exclude_owner,
            context,
            vocabulary,
            regex_hits,
            rules,
            names,
            pronouns_apply,
            is_reply,
            writers_own,
            dates_before,
            needs_anchor,
            someone_else,
            strong,
            over_excludes,
            strong_rules,
            anchors,
            anchor_group,
            group_owner,
            group_now,
            past,
            past_owner,
            tells_of_past,
        })
    }

    pub fn construct(&self, id: &str) -> Option<&Construct> {
        self.constructs.iter().find(|c| c.id == id)
    }

    /// Whether a signal's rule is a strong form of its risk factor (`Anchored::strong`).
    pub fn is_strong_rule(&self, rule: &str) -> bool {
        !self.strong_rules.is_empty() && self.strong_rules.contains(rule)
    }

    /// The family of construct `id`, as the shared name its signals carry.
    pub fn family_name(&self, id: &str) -> Option<Name> {
        self.names
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, f)| f.clone())
    }

    /// All signals in `text`, in text order, with context applied.
    pub fn find(&self, text: &str) -> Vec<Signal> {
        let tokens = tokenize(text);
        self.find_in(text, &tokens)
    }

    pub fn find_in(&self, text: &str, tokens: &Tokens) -> Vec<Signal> {
        self.find_in_beside(text, tokens, None)
    }

    /// [`Signals::find_in`] for one of two texts that are read as one, a post's title and its
    /// body: an anchor affirmed in the other (`beside`) also lets this text's anchored patterns
    /// count ("I set a date" as the title, the means and the notes in the body). The other
    /// text's own signals are not found here.
    pub fn find_in_beside(&self, text: &str, tokens: &Tokens, beside: Option<&str>) -> Vec<Signal> {
        // The buffers are kept per thread between texts (fresh ones when this thread is
        // already using them).
        FIND.with(|cell| {
            let mut fresh = Scratch::default();
            let mut held = cell.try_borrow_mut();
            self.find_with(
                text,
                tokens,
                beside,
                held.as_deref_mut().unwrap_or(&mut fresh),
            )
        })
    }

    /// The anchor groups affirmed in `text` on its own (see [`Signals::find_in_beside`]), each
    /// with whether its anchor is quoted.
    fn anchor_groups_in(&self, text: &str) -> Vec<(u32, bool)> {
        let tokens = tokenize(text);
        let mut words = WordIds::default();
        let mut ids = Ids::default();
        self.vocabulary.ids_into(&tokens, &mut words);
        self.anchors.ids_from_into(&tokens, &words, &mut ids);
        let mut anchor_matches = Vec::new();
        self.anchors
            .find_with_hits_into(text, &tokens, &ids, None, None, &mut anchor_matches);
        let mut found = Vec::new();
        if anchor_matches.is_empty() {
            return found;
        }
        let mut only = Vec::new();
        sentences_to_read(text, &tokens, anchor_matches.iter(), &mut only);
        let mut hits = Vec::new();
        self.regex_hits.hits_into(text, &mut hits);
        self.side.ids_from_into(&tokens, &words, &mut ids);
        let mut side = Vec::new();
        self.side.find_with_hits_into(
            text,
            &tokens,
            &ids,
            Some(&only),
            Some(self.regex_hits.of(&hits, 1)),
            &mut side,
        );
        self.affirmed_anchors(text, &tokens, &side, &anchor_matches, &mut found);
        found
    }

    fn find_with(
        &self,
        text: &str,
        tokens: &Tokens,
        beside: Option<&str>,
        scratch: &mut Scratch,
    ) -> Vec<Signal> {
        let Scratch {
            words,
            ids,
            hits,
            matches,
            side,
            excluded,
            only,
            kept,
            spans,
            owners,
            pronouns,
            cue_matches,
            term_matches,
            anchor_matches,
            found,
        } = scratch;
        self.vocabulary.ids_into(tokens, words);
        self.regex_hits.hits_into(text, hits);
        let hits_of = |k: usize| Some(self.regex_hits.of(hits, k));
        self.matcher.ids_from_into(tokens, words, ids);
        self.matcher
            .find_with_hits_into(text, tokens, ids, None, hits_of(0), matches);
        if matches.is_empty() {
            return Vec::new();
        }
        // Anchored patterns count where an anchor of theirs is affirmed in the text: its
        // matches are found here so that their sentences' cues are found with the others.
        let anchored = matches
            .iter()
            .any(|m| self.needs_anchor[m.pattern as usize] != u32::MAX);
        anchor_matches.clear();
        if anchored {
            self.anchors.ids_from_into(tokens, words, ids);
            self.anchors
                .find_with_hits_into(text, tokens, ids, None, None, anchor_matches);
        }
        // Look-alikes cancel the construct's matches they overlap.
        sentences_to_read(
            text,
            tokens,
            matches.iter().chain(anchor_matches.iter()),
            only,
        );
        // With them, in the same walk, the context's cues and terminators: the signals'
        // sentences (where those are needed) are among these.
        self.side.ids_from_into(tokens, words, ids);
        self.side
            .find_with_hits_into(text, tokens, ids, Some(only), hits_of(1), side);
        // (A look-alike of the construct that starts before the match ends and reaches past
        // its start overlaps it.)
        excluded.fill(
            side.iter()
                .filter(|x| x.pattern < self.side_excludes)
                .map(|x| (self.exclude_owner[x.pattern as usize], x.start, x.end)),
        );
        if !excluded.is_empty() {
            matches.retain(|m| {
                let ci = self.owner[m.pattern as usize].0;
                self.over_excludes[m.pattern as usize]
                    || excluded.max_end(ci, m.end).is_none_or(|end| end <= m.start)
            });
        }
        if anchored {
            self.affirmed_anchors(text, tokens, side, anchor_matches, found);
            if let Some(beside) = beside.filter(|b| !b.trim().is_empty()) {
                found.extend(self.anchor_groups_in(beside));
            }
            // A quoted anchor is someone's words: it speaks for quoted evidence only.
            matches.retain(|m| {
                let group = self.needs_anchor[m.pattern as usize];
                let quoted = || {
                    tokens.tokens[m.tok_start..m.tok_end]
                        .iter()
                        .any(|t| t.quoted)
                };
                group == u32::MAX || found.iter().any(|&(g, q)| g == group && (!q || quoted()))
            });
            if matches.is_empty() {
                return Vec::new();
            }
        }
        // One signal per construct per stretch of text: of overlapping matches, the longest,
        // unless a shorter one is a strong form of the factor and the longest is not ("would be
        // happier without me": the strong "happier without me" inside a plain "be happier
        // without me"), which then stands for the stretch: a plain reading must not hide the
        // strong one. Ties go to the pattern written first, whatever order the matcher found
        // them in. (A pattern matches at most once per start: the keys are distinct.)
        matches.sort_unstable_by_key(|m| {
            (
                self.owner[m.pattern as usize].0,
                m.start,
                std::cmp::Reverse(m.end),
                m.pattern,
            )
        });
        kept.clear();
        for &m in matches.iter() {
            let ci = self.owner[m.pattern as usize].0;
            if let Some(last) = kept.last() {
                if self.owner[last.pattern as usize].0 == ci && m.start < last.end {
                    if self.strong[m.pattern as usize] && !self.strong[last.pattern as usize] {
                        *kept.last_mut().expect("a last match") = m;
                    }
                    continue;
                }
            }
            kept.push(m);
        }
        // In text order; of two constructs' matches on the same span, the construct first
        // (the order the matches were kept in: a construct's kept matches do not overlap).
        kept.sort_unstable_by_key(|m| (m.start, m.end, self.owner[m.pattern as usize].0));
        spans.clear();
        owners.clear();
        let mut signals = Vec::with_capacity(kept.len());
        for m in kept.iter() {
            let ci = self.owner[m.pattern as usize].0;
            let (construct, family) = &self.names[ci as usize];
            signals.push(Signal {
                construct: construct.clone(),
                family: family.clone(),
                start: m.start,
                end: m.end,
                text: text[m.start..m.end].to_string(),
                negated: false,
                temporality: Temporality::Current,
                experiencer: Experiencer::Writer,
                certainty: Certainty::Definite,
                quoted: false,
                rule: self.rules[m.pattern as usize].clone(),
                cues: Vec::new(),
                in_title: false,
            });
            spans.push((m.tok_start, m.tok_end));
            owners.push(ci as usize);
        }
        pronouns.clear();
        pronouns.extend(owners.iter().map(|&ci| self.pronouns_apply[ci]));
        // Cues reach only within a sentence: those of the signals' sentences, numbered as the
        // context numbers its cues and terminators.
        let in_context = only;
        in_context.iter_mut().for_each(|x| *x = false);
        for &(start, _) in spans.iter() {
            in_context[tokens.tokens[start].sentence as usize] = true;
        }
        Context::mark_answers(text, tokens, in_context);
        self.context_matches(side, tokens, in_context, cue_matches, term_matches);
        self.context.apply_matches(
            text,
            tokens,
            &mut signals,
            spans,
            pronouns,
            cue_matches,
            term_matches,
        );
        // What the pattern or the construct is settles whose experience it is, whatever the
        // cues said.
        for ((s, &ci), m) in signals.iter_mut().zip(owners.iter()).zip(kept.iter()) {
            // A someone-else pattern that opens on the writer's own words and reaches into a
            // quotation tells of a message passed on ("he messaged me 'tell mum I love her'"):
            // the quotation is what was sent, the report is the writer's.
            if self.someone_else[m.pattern as usize]
                && s.quoted
                && !tokens.tokens[m.tok_start].quoted
            {
                s.quoted = false;
                s.cues.retain(|c| c.category != "quotation");
            }
            // Someone else's act by what the pattern says ("texted me goodbye and now she's
            // not answering"): the "me" in it is the one told, not the one at risk.
            if self.someone_else[m.pattern as usize] && !s.quoted {
                crate::context::make_someone_elses(s, "pattern tells of someone else's act");
            }
            // A bereavement names who died ("my sister killed herself"); the risk is the
            // writer's. Someone else's quoted words stay theirs (`quoted`).
            if self.writers_own[ci] && !s.quoted {
                s.experiencer = Experiencer::Writer;
                s.cues.retain(|c| c.category != "experiencer");
            }
            // A reply's qualities ("I'm so sorry you…", "have you told your therapist?") speak
            // to someone else by nature: experiencer cues do not apply to them.
            if self.is_reply[ci] {
                s.experiencer = Experiencer::Writer;
                s.cues.retain(|c| c.category != "experiencer");
                // Advice is often conditional and meant all the same: "if it gets worse tonight,
                // please call a crisis line" points to help; "if you want to, just do it" harms.
                let advice = s.construct == "referral" || s.construct.starts_with("harm_");
                if advice
                    && matches!(
                        s.certainty,
                        Certainty::Hypothetical | Certainty::Conditional
                    )
                {
                    s.certainty = Certainty::Definite;
                    s.cues
                        .retain(|c| c.category != "hypothetical" && c.category != "conditional");
                }
            }
        }
        if owners.iter().any(|&ci| self.tells_of_past[ci]) {
            self.add_past(text, tokens, &mut signals, owners);
        }
        if !self.dates_before.is_empty() {
            self.date_before(text, &mut signals);
        }
        date_in_stories(text, tokens, &mut signals);
        signals
    }

    /// Dates as past the undated signals told before an affirmed present signal of a construct
    /// that dates them (`Construct::dates_before`), within [`DATES_BEFORE_REACH`]: "I attempted
    /// when things were at their worst. I'm five years clean of self-harm now."
    fn date_before(&self, text: &str, signals: &mut [Signal]) {
        for (construct, dated) in &self.dates_before {
            // Where the construct's affirmed present signals are, in text order.
            let recoveries: Vec<(usize, usize, String)> = signals
                .iter()
                .filter(|s| {
                    s.construct == *construct
                        && s.affirmed()
                        && s.temporality == Temporality::Current
                })
                .map(|s| (s.start, s.end, s.text.clone()))
                .collect();
            if recoveries.is_empty() {
                continue;
            }
            for s in signals.iter_mut() {
                let timed = s.cues.iter().any(|c| {
                    c.category == "historical" || c.category == "recent" || c.category == "future"
                });
                if timed || s.temporality != Temporality::Current || !dated.contains(&s.construct) {
                    continue;
                }
                // The first recovery told after it, in a later sentence ("I overdosed even
                // though I'm a year clean" is a lapse) and near enough to be the same story.
                let Some((start, end, evidence)) = recoveries.iter().find(|(start, ..)| {
                    *start >= s.end
                        && *start - s.end <= DATES_BEFORE_REACH
                        && text[s.end..*start].contains(['.', '!', '?', '\n'])
                }) else {
                    continue;
                };
                s.temporality = Temporality::Historical;
                s.cues.push(Cue {
                    category: Name::from_static("historical"),
                    rule: Name::from_static(TOLD_BEFORE_RECOVERY),
                    text: evidence.clone(),
                    start: *start,
                    end: *end,
                });
            }
        }
    }

    /// The context's cue and terminator matches among `side`'s, in the sentences marked in
    /// `in_sentence`, into `cues` and `terms`, numbered as the context numbers them.
    fn context_matches(
        &self,
        side: &[Match],
        tokens: &Tokens,
        in_sentence: &[bool],
        cues: &mut Vec<Match>,
        terms: &mut Vec<Match>,
    ) {
        let (cues_from, terms_from) = (self.side_excludes, self.side_excludes + self.side_cues);
        let pick = |from: u32, to: u32, out: &mut Vec<Match>| {
            out.clear();
            out.extend(
                side.iter()
                    .filter(|m| {
                        (from..to).contains(&m.pattern)
                            && in_sentence[tokens.tokens[m.tok_start].sentence as usize]
                    })
                    .map(|m| Match {
                        pattern: m.pattern - from,
                        ..*m
                    }),
            );
        };
        pick(cues_from, terms_from, cues);
        pick(terms_from, u32::MAX, terms);
    }

    /// The groups of `anchor_matches` that an anchor of theirs counts for, into `found` with
    /// whether that anchor must be and is quoted. Any match counts for a group that names a
    /// topic; for a group whose anchors must be affirmed (`Anchored::affirmed`) context applies
    /// to an anchor as to a signal, so that "I'm not suicidal", "if I ever felt suicidal" or
    /// "she said she wanted to die" does not make "I won't be here tomorrow" the writer's
    /// intent: such an anchor counts unless it is denied or hypothetical, or (in a block about
    /// the writer) someone else's, and a quoted one counts for quoted evidence only (the
    /// caller's test). Its time does not matter (past suicidality still says what "my last
    /// night" means), except for a group whose anchors must be of now (`Anchored::now`).
    fn affirmed_anchors(
        &self,
        text: &str,
        tokens: &Tokens,
        side: &[Match],
        anchor_matches: &[Match],
        found: &mut Vec<(u32, bool)>,
    ) {
        found.clear();
        let mut judged = Vec::new();
        for a in anchor_matches {
            let group = self.anchor_group[a.pattern as usize];
            if self.group_owner[group as usize].1 {
                judged.push(*a);
            } else {
                found.push((group, false));
            }
        }
        let anchor_matches = &judged[..];
        if anchor_matches.is_empty() {
            return;
        }
        let mut sentences = vec![false; tokens.sentences.len()];
        for a in anchor_matches {
            sentences[tokens.tokens[a.tok_start].sentence as usize] = true;
        }
        let (mut cues, mut terms) = (Vec::new(), Vec::new());
        self.context_matches(side, tokens, &sentences, &mut cues, &mut terms);
        let groups: Vec<(u32, bool, bool)> = anchor_matches
            .iter()
            .map(|a| self.group_owner[self.anchor_group[a.pattern as usize] as usize])
            .collect();
        let mut signals: Vec<Signal> = anchor_matches
            .iter()
            .zip(&groups)
            .map(|(a, &(ci, ..))| {
                let (construct, family) = &self.names[ci as usize];
                Signal {
                    construct: construct.clone(),
                    family: family.clone(),
                    start: a.start,
                    end: a.end,
                    text: String::new(),
                    negated: false,
                    temporality: Temporality::Current,
                    experiencer: Experiencer::Writer,
                    certainty: Certainty::Definite,
                    quoted: false,
                    rule: Name::from_static("anchor"),
                    cues: Vec::new(),
                    in_title: false,
                }
            })
            .collect();
        let spans: Vec<(usize, usize)> = anchor_matches
            .iter()
            .map(|a| (a.tok_start, a.tok_end))
            .collect();
        let pronouns = vec![true; signals.len()];
        self.context
            .apply_matches(text, tokens, &mut signals, &spans, &pronouns, &cues, &terms);
        for ((s, a), &(.., someone_else)) in signals.iter().zip(anchor_matches).zip(&groups) {
            let group = self.anchor_group[a.pattern as usize];
            let affirmed = !s.negated
                && s.certainty != Certainty::Hypothetical
                && (someone_else || s.experiencer == Experiencer::Writer)
                && !(self.group_now[group as usize] && s.temporality == Temporality::Historical);
            if affirmed {
                found.push((group, s.quoted));
            }
        }
    }

    /// After each affirmed signal whose construct's `tells_of_past` names something inside its
    /// evidence, a historical signal of what it names, on the same evidence: "6 months clean
    /// from self harm" is also self-injury in the past, now stopped (low, DESIGN §5).
    fn add_past(&self, text: &str, tokens: &Tokens, signals: &mut Vec<Signal>, owners: &[usize]) {
        let mut only = vec![false; tokens.sentences.len()];
        for (s, &ci) in signals.iter().zip(owners) {
            if self.tells_of_past[ci] && s.affirmed() {
                let first = tokens.tokens.partition_point(|t| t.end <= s.start);
                for t in tokens.tokens[first..]
                    .iter()
                    .take_while(|t| t.start < s.end)
                {
                    only[t.sentence as usize] = true;
                }
            }
        }
        let found = self.past.find_in_sentences(text, tokens, &only);
        let mut out = Vec::with_capacity(signals.len() + found.len());
        for (s, &ci) in signals.iter().zip(owners) {
            out.push(s.clone());
            if !(self.tells_of_past[ci] && s.affirmed()) {
                continue;
            }
            let mut told: Vec<u32> = Vec::new();
            for m in &found {
                let (owner, target, rule) = &self.past_owner[m.pattern as usize];
                if *owner as usize != ci
                    || m.start < s.start
                    || m.end > s.end
                    || told.contains(target)
                {
                    continue;
                }
                told.push(*target);
                let (construct, family) = &self.names[*target as usize];
                // The construct's own patterns found it already ("one year since my attempt").
                let already = signals.iter().any(|x| {
                    x.construct == *construct && x.affirmed() && x.start < s.end && s.start < x.end
                });
                if already {
                    continue;
                }
                // The milestone's words and the few before it in its sentence ("a year and 2
                // days clean": the match may start at the last count).
                let from = tokens
                    .tokens
                    .get(tokens.tokens.partition_point(|t| t.end <= s.start))
                    .and_then(|t| tokens.sentences.get(t.sentence as usize))
                    .map_or(s.start, |x| x.start.min(s.start));
                let before: Vec<&str> = text[from..s.start].split_whitespace().collect();
                let told = format!(
                    "{} {}",
                    before[before.len().saturating_sub(4)..].join(" "),
                    s.text
                );
                let (temporality, category, why) = if counts_under_a_month(&told) {
                    (Temporality::Recent, "recent", RECENT_OF_MILESTONE)
                } else {
                    (Temporality::Historical, "historical", PAST_OF_MILESTONE)
                };
                out.push(Signal {
                    construct: construct.clone(),
                    family: family.clone(),
                    temporality,
                    rule: rule.clone(),
                    cues: vec![Cue {
                        category: Name::from_static(category),
                        rule: Name::from_static(why),
                        text: text[m.start..m.end].to_string(),
                        start: m.start,
                        end: m.end,
                    }],
                    ..s.clone()
                });
            }
        }
        *signals = out;
    }
}

/// The buffers of [`Signals::find_in`], kept per thread between texts: finding a text's signals
/// allocates only the signals.
#[derive(Default)]
struct Scratch {
    words: WordIds,
    ids: Ids,
    hits: Vec<bool>,
    matches: Vec<Match>,
    side: Vec<Match>,
    /// The look-alikes' spans by construct.
    excluded: Reach,
    /// The sentences with a construct's match, then those with a signal.
    only: Vec<bool>,
    kept: Vec<Match>,
    spans: Vec<(usize, usize)>,
    owners: Vec<usize>,
    pronouns: Vec<bool>,
    cue_matches: Vec<Match>,
    term_matches: Vec<Match>,
    /// The anchors' matches, and the groups they found.
    anchor_matches: Vec<Match>,
    found: Vec<(u32, bool)>,
}

/// Marks in `only` (one flag per sentence) the sentences the matches lie in, and those that
/// answer a question among them (see [`Context::mark_answers`]): the sentences whose context
/// cues and look-alikes are looked for.
fn sentences_to_read<'a>(
    text: &str,
    tokens: &Tokens,
    matches: impl Iterator<Item = &'a Match>,
    only: &mut Vec<bool>,
) {
    only.clear();
    only.resize(tokens.sentences.len(), false);
    for m in matches {
        for t in &tokens.tokens[m.tok_start..m.tok_end] {
            only[t.sentence as usize] = true;
        }
    }
    Context::mark_answers(text, tokens, only);
}

thread_local! {
    static FIND: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Dates as past the undated signals of a story the writer tells of their past: a period of
/// their life named in an earlier sentence ([`STORY_FRAME`]), the signal in a sentence after it
/// with no time of its own, and the present told in a later sentence ([`STORY_PRESENT`]): "When
/// I was 15 I went through a dark time. I took a whole bottle of pills. Now I'm 28." Without
/// the present told after it, or with a word or a verb of the present between the period and
/// the signal, nothing is dated: "Back in college I was bullied. I took 30 pills." may be tonight's act,
/// and missing it is the worse error.
fn date_in_stories(text: &str, tokens: &Tokens, signals: &mut [Signal]) {
    let n = tokens.sentences.len();
    if n < 3 {
        return;
    }
    let sentence_of = |byte: usize| {
        let t = tokens.tokens.partition_point(|t| t.end <= byte);
        tokens.tokens.get(t).map_or(n - 1, |t| t.sentence as usize)
    };
    let undated = |s: &Signal| {
        s.temporality == Temporality::Current
            && !s.cues.iter().any(|c| {
                c.category == "historical" || c.category == "recent" || c.category == "future"
            })
    };
    // Only a signal in a middle sentence can be inside a story.
    let candidate = |s: &Signal| undated(s) && (1..n - 1).contains(&sentence_of(s.start));
    if !signals.iter().any(candidate) {
        return;
    }
    // (At the start of a sentence: its first word, or its second after "but", "so" and the
    // like.)
    let opens_sentence = |byte: usize| {
        let t = tokens.tokens.partition_point(|t| t.end <= byte);
        tokens.tokens.get(t).is_some_and(|tok| {
            let first = tokens.sentences[tok.sentence as usize].tokens.start;
            t - first <= 1
        })
    };
    let frames: Vec<(usize, usize, usize)> = STORY_FRAME
        .find_iter(text)
        .filter(|m| opens_sentence(m.start()))
        .map(|m| (sentence_of(m.start()), m.start(), m.end()))
        .collect();
    if frames.is_empty() {
        return;
    }
    let present: Vec<usize> = STORY_PRESENT
        .find_iter(text)
        .map(|m| sentence_of(m.start()))
        .collect();
    let present_tense: Vec<usize> = PRESENT_TENSE
        .find_iter(text)
        .map(|m| sentence_of(m.start()))
        .collect();
    for s in signals.iter_mut() {
        if !candidate(s) {
            continue;
        }
        let at = sentence_of(s.start);
        // The nearest period named before the signal's sentence, within reach.
        let Some(&(frame, start, end)) = frames
            .iter()
            .rev()
            .find(|&&(f, ..)| f < at && at - f <= STORY_REACH)
        else {
            continue;
        };
        // No present (a word of it, or a verb) between the period and the signal (its own
        // sentence included), and the present told after it.
        let between = |&p: &usize| p > frame && p <= at;
        if present.iter().any(between)
            || present_tense.iter().any(between)
            || !present.iter().any(|&p| p > at)
        {
            continue;
        }
        s.temporality = Temporality::Historical;
        s.cues.push(Cue {
            category: Name::from_static("historical"),
            rule: Name::from_static(TOLD_IN_A_PAST_STORY),
            text: text[start..end].to_string(),
            start,
            end,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_milestone_of_less_than_a_month_counts_recent_time() {
        for short in [
            "4 days clean from cutting",
            "two weeks without self harm",
            "a week sober",
            "day 3 clean",
            "12 hours clean",
        ] {
            assert!(counts_under_a_month(short), "{short}");
        }
        for long in [
            "200 days clean from self harm",
            "6 weeks clean",
            "a year and 2 days clean",
            "clean since March",
            "three months without cutting",
        ] {
            assert!(!counts_under_a_month(long), "{long}");
        }
    }

    /// A story of the writer's past dates what it tells as past only between a period named
    /// and the present told after it.
    #[test]
    fn a_story_of_the_past_dates_what_it_tells() {
        let signals = Signals::embedded().unwrap();
        let attempt = |text: &str| {
            signals
                .find(text)
                .into_iter()
                .find(|s| s.construct == "attempt")
                .unwrap_or_else(|| panic!("no attempt in {text:?}"))
                .temporality
        };
        assert_eq!(
            attempt("When I was 15 things got very dark. I took a whole bottle of pills. Now I'm 30 and well."),
            Temporality::Historical
        );
        // The age in words; old journals read again now.
        assert_eq!(
            attempt("When I was fifteen things got very dark. I took a whole bottle of pills. Now I'm 30 and well."),
            Temporality::Historical
        );
        assert_eq!(
            attempt("Reading back over my old journals tonight. I took a whole bottle of pills. I'm 30 now and well."),
            Temporality::Historical
        );
        // (A word that only begins like an age names no period.)
        assert_eq!(
            attempt("When I was tense things got very dark. I took a whole bottle of pills. Now I'm 30 and well."),
            Temporality::Current
        );
        // No present told after it: the act may be now.
        assert_eq!(
            attempt("When I was 15 things got very dark. I took a whole bottle of pills."),
            Temporality::Current
        );
        // A dated event is not a period of the writer's life.
        assert_eq!(
            attempt("Two years ago my dad died. I took a whole bottle of pills. Now I'm scared."),
            Temporality::Current
        );
        assert_eq!(
            attempt("Two years ago I lost my dad. I took a whole bottle of pills. Now I'm scared."),
            Temporality::Current
        );
        // Nor is a period named inside a sentence about something else.
        assert_eq!(
            attempt("I used to cut when I was a teenager. I took a whole bottle of pills. Now I'm scared."),
            Temporality::Current
        );
        // A verb of the present in the act's sentence.
        assert_eq!(
            attempt("When I was 15 things got very dark. I took a whole bottle of pills and I feel sick. Now I'm scared."),
            Temporality::Current
        );
        // The present between the period and the act.
        assert_eq!(
            attempt("When I was 15 things got very dark. Today I took a whole bottle of pills. I'm scared now."),
            Temporality::Current
        );
    }

    /// Every construct's and context rule's fixture text.
    fn fixture_texts(s: &Signals) -> Vec<String> {
        s.constructs
            .iter()
            .flat_map(|c| c.fixtures.iter().map(|f| f.text.clone()))
            .chain(
                s.context
                    .files
                    .iter()
                    .flat_map(|f| f.fixtures.iter().map(|x| x.text.clone())),
            )
            .collect()
    }

    /// Each figure of speech in `_idioms.toml` cancels what the listed constructs' patterns
    /// would find in its fixture, and the fixture shows that they would.
    #[test]
    fn idioms_cancel_what_the_patterns_would_find() {
        let constructs: Vec<Construct> = construct::embedded()
            .iter()
            .map(|(file, text)| construct::parse(file, text).unwrap())
            .collect();
        let idioms = construct::parse_idioms(construct::embedded_idioms(), &constructs).unwrap();
        let with = Signals::embedded().unwrap();
        let without = Signals::embedded_with(false).unwrap();
        let listed = |s: &Signal| idioms.constructs.iter().any(|c| *c == *s.construct);
        for f in &idioms.fixtures {
            let before: Vec<Signal> = without.find(&f.text).into_iter().filter(listed).collect();
            assert!(
                before.iter().any(|s| s.affirmed()),
                "{:?}: no listed construct fires without the idioms, so the fixture tests nothing",
                f.text
            );
            let after: Vec<Signal> = with.find(&f.text).into_iter().filter(listed).collect();
            assert!(after.is_empty(), "{:?}: {:?}", f.text, after);
        }
    }

    /// An anchored pattern counts only where an anchor of its group matches somewhere in the
    /// text (another sentence too), and its signal names the anchored pattern as its rule.
    #[test]
    fn an_anchored_pattern_needs_its_anchor() {
        let s = Signals::embedded().unwrap();
        let urge = |text: &str| {
            s.find(text)
                .into_iter()
                .find(|x| x.construct == "self_injury_urge")
        };
        let found = urge("Haven't cut since March. The urges are back.").expect("anchored");
        assert_eq!(found.text, "The urges are back");
        assert!(found.rule.starts_with("self_injury_urge:(the|my|these"));
        assert!(urge("Quit smoking in March. The urges are back.").is_none());
        assert!(urge("The urges are back.").is_none());
        // The construct's plain patterns need no anchor.
        assert!(urge("I want to cut myself so badly tonight.").is_some());
    }

    /// A milestone brings what it is from, in the past (in the last weeks where it counts less
    /// than a month), only when it is the writer's own and names it; the construct's own
    /// patterns are not doubled.
    #[test]
    fn a_milestone_tells_of_its_past_behaviour() {
        let s = Signals::embedded().unwrap();
        let past = |text: &str| -> Vec<(String, bool)> {
            s.find(text)
                .into_iter()
                .filter(|x| x.rule.contains(":tells of past "))
                .map(|x| {
                    (
                        x.construct.to_string(),
                        x.temporality == Temporality::Historical,
                    )
                })
                .collect()
        };
        assert_eq!(
            past("3 months clean from sh today"),
            [("self_injury".to_string(), true)]
        );
        // Three weeks clean: the last cut was three weeks ago, in the last weeks, as "it's been
        // 3 weeks since I last cut" says.
        assert_eq!(
            past("3 weeks clean from sh today"),
            [("self_injury".to_string(), false)]
        );
        assert_eq!(
            past("two months purge free and eating with my family"),
            [("ed_behaviour".to_string(), true)]
        );
        assert!(past("3 weeks clean from alcohol today").is_empty());
        assert!(past("my sister is 3 weeks clean from sh").is_empty());
        assert!(past("I'm not 3 weeks clean from sh, I slipped").is_empty());
    }

    #[test]
    fn tells_of_past_must_name_a_construct() {
        let lexicon = construct::parse_lexicon(construct::embedded_lexicon()).unwrap();
        let mut constructs: Vec<Construct> = construct::embedded()
            .iter()
            .map(|(f, t)| construct::parse(f, t).unwrap())
            .collect();
        let milestone = constructs
            .iter_mut()
            .find(|c| c.id == "recovery_milestone")
            .unwrap();
        milestone.tells_of_past[0].construct = "no_such_construct".into();
        let context = Context::new(crate::context::embedded(), &lexicon).unwrap();
        let err = Signals::new(constructs, context, &lexicon).err().unwrap();
        let message = err.to_string();
        assert!(
            message.contains("recovery_milestone.toml") && message.contains("no_such_construct"),
            "{message}"
        );
    }

    #[test]
    fn a_context_rule_may_spare_only_a_known_construct() {
        let lexicon = construct::parse_lexicon(construct::embedded_lexicon()).unwrap();
        let constructs: Vec<Construct> = construct::embedded()
            .iter()
            .map(|(f, t)| construct::parse(f, t).unwrap())
            .collect();
        let context = Context::new(crate::context::embedded(), &lexicon).unwrap();
        check_spares(&constructs, &context).expect("the embedded rules spare known constructs");
        let misspelt = r#"
category = "hypothetical"
description = "test"
citation = "test"

[[rules]]
cue = "would have"
spares = ["self_injury_urg"]

[[fixtures]]
text = "I would have cut."
construct = "self_injury"
expect = "hypothetical"
"#;
        let context = Context::new(&[("hypothetical_test.toml", misspelt)], &lexicon).unwrap();
        let message = check_spares(&constructs, &context).unwrap_err().to_string();
        assert!(message.contains("self_injury_urg"), "{message}");
    }

    /// A regex with no rare literal string is asked of every text, as part of one regex set
    /// whose lazy DFA grows with each such regex (two context cues with long gaps, written as
    /// regexes, once made the data sets' texts a third slower). Their number is held here: a
    /// new regex should have a rare word in it, or be a token pattern.
    #[test]
    fn few_regexes_are_asked_of_every_text() {
        let s = Signals::embedded().unwrap();
        let common = s.regex_hits.common();
        assert!(
            common <= 12,
            "{common} regexes have no rare literal and are asked of every text (at most 12)"
        );
    }

    /// Which regexes may match, learnt for both matchers in one scan of the text (the gate of
    /// [`crate::gate`]), gives the matches of running every pattern and every regex: on the
    /// data files' own phrases (which exercise the regexes), alone and run together, in ASCII
    /// and not.
    #[test]
    fn one_regex_gate_for_both_matchers_finds_what_running_every_regex_finds() {
        let s = Signals::embedded().unwrap();
        let mut texts = fixture_texts(&s);
        let joined: Vec<String> = texts.chunks(3).map(|w| w.join(" ")).collect();
        texts.extend(joined);
        let curly: Vec<String> = texts.iter().map(|t| format!("{t} “so”")).collect();
        texts.extend(curly);
        let upper: Vec<String> = texts.iter().step_by(5).map(|t| t.to_uppercase()).collect();
        texts.extend(upper);
        let (mut ruled_out, mut regex_matches) = (0, 0);
        for text in &texts {
            let tokens = tokenize(text);
            let words = s.vocabulary.ids(&tokens);
            let hits = s.regex_hits.hits(text);
            ruled_out += hits.iter().flatten().filter(|&&h| !h).count();
            let ids = s.matcher.ids_from(&tokens, &words);
            let every = s.matcher.find_naive(text, &tokens, &ids, None);
            assert_eq!(
                s.matcher
                    .find_with_hits(text, &tokens, &ids, None, Some(&hits[0])),
                every,
                "{text:?}"
            );
            assert_eq!(s.matcher.find_with(text, &tokens, &ids), every, "{text:?}");
            regex_matches += every
                .iter()
                .filter(|m| s.matcher.patterns_is_regex(m.pattern))
                .count();
            let ids = s.side.ids_from(&tokens, &words);
            let n = tokens.sentences.len();
            for only in [vec![true; n], (0..n).map(|k| k % 2 == 0).collect()] {
                let every = s.side.find_naive(text, &tokens, &ids, Some(&only));
                assert_eq!(
                    s.side
                        .find_with_hits(text, &tokens, &ids, Some(&only), Some(&hits[1])),
                    every,
                    "{text:?}"
                );
                assert_eq!(
                    s.side.find_in_sentences_with(text, &tokens, &ids, &only),
                    every,
                    "{text:?}"
                );
            }
        }
        // The gate rules most regexes out of most texts, and the texts exercise the regexes.
        let total: usize = s.regex_hits.len() * texts.len();
        assert!(
            ruled_out > total * 9 / 10,
            "{ruled_out} of {total} ruled out"
        );
        assert!(regex_matches > 10, "{regex_matches} regex matches");
    }

    /// The one walk over look-alikes, cues and terminators finds, for each, what a matcher of
    /// its own finds (the context's matchers, and one of the constructs' look-alikes alone), in
    /// the same order, in all sentences and in some.
    #[test]
    fn one_side_walk_finds_what_separate_matchers_find() {
        let s = Signals::embedded().unwrap();
        let lexicon = construct::parse_lexicon(construct::embedded_lexicon()).unwrap();
        let mut excludes = Matcher::new();
        for c in &s.constructs {
            for p in &c.exclude {
                excludes.add(p, &lexicon).unwrap();
            }
        }
        let [cues, terminators] = s.context.matchers();
        let mut texts = fixture_texts(&s);
        let joined: Vec<String> = texts.chunks(4).map(|w| w.join(" ")).collect();
        texts.extend(joined);
        let (e, c) = (s.side_excludes, s.side_excludes + s.side_cues);
        let mut found = 0;
        for text in &texts {
            let tokens = tokenize(text);
            let words = s.vocabulary.ids(&tokens);
            let ids = s.side.ids_from(&tokens, &words);
            let n = tokens.sentences.len();
            for only in [vec![true; n], (0..n).map(|k| k % 2 == 0).collect()] {
                let side = s.side.find_in_sentences_with(text, &tokens, &ids, &only);
                let pick = |from: u32, to: u32| -> Vec<Match> {
                    side.iter()
                        .filter(|m| (from..to).contains(&m.pattern))
                        .map(|m| Match {
                            pattern: m.pattern - from,
                            ..*m
                        })
                        .collect()
                };
                assert_eq!(pick(0, e), excludes.find_in_sentences(text, &tokens, &only));
                assert_eq!(pick(e, c), cues.find_in_sentences(text, &tokens, &only));
                assert_eq!(
                    pick(c, u32::MAX),
                    terminators.find_in_sentences(text, &tokens, &only)
                );
                found += side.len();
            }
        }
        assert!(found > 1000, "{found} matches");
    }
}
