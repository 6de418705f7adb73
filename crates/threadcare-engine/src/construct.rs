//! Constructs as data: one TOML file per construct in `constructs/`, embedded in the binary.
//!
//! A construct is a clinical idea (passive ideation, self-injury, burdensomeness, a rupture with
//! the therapist…) with a definition, a citation, the families it belongs to, the patterns that
//! find it and the fixture texts that say what must and must not fire. The engine never names a
//! phrase in code: a clinician can read and change what threadcare looks for without reading Rust.
//! See `constructs/README.md` for the file format.

use serde::Deserialize;

/// What kind of thing a construct is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Raises concern about the writer.
    Risk,
    /// Lowers concern: hope, support, help-seeking.
    Protective,
    /// A relationship theme (rupture, repair, fear of abandonment): context, not risk.
    Theme,
    /// A quality of a reply (empathy, referral, harm), judged on comments.
    Reply,
}

/// What a fixture expects of its construct in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// An affirmed signal (the writer's own, not negated, not hypothetical, not quoted).
    Fire,
    /// No affirmed signal (nothing matches, or what matches is negated, someone else's…).
    None,
    /// A signal that is negated.
    Negated,
    /// A signal about someone else.
    Other,
    /// A signal with historical temporality.
    Historical,
    /// A signal with recent temporality.
    Recent,
    /// A signal with future temporality.
    Future,
    /// A signal marked hypothetical.
    Hypothetical,
    /// A signal marked conditional (kept: conditional intent is intent).
    Conditional,
    /// A signal inside quotation marks.
    Quoted,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub text: String,
    pub expect: Expect,
    /// When given, the signal's evidence must be exactly this text.
    #[serde(default)]
    pub span: Option<String>,
    /// Why this fixture is here (for the reader of the file).
    #[serde(default)]
    pub note: Option<String>,
}

/// One construct file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Construct {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub family: String,
    /// The C-SSRS screener level this construct supports when affirmed (1–6).
    #[serde(default)]
    pub cssrs: Option<u8>,
    pub definition: String,
    pub citation: String,
    pub patterns: Vec<String>,
    /// Look-alikes (idioms, figures of speech): a match of one of these overlapping a match of
    /// this construct cancels it ("this commute is killing me").
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub fixtures: Vec<Fixture>,
    /// Whether experiencer cues ("she", "my friend") apply. Off for constructs that are by
    /// nature about what someone else does for the writer (social support, the alliance) and
    /// for reply qualities; the evidence's own words ("herself") still count.
    #[serde(default = "yes")]
    pub experiencer_cues: bool,
    /// What this construct's evidence also tells of, in the past: a recovery milestone from
    /// self-harm ("90 days clean from sh") tells of self-injury now stopped, one from alcohol
    /// does not. Where one of an entry's patterns matches inside an affirmed signal's evidence,
    /// the signal brings a historical signal of the entry's construct with it.
    #[serde(default)]
    pub tells_of_past: Vec<TellsOfPast>,
    /// Constructs whose undated signals, told before an affirmed present signal of this one,
    /// are past: a recovery told after an attempt ("I attempted when things were at their
    /// worst. Five years clean of self-harm now") tells of the attempt as past. Only undated
    /// ones (no time cue) and only before: "two years clean, then I overdosed" is a lapse.
    #[serde(default)]
    pub dates_before: Vec<String>,
    /// A lasting risk factor: what its evidence tells of is past by nature (a bereavement by
    /// suicide, years ago or last week), and the risk it marks lasts. A time word still dates
    /// the signal in the output, but the level rules count it as a current risk factor (`low`);
    /// it never counts as the current distress that makes a past attempt `severe`.
    #[serde(default)]
    pub lasting: bool,
    /// A risk factor whose past still counts: a past signal of it ("I was abused as a child")
    /// counts as a current risk factor (`low`), as a lasting one does, while a current one
    /// ("the flashbacks are constant this week") is current distress as any other risk is.
    #[serde(default)]
    pub past_counts: bool,
    /// The writer's own by what it is: a bereavement by suicide names someone else who died
    /// ("my sister killed herself"), but the risk is the writer's. Neither experiencer cues nor
    /// the evidence's own words ("herself") make it someone else's; quotation still does.
    #[serde(default)]
    pub writers_own: bool,
    /// Patterns that count only in a text where one of their `anchors` matches too: "the
    /// urges are back" is an urge to self-injure where the text names self-harm ("haven't cut
    /// since March. The urges are back"), and nothing in a text about snacks.
    #[serde(default)]
    pub anchored: Vec<Anchored>,
}

/// One entry of [`Construct::anchored`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchored {
    /// Patterns of this construct, as in `patterns`.
    pub patterns: Vec<String>,
    /// What must match somewhere in the same text for them to count; empty, the patterns count
    /// alone (a block that only groups patterns, for `someone_else` or `strong`).
    #[serde(default)]
    pub anchors: Vec<String>,
    /// The patterns tell of someone else's act by what they are ("texted me goodbye and now
    /// she's not answering" is her goodbye, whatever "me" says): their signals are someone
    /// else's (quotation still applies).
    #[serde(default)]
    pub someone_else: bool,
    /// An anchor counts only where context leaves it affirmed: not denied, not hypothetical,
    /// the writer's own (or anyone's, with `someone_else`), and quoted only for quoted
    /// evidence. For anchors that are the evidence of what the patterns mean ("I won't be here
    /// tomorrow" is intent beside the writer's own wish to die, not beside "I'm not suicidal"
    /// or "she said she wanted to die"). Without it an anchor names what the patterns are
    /// about, however it is said ("I'd never go through with killing myself, but I think about
    /// it daily": "it" is suicide all the same).
    #[serde(default)]
    pub affirmed: bool,
    /// As `affirmed`, and an anchor of the past does not count either: for patterns whose
    /// sense comes from a state now ("I've made up my mind." beside "I can't do this
    /// anymore", not beside "I was suicidal for years").
    #[serde(default)]
    pub now: bool,
    /// The patterns are a strong form of a risk factor by what they say, enough alone for
    /// `moderate` (DESIGN §5: "strong burdensomeness"): others better off with the writer gone
    /// says the writer's death would be a relief, which a bare "I feel like a burden" does not.
    #[serde(default)]
    pub strong: bool,
    /// The patterns say in their own words that the construct's look-alikes (`exclude`) do
    /// not apply: "burned myself with my straighteners on purpose" is self-injury although
    /// "burned myself with my straighteners" is the look-alike of an accident. An exclude
    /// does not cancel their matches (context still applies: "not on purpose" is denied).
    #[serde(default)]
    pub over_excludes: bool,
}

/// One entry of [`Construct::tells_of_past`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TellsOfPast {
    /// The construct it tells of (another construct's id).
    pub construct: String,
    /// What, inside the evidence, names it ("sh", "purging"): the pattern language.
    pub patterns: Vec<String>,
}

fn yes() -> bool {
    true
}

/// The embedded construct files: (file name, contents).
pub fn embedded() -> &'static [(&'static str, &'static str)] {
    include!(concat!(env!("OUT_DIR"), "/constructs.rs"))
}

/// The embedded word classes (`constructs/_lexicon.toml`).
pub fn embedded_lexicon() -> &'static str {
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../constructs/_lexicon.toml"
    ))
}

/// Figures of speech that name an act of harm and mean nothing of the kind
/// (`constructs/_idioms.toml`): each pattern is an exclusion of every construct listed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Idioms {
    /// The constructs whose signals the patterns cancel.
    pub constructs: Vec<String>,
    pub patterns: Vec<String>,
    /// Texts that must give no signal of the listed constructs (and one without the idioms).
    #[serde(default)]
    pub fixtures: Vec<IdiomFixture>,
}

/// One text of [`Idioms::fixtures`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdiomFixture {
    pub text: String,
}

/// The embedded figures of speech (`constructs/_idioms.toml`).
pub fn embedded_idioms() -> &'static str {
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../constructs/_idioms.toml"
    ))
}

/// Parses an idioms file and checks it against the constructs it names.
pub fn parse_idioms(text: &str, constructs: &[Construct]) -> Result<Idioms, ConstructError> {
    let file = "_idioms.toml";
    let idioms: Idioms = toml::from_str(text).map_err(|e| ConstructError::Parse {
        file: file.into(),
        message: e.to_string(),
    })?;
    let invalid = |message: String| ConstructError::Invalid {
        file: file.into(),
        message,
    };
    if idioms.patterns.is_empty() || idioms.constructs.is_empty() {
        return Err(invalid("needs constructs and patterns".into()));
    }
    if idioms.fixtures.is_empty() {
        return Err(invalid("needs fixtures".into()));
    }
    if let Some(unknown) = idioms
        .constructs
        .iter()
        .find(|id| !constructs.iter().any(|c| &c.id == *id))
    {
        return Err(invalid(format!("names no construct file: `{unknown}`")));
    }
    Ok(idioms)
}

/// A construct file that cannot be used, with the reason.
#[derive(Debug, thiserror::Error)]
pub enum ConstructError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// Parses and checks one construct file.
pub fn parse(file: &str, text: &str) -> Result<Construct, ConstructError> {
    let c: Construct = toml::from_str(text).map_err(|e| ConstructError::Parse {
        file: file.into(),
        message: e.to_string(),
    })?;
    let invalid = |message: String| ConstructError::Invalid {
        file: file.into(),
        message,
    };
    let stem = file
        .trim_end_matches(".toml")
        .rsplit('/')
        .next()
        .unwrap_or(file);
    if c.id != stem {
        return Err(invalid(format!(
            "id `{}` must equal the file name `{stem}`",
            c.id
        )));
    }
    if c.patterns.is_empty() {
        return Err(invalid("no patterns".into()));
    }
    if !c.fixtures.iter().any(|f| f.expect == Expect::Fire) {
        return Err(invalid("needs at least one fixture that must fire".into()));
    }
    if !c.fixtures.iter().any(|f| f.expect != Expect::Fire) {
        return Err(invalid(
            "needs at least one fixture that must not fire (or fires negated, historical, …)"
                .into(),
        ));
    }
    for t in &c.tells_of_past {
        if t.patterns.is_empty() {
            return Err(invalid(format!(
                "tells_of_past `{}` has no patterns",
                t.construct
            )));
        }
        if t.construct == c.id {
            return Err(invalid("tells_of_past names the construct itself".into()));
        }
    }
    if let Some(level) = c.cssrs {
        if !(1..=6).contains(&level) {
            return Err(invalid(format!("cssrs {level} is outside 1–6")));
        }
    }
    Ok(c)
}

/// Parses the embedded lexicon: `name = "alt|alt|alt"` lines.
pub fn parse_lexicon(text: &str) -> Result<crate::pattern::Lexicon, ConstructError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ConstructError::Parse {
        file: "_lexicon.toml".into(),
        message: e.to_string(),
    })?;
    let mut out = crate::pattern::Lexicon::new();
    for (name, value) in table {
        let s = value.as_str().ok_or_else(|| ConstructError::Invalid {
            file: "_lexicon.toml".into(),
            message: format!("`{name}` must be a string of alternatives separated by |"),
        })?;
        out.insert(name, s.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    Ok(out)
}
